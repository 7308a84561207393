// Copyright 2026 the socketkit authors. MIT license.
// Timeouts and abort signals that never lose data. Internal.
//
// Deno cannot cancel a pending read() or accept(). A Deadline only races the
// operation: when it fires the caller rejects, and the operation in flight
// stays owned by the handle, which hands its result to the next call.

import { show } from "./_errors.ts";

/** Options taken by every operation that can wait. */
export interface IoOptions {
  /**
   * Milliseconds to wait before rejecting with `Deno.errors.TimedOut`; `0`
   * means do not wait at all (reject with `Deno.errors.WouldBlock` unless the
   * operation completes at once); `null` means wait for ever. Nothing is lost
   * when it fires: what was in flight is given to the next call.
   *
   * @default {the handle's timeout, set by `setTimeout`; `null` at first}
   */
  timeout?: number | null;
  /**
   * A signal that rejects the operation with `signal.reason` when aborted,
   * with the same no-data-lost guarantee as `timeout`.
   */
  signal?: AbortSignal;
}

/**
 * Checks a timeout value: a non-negative number of milliseconds or `null`.
 *
 * @throws {TypeError} If it is neither a number nor null.
 * @throws {RangeError} If it is negative or NaN.
 */
export function validateTimeout(value: unknown, action: string): number | null {
  if (value === null || value === Infinity) return null;
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot ${action} as timeout must be a number of milliseconds or null: current value is ${
        show(value)
      }`,
    );
  }
  if (!(value >= 0)) {
    throw new RangeError(
      `Cannot ${action} as timeout must be a number of milliseconds from 0 up: current value is ${value}`,
    );
  }
  return value;
}

/** Checks that `signal` is an AbortSignal or undefined. */
export function validateSignal(value: unknown, action: string): void {
  if (value !== undefined && !(value instanceof AbortSignal)) {
    throw new TypeError(
      `Cannot ${action} as signal must be an AbortSignal: current value is ${
        show(value)
      }`,
    );
  }
}

function noop(): void {}

/**
 * One operation's time limit and abort signal. It holds at most one timer and
 * one abort listener, removed by {@linkcode Deadline.dispose}.
 */
export class Deadline {
  /** Rejects when the time is up or the signal aborts; never resolves. */
  readonly expired: Promise<never>;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #signal: AbortSignal | undefined;
  #onAbort: (() => void) | undefined;
  #fired = false;
  #byTimer = false;
  #error: unknown = undefined;

  constructor(
    ms: number | null,
    signal: AbortSignal | undefined,
    action: () => string,
  ) {
    this.expired = new Promise<never>((_, reject) => {
      if (ms !== null) {
        this.#timer = setTimeout(() => {
          this.#fired = true;
          this.#byTimer = true;
          this.dispose();
          this.#error = ms === 0
            ? new Deno.errors.WouldBlock(
              `Cannot ${action()}: it would block and the socket is non-blocking`,
            )
            : new Deno.errors.TimedOut(
              `Cannot ${action()}: timed out after ${ms} ms`,
            );
          reject(this.#error);
        }, ms);
      }
      if (signal !== undefined) {
        this.#signal = signal;
        this.#onAbort = () => {
          this.#fired = true;
          this.dispose();
          this.#error = signal.reason;
          reject(this.#error);
        };
        signal.addEventListener("abort", this.#onAbort, { once: true });
      }
    });
    this.expired.catch(noop);
  }

  /** Whether the time ran out or the signal aborted. */
  get fired(): boolean {
    return this.#fired;
  }

  /** Whether the time ran out (rather than the signal aborting). */
  get timedOut(): boolean {
    return this.#byTimer;
  }

  /**
   * Whether `err`, caught from {@linkcode Deadline.race}, is this deadline's
   * own rejection rather than the operation's failure (which may have come
   * in the same turn as the timer).
   */
  caused(err: unknown): boolean {
    return this.#fired && err === this.#error;
  }

  /** Resolves as `promise` does, unless the deadline comes first. */
  race<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.expired]);
  }

  /** Clears the timer and the abort listener. Idempotent. */
  dispose(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#onAbort !== undefined) {
      this.#signal!.removeEventListener("abort", this.#onAbort);
      this.#onAbort = undefined;
    }
  }
}

/**
 * Makes the deadline for one operation, or `null` when it may wait for ever
 * (the fast path: no timer, no race). Throws `signal.reason` at once when
 * the signal is already aborted.
 *
 * @param options The call's options.
 * @param fallback The handle's default timeout.
 * @param action Describes the operation for error messages.
 */
export function deadlineFor(
  options: IoOptions,
  fallback: number | null,
  action: () => string,
): Deadline | null {
  const timeout = options.timeout === undefined
    ? fallback
    : validateTimeout(options.timeout, action());
  const signal = options.signal;
  if (signal !== undefined) {
    validateSignal(signal, action());
    if (signal.aborted) throw signal.reason;
  }
  if (timeout === null && signal === undefined) return null;
  return new Deadline(timeout, signal, action);
}
