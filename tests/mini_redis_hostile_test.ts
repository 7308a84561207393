// Copyright 2026 the socketkit authors. MIT license.
// examples/mini_redis.ts against hostile clients: malformed and oversized
// RESP, a pipeliner that never reads its replies, and Ctrl-C while clients
// are attached. Each hostile client gets a clear protocol error (or only
// its own connection stalls), and other clients are served meanwhile.

import assert from "node:assert/strict";
import * as tcp from "../tcp.ts";
import { type RunningExample, startExample, within } from "./_util.ts";

const NET = ["--allow-net=127.0.0.1"];
const encoder = new TextEncoder();

function resp(...argv: string[]): string {
  return `*${argv.length}\r\n` +
    argv.map((a) => `$${encoder.encode(a).length}\r\n${a}\r\n`).join("");
}

function startRedis(): Promise<RunningExample> {
  return startExample("mini_redis.ts", NET, ["--port", "0"]);
}

/** Everything the server sends until it closes the connection. */
async function readToEnd(sock: tcp.TcpSocket): Promise<string> {
  let out = "";
  for (;;) {
    const chunk = await tcp.recv(sock, 65_536, { timeout: 10_000 });
    if (chunk === null) return out;
    out += new TextDecoder().decode(chunk);
  }
}

/** Sends `request` on a new connection; returns all the server answers before it closes. */
async function exchange(
  server: RunningExample,
  request: string,
): Promise<string> {
  await using sock = await tcp.connect(server.listening, { timeout: 5_000 });
  await tcp.sendAll(sock, request, { timeout: 5_000 });
  return await readToEnd(sock);
}

/** Checks that a well-behaved client is still answered. */
async function assertServes(server: RunningExample): Promise<void> {
  await using sock = await tcp.connect(server.listening, { timeout: 5_000 });
  await tcp.sendAll(sock, resp("ECHO", "still here"), { timeout: 5_000 });
  assert.equal(await tcp.recvLine(sock, { timeout: 10_000 }), "$10");
  assert.equal(await tcp.recvLine(sock, { timeout: 10_000 }), "still here");
}

Deno.test("mini_redis refuses lengths that are not plain decimal digits, as Redis does", async () => {
  await using server = await startRedis();
  const bulk = "-ERR Protocol error: invalid bulk length\r\n";
  const multibulk = "-ERR Protocol error: invalid multibulk length\r\n";
  const cases: [string, string][] = [
    // Number() read each of these as a length: "" as 0, "0x3" as 3, ...
    ["*2\r\n$4\r\nECHO\r\n$\r\n\r\n", bulk],
    ["*2\r\n$4\r\nECHO\r\n$0x3\r\nabc\r\n", bulk],
    ["*2\r\n$4\r\nECHO\r\n$3e0\r\nabc\r\n", bulk],
    ["*2\r\n$4\r\nECHO\r\n$ 3\r\nabc\r\n", bulk],
    ["*2\r\n$4\r\nECHO\r\n$+3\r\nabc\r\n", bulk],
    ["*2\r\n$4\r\nECHO\r\n$03\r\nabc\r\n", bulk],
    ["*0x2\r\n$4\r\nECHO\r\n$3\r\nabc\r\n", multibulk],
    ["*\r\nPING\r\n", multibulk],
    ["*-5\r\nPING\r\n", multibulk],
    ["*1\r\n$-1\r\n", bulk],
    ["*1\r\n$9999999999\r\n", bulk],
    ["*99999999999\r\n", multibulk],
    ["*1\r\n:5\r\n", bulk],
  ];
  for (const [request, expected] of cases) {
    assert.equal(
      await exchange(server, request),
      expected,
      JSON.stringify(request),
    );
  }
  await assertServes(server);
});

Deno.test("mini_redis answers a line with no end in sight with a protocol error, not a silent close", async () => {
  await using server = await startRedis();
  // An inline command of 200 KB, then length lines of 100,000 digits.
  assert.equal(
    await exchange(server, "A".repeat(200_000)),
    "-ERR Protocol error: too big request line\r\n",
  );
  assert.equal(
    await exchange(server, `*1\r\n$${"1".repeat(100_000)}\r\n`),
    "-ERR Protocol error: too big bulk count string\r\n",
  );
  assert.equal(
    await exchange(server, `*${"2".repeat(100_000)}\r\n`),
    "-ERR Protocol error: too big request line\r\n",
  );
  await assertServes(server);
});

Deno.test("mini_redis bounds one command: its bulk strings together, and its argument count", async () => {
  await using server = await startRedis();
  // Each bulk string is within 512 MiB, but together they are not: the
  // second is refused on its header, before its bytes are sent.
  assert.equal(
    await exchange(
      server,
      `*3\r\n$4\r\nECHO\r\n$10\r\n0123456789\r\n$${512 * 1024 * 1024 - 5}\r\n`,
    ),
    "-ERR Protocol error: the command is over the limit of 536870912 bytes\r\n",
  );
  // A million empty arguments cost some 200 MB of objects for 6 MB sent.
  assert.equal(
    await exchange(server, "*1048576\r\n"),
    "-ERR Protocol error: invalid multibulk length\r\n",
  );
  // A command at the limit of arguments is served.
  const argv = Array.from({ length: 65_536 }, () => "k");
  await using sock = await tcp.connect(server.listening, { timeout: 5_000 });
  await tcp.sendAll(sock, resp("EXISTS", ...argv.slice(1)), {
    timeout: 10_000,
  });
  assert.equal(await tcp.recvLine(sock, { timeout: 10_000 }), ":0");
});

Deno.test("mini_redis serves others while a client pipelines 300,000 requests and never reads", async () => {
  await using server = await startRedis();
  await using hostile = await tcp.connect(server.listening, {
    timeout: 5_000,
  });
  const request = resp("ECHO", "x".repeat(100));
  const batch = request.repeat(1_000);
  let sent = 0;
  // The server stops reading once its replies back up: the sends stall.
  const stalled = await (async () => {
    for (let i = 0; i < 300; i++) {
      await tcp.sendAll(hostile, batch, { timeout: 2_000 });
      sent += 1_000;
    }
    return null;
  })().catch((err) => err);
  assert.ok(
    stalled instanceof Deno.errors.TimedOut,
    `the server took all ${sent} requests without their replies read: ${stalled}`,
  );
  await assertServes(server);
});

Deno.test("mini_redis exits promptly on Ctrl-C while clients sit idle between commands", async () => {
  const server = await startRedis();
  const idle = await Promise.all(
    Array.from({ length: 5 }, () => tcp.connect(server.listening)),
  );
  try {
    for (const sock of idle) {
      await tcp.sendAll(sock, resp("PING"));
      assert.equal(await tcp.recvLine(sock, { timeout: 10_000 }), "+PONG");
    }
    const started = performance.now();
    // Before, each idle client held the exit for the whole 10 s grace.
    const status = await within(server.stop(), 30_000, "the exit");
    const took = performance.now() - started;
    assert.equal(status.code, 0);
    assert.ok(took < 5_000, `the exit took ${took} ms`);
    for (const sock of idle) {
      assert.equal(await tcp.recv(sock, 1, { timeout: 5_000 }), null);
    }
  } finally {
    await Promise.all(idle.map((s) => tcp.close(s)));
    await server.stop();
  }
});
