// Copyright 2026 the socketkit authors. MIT license.
// The one place where an operation abandoned by its deadline stays in
// flight and its result goes to the next caller. Internal.

import type { Deadline } from "./_timeout.ts";

function noop(): void {}

/**
 * At most one operation in flight (a read, an accept, a datagram receive)
 * that a deadline may abandon and the next caller adopts.
 *
 * Deno cannot cancel a pending `read()` or `accept()`. When a caller's
 * deadline fires first, the caller rejects with the deadline's error but
 * the operation stays here, and whatever it brings (bytes, a connection, a
 * datagram, or its failure) goes to the next {@linkcode InFlight.run}.
 * Callers must take turns (one at a time); this class does not queue them.
 *
 * ```ts
 * import { InFlight } from "./_in_flight.ts";
 * import { Deadline } from "./_timeout.ts";
 * import assert from "node:assert/strict";
 *
 * const op = new InFlight<string>();
 * const { promise, resolve } = Promise.withResolvers<string>();
 * const slow = () => promise;
 * const deadline = new Deadline(1, undefined, () => "wait");
 * await assert.rejects(op.run(slow, deadline), Deno.errors.TimedOut);
 * deadline.dispose();
 * assert.ok(op.active); // still in flight, owned here
 * resolve("late");
 * assert.equal(await op.run(slow, null), "late"); // adopted, not restarted
 * ```
 */
export class InFlight<T> {
  #op: Promise<T> | null = null;

  /** Whether an operation is in flight (started and not yet taken). */
  get active(): boolean {
    return this.#op !== null;
  }

  /**
   * Resolves as the operation in flight does, starting one with `start`
   * when there is none. When `deadline` fires first, the operation stays in
   * flight for the next call and the deadline's error is thrown; any other
   * outcome, failure included, is taken by this call.
   */
  run(start: () => Promise<T>, deadline: Deadline | null): Promise<T> {
    let op = this.#op;
    if (op === null) this.#op = op = start();
    if (deadline === null) {
      return op.then(
        (value) => {
          this.#op = null;
          return value;
        },
        (err) => {
          this.#op = null;
          throw err;
        },
      );
    }
    return this.#race(op, deadline);
  }

  /**
   * The operation in flight, started with `start` when there is none, for
   * a caller that takes its outcome itself: its handlers must call
   * {@linkcode InFlight.taken} first thing. The socket's receive loop
   * passes handlers made once per socket, so an idle connection's pending
   * receive holds no closures of its own.
   */
  current(start: () => Promise<T>): Promise<T> {
    let op = this.#op;
    if (op === null) this.#op = op = start();
    return op;
  }

  /** The operation from {@linkcode InFlight.current} settled and was taken. */
  taken(): void {
    this.#op = null;
  }

  async #race(op: Promise<T>, deadline: Deadline): Promise<T> {
    try {
      const value = await deadline.race(op);
      this.#op = null;
      return value;
    } catch (err) {
      if (deadline.caused(err) && this.#op === op) {
        op.catch(noop);
        throw err;
      }
      this.#op = null;
      throw err;
    }
  }

  /** Resolves once the operation in flight, if any, has settled (for close). */
  settled(): Promise<void> {
    return this.#op === null ? Promise.resolve() : this.#op.then(noop, noop);
  }
}
