// Copyright 2026 the socketkit authors. MIT license.
// Property tests of the shared stream core over real loopback sockets: any
// mix of writes, receives and timeouts yields the stream, whole and in order.

import assert from "node:assert/strict";
import fc from "fast-check";
import { recvFrame, sendFrame } from "../framing.ts";
import * as tcp from "../tcp.ts";
import * as unix from "../unix.ts";
import { concat, pseudoRandomBytes, tcpPair, within } from "./_util.ts";

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

// ---- seeded property: senders and receivers with deadlines, aborts and
// concurrent second callers, over TCP and Unix sockets (issue 9) ----

/** A connected stream pair over `transport`; `await using` closes it. */
async function openPair(
  transport: "tcp" | "unix",
): Promise<
  {
    client: tcp.TcpSocket | unix.UnixSocket;
    peer: tcp.TcpSocket | unix.UnixSocket;
  } & AsyncDisposable
> {
  if (transport === "tcp") return await tcpPair();
  const dir = await Deno.makeTempDir();
  const path = `${dir}/p.sock`;
  const server = await unix.listen({ path });
  const accepted = unix.accept(server);
  const client = await unix.connect(path);
  const peer = await accepted;
  return {
    client,
    peer,
    async [Symbol.asyncDispose]() {
      await unix.close(client);
      await unix.close(peer);
      await unix.close(server);
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** A deadline for one call: a timeout, or a signal aborted after `abort` ms. */
interface Limit {
  timeout: number | null;
  abort: number | null;
}

const limitArb: fc.Arbitrary<Limit> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ timeout: null, abort: null }) },
  {
    weight: 3,
    arbitrary: fc.record({
      timeout: fc.constantFrom(0, 1, 2, 5, 2_000),
      abort: fc.constant(null),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      timeout: fc.constant(null),
      abort: fc.constantFrom(0, 1, 3),
    }),
  },
);

const ABORTED = new Error("aborted by the test");

/** Runs `op` with `limit`'s options; clears the abort timer when it settles. */
async function limited<T>(
  limit: Limit,
  op: (
    options: { timeout?: number | null; signal?: AbortSignal },
  ) => Promise<T>,
): Promise<T> {
  if (limit.abort === null) {
    return await op(limit.timeout === null ? {} : { timeout: limit.timeout });
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(ABORTED), limit.abort);
  try {
    return await op({ signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}

/** Whether `err` is what a deadline of ours makes an operation reject with. */
function isDeadline(err: unknown): boolean {
  return err === ABORTED || (err as Error)?.cause === ABORTED ||
    err instanceof Deno.errors.TimedOut ||
    err instanceof Deno.errors.WouldBlock;
}

interface SendStep {
  /** Which call sends a byte stream (frames always go with sendFrame). */
  method: "sendAll" | "send";
  size: number;
  limit: Limit;
  /** How many calls to make at once (without deadlines) when over 1. */
  batch: number;
}

const sendStepArb: fc.Arbitrary<SendStep> = fc.record({
  method: fc.constantFrom<"sendAll" | "send">("sendAll", "sendAll", "send"),
  size: fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 1, max: 3_000 }) },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: 150_000 }) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 1_500_000 }) },
  ),
  limit: limitArb,
  batch: fc.constantFrom(1, 1, 1, 2, 3),
});

/** What a sender managed: the messages sent whole, and one cut short, if any. */
interface Sent {
  whole: Uint8Array[];
  cut: Uint8Array | null;
}

/**
 * Sends `messages` in order with `send` (sendAll or sendFrame), as the
 * steps say: a message whose deadline fires is sent again (nothing of it
 * went out) unless the write side says it was cut short, which ends the
 * sending. Concurrent calls in a batch go out in call order.
 */
