// Copyright 2026 the socketkit authors. MIT license.

import assert from "node:assert/strict";
import * as tcp from "../tcp.ts";
import {
  bytes,
  pseudoRandomBytes,
  sha256,
  tcpPair,
  text,
  within,
} from "./_util.ts";

Deno.test("readable() yields what recvLine left buffered first, then the rest, in order", async () => {
  await using pair = await tcpPair();
  await tcp.sendAll(pair.client, "head\nbuffered tail");
  assert.equal(await tcp.recvLine(pair.peer), "head");
  const reading = new Response(tcp.readable(pair.peer)).text();
  await tcp.sendAll(pair.client, " and more");
  await tcp.shutdown(pair.client);
  assert.equal(await reading, "buffered tail and more");
});

Deno.test("readable() carries a large transfer byte for byte in chunks of chunkBytes at most", async () => {
  await using pair = await tcpPair();
  const data = pseudoRandomBytes(3 * 1024 * 1024, 7);
  const sending = tcp.sendAll(pair.client, data).then(() =>
    tcp.shutdown(pair.client)
  );
  const parts: Uint8Array[] = [];
  for await (const chunk of tcp.readable(pair.peer, { chunkBytes: 10_000 })) {
    assert.ok(chunk.length >= 1 && chunk.length <= 10_000);
    parts.push(chunk);
  }
  await sending;
  const all = new Uint8Array(
    await new Blob(parts as Uint8Array<ArrayBuffer>[]).arrayBuffer(),
  );
  assert.equal(await sha256(all), await sha256(data));
});

Deno.test("readable() reads nothing ahead, so recv works again once the reader is released", async () => {
  await using pair = await tcpPair();
  await tcp.sendAll(pair.client, "first");
  const reader = tcp.readable(pair.peer).getReader();
  assert.equal(text((await reader.read()).value!), "first");
  reader.releaseLock();
  await tcp.sendAll(pair.client, "second");
  assert.equal(text(await tcp.recv(pair.peer)), "second");
});

Deno.test("writable() sends every chunk and half-closes on close, and the peer can still answer", async () => {
  await using pair = await tcpPair();
  await ReadableStream.from(["a", bytes("b"), "c\n"]).pipeTo(
    tcp.writable(pair.client),
  );
  assert.equal(await tcp.recvLine(pair.peer), "abc");
  assert.equal(await tcp.recvLine(pair.peer), null);
  await tcp.sendAll(pair.peer, "answer\n");
  assert.equal(await tcp.recvLine(pair.client), "answer");
});

Deno.test("readable() errors when the socket is closed under it", async () => {
  await using pair = await tcpPair();
  const reader = tcp.readable(pair.peer).getReader();
  const reading = reader.read();
  await tcp.close(pair.peer);
  await assert.rejects(reading, Deno.errors.BadResource);
});

Deno.test("readable() and writable() reject bad arguments before any I/O", () => {
  assert.throws(
    () => tcp.readable({} as tcp.TcpSocket),
    {
      name: "TypeError",
      message:
        "Cannot make a readable stream as sock must be a StreamSocket from connect, accept or wrap: current value is an object",
    },
  );
  assert.throws(
    () => tcp.writable(null as unknown as tcp.TcpSocket),
    TypeError,
  );
});

Deno.test("readable() rejects a chunkBytes that is not a positive integer", async () => {
  await using pair = await tcpPair();
  for (const chunkBytes of [0, -1, 1.5, NaN]) {
    assert.throws(
      () => tcp.readable(pair.peer, { chunkBytes }),
      {
        name: "RangeError",
        message: new RegExp(`current value is ${chunkBytes}$`),
      },
    );
  }
});

// ---- Core v2 regressions (issue 9) ----

Deno.test("cancelling readable()'s reader while a read is pending leaves the next chunk for the next recv (issue 9)", async () => {
  await using pair = await tcpPair();
  const reader = tcp.readable(pair.peer).getReader();
  const reading = reader.read();
  // Let the pull start its receive, which waits for the peer.
  await new Promise((r) => setTimeout(r, 20));
  await within(reader.cancel(), 1_000, "cancel");
  const result = await within(reading, 1_000, "the pending read");
  assert.equal(result.done, true);
  assert.equal(result.value, undefined);
  // The socket is free for other receives at once...
  await tcp.sendAll(pair.client, "next chunk");
  // ...and the chunk the cancelled read was waiting for comes to them.
  assert.equal(
    text(await within(tcp.recv(pair.peer, 1024, { timeout: 2_000 }), 3_000)),
    "next chunk",
  );
  await tcp.sendAll(pair.client, "line\n");
  assert.equal(
    await within(tcp.recvLine(pair.peer, { timeout: 2_000 }), 3_000),
    "line",
  );
});

Deno.test("cancelling readable()'s reader with a reason keeps the stream's bytes in order for recvExact (issue 9)", async () => {
  await using pair = await tcpPair();
  const data = pseudoRandomBytes(100_000, 31);
  const reader = tcp.readable(pair.peer, { chunkBytes: 1000 }).getReader();
  await tcp.sendAll(pair.client, data.subarray(0, 10));
  const first = await within(reader.read(), 1_000);
  assert.deepEqual(first.value, data.subarray(0, 10));
  const pending = reader.read();
  await new Promise((r) => setTimeout(r, 20));
  await within(reader.cancel(new Error("enough")), 1_000);
  await within(pending, 1_000);
  const sending = tcp.sendAll(pair.client, data.subarray(10));
  const rest = await within(
    tcp.recvExact(pair.peer, data.length - 10, { timeout: 5_000 }),
    6_000,
  );
  await sending;
  assert.deepEqual(rest, data.subarray(10));
});
