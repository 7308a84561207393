// Copyright 2026 the socketkit authors. MIT license.
// Unit tests of the write side, with a fake host whose writes the test
// completes by hand: no sockets.

import assert from "node:assert/strict";
import { SEND_QUEUE_BYTES, Writer, type WriterHost } from "../_writer.ts";
import { Deadline } from "../_timeout.ts";
import { bytes, concat, within } from "./_util.ts";

/** One call of writeOnce, waiting for the test to complete it. */
interface PendingWrite {
  /** The array given to writeOnce. */
  data: Uint8Array;
  /** A copy of its bytes when writeOnce was called. */
  copy: Uint8Array;
  /** Accepts the first `n` bytes (all by default). */
  accept(n?: number): void;
  fail(err: Error): void;
}

/** A WriterHost whose writes complete when the test says so. */
class FakeHost implements WriterHost {
  readonly writes: PendingWrite[] = [];
  /** The bytes accepted so far, in order. */
  readonly accepted: Uint8Array[] = [];
  hold = false;

  writeOnce(data: Uint8Array): Promise<number> {
    const { promise, resolve, reject } = Promise.withResolvers<number>();
    this.writes.push({
      data,
      copy: data.slice(),
      accept: (n = data.length) => {
        this.accepted.push(data.slice(0, n));
        resolve(n);
      },
      fail: (err) => reject(err),
    });
    return promise;
  }

  holding(): boolean {
    return this.hold;
  }

  action(op: string): string {
    return `${op} to peer`;
  }

  failure(action: string, err: unknown): Error {
    const Err = (err as Error).constructor as ErrorConstructor;
    return new Err(`Cannot ${action}: ${(err as Error).message}`, {
      cause: err,
    });
  }

  /** The write in flight: the last one, which must still be pending. */
  get last(): PendingWrite {
    const w = this.writes.at(-1);
    assert.ok(w !== undefined, "a write was started");
    return w;
  }

  /** Every accepted byte, as one array. */
  get sent(): Uint8Array {
    return concat(this.accepted);
  }
}

/** Lets promise callbacks and zero-delay timers run. */
function tick(ms = 0): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

Deno.test("Writer writes straight from the caller's array when idle, settling once every byte is written", async () => {
  const host = new FakeHost();
  const writer = new Writer(host);
  const data = bytes("hello, world");
  let settled = false;
  const sending = writer.send(data, true, null, "sendAll").then((n) => {
    settled = true;
    return n;
  });
  assert.equal(host.writes.length, 1);
  assert.equal(host.last.data, data, "the caller's own array, not a copy");
  assert.equal(writer.idle, false);
  host.last.accept(5);
  await tick();
  assert.equal(settled, false, "not settled before every byte is written");
  assert.equal(host.writes.length, 2);
  assert.equal(host.last.data.buffer, data.buffer);
  assert.equal(host.last.data.byteOffset, 5, "the rest, from the same array");
  host.last.accept();
  assert.equal(await within(sending, 1_000), data.length);
  assert.deepEqual(host.sent, data);
  assert.equal(writer.written, data.length);
  assert.equal(writer.idle, true);
  assert.equal(writer.owed, false);
});

Deno.test("Writer.send() of some bytes resolves to the count of one write", async () => {
  const host = new FakeHost();
  const writer = new Writer(host);
  const sending = writer.send(bytes("abcdef"), false, null, "send");
  host.last.accept(2);
  assert.equal(await within(sending, 1_000), 2);
  assert.equal(host.writes.length, 1);
  assert.equal(writer.written, 2);
});

Deno.test("Writer copies what comes while a write is in flight and writes it all in one write after it", async () => {
  const host = new FakeHost();
  const writer = new Writer(host);
  const first = writer.send(bytes("first;"), true, null, "sendAll");
  const parts = [bytes("a;"), bytes("b;"), bytes("c;")];
  for (const part of parts) {
    // Queued: settled at once, the caller's array is the caller's again.
    assert.equal(
      await within(writer.send(part, true, null, "sendAll"), 1_000),
      2,
    );
  }
  for (const part of parts) part.fill(0x21);
  assert.equal(
    host.writes.length,
    1,
    "nothing more while a write is in flight",
  );
  assert.equal(writer.owed, true);
  host.last.accept();
  await within(first, 1_000);
  await tick();
  assert.equal(host.writes.length, 2, "one write for the three queued parts");
  assert.deepEqual(host.last.copy, bytes("a;b;c;"));
  host.last.accept(3);
  await tick();
  assert.deepEqual(host.last.copy, bytes(";c;"), "then the rest of it");
  host.last.accept();
  await within(writer.drain(null), 1_000);
  assert.deepEqual(host.sent, bytes("first;a;b;c;"));
  assert.equal(writer.written, 12);
  assert.equal(writer.owed, false);
});

