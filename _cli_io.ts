// Copyright 2026 the socketkit authors. MIT license.
// The standard-stream side of cli.ts: reading standard input, writing
// standard output and files, the idle timer and the progress line. The
// sockets are the library's; nothing here touches the network. Internal.

import { ioError } from "./_errors.ts";
import { unmapped } from "./_addr.ts";
import { InFlight } from "./_in_flight.ts";
import { deadlineFor } from "./_timeout.ts";

const LOCAL = Symbol("local");

/**
 * {@linkcode ioError} for files and standard streams, marked for
 * {@linkcode isLocal}. Deno's file errors end in `(os error 2): open
 * '/path'`, which the message already says, so that is dropped.
 */
export function fsError(action: string, cause: unknown): Error {
  const err = ioError(action, cause);
  err.message = err.message.replace(/ \(os error \d+\)(?:: .*)?$/, "");
  return setLocal(err);
}

/** Marks `err` as a file or standard-stream error for {@linkcode isLocal}; returns it. */
export function setLocal<E extends Error>(err: E): E {
  Object.defineProperty(err, LOCAL, { value: true });
  return err;
}

/** Whether an error came from a file or a standard stream, not a socket. */
export function isLocal(err: unknown): boolean {
  return typeof err === "object" && err !== null && LOCAL in err;
}

/** Ends a run when nothing moved for `--idle-timeout`. */
export class IdleError extends Error {
  /** The idle time in milliseconds. */
  readonly ms: number;

  constructor(ms: number) {
    super(`nothing moved for ${formatDuration(ms)}`);
    this.name = "IdleError";
    this.ms = ms;
  }
}

/** Ends a run on Ctrl-C (SIGINT) or SIGTERM. */
export class Interrupted extends Error {
  /** The exit status: 128 plus the signal number. */
  readonly status: number;

  constructor(signal: Deno.Signal) {
    super(`interrupted by ${signal}`);
    this.name = "Interrupted";
    this.status = signal === "SIGTERM" ? 143 : 130;
  }
}

/**
 * Resolves as `promise` does, or rejects with `signal.reason` when the
 * signal aborts first. The promise goes on; its result is then dropped.
 */
export function raceSignal<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (err) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}

/** Anything with Deno's `write(p)` (standard output, a file). */
export interface Writer {
  write(p: Uint8Array): Promise<number>;
}

/** Anything with Deno's `read(p)` (standard input, a file). */
export interface Reader {
  read(p: Uint8Array): Promise<number | null>;
}

/** Writes every byte of `data` to `writer`; errors name `what`. */
export async function writeAll(
  writer: Writer,
  data: Uint8Array,
  what: string,
  signal?: AbortSignal,
): Promise<void> {
  let n = 0;
  try {
    while (n < data.length) {
      n += await raceSignal(writer.write(data.subarray(n)), signal);
    }
  } catch (err) {
    if (signal?.aborted) throw err;
    throw fsError(`write to ${what}`, err);
  }
}

/**
 * A reader shared by consumers that come and go (one connection after
 * another): a read abandoned by one consumer's signal stays in flight, and
 * the next consumer gets its bytes.
 */
export class ChunkSource {
  readonly #reader: Reader;
  readonly #what: string;
  readonly #size: number;
  /** The read in flight: one abandoned by a consumer's signal goes to the next. */
  readonly #reads = new InFlight<Uint8Array | null>();
  #done = false;

  constructor(reader: Reader, what: string, size = 65_536) {
    this.#reader = reader;
    this.#what = what;
    this.#size = size;
  }

  /** Whether the end of the input was reached. */
  get done(): boolean {
    return this.#done;
  }

  readonly #readOnce = async (): Promise<Uint8Array | null> => {
    const buf = new Uint8Array(this.#size);
    let n: number | null;
    try {
      n = await this.#reader.read(buf);
    } catch (err) {
      throw fsError(`read ${this.#what}`, err);
    }
    return n === null ? null : buf.subarray(0, n);
  };

  /** The next chunk, or null at the end; rejects with `signal.reason` on abort. */
  async read(signal?: AbortSignal): Promise<Uint8Array | null> {
    if (this.#done) return null;
    const deadline = signal === undefined
      ? null
      : deadlineFor({ signal }, null, () => `read ${this.#what}`);
    try {
      const chunk = await this.#reads.run(this.#readOnce, deadline);
      if (chunk === null) this.#done = true;
      return chunk;
    } finally {
      deadline?.dispose();
    }
  }
}

/** Aborts `signal` once nothing moved for `ms` milliseconds; {@linkcode touch} on every movement. */
export class IdleTimer {
  readonly #ms: number;
  readonly #controller = new AbortController();
  #last = performance.now();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(ms: number) {
    this.#ms = ms;
    this.#arm(ms);
  }

