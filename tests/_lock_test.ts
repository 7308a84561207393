// Copyright 2026 the socketkit authors. MIT license.

import assert from "node:assert/strict";
import { Lock } from "../_lock.ts";
import { Deadline } from "../_timeout.ts";

/** Lets every queued microtask and the timers due now run. */
function tick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

Deno.test("Lock.acquire() takes a free lock synchronously", () => {
  const lock = new Lock();
  assert.equal(lock.held, false);
  assert.equal(lock.acquire(null), null);
  assert.equal(lock.held, true);
  lock.release();
  assert.equal(lock.held, false);
  assert.equal(lock.acquire(null), null);
  lock.release();
});

Deno.test("Lock hands the lock over in the order it was asked for", async () => {
  const lock = new Lock();
  assert.equal(lock.acquire(null), null);
  const order: number[] = [];
  const waits = [1, 2, 3].map(async (n) => {
    await lock.acquire(null);
    order.push(n);
    await tick();
    lock.release();
  });
  await tick();
  assert.deepEqual(order, []);
  lock.release();
  await Promise.all(waits);
  assert.deepEqual(order, [1, 2, 3]);
  assert.equal(lock.held, false);
});

Deno.test("Lock keeps a released lock held while it hands it over", async () => {
  const lock = new Lock();
  assert.equal(lock.acquire(null), null);
  const wait = lock.acquire(null);
  assert.notEqual(wait, null);
  lock.release();
  // The waiter owns it now: a newcomer must queue, not jump ahead.
  assert.equal(lock.held, true);
  const later = lock.acquire(null);
  assert.notEqual(later, null);
  await wait;
  lock.release();
  await later;
  lock.release();
  assert.equal(lock.held, false);
});

Deno.test("Lock drops a waiter whose deadline fired and serves the next", async () => {
  const lock = new Lock();
  assert.equal(lock.acquire(null), null);
  const deadline = new Deadline(10, undefined, () => "send to peer");
  const first = lock.acquire(deadline)!;
  const second = lock.acquire(null)!;
  await assert.rejects(first, (err: unknown) => {
    assert.ok(err instanceof Deno.errors.TimedOut);
    assert.equal(err.message, "Cannot send to peer: timed out after 10 ms");
    return true;
  });
  deadline.dispose();
  assert.equal(lock.held, true);
  lock.release();
  await second;
  assert.equal(lock.held, true);
  lock.release();
  assert.equal(lock.held, false);
});

Deno.test("Lock rejects a wait with an aborted signal's reason", async () => {
  const lock = new Lock();
  assert.equal(lock.acquire(null), null);
  const controller = new AbortController();
  const deadline = new Deadline(null, controller.signal, () => "send");
  const wait = lock.acquire(deadline)!;
  const reason = new Error("stop");
  controller.abort(reason);
  await assert.rejects(wait, (err: unknown) => err === reason);
  deadline.dispose();
  lock.release();
  assert.equal(lock.held, false);
});

Deno.test("Lock passes on a turn that came in the same tick as the deadline", async () => {
  const lock = new Lock();
  assert.equal(lock.acquire(null), null);
  const controller = new AbortController();
  const deadline = new Deadline(null, controller.signal, () => "send");
  const first = lock.acquire(deadline)!;
  const second = lock.acquire(null)!;
  let secondHolds = false;
  second.then(() => secondHolds = true);
  // Both before the waiter can react: the deadline rejects its wait, but
  // the lock is handed to it all the same, so it must pass the lock on.
  controller.abort(new Error("stop"));
  lock.release();
  assert.equal(secondHolds, false);
  await assert.rejects(first, { message: "stop" });
  deadline.dispose();
  await second;
  assert.equal(secondHolds, true);
  assert.equal(lock.held, true);
  lock.release();
  assert.equal(lock.held, false);
  // Nothing is left queued: the next taker gets the lock at once.
  assert.equal(lock.acquire(null), null);
  lock.release();
});

Deno.test("Lock frees itself when every waiter was cancelled", async () => {
  const lock = new Lock();
  assert.equal(lock.acquire(null), null);
  const deadlines = [0, 0, 0].map(() =>
    new Deadline(1, undefined, () => "send")
  );
  const waits = deadlines.map((d) => lock.acquire(d)!);
  for (const wait of waits) {
    await assert.rejects(wait, Deno.errors.TimedOut);
  }
  for (const d of deadlines) d.dispose();
  lock.release();
  assert.equal(lock.held, false);
  assert.equal(lock.acquire(null), null);
  lock.release();
});

Deno.test("Lock.holdUntil() keeps the lock past release() until the work settles, then hands it on", async () => {
  const lock = new Lock();
  assert.equal(lock.acquire(null), null);
  let finish!: () => void;
  const work = new Promise<void>((resolve) => finish = resolve);
  lock.holdUntil(work);
  const next = lock.acquire(null);
  assert.ok(next !== null);
  lock.release();
  assert.equal(lock.held, true);
  assert.ok(lock.settling !== null);
  let served = false;
  next.then(() => served = true);
  await tick();
  assert.equal(served, false);
  finish();
  await next;
  assert.equal(served, true);
  assert.equal(lock.settling, null);
  lock.release();
  assert.equal(lock.held, false);
  // The hold applies once: the next release frees the lock at once.
  assert.equal(lock.acquire(null), null);
  lock.release();
  assert.equal(lock.held, false);
});
