// Copyright 2026 the socketkit authors. MIT license.
// Property tests of the shared stream core over real loopback sockets: any
// mix of writes, receives and timeouts yields the stream, whole and in order.

import assert from "node:assert/strict";
import fc from "fast-check";
import * as tcp from "../tcp.ts";
import { pseudoRandomBytes, tcpPair } from "./_util.ts";

const encoder = new TextEncoder();

/** Asserts equal bytes, naming the first difference (no huge diff on failure). */
function assertBytes(actual: Uint8Array, expected: Uint8Array, what: string) {
  const n = Math.min(actual.length, expected.length);
  let i = 0;
  while (i < n && actual[i] === expected[i]) i++;
  if (i === n && actual.length === expected.length) return;
  assert.fail(
    `${what}: ${actual.length} bytes where ${expected.length} were expected, first difference at ${i} (${
      actual[i]
    } instead of ${expected[i]})`,
  );
}

/** A receive step: which primitive, its size, and its timeout. */
type Step =
  | { op: "recv"; max: number; timeout: number | null }
  | { op: "recvExact"; n: number; timeout: number | null }
  | { op: "recvUntil"; timeout: number | null }
  | { op: "recvLine"; timeout: number | null };

const timeoutArb = fc.constantFrom<number | null>(null, null, 0, 1, 3);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    op: fc.constant("recv" as const),
    max: fc.oneof(
      fc.integer({ min: 1, max: 64 }),
      fc.integer({ min: 1, max: 200_000 }),
    ),
    timeout: timeoutArb,
  }),
  fc.record({
    op: fc.constant("recvExact" as const),
    n: fc.oneof(
      fc.integer({ min: 0, max: 64 }),
      fc.integer({ min: 1, max: 300_000 }),
    ),
    timeout: timeoutArb,
  }),
  fc.record({ op: fc.constant("recvUntil" as const), timeout: timeoutArb }),
  fc.record({ op: fc.constant("recvLine" as const), timeout: timeoutArb }),
);

/**
 * ASCII text with "\n" and ";" now and then, so lines and records of every
 * length occur (no "\r", so recvLine's result maps back to the bytes).
 */
function streamOf(length: number, seed: number, density: number): Uint8Array {
  const data = pseudoRandomBytes(length, seed);
  for (let i = 0; i < data.length; i++) {
    const b = data[i]!;
    data[i] = b < density ? 0x0a : b < 2 * density ? 0x3b : 0x61 + b % 26;
  }
  return data;
}

async function replay(
  data: Uint8Array,
  writes: number[],
  pauses: number[],
  steps: Step[],
): Promise<void> {
  await using pair = await tcpPair();
  const writing = (async () => {
    let at = 0;
    // Bounded: after 100 writes of any size, the rest goes in 100 more.
    const floor = Math.ceil(data.length / 100);
    for (let k = 0; at < data.length; k++) {
      const wanted = writes[k % writes.length]!;
      const size = k < 100 ? wanted : Math.max(wanted, floor);
      await tcp.sendAll(pair.client, data.subarray(at, at + size));
      at += size;
      const pause = k < 30 ? pauses[k % pauses.length]! : 0;
      if (pause > 0) await new Promise((r) => setTimeout(r, pause));
    }
    await tcp.shutdown(pair.client);
  })();
  // Keep what each call returned and compare at the end, so a buffer the
  // core reused under a returned array would show.
  const parts: Uint8Array[] = [];
  let got = 0;
  const put = (bytes: Uint8Array) => {
    assert.ok(got + bytes.length <= data.length, "more bytes than were sent");
    parts.push(bytes);
    got += bytes.length;
  };
  let done = false;
  for (let k = 0; !done; k++) {
    const step = steps[k % steps.length]!;
    const options = step.timeout === null ? {} : { timeout: step.timeout };
    try {
      switch (step.op) {
        case "recv": {
          const chunk = await tcp.recv(pair.peer, step.max, options);
          if (chunk === null) done = true;
          else {
            assert.ok(chunk.length >= 1 && chunk.length <= step.max);
            put(chunk);
          }
          break;
        }
        case "recvExact": {
          // Odd steps ask for one byte at least, so the loop always ends.
          const n = Math.min(
            k % 2 === 0 ? step.n : Math.max(1, step.n),
            data.length - got,
          );
          const chunk = await tcp.recvExact(pair.peer, n, options);
          assert.equal(chunk.length, n);
          put(chunk);
          if (got === data.length && n === 0) {
            done = (await tcp.recv(pair.peer)) === null;
          }
          break;
        }
        case "recvUntil": {
          const record = await tcp.recvUntil(pair.peer, ";", {
            ...options,
            maxBytes: Infinity,
          });
          if (record === null) done = true;
          else {
            assert.equal(record.indexOf(0x3b), -1);
            put(record);
            put(encoder.encode(";"));
          }
          break;
        }
        case "recvLine": {
          const line = await tcp.recvLine(pair.peer, {
            ...options,
            maxBytes: Infinity,
          });
          if (line === null) done = true;
          else {
            assert.ok(!line.includes("\n"));
            put(encoder.encode(line));
            // Every line but an unterminated last one had its "\n".
            if (got < data.length || data[data.length - 1] === 0x0a) {
              put(encoder.encode("\n"));
            }
          }
          break;
        }
      }
    } catch (err) {
      if (
        err instanceof Deno.errors.TimedOut ||
        err instanceof Deno.errors.WouldBlock
      ) {
        continue;
      }
      if (
        err instanceof Deno.errors.UnexpectedEof &&
        (step.op === "recvUntil" || step.op === "recvExact")
      ) {
        // The rest stays buffered: take it with recv.
        for (let chunk; (chunk = await tcp.recv(pair.peer)) !== null;) {
          put(chunk);
        }
        done = true;
        continue;
      }
      throw err;
    }
  }
  await writing;
  assert.equal(got, data.length);
  const out = new Uint8Array(got);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  assertBytes(out, data, "the stream");
  assert.equal(pair.peer.bytesRead, data.length);
  assert.equal(pair.client.bytesWritten, data.length);
}