  /** Aborts with an {@linkcode IdleError}. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Records a movement. */
  touch(): void {
    this.#last = performance.now();
  }

  #arm(delay: number): void {
    this.#timer = setTimeout(() => {
      const idle = performance.now() - this.#last;
      if (idle + 1 >= this.#ms) {
        this.#timer = undefined;
        this.#controller.abort(new IdleError(this.#ms));
      } else {
        this.#arm(this.#ms - idle);
      }
    }, delay);
  }

  /** Stops the timer. Idempotent. */
  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/** `1536` → `1.5 KiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = n / 1024;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return `${value.toFixed(1)} ${units[i]}`;
}

/** `1500` → `1.5 s`, `20` → `20 ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  const s = ms / 1_000;
  return `${Number.isInteger(s) ? s : s.toFixed(s < 10 ? 2 : 1)} s`;
}

function formatRate(bytes: number, ms: number): string {
  return `${formatBytes(ms > 0 ? Math.round(bytes * 1_000 / ms) : 0)}/s`;
}

const encoder = new TextEncoder();
/** How often the progress line is redrawn, in milliseconds. */
const REDRAW_MS = 100;

/**
 * Counts a transfer's bytes, draws a live line on standard error (when
 * `live`), and makes the summary.
 */
export class Progress {
  readonly #verb: string;
  readonly #total: number | null;
  readonly #live: boolean;
  readonly #err: Writer;
  readonly #start = performance.now();
  #bytes = 0;
  #drawn = -Infinity;
  #drawing: Promise<void> = Promise.resolve();
  #dirty = false;

  /**
   * @param verb `sent` or `received`.
   * @param total The size when known.
   * @param live Whether to draw the live line.
   * @param err Where to draw it (standard error).
   */
  constructor(
    verb: string,
    total: number | null,
    live: boolean,
    err: Writer,
  ) {
    this.#verb = verb;
    this.#total = total;
    this.#live = live;
    this.#err = err;
  }

  /** The bytes counted so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Counts `n` more bytes and redraws when due. */
  add(n: number): void {
    this.#bytes += n;
    if (!this.#live) return;
    const now = performance.now();
    if (now - this.#drawn >= REDRAW_MS) {
      this.#drawn = now;
      this.#draw(`\r${this.line(now)}\x1b[K`);
    } else {
      this.#dirty = true;
    }
  }

  /** The live line: bytes, percent when the size is known, rate. */
  line(now: number = performance.now()): string {
    const total = this.#total;
    const done = formatBytes(this.#bytes);
    const amount = total === null
      ? done
      : `${done} of ${formatBytes(total)} (${
        total === 0 ? 100 : Math.floor(this.#bytes * 100 / total)
      }%)`;
    return `${this.#verb} ${amount}, ${
      formatRate(this.#bytes, now - this.#start)
    }`;
  }

  #draw(text: string): void {
    const bytes = encoder.encode(text);
    this.#drawing = this.#drawing.then(() =>
      writeAll(this.#err, bytes, "standard error").catch(() => {})
    );
  }

  /** Ends the live line with a newline, so a message can follow. */
  async abandon(): Promise<void> {
    if (this.#live && this.#drawn !== -Infinity) this.#draw("\n");
    await this.#drawing;
  }

  /**
   * Draws the last state of the line, then clears it, and returns the
   * summary: `sent 123 bytes (123 B) to HOST:PORT in 0.1 s, 1.2 KiB/s`.
   */
  async finish(preposition: string, peer: string): Promise<string> {
    const now = performance.now();
    if (this.#live) {
      if (this.#dirty || this.#drawn === -Infinity) {
        this.#draw(`\r${this.line(now)}\x1b[K`);
      }
      this.#draw("\r\x1b[K");
    }
    await this.#drawing;
    const ms = now - this.#start;
    return `${this.#verb} ${this.#bytes} bytes (${
      formatBytes(this.#bytes)
    }) ${preposition} ${peer} in ${formatDuration(ms)}, ${
      formatRate(this.#bytes, ms)
    }`;
  }
}

export { isMappedIpv4, unmapped } from "./_addr.ts";

/**
 * Whether a TCP connection is connected to itself: local and remote
 * address the same. Connecting to a port of the machine's own ephemeral
 * range, the kernel may pick that very port as the source port, and the
 * SYN then meets itself (simultaneous open): the connect succeeds though
 * nothing listens there. A port scan must not call that port open.
 */
export function isSelfConnection(local: Deno.Addr, remote: Deno.Addr): boolean {
  if (!("hostname" in local) || !("hostname" in remote)) return false;
  return local.port === remote.port &&
    unmapped(local.hostname) === unmapped(remote.hostname);
}
