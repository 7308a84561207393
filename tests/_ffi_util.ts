// Copyright 2026 the socketkit authors. MIT license.
// Helpers for the tests of the libc-backed sockets. Not a test file.

import { hasCommand, type Output, run, within as bounded } from "./_util.ts";

/** Whether this is Linux (the FFI layer's one platform). */
export const linux = Deno.build.os === "linux";

/** Whether the process may open raw sockets (root, or CAP_NET_RAW as root has). */
export const root = linux && Deno.uid() === 0;

/** Why raw-socket tests are skipped, for their names. */
export const needsRoot = root ? "" : " (skipped: needs root for raw sockets)";

/**
 * Whether sysctl net.ipv4.ping_group_range leaves this process's group out
 * (no unprivileged ICMP socket then).
 */
export function pingGroupExcludesUs(): boolean {
  try {
    const [lo, hi] = Deno.readTextFileSync(
      "/proc/sys/net/ipv4/ping_group_range",
    ).trim().split(/\s+/).map(Number);
    const gid = Deno.gid() ?? 0;
    return !(gid >= lo! && gid <= hi!);
  } catch {
    return false;
  }
}

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

/**
 * Resolves as `promise` does, or rejects if it has not settled within `ms`
 * milliseconds (5 s unless told): _util's bound with a default.
 */
export function within<T>(
  promise: Promise<T>,
  ms = 5_000,
  what = "the operation",
): Promise<T> {
  return bounded(promise, ms, what);
}

/** The output of a Python program run to its end (killed after 30 s). */
export function python(script: string, args: string[] = []): Promise<Output> {
  return run("python3", ["-c", script, ...args]);
}

/** Bytes of a string as UTF-8, and the string of UTF-8 bytes. */
export { bytes as utf8, text as str } from "./_util.ts";