async function sendMessages(
  messages: Uint8Array[],
  steps: SendStep[],
  send: (
    data: Uint8Array,
    options: { timeout?: number | null; signal?: AbortSignal },
  ) => Promise<void>,
): Promise<Sent> {
  const whole: Uint8Array[] = [];
  let failed: Uint8Array | null = null;
  let i = 0;
  for (let k = 0; i < messages.length; k++) {
    assert.ok(k < 100_000, "the sender made no progress");
    const step = steps[k % steps.length]!;
    const batch = messages.slice(i, i + step.batch);
    const results = await Promise.allSettled(
      step.batch > 1
        ? batch.map((m) => send(m, {}))
        : [limited(step.limit, (options) => send(batch[0]!, options))],
    );
    for (const [j, result] of results.entries()) {
      if (result.status === "fulfilled") {
        whole.push(batch[j]!);
        i++;
        failed = null;
        continue;
      }
      const err = result.reason;
      if (err instanceof Deno.errors.InvalidData) {
        // Refused: the earlier failed message was cut short.
        assert.ok(failed !== null, `refused with no cut: ${err}`);
        return { whole, cut: failed };
      }
      assert.ok(isDeadline(err), `sending failed: ${err}`);
      failed = batch[j]!;
      break;
    }
  }
  return { whole, cut: null };
}

type RecvKind = "recv" | "recvExact" | "recvInto" | "recvUntil" | "recvLine";

interface RecvStep {
  /** Milliseconds to wait first (now and then), so the sender's buffers fill. */
  pause: number;
  op: RecvKind;
  size: number;
  limit: Limit;
  /** A second receive to try while this one waits. */
  second: RecvKind | null;
}

const recvKindArb = fc.constantFrom<RecvKind>(
  "recv",
  "recvExact",
  "recvInto",
  "recvUntil",
  "recvLine",
);

const recvStepArb: fc.Arbitrary<RecvStep> = fc.record({
  pause: fc.constantFrom(0, 0, 0, 5, 20),
  op: recvKindArb,
  size: fc.oneof(
    fc.integer({ min: 1, max: 300 }),
    fc.integer({ min: 1, max: 100_000 }),
  ),
  limit: limitArb,
  second: fc.option(recvKindArb, { freq: 3 }),
});

/** One receive of `kind`; resolves to the stream bytes it consumed, or null at the end. */
async function receiveOnce(
  sock: tcp.TcpSocket | unix.UnixSocket,
  kind: RecvKind,
  size: number,
  options: { timeout?: number | null; signal?: AbortSignal },
): Promise<Uint8Array | null> {
  switch (kind) {
    case "recv":
      return await tcp.recv(sock, size, options);
    case "recvExact":
      return await tcp.recvExact(sock, size, options);
    case "recvInto": {
      const buffer = new Uint8Array(size);
      const n = await tcp.recvInto(sock, buffer, options);
      return n === null ? null : buffer.slice(0, n);
    }
    case "recvUntil": {
      const record = await tcp.recvUntil(sock, ";", {
        ...options,
        maxBytes: Infinity,
      });
      return record === null ? null : concat([record, encoder.encode(";")]);
    }
    case "recvLine": {
      const line = await tcp.recvLine(sock, { ...options, maxBytes: Infinity });
      // Every stream of the property ends with "\n".
      return line === null ? null : encoder.encode(`${line}\n`);
    }
  }
}

/**
 * Receives the whole stream with the steps' receives, deadlines and
 * second callers. Returns the bytes, and how many second callers were
 * tried (each must have been Busy).
 */
async function receiveAll(
  sock: tcp.TcpSocket | unix.UnixSocket,
  steps: RecvStep[],
): Promise<{ data: Uint8Array; seconds: number }> {
  const parts: Uint8Array[] = [];
  let seconds = 0;
  for (let k = 0;; k++) {
    assert.ok(k < 200_000, "the receiver made no progress");
    const step = steps[k % steps.length]!;
    if (step.pause > 0 && k % 16 === 0) {
      await new Promise((r) => setTimeout(r, step.pause));
    }
    let settled = false;
    const first = limited(
      step.limit,
      (options) => receiveOnce(sock, step.op, step.size, options),
    ).finally(() => settled = true);
    first.catch(() => {});
    // Now and then (a timer per step would make long runs slow).
    if (step.second !== null && k % 4 === 0) {
      await new Promise((r) => setTimeout(r, 0));
      if (!settled) {
        // The first is waiting for the peer: a second receive is Busy.
        seconds++;
        await assert.rejects(
          receiveOnce(sock, step.second, step.size, { timeout: 1_000 }),
          Deno.errors.Busy,
        );
      }
    }
    try {
      const got = await first;
      if (got === null) break;
      parts.push(got);
    } catch (err) {
      if (isDeadline(err)) continue;
      if (err instanceof Deno.errors.UnexpectedEof) {
        // recvExact or recvUntil at the end: the rest stays buffered.
        const bounded = { timeout: 10_000 };
        for (
          let chunk;
          (chunk = await tcp.recv(sock, 65_536, bounded)) !== null;
        ) {
          parts.push(chunk);
        }
        break;
      }
      throw err;
    }
  }
  return { data: concat(parts), seconds };
}

