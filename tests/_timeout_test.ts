// Copyright 2026 the socketkit authors. MIT license.

import assert from "node:assert/strict";
import {
  Deadline,
  deadlineFor,
  validateSignal,
  validateTimeout,
} from "../_timeout.ts";

/** A promise that never settles (and holds no timer). */
const never = new Promise<never>(() => {});

/** Counts the abort listeners added to and removed from `signal`. */
function countListeners(
  signal: AbortSignal,
): { added: number; removed: number } {
  const counts = { added: 0, removed: 0 };
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((...args: Parameters<typeof add>) => {
    counts.added++;
    add(...args);
  }) as typeof add;
  signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
    counts.removed++;
    remove(...args);
  }) as typeof remove;
  return counts;
}

Deno.test("validateTimeout() accepts milliseconds and null", () => {
  assert.equal(validateTimeout(null, "recv"), null);
  assert.equal(validateTimeout(Infinity, "recv"), null);
  assert.equal(validateTimeout(0, "recv"), 0);
  assert.equal(validateTimeout(2.5, "recv"), 2.5);
});

Deno.test("validateTimeout() names the action and the value", () => {
  for (const value of [-1, NaN, -Infinity]) {
    assert.throws(
      () => validateTimeout(value, "recv from 127.0.0.1:1"),
      (err: unknown) =>
        err instanceof RangeError &&
        err.message ===
          `Cannot recv from 127.0.0.1:1 as timeout must be a number of milliseconds from 0 up: current value is ${value}`,
    );
  }
  for (
    const [value, shown] of [["5", '"5"'], [undefined, "undefined"], [
      {},
      "an object",
    ]]
  ) {
    assert.throws(
      () => validateTimeout(value, "recv"),
      (err: unknown) =>
        err instanceof TypeError &&
        err.message ===
          `Cannot recv as timeout must be a number of milliseconds or null: current value is ${shown}`,
    );
  }
});

Deno.test("validateSignal() accepts an AbortSignal or undefined only", () => {
  validateSignal(undefined, "recv");
  validateSignal(new AbortController().signal, "recv");
  assert.throws(
    () => validateSignal({ aborted: false }, "recv"),
    /^TypeError: Cannot recv as signal must be an AbortSignal: current value is an object$/,
  );
  assert.throws(
    () => validateSignal(null, "recv"),
    /current value is null$/,
  );
});

Deno.test("Deadline rejects with TimedOut when the time is up and says it fired", async () => {
  const deadline = new Deadline(20, undefined, () => "recv from here");
  assert.equal(deadline.fired, false);
  await assert.rejects(deadline.race(never), (err: unknown) => {
    assert.ok(err instanceof Deno.errors.TimedOut);
    assert.equal(err.message, "Cannot recv from here: timed out after 20 ms");
    return true;
  });
  assert.equal(deadline.fired, true);
  // Later races reject at once with the same error.
  await assert.rejects(deadline.race(never), Deno.errors.TimedOut);
  deadline.dispose();
});

Deno.test("Deadline with 0 ms rejects with WouldBlock", async () => {
  const deadline = new Deadline(0, undefined, () => "accept on here");
  await assert.rejects(deadline.race(never), (err: unknown) => {
    assert.ok(err instanceof Deno.errors.WouldBlock);
    assert.match(err.message, /^Cannot accept on here: /);
    return true;
  });
  assert.equal(deadline.fired, true);
});

Deno.test("Deadline resolves as the operation does when it comes first", async () => {
  const deadline = new Deadline(10_000, undefined, () => "recv");
  assert.equal(await deadline.race(Promise.resolve(42)), 42);
  await assert.rejects(
    deadline.race(Promise.reject(new Error("op failed"))),
    /op failed/,
  );
  assert.equal(deadline.fired, false);
  // dispose() clears the timer: the ops sanitizer fails the test otherwise.
  deadline.dispose();
  deadline.dispose();
});