Deno.test("Writer copies a call with a deadline even when idle, so the caller's array is never read after it settles", async () => {
  const host = new FakeHost();
  const writer = new Writer(host);
  const data = bytes("timed");
  const deadline = new Deadline(5_000, undefined, () => "sendAll");
  try {
    assert.equal(
      await within(writer.send(data, true, deadline, "sendAll"), 1_000),
      5,
    );
  } finally {
    deadline.dispose();
  }
  data.fill(0);
  await tick();
  assert.notEqual(host.last.data.buffer, data.buffer);
  host.last.accept();
  await within(writer.drain(null), 1_000);
  assert.deepEqual(host.sent, bytes("timed"));
});

Deno.test("Writer holds replies while the host says more requests wait, and flush() sends them in one write", async () => {
  const host = new FakeHost();
  host.hold = true;
  const writer = new Writer(host);
  const a = bytes("reply 1\n");
  await within(writer.send(a, true, null, "sendAll"), 1_000);
  a.fill(0); // held as a copy
  await within(writer.send(bytes("reply 2\n"), true, null, "sendAll"), 1_000);
  assert.equal(host.writes.length, 0, "held");
  assert.equal(writer.owed, true);
  writer.flush();
  assert.equal(host.writes.length, 1);
  assert.deepEqual(host.last.copy, bytes("reply 1\nreply 2\n"));
  host.last.accept();
  await within(writer.drain(null), 1_000);
  assert.equal(writer.idle, true);
  // The flush left the shared timer armed; closing the last holder's
  // socket cancels it (else this test leaks a timer).
  assert.equal(writer.close(), null);
});

Deno.test("Writer reuses a written queue for the next batch, of any socket, without its old bytes", async () => {
  const host = new FakeHost();
  host.hold = true;
  const writer = new Writer(host);
  const other = new FakeHost();
  other.hold = true;
  const second = new Writer(other);
  try {
    for (
      const [w, h, text] of [
        [writer, host, "a long first batch\n"],
        [writer, host, "b\n"],
        [second, other, "c\n"],
      ] as const
    ) {
      await within(w.send(bytes(text), true, null, "sendAll"), 1_000);
      await within(w.send(bytes("!"), true, null, "sendAll"), 1_000);
      w.flush();
      assert.deepEqual(h.last.copy, bytes(text + "!"));
      h.last.accept();
      await within(w.drain(null), 1_000);
    }
    assert.deepEqual(host.sent, bytes("a long first batch\n!b\n!"));
    assert.deepEqual(other.sent, bytes("c\n!"));
  } finally {
    writer.close();
    second.close();
  }
});

Deno.test("Writer releases held replies on the next turn of the event loop at the latest", async () => {
  const host = new FakeHost();
  host.hold = true;
  const writer = new Writer(host);
  await within(writer.send(bytes("x"), true, null, "sendAll"), 1_000);
  await within(writer.send(bytes("y"), true, null, "sendAll"), 1_000);
  assert.equal(host.writes.length, 0);
  await tick(5);
  assert.equal(host.writes.length, 1, "the timer let them go");
  assert.deepEqual(host.last.copy, bytes("xy"));
  host.last.accept();
  await within(writer.drain(null), 1_000);
});

Deno.test("Writer stops holding once the queue is full", async () => {
  const host = new FakeHost();
  host.hold = true;
  const writer = new Writer(host);
  await within(
    writer.send(new Uint8Array(SEND_QUEUE_BYTES - 1), true, null, "sendAll"),
    1_000,
  );
  assert.equal(host.writes.length, 0);
  // One byte more fills the queue: it goes out at once.
  await within(writer.send(new Uint8Array(1), true, null, "sendAll"), 1_000);
  assert.equal(host.writes.length, 1);
  assert.equal(host.last.data.length, SEND_QUEUE_BYTES);
  host.last.accept();
  await within(writer.drain(null), 1_000);
  writer.close();
});

