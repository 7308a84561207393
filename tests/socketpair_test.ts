// Copyright 2026 the socketkit authors. MIT license.

import assert from "node:assert/strict";
import * as framing from "../framing.ts";
import * as seqpacket from "../seqpacket.ts";
import { socketpair } from "../socketpair.ts";
import * as tcp from "../tcp.ts";
import { assertNoFdLeakIn, linux, str, utf8, within } from "./_ffi_util.ts";
import { concat, pseudoRandomBytes, sha256 } from "./_util.ts";

/** A stream pair closed by `await using`. */
function streamPair() {
  const [a, b] = socketpair("stream");
  return {
    a,
    b,
    async [Symbol.asyncDispose]() {
      await tcp.close(a);
      await tcp.close(b);
    },
  };
}

Deno.test({
  name:
    "a stream pair works with recv, recvExact, recvUntil, recvLine and recvInto",
  ignore: !linux,
  async fn() {
    await using p = streamPair();
    assert.deepEqual(p.a.localAddr, { transport: "unix", path: "" });
    assert.deepEqual(p.a.remoteAddr, { transport: "unix", path: "" });
    await tcp.sendAll(p.a, "line one\r\nline two\nuntil|rest:12345");
    assert.equal(await within(tcp.recvLine(p.b)), "line one");
    assert.equal(await within(tcp.recvLine(p.b)), "line two");
    assert.equal(str(await within(tcp.recvUntil(p.b, "|"))), "until");
    assert.equal(str(await within(tcp.recvExact(p.b, 5))), "rest:");
    const into = new Uint8Array(16);
    const n = await within(tcp.recvInto(p.b, into));
    assert.equal(str(into.subarray(0, n!)), "12345".slice(0, n!));
    if (n! < 5) await within(tcp.recvExact(p.b, 5 - n!));
    assert.equal(await tcp.send(p.b, "back"), 4);
    assert.equal(str(await within(tcp.recv(p.a, 10))), "back");
    assert.equal(p.a.bytesWritten, 35);
  },
});

Deno.test({
  name: "a stream pair carries frames and delimited messages",
  ignore: !linux,
  async fn() {
    await using p = streamPair();
    await framing.sendFrame(p.a, "framed");
    await framing.sendFrame(p.a, new Uint8Array(0));
    await framing.sendDelimited(p.a, "one");
    assert.equal(str(await within(framing.recvFrame(p.b))), "framed");
    assert.equal((await within(framing.recvFrame(p.b)))!.length, 0);
    assert.equal(str(await within(framing.recvDelimited(p.b))), "one");
  },
});

Deno.test({
  name:
    "a stream pair gives readable() and writable() views, and shutdown() ends the peer's reads",
  ignore: !linux,
  async fn() {
    await using p = streamPair();
    const writer = tcp.writable(p.a).getWriter();
    await writer.write("web ");
    await writer.write(utf8("streams"));
    await writer.close(); // shutdown("write") underneath
    const parts = await within(Array.fromAsync(tcp.readable(p.b)));
    assert.equal(str(concat(parts)), "web streams");
    // b can still write to a, which sees the end after shutdown.
    await tcp.sendAll(p.b, "bye");
    await tcp.shutdown(p.b);
    assert.equal(str(await within(tcp.recvExact(p.a, 3))), "bye");
    assert.equal(await within(tcp.recv(p.a)), null);
  },
});

Deno.test({
  name: "a stream pair moves 4 MiB each way at once, every byte in order",
  ignore: !linux,
  async fn() {
    await using p = streamPair();
    const ab = pseudoRandomBytes(4 << 20, 1);
    const ba = pseudoRandomBytes(4 << 20, 2);
    const collect = async (sock: tcp.StreamSocket, size: number) =>
      await tcp.recvExact(sock, size);
    const [, , gotAb, gotBa] = await within(
      Promise.all([
        tcp.sendAll(p.a, ab),
        tcp.sendAll(p.b, ba),
        collect(p.b, ab.length),
        collect(p.a, ba.length),
      ]),
      30_000,
      "the transfer",
    );
    assert.equal(await sha256(gotAb), await sha256(ab));
    assert.equal(await sha256(gotBa), await sha256(ba));
  },
});

Deno.test({
  name:
    "a timed-out recv on a stream pair loses nothing, and close interrupts a pending one at once",
  ignore: !linux,
  async fn() {
    await using p = streamPair();
    await assert.rejects(
      tcp.recvLine(p.b, { timeout: 20 }),
      Deno.errors.TimedOut,
    );
    await tcp.sendAll(p.a, "partial");
    await assert.rejects(
      tcp.recvLine(p.b, { timeout: 20 }),
      Deno.errors.TimedOut,
    );
    await tcp.sendAll(p.a, " line\n");
    assert.equal(await within(tcp.recvLine(p.b)), "partial line");
    const pending = assert.rejects(tcp.recv(p.b), Deno.errors.BadResource);
    const started = performance.now();
    await within(tcp.close(p.b), 2_000, "close");
    await within(pending, 2_000, "the interrupted recv");
    assert.ok(performance.now() - started < 2_000);
  },
});

Deno.test({
  name: "datagram and seqpacket pairs keep message boundaries",
  ignore: !linux,
  async fn() {
    for (const type of ["datagram", "seqpacket"] as const) {
      const [a, b] = socketpair(type);
      await using _a = a;
      await using _b = b;
      assert.equal(a.kind, type);
      for (const m of ["", "a", "bc", "x".repeat(60_000)]) {
        await seqpacket.send(a, m);
      }
      for (const m of ["", "a", "bc", "x".repeat(60_000)]) {
        assert.equal(str(await within(seqpacket.recv(b))), m);
      }
    }
  },
});

Deno.test({
  name: "socketpair() leaves no file descriptor open",
  ignore: !linux,
  async fn() {
    await assertNoFdLeakIn(`
      import * as seqpacket from "@/seqpacket.ts";
      import { socketpair } from "@/socketpair.ts";
      import * as tcp from "@/tcp.ts";
      async function round() {
        for (const type of ["datagram", "seqpacket"]) {
          const [a, b] = socketpair(type);
          await seqpacket.send(a, "x");
          await seqpacket.recv(b);
          await seqpacket.close(a);
          await seqpacket.close(b);
        }
        const [a, b] = socketpair();
        const pending = tcp.recv(b).catch(() => null);
        await tcp.sendAll(a, "y");
        await pending;
        const waiting = tcp.recv(b).catch(() => null);
        await tcp.close(b);
        await waiting;
        await tcp.close(a);
      }
    `);
  },
});

Deno.test("socketpair() rejects an unknown type with TypeError", () => {
  assert.throws(
    () => socketpair("raw" as "stream"),
    {
      name: "TypeError",
      message:
        'Cannot socketpair as type must be "stream", "datagram" or "seqpacket": current value is "raw"',
    },
  );
});
