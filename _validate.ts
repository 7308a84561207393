// Copyright 2026 the socketkit authors. MIT license.
// Argument checks shared by the transports and framing. Internal.

import { show } from "./_errors.ts";
import { type IoOptions, validateSignal, validateTimeout } from "./_timeout.ts";

const encoder = new TextEncoder();

/**
 * Returns `data` as bytes: a Uint8Array as it is, a string as UTF-8.
 *
 * @throws {TypeError} If it is neither, naming `name` and the value.
 */
export function toBytes(
  data: unknown,
  action: string,
  name = "data",
): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (typeof data === "string") return encoder.encode(data);
  throw new TypeError(
    `Cannot ${action} as ${name} must be a Uint8Array or a string: current value is ${
      show(data)
    }`,
  );
}

/** The options of a call given none. */
const NO_OPTIONS: IoOptions = Object.freeze({});

/**
 * Checks an operation's options before any I/O: an object whose `timeout`
 * and `signal` are valid. Throws `signal.reason` when it is already
 * aborted. `action` is called only to build an error message.
 *
 * @throws {TypeError} If `options` is not an object, or a field has the wrong type.
 * @throws {RangeError} If `timeout` is negative or NaN.
 */
export function checkOptions<T extends IoOptions = IoOptions>(
  options: T | undefined,
  action: () => string,
): T {
  // No options: one shared empty object rather than one made per call.
  if (options === undefined) return NO_OPTIONS as T;
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `Cannot ${action()} as options must be an object: current value is ${
        show(options)
      }`,
    );
  }
  const { timeout, signal } = options as IoOptions;
  if (timeout !== undefined) validateTimeout(timeout, action());
  if (signal !== undefined) {
    validateSignal(signal, action());
    if (signal.aborted) throw signal.reason;
  }
  return options;
}

/**
 * Checks a count: an integer of at least `min`.
 *
 * @throws {TypeError} If it is not a number.
 * @throws {RangeError} If it is a number but not an integer of at least `min`.
 */
export function checkCount(
  value: unknown,
  name: string,
  action: string,
  min: number,
): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    const rule = min === 0
      ? "a non-negative integer"
      : `an integer from ${min} up`;
    const Err = typeof value === "number" ? RangeError : TypeError;
    throw new Err(
      `Cannot ${action} as ${name} must be ${rule}: current value is ${
        show(value)
      }`,
    );
  }
  return value;
}