Deno.test("Writer makes a call wait for room in the queue, and one whose deadline fires there queues nothing", async () => {
  const host = new FakeHost();
  const writer = new Writer(host);
  const first = writer.send(bytes("first"), true, null, "sendAll");
  await within(
    writer.send(
      new Uint8Array(SEND_QUEUE_BYTES).fill(1),
      true,
      null,
      "sendAll",
    ),
    1_000,
  );
  const late = new Uint8Array(10).fill(2);
  const deadline = new Deadline(20, undefined, () => "sendAll to peer");
  try {
    await assert.rejects(
      within(writer.send(late, true, deadline, "sendAll"), 2_000),
      (err: Error) =>
        err instanceof Deno.errors.TimedOut &&
        err.message === "Cannot sendAll to peer: timed out after 20 ms",
    );
  } finally {
    deadline.dispose();
  }
  // Nothing of it was queued, so the write side is still usable.
  writer.check();
  host.last.accept();
  await within(first, 1_000);
  await tick();
  host.last.accept();
  await within(writer.drain(null), 1_000);
  assert.deepEqual(
    host.sent,
    concat([bytes("first"), new Uint8Array(SEND_QUEUE_BYTES).fill(1)]),
  );
});

Deno.test("Writer takes a large call piece by piece as room frees up", async () => {
  const host = new FakeHost();
  const writer = new Writer(host);
  const first = writer.send(bytes("!"), true, null, "sendAll");
  const big = new Uint8Array(3 * SEND_QUEUE_BYTES).map((_, i) => i % 251);
  let settled = false;
  const sending = writer.send(big, true, null, "sendAll").then(() =>
    settled = true
  );
  host.last.accept();
  await within(first, 1_000);
  for (let i = 0; i < 100 && !settled; i++) {
    await tick();
    const w = host.writes.at(-1)!;
    if (host.accepted.length < host.writes.length) w.accept();
  }
  await within(sending, 1_000);
  // The last piece may still be in flight.
  for (let i = 0; i < 10 && !writer.idle; i++) {
    await tick();
    if (host.accepted.length < host.writes.length) host.last.accept();
  }
  await within(writer.drain(null), 1_000);
  assert.deepEqual(host.sent, concat([bytes("!"), big]));
});

Deno.test("Writer refuses later writes after a call cut short by its deadline, but still writes what it queued", async () => {
  const host = new FakeHost();
  const writer = new Writer(host);
  const first = writer.send(bytes("first"), true, null, "sendAll");
  await within(
    writer.send(new Uint8Array(SEND_QUEUE_BYTES - 4096), true, null, "sendAll"),
    1_000,
  );
  const data = new Uint8Array(10_240).fill(7);
  const deadline = new Deadline(20, undefined, () => "sendAll to peer");
  try {
    await assert.rejects(
      within(writer.send(data, true, deadline, "sendAll"), 2_000),
      (err: Error) =>
        err instanceof Deno.errors.TimedOut &&
        err.message ===
          "Cannot sendAll to peer: timed out after 20 ms; 4096 of 10240 bytes were sent, so the write side is now unusable" &&
        err.cause instanceof Deno.errors.TimedOut,
    );
  } finally {
    deadline.dispose();
  }
  data.fill(9); // the caller's array is the caller's again
  assert.throws(
    () => writer.check(),
    (err: Error) =>
      err instanceof Deno.errors.InvalidData &&
      err.message ===
        "Cannot sendAll to peer: the write side is unusable since an earlier sendAll was cut short by its deadline after 4096 of 10240 bytes (the peer would take what follows for the rest); shutdown or close the socket",
  );
  assert.equal(writer.owed, false, "close need not wait for a cut message");
  host.last.accept();
  await within(first, 1_000);
  await tick();
  host.last.accept();
  await within(writer.drain(null), 1_000);
  const sent = host.sent;
  assert.equal(sent.length, 5 + SEND_QUEUE_BYTES - 4096 + 4096);
  assert.ok(
    sent.subarray(sent.length - 4096).every((b) => b === 7),
    "the accepted prefix went out, and none of the new contents",
  );
});

Deno.test("Writer reports a failed direct write to its caller, and close() does not report it again", async () => {
  const host = new FakeHost();
  const writer = new Writer(host);
  const sending = writer.send(bytes("x"), true, null, "sendAll");
  host.last.fail(new Deno.errors.BrokenPipe("broken pipe"));
  await assert.rejects(
    within(sending, 1_000),
    (err: Error) =>
      err instanceof Deno.errors.BrokenPipe &&
      err.message === "Cannot sendAll to peer: broken pipe",
  );
  assert.equal(writer.idle, true, "the write side is released");
  assert.throws(() => writer.check(), Deno.errors.BrokenPipe);
  assert.ok(writer.failure instanceof Deno.errors.BrokenPipe);
  assert.equal(writer.close(), null, "already reported");
});

