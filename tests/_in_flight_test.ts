// Copyright 2026 the socketkit authors. MIT license.
// Unit tests of InFlight: the one abandon-and-adopt primitive, no sockets.

import assert from "node:assert/strict";
import { InFlight } from "../_in_flight.ts";
import { Deadline } from "../_timeout.ts";
import { within } from "./_util.ts";

/** An operation the test settles by hand, counting how often it is started. */
function manual<T>() {
  let { promise, resolve, reject } = Promise.withResolvers<T>();
  const op = {
    starts: 0,
    start: (): Promise<T> => {
      op.starts++;
      return promise;
    },
    resolve: (value: T) => resolve(value),
    reject: (err: unknown) => reject(err),
    /** Makes the next start return a new pending operation. */
    renew: () => {
      ({ promise, resolve, reject } = Promise.withResolvers<T>());
    },
  };
  return op;
}

function aborting(): [AbortController, Deadline] {
  const controller = new AbortController();
  return [controller, new Deadline(null, controller.signal, () => "wait")];
}

Deno.test("InFlight.run() without a deadline starts the operation and takes its result", async () => {
  const flight = new InFlight<string>();
  const op = manual<string>();
  assert.equal(flight.active, false);
  const running = flight.run(op.start, null);
  assert.equal(flight.active, true);
  op.resolve("value");
  assert.equal(await within(running, 1_000), "value");
  assert.equal(flight.active, false);
  assert.equal(op.starts, 1);
});

Deno.test("InFlight.run() leaves an operation abandoned by its deadline in flight, and the next call adopts it without starting another", async () => {
  const flight = new InFlight<string>();
  const op = manual<string>();
  const deadline = new Deadline(10, undefined, () => "read");
  await assert.rejects(
    within(flight.run(op.start, deadline), 2_000),
    (err: Error) =>
      err instanceof Deno.errors.TimedOut &&
      err.message === "Cannot read: timed out after 10 ms",
  );
  deadline.dispose();
  assert.equal(flight.active, true);
  op.resolve("late");
  // Even after it settled, the result waits for the next caller.
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(flight.active, true);
  const next = new Deadline(5_000, undefined, () => "read");
  try {
    assert.equal(await within(flight.run(op.start, next), 1_000), "late");
  } finally {
    next.dispose();
  }
  assert.equal(op.starts, 1, "adopted, not restarted");
  assert.equal(flight.active, false);
  // The one after that starts a new operation.
  op.renew();
  const third = flight.run(op.start, null);
  assert.equal(op.starts, 2);
  op.resolve("fresh");
  assert.equal(await within(third, 1_000), "fresh");
});

Deno.test("InFlight.run() gives the failure of an abandoned operation to the next caller, once", async () => {
  const flight = new InFlight<string>();
  const op = manual<string>();
  const [controller, deadline] = aborting();
  const first = flight.run(op.start, deadline);
  controller.abort(new Error("gave up"));
  await assert.rejects(within(first, 1_000), /gave up/);
  deadline.dispose();
  op.reject(new Deno.errors.ConnectionReset("reset by peer"));
  await assert.rejects(
    within(flight.run(op.start, null), 1_000),
    Deno.errors.ConnectionReset,
  );
  assert.equal(flight.active, false, "the failure was taken");
  assert.equal(op.starts, 1);
  op.renew();
  const again = flight.run(op.start, null);
  op.resolve("ok");
  assert.equal(await within(again, 1_000), "ok");
  assert.equal(op.starts, 2);
});

Deno.test("InFlight.run() hands a failure to the caller whose deadline is still running", async () => {
  const flight = new InFlight<string>();
  const op = manual<string>();
  const deadline = new Deadline(5_000, undefined, () => "read");
  const running = flight.run(op.start, deadline);
  op.reject(new Deno.errors.BrokenPipe("gone"));
  await assert.rejects(within(running, 1_000), Deno.errors.BrokenPipe);
  deadline.dispose();
  assert.equal(flight.active, false);
});

