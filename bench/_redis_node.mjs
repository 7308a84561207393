// Copyright 2026 the socketkit authors. MIT license.
// deno-lint-ignore-file no-console
// The Node comparison for bench/redis.ts: a hand-written RESP server on
// Node's `net`, one `socket.write` per reply (PING, ECHO, SET, GET), with
// TCP_NODELAY set as a careful server does.
// Usage: node bench/_redis_node.mjs PORT

import net from "node:net";

const PONG = Buffer.from("+PONG\r\n");
const OK = Buffer.from("+OK\r\n");
const NIL = Buffer.from("$-1\r\n");
const store = new Map();

function bulk(value) {
  return Buffer.concat([
    Buffer.from(`$${value.length}\r\n`),
    value,
    Buffer.from("\r\n"),
  ]);
}

function execute(argv) {
  const name = argv[0].toString().toUpperCase();
  if (name === "PING") return PONG;
  if (name === "ECHO") return bulk(argv[1]);
  if (name === "SET") {
    store.set(argv[1].toString(), Buffer.from(argv[2]));
    return OK;
  }
  if (name === "GET") {
    const value = store.get(argv[1].toString());
    return value === undefined ? NIL : bulk(value);
  }
  return Buffer.from("-ERR unknown command\r\n");
}

function parse(buf, from) {
  let at = buf.indexOf(10, from);
  if (at < 0) return null;
  at += 1;
  const count = Number(buf.toString("latin1", from + 1, at - 2));
  const argv = [];
  for (let i = 0; i < count; i++) {
    let end = buf.indexOf(10, at);
    if (end < 0) return null;
    end += 1;
    const size = Number(buf.toString("latin1", at + 1, end - 2));
    if (end + size + 2 > buf.length) return null;
    argv.push(buf.subarray(end, end + size));
    at = end + size + 2;
  }
  return [argv, at];
}

const server = net.createServer((socket) => {
  // As the raw Deno server: no Nagle stall on the client's delayed ACK.
  socket.setNoDelay(true);
  let pending = Buffer.alloc(0);
  socket.on("data", (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let start = 0;
    for (;;) {
      const request = parse(pending, start);
      if (request === null) break;
      start = request[1];
      socket.write(execute(request[0]));
    }
    pending = pending.subarray(start);
  });
  socket.on("error", () => {});
});
server.listen(Number(process.argv[2] ?? 0), "127.0.0.1", () => {
  console.log(`listening on 127.0.0.1:${server.address().port}`);
});
