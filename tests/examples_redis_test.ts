// Copyright 2026 the socketkit authors. MIT license.
// examples/mini_redis.ts, driven as a subprocess: RESP over the library's
// own client (pipelined), and redis-cli and redis-benchmark where installed.

import assert from "node:assert/strict";
import * as tcp from "../tcp.ts";
import { hasCommand, portOf, run, startExample, within } from "./_util.ts";

const NET = ["--allow-net=127.0.0.1"];
const encoder = new TextEncoder();

/** A command in RESP: an array of bulk strings. */
function resp(...argv: string[]): string {
  return `*${argv.length}\r\n` +
    argv.map((a) => `$${encoder.encode(a).length}\r\n${a}\r\n`).join("");
}

/** Reads one reply: `+OK`, `-ERR ...`, `:3`, a bulk string or `nil`. */
async function reply(sock: tcp.TcpSocket): Promise<string> {
  const line = await tcp.recvLine(sock, { timeout: 10_000 });
  assert.ok(line !== null, "the server closed the connection");
  if (line[0] !== "$") return line;
  const size = Number(line.slice(1));
  if (size < 0) return "nil";
  const data = await tcp.recvExact(sock, size + 2, { timeout: 10_000 });
  return new TextDecoder().decode(data.subarray(0, size));
}

Deno.test("mini_redis answers every command of a pipeline in order", async () => {
  await using server = await startExample("mini_redis.ts", NET, [
    "--port",
    "0",
  ]);
  await using sock = await tcp.connect(server.listening);
  const script: [string[], string][] = [
    [["PING"], "+PONG"],
    [["PING", "hi"], "hi"],
    [["ECHO", "héllo wörld"], "héllo wörld"],
    [["SET", "k", "v1"], "+OK"],
    [["GET", "k"], "v1"],
    [["GET", "missing"], "nil"],
    [["INCR", "n"], ":1"],
    [["INCR", "n"], ":2"],
    [["INCR", "k"], "-ERR value is not an integer or out of range"],
    [["EXISTS", "k", "n", "missing"], ":2"],
    [["TTL", "k"], ":-1"],
    [["EXPIRE", "k", "100"], ":1"],
    [["TTL", "k"], ":100"],
    [["TTL", "missing"], ":-2"],
    [["DEL", "k", "n", "missing"], ":2"],
    [["GET", "k"], "nil"],
    [["SET", "k"], "-ERR wrong number of arguments for 'set' command"],
    [["SET", "k", "v", "EX", "zero"], "-ERR syntax error"],
    [["FLUSHALL"], "-ERR unknown command 'FLUSHALL'"],
  ];
  // Many rounds of the script in one write: a pipelining client.
  const rounds = 50;
  await tcp.sendAll(
    sock,
    script.map(([argv]) => resp(...argv)).join("").repeat(rounds),
  );
  for (let r = 0; r < rounds; r++) {
    for (const [argv, expected] of script) {
      assert.equal(
        await reply(sock),
        expected,
        `${argv.join(" ")} (round ${r})`,
      );
    }
  }
  // Inline commands, as typed into nc.
  await tcp.sendAll(sock, "PING\r\nECHO inline\r\n");
  assert.equal(await reply(sock), "+PONG");
  assert.equal(await reply(sock), "inline");
});

Deno.test("mini_redis expires keys set with PX", async () => {
  await using server = await startExample("mini_redis.ts", NET, [
    "--port",
    "0",
  ]);
  await using sock = await tcp.connect(server.listening);
  await tcp.sendAll(
    sock,
    resp("SET", "t", "x", "PX", "100") + resp("GET", "t"),
  );
  assert.equal(await reply(sock), "+OK");
  assert.equal(await reply(sock), "x");
  await new Promise((resolve) => setTimeout(resolve, 300));
  await tcp.sendAll(sock, resp("GET", "t"));
  assert.equal(await reply(sock), "nil");
});

Deno.test("mini_redis answers a malformed request with a protocol error and closes", async () => {
  await using server = await startExample("mini_redis.ts", NET, [
    "--port",
    "0",
  ]);
  await using sock = await tcp.connect(server.listening);
  await tcp.sendAll(sock, "*1\r\n$x\r\n");
  assert.equal(await reply(sock), "-ERR Protocol error: invalid bulk length");
  assert.equal(await tcp.recv(sock, 1, { timeout: 10_000 }), null);
});

Deno.test({
  name: "mini_redis works with redis-cli",
  ignore: !hasCommand("redis-cli"),
  async fn() {
    await using server = await startExample("mini_redis.ts", NET, [
      "--port",
      "0",
    ]);
    const port = String(portOf(server.listening));
    const cli = (...args: string[]) =>
      within(run("redis-cli", ["-p", port, ...args]), 30_000, "redis-cli");
    assert.equal((await cli("set", "greeting", "hello")).stdout, "OK\n");
    assert.equal((await cli("get", "greeting")).stdout, "hello\n");
    assert.equal((await cli("incr", "counter")).stdout, "1\n");
    assert.equal((await cli("ping")).stdout, "PONG\n");
  },
});

Deno.test({
  name: "mini_redis serves redis-benchmark with pipelining to the end",
  ignore: !hasCommand("redis-benchmark"),
  async fn() {
    await using server = await startExample("mini_redis.ts", NET, [
      "--port",
      "0",
    ]);
    const out = await within(
      run("redis-benchmark", [
        "-p",
        String(portOf(server.listening)),
        "-t",
        "ping_mbulk,set,get",
        "-n",
        "5000",
        "-c",
        "10",
        "-P",
        "16",
        "-q",
      ]),
      30_000,
      "redis-benchmark",
    );
    assert.equal(out.code, 0, out.stderr);
    for (const test of ["PING_MBULK", "SET", "GET"]) {
      assert.match(
        out.stdout,
        new RegExp(`${test}: [\\d.]+ requests per second`),
      );
    }
  },
});