Deno.test("InFlight.run() does not lose a result that comes in the same turn as the deadline: the caller or the next one gets it", async () => {
  // The result first, then the abort, in one turn: the caller gets it.
  {
    const flight = new InFlight<string>();
    const op = manual<string>();
    const [controller, deadline] = aborting();
    const running = flight.run(op.start, deadline);
    op.resolve("value");
    controller.abort(new Error("too late"));
    assert.equal(await within(running, 1_000), "value");
    deadline.dispose();
    assert.equal(flight.active, false);
  }
  // The abort first, then the result, in one turn: the caller rejects and
  // the next caller gets the value.
  {
    const flight = new InFlight<string>();
    const op = manual<string>();
    const [controller, deadline] = aborting();
    const running = flight.run(op.start, deadline);
    controller.abort(new Error("aborted"));
    op.resolve("value");
    await assert.rejects(within(running, 1_000), /aborted/);
    deadline.dispose();
    assert.equal(flight.active, true);
    assert.equal(await within(flight.run(op.start, null), 1_000), "value");
    assert.equal(op.starts, 1);
  }
  // A timer firing in the same turn as the result, whichever way the race
  // goes: the value reaches exactly one caller.
  for (let i = 0; i < 20; i++) {
    const flight = new InFlight<number>();
    const op = manual<number>();
    const deadline = new Deadline(1, undefined, () => "read");
    const running = flight.run(op.start, deadline);
    setTimeout(() => op.resolve(i), 1);
    let got: number | undefined;
    try {
      got = await within(running, 1_000);
    } catch (err) {
      assert.ok(err instanceof Deno.errors.TimedOut, String(err));
      got = await within(flight.run(op.start, null), 1_000);
    } finally {
      deadline.dispose();
    }
    assert.equal(got, i);
    assert.equal(flight.active, false);
    assert.equal(op.starts, 1);
  }
});

Deno.test("InFlight.settled() waits for the operation in flight without taking its result", async () => {
  const flight = new InFlight<string>();
  await within(flight.settled(), 1_000, "settled() with nothing in flight");
  const op = manual<string>();
  const [controller, deadline] = aborting();
  const first = flight.run(op.start, deadline);
  controller.abort(new Error("abandon"));
  await assert.rejects(first, /abandon/);
  deadline.dispose();
  let settled = false;
  const settling = flight.settled().then(() => settled = true);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(settled, false, "still in flight");
  op.resolve("kept");
  await within(settling, 1_000);
  assert.equal(flight.active, true, "settled() does not take the result");
  assert.equal(await within(flight.run(op.start, null), 1_000), "kept");
});

Deno.test("InFlight.settled() resolves when the operation in flight fails", async () => {
  const flight = new InFlight<string>();
  const op = manual<string>();
  const [controller, deadline] = aborting();
  const first = flight.run(op.start, deadline);
  controller.abort(new Error("abandon"));
  await assert.rejects(first, /abandon/);
  deadline.dispose();
  const settling = flight.settled();
  op.reject(new Deno.errors.BadResource("closed"));
  await within(settling, 1_000);
  await assert.rejects(flight.run(op.start, null), Deno.errors.BadResource);
});

Deno.test("InFlight.current() adopts the operation a deadline left, and taken() ends it for the caller's own handlers", async () => {
  const op = new InFlight<string>();
  const { promise, resolve } = Promise.withResolvers<string>();
  let started = 0;
  const start = () => {
    started++;
    return promise;
  };
  const deadline = new Deadline(1, undefined, () => "wait");
  await assert.rejects(op.run(start, deadline), Deno.errors.TimedOut);
  deadline.dispose();
  resolve("late");
  const handlers = [
    (v: string) => {
      op.taken();
      return `value ${v}`;
    },
    (err: unknown) => {
      op.taken();
      return `error ${(err as Error).message}`;
    },
  ] as const;
  const got = await within(op.current(start).then(...handlers), 1_000);
  assert.equal(got, "value late");
  assert.equal(started, 1);
  assert.equal(op.active, false);
  const failed = await within(
    op.current(() => Promise.reject(new Error("boom"))).then(...handlers),
    1_000,
  );
  assert.equal(failed, "error boom");
  assert.equal(op.active, false);
});