/** What a stream sender managed: the first `sent` bytes, then maybe part of `cut`. */
interface SentStream {
  sent: number;
  cut: Uint8Array | null;
}

/**
 * Sends `data` as the steps say, as Python code would: `send` resends
 * what it did not report as sent; a `sendAll` whose deadline fires is sent
 * again (nothing of it went out) unless the write side says it was cut
 * short, which ends the sending. Concurrent calls in a batch go out in
 * call order.
 */
async function sendStream(
  sock: tcp.TcpSocket | unix.UnixSocket,
  data: Uint8Array,
  steps: SendStep[],
): Promise<SentStream> {
  let at = 0;
  let failed: Uint8Array | null = null;
  for (let k = 0; at < data.length; k++) {
    assert.ok(k < 200_000, "the sender made no progress");
    const step = steps[k % steps.length]!;
    if (step.batch > 1) {
      const chunks: Uint8Array[] = [];
      let from = at;
      for (let i = 0; i < step.batch && from < data.length; i++) {
        chunks.push(data.subarray(from, from + step.size));
        from += step.size;
      }
      const results = await Promise.allSettled(
        chunks.map((chunk) => tcp.sendAll(sock, chunk)),
      );
      for (const [i, result] of results.entries()) {
        if (result.status === "fulfilled") {
          at += chunks[i]!.length;
          failed = null;
          continue;
        }
        assert.ok(
          result.reason instanceof Deno.errors.InvalidData && failed !== null,
          `sending failed: ${result.reason}`,
        );
        return { sent: at, cut: failed };
      }
      continue;
    }
    const chunk = data.subarray(at, at + step.size);
    try {
      if (step.method === "send") {
        const n = await limited(step.limit, (o) => tcp.send(sock, chunk, o));
        assert.ok(n >= 1 && n <= chunk.length);
        at += n;
      } else {
        await limited(step.limit, (o) => tcp.sendAll(sock, chunk, o));
        at += chunk.length;
      }
      failed = null;
    } catch (err) {
      if (err instanceof Deno.errors.InvalidData) {
        assert.ok(failed !== null, `refused with no cut: ${err}`);
        return { sent: at, cut: failed };
      }
      assert.ok(isDeadline(err), `sending failed: ${err}`);
      // send() never cuts: what it did not report was not sent.
      failed = step.method === "sendAll" ? chunk : null;
    }
  }
  return { sent: at, cut: null };
}

const SEED = 20_261_202;

