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

/**
 * Checks that `round` leaves no file descriptor open, counting
 * `/proc/self/fd` before and after in a process of its own (test files run
 * in parallel share this process, so its count moves under them).
 *
 * `script` is a module body that defines `async function round()`; `@/` in
 * it stands for the project root. Deno opens descriptors of its own lazily
 * (a Unix socket pair about half a second after start), so the count is
 * taken after one warm-up round, two seconds into the process.
 */
export async function assertNoFdLeakIn(
  script: string,
  rounds = 3,
): Promise<void> {
  const root = new URL("..", import.meta.url).href;
  const code = `${script.replaceAll("@/", root)}
const count = () => {
  let n = 0;
  for (const _ of Deno.readDirSync("/proc/self/fd")) n++;
  return n;
};
// Deno opens a Unix socket pair of its own about half a second after it
// starts: count from well after that.
await round();
await new Promise((r) => setTimeout(r, Math.max(0, 2000 - performance.now())));
const before = count();
for (let i = 0; i < ${rounds}; i++) await round();
console.log(JSON.stringify({ before, after: count() }));
`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "-A", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(code));
  await writer.close();
  const out = await within(child.output(), 60_000, "the fd-count process");
  const decoder = new TextDecoder();
  if (!out.success) {
    throw new Error(
      `the fd-count process failed: ${decoder.decode(out.stderr)}`,
    );
  }
  const { before, after } = JSON.parse(decoder.decode(out.stdout));
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