Deno.test("any mix of receives, timeouts and write sizes returns the stream whole and in order", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 400_000 }),
      fc.integer({ min: 1, max: 1 << 30 }),
      fc.integer({ min: 0, max: 40 }),
      fc.array(
        fc.oneof(
          fc.integer({ min: 1, max: 16 }),
          fc.integer({ min: 1, max: 150_000 }),
        ),
        { minLength: 1, maxLength: 8 },
      ),
      fc.array(fc.constantFrom(0, 0, 0, 1, 2), { minLength: 1, maxLength: 5 }),
      fc.array(stepArb, { minLength: 1, maxLength: 10 }),
      async (length, seed, density, writes, pauses, steps) => {
        await replay(streamOf(length, seed, density), writes, pauses, steps);
      },
    ),
    { numRuns: 40 },
  );
});

Deno.test("long lines and records grow the buffer and keep every byte", async () => {
  // Lines of 0 to 300 KiB, so the buffer grows, compacts and is handed over.
  const sizes = [
    0,
    1,
    1023,
    1024,
    1025,
    4096,
    65_535,
    65_536,
    65_537,
    300_000,
    7,
  ];
  const parts = sizes.map((n, i) => "x".repeat(n) + (i % 2 ? "\n" : ";"));
  const data = encoder.encode(parts.join(""));
  await replay(data, [100_000, 3, 70_000], [0, 1], [
    { op: "recvLine", timeout: null },
    { op: "recvUntil", timeout: null },
  ]);
  await replay(data, [65_536], [0], [
    { op: "recvExact", n: 65_536, timeout: null },
    { op: "recvExact", n: 100_000, timeout: 1 },
    { op: "recv", max: 1 << 20, timeout: null },
  ]);
});

Deno.test("recvExact() of 64 KiB and more hands out buffers that later reads do not touch", async () => {
  await using pair = await tcpPair();
  const data = pseudoRandomBytes(1 << 20, 11);
  const sending = tcp.sendAll(pair.client, data);
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < data.length;) {
    const n = Math.min(65_536 * (1 + (chunks.length % 3)), data.length - at);
    chunks.push(await tcp.recvExact(pair.peer, n));
    at += n;
  }
  await sending;
  // Checked after every read: a buffer reused under a returned array would show.
  let at = 0;
  for (const chunk of chunks) {
    assertBytes(chunk, data.subarray(at, at + chunk.length), `at ${at}`);
    at += chunk.length;
  }
});

Deno.test("recv() results stay intact after later receives", async () => {
  await using pair = await tcpPair();
  const data = pseudoRandomBytes(300_000, 12);
  const sending = (async () => {
    for (let at = 0; at < data.length; at += 10_000) {
      await tcp.sendAll(pair.client, data.subarray(at, at + 10_000));
    }
    await tcp.shutdown(pair.client);
  })();
  const chunks: Uint8Array[] = [];
  for (let k = 0;; k++) {
    const chunk = k % 2
      ? await tcp.recv(pair.peer, 1 + (k * 977) % 70_000)
      : await tcp.recvExact(
        pair.peer,
        Math.min(
          1 + (k * 331) % 9_000,
          data.length - chunks.reduce((a, c) => a + c.length, 0),
        ),
      );
    if (chunk === null || chunk.length === 0) break;
    chunks.push(chunk);
  }
  await sending;
  let at = 0;
  for (const chunk of chunks) {
    assertBytes(chunk, data.subarray(at, at + chunk.length), `at ${at}`);
    at += chunk.length;
  }
  assert.equal(at, data.length);
});

Deno.test("recvLine() decodes every line as TextDecoder does: invalid UTF-8, byte-order marks, short and long lines", async () => {
  await using pair = await tcpPair();
  const random = pseudoRandomBytes(200_000, 11);
  const lines: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; i < 400; i++) {
    // Lengths on both sides of the short-line decoder's 256-byte cut-off.
    const length = random[at]! % 4 === 0
      ? 250 + (random[at + 1]! * 3)
      : random[at + 1]! % 40;
    const line = random.slice(at + 2, at + 2 + length).map((b) =>
      b === 0x0a || b === 0x0d ? 0x41 : b
    );
    if (i % 7 === 0) lines.push(new Uint8Array([0xef, 0xbb, 0xbf, ...line]));
    else lines.push(line);
    at += 2 + length;
  }
  const wire: number[] = [];
  lines.forEach((line, i) =>
    wire.push(...line, ...(i % 3 === 0 ? [0x0d, 0x0a] : [0x0a]))
  );
  const bytes = new Uint8Array(wire);
  const sending = (async () => {
    for (
      let sent = 0, step = 1;
      sent < bytes.length;
      step = (step * 7 + 3) % 997 + 1
    ) {
      await tcp.sendAll(pair.client, bytes.subarray(sent, sent + step));
      sent += step;
    }
    await tcp.shutdown(pair.client);
  })();
  for (const line of lines) {
    assert.equal(await tcp.recvLine(pair.peer), new TextDecoder().decode(line));
  }
  assert.equal(await tcp.recvLine(pair.peer), null);
  await sending;
});