for (const transport of ["tcp", "unix"] as const) {
  Deno.test(
    `over ${transport}, senders and receivers with deadlines, aborts and concurrent callers lose, add and reorder nothing, and every second receiver is Busy`,
    {
      ignore: transport === "unix" && Deno.build.os === "windows",
    },
    async () => {
      let seconds = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.integer({ min: 1, max: 80_000 }),
            fc.integer({ min: 1, max: 1_000_000 }),
          ),
          fc.integer({ min: 1, max: 1 << 30 }),
          fc.array(sendStepArb, { minLength: 1, maxLength: 6 }),
          fc.array(recvStepArb, { minLength: 1, maxLength: 8 }),
          async (length, seed, sendSteps, recvSteps) => {
            // Every stream ends with "\n", so recvLine maps back to bytes.
            const data = streamOf(length, seed, 1);
            data[data.length - 1] = 0x0a;
            await using pair = await openPair(transport);
            // Nothing is sent yet: this receive waits, so a second is Busy.
            const opening = tcp.recv(pair.peer, 1024, { timeout: 10_000 });
            await assert.rejects(
              within(tcp.recvLine(pair.peer), 1_000),
              Deno.errors.Busy,
            );
            seconds++;
            const sending = sendStream(pair.client, data, sendSteps).then(
              async (sent) => {
                await tcp.shutdown(pair.client, "write", { timeout: 10_000 });
                return sent;
              },
            );
            const first = await within(opening, 11_000, "the opening recv");
            const received = await within(
              receiveAll(pair.peer, recvSteps),
              20_000,
              "receiving",
            );
            const sent = await within(sending, 20_000, "sending");
            seconds += received.seconds;
            const whole = data.subarray(0, sent.sent);
            const got = concat([first ?? new Uint8Array(0), received.data]);
            assertBytes(got.subarray(0, whole.length), whole, "the stream");
            const rest = got.subarray(whole.length);
            if (sent.cut === null) {
              assert.equal(rest.length, 0, "bytes that were never sent");
            } else {
              assert.ok(
                rest.length < sent.cut.length,
                "a cut message went whole",
              );
              assertBytes(rest, sent.cut.subarray(0, rest.length), "the cut");
            }
          },
        ),
        { seed: SEED, numRuns: 10, endOnFailure: true },
      );
      assert.ok(seconds >= 10, "second receivers were tried");
    },
  );

  Deno.test(
    `over ${transport}, frames sent and received with deadlines, aborts and concurrent callers arrive whole, in order, and none that was not sent`,
    {
      ignore: transport === "unix" && Deno.build.os === "windows",
    },
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.oneof(
              fc.integer({ min: 0, max: 200 }),
              fc.integer({ min: 0, max: 120_000 }),
            ),
            { minLength: 1, maxLength: 25 },
          ),
          fc.integer({ min: 1, max: 1 << 30 }),
          fc.array(sendStepArb, { minLength: 1, maxLength: 6 }),
          fc.array(
            fc.record({ limit: limitArb, second: fc.boolean() }),
            { minLength: 1, maxLength: 6 },
          ),
          async (sizes, seed, sendSteps, recvSteps) => {
            const frames = sizes.map((n, i) => pseudoRandomBytes(n, seed + i));
            await using pair = await openPair(transport);
            const sending = sendMessages(
              frames,
              sendSteps,
              (payload, options) => sendFrame(pair.client, payload, options),
            ).then(async (sent) => {
              await tcp.shutdown(pair.client, "write", { timeout: 10_000 });
              return sent;
            });
            const decoded: Uint8Array[] = [];
            let end: unknown = null;
            await within(
              (async () => {
                for (let k = 0;; k++) {
                  assert.ok(k < 200_000, "the receiver made no progress");
                  const step = recvSteps[k % recvSteps.length]!;
                  let settled = false;
                  const first = limited(
                    step.limit,
                    (options) => recvFrame(pair.peer, options),
                  ).finally(() => settled = true);
                  first.catch(() => {});
                  if (step.second) {
                    await new Promise((r) => setTimeout(r, 0));
                    if (!settled) {
                      await assert.rejects(
                        recvFrame(pair.peer, { timeout: 1_000 }),
                        Deno.errors.Busy,
                      );
                    }
                  }
                  try {
                    const frame = await first;
                    if (frame === null) break;
                    decoded.push(frame);
                  } catch (err) {
                    if (isDeadline(err)) continue;
                    end = err;
                    break;
                  }
                }
              })(),
              20_000,
              "receiving frames",
            );
            const sent = await within(sending, 20_000, "sending");
            assert.equal(decoded.length, sent.whole.length, "frame count");
            for (const [i, frame] of decoded.entries()) {
              assertBytes(frame, sent.whole[i]!, `frame ${i}`);
            }
            if (sent.cut === null) assert.equal(end, null);
            else {assert.ok(
                end instanceof Deno.errors.UnexpectedEof,
                String(end),
              );}
          },
        ),
        { seed: SEED, numRuns: 8, endOnFailure: true },
      );
    },
  );
}
