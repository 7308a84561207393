// Copyright 2026 the socketkit authors. MIT license.
// deno-lint-ignore-file no-console

/**
 * The raw-Deno comparison for `bench/redis.ts`: a hand-written RESP server
 * on `Deno.listen`, answering PING, ECHO, SET and GET. By default it writes
 * each reply with its own `conn.write`, as a hand-written server naturally
 * does; `--batch` gathers the replies to one read into one write, as a
 * careful hand-written server does.
 *
 * ```sh
 * deno run --allow-net=127.0.0.1 bench/_redis_raw.ts --port 0 [--batch]
 * ```
 *
 * It sets TCP_NODELAY on each connection, as a careful hand-written server
 * does (with Nagle's algorithm on, one write per reply stalls on the
 * client's delayed ACK at about 18,000 requests/s).
 *
 * @module
 */

import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    batch: { type: "boolean" },
  },
});
const batch = values.batch === true;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const PONG = encoder.encode("+PONG\r\n");
const OK = encoder.encode("+OK\r\n");
const NIL = encoder.encode("$-1\r\n");
const store = new Map<string, Uint8Array>();

function bulk(value: Uint8Array): Uint8Array {
  const head = encoder.encode(`$${value.length}\r\n`);
  const out = new Uint8Array(head.length + value.length + 2);
  out.set(head);
  out.set(value, head.length);
  out.set([13, 10], out.length - 2);
  return out;
}

function execute(argv: Uint8Array[]): Uint8Array {
  const name = decoder.decode(argv[0]).toUpperCase();
  if (name === "PING") return PONG;
  if (name === "ECHO") return bulk(argv[1]!);
  if (name === "SET") {
    store.set(decoder.decode(argv[1]), argv[2]!.slice());
    return OK;
  }
  if (name === "GET") {
    const value = store.get(decoder.decode(argv[1]));
    return value === undefined ? NIL : bulk(value);
  }
  return encoder.encode(`-ERR unknown command\r\n`);
}

/** The end of the line starting at `from` ("\r\n" included), or -1. */
function lineEnd(buf: Uint8Array, from: number, to: number): number {
  const nl = buf.subarray(0, to).indexOf(10, from);
  return nl < 0 ? -1 : nl + 1;
}

/** One request from buf[from, to): its arguments and where it ends, or null. */
function parse(
  buf: Uint8Array,
  from: number,
  to: number,
): [Uint8Array[], number] | null {
  let at = lineEnd(buf, from, to);
  if (at < 0) return null;
  const count = Number(decoder.decode(buf.subarray(from + 1, at - 2)));
  const argv: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const end = lineEnd(buf, at, to);
    if (end < 0) return null;
    const size = Number(decoder.decode(buf.subarray(at + 1, end - 2)));
    if (end + size + 2 > to) return null;
    argv.push(buf.subarray(end, end + size));
    at = end + size + 2;
  }
  return [argv, at];
}

async function handle(conn: Deno.TcpConn): Promise<void> {
  // As a careful server does: without it, Nagle's algorithm and the
  // client's delayed ACK hold every second small write for 40 ms.
  conn.setNoDelay(true);
  let buf = new Uint8Array(65_536);
  let start = 0;
  let end = 0;
  try {
    for (;;) {
      if (end === buf.length) {
        const next = new Uint8Array(buf.length * 2);
        next.set(buf.subarray(start, end));
        end -= start;
        start = 0;
        buf = next;
      }
      const n = await conn.read(buf.subarray(end));
      if (n === null) return;
      end += n;
      const replies: Uint8Array[] = [];
      for (;;) {
        const request = parse(buf, start, end);
        if (request === null) break;
        start = request[1];
        const reply = execute(request[0]);
        if (batch) replies.push(reply);
        else await conn.write(reply);
      }
      if (batch && replies.length > 0) {
        const size = replies.reduce((a, r) => a + r.length, 0);
        const out = new Uint8Array(size);
        let at = 0;
        for (const r of replies) {
          out.set(r, at);
          at += r.length;
        }
        for (let w = 0; w < out.length;) w += await conn.write(out.subarray(w));
      }
      if (start === end) start = end = 0;
      else if (start > buf.length >> 1) {
        buf.copyWithin(0, start, end);
        end -= start;
        start = 0;
      }
    }
  } catch {
    // The client went away.
  } finally {
    conn.close();
  }
}

const listener = Deno.listen({
  hostname: "127.0.0.1",
  port: Number(values.port),
});
console.log(`listening on 127.0.0.1:${listener.addr.port}`);
for await (const conn of listener) handle(conn);
