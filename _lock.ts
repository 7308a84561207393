// Copyright 2026 the socketkit authors. MIT license.
// A first-come, first-served lock whose waits honour a Deadline. Internal.

import type { Deadline } from "./_timeout.ts";

/** A waiter for the lock; `cancelled` once its deadline fired. */
interface Waiter {
  resolve: () => void;
  cancelled: boolean;
}

/**
 * A FIFO mutex. A free lock is taken synchronously, so the common case costs
 * no promise and no async step:
 *
 * ```ts
 * import { Lock } from "./_lock.ts";
 *
 * const lock = new Lock();
 * const wait = lock.acquire(null); // free: taken at once, null returned
 * if (wait !== null) await wait;
 * try {
 *   // ... write ...
 * } finally {
 *   lock.release();
 * }
 * ```
 *
 * A waiter whose deadline fires leaves the queue; if its turn came in the
 * same tick as the deadline, the lock it was handed is passed on at once.
 */
export class Lock {
  #held = false;
  #waiters: Waiter[] = [];
  #until: Promise<unknown> | null = null;
  #settling: Promise<unknown> | null = null;

  /** Whether someone holds the lock. */
  get held(): boolean {
    return this.#held;
  }

  /**
   * Takes the lock: at once, returning `null`, when it is free; otherwise
   * returns a promise that resolves when it is the caller's turn, or rejects
   * as `deadline` does if that comes first (the caller then does not hold
   * the lock).
   */
  acquire(deadline: Deadline | null): Promise<void> | null {
    if (!this.#held) {
      this.#held = true;
      return null;
    }
    return this.#wait(deadline);
  }

  async #wait(deadline: Deadline | null): Promise<void> {
    let resolve!: () => void;
    const turn = new Promise<void>((r) => resolve = r);
    const waiter: Waiter = { resolve, cancelled: false };
    this.#waiters.push(waiter);
    try {
      await (deadline === null ? turn : deadline.race(turn));
    } catch (err) {
      waiter.cancelled = true;
      // The turn may have come in the same tick as the deadline.
      turn.then(() => this.release());
      throw err;
    }
  }

  /**
   * Keeps the lock held past the holder's next {@linkcode Lock.release}
   * until `work` settles: a write abandoned by its deadline goes on, and no
   * later write may overtake its bytes.
   */
  holdUntil(work: Promise<unknown>): void {
    this.#until = work;
  }

  /** What a holder left running (see {@linkcode Lock.holdUntil}), until it settles; `close` waits for it. */
  get settling(): Promise<unknown> | null {
    return this.#settling;
  }

  /**
   * Gives the lock to the next waiter still waiting, or frees it; after
   * {@linkcode Lock.holdUntil}, only once that work has settled.
   */
  release(): void {
    const until = this.#until;
    if (until === null) return this.#handOn();
    this.#until = null;
    const settling = until.then(() => {
      if (this.#settling === settling) this.#settling = null;
      this.#handOn();
    });
    this.#settling = settling;
  }

  #handOn(): void {
    for (;;) {
      const next = this.#waiters.shift();
      if (next === undefined) {
        this.#held = false;
        return;
      }
      if (!next.cancelled) {
        next.resolve();
        return;
      }
    }
  }
}