/**
 * A writer whose queued write (after a direct one that succeeded) failed
 * with ConnectionReset, nobody told yet.
 */
async function failedQueuedWrite(): Promise<Writer> {
  const host = new FakeHost();
  const writer = new Writer(host);
  const first = writer.send(bytes("first"), true, null, "sendAll");
  await within(writer.send(bytes("queued"), true, null, "sendAll"), 1_000);
  host.last.accept();
  await within(first, 1_000);
  await tick();
  host.last.fail(new Deno.errors.ConnectionReset("connection reset"));
  await tick();
  return writer;
}

Deno.test("Writer reports a failed queued write to the next call", async () => {
  const writer = await failedQueuedWrite();
  assert.equal(writer.owed, false, "nothing is owed after a failure");
  assert.equal(writer.idle, true);
  assert.throws(
    () => writer.check(),
    (err: Error) =>
      err instanceof Deno.errors.ConnectionReset &&
      err.message === "Cannot send to peer: connection reset",
  );
  assert.throws(() => writer.checkFailure(), Deno.errors.ConnectionReset);
  assert.equal(writer.close(), null, "reported by the call above");
});

Deno.test("Writer.close() reports a failed queued write nobody has seen", async () => {
  const writer = await failedQueuedWrite();
  const failure = writer.close();
  assert.ok(failure instanceof Deno.errors.ConnectionReset);
  assert.equal(writer.close(), null, "once");
});

Deno.test("Writer wakes a call waiting for room with the failure of the queued write", async () => {
  const host = new FakeHost();
  const writer = new Writer(host);
  const first = writer.send(bytes("first"), true, null, "sendAll");
  await within(
    writer.send(new Uint8Array(SEND_QUEUE_BYTES), true, null, "sendAll"),
    1_000,
  );
  const waiting = writer.send(new Uint8Array(100), true, null, "sendAll");
  host.last.fail(new Deno.errors.BrokenPipe("broken pipe"));
  await assert.rejects(within(first, 1_000), Deno.errors.BrokenPipe);
  await assert.rejects(within(waiting, 1_000), Deno.errors.BrokenPipe);
});

Deno.test("Writer.drain() resolves once everything queued is written, sending held bytes first", async () => {
  const host = new FakeHost();
  const writer = new Writer(host);
  await within(writer.drain(null), 1_000, "drain when idle");
  host.hold = true;
  await within(writer.send(bytes("held"), true, null, "sendAll"), 1_000);
  let drained = false;
  const draining = writer.drain(null).then(() => drained = true);
  assert.equal(host.writes.length, 1, "drain flushed the held bytes");
  await tick();
  assert.equal(drained, false);
  host.last.accept();
  await within(draining, 1_000);
  assert.deepEqual(host.sent, bytes("held"));
});

Deno.test("Writer.drain() with a deadline rejects as it does, and the bytes still go out", async () => {
  const host = new FakeHost();
  const writer = new Writer(host);
  const first = writer.send(bytes("stuck"), true, null, "sendAll");
  const deadline = new Deadline(20, undefined, () => "shutdown peer");
  try {
    await assert.rejects(
      within(writer.drain(deadline), 2_000),
      Deno.errors.TimedOut,
    );
  } finally {
    deadline.dispose();
  }
  host.last.accept();
  await within(first, 1_000);
  await within(writer.drain(null), 1_000);
  assert.deepEqual(host.sent, bytes("stuck"));
});

Deno.test("Writer.shut() is told by shutDown; check() is about failures and cuts only", () => {
  const writer = new Writer(new FakeHost());
  writer.check();
  assert.equal(writer.shutDown, false);
  writer.shut();
  assert.equal(writer.shutDown, true);
  // The socket refuses sends after a shutdown itself (tcp_test.ts checks
  // the BrokenPipe); the writer has nothing to report.
  writer.check();
});

Deno.test("Writer.close() drops held bytes and their timer", async () => {
  const host = new FakeHost();
  host.hold = true;
  const writer = new Writer(host);
  await within(writer.send(bytes("held"), true, null, "sendAll"), 1_000);
  assert.equal(writer.owed, true);
  assert.equal(writer.close(), null);
  assert.equal(writer.owed, false);
  assert.equal(writer.idle, true);
  await tick(5);
  assert.equal(host.writes.length, 0, "nothing written after close");
});