Deno.test("Deadline rejects with the signal's reason on abort and removes its listener", async () => {
  const controller = new AbortController();
  const counts = countListeners(controller.signal);
  const deadline = new Deadline(null, controller.signal, () => "recv");
  assert.equal(counts.added, 1);
  const racing = deadline.race(never);
  const reason = new Error("cancelled by user");
  controller.abort(reason);
  await assert.rejects(racing, (err: unknown) => err === reason);
  assert.equal(deadline.fired, true);
  assert.equal(counts.removed, 1);
  deadline.dispose();
  assert.equal(counts.removed, 1);
});

Deno.test("Deadline.dispose() removes the abort listener, so a later abort does nothing", async () => {
  const controller = new AbortController();
  const counts = countListeners(controller.signal);
  const deadline = new Deadline(10_000, controller.signal, () => "recv");
  deadline.dispose();
  assert.equal(counts.removed, 1);
  controller.abort();
  assert.equal(deadline.fired, false);
  assert.equal(await deadline.race(Promise.resolve("ok")), "ok");
});

Deno.test("Deadline with a timer and a signal removes the listener when the timer fires", async () => {
  const controller = new AbortController();
  const counts = countListeners(controller.signal);
  const deadline = new Deadline(10, controller.signal, () => "recv");
  await assert.rejects(deadline.race(never), Deno.errors.TimedOut);
  assert.equal(counts.removed, 1);
  controller.abort();
  await assert.rejects(deadline.race(never), Deno.errors.TimedOut);
});

Deno.test("Deadline with a timer and a signal clears the timer on abort", async () => {
  const controller = new AbortController();
  const deadline = new Deadline(60_000, controller.signal, () => "recv");
  const racing = deadline.race(never);
  controller.abort();
  await assert.rejects(
    racing,
    (err: unknown) => err instanceof DOMException && err.name === "AbortError",
  );
  // No dispose(): the ops sanitizer fails the test if the timer is left.
});

Deno.test("deadlineFor() returns null on the fast path", () => {
  assert.equal(deadlineFor({}, null, () => "recv"), null);
  assert.equal(deadlineFor({ timeout: null }, 500, () => "recv"), null);
  assert.equal(deadlineFor({ timeout: Infinity }, 500, () => "recv"), null);
});

Deno.test("deadlineFor() uses the handle's timeout unless the call gives one", async () => {
  const fallback = deadlineFor({}, 10, () => "recv");
  assert.ok(fallback instanceof Deadline);
  await assert.rejects(fallback.race(never), /timed out after 10 ms$/);
  const own = deadlineFor({ timeout: 5 }, 60_000, () => "recv");
  await assert.rejects(own!.race(never), /timed out after 5 ms$/);
  const signal = new AbortController().signal;
  const withSignal = deadlineFor({ signal }, null, () => "recv");
  assert.ok(withSignal instanceof Deadline);
  withSignal.dispose();
});

Deno.test("deadlineFor() throws an already aborted signal's reason and bad timeouts", () => {
  const reason = new Error("already");
  assert.throws(
    () =>
      deadlineFor({ signal: AbortSignal.abort(reason) }, null, () => "recv"),
    (err: unknown) => err === reason,
  );
  assert.throws(
    () => deadlineFor({ timeout: -1 }, null, () => "recv from x"),
    /^RangeError: Cannot recv from x as timeout must be a number of milliseconds from 0 up: current value is -1$/,
  );
  assert.throws(
    () =>
      deadlineFor(
        { signal: "no" as unknown as AbortSignal },
        null,
        () => "recv",
      ),
    /^TypeError: Cannot recv as signal must be an AbortSignal/,
  );
});

Deno.test("Deadline.caused() tells its own rejection from the operation's", async () => {
  const deadline = new Deadline(5, undefined, () => "recv");
  const failure = new Error("reset");
  assert.equal(deadline.caused(failure), false);
  const err = await deadline.race(never).catch((e: unknown) => e);
  assert.ok(err instanceof Deno.errors.TimedOut);
  assert.equal(deadline.caused(err), true);
  assert.equal(deadline.caused(failure), false);
  const controller = new AbortController();
  const aborting = new Deadline(null, controller.signal, () => "recv");
  controller.abort("why");
  assert.equal(aborting.caused("why"), true);
  assert.equal(aborting.caused(err), false);
});
