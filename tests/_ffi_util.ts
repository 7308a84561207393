// Copyright 2026 the socketkit authors. MIT license.
// Helpers for the tests of the libc-backed sockets. Not a test file.

import { hasCommand } from "./_util.ts";

/** Whether this is Linux (the FFI layer's one platform). */
export const linux = Deno.build.os === "linux";

/** Whether the process may open raw sockets (root, or CAP_NET_RAW as root has). */
export const root = linux && Deno.uid() === 0;

/** Why raw-socket tests are skipped, for their names. */
export const needsRoot = root ? "" : " (skipped: needs root for raw sockets)";

/** Whether python3 is installed (peers written in Python). */
export const hasPython = hasCommand("python3");

/** Whether iputils `ping` is installed. */
export const hasPing = hasCommand("ping");

/** How many file descriptors this process has open now. */
export function fdCount(): number {
  let n = 0;
  for (const _ of Deno.readDirSync("/proc/self/fd")) n++;
  return n;
}

/**
 * Runs `fn` and checks that it left no file descriptor open. Deno may open
 * descriptors of its own lazily (thread pools, timers), so the count is
 * taken after one warm-up run of `fn`.
 */
export async function assertNoFdLeak(
  fn: () => Promise<void>,
  rounds = 3,
): Promise<void> {
  await fn();
  const before = fdCount();
  for (let i = 0; i < rounds; i++) await fn();
  const after = fdCount();
  if (after !== before) {
    throw new Error(
      `file descriptors leaked: ${before} open before, ${after} after ${rounds} rounds`,
    );
  }
}

/** Rejects with TimedOut when `promise` takes longer than `ms` (a hang turns red). */
export async function within<T>(
  promise: Promise<T>,
  ms = 5_000,
  what = "the operation",
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(`${what} did not settle within ${ms} ms (test bound)`),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** The output of a Python program run to its end (killed after 30 s). */
export async function python(
  script: string,
  args: string[] = [],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command("python3", {
    args: ["-c", script, ...args],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }, 30_000);
  try {
    const out = await child.output();
    const decoder = new TextDecoder();
    return {
      code: out.code,
      stdout: decoder.decode(out.stdout),
      stderr: decoder.decode(out.stderr),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Bytes of a string as UTF-8. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** A string of UTF-8 bytes. */
export function str(data: Uint8Array | null): string | null {
  return data === null ? null : new TextDecoder().decode(data);
}
