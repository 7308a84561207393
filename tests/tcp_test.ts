// Copyright 2026 the socketkit authors. MIT license.

import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import * as tcp from "../tcp.ts";
import { recvDelimited, recvFrame } from "../framing.ts";
import {
  assertClosedByPeer,
  bytes,
  canListenOnIpv6Any,
  hasCommand,
  pseudoRandomBytes,
  sha256,
  tcpPair,
  text,
  within,
} from "./_util.ts";

/** Asserts equal bytes, naming the first difference (no huge diff on failure). */
function assertBytes(actual: Uint8Array, expected: Uint8Array, what: string) {
  const n = Math.min(actual.length, expected.length);
  let i = 0;
  while (i < n && actual[i] === expected[i]) i++;
  if (i === n && actual.length === expected.length) return;
  assert.fail(
    `${what}: ${actual.length} bytes where ${expected.length} were expected, first difference at ${i}`,
  );
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Reads until end of stream and returns everything, concatenated (each read bounded). */
async function readToEnd(sock: tcp.TcpSocket): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  const bounded = { timeout: 10_000 };
  for (let chunk; (chunk = await tcp.recv(sock, 65_536, bounded)) !== null;) {
    parts.push(chunk);
    total += chunk.length;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Receives until `n` bytes have arrived, with `recv` only. */
async function recvSome(sock: tcp.TcpSocket, n: number): Promise<string> {
  let out = "";
  const decoder = new TextDecoder();
  let got = 0;
  while (got < n) {
    const chunk = await tcp.recv(sock);
    if (chunk === null) break;
    got += chunk.length;
    out += decoder.decode(chunk, { stream: true });
  }
  return out + decoder.decode();
}

/** A port that nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
  const port = server.addr.port;
  await tcp.close(server);
  return port;
}

// ---- receiving ----

Deno.test("recv() returns what is available, up to max", async () => {
  await using pair = await tcpPair();
  await tcp.sendAll(pair.client, "abc");
  assert.equal(text(await tcp.recv(pair.peer, 1024)), "abc");
  await tcp.sendAll(pair.client, "defgh");
  assert.equal(text(await tcp.recv(pair.peer, 2)), "de");
  assert.equal(text(await tcp.recv(pair.peer, 2)), "fg");
  assert.equal(text(await tcp.recv(pair.peer, 100)), "h");
});

Deno.test("recv() returns null at end of stream, again and again", async () => {
  await using pair = await tcpPair();
  await tcp.sendAll(pair.client, "x");
  await tcp.shutdown(pair.client);
  assert.equal(text(await tcp.recv(pair.peer)), "x");
  assert.equal(await tcp.recv(pair.peer), null);
  assert.equal(await tcp.recv(pair.peer), null);
  assert.equal(await tcp.recvLine(pair.peer), null);
  assert.equal(await tcp.recvUntil(pair.peer, ";"), null);
});

Deno.test("recv() returns a buffer the caller owns", async () => {
  await using pair = await tcpPair();
  await tcp.sendAll(pair.client, "abcdef");
  const first = await tcp.recvExact(pair.peer, 3);
  first.fill(0);
  assert.equal(text(await tcp.recvExact(pair.peer, 3)), "def");
  await tcp.sendAll(pair.client, "ghi");
  const second = await tcp.recv(pair.peer);
  assert.equal(text(second), "ghi");
  second!.fill(0x7a);
  await tcp.sendAll(pair.client, "jkl");
  assert.equal(text(await tcp.recv(pair.peer)), "jkl");
});

Deno.test("a 64 MiB transfer arrives with the same SHA-256", async () => {
  const size = 64 * 1024 * 1024;
  const data = pseudoRandomBytes(size, 42);
  const expected = await sha256(data);
  await using pair = await tcpPair();
  const sending = (async () => {
    await tcp.sendAll(pair.client, data);
    await tcp.shutdown(pair.client);
  })();
  const received = new Uint8Array(size);
  let at = 0;
  for (let chunk; (chunk = await tcp.recv(pair.peer, 1 << 20)) !== null;) {
    assert.ok(at + chunk.length <= size, "received more than was sent");
    received.set(chunk, at);
    at += chunk.length;
  }
  await sending;
  assert.equal(at, size);
  assert.equal(await sha256(received), expected);
  assert.equal(pair.client.bytesWritten, size);
  assert.equal(pair.peer.bytesRead, size);
});

Deno.test("recvExact() of 16 MiB arrives whole while the peer sends", async () => {
  const size = 16 * 1024 * 1024;
  const data = pseudoRandomBytes(size, 7);
  await using pair = await tcpPair();
  const sending = tcp.sendAll(pair.client, data);
  const head = await tcp.recvExact(pair.peer, 3);
  const rest = await tcp.recvExact(pair.peer, size - 3);
  await sending;
  assert.deepEqual(head, data.subarray(0, 3));
  assert.equal(await sha256(rest), await sha256(data.subarray(3)));
});

Deno.test("recvExact() assembles bytes across chunk boundaries", async () => {
  await using pair = await tcpPair();
  const data = pseudoRandomBytes(30, 3);
  const receiving = tcp.recvExact(pair.peer, 25);
  for (let i = 0; i < 30; i += 4) {
    await tcp.sendAll(pair.client, data.subarray(i, i + 4));
    await delay(5);
  }
  assert.deepEqual(await receiving, data.subarray(0, 25));
  assert.deepEqual(await tcp.recvExact(pair.peer, 5), data.subarray(25));
});

Deno.test("recvExact() rejects with UnexpectedEof when the peer closes early, keeping the bytes", async () => {
  await using pair = await tcpPair();
  await tcp.sendAll(pair.client, "12345");
  await tcp.shutdown(pair.client);
  await assert.rejects(
    tcp.recvExact(pair.peer, 10),
    (err: unknown) => {
      assert.ok(err instanceof Deno.errors.UnexpectedEof);
      assert.match(err.message, /recvExact from 127\.0\.0\.1:\d+/);
      assert.match(err.message, /ended after 5 of 10 bytes/);
      return true;
    },
  );
  assert.equal(text(await tcp.recv(pair.peer)), "12345");
  assert.equal(await tcp.recv(pair.peer), null);
  await assert.rejects(tcp.recvExact(pair.peer, 1), Deno.errors.UnexpectedEof);
});

Deno.test("recvExact() with n 0 resolves to no bytes at once", async () => {
  await using pair = await tcpPair();
  assert.deepEqual(await tcp.recvExact(pair.peer, 0), new Uint8Array(0));
});

Deno.test("recvLine() splits on LF and CRLF", async () => {
  await using pair = await tcpPair();
  await tcp.sendAll(pair.client, "one\ntwo\r\n\nthree\r\n\r\nfour\rfive\n");
  assert.equal(await tcp.recvLine(pair.peer), "one");
  assert.equal(await tcp.recvLine(pair.peer), "two");
  assert.equal(await tcp.recvLine(pair.peer), "");
  assert.equal(await tcp.recvLine(pair.peer), "three");
  assert.equal(await tcp.recvLine(pair.peer), "");
  assert.equal(await tcp.recvLine(pair.peer), "four\rfive");
});

Deno.test("recvLine() returns a last line without newline, then null", async () => {
  await using pair = await tcpPair();
  await tcp.sendAll(pair.client, "first\nlast");
  await tcp.shutdown(pair.client);
  assert.equal(await tcp.recvLine(pair.peer), "first");
  assert.equal(await tcp.recvLine(pair.peer), "last");
  assert.equal(await tcp.recvLine(pair.peer), null);
});

Deno.test("recvLine() keeps a lone carriage return at end of stream", async () => {
  await using pair = await tcpPair();
  await tcp.sendAll(pair.client, "a\r\nb\r");
  await tcp.shutdown(pair.client);
  assert.equal(await tcp.recvLine(pair.peer), "a");
  assert.equal(await tcp.recvLine(pair.peer), "b\r");
  assert.equal(await tcp.recvLine(pair.peer), null);
});

Deno.test("recvLine() finds lines that arrive a few bytes at a time", async () => {
  await using pair = await tcpPair();
  const receiving = (async () => {
    const lines = [];
    const bounded = { timeout: 10_000 };
    for (let line; (line = await tcp.recvLine(pair.peer, bounded)) !== null;) {
      lines.push(line);
    }
    return lines;
  })();
  const message = "alpha\r\nbeta\n\ngamma\r\ndelta";
  for (let i = 0; i < message.length; i += 3) {
    await tcp.sendAll(pair.client, message.slice(i, i + 3));
    await delay(2);
  }
  await tcp.shutdown(pair.client);
  assert.deepEqual(await receiving, ["alpha", "beta", "", "gamma", "delta"]);
});

Deno.test("recvLine() decodes a UTF-8 character split across writes", async () => {
  await using pair = await tcpPair();
  const line = bytes("grüße, 世界 🦕\n");
  const receiving = tcp.recvLine(pair.peer);
  // Split inside "ü" (2 bytes), "世" (3 bytes) and "🦕" (4 bytes).
  const cuts = [3, 12, 18, line.length];
  let from = 0;
  for (const cut of cuts) {
    await tcp.sendAll(pair.client, line.subarray(from, cut));
    from = cut;
    await delay(10);
  }
  assert.equal(await receiving, "grüße, 世界 🦕");
});

Deno.test("recvLine() accepts a line of exactly maxBytes, CRLF included", async () => {
  await using pair = await tcpPair();
  await tcp.sendAll(pair.client, "abcd\r\nefgh\nijkl");
  await tcp.shutdown(pair.client);
  assert.equal(await tcp.recvLine(pair.peer, { maxBytes: 4 }), "abcd");
  assert.equal(await tcp.recvLine(pair.peer, { maxBytes: 4 }), "efgh");
  assert.equal(await tcp.recvLine(pair.peer, { maxBytes: 4 }), "ijkl");
  assert.equal(await tcp.recvLine(pair.peer, { maxBytes: 4 }), null);
});

Deno.test("recvLine() rejects a line over maxBytes with InvalidData and the socket stays unusable", async () => {
  await using pair = await tcpPair();
  await tcp.sendAll(pair.client, "short\nthis line is too long\nnext\n");
  assert.equal(await tcp.recvLine(pair.peer, { maxBytes: 8 }), "short");
  await assert.rejects(
    tcp.recvLine(pair.peer, { maxBytes: 8 }),
    (err: unknown) => {
      assert.ok(err instanceof Deno.errors.InvalidData);
      assert.match(err.message, /^Cannot recvLine from 127\.0\.0\.1:\d+: /);
      assert.match(err.message, /limit of 8 bytes/);
      return true;
    },
  );
  for (const op of [tcp.recvLine(pair.peer), tcp.recv(pair.peer)]) {
    await assert.rejects(op, (err: unknown) => {
      assert.ok(err instanceof Deno.errors.InvalidData);
      assert.match(err.message, /unusable/);
      return true;
    });
  }
  // Sending still works, so a server can answer with an error.
  await tcp.sendAll(pair.peer, "line too long\n");
  assert.equal(await tcp.recvLine(pair.client), "line too long");
});

Deno.test("recvLine() rejects a long line that arrives in pieces before its newline comes", async () => {
  await using pair = await tcpPair();
  const receiving = tcp.recvLine(pair.peer, { maxBytes: 1000 });
  const failed = assert.rejects(receiving, Deno.errors.InvalidData);
  for (let i = 0; i < 10; i++) {
    await tcp.sendAll(pair.client, "x".repeat(300));
    await delay(2);
  }
  // No newline ever came: the limit alone ends the wait.
  await failed;
  await assert.rejects(tcp.recv(pair.peer), /unusable/);
});

Deno.test("recvLine() rejects a line one byte over maxBytes without waiting for its newline", async () => {
  await using pair = await tcpPair();
  await tcp.sendAll(pair.client, "123456789");
  await assert.rejects(
    tcp.recvLine(pair.peer, { maxBytes: 8, timeout: 5_000 }),
    Deno.errors.InvalidData,
  );
});

Deno.test("recvLine() waits for the newline after maxBytes and a carriage return", async () => {
  await using pair = await tcpPair();
  await tcp.sendAll(pair.client, "12345678\r");
  const receiving = tcp.recvLine(pair.peer, { maxBytes: 8 });
  await delay(20);
  await tcp.sendAll(pair.client, "\n");
  assert.equal(await receiving, "12345678");
});

Deno.test("recvLine() rejects an unterminated last line over maxBytes and the socket stays unusable", async () => {
  await using pair = await tcpPair();
  await tcp.sendAll(pair.client, "0123456789");
  await tcp.shutdown(pair.client);
  await assert.rejects(
    tcp.recvLine(pair.peer, { maxBytes: 5 }),
    Deno.errors.InvalidData,
  );
  await assert.rejects(tcp.recvLine(pair.peer), /unusable/);
});

Deno.test("recvLine() has a default limit of 64 KiB", async () => {
  await using pair = await tcpPair();
  const ok = "a".repeat(tcp.DEFAULT_MAX_LINE_BYTES);
  const sending = tcp.sendAll(
    pair.client,
    `${ok}\n${"b".repeat(tcp.DEFAULT_MAX_LINE_BYTES + 1)}\n`,
  );
  assert.equal(await tcp.recvLine(pair.peer), ok);
  await assert.rejects(tcp.recvLine(pair.peer), Deno.errors.InvalidData);
  await sending;
});

Deno.test("recvLine() with maxBytes Infinity reads a line of 1 MiB", async () => {
  await using pair = await tcpPair();
  const long = "z".repeat(1 << 20);
  const sending = tcp.sendAll(pair.client, `${long}\nend\n`);
  assert.equal(await tcp.recvLine(pair.peer, { maxBytes: Infinity }), long);
  assert.equal(await tcp.recvLine(pair.peer), "end");
  await sending;
});

Deno.test("recvUntil() finds a multi-byte delimiter split across reads", async () => {
  await using pair = await tcpPair();
  const receiving = tcp.recvUntil(pair.peer, "\r\n\r\n");
  await tcp.sendAll(pair.client, "head: 1\r\n\r");
  await delay(20);
  await tcp.sendAll(pair.client, "\n");
  await delay(20);
  await tcp.sendAll(pair.client, "body\r");
  await delay(20);
  await tcp.sendAll(pair.client, "\n\r\nrest");
  assert.equal(text(await receiving), "head: 1");
  assert.equal(text(await tcp.recvUntil(pair.peer, "\r\n\r\n")), "body");
  await tcp.shutdown(pair.client);
  await assert.rejects(
    tcp.recvUntil(pair.peer, "\r\n\r\n"),
    (err: unknown) => {
      assert.ok(err instanceof Deno.errors.UnexpectedEof);
      assert.match(err.message, /ended after 4 bytes without the delimiter/);
      return true;
    },
  );
  assert.equal(text(await tcp.recv(pair.peer)), "rest");
});

Deno.test("recvUntil() accepts bytes as delimiter and returns empty records", async () => {
  await using pair = await tcpPair();
  await tcp.sendAll(pair.client, new Uint8Array([1, 0, 0, 0, 0, 2, 3, 0, 0]));
  const zero = new Uint8Array([0, 0]);
  assert.deepEqual(await tcp.recvUntil(pair.peer, zero), new Uint8Array([1]));
  assert.deepEqual(await tcp.recvUntil(pair.peer, zero), new Uint8Array([]));
  assert.deepEqual(
    await tcp.recvUntil(pair.peer, zero),
    new Uint8Array([2, 3]),
  );
});

Deno.test("recvUntil() rejects with InvalidData past maxBytes", async () => {
  await using pair = await tcpPair();
  await tcp.sendAll(pair.client, "abc;defghij;");
  assert.equal(
    text(await tcp.recvUntil(pair.peer, ";", { maxBytes: 3 })),
    "abc",
  );
  await assert.rejects(
    tcp.recvUntil(pair.peer, ";", { maxBytes: 3 }),
    (err: unknown) => {
      assert.ok(err instanceof Deno.errors.InvalidData);
      assert.match(err.message, /^Cannot recvUntil from 127\.0\.0\.1:\d+: /);
      assert.match(err.message, /limit of 3 bytes/);
      return true;
    },
  );
  await assert.rejects(tcp.recv(pair.peer), /unusable/);
});

Deno.test("recv(), recvExact(), recvLine() and recvUntil() share one buffer in order", async () => {
  await using pair = await tcpPair();
  await tcp.sendAll(pair.client, "line\nABCDrecord;tail");
  await tcp.shutdown(pair.client);
  assert.equal(await tcp.recvLine(pair.peer), "line");
  assert.equal(text(await tcp.recvExact(pair.peer, 2)), "AB");
  assert.equal(text(await tcp.recv(pair.peer, 2)), "CD");
  assert.equal(text(await tcp.recvUntil(pair.peer, ";")), "record");
  assert.equal(text(await readToEnd(pair.peer)), "tail");
});

// ---- half-close ----

Deno.test("shutdown() half-closes: the peer sees end of stream and can still answer", async () => {
  await using pair = await tcpPair();
  await tcp.sendAll(pair.client, "question");
  await tcp.shutdown(pair.client, "write");
  assert.equal(text(await readToEnd(pair.peer)), "question");
  await tcp.sendAll(pair.peer, "answer");
  await tcp.shutdown(pair.peer);
  assert.equal(text(await readToEnd(pair.client)), "answer");
});

Deno.test("shutdown() waits for a queued sendAll before ending the stream", async () => {
  await using pair = await tcpPair();
  const data = pseudoRandomBytes(4 << 20, 9);
  const sending = tcp.sendAll(pair.client, data);
  const closing = tcp.shutdown(pair.client);
  const received = await readToEnd(pair.peer);
  await sending;
  await closing;
  assert.equal(received.length, data.length);
  assert.equal(await sha256(received), await sha256(data));
});

Deno.test('shutdown() with "read" makes later receives return end of stream', async () => {
  await using pair = await tcpPair();
  await tcp.shutdown(pair.peer, "read");
  assert.equal(await tcp.recv(pair.peer), null);
  await tcp.sendAll(pair.peer, "still writing");
  assert.equal(text(await tcp.recvExact(pair.client, 13)), "still writing");
});

Deno.test('shutdown() with "both" ends both directions', async () => {
  await using pair = await tcpPair();
  await tcp.shutdown(pair.client, "both");
  assert.equal(await tcp.recv(pair.client), null);
  assert.equal(await tcp.recv(pair.peer), null);
});

// ---- timeouts and aborts lose no data ----

Deno.test("a timed-out recv() is followed by a recv() that returns every byte in order", async () => {
  await using pair = await tcpPair();
  await assert.rejects(
    tcp.recv(pair.peer, 1024, { timeout: 30 }),
    (err: unknown) => {
      assert.ok(err instanceof Deno.errors.TimedOut);
      assert.match(
        err.message,
        /^Cannot recv from 127\.0\.0\.1:\d+: timed out after 30 ms$/,
      );
      return true;
    },
  );
  await tcp.sendAll(pair.client, "abc");
  await tcp.sendAll(pair.client, "def");
  assert.equal(await recvSome(pair.peer, 6), "abcdef");
});

Deno.test("a timed-out recv() hands its bytes to recvExact(), recvLine() and recvUntil()", async () => {
  await using pair = await tcpPair();
  for (const next of ["exact", "line", "until"] as const) {
    await assert.rejects(
      tcp.recv(pair.peer, 4, { timeout: 20 }),
      Deno.errors.TimedOut,
    );
    await tcp.sendAll(pair.client, "ab");
    await delay(10);
    await tcp.sendAll(pair.client, "cdef\n");
    if (next === "exact") {
      assert.equal(text(await tcp.recvExact(pair.peer, 7)), "abcdef\n");
    } else if (next === "line") {
      assert.equal(await tcp.recvLine(pair.peer), "abcdef");
    } else {
      assert.equal(text(await tcp.recvUntil(pair.peer, "ef\n")), "abcd");
    }
  }
});

Deno.test("recvExact() timing out mid-message loses nothing", async () => {
  await using pair = await tcpPair();
  await tcp.sendAll(pair.client, "12345");
  await assert.rejects(
    tcp.recvExact(pair.peer, 10, { timeout: 50 }),
    Deno.errors.TimedOut,
  );
  await tcp.sendAll(pair.client, "67890abc");
  assert.equal(text(await tcp.recvExact(pair.peer, 10)), "1234567890");
  assert.equal(text(await tcp.recv(pair.peer)), "abc");
});

Deno.test("recvLine() timing out mid-line loses nothing", async () => {
  await using pair = await tcpPair();
  await tcp.sendAll(pair.client, "hel");
  await assert.rejects(
    tcp.recvLine(pair.peer, { timeout: 50 }),
    Deno.errors.TimedOut,
  );
  await tcp.sendAll(pair.client, "lo\nworld\n");
  assert.equal(await tcp.recvLine(pair.peer), "hello");
  assert.equal(await tcp.recvLine(pair.peer), "world");
});

Deno.test("recvUntil() timing out mid-record loses nothing", async () => {
  await using pair = await tcpPair();
  await tcp.sendAll(pair.client, "ab|");
  await assert.rejects(
    tcp.recvUntil(pair.peer, "||", { timeout: 50 }),
    Deno.errors.TimedOut,
  );
  await tcp.sendAll(pair.client, "|cd||");
  assert.equal(text(await tcp.recvUntil(pair.peer, "||")), "ab");
  assert.equal(text(await tcp.recvUntil(pair.peer, "||")), "cd");
});

Deno.test("receives with very short timeouts never lose or reorder bytes", async () => {
  await using pair = await tcpPair();
  const data = pseudoRandomBytes(200_000, 5);
  const sending = (async () => {
    for (let i = 0, k = 0; i < data.length; k++) {
      const size = 1 + (k * 7919) % 9000;
      await tcp.sendAll(pair.client, data.subarray(i, i + size));
      i += size;
      if (k % 5 === 0) await delay(1);
    }
    await tcp.shutdown(pair.client);
  })();
  const received = new Uint8Array(data.length);
  let at = 0;
  let timeouts = 0;
  for (let k = 0;; k++) {
    try {
      const timeout = k % 3;
      let chunk: Uint8Array | null;
      if (k % 4 === 0 && data.length - at >= 100) {
        chunk = await tcp.recvExact(pair.peer, 100, { timeout });
      } else {
        chunk = await tcp.recv(pair.peer, 1 + (k * 31) % 5000, { timeout });
      }
      if (chunk === null) break;
      received.set(chunk, at);
      at += chunk.length;
    } catch (err) {
      if (
        !(err instanceof Deno.errors.TimedOut ||
          err instanceof Deno.errors.WouldBlock)
      ) {
        throw err;
      }
      timeouts++;
    }
  }
  await sending;
  assert.equal(at, data.length);
  assertBytes(received, data, "received");
  assert.ok(timeouts > 0, "the test should have timed out at least once");
});

Deno.test("setTimeout() sets the default timeout and a per-call timeout overrides it", async () => {
  await using pair = await tcpPair();
  assert.equal(pair.peer.timeout, null);
  tcp.setTimeout(pair.peer, 20);
  assert.equal(pair.peer.timeout, 20);
  await assert.rejects(tcp.recv(pair.peer), /timed out after 20 ms/);
  await assert.rejects(tcp.recvLine(pair.peer), /timed out after 20 ms/);
  await assert.rejects(
    tcp.recvExact(pair.peer, 1, { timeout: 5 }),
    /timed out after 5 ms/,
  );
  // null waits for ever, whatever the default.
  const waiting = tcp.recv(pair.peer, 10, { timeout: null });
  await delay(60);
  await tcp.sendAll(pair.client, "late");
  assert.equal(text(await waiting), "late");
  tcp.setTimeout(pair.peer, null);
  assert.equal(pair.peer.timeout, null);
  const waitingAgain = tcp.recv(pair.peer);
  await delay(40);
  await tcp.sendAll(pair.client, "later");
  assert.equal(text(await waitingAgain), "later");
  // A per-call timeout applies when there is no default.
  await assert.rejects(
    tcp.recv(pair.peer, 10, { timeout: 10 }),
    Deno.errors.TimedOut,
  );
});

Deno.test("setBlocking(false) raises WouldBlock, then returns data that arrived", async () => {
  await using pair = await tcpPair();
  tcp.setBlocking(pair.peer, false);
  assert.equal(pair.peer.timeout, 0);
  await assert.rejects(
    tcp.recv(pair.peer),
    (err: unknown) => {
      assert.ok(err instanceof Deno.errors.WouldBlock);
      assert.match(err.message, /^Cannot recv from 127\.0\.0\.1:\d+: /);
      return true;
    },
  );
  await tcp.sendAll(pair.client, "now");
  let got: Uint8Array | null = null;
  for (let i = 0; i < 200 && got === null; i++) {
    try {
      got = await tcp.recv(pair.peer);
    } catch (err) {
      assert.ok(err instanceof Deno.errors.WouldBlock);
      await delay(5);
    }
  }
  assert.equal(text(got), "now");
  tcp.setBlocking(pair.peer, true);
  assert.equal(pair.peer.timeout, null);
});

Deno.test("a non-blocking server raises WouldBlock on accept until a client comes", async () => {
  await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
  tcp.setBlocking(server, false);
  assert.equal(server.timeout, 0);
  await assert.rejects(tcp.accept(server), Deno.errors.WouldBlock);
  await using client = await tcp.connect(server.addr);
  let conn: tcp.TcpSocket | null = null;
  for (let i = 0; i < 200 && conn === null; i++) {
    try {
      conn = await tcp.accept(server);
    } catch (err) {
      assert.ok(err instanceof Deno.errors.WouldBlock);
      await delay(5);
    }
  }
  assert.ok(conn !== null);
  await using _conn = conn;
  assert.equal(conn.remoteAddr.port, client.localAddr.port);
});

Deno.test("an accept timeout is followed by an accept that still gets the connection", async () => {
  await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
  await assert.rejects(
    tcp.accept(server, { timeout: 30 }),
    (err: unknown) => {
      assert.ok(err instanceof Deno.errors.TimedOut);
      assert.match(
        err.message,
        /^Cannot accept on 127\.0\.0\.1:\d+: timed out after 30 ms$/,
      );
      return true;
    },
  );
  await using client = await tcp.connect(server.addr);
  await using conn = await tcp.accept(server, { timeout: 5_000 });
  assert.equal(conn.remoteAddr.port, client.localAddr.port);
  await tcp.sendAll(client, "hi");
  assert.equal(text(await tcp.recv(conn)), "hi");
});

Deno.test("a server timeout set by setTimeout() applies to accept", async () => {
  await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
  tcp.setTimeout(server, 20);
  assert.equal(server.timeout, 20);
  await assert.rejects(tcp.accept(server), /timed out after 20 ms/);
});

Deno.test("an already aborted signal rejects with its reason before any I/O", async () => {
  await using pair = await tcpPair();
  const reason = new Error("stop now");
  const signal = AbortSignal.abort(reason);
  await tcp.sendAll(pair.client, "kept");
  assert.equal(text(await tcp.recvExact(pair.peer, 1)), "k");
  const rejected = [
    tcp.recv(pair.peer, 10, { signal }),
    tcp.recvExact(pair.peer, 3, { signal }),
    tcp.recvLine(pair.peer, { signal }),
    tcp.recvUntil(pair.peer, "p", { signal }),
    tcp.send(pair.client, "x", { signal }),
    tcp.sendAll(pair.client, "x", { signal }),
    tcp.accept(pair.server, { signal }),
    tcp.connect(pair.server.addr, { signal }),
  ];
  for (const op of rejected) {
    await assert.rejects(op, (err: unknown) => err === reason);
  }
  assert.equal(pair.client.bytesWritten, 4);
  assert.equal(text(await tcp.recvExact(pair.peer, 3)), "ept");
});

Deno.test("an abort during a wait rejects with the reason and the data still arrives later", async () => {
  await using pair = await tcpPair();
  const controller = new AbortController();
  const waiting = tcp.recv(pair.peer, 100, { signal: controller.signal });
  await delay(10);
  const reason = new DOMException("user gave up", "AbortError");
  controller.abort(reason);
  await assert.rejects(waiting, (err: unknown) => err === reason);
  await tcp.sendAll(pair.client, "after abort");
  assert.equal(await recvSome(pair.peer, 11), "after abort");
});

Deno.test("an abort during recvLine() leaves the partial line for the next call", async () => {
  await using pair = await tcpPair();
  const controller = new AbortController();
  await tcp.sendAll(pair.client, "par");
  const waiting = tcp.recvLine(pair.peer, { signal: controller.signal });
  await delay(10);
  controller.abort();
  await assert.rejects(waiting, (err: unknown) => {
    assert.ok(err instanceof DOMException);
    assert.equal(err.name, "AbortError");
    return true;
  });
  await tcp.sendAll(pair.client, "tial\n");
  assert.equal(await tcp.recvLine(pair.peer), "partial");
});

Deno.test("an abort during accept leaves the connection for the next accept", async () => {
  await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
  const controller = new AbortController();
  const waiting = tcp.accept(server, { signal: controller.signal });
  controller.abort(new Error("enough"));
  await assert.rejects(waiting, /enough/);
  await using client = await tcp.connect(server.addr);
  await using conn = await tcp.accept(server);
  assert.equal(conn.remoteAddr.port, client.localAddr.port);
});

Deno.test("AbortSignal.timeout() surfaces as its own TimeoutError", async () => {
  await using pair = await tcpPair();
  await assert.rejects(
    tcp.recv(pair.peer, 10, { signal: AbortSignal.timeout(10) }),
    (err: unknown) =>
      err instanceof DOMException && err.name === "TimeoutError",
  );
});

// ---- sending ----

Deno.test("send() writes once and returns the count", async () => {
  await using pair = await tcpPair();
  const n = await tcp.send(pair.client, "hello");
  assert.ok(n >= 1 && n <= 5);
  assert.equal(await recvSome(pair.peer, n), "hello".slice(0, n));
  assert.equal(await tcp.send(pair.client, new Uint8Array(0)), 0);
  assert.equal(await tcp.send(pair.client, ""), 0);
});

Deno.test("sendAll() sends strings as UTF-8", async () => {
  await using pair = await tcpPair();
  await tcp.sendAll(pair.client, "héllo ✓");
  assert.deepEqual(
    await tcp.recvExact(pair.peer, 10),
    bytes("héllo ✓"),
  );
});

Deno.test("concurrent sendAll() calls never interleave their bytes", async () => {
  await using pair = await tcpPair();
  const size = 1 << 20;
  const writers = 6;
  const sending = Promise.all(
    Array.from(
      { length: writers },
      (_, i) => tcp.sendAll(pair.client, new Uint8Array(size).fill(i + 1)),
    ),
  );
  const received = await tcp.recvExact(pair.peer, size * writers);
  await sending;
  const seen: number[] = [];
  for (let at = 0; at < received.length; at += size) {
    const value = received[at]!;
    const block = received.subarray(at, at + size);
    assert.equal(block.indexOf(value === 1 ? 2 : 1), -1);
    assert.ok(block.every((b) => b === value), `block at ${at} is mixed`);
    seen.push(value);
  }
  // Queued writes go in call order.
  assert.deepEqual(seen, [1, 2, 3, 4, 5, 6]);
});

Deno.test("a sendAll() cut short by its deadline refuses later writes, so the peer never sees them spliced in", async () => {
  await using pair = await tcpPair();
  // Fill the socket buffers: nobody reads, so the write must time out.
  const big = new Uint8Array(64 << 20).fill(1);
  await assert.rejects(
    tcp.sendAll(pair.client, big, { timeout: 50 }),
    (err: unknown) => {
      assert.ok(err instanceof Deno.errors.TimedOut);
      assert.match(
        err.message,
        /^Cannot sendAll to 127\.0\.0\.1:\d+: timed out after 50 ms; \d+ of 67108864 bytes were sent, so the write side is now unusable$/,
      );
      return true;
    },
  );
  // The caller's buffer is the caller's again: nothing more of it goes out.
  big.fill(3);
  await assert.rejects(
    tcp.sendAll(pair.client, new Uint8Array(1000).fill(2)),
    (err: unknown) => {
      assert.ok(err instanceof Deno.errors.InvalidData);
      assert.match(
        err.message,
        /^Cannot sendAll to 127\.0\.0\.1:\d+: the write side is unusable since an earlier sendAll was cut short by its deadline after \d+ of 67108864 bytes/,
      );
      return true;
    },
  );
  // Shutting down still works: the peer gets the prefix, then end of stream.
  const closing = tcp.shutdown(pair.client, "write", { timeout: 10_000 });
  const received = await readToEnd(pair.peer);
  await closing;
  assert.ok(received.length > 0, "some ones were sent first");
  assert.ok(received.length < big.length);
  assert.ok(received.every((b) => b === 1), "only the ones that were queued");
  assert.equal(pair.client.bytesWritten, received.length);
});

Deno.test("a sendAll() timing out while it waits for room in the queue sends nothing", async () => {
  await using pair = await tcpPair();
  const big = new Uint8Array(32 << 20).fill(1);
  const first = tcp.sendAll(pair.client, big);
  // The send queue takes 64 KiB while the first write is in flight...
  await tcp.sendAll(pair.client, new Uint8Array(65_536).fill(3), {
    timeout: 1_000,
  });
  // ...and then has no room: this one times out having queued nothing.
  await assert.rejects(
    tcp.sendAll(pair.client, "queued", { timeout: 20 }),
    Deno.errors.TimedOut,
  );
  const second = tcp.sendAll(pair.client, new Uint8Array([2, 2, 2]));
  const reading = tcp.recvExact(pair.peer, big.length + 65_536 + 3, {
    timeout: 20_000,
  });
  await first;
  await second;
  const received = await reading;
  assert.ok(received.subarray(0, big.length).every((b) => b === 1));
  assert.ok(
    received.subarray(big.length, big.length + 65_536).every((b) => b === 3),
  );
  assert.deepEqual(
    received.subarray(big.length + 65_536),
    new Uint8Array([2, 2, 2]),
  );
});

Deno.test("byte counters count what was sent and received", async () => {
  await using pair = await tcpPair();
  assert.equal(pair.client.bytesWritten, 0);
  assert.equal(pair.peer.bytesRead, 0);
  await tcp.sendAll(pair.client, "0123456789");
  await tcp.sendAll(pair.peer, "abc");
  assert.equal(text(await tcp.recvExact(pair.peer, 10)), "0123456789");
  assert.equal(text(await tcp.recvExact(pair.client, 3)), "abc");
  assert.equal(pair.client.bytesWritten, 10);
  assert.equal(pair.peer.bytesRead, 10);
  assert.equal(pair.peer.bytesWritten, 3);
  assert.equal(pair.client.bytesRead, 3);
});

// ---- concurrency ----

Deno.test("a second receive while one is waiting rejects with Busy", async () => {
  await using pair = await tcpPair();
  const first = tcp.recv(pair.peer);
  for (
    const op of [
      tcp.recv(pair.peer),
      tcp.recvExact(pair.peer, 1),
      tcp.recvLine(pair.peer),
      tcp.recvUntil(pair.peer, "x"),
    ]
  ) {
    await assert.rejects(op, (err: unknown) => {
      assert.ok(err instanceof Deno.errors.Busy);
      assert.match(err.message, /another receive is in progress/);
      return true;
    });
  }
  await tcp.sendAll(pair.client, "one");
  assert.equal(text(await first), "one");
});

Deno.test("a second accept while one is waiting rejects with Busy", async () => {
  await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
  const first = tcp.accept(server);
  await assert.rejects(tcp.accept(server), Deno.errors.Busy);
  await using client = await tcp.connect(server.addr);
  await using conn = await first;
  assert.equal(conn.remoteAddr.port, client.localAddr.port);
});

Deno.test("200 concurrent clients are echoed through one server with every byte checked", async () => {
  const clients = 200;
  await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    const handlers: Promise<void>[] = [];
    for (let i = 0; i < clients; i++) {
      const conn = await tcp.accept(server);
      handlers.push((async () => {
        await using _conn = conn;
        for (let chunk; (chunk = await tcp.recv(conn)) !== null;) {
          await tcp.sendAll(conn, chunk);
        }
        await tcp.shutdown(conn);
      })());
    }
    await Promise.all(handlers);
  })();
  const results = await Promise.all(
    Array.from({ length: clients }, async (_, i) => {
      const data = pseudoRandomBytes(1_000 + i * 97, i + 1);
      await using client = await tcp.connect(server.addr);
      const [, echoed] = await Promise.all([
        tcp.sendAll(client, data).then(() => tcp.shutdown(client)),
        readToEnd(client),
      ]);
      assertBytes(echoed, data, `client ${i}`);
      return echoed.length;
    }),
  );
  await serving;
  assert.equal(results.length, clients);
  assert.equal(
    results.reduce((a, b) => a + b, 0),
    clients * 1_000 + 97 * (clients * (clients - 1)) / 2,
  );
});

// ---- servers ----

Deno.test("for await over a server accepts connections and stops when the server is closed", async () => {
  const server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
  const seen: number[] = [];
  const looping = (async () => {
    for await (const conn of server) {
      await using _conn = conn;
      const data = await tcp.recvExact(conn, 1);
      seen.push(data[0]!);
    }
  })();
  for (const value of [1, 2, 3]) {
    await using client = await tcp.connect(server.addr);
    await tcp.sendAll(client, new Uint8Array([value]));
    await tcp.shutdown(client);
    assert.equal(await tcp.recv(client), null);
  }
  await tcp.close(server);
  await looping;
  assert.deepEqual(seen, [1, 2, 3]);
  assert.ok(server.closed);
});

Deno.test("closing a server with a pending accept frees the port at once", async () => {
  const server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
  const port = server.addr.port;
  const pending = tcp.accept(server);
  await tcp.close(server);
  await assert.rejects(pending, (err: unknown) => {
    assert.ok(err instanceof Deno.errors.BadResource);
    assert.match(err.message, /closed/);
    return true;
  });
  await using again = await tcp.listen({ hostname: "127.0.0.1", port });
  assert.equal(again.addr.port, port);
});

Deno.test("closing a server after a timed-out accept frees the port at once", async () => {
  const server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
  const port = server.addr.port;
  await assert.rejects(
    tcp.accept(server, { timeout: 10 }),
    Deno.errors.TimedOut,
  );
  await tcp.close(server);
  await using again = await tcp.listen({ hostname: "127.0.0.1", port });
  assert.equal(again.addr.port, port);
});

Deno.test('listen() takes a "host:port" string and reports its address', async () => {
  await using server = await tcp.listen("127.0.0.1:0");
  assert.equal(server.addr.hostname, "127.0.0.1");
  assert.ok(server.addr.port > 0);
  assert.equal(server.addr.transport, "tcp");
  assert.ok(server.listener.addr.port === server.addr.port);
});

// ---- connecting ----

Deno.test('connect() takes an object, a "host:port" string and a timeout', async () => {
  await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
  const port = server.addr.port;
  const targets = [
    { port },
    { hostname: "127.0.0.1", port },
    `127.0.0.1:${port}`,
    `localhost:${port}`,
  ];
  for (const target of targets) {
    const accepted = tcp.accept(server);
    await using client = await tcp.connect(target, { timeout: 5_000 });
    await using conn = await accepted;
    assert.equal(client.remoteAddr.port, port);
    assert.equal(conn.remoteAddr.port, client.localAddr.port);
  }
});

Deno.test("connect() times out when the server never answers", {
  ignore: Deno.build.os !== "linux",
}, async () => {
  // A listener with a full accept queue drops new SYNs on Linux, so the
  // connection attempt hangs until our timeout cancels it.
  await using server = await tcp.listen({
    hostname: "127.0.0.1",
    port: 0,
    backlog: 0,
  });
  const queued: tcp.TcpSocket[] = [];
  let err: unknown;
  try {
    for (let i = 0; i < 16 && err === undefined; i++) {
      try {
        queued.push(await tcp.connect(server.addr, { timeout: 200 }));
      } catch (e) {
        err = e;
      }
    }
  } finally {
    for (const sock of queued) await tcp.close(sock);
  }
  assert.ok(err instanceof Deno.errors.TimedOut, String(err));
  assert.match(
    err.message,
    /^Cannot connect to "127\.0\.0\.1:\d+": timed out after 200 ms$/,
  );
});

Deno.test("connect() to a closed port rejects with ConnectionRefused naming the address", async () => {
  const port = await closedPort();
  await assert.rejects(
    tcp.connect({ hostname: "127.0.0.1", port }),
    (err: unknown) => {
      assert.ok(err instanceof Deno.errors.ConnectionRefused);
      assert.equal(
        err.message,
        `Cannot connect to "127.0.0.1:${port}": connection refused`,
      );
      assert.ok(err.cause instanceof Deno.errors.ConnectionRefused);
      return true;
    },
  );
});

Deno.test("connect() and listen() report a name that does not resolve as NotFound naming the host, with the cause", async () => {
  const refused = await tcp.connect(
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.invalid:80",
  ).catch((e) => e);
  assert.ok(refused instanceof Deno.errors.NotFound, String(refused));
  assert.match(
    refused.message,
    /^Cannot connect to "x{64}\.invalid:80": the name does not resolve/,
  );
  assert.ok(refused.cause instanceof Error);
  const err = await (async () => {
    try {
      await tcp.listen({
        hostname:
          "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.invalid",
        port: 0,
      });
    } catch (e) {
      return e;
    }
  })();
  assert.ok(err instanceof Deno.errors.NotFound, String(err));
  assert.match(
    (err as Error).message,
    /^Cannot listen on "x{64}\.invalid:0": the name does not resolve/,
  );
});

Deno.test("connect() and listen() refuse a host name with a space as a TypeError naming it, not a bare URIError", async () => {
  const err = await tcp.connect({ hostname: "a b", port: 80 }).catch((e) => e);
  assert.ok(err instanceof TypeError, String(err));
  assert.match(
    err.message,
    /^Cannot connect as hostname must be a host name or an IP address \(.*\): current value is "a b"$/,
  );
  assert.ok(err.cause instanceof URIError);
  await assert.rejects(
    tcp.listen({ hostname: "bad host", port: 0 }),
    /^TypeError: Cannot listen as hostname must be a host name or an IP address \(.*\): current value is "bad host"$/,
  );
});

Deno.test("listen() rejects a null port or hostname instead of taking a random port", async () => {
  await assert.rejects(
    tcp.listen({ port: null as unknown as number }),
    /^TypeError: Cannot listen as port must be a number: current value is null$/,
  );
  await assert.rejects(
    tcp.listen({ hostname: null as unknown as string, port: 0 }),
    /^TypeError: Cannot listen as hostname must be a string: current value is null$/,
  );
});

Deno.test("listen() on a taken port throws AddrInUse naming the address", async () => {
  await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
  const port = server.addr.port;
  await assert.rejects(
    tcp.listen({ hostname: "127.0.0.1", port }),
    (err: unknown) => {
      assert.ok(err instanceof Deno.errors.AddrInUse);
      assert.match(
        err.message,
        new RegExp(
          `^Cannot listen on "?127\\.0\\.0\\.1:${port}"?: address already in use$`,
        ),
      );
      assert.ok(err.cause instanceof Deno.errors.AddrInUse);
      return true;
    },
  );
});

Deno.test('IPv6 works on ::1, connecting by "[::1]:port"', async () => {
  await using server = await tcp.listen({ hostname: "::1", port: 0 });
  assert.equal(server.addr.hostname, "::1");
  const accepted = tcp.accept(server);
  await using client = await tcp.connect(`[::1]:${server.addr.port}`);
  await using conn = await accepted;
  assert.equal(client.remoteAddr.hostname, "::1");
  await tcp.sendAll(client, "over six\n");
  assert.equal(await tcp.recvLine(conn), "over six");
  await tcp.sendAll(conn, "back");
  assert.equal(text(await tcp.recvExact(client, 4)), "back");
  await tcp.close(client);
  const port = server.addr.port;
  await assert.rejects(
    tcp.recvExact(conn, 1, { timeout: 5_000 }),
    (err: unknown) =>
      err instanceof Deno.errors.UnexpectedEof &&
      err.message.startsWith(`Cannot recvExact from [::1]:`) &&
      conn.localAddr.port === port,
  );
});

Deno.test("connect() to a closed IPv6 port names the bracketed address", async () => {
  const server = await tcp.listen({ hostname: "::1", port: 0 });
  const port = server.addr.port;
  await tcp.close(server);
  await assert.rejects(
    tcp.connect(`[::1]:${port}`),
    (err: unknown) =>
      err instanceof Deno.errors.ConnectionRefused &&
      err.message === `Cannot connect to "[::1]:${port}": connection refused`,
  );
});

// ---- wrap and options ----

Deno.test("wrap() adopts a raw Deno.Conn", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  await using sock = tcp.wrap(
    await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
  );
  using raw = await accepted;
  assert.equal(sock.remoteAddr.port, listener.addr.port);
  assert.equal(sock.conn.remoteAddr.port, listener.addr.port);
  await raw.write(bytes("one\ntwo\n"));
  assert.equal(await tcp.recvLine(sock), "one");
  assert.equal(await tcp.recvLine(sock), "two");
  await tcp.sendAll(sock, "back");
  const buf = new Uint8Array(4);
  let n = 0;
  while (n < 4) n += (await raw.read(buf.subarray(n)))!;
  assert.equal(text(buf), "back");
});

Deno.test("setNoDelay() and setKeepAlive() accept booleans only", async () => {
  await using pair = await tcpPair();
  tcp.setNoDelay(pair.client, false);
  tcp.setNoDelay(pair.client);
  tcp.setKeepAlive(pair.client, true);
  tcp.setKeepAlive(pair.client, false);
  assert.throws(
    () => tcp.setNoDelay(pair.client, "yes" as unknown as boolean),
    /^TypeError: Cannot setNoDelay as flag must be a boolean: current value is "yes"$/,
  );
  assert.throws(
    () => tcp.setKeepAlive(pair.client, 1 as unknown as boolean),
    /^TypeError: Cannot setKeepAlive as flag must be a boolean: current value is 1$/,
  );
  await tcp.close(pair.client);
  assert.throws(() => tcp.setNoDelay(pair.client), Deno.errors.BadResource);
});

Deno.test("connect() with noDelay false still exchanges data", async () => {
  await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = tcp.accept(server);
  await using client = await tcp.connect(server.addr, { noDelay: false });
  await using conn = await accepted;
  await tcp.sendAll(client, "a");
  await tcp.sendAll(client, "b");
  assert.equal(text(await tcp.recvExact(conn, 2)), "ab");
});

// ---- closing ----

Deno.test("await using closes sockets and servers", async () => {
  let server: tcp.TcpServer;
  let client: tcp.TcpSocket;
  let conn: tcp.TcpSocket;
  {
    await using s = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
    const accepted = tcp.accept(s);
    await using c = await tcp.connect(s.addr);
    await using p = await accepted;
    server = s;
    client = c;
    conn = p;
    assert.ok(!s.closed && !c.closed && !p.closed);
  }
  assert.ok(server.closed && client.closed && conn.closed);
});

Deno.test("close() is idempotent", async () => {
  const pair = await tcpPair();
  const first = tcp.close(pair.client);
  const second = tcp.close(pair.client);
  await first;
  await second;
  await tcp.close(pair.client);
  await tcp.close(pair.server);
  await tcp.close(pair.server);
  await pair[Symbol.asyncDispose]();
  assert.ok(pair.client.closed);
});

Deno.test("use after close rejects with BadResource saying the socket is closed", async () => {
  const pair = await tcpPair();
  await pair[Symbol.asyncDispose]();
  const ops: [string, () => Promise<unknown>][] = [
    ["recv", () => tcp.recv(pair.peer)],
    ["recvExact", () => tcp.recvExact(pair.peer, 1)],
    ["recvLine", () => tcp.recvLine(pair.peer)],
    ["recvUntil", () => tcp.recvUntil(pair.peer, ";")],
    ["send", () => tcp.send(pair.client, "x")],
    ["sendAll", () => tcp.sendAll(pair.client, "x")],
    ["shutdown", () => tcp.shutdown(pair.client)],
    ["accept", () => tcp.accept(pair.server)],
  ];
  for (const [name, op] of ops) {
    await assert.rejects(op(), (err: unknown) => {
      assert.ok(err instanceof Deno.errors.BadResource, name);
      assert.match(
        err.message,
        new RegExp(`^Cannot ${name}\\b.*: the socket is closed$`),
      );
      return true;
    });
  }
  assert.throws(() => tcp.setKeepAlive(pair.client), /closed/);
});

Deno.test("closing a socket rejects its waiting recv with BadResource", async () => {
  await using pair = await tcpPair();
  const waiting = tcp.recv(pair.peer);
  const closed = assert.rejects(waiting, (err: unknown) => {
    assert.ok(err instanceof Deno.errors.BadResource);
    assert.match(err.message, /closed/);
    return true;
  });
  await tcp.close(pair.peer);
  await closed;
});

Deno.test("closing a socket with a timed-out read in flight settles it", async () => {
  const pair = await tcpPair();
  await assert.rejects(
    tcp.recv(pair.peer, 10, { timeout: 10 }),
    Deno.errors.TimedOut,
  );
  await assert.rejects(
    tcp.recvLine(pair.client, { timeout: 10 }),
    Deno.errors.TimedOut,
  );
  await pair[Symbol.asyncDispose]();
});

Deno.test("a peer that resets makes recv reject with the address in the message", async () => {
  await using pair = await tcpPair();
  // Unread data at close makes the kernel send a reset.
  await tcp.sendAll(pair.peer, "unread");
  await delay(10);
  await tcp.close(pair.client);
  await delay(10);
  await tcp.sendAll(pair.peer, "x").catch(() => {});
  const err = await tcp.recv(pair.peer).then(
    (value) => value,
    (err: unknown) => err,
  );
  // Either end of stream or a reset, depending on timing; never a bare error.
  if (err instanceof Error) {
    assert.ok(err instanceof Deno.errors.ConnectionReset, String(err));
    assert.match(err.message, /^Cannot recv from 127\.0\.0\.1:\d+: /);
  } else {
    assert.equal(err, null);
  }
});

// ---- bad arguments ----

Deno.test("listen() rejects bad addresses before any I/O", async () => {
  const cases: [unknown, ErrorConstructor, RegExp][] = [
    [
      { port: -1 },
      RangeError,
      /port must be an integer from 0 to 65535: current value is -1$/,
    ],
    [{ port: 70000 }, RangeError, /current value is 70000$/],
    [{ port: 1.5 }, RangeError, /current value is 1\.5$/],
    [{ port: NaN }, RangeError, /current value is NaN$/],
    [{ port: "x" }, TypeError, /port must be a number: current value is "x"$/],
    [
      { hostname: 5, port: 0 },
      TypeError,
      /hostname must be a string: current value is 5$/,
    ],
    [
      { port: 0, backlog: -1 },
      RangeError,
      /backlog must be a non-negative integer: current value is -1$/,
    ],
    [
      { port: 0, reusePort: "yes" },
      TypeError,
      /reusePort must be a boolean: current value is "yes"$/,
    ],
    [
      "x",
      TypeError,
      /address must be "host:port" or "\[ipv6\]:port": current value is "x"$/,
    ],
    ["127.0.0.1:99999", RangeError, /current value is 99999$/],
    [
      null,
      TypeError,
      /options must be an object, a "host:port" string or a port number: current value is null$/,
    ],
    [70000, RangeError, /current value is 70000$/],
  ];
  for (const [options, Err, message] of cases) {
    await assert.rejects(
      tcp.listen(options as tcp.ListenOptions),
      (err: unknown) => {
        assert.ok(err instanceof Err, `${Deno.inspect(options)}: ${err}`);
        assert.match((err as Error).message, /^Cannot listen as /);
        assert.match((err as Error).message, message);
        return true;
      },
    );
  }
});

Deno.test("connect() rejects bad addresses and options before any I/O", async () => {
  const cases: [unknown, unknown, ErrorConstructor, RegExp][] = [
    [
      { port: -1 },
      {},
      RangeError,
      /^Cannot connect as port must be an integer from 0 to 65535: current value is -1$/,
    ],
    [{ port: 70000 }, {}, RangeError, /current value is 70000$/],
    [{ port: 1.5 }, {}, RangeError, /current value is 1\.5$/],
    [
      { port: "x" },
      {},
      TypeError,
      /port must be a number: current value is "x"$/,
    ],
    [
      "x",
      {},
      TypeError,
      /address must be "host:port" or "\[ipv6\]:port": current value is "x"$/,
    ],
    ["127.0.0.1", {}, TypeError, /current value is "127\.0\.0\.1"$/],
    ["127.0.0.1:", {}, TypeError, /current value is "127\.0\.0\.1:"$/],
    ["::1:80", {}, TypeError, /current value is "::1:80"$/],
    ["[::1]", {}, TypeError, /current value is "\[::1\]"$/],
    ["[::1]:80x", {}, TypeError, /current value is "\[::1\]:80x"$/],
    ["host:-1", {}, TypeError, /current value is "host:-1"$/],
    ["host:65536", {}, RangeError, /current value is 65536$/],
    [
      undefined,
      {},
      TypeError,
      /address must be a "host:port" string, a \{ hostname, port \} object or a port number: current value is undefined$/,
    ],
    [
      { port: 1 },
      null,
      TypeError,
      /options must be an object: current value is null$/,
    ],
    [
      { port: 1 },
      { timeout: -1 },
      RangeError,
      /timeout must be a number of milliseconds from 0 up: current value is -1$/,
    ],
    [{ port: 1 }, { timeout: NaN }, RangeError, /current value is NaN$/],
    [
      { port: 1 },
      { timeout: "5" },
      TypeError,
      /timeout must be a number of milliseconds or null: current value is "5"$/,
    ],
    [
      { port: 1 },
      { signal: "stop" },
      TypeError,
      /signal must be an AbortSignal: current value is "stop"$/,
    ],
    [
      { port: 1 },
      { noDelay: "no" },
      TypeError,
      /noDelay must be a boolean: current value is "no"$/,
    ],
  ];
  for (const [address, options, Err, message] of cases) {
    await assert.rejects(
      tcp.connect(address as string, options as tcp.ConnectOptions),
      (err: unknown) => {
        assert.ok(err instanceof Err, `${Deno.inspect(address)}: ${err}`);
        assert.match((err as Error).message, /^Cannot connect/);
        assert.match((err as Error).message, message);
        return true;
      },
    );
  }
});

Deno.test("stream functions reject bad arguments before any I/O", async () => {
  await using pair = await tcpPair();
  await tcp.sendAll(pair.client, "intact");
  const sock = pair.peer;
  const cases: [() => Promise<unknown>, ErrorConstructor, RegExp][] = [
    [
      () => tcp.recv(sock, 0),
      RangeError,
      /^Cannot recv as max must be an integer from 1 up: current value is 0$/,
    ],
    [() => tcp.recv(sock, -1), RangeError, /current value is -1$/],
    [() => tcp.recv(sock, 1.5), RangeError, /current value is 1\.5$/],
    [() => tcp.recv(sock, NaN), RangeError, /current value is NaN$/],
    [
      () => tcp.recv(sock, "5" as unknown as number),
      TypeError,
      /max must be .*current value is "5"$/,
    ],
    [
      () => tcp.recv(sock, 5, { timeout: -1 }),
      RangeError,
      /^Cannot recv from 127\.0\.0\.1:\d+ as timeout must be a number of milliseconds from 0 up: current value is -1$/,
    ],
    [
      () => tcp.recv(sock, 5, { timeout: NaN }),
      RangeError,
      /timeout .*current value is NaN$/,
    ],
    [
      () => tcp.recv(sock, 5, { timeout: "5" as unknown as number }),
      TypeError,
      /timeout must be a number of milliseconds or null: current value is "5"$/,
    ],
    [
      () => tcp.recv(sock, 5, { signal: {} as AbortSignal }),
      TypeError,
      /signal must be an AbortSignal: current value is an object$/,
    ],
    [
      () => tcp.recv(sock, 5, null as unknown as tcp.RecvOptions),
      TypeError,
      /options must be an object: current value is null$/,
    ],
    [
      () => tcp.recvExact(sock, -1),
      RangeError,
      /^Cannot recvExact as n must be a non-negative integer: current value is -1$/,
    ],
    [() => tcp.recvExact(sock, 1.5), RangeError, /current value is 1\.5$/],
    [
      () => tcp.recvExact(sock, undefined as unknown as number),
      TypeError,
      /n must be .*current value is undefined$/,
    ],
    [() => tcp.recvExact(sock, 1, { timeout: -1 }), RangeError, /timeout/],
    [
      () => tcp.recvUntil(sock, ""),
      TypeError,
      /^Cannot recvUntil as delimiter must not be empty: current value is ""$/,
    ],
    [
      () => tcp.recvUntil(sock, new Uint8Array(0)),
      TypeError,
      /delimiter must not be empty: current value is a Uint8Array of 0 bytes$/,
    ],
    [
      () => tcp.recvUntil(sock, 5 as unknown as string),
      TypeError,
      /^Cannot recvUntil as delimiter must be a Uint8Array or a string: current value is 5$/,
    ],
    [
      () => tcp.recvUntil(sock, ";", { maxBytes: -1 }),
      RangeError,
      /maxBytes must be a non-negative integer: current value is -1$/,
    ],
    [
      () => tcp.recvUntil(sock, ";", { maxBytes: 1.5 }),
      RangeError,
      /current value is 1\.5$/,
    ],
    [
      () => tcp.recvLine(sock, { maxBytes: -1 }),
      RangeError,
      /^Cannot recvLine as maxBytes must be a non-negative integer: current value is -1$/,
    ],
    [
      () => tcp.recvLine(sock, { maxBytes: "9" as unknown as number }),
      TypeError,
      /current value is "9"$/,
    ],
    [
      () => tcp.recvLine(sock, { timeout: -5 }),
      RangeError,
      /current value is -5$/,
    ],
    [
      () => tcp.recvLine(sock, { signal: "x" as unknown as AbortSignal }),
      TypeError,
      /signal must be an AbortSignal: current value is "x"$/,
    ],
    [
      () => tcp.send(sock, 5 as unknown as string),
      TypeError,
      /^Cannot send as data must be a Uint8Array or a string: current value is 5$/,
    ],
    [
      () => tcp.send(sock, [1, 2] as unknown as Uint8Array),
      TypeError,
      /current value is an array$/,
    ],
    [
      () => tcp.sendAll(sock, null as unknown as string),
      TypeError,
      /^Cannot sendAll as data must be a Uint8Array or a string: current value is null$/,
    ],
    [
      () => tcp.sendAll(sock, new ArrayBuffer(4) as unknown as Uint8Array),
      TypeError,
      /current value is an object$/,
    ],
    [() => tcp.sendAll(sock, "x", { timeout: -1 }), RangeError, /timeout/],
    [
      () => tcp.sendAll(sock, "x", { signal: 1 as unknown as AbortSignal }),
      TypeError,
      /signal/,
    ],
    [
      () => tcp.shutdown(sock, "up" as tcp.ShutdownHow),
      TypeError,
      /^Cannot shutdown as how must be "read", "write" or "both": current value is "up"$/,
    ],
    [
      () => tcp.recv({} as tcp.TcpSocket),
      TypeError,
      /^Cannot recv as sock must be a StreamSocket from connect, accept or wrap: current value is an object$/,
    ],
    [
      () => tcp.recvLine(null as unknown as tcp.TcpSocket),
      TypeError,
      /^Cannot recvLine as sock must be .*current value is null$/,
    ],
    [
      () => tcp.sendAll(pair.server as unknown as tcp.TcpSocket, "x"),
      TypeError,
      /^Cannot sendAll as sock must be/,
    ],
    [
      () => tcp.shutdown(undefined as unknown as tcp.TcpSocket),
      TypeError,
      /^Cannot shutdown as sock must be/,
    ],
    [
      () => tcp.close("sock" as unknown as tcp.TcpSocket),
      TypeError,
      /^Cannot close as sock must be .*current value is "sock"$/,
    ],
    [
      () => tcp.accept(sock as unknown as tcp.TcpServer),
      TypeError,
      /^Cannot accept as server must be a StreamServer from listen: current value is an object$/,
    ],
    [
      () => tcp.accept(pair.server, { timeout: -1 }),
      RangeError,
      /^Cannot accept on 127\.0\.0\.1:\d+ as timeout/,
    ],
  ];
  for (const [op, Err, message] of cases) {
    await assert.rejects(op(), (err: unknown) => {
      assert.ok(err instanceof Err, `${op}: ${err}`);
      assert.match((err as Error).message, message, String(op));
      return true;
    });
  }
  // Nothing was read or written.
  assert.equal(pair.peer.bytesWritten, 0);
  assert.equal(text(await tcp.recvExact(sock, 6)), "intact");
});

Deno.test("setTimeout(), setBlocking() and wrap() reject bad arguments", async () => {
  await using pair = await tcpPair();
  const cases: [() => unknown, ErrorConstructor, RegExp][] = [
    [
      () => tcp.setTimeout(pair.peer, -1),
      RangeError,
      /^Cannot setTimeout as timeout must be a number of milliseconds from 0 up: current value is -1$/,
    ],
    [() => tcp.setTimeout(pair.peer, NaN), RangeError, /current value is NaN$/],
    [
      () => tcp.setTimeout(pair.peer, "5" as unknown as number),
      TypeError,
      /current value is "5"$/,
    ],
    [() => tcp.setTimeout(pair.server, -1), RangeError, /current value is -1$/],
    [
      () => tcp.setTimeout({} as tcp.TcpSocket, 1),
      TypeError,
      /^Cannot setTimeout as sock must be/,
    ],
    [
      () => tcp.setBlocking(pair.peer, 0 as unknown as boolean),
      TypeError,
      /^Cannot setBlocking as flag must be a boolean: current value is 0$/,
    ],
    [
      () => tcp.wrap({} as Deno.Conn),
      TypeError,
      /^Cannot wrap as conn must be a Deno\.Conn: current value is an object$/,
    ],
    [
      () => tcp.wrap(null as unknown as Deno.Conn),
      TypeError,
      /current value is null$/,
    ],
  ];
  for (const [op, Err, message] of cases) {
    assert.throws(op, (err: unknown) => {
      assert.ok(err instanceof Err, `${op}: ${err}`);
      assert.match((err as Error).message, message);
      return true;
    });
  }
  assert.equal(pair.peer.timeout, null);
  assert.equal(pair.server.timeout, null);
});

Deno.test("closing a socket rejects its blocked sendAll with BadResource", async () => {
  await using pair = await tcpPair();
  // Nobody reads, so the write blocks once the socket buffers are full.
  const sending = tcp.sendAll(pair.client, new Uint8Array(64 << 20));
  const failed = assert.rejects(sending, (err: unknown) => {
    assert.ok(err instanceof Deno.errors.BadResource, String(err));
    assert.match(
      err.message,
      /^Cannot sendAll to 127\.0\.0\.1:\d+: the socket is closed$/,
    );
    return true;
  });
  await delay(20);
  await tcp.close(pair.client);
  await failed;
});

Deno.test("closing a socket with a timed-out sendAll in flight settles it", async () => {
  const pair = await tcpPair();
  await assert.rejects(
    tcp.sendAll(pair.client, new Uint8Array(64 << 20), { timeout: 20 }),
    Deno.errors.TimedOut,
  );
  // Cut short, so the write side refuses more (see above)...
  await assert.rejects(
    tcp.sendAll(pair.client, "after"),
    Deno.errors.InvalidData,
  );
  // ...and close does not wait for the rest of a message that cannot be
  // completed: it settles at once though the peer reads nothing.
  await within(tcp.close(pair.client), 2_000, "close");
  await pair[Symbol.asyncDispose]();
});

Deno.test('sendAll() after shutdown("write") rejects with BrokenPipe naming the peer', async () => {
  await using pair = await tcpPair();
  await tcp.shutdown(pair.client);
  await assert.rejects(
    tcp.sendAll(pair.client, "too late"),
    (err: unknown) => {
      assert.ok(err instanceof Deno.errors.BrokenPipe, String(err));
      assert.match(err.message, /^Cannot sendAll to 127\.0\.0\.1:\d+: /);
      assert.ok(err.cause instanceof Deno.errors.BrokenPipe);
      return true;
    },
  );
  assert.equal(await tcp.recv(pair.peer), null);
});

Deno.test("an accept that completes as its server closes never returns a closed socket", async () => {
  for (let i = 0; i < 20; i++) {
    const server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
    const accepting = tcp.accept(server).then(
      (sock) => sock,
      (err: unknown) => err,
    );
    const client = await tcp.connect(server.addr);
    await tcp.close(server);
    const result = await accepting;
    if (result instanceof tcp.StreamSocket) {
      // Delivered before the close: it must work.
      assert.equal(result.closed, false);
      await tcp.sendAll(client, "x");
      assert.equal(text(await tcp.recvExact(result, 1)), "x");
      await tcp.close(result);
    } else {
      assert.ok(result instanceof Deno.errors.BadResource, String(result));
    }
    await tcp.close(client);
  }
});

Deno.test("lines() yields each line until the end, and a timeout in the loop loses nothing", async () => {
  await using pair = await tcpPair();
  await tcp.sendAll(pair.client, "one\r\ntwo\nthr");
  const seen: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const line of tcp.lines(pair.peer, { timeout: 50 })) {
        seen.push(line);
      }
    })(),
    Deno.errors.TimedOut,
  );
  assert.deepEqual(seen, ["one", "two"]);
  await tcp.sendAll(pair.client, "ee\nfour");
  await tcp.shutdown(pair.client);
  for await (const line of tcp.lines(pair.peer, { timeout: 5_000 })) {
    seen.push(line);
  }
  assert.deepEqual(seen, ["one", "two", "three", "four"]);
});

Deno.test("leaving a lines() loop leaves the unread bytes with the socket", async () => {
  await using pair = await tcpPair();
  await tcp.sendAll(pair.client, "a\nb\nc\n");
  for await (const line of tcp.lines(pair.peer, { timeout: 5_000 })) {
    assert.equal(line, "a");
    break;
  }
  assert.equal(await tcp.recvLine(pair.peer, { timeout: 5_000 }), "b");
  assert.equal(
    text(await tcp.recvExact(pair.peer, 2, { timeout: 5_000 })),
    "c\n",
  );
});

Deno.test("lines() rejects bad arguments at once, before any I/O", async () => {
  await using pair = await tcpPair();
  assert.throws(
    () => tcp.lines(pair.peer, { maxBytes: -1 }),
    /^RangeError: Cannot iterate lines as maxBytes must be a non-negative integer: current value is -1$/,
  );
  assert.throws(
    () => tcp.lines({} as tcp.TcpSocket),
    /^TypeError: Cannot iterate lines as sock must be a StreamSocket/,
  );
});

Deno.test("using closes sockets and servers at the end of their block", async () => {
  let server: tcp.TcpServer;
  let client: tcp.TcpSocket;
  let peer: tcp.TcpSocket;
  {
    using s = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
    const accepted = tcp.accept(s);
    using c = await tcp.connect(s.addr);
    using p = await accepted;
    [server, client, peer] = [s, c, p];
  }
  assert.equal(server.closed, true);
  assert.equal(client.closed, true);
  assert.equal(peer.closed, true);
  // Closing again waits for what `using` started.
  await within(
    Promise.all([tcp.close(server), tcp.close(client), tcp.close(peer)]),
    5_000,
    "close",
  );
});

// ---- Core v2 regressions (issue 9) ----

/** Waits, bounded, until `sock` has received at least `n` bytes (buffered ones count). */
async function untilRead(sock: tcp.TcpSocket, n: number): Promise<void> {
  for (let i = 0; i < 400 && sock.bytesRead < n; i++) await delay(5);
  assert.ok(sock.bytesRead >= n, `only ${sock.bytesRead} of ${n} bytes read`);
}

/** A frame with a 4-byte big-endian header announcing `length`, and `payload` after it. */
function frameBytes(length: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  new DataView(out.buffer).setUint32(0, length);
  out.set(payload, 4);
  return out;
}

/** Every kind of receive, as a second caller: each must be Busy. */
const SECOND_RECEIVES: [string, (sock: tcp.TcpSocket) => Promise<unknown>][] = [
  ["recv", (s) => tcp.recv(s)],
  ["recvInto", (s) => tcp.recvInto(s, new Uint8Array(64))],
  ["recvExact", (s) => tcp.recvExact(s, 2)],
  ["recvLine", (s) => tcp.recvLine(s)],
  ["recvUntil", (s) => tcp.recvUntil(s, ";")],
  ["recvDelimited", (s) => recvDelimited(s, { delimiter: ";" })],
  ["recvFrame", (s) => recvFrame(s)],
  ["readable", (s) => tcp.readable(s).getReader().read()],
];

/**
 * A first receive waiting for more than what is buffered: what the peer
 * sends first (buffered before the second caller comes), what it sends to
 * complete the record, and what the first must resolve to.
 */
interface FirstReceive {
  name: string;
  buffered: Uint8Array;
  start(sock: tcp.TcpSocket): Promise<unknown>;
  rest: Uint8Array;
  expected: unknown;
}

// Bytes that hold a whole record for every second receive: a frame of 4
// bytes ("ab;\n"), so a line, a ";"-record, 2 bytes, anything.
const FRAME_AB = frameBytes(4, bytes("ab;\n"));

const FIRST_RECEIVES: FirstReceive[] = [
  {
    name: "recvExact",
    buffered: FRAME_AB,
    start: (s) => tcp.recvExact(s, 20),
    rest: bytes("0123456789ab"),
    expected: concatBytes(FRAME_AB, bytes("0123456789ab")),
  },
  {
    name: "recvUntil",
    buffered: FRAME_AB,
    start: (s) => tcp.recvUntil(s, "#"),
    rest: bytes("tail#"),
    expected: concatBytes(FRAME_AB, bytes("tail")),
  },
  {
    name: "recvDelimited",
    buffered: FRAME_AB,
    start: (s) => recvDelimited(s, { delimiter: "#" }),
    rest: bytes("tail#"),
    expected: concatBytes(FRAME_AB, bytes("tail")),
  },
  {
    name: "recvLine",
    buffered: frameBytes(3, bytes("ab;")),
    start: (s) => tcp.recvLine(s),
    rest: bytes("tail\n"),
    expected: "\0\0\0\x03ab;tail",
  },
  {
    // The header is buffered and the payload is pending.
    name: "recvFrame",
    buffered: frameBytes(10, bytes("ab;\n")),
    start: (s) => recvFrame(s),
    rest: bytes("efghij"),
    expected: bytes("ab;\nefghij"),
  },
  {
    name: "recv",
    buffered: new Uint8Array(0),
    start: (s) => tcp.recv(s),
    rest: FRAME_AB,
    expected: FRAME_AB,
  },
  {
    name: "recvInto",
    buffered: new Uint8Array(0),
    start: async (s) => {
      const buffer = new Uint8Array(64);
      const n = await tcp.recvInto(s, buffer);
      return buffer.slice(0, n ?? 0);
    },
    rest: FRAME_AB,
    expected: FRAME_AB,
  },
  {
    name: "readable",
    buffered: new Uint8Array(0),
    start: async (s) => {
      const reader = tcp.readable(s).getReader();
      const { value } = await reader.read();
      reader.releaseLock();
      return value;
    },
    rest: FRAME_AB,
    expected: FRAME_AB,
  },
];

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

for (const first of FIRST_RECEIVES) {
  Deno.test(`a second receive while ${first.name}() waits is Busy even when its own record is already buffered, and ${first.name}() gets the whole record (issue 9)`, async () => {
    for (const [second, call] of SECOND_RECEIVES) {
      await using pair = await tcpPair();
      if (first.buffered.length > 0) {
        await tcp.sendAll(pair.client, first.buffered);
      }
      const firstDone = first.start(pair.peer);
      // The first receive has read the buffered bytes and waits for more.
      await untilRead(pair.peer, first.buffered.length);
      await assert.rejects(
        within(call(pair.peer), 2_000, second),
        (err: unknown) => {
          assert.ok(
            err instanceof Deno.errors.Busy,
            `${second} during ${first.name}: ${err}`,
          );
          return true;
        },
      );
      await tcp.sendAll(pair.client, first.rest);
      const got = await within(firstDone, 2_000, first.name);
      assert.deepEqual(got, first.expected, `${second} during ${first.name}`);
    }
  });
}

/** A value for a failure message. */
function show(value: unknown): string {
  return value instanceof Uint8Array
    ? JSON.stringify(new TextDecoder().decode(value))
    : JSON.stringify(value);
}

/** Resolves after `k` microtask turns. */
async function microtasks(k: number): Promise<void> {
  for (let i = 0; i < k; i++) await Promise.resolve();
}

Deno.test("a second receive made at any microtask while the first takes its record never takes bytes of it (issue 9)", async () => {
  const records: {
    name: string;
    first: (s: tcp.TcpSocket) => Promise<unknown>;
    data: Uint8Array;
    one: unknown;
    two: unknown;
  }[] = [
    {
      name: "recvUntil",
      first: (s: tcp.TcpSocket) => tcp.recvUntil(s, ";"),
      data: bytes("one;two;"),
      one: bytes("one"),
      two: bytes("two"),
    },
    {
      name: "recvDelimited",
      first: (s: tcp.TcpSocket) => recvDelimited(s, { delimiter: ";" }),
      data: bytes("one;two;"),
      one: bytes("one"),
      two: bytes("two"),
    },
    {
      name: "recvLine",
      first: (s: tcp.TcpSocket) => tcp.recvLine(s),
      data: bytes("one\ntwo\n"),
      one: "one",
      two: "two",
    },
    {
      name: "recvExact",
      first: (s: tcp.TcpSocket) => tcp.recvExact(s, 3),
      data: bytes("onetwo"),
      one: bytes("one"),
      two: bytes("two"),
    },
    {
      name: "recvFrame",
      first: (s: tcp.TcpSocket) => recvFrame(s),
      data: concatBytes(
        frameBytes(3, bytes("one")),
        frameBytes(3, bytes("two")),
      ),
      one: bytes("one"),
      two: bytes("two"),
    },
  ];
  const failures: string[] = [];
  for (const record of records) {
    for (let k = 0; k < 12; k++) {
      await using pair = await tcpPair();
      const conn = pair.peer.conn;
      const read = conn.read.bind(conn);
      let second: Promise<unknown> | undefined;
      // Make the second call k microtasks after the read that brings both
      // records completes (the first call is waiting for it).
      conn.read = (p: Uint8Array) =>
        read(p).then((n) => {
          if (second === undefined && n !== null) {
            second = microtasks(k).then(() => record.first(pair.peer));
          }
          return n;
        });
      const first = record.first(pair.peer);
      await tcp.sendAll(pair.client, record.data);
      const where =
        `${record.name}, second call ${k} microtasks after the read`;
      const firstGot = await within(first, 2_000, `first ${record.name}`);
      if (!isDeepStrictEqual(firstGot, record.one)) {
        failures.push(`${where}: the first got ${show(firstGot)}`);
      }
      for (let i = 0; i < 100 && second === undefined; i++) await delay(5);
      assert.ok(second !== undefined);
      const outcome = await within(
        second.then((value) => ({ value }), (error) => ({ error })),
        2_000,
        `second ${record.name}`,
      );
      if ("error" in outcome) {
        if (!(outcome.error instanceof Deno.errors.Busy)) {
          failures.push(`${where}: the second failed with ${outcome.error}`);
        }
      } else if (!isDeepStrictEqual(outcome.value, record.two)) {
        failures.push(`${where}: the second got ${show(outcome.value)}`);
      }
      conn.read = read;
    }
  }
  assert.deepEqual(failures, []);
});

/** Reads until end of stream, bounded, counting bytes of each value. */
async function drainCounting(
  sock: tcp.TcpSocket,
  ms: number,
): Promise<{ total: number; counts: Map<number, number> }> {
  const counts = new Map<number, number>();
  let total = 0;
  const reading = (async () => {
    for (let chunk; (chunk = await tcp.recv(sock)) !== null;) {
      total += chunk.length;
      for (const value of new Set(chunk)) {
        let n = 0;
        for (
          let i = chunk.indexOf(value);
          i >= 0;
          i = chunk.indexOf(value, i + 1)
        ) n++;
        counts.set(value, (counts.get(value) ?? 0) + n);
      }
    }
  })();
  await within(reading, ms, "reading to the end");
  return { total, counts };
}

/**
 * Leaves `client`'s send side jammed: a write in flight that the kernel
 * cannot take (the peer reads nothing), and a full send queue behind it.
 */
async function jamSendQueue(client: tcp.TcpSocket): Promise<void> {
  const stuck = tcp.sendAll(client, new Uint8Array(32 << 20).fill(1));
  stuck.catch(() => {});
  await within(
    tcp.sendAll(client, new Uint8Array(65_536).fill(1), { timeout: 5_000 }),
    6_000,
  );
}

Deno.test("a sendAll() or send() that timed out or was aborted never reads the caller's buffer after it rejected (issue 9)", async () => {
  const cases: {
    name: string;
    run(pair: Awaited<ReturnType<typeof tcpPair>>): Promise<Uint8Array>;
  }[] = [
    {
      name: "sendAll cut short by its timeout",
      async run(pair) {
        const data = new Uint8Array(64 << 20).fill(1);
        await assert.rejects(
          within(tcp.sendAll(pair.client, data, { timeout: 50 }), 5_000),
          Deno.errors.TimedOut,
        );
        return data;
      },
    },
    {
      name: "sendAll cut short by its signal",
      async run(pair) {
        const data = new Uint8Array(64 << 20).fill(1);
        const controller = new AbortController();
        const reason = new Error("stop");
        const timer = setTimeout(() => controller.abort(reason), 50);
        try {
          await assert.rejects(
            within(
              tcp.sendAll(pair.client, data, { signal: controller.signal }),
              5_000,
            ),
            // See the ignored test below for the reason's identity.
            (err: unknown) => err === reason || (err as Error).cause === reason,
          );
        } finally {
          clearTimeout(timer);
        }
        return data;
      },
    },
    {
      name: "send timed out waiting for room",
      async run(pair) {
        await jamSendQueue(pair.client);
        const data = new Uint8Array(100_000).fill(1);
        await assert.rejects(
          within(tcp.send(pair.client, data, { timeout: 50 }), 5_000),
          Deno.errors.TimedOut,
        );
        return data;
      },
    },
    {
      name: "sendAll timed out waiting for room",
      async run(pair) {
        await jamSendQueue(pair.client);
        const data = new Uint8Array(100_000).fill(1);
        await assert.rejects(
          within(tcp.sendAll(pair.client, data, { timeout: 50 }), 5_000),
          Deno.errors.TimedOut,
        );
        return data;
      },
    },
  ];
  for (const { name, run } of cases) {
    await using pair = await tcpPair();
    const data = await run(pair);
    // New contents: not one of these bytes may reach the peer.
    data.fill(9);
    const reading = drainCounting(pair.peer, 20_000);
    await within(
      tcp.shutdown(pair.client, "write", { timeout: 15_000 }),
      16_000,
      `${name}: shutdown`,
    );
    const { total, counts } = await reading;
    assert.equal(
      counts.get(9) ?? 0,
      0,
      `${name}: new contents reached the peer`,
    );
    assert.ok(total > 0, name);
    assert.equal(pair.client.bytesWritten, total, name);
  }
});

Deno.test("shutdown() behind a stuck write rejects with TimedOut in time, shuts nothing, and works later (issue 9)", async () => {
  await using pair = await tcpPair();
  const data = new Uint8Array(32 << 20).fill(1);
  const sending = tcp.sendAll(pair.client, data);
  const started = performance.now();
  await assert.rejects(
    within(
      tcp.shutdown(pair.client, "write", { timeout: 100 }),
      3_000,
      "shutdown with a timeout",
    ),
    (err: unknown) => {
      assert.ok(err instanceof Deno.errors.TimedOut, String(err));
      assert.match(
        err.message,
        /^Cannot shutdown 127\.0\.0\.1:\d+: timed out after 100 ms$/,
      );
      return true;
    },
  );
  assert.ok(performance.now() - started < 2_900);
  // Nothing was shut: the bytes still go out, then a shutdown ends the stream.
  const received = tcp.recvExact(pair.peer, data.length, { timeout: 20_000 });
  await within(sending, 20_000, "the stuck sendAll");
  assert.equal((await received).length, data.length);
  await within(tcp.shutdown(pair.client, "write", { timeout: 5_000 }), 6_000);
  assert.equal(await tcp.recv(pair.peer, 1, { timeout: 5_000 }), null);
});

Deno.test("shutdown() behind a stuck write rejects with its signal's reason (issue 9)", async () => {
  await using pair = await tcpPair();
  const sending = tcp.sendAll(pair.client, new Uint8Array(32 << 20));
  const controller = new AbortController();
  const reason = new Error("changed my mind");
  const shutting = tcp.shutdown(pair.client, "write", {
    signal: controller.signal,
  });
  await delay(20);
  controller.abort(reason);
  await assert.rejects(
    within(shutting, 3_000, "shutdown with a signal"),
    (err: unknown) => err === reason,
  );
  // Already aborted: rejects at once with the same reason.
  await assert.rejects(
    within(
      tcp.shutdown(pair.client, "write", { signal: controller.signal }),
      1_000,
    ),
    (err: unknown) => err === reason,
  );
  await tcp.close(pair.client);
  await assert.rejects(within(sending, 3_000), Deno.errors.BadResource);
});

Deno.test("shutdown()'s timeout bounds the connection's own closeWrite too (a TLS one waits for a peer that stopped reading)", async () => {
  // A real connection whose closeWrite never settles, as a TLS one over
  // node:tls does while the peer reads nothing.
  await using pair = await tcpPair();
  const conn = pair.client.conn;
  let closeWrites = 0;
  const stalling = new Proxy(conn, {
    get(target, key) {
      if (key === "closeWrite") {
        return () => {
          closeWrites++;
          return new Promise<void>(() => {});
        };
      }
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  await using sock = tcp.wrap(stalling);
  await assert.rejects(
    within(
      tcp.shutdown(sock, "write", { timeout: 100 }),
      5_000,
      "shutdown with a timeout",
    ),
    (err: unknown) =>
      err instanceof Deno.errors.TimedOut &&
      /^Cannot shutdown 127\.0\.0\.1:\d+: timed out after 100 ms$/.test(
        err.message,
      ),
  );
  assert.equal(closeWrites, 1);
});

// Regression: a cut sendAll rejected with a rebuilt error, not the reason.
Deno.test(
  "a sendAll() cut short by its signal rejects with the signal's reason (issue 9)",
  async () => {
    for (const custom of [true, false]) {
      await using pair = await tcpPair();
      const controller = new AbortController();
      const reason = custom ? new Error("stop") : undefined;
      const timer = setTimeout(() => controller.abort(reason), 50);
      try {
        await assert.rejects(
          within(
            tcp.sendAll(pair.client, new Uint8Array(64 << 20), {
              signal: controller.signal,
            }),
            5_000,
          ),
          (err: unknown) => {
            assert.equal(err, controller.signal.reason);
            if (!custom) assert.equal((err as Error).name, "AbortError");
            return true;
          },
        );
      } finally {
        clearTimeout(timer);
      }
    }
  },
);

// ---- hand-made mutants of issue 9 ----

/** Writes to `sock` until a write fails (the peer closed), bounded. */
async function sendUntilFailure(sock: tcp.TcpSocket): Promise<unknown> {
  for (let i = 0; i < 200; i++) {
    try {
      await within(tcp.sendAll(sock, new Uint8Array(1024)), 2_000);
    } catch (err) {
      return err;
    }
    await delay(5);
  }
  assert.fail("no write failed after the peer closed");
}

Deno.test("a failed direct write releases the write side: the next two sendAll() calls settle with the same error", async () => {
  await using pair = await tcpPair();
  await tcp.close(pair.peer);
  const first = await sendUntilFailure(pair.client);
  assert.ok(
    first instanceof Deno.errors.BrokenPipe ||
      first instanceof Deno.errors.ConnectionReset,
    String(first),
  );
  for (const i of [1, 2]) {
    const later = await within(
      tcp.sendAll(pair.client, "more").then(() => null, (err) => err),
      2_000,
      `sendAll number ${i} after the failure`,
    );
    assert.ok(later instanceof Error, `sendAll ${i} resolved`);
    assert.equal(later.constructor, first.constructor);
    assert.equal(later.message, first.message);
  }
  // A write with a deadline takes the queued path: refused the same way.
  await assert.rejects(
    within(tcp.sendAll(pair.client, "more", { timeout: 1_000 }), 2_000),
    first.constructor as ErrorConstructor,
  );
});

Deno.test("close() resolves only once the read in flight has settled", async () => {
  await using pair = await tcpPair();
  const conn = pair.peer.conn;
  const read = conn.read.bind(conn);
  let inFlight = 0;
  conn.read = (p: Uint8Array) => {
    inFlight++;
    return read(p).finally(() => inFlight--);
  };
  await assert.rejects(
    within(tcp.recv(pair.peer, 1024, { timeout: 20 }), 2_000),
    Deno.errors.TimedOut,
  );
  assert.equal(inFlight, 1, "the timed-out read stays in flight");
  await within(tcp.close(pair.peer), 2_000, "close");
  assert.equal(inFlight, 0, "close waited for the read");
});

Deno.test("a timed-out recvInto() never writes into the caller's buffer later; the bytes go to the next call in order", async () => {
  await using pair = await tcpPair();
  const mine = new Uint8Array(16).fill(0xee);
  await assert.rejects(
    within(tcp.recvInto(pair.peer, mine, { timeout: 20 }), 2_000),
    Deno.errors.TimedOut,
  );
  await tcp.sendAll(pair.client, "abcdef");
  // The read left in flight completes meanwhile (into the socket's buffer).
  await delay(50);
  assert.ok(mine.every((b) => b === 0xee), "the caller's buffer is untouched");
  // The next calls get the bytes in order, with and without a timeout.
  const next = new Uint8Array(4);
  assert.equal(
    await within(tcp.recvInto(pair.peer, next, { timeout: 1_000 }), 2_000),
    4,
  );
  assert.equal(text(next), "abcd");
  assert.equal(await within(tcp.recvInto(pair.peer, next), 2_000), 2);
  assert.equal(text(next.subarray(0, 2)), "ef");
  // Without a timeout, straight into the caller's buffer.
  const direct = new Uint8Array(8);
  const receiving = tcp.recvInto(pair.peer, direct);
  await tcp.sendAll(pair.client, "xyz");
  assert.equal(await within(receiving, 2_000), 3);
  assert.equal(text(direct.subarray(0, 3)), "xyz");
  // A timed-out recvInto followed by recv: nothing lost, nothing reordered.
  await assert.rejects(
    within(tcp.recvInto(pair.peer, mine, { timeout: 20 }), 2_000),
    Deno.errors.TimedOut,
  );
  await tcp.sendAll(pair.client, "late");
  assert.equal(text(await within(tcp.recvExact(pair.peer, 4), 2_000)), "late");
  assert.ok(mine.every((b) => b === 0xee));
  await tcp.shutdown(pair.client);
  assert.equal(await within(tcp.recvInto(pair.peer, next), 2_000), null);
});

Deno.test("errors keep the system's code: ECONNREFUSED, EADDRINUSE, ECONNRESET", async () => {
  const port = await closedPort();
  await assert.rejects(
    within(tcp.connect({ hostname: "127.0.0.1", port }), 5_000),
    (err: unknown) => {
      assert.ok(err instanceof Deno.errors.ConnectionRefused);
      assert.equal((err as { code?: string }).code, "ECONNREFUSED");
      return true;
    },
  );
  await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
  await assert.rejects(
    tcp.listen({ hostname: "127.0.0.1", port: server.addr.port }),
    (err: unknown) => {
      assert.ok(err instanceof Deno.errors.AddrInUse);
      assert.equal((err as { code?: string }).code, "EADDRINUSE");
      return true;
    },
  );
  await using pair = await tcpPair();
  await tcp.close(pair.peer);
  const failure = await sendUntilFailure(pair.client);
  const code = (failure as { code?: string }).code;
  assert.ok(code === "EPIPE" || code === "ECONNRESET", `code ${code}`);
});

const RESET_THEN_CONNECT = `
import socket, struct, sys
port = int(sys.argv[1])
a = socket.create_connection(("127.0.0.1", port), timeout=5)
a.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
a.close()
b = socket.create_connection(("127.0.0.1", port), timeout=5)
b.sendall(b"hello")
print("ready", flush=True)
assert b.recv(16) == b"ok"
b.close()
`;

Deno.test(
  "accept() skips a client that reset before it was accepted, and accepts the next",
  {
    ignore: !hasCommand("python3"),
  },
  async () => {
    await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
    const child = new Deno.Command("python3", {
      args: ["-c", RESET_THEN_CONNECT, String(server.addr.port)],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stderr = new Response(child.stderr).text();
    const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    try {
      // Both connections are queued, the first already reset, before accept.
      const { value } = await within(lines.read(), 10_000, "python's ready");
      assert.equal(value?.trim(), "ready");
      await using conn = await within(
        tcp.accept(server, { timeout: 5_000 }),
        6_000,
        "accept",
      );
      assert.equal(
        text(await within(tcp.recvExact(conn, 5, { timeout: 5_000 }), 6_000)),
        "hello",
      );
      await tcp.sendAll(conn, "ok");
      const status = await within(child.status, 10_000, "python's exit");
      assert.equal(status.code, 0, await stderr);
    } finally {
      try {
        child.kill();
      } catch {
        // Already exited.
      }
      await lines.cancel();
      await stderr;
      await child.status;
    }
  },
);

// ---- the write side of Core v2 over TCP ----

Deno.test("a reply held while more requests are buffered goes out even if the server stops reading", async () => {
  await using pair = await tcpPair();
  await tcp.sendAll(pair.client, "one\ntwo\n");
  assert.equal(
    await within(tcp.recvLine(pair.peer, { timeout: 2_000 }), 3_000),
    "one",
  );
  // "two" is still buffered, so this reply may be held for batching...
  await within(tcp.sendAll(pair.peer, "reply one\n"), 1_000);
  // ...but never for long: the server reads nothing more, and the client
  // still gets it.
  assert.equal(
    await within(tcp.recvLine(pair.client, { timeout: 2_000 }), 3_000),
    "reply one",
  );
  assert.equal(pair.peer.bytesWritten, 10);
});

Deno.test("pipelined requests get every reply, in order, whatever is held", async () => {
  await using pair = await tcpPair();
  const requests = Array.from({ length: 200 }, (_, i) => `request ${i}\n`);
  await tcp.sendAll(pair.client, requests.join(""));
  await tcp.shutdown(pair.client);
  const serving = (async () => {
    const bounded = { timeout: 10_000 };
    for (let line; (line = await tcp.recvLine(pair.peer, bounded)) !== null;) {
      await tcp.sendAll(pair.peer, `reply to ${line}\n`);
    }
    await tcp.shutdown(pair.peer, "write", { timeout: 5_000 });
  })();
  const replies: string[] = [];
  await within(
    (async () => {
      for (let line; (line = await tcp.recvLine(pair.client)) !== null;) {
        replies.push(line);
      }
    })(),
    10_000,
    "the replies",
  );
  await within(serving, 5_000, "the server");
  assert.deepEqual(
    replies,
    requests.map((r) => `reply to ${r.trimEnd()}`),
  );
});

Deno.test("close() sends a held reply before closing", async () => {
  await using pair = await tcpPair();
  await tcp.sendAll(pair.client, "one\ntwo\n");
  assert.equal(await within(tcp.recvLine(pair.peer), 2_000), "one");
  await within(tcp.sendAll(pair.peer, "bye\n"), 1_000);
  await within(tcp.close(pair.peer), 5_000, "close");
  assert.equal(
    await within(tcp.recvLine(pair.client, { timeout: 2_000 }), 3_000),
    "bye",
  );
  assert.equal(
    await within(tcp.recvLine(pair.client, { timeout: 2_000 }), 3_000),
    null,
  );
});

Deno.test("a queued write that fails is reported by close() when no call saw it", async () => {
  // Closed by hand, to see what each close() reports.
  const pair = await tcpPair();
  await tcp.close(pair.peer);
  // The first write after the peer closed goes through; the reset comes back.
  await within(tcp.sendAll(pair.client, "x"), 1_000);
  await delay(100);
  // With a deadline the bytes are queued and the call settles at once; the
  // queued write then fails.
  await within(
    tcp.sendAll(pair.client, "queued", { timeout: 1_000 }),
    2_000,
  );
  await delay(100);
  await assert.rejects(
    within(tcp.close(pair.client), 2_000, "close"),
    (err: unknown) => {
      assert.ok(
        err instanceof Deno.errors.BrokenPipe ||
          err instanceof Deno.errors.ConnectionReset,
        String(err),
      );
      assert.match(err.message, /^Cannot send to 127\.0\.0\.1:\d+: /);
      return true;
    },
  );
  // Reported once: a later close resolves.
  await within(tcp.close(pair.client), 2_000, "close again");
  await tcp.close(pair.server);
});

Deno.test("a queued write that fails is reported by the next call, and not again by close()", async () => {
  await using pair = await tcpPair();
  await tcp.close(pair.peer);
  await within(tcp.sendAll(pair.client, "x"), 1_000);
  await delay(100);
  await within(
    tcp.sendAll(pair.client, "queued", { timeout: 1_000 }),
    2_000,
  );
  await delay(100);
  await assert.rejects(
    within(tcp.sendAll(pair.client, "next"), 2_000),
    (err: unknown) =>
      err instanceof Deno.errors.BrokenPipe ||
      err instanceof Deno.errors.ConnectionReset,
  );
  await within(tcp.close(pair.client), 2_000, "close");
});

Deno.test("close() lets queued bytes go out to a reading peer first", async () => {
  await using pair = await tcpPair();
  const data = pseudoRandomBytes(4 << 20, 41);
  // Nobody reads yet: the last bytes of this call stay in the send queue.
  const reading = (async () => {
    await delay(50);
    return await tcp.recvExact(pair.peer, data.length, { timeout: 10_000 });
  })();
  await within(
    tcp.sendAll(pair.client, data, { timeout: 10_000 }),
    11_000,
    "sendAll",
  );
  await within(tcp.close(pair.client), 11_000, "close");
  assertBytes(await within(reading, 11_000), data, "what the peer read");
  assert.equal(
    await within(tcp.recv(pair.peer, 1, { timeout: 2_000 }), 3_000),
    null,
  );
});

Deno.test("close() waits for queued bytes no longer than the socket's timeout, then rejects with TimedOut", async () => {
  // Closed by hand, to see what each close() reports.
  const pair = await tcpPair();
  // A write in flight that the peer never takes, and bytes queued behind it.
  const stuck = tcp.sendAll(pair.client, new Uint8Array(64 << 20)).then(
    () => null,
    (err) => err,
  );
  await within(
    tcp.sendAll(pair.client, new Uint8Array(1000), { timeout: 1_000 }),
    2_000,
  );
  tcp.setTimeout(pair.client, 100);
  const started = performance.now();
  await assert.rejects(
    within(tcp.close(pair.client), 5_000, "close"),
    (err: unknown) => {
      assert.ok(err instanceof Deno.errors.TimedOut, String(err));
      assert.match(
        err.message,
        /^Cannot close 127\.0\.0\.1:\d+: queued bytes were not all written within 100 ms, and were dropped$/,
      );
      return true;
    },
  );
  assert.ok(performance.now() - started < 4_000);
  assert.ok(await within(stuck, 2_000) instanceof Deno.errors.BadResource);
  // Reported once: a later close resolves.
  await within(tcp.close(pair.client), 2_000, "close again");
  await tcp.close(pair.peer);
  await tcp.close(pair.server);
});

// Regression: close() of a non-blocking socket lingered 0 ms (its timeout)
// and dropped bytes that send() had counted as sent.
Deno.test(
  "close() of a non-blocking socket delivers every byte send() counted as sent",
  async () => {
    await using pair = await tcpPair();
    tcp.setBlocking(pair.client, false);
    let counted = 0;
    for (let i = 0; i < 5_000; i++) {
      try {
        counted += await within(
          tcp.send(pair.client, new Uint8Array(65_536)),
          2_000,
        );
      } catch (err) {
        assert.ok(err instanceof Deno.errors.WouldBlock, String(err));
        break;
      }
    }
    // The peer reads while the close waits for the queue to drain.
    const reading = (async () => {
      let got = 0;
      for (
        let chunk;
        (chunk = await within(tcp.recv(pair.peer), 5_000)) !== null;
      ) got += chunk.length;
      return got;
    })();
    await within(tcp.close(pair.client), 5_000, "close");
    assert.equal(await reading, counted);
  },
);

Deno.test("listen() and connect() take a port number alone: every IPv4 interface, and loopback", async () => {
  await using server = await tcp.listen(0);
  assert.equal(server.addr.hostname, "0.0.0.0");
  const accepted = tcp.accept(server, { timeout: 5_000 });
  await using client = await tcp.connect(server.addr.port, { timeout: 5_000 });
  await using peer = await accepted;
  assert.equal(client.remoteAddr.hostname, "127.0.0.1");
  assert.equal(peer.localAddr.port, server.addr.port);
});

Deno.test("every call that opens a socket returns a promise, and its argument errors reject it", async () => {
  const opening = tcp.listen({ port: -1 });
  assert.ok(opening instanceof Promise);
  await assert.rejects(opening, RangeError);
  await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
  assert.ok(server instanceof tcp.StreamServer);
});

Deno.test("recvExact() refuses a count no array can hold, naming n, before any I/O", async () => {
  await using pair = await tcpPair();
  await assert.rejects(
    tcp.recvExact(pair.peer, 2 ** 53),
    /^RangeError: Cannot recvExact as n must be at most 4294967296 \(4 GiB\): current value is 9007199254740992$/,
  );
  // The socket is still usable.
  await tcp.sendAll(pair.client, "ok");
  assert.equal(
    text(await tcp.recvExact(pair.peer, 2, { timeout: 5_000 })),
    "ok",
  );
});

/**
 * Asserts that `server` closes an IPv4 client as it accepts it (the kernel
 * takes the connection first) and hands over the next, IPv6 one.
 */
async function assertServesIpv6Only(server: tcp.TcpServer): Promise<void> {
  const accepted = tcp.accept(server, { timeout: 5_000 });
  await using v4 = await tcp.connect(
    { hostname: "127.0.0.1", port: server.addr.port },
    { timeout: 5_000 },
  );
  await assertClosedByPeer(v4);
  await using v6 = await tcp.connect(
    { hostname: "::1", port: server.addr.port },
    { timeout: 5_000 },
  );
  await using peer = await accepted;
  assert.equal(peer.remoteAddr.hostname, "::1");
  assert.equal(peer.remoteAddr.port, v6.localAddr.port);
}

Deno.test({
  name:
    'listen({ hostname: "::", ipv6Only: true }) serves ::1 clients and closes 127.0.0.1 ones; "::" alone takes both',
  ignore: !canListenOnIpv6Any,
  async fn() {
    // Dual stack: an IPv4 client arrives as ::ffff:127.0.0.1.
    {
      await using server = await tcp.listen({ hostname: "::", port: 0 });
      const accepted = tcp.accept(server, { timeout: 5_000 });
      await using client = await tcp.connect(
        { hostname: "127.0.0.1", port: server.addr.port },
        { timeout: 5_000 },
      );
      await using peer = await accepted;
      assert.match(peer.remoteAddr.hostname, /^::ffff:127\.0\.0\.1$/i);
      assert.ok(client.localAddr.port > 0);
    }
    await using server = await tcp.listen({
      hostname: "::",
      port: 0,
      ipv6Only: true,
    });
    await assertServesIpv6Only(server);
    await assert.rejects(
      tcp.listen({ hostname: "0.0.0.0", port: 0, ipv6Only: true }),
      /^TypeError: Cannot listen as ipv6Only needs an IPv6 hostname such as "::": current value is "0.0.0.0"$/,
    );
  },
});

Deno.test({
  name:
    "listen({ dualStack: true }) listens on :: for both families; dualStack: false serves IPv6 only; bad combinations are refused before any I/O",
  ignore: !canListenOnIpv6Any,
  async fn() {
    {
      await using server = await tcp.listen({ port: 0, dualStack: true });
      assert.equal(server.addr.hostname, "::");
      for (const hostname of ["127.0.0.1", "::1"]) {
        const accepted = tcp.accept(server, { timeout: 5_000 });
        await using client = await tcp.connect(
          { hostname, port: server.addr.port },
          { timeout: 5_000 },
        );
        await using peer = await accepted;
        await tcp.sendAll(client, hostname, { timeout: 5_000 });
        assert.equal(
          new TextDecoder().decode(
            await tcp.recvExact(peer, hostname.length, { timeout: 5_000 }),
          ),
          hostname,
        );
        assert.match(
          peer.remoteAddr.hostname,
          hostname === "::1" ? /^::1$/ : /^::ffff:127\.0\.0\.1$/i,
        );
      }
    }
    {
      await using server = await tcp.listen({ port: 0, dualStack: false });
      assert.equal(server.addr.hostname, "::");
      await assertServesIpv6Only(server);
    }
    await assert.rejects(
      tcp.listen({ hostname: "127.0.0.1", port: 0, dualStack: true }),
      /^TypeError: Cannot listen as dualStack needs the hostname "::" \(every interface, both families\): current value is "127\.0\.0\.1"$/,
    );
    await assert.rejects(
      tcp.listen({ port: 0, dualStack: true, ipv6Only: true }),
      /^TypeError: Cannot listen as dualStack: true and ipv6Only: true contradict each other$/,
    );
    await assert.rejects(
      tcp.listen({ port: 0, dualStack: "yes" as unknown as boolean }),
      /^TypeError: Cannot listen as dualStack must be a boolean: current value is "yes"$/,
    );
  },
});
