// Copyright 2026 the socketkit authors. MIT license.
// The stream primitives, shared by TCP and Unix stream sockets.
// tcp.ts and unix.ts re-export what they need from here.

import { Buffer } from "node:buffer";
import { formatAddr } from "./_addr.ts";
import { closedError, ioError, show } from "./_errors.ts";
import { indexOfBytes } from "./_bytes.ts";
import { Lock } from "./_lock.ts";
import {
  type Deadline,
  deadlineFor,
  type IoOptions,
  validateTimeout,
} from "./_timeout.ts";
import { checkCount, checkOptions, toBytes } from "./_validate.ts";

export type { IoOptions } from "./_timeout.ts";

/** Bytes, or a string sent as UTF-8. */
export type Data = Uint8Array | string;

/** The default `max` of {@linkcode recv}: 64 KiB. */
export const DEFAULT_RECV_BYTES = 65_536;
/** The default limit of {@linkcode recvLine} and {@linkcode recvUntil}: 64 KiB. */
export const DEFAULT_MAX_LINE_BYTES = 65_536;

const MIN_CHUNK = 1_024;
const INITIAL_CHUNK = 1_024;
const MAX_CHUNK = 65_536;
/** recv() reads up to this size through the reused buffer; larger ones into their own array. */
const SMALL_READ = 4_096;
/** Reads of at least this size are handed over without a copy. */
const HANDOVER_BYTES = 65_536;
/** Lines up to this many bytes are decoded through a Buffer view (see Core.decode). */
const SHORT_LINE = 256;
const EMPTY = new Uint8Array(0);
const NO_TEXT = Buffer.alloc(0);
const LF = new Uint8Array([0x0a]);
const decoder = new TextDecoder();

function noop(): void {}

/**
 * The first `n` bytes of a fresh read target, for the caller to own: the
 * target itself when full, a view when mostly full, else a trimmed copy so
 * a few bytes do not pin a large array.
 */
function trimmed(target: Uint8Array, n: number | null): Uint8Array | null {
  if (n === null) return null;
  if (n === target.length) return target;
  return n >= target.length >> 1 ? target.subarray(0, n) : target.slice(0, n);
}

/**
 * The state behind a {@linkcode StreamSocket}: read buffer, the read and
 * write in flight, timeout and counters.
 */
class Core {
  readonly conn: Deno.Conn;
  readonly localAddr: Deno.Addr;
  readonly remoteAddr: Deno.Addr;
  // Buffered, unread bytes are buf[start, end).
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;
  // The read in flight, owned by the handle until someone takes its bytes.
  pending: Promise<number | null> | null = null;
  pendingTarget: Uint8Array = EMPTY;
  filledView: Uint8Array = EMPTY;
  filledOf: Uint8Array = EMPTY;
  // A Buffer view of `textOf` (the buffer), for decode().
  text: Buffer = NO_TEXT;
  textOf: Uint8Array = EMPTY;
  chunk = INITIAL_CHUNK;
  eof = false;
  readShut = false;
  reading = false;
  broken: Error | null = null;
  timeout: number | null = null;
  bytesRead = 0;
  bytesWritten = 0;
  closing: Promise<void> | null = null;
  readonly writeLock = new Lock();

  constructor(conn: Deno.Conn) {
    this.conn = conn;
    this.localAddr = conn.localAddr;
    this.remoteAddr = conn.remoteAddr;
  }

  peer(): string {
    return formatAddr(this.remoteAddr);
  }

  /** Throws when the handle cannot read at all. */
  checkReadable(op: string): void {
    if (this.closing !== null) throw closedError(`${op} from ${this.peer()}`);
    if (this.broken !== null) throw this.broken;
    if (this.reading) {
      throw new Deno.errors.Busy(
        `Cannot ${op} from ${this.peer()}: another receive is in progress on this socket`,
      );
    }
  }

  /**
   * Whether an operation with `options` can wait for ever: no timeout of
   * its own or of the handle, and no signal. Such an operation has no
   * deadline and takes the fast paths.
   */
  forever(options: IoOptions): boolean {
    return options.signal === undefined &&
      (options.timeout === undefined
        ? this.timeout === null
        : options.timeout === null);
  }

  // ---- reading ----

  /** Starts a read into the free tail of the buffer, with room for `want` bytes at least. */
  readIntoBuffer(want: number): void {
    const buffered = this.end - this.start;
    const need = Math.max(want, this.chunk);
    if (buffered === 0) {
      this.start = 0;
      this.end = 0;
      if (this.buf.length < need || this.buf.length > 4 * need) {
        this.buf = new Uint8Array(need);
      }
    } else if (this.buf.length - this.end < need) {
      if (
        this.buf.length - buffered >= need && buffered <= this.buf.length >> 1
      ) {
        this.buf.copyWithin(0, this.start, this.end);
      } else {
        const next = new Uint8Array(
          Math.max(buffered + need, this.buf.length * 2),
        );
        next.set(this.buf.subarray(this.start, this.end));
        this.buf = next;
      }
      this.start = 0;
      this.end = buffered;
    }
    this.startRead(this.buf.subarray(this.end));
  }

  startRead(target: Uint8Array): void {
    this.pendingTarget = target;
    this.pending = this.conn.read(target);
  }

  /**
   * Waits for the read in flight and returns its byte count, or null at end
   * of stream. When the deadline fires first, the read stays in flight,
   * owned by the handle, and the deadline's error is thrown.
   */
  async wait(deadline: Deadline | null, op: string): Promise<number | null> {
    const pending = this.pending!;
    let n: number | null;
    try {
      n = deadline === null ? await pending : await deadline.race(pending);
    } catch (err) {
      if (
        deadline !== null && deadline.caused(err) && this.pending === pending
      ) {
        pending.catch(noop);
        throw err;
      }
      this.pending = null;
      throw this.failure(`${op} from ${this.peer()}`, err);
    }
    return this.settled(n);
  }

  /** Ends a fast-path read that failed; returns the error to throw. */
  readFailed(err: unknown, op: string): Error {
    this.reading = false;
    this.pending = null;
    return this.failure(`${op} from ${this.peer()}`, err);
  }

  /**
   * The error for an I/O failure: "the socket is closed" when our own close
   * caused it, else the failure with the action and address added.
   */
  failure(action: string, err: unknown): Error {
    return this.closing !== null ? closedError(action) : ioError(action, err);
  }

  /** Books the read in flight as done with `n` bytes (null: end of stream); returns `n`. */
  settled(n: number | null): number | null {
    this.pending = null;
    if (n === null) {
      this.eof = true;
      return null;
    }
    this.bytesRead += n;
    const size = this.pendingTarget.length;
    if (n === size && this.chunk < MAX_CHUNK && size >= this.chunk) {
      this.chunk *= 2;
    } else if (n < this.chunk >> 3 && this.chunk > MIN_CHUNK) {
      this.chunk >>= 1;
    }
    return n;
  }

  /** Reads more into the buffer (finishing a read left in flight first); false at end of stream. */
  async fill(
    deadline: Deadline | null,
    want: number,
    op: string,
  ): Promise<boolean> {
    if (this.pending === null) this.readIntoBuffer(want);
    const target = this.pendingTarget;
    return this.append(target, await this.wait(deadline, op));
  }

  /** Adds the `n` bytes a read brought into `target` to the buffer; false at end of stream. */
  append(target: Uint8Array, n: number | null): boolean {
    if (n === null) return false;
    if (target.buffer === this.buf.buffer) {
      this.end += n;
    } else {
      // A direct read of recv() that timed out: the buffer was empty when it
      // started and nothing could be added since, so adopt its bytes.
      this.buf = target;
      this.start = 0;
      this.end = n;
    }
    return true;
  }

  /** Removes and returns the first `n` buffered bytes, as a copy the caller owns. */
  take(n: number): Uint8Array {
    const s = this.start;
    if (
      s === 0 && n === this.buf.length && n >= HANDOVER_BYTES &&
      this.pending === null
    ) {
      const out = this.buf;
      this.buf = EMPTY;
      this.end = 0;
      // The caller owns it now: drop the views recvLine keeps of it.
      this.filledOf = this.filledView = this.textOf = EMPTY;
      this.text = NO_TEXT;
      return out;
    }
    this.start = s + n;
    return this.buf.slice(s, s + n);
  }

  recv(max: number, options: IoOptions): Promise<Uint8Array | null> {
    const buffered = this.end - this.start;
    if (buffered > 0) {
      return Promise.resolve(this.take(Math.min(max, buffered)));
    }
    if (this.eof || this.readShut) return Promise.resolve(null);
    if (
      this.pending === null && this.chunk > SMALL_READ && this.forever(options)
    ) {
      // The fast path for large reads with no deadline: straight into a new
      // array the caller will own, one promise step on the read.
      this.reading = true;
      const target = new Uint8Array(Math.min(max, this.chunk));
      this.startRead(target);
      return this.pending!.then(
        (n) => {
          this.reading = false;
          return trimmed(target, this.settled(n));
        },
        (err) => {
          throw this.readFailed(err, "recv");
        },
      );
    }
    if (
      this.pending === null && this.chunk <= SMALL_READ && this.forever(options)
    ) {
      // The fast path: a small read with no deadline, one promise step on
      // the read rather than three async frames.
      this.reading = true;
      try {
        this.readIntoBuffer(0);
      } catch (err) {
        this.reading = false;
        throw err;
      }
      const target = this.pendingTarget;
      return this.pending!.then(
        (n) => {
          this.reading = false;
          if (!this.append(target, this.settled(n))) return null;
          return this.take(Math.min(max, this.end - this.start));
        },
        (err) => {
          throw this.readFailed(err, "recv");
        },
      );
    }
    return this.recvSlowly(max, options);
  }

  async recvSlowly(
    max: number,
    options: IoOptions,
  ): Promise<Uint8Array | null> {
    const deadline = deadlineFor(
      options,
      this.timeout,
      () => `recv from ${this.peer()}`,
    );
    this.reading = true;
    try {
      if (this.pending !== null) {
        if (!(await this.fill(deadline, 0, "recv"))) return null;
        return this.take(Math.min(max, this.end - this.start));
      }
      if (this.chunk <= SMALL_READ) {
        // Small reads: read into the reused buffer and copy out what came,
        // one allocation per recv rather than a target and a trimmed copy.
        if (!(await this.fill(deadline, 0, "recv"))) return null;
        return this.take(Math.min(max, this.end - this.start));
      }
      const target = new Uint8Array(Math.min(max, this.chunk));
      this.startRead(target);
      return trimmed(target, await this.wait(deadline, "recv"));
    } finally {
      this.reading = false;
      deadline?.dispose();
    }
  }

  /** Moves up to `target.length` buffered bytes into `target`. */
  copyOut(target: Uint8Array): number {
    const n = Math.min(target.length, this.end - this.start);
    target.set(this.buf.subarray(this.start, this.start + n));
    this.start += n;
    return n;
  }

  recvInto(target: Uint8Array, options: IoOptions): Promise<number | null> {
    if (this.end > this.start) return Promise.resolve(this.copyOut(target));
    if (this.eof || this.readShut) return Promise.resolve(null);
    if (this.pending === null && this.forever(options)) {
      // No deadline can leave this read in flight, so read straight into
      // the caller's buffer, in one promise step.
      this.reading = true;
      try {
        this.startRead(target);
      } catch (err) {
        this.reading = false;
        throw err;
      }
      return this.pending!.then(
        (n) => {
          this.reading = false;
          return this.settled(n);
        },
        (err) => {
          throw this.readFailed(err, "recvInto");
        },
      );
    }
    return this.recvIntoSlowly(target, options);
  }

  async recvIntoSlowly(
    target: Uint8Array,
    options: IoOptions,
  ): Promise<number | null> {
    const deadline = deadlineFor(
      options,
      this.timeout,
      () => `recvInto from ${this.peer()}`,
    );
    this.reading = true;
    try {
      if (deadline === null && this.pending === null) {
        // No deadline can leave this read in flight, so read straight into
        // the caller's buffer; otherwise read into ours and copy.
        this.startRead(target);
        return await this.wait(null, "recvInto");
      }
      if (!(await this.fill(deadline, 0, "recvInto"))) return null;
      return this.copyOut(target);
    } finally {
      this.reading = false;
      deadline?.dispose();
    }
  }

  recvExact(n: number, options: IoOptions): Promise<Uint8Array> {
    const buffered = this.end - this.start;
    if (buffered >= n) return Promise.resolve(this.take(n));
    if (this.eof || this.readShut) {
      return Promise.reject(this.endedEarly(n));
    }
    if (this.pending === null && this.forever(options)) {
      // The fast path: no deadline, so start the read here and take the
      // bytes in one promise step when one read brings them all.
      this.reading = true;
      try {
        this.readIntoBuffer(n - buffered);
      } catch (err) {
        this.reading = false;
        throw err;
      }
      const target = this.pendingTarget;
      return this.pending!.then(
        (got) => {
          this.reading = false;
          if (!this.append(target, this.settled(got))) {
            throw this.endedEarly(n);
          }
          if (this.end - this.start >= n) return this.take(n);
          return this.recvExactSlowly(n, null);
        },
        (err) => {
          throw this.readFailed(err, "recvExact");
        },
      );
    }
    return this.recvExactSlowly(
      n,
      deadlineFor(
        options,
        this.timeout,
        () => `recvExact from ${this.peer()}`,
      ),
    );
  }

  endedEarly(n: number): Error {
    return new Deno.errors.UnexpectedEof(
      `Cannot recvExact from ${this.peer()}: the stream ended after ${
        this.end - this.start
      } of ${n} bytes`,
    );
  }

  async recvExactSlowly(
    n: number,
    deadline: Deadline | null,
  ): Promise<Uint8Array> {
    this.reading = true;
    try {
      while (this.end - this.start < n) {
        if (
          this.eof || this.readShut ||
          !(await this.fill(deadline, n - (this.end - this.start), "recvExact"))
        ) {
          throw this.endedEarly(n);
        }
      }
      return this.take(n);
    } finally {
      this.reading = false;
      deadline?.dispose();
    }
  }

  /**
   * Finds `delim` in the stream. Returns the index of the delimiter in the
   * buffer, or -1 at end of stream (the unterminated rest stays buffered).
   */
  async scan(
    delim: Uint8Array,
    maxBytes: number,
    options: IoOptions,
    op: string,
  ): Promise<number> {
    // recvLine allows one byte more, for a "\r" before the "\n"; its
    // messages name the limit the caller gave.
    const limit = op === "recvLine" ? maxBytes - 1 : maxBytes;
    let scanned = 0; // bytes after `start` known not to begin the delimiter
    let deadline: Deadline | null = null;
    let waited = false;
    try {
      for (;;) {
        const found = indexOfBytes(
          this.buf,
          delim,
          this.start + scanned,
          this.end,
        );
        if (found >= 0) {
          if (found - this.start > maxBytes) break;
          return found;
        }
        const buffered = this.end - this.start;
        if (buffered - delim.length + 1 > maxBytes) break;
        // A line that fills its limit and the extra byte with something
        // other than "\r" is too long already: fail now, not at the newline.
        if (
          op === "recvLine" && buffered === maxBytes &&
          this.buf[this.end - 1] !== 0x0d
        ) break;
        scanned = Math.max(0, buffered - delim.length + 1);
        if (this.eof || this.readShut) return -1;
        if (!waited) {
          waited = true;
          deadline = deadlineFor(
            options,
            this.timeout,
            () => `${op} from ${this.peer()}`,
          );
          this.reading = true;
        }
        if (!(await this.fill(deadline, 0, op))) return -1;
      }
    } finally {
      if (waited) {
        this.reading = false;
        deadline?.dispose();
      }
    }
    this.overLimit(op, limit);
  }

  /**
   * Marks the connection unusable after a line or record over its limit
   * (the rest of the stream cannot be parsed any more) and throws.
   */
  overLimit(op: string, maxBytes: number): never {
    const what = op === "recvLine" ? "line" : "record";
    this.broken = new Deno.errors.InvalidData(
      `Cannot ${op} from ${this.peer()}: the connection is unusable since a ${what} exceeded the limit of ${maxBytes} bytes`,
    );
    throw new Deno.errors.InvalidData(
      `Cannot ${op} from ${this.peer()}: the ${what} exceeds the limit of ${maxBytes} bytes (raise maxBytes to accept more)`,
    );
  }

  async recvUntil(
    delim: Uint8Array,
    maxBytes: number,
    options: IoOptions,
  ): Promise<Uint8Array | null> {
    const found = await this.scan(delim, maxBytes, options, "recvUntil");
    if (found < 0) {
      const rest = this.end - this.start;
      if (rest === 0) return null;
      throw new Deno.errors.UnexpectedEof(
        `Cannot recvUntil from ${this.peer()}: the stream ended after ${rest} bytes without the delimiter`,
      );
    }
    const out = this.take(found - this.start);
    this.start += delim.length;
    return out;
  }

  /** `buf[0, end)`, kept across calls: many lines are taken between two reads. */
  filled(): Uint8Array {
    const view = this.filledView;
    if (this.filledOf === this.buf && view.length === this.end) return view;
    this.filledOf = this.buf;
    return this.filledView = this.buf.subarray(0, this.end);
  }

  /**
   * Decodes `buf[from, to)` as UTF-8, exactly as `TextDecoder` does. For
   * short lines a Node `Buffer` view decodes in place about twice as fast
   * (no view per call, no shared-memory check); from about 384 bytes on it
   * is slower than `TextDecoder`, so long lines go there. It differs from
   * `TextDecoder` only in keeping a leading byte order mark, so that case
   * goes to `TextDecoder` too, which drops it.
   */
  decode(from: number, to: number): string {
    const buf = this.buf;
    if (to - from > SHORT_LINE || buf[from] === 0xef) {
      return decoder.decode(buf.subarray(from, to));
    }
    if (this.textOf !== buf) {
      this.textOf = buf;
      this.text = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
    }
    return this.text.toString("utf8", from, to);
  }

  /** Takes a whole line already buffered and within the limit; null if there is none. */
  bufferedLine(maxBytes: number): string | null {
    // Search only the filled part, not the stale tail of the buffer.
    const nl = this.filled().indexOf(0x0a, this.start);
    if (nl < 0) return null;
    const stop = nl > this.start && this.buf[nl - 1] === 0x0d ? nl - 1 : nl;
    if (stop - this.start > maxBytes) return null;
    const line = this.decode(this.start, stop);
    this.start = nl + 1;
    return line;
  }

  async recvLine(maxBytes: number, options: IoOptions): Promise<string | null> {
    // Allow one byte more for a "\r" before the "\n".
    const found = await this.scan(LF, maxBytes + 1, options, "recvLine");
    let stop: number;
    let next: number;
    if (found < 0) {
      // End of stream: the unterminated rest is the last line, as it is.
      if (this.end === this.start) return null;
      stop = next = this.end;
    } else {
      stop = found > this.start && this.buf[found - 1] === 0x0d
        ? found - 1
        : found;
      next = found + 1;
    }
    if (stop - this.start > maxBytes) this.overLimit("recvLine", maxBytes);
    const line = this.decode(this.start, stop);
    this.start = next;
    return line;
  }

  // ---- writing ----

  checkWritable(op: string): void {
    if (this.closing !== null) throw closedError(`${op} to ${this.peer()}`);
  }

  /** Writes `data`: once when `all` is false, else until every byte is written. */
  write(
    data: Uint8Array,
    all: boolean,
    options: IoOptions,
    op: string,
  ): Promise<number> {
    if (!this.writeLock.held && this.forever(options)) {
      // The fast path: no deadline and no queue, so one promise chain
      // without an async frame, a timer or a closure for messages. A
      // partial write of sendAll goes on in writeLoop, holding the lock.
      this.writeLock.acquire(null);
      let write: Promise<number>;
      try {
        write = this.conn.write(data);
      } catch (err) {
        this.writeLock.release();
        return Promise.reject(err);
      }
      return write.then(
        (n) => {
          this.bytesWritten += n;
          if (all && n < data.length) {
            return this.writeLoop(data, true, null, op, n, true);
          }
          this.writeLock.release();
          return n;
        },
        (err) => {
          this.writeLock.release();
          throw this.failure(`${op} to ${this.peer()}`, err);
        },
      );
    }
    return this.writeLoop(
      data,
      all,
      deadlineFor(options, this.timeout, () => `${op} to ${this.peer()}`),
      op,
      0,
      false,
    );
  }

  /**
   * Writes `data` from `sent` on under `deadline`, taking the write lock
   * first unless `locked`; releases it when done.
   */
  async writeLoop(
    data: Uint8Array,
    all: boolean,
    deadline: Deadline | null,
    op: string,
    sent: number,
    locked: boolean,
  ): Promise<number> {
    try {
      if (!locked) {
        const wait = this.writeLock.acquire(deadline);
        if (wait !== null) await wait;
        locked = true;
        if (this.closing !== null) {
          throw closedError(`${op} to ${this.peer()}`);
        }
      }
      do {
        // A deadline that fired as the last write finished stops the loop
        // before it starts a write it would abandon at once.
        if (deadline !== null && deadline.fired) await deadline.expired;
        const write = this.conn.write(sent === 0 ? data : data.subarray(sent));
        let n: number;
        try {
          n = deadline === null ? await write : await deadline.race(write);
        } catch (err) {
          if (deadline !== null && deadline.caused(err)) {
            // The write goes on; keep the lock until it settles so no later
            // write can overtake its bytes.
            this.writeLock.holdUntil(write.then(
              (n) => {
                this.bytesWritten += n;
              },
              noop,
            ));
            throw err;
          }
          throw this.failure(`${op} to ${this.peer()}`, err);
        }
        sent += n;
        this.bytesWritten += n;
      } while (all && sent < data.length);
      return sent;
    } finally {
      deadline?.dispose();
      if (locked) this.writeLock.release();
    }
  }

  async shutdown(how: "read" | "write" | "both"): Promise<void> {
    if (how !== "write") this.readShut = true;
    if (how === "read") return;
    const wait = this.writeLock.acquire(null);
    if (wait !== null) await wait;
    try {
      await this.conn.closeWrite();
    } catch (err) {
      throw this.failure(`shutdown ${this.peer()}`, err);
    } finally {
      this.writeLock.release();
    }
  }

  close(): Promise<void> {
    if (this.closing !== null) return this.closing;
    try {
      this.conn.close();
    } catch {
      // Already closed underneath us (for example by the peer's reset).
    }
    const settling: Promise<unknown>[] = [];
    if (this.pending !== null) settling.push(this.pending.catch(noop));
    if (this.writeLock.settling !== null) {
      settling.push(this.writeLock.settling);
    }
    this.buf = EMPTY;
    this.start = 0;
    this.end = 0;
    this.closing = settling.length === 0
      ? Promise.resolve()
      : Promise.all(settling).then(noop);
    return this.closing;
  }
}

let coreOf: (sock: StreamSocket) => Core;

/**
 * A connected stream socket: TCP, Unix or TLS. Made by `connect`, `accept`
 * or {@linkcode wrap}; pass it to {@linkcode recv}, {@linkcode sendAll} and
 * the other stream functions.
 *
 * The handle owns the `Deno.Conn`, a read buffer, the read in flight (kept
 * across timeouts so no data is lost), the default timeout and byte
 * counters. `await using` closes it.
 *
 * @typeParam A The address type: `Deno.NetAddr` for TCP, `Deno.UnixAddr`
 * for Unix sockets.
 *
 * @example Connect, send and receive
 * ```ts
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * await using client = await tcp.connect(server.addr);
 * await using peer = await accepted;
 * await tcp.sendAll(client, "ping");
 * assert.equal(new TextDecoder().decode(await tcp.recvExact(peer, 4)), "ping");
 * assert.equal(peer.bytesRead, 4);
 * ```
 */
export class StreamSocket<A extends Deno.Addr = Deno.Addr>
  implements AsyncDisposable {
  readonly #core: Core;

  /**
   * Adopts a connected `Deno.Conn`. Same as {@linkcode wrap}.
   *
   * @param conn The connection; the handle owns it from now on.
   */
  constructor(conn: Deno.Conn<A>) {
    this.#core = new Core(conn);
  }

  static {
    coreOf = (sock) => sock.#core;
  }

  /** The underlying Deno connection, for what this module does not cover. */
  get conn(): Deno.Conn<A> {
    return this.#core.conn as Deno.Conn<A>;
  }

  /** The local address. */
  get localAddr(): A {
    return this.#core.localAddr as A;
  }

  /** The peer's address. */
  get remoteAddr(): A {
    return this.#core.remoteAddr as A;
  }

  /** Bytes received from the peer so far (buffered ones included). */
  get bytesRead(): number {
    return this.#core.bytesRead;
  }

  /** Bytes written to the peer so far. */
  get bytesWritten(): number {
    return this.#core.bytesWritten;
  }

  /** The default timeout in milliseconds (`null`: wait for ever; `0`: non-blocking). */
  get timeout(): number | null {
    return this.#core.timeout;
  }

  /** Whether {@linkcode close} was called. */
  get closed(): boolean {
    return this.#core.closing !== null;
  }

  /** Closes the socket; same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.#core.close();
  }
}

/**
 * Checks that `sock` is a stream socket, for sibling modules (framing.ts,
 * _stream_web.ts) that take one.
 *
 * @throws {TypeError} If it is not.
 */
export function checkSock(sock: unknown, action: string): StreamSocket {
  if (!(sock instanceof StreamSocket)) {
    throw new TypeError(
      `Cannot ${action} as sock must be a StreamSocket from connect, accept or wrap: current value is ${
        show(sock)
      }`,
    );
  }
  return sock;
}

function core(sock: unknown, action: string): Core {
  return coreOf(checkSock(sock, action));
}

/**
 * Adopts any connected `Deno.Conn` (TCP, Unix, or TLS from
 * `Deno.connectTls`) so every stream function works on it.
 *
 * @param conn The connection; the returned handle owns it.
 * @returns The handle.
 * @throws {TypeError} If `conn` is not a connection.
 *
 * @example Wrap a raw Deno connection
 * ```ts
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = listener.accept();
 * const { port } = listener.addr;
 * await using sock = tcp.wrap(await Deno.connect({ hostname: "127.0.0.1", port }));
 * using raw = await accepted;
 * await raw.write(new TextEncoder().encode("hello\n"));
 * assert.equal(await tcp.recvLine(sock), "hello");
 * ```
 */
export function wrap<A extends Deno.Addr>(conn: Deno.Conn<A>): StreamSocket<A> {
  if (
    conn === null || typeof conn !== "object" ||
    typeof (conn as Deno.Conn).read !== "function" ||
    typeof (conn as Deno.Conn).write !== "function"
  ) {
    throw new TypeError(
      `Cannot wrap as conn must be a Deno.Conn: current value is ${show(conn)}`,
    );
  }
  return new StreamSocket(conn);
}

/** Options for {@linkcode recv}. */
export interface RecvOptions extends IoOptions {}

/**
 * Receives up to `max` bytes, as soon as any are available.
 *
 * Resolves to a new `Uint8Array` the caller owns (1 to `max` bytes), or
 * `null` at end of stream. Bytes buffered by an earlier call or left by a
 * timed-out one come first.
 *
 * Requires `allow-net` permission.
 *
 * @param sock The socket.
 * @param max The most bytes to return.
 * @param options Timeout and abort signal.
 * @returns The bytes, or `null` once the peer has finished sending.
 * @throws {RangeError} If `max` is not a positive integer.
 * @throws {Deno.errors.TimedOut} If nothing arrives within the timeout.
 * @throws {Deno.errors.WouldBlock} If the socket is non-blocking and nothing is ready.
 * @throws {Deno.errors.ConnectionReset} If the peer reset the connection.
 * @throws {Deno.errors.BadResource} If the socket is closed.
 *
 * @example Echo one chunk
 * ```ts
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * await using client = await tcp.connect(server.addr);
 * await using peer = await accepted;
 * await tcp.sendAll(client, "hi");
 * const data = await tcp.recv(peer, 1024);
 * assert.deepEqual(data, new TextEncoder().encode("hi"));
 * ```
 *
 * @tags allow-net
 */
export function recv(
  sock: StreamSocket,
  max: number = DEFAULT_RECV_BYTES,
  options: RecvOptions = {},
): Promise<Uint8Array | null> {
  try {
    const c = core(sock, "recv");
    checkCount(max, "max", "recv", 1);
    checkOptions(options, () => `recv from ${c.peer()}`);
    c.checkReadable("recv");
    return c.recv(max, options);
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * Receives up to `buffer.length` bytes into `buffer`, as Python's
 * `recv_into`: no allocation, for loops that reuse one buffer.
 *
 * Resolves to the number of bytes written at the start of `buffer` (at
 * least 1), or `null` at end of stream. Bytes buffered by an earlier call
 * come first. With a timeout or signal, the bytes are read into the
 * socket's own buffer and copied, so a timed-out call never writes into
 * `buffer` later.
 *
 * Requires `allow-net` permission.
 *
 * @param sock The socket.
 * @param buffer Where to put the bytes; must not be empty.
 * @param options Timeout and abort signal.
 * @returns The number of bytes received, or `null` at end of stream.
 * @throws {TypeError} If `buffer` is not a non-empty Uint8Array.
 * @throws {Deno.errors.TimedOut} If nothing arrives within the timeout.
 *
 * @example Count the bytes of a stream with one buffer
 * ```ts
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * await using client = await tcp.connect(server.addr);
 * await using peer = await accepted;
 * await tcp.sendAll(client, new Uint8Array(100_000));
 * await tcp.shutdown(client);
 * const buffer = new Uint8Array(16_384);
 * let total = 0;
 * for (let n; (n = await tcp.recvInto(peer, buffer)) !== null;) total += n;
 * assert.equal(total, 100_000);
 * ```
 *
 * @tags allow-net
 */
export function recvInto(
  sock: StreamSocket,
  buffer: Uint8Array,
  options: RecvOptions = {},
): Promise<number | null> {
  try {
    const c = core(sock, "recvInto");
    if (!(buffer instanceof Uint8Array) || buffer.length === 0) {
      throw new TypeError(
        `Cannot recvInto as buffer must be a non-empty Uint8Array: current value is ${
          show(buffer)
        }`,
      );
    }
    checkOptions(options, () => `recvInto from ${c.peer()}`);
    c.checkReadable("recvInto");
    return c.recvInto(buffer, options);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Options for {@linkcode recvExact}. */
export interface RecvExactOptions extends IoOptions {}

/**
 * Receives exactly `n` bytes.
 *
 * Resolves to exactly `n` bytes; rejects with `Deno.errors.UnexpectedEof`
 * if the stream ends first, leaving the bytes that did arrive buffered for
 * the next call.
 *
 * Requires `allow-net` permission.
 *
 * @param sock The socket.
 * @param n How many bytes to receive (0 resolves at once).
 * @param options Timeout and abort signal.
 * @returns A new `Uint8Array` of length `n`.
 * @throws {RangeError} If `n` is not a non-negative integer.
 * @throws {Deno.errors.UnexpectedEof} If the stream ends before `n` bytes.
 * @throws {Deno.errors.TimedOut} If the bytes do not arrive within the timeout.
 *
 * @example Read a fixed-size header
 * ```ts
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * await using client = await tcp.connect(server.addr);
 * await using peer = await accepted;
 * await tcp.sendAll(client, new Uint8Array([0, 0, 0, 5, 1, 2, 3, 4, 5]));
 * const header = await tcp.recvExact(peer, 4);
 * const size = new DataView(header.buffer).getUint32(0);
 * assert.deepEqual(await tcp.recvExact(peer, size), new Uint8Array([1, 2, 3, 4, 5]));
 * ```
 *
 * @tags allow-net
 */
export function recvExact(
  sock: StreamSocket,
  n: number,
  options: RecvExactOptions = {},
): Promise<Uint8Array> {
  try {
    const c = core(sock, "recvExact");
    checkCount(n, "n", "recvExact", 0);
    checkOptions(options, () => `recvExact from ${c.peer()}`);
    c.checkReadable("recvExact");
    if (n === 0) return Promise.resolve(new Uint8Array(0));
    return c.recvExact(n, options);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Options for {@linkcode recvUntil}. */
export interface RecvUntilOptions extends IoOptions {
  /**
   * The most bytes accepted before the delimiter. More is
   * `Deno.errors.InvalidData`, and the connection is unusable afterwards.
   *
   * @default {65536}
   */
  maxBytes?: number;
}

function checkMaxBytes(options: { maxBytes?: number }, action: string): number {
  const value = options.maxBytes;
  if (value === undefined) return DEFAULT_MAX_LINE_BYTES;
  if (value === Infinity) return Number.MAX_SAFE_INTEGER;
  return checkCount(value, "maxBytes", action, 0);
}

/**
 * Receives bytes up to a delimiter, which is consumed and not returned.
 *
 * Resolves to the bytes before the delimiter, or `null` at end of stream
 * with nothing buffered. The search scans each byte once, so a delimiter
 * split across reads is found.
 *
 * Requires `allow-net` permission.
 *
 * @param sock The socket.
 * @param delimiter One or more bytes (a string is UTF-8 encoded).
 * @param options Limit, timeout and abort signal.
 * @returns The bytes before the delimiter, or `null` at end of stream.
 * @throws {TypeError} If the delimiter is empty or not bytes or a string.
 * @throws {Deno.errors.InvalidData} If more than `maxBytes` come before the delimiter.
 * @throws {Deno.errors.UnexpectedEof} If the stream ends after some bytes but before a delimiter.
 *
 * @example Read records separated by a blank line
 * ```ts
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * await using client = await tcp.connect(server.addr);
 * await using peer = await accepted;
 * await tcp.sendAll(client, "a: 1\r\n\r\nb: 2\r\n\r\n");
 * const record = await tcp.recvUntil(peer, "\r\n\r\n");
 * assert.equal(new TextDecoder().decode(record!), "a: 1");
 * ```
 *
 * @tags allow-net
 */
export function recvUntil(
  sock: StreamSocket,
  delimiter: Data,
  options: RecvUntilOptions = {},
): Promise<Uint8Array | null> {
  try {
    const c = core(sock, "recvUntil");
    const delim = toBytes(delimiter, "recvUntil", "delimiter");
    if (delim.length === 0) {
      throw new TypeError(
        `Cannot recvUntil as delimiter must not be empty: current value is ${
          show(delimiter)
        }`,
      );
    }
    checkOptions(options, () => `recvUntil from ${c.peer()}`);
    const maxBytes = checkMaxBytes(options, "recvUntil");
    c.checkReadable("recvUntil");
    return c.recvUntil(delim, maxBytes, options);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Options for {@linkcode recvLine}. */
export interface RecvLineOptions extends IoOptions {
  /**
   * The longest line accepted, in bytes, not counting its `\n` or `\r\n`.
   * A longer line is `Deno.errors.InvalidData`, and the connection is
   * unusable afterwards.
   *
   * @default {65536}
   */
  maxBytes?: number;
}

/**
 * Receives one line of UTF-8 text.
 *
 * Resolves to the line without its `\n` or `\r\n`, or `null` at end of
 * stream. A last line without a newline is returned at end of stream.
 *
 * Requires `allow-net` permission.
 *
 * @param sock The socket.
 * @param options Limit, timeout and abort signal.
 * @returns The line, or `null` at end of stream.
 * @throws {Deno.errors.InvalidData} If the line is longer than `maxBytes`.
 * @throws {Deno.errors.TimedOut} If no full line arrives within the timeout.
 *
 * @example Read lines until the peer finishes
 * ```ts
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * await using client = await tcp.connect(server.addr);
 * await using peer = await accepted;
 * await tcp.sendAll(client, "one\r\ntwo\nthree");
 * await tcp.shutdown(client);
 * const lines = [];
 * for (let line; (line = await tcp.recvLine(peer)) !== null;) lines.push(line);
 * assert.deepEqual(lines, ["one", "two", "three"]);
 * ```
 *
 * @tags allow-net
 */
export function recvLine(
  sock: StreamSocket,
  options: RecvLineOptions = {},
): Promise<string | null> {
  try {
    const c = core(sock, "recvLine");
    checkOptions(options, () => `recvLine from ${c.peer()}`);
    const maxBytes = checkMaxBytes(options, "recvLine");
    c.checkReadable("recvLine");
    // Fast path: a whole line is buffered, so no async machinery is needed.
    const line = c.bufferedLine(maxBytes);
    if (line !== null) return Promise.resolve(line);
    return c.recvLine(maxBytes, options);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Options for {@linkcode send}. */
export interface SendOptions extends IoOptions {}

/**
 * Writes once and resolves to the number of bytes written, which may be
 * fewer than given. Use {@linkcode sendAll} to send everything.
 *
 * Requires `allow-net` permission.
 *
 * @param sock The socket.
 * @param data Bytes, or a string sent as UTF-8.
 * @param options Timeout and abort signal.
 * @returns The number of bytes written.
 * @throws {TypeError} If `data` is not bytes or a string.
 * @throws {Deno.errors.BrokenPipe} If the peer is gone.
 *
 * @example Send once
 * ```ts
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * await using client = await tcp.connect(server.addr);
 * await using _peer = await accepted;
 * const n = await tcp.send(client, "hello");
 * assert.ok(n > 0 && n <= 5);
 * ```
 *
 * @tags allow-net
 */
export function send(
  sock: StreamSocket,
  data: Data,
  options: SendOptions = {},
): Promise<number> {
  try {
    const c = core(sock, "send");
    const bytes = toBytes(data, "send");
    checkOptions(options, () => `send to ${c.peer()}`);
    c.checkWritable("send");
    if (bytes.length === 0) return Promise.resolve(0);
    return c.write(bytes, false, options, "send");
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Options for {@linkcode sendAll}. */
export interface SendAllOptions extends IoOptions {}

/**
 * Writes every byte of `data`, or rejects. Concurrent calls on one socket
 * are queued, so their bytes never interleave.
 *
 * If the timeout fires mid-way, the rejection says so; the write in flight
 * completes, later writes wait for it, and the peer has received a prefix
 * of `data` (as with Python's `sendall`).
 *
 * Requires `allow-net` permission.
 *
 * @param sock The socket.
 * @param data Bytes, or a string sent as UTF-8.
 * @param options Timeout and abort signal.
 * @throws {TypeError} If `data` is not bytes or a string.
 * @throws {Deno.errors.BrokenPipe} If the peer is gone.
 * @throws {Deno.errors.TimedOut} If the peer does not take the data in time.
 *
 * @example Send a whole message
 * ```ts
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * await using client = await tcp.connect(server.addr);
 * await using peer = await accepted;
 * await tcp.sendAll(client, new Uint8Array(100_000));
 * assert.equal((await tcp.recvExact(peer, 100_000)).length, 100_000);
 * ```
 *
 * @tags allow-net
 */
export function sendAll(
  sock: StreamSocket,
  data: Data,
  options: SendAllOptions = {},
): Promise<void> {
  // Not async: one promise fewer per call on the hot path.
  try {
    const c = core(sock, "sendAll");
    const bytes = toBytes(data, "sendAll");
    checkOptions(options, () => `sendAll to ${c.peer()}`);
    c.checkWritable("sendAll");
    if (bytes.length === 0) return Promise.resolve();
    // Resolves with the count, which a Promise<void> caller never sees.
    return c.write(bytes, true, options, "sendAll") as Promise<
      unknown
    > as Promise<void>;
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Which direction {@linkcode shutdown} closes. */
export type ShutdownHow = "read" | "write" | "both";

/**
 * Half-closes the connection. `"write"` (the default, as `SHUT_WR`) sends
 * end of stream to the peer after every queued write, while receiving goes
 * on; `"read"` makes later receives return end of stream (Deno offers no
 * kernel read shutdown, so this is done in the handle); `"both"` does both.
 *
 * Requires `allow-net` permission.
 *
 * @param sock The socket.
 * @param how Which direction to close.
 * @throws {TypeError} If `how` is not "read", "write" or "both".
 *
 * @example Tell the peer you are done, then read its answer
 * ```ts
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * await using client = await tcp.connect(server.addr);
 * await using peer = await accepted;
 * await tcp.sendAll(client, "question");
 * await tcp.shutdown(client, "write");
 * assert.equal(await tcp.recvExact(peer, 8).then((b) => b.length), 8);
 * assert.equal(await tcp.recv(peer), null);
 * await tcp.sendAll(peer, "answer\n");
 * assert.equal(await tcp.recvLine(client), "answer");
 * ```
 *
 * @tags allow-net
 */
export async function shutdown(
  sock: StreamSocket,
  how: ShutdownHow = "write",
): Promise<void> {
  const c = core(sock, "shutdown");
  if (how !== "read" && how !== "write" && how !== "both") {
    throw new TypeError(
      `Cannot shutdown as how must be "read", "write" or "both": current value is ${
        show(how)
      }`,
    );
  }
  c.checkWritable("shutdown");
  await c.shutdown(how);
}

/**
 * Sets the default timeout for every later operation on the socket, as
 * Python's `settimeout` (but in milliseconds): `null` waits for ever, `0`
 * makes the socket non-blocking. A per-call `timeout` overrides it.
 *
 * @param sock The socket or server.
 * @param ms Milliseconds, `0` or `null`.
 * @throws {RangeError} If `ms` is negative or NaN.
 *
 * @example Give up on a silent peer
 * ```ts
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * await using client = await tcp.connect(server.addr);
 * await using _peer = await accepted;
 * tcp.setTimeout(client, 50);
 * await assert.rejects(tcp.recv(client), Deno.errors.TimedOut);
 * ```
 */
export function setTimeout(
  sock: StreamSocket | StreamServer,
  ms: number | null,
): void {
  if (sock instanceof StreamServer) {
    serverOf(sock).timeout = validateTimeout(ms, "setTimeout");
    return;
  }
  core(sock, "setTimeout").timeout = validateTimeout(ms, "setTimeout");
}

/**
 * Sets blocking mode, as Python's `setblocking`: `false` is a timeout of 0
 * (operations that cannot complete at once reject with
 * `Deno.errors.WouldBlock`, and lose no data), `true` is no timeout.
 *
 * @param sock The socket or server.
 * @param flag Whether operations may wait.
 *
 * @example Poll without waiting
 * ```ts
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * await using client = await tcp.connect(server.addr);
 * await using _peer = await accepted;
 * tcp.setBlocking(client, false);
 * await assert.rejects(tcp.recv(client), Deno.errors.WouldBlock);
 * ```
 */
export function setBlocking(
  sock: StreamSocket | StreamServer,
  flag: boolean,
): void {
  if (typeof flag !== "boolean") {
    throw new TypeError(
      `Cannot setBlocking as flag must be a boolean: current value is ${
        show(flag)
      }`,
    );
  }
  setTimeout(sock, flag ? null : 0);
}

// ---- servers ----

/** The state behind a {@linkcode StreamServer}. */
interface ServerState {
  readonly listener: Deno.Listener;
  readonly addr: Deno.Addr;
  pending: Promise<Deno.Conn> | null;
  accepting: boolean;
  timeout: number | null;
  closing: Promise<void> | null;
  readonly onClose: (() => void | Promise<void>) | undefined;
}

let serverOf: (server: StreamServer) => ServerState;

/**
 * A listening stream socket (TCP or Unix), made by `listen`. Pass it to
 * {@linkcode accept}, or iterate it with `for await` to accept each
 * connection in turn until it is closed.
 *
 * Closing it (with {@linkcode close} or `await using`) waits for the accept
 * in flight to settle, so the port or path can be bound again as soon as
 * the close resolves.
 *
 * @typeParam A The address type.
 *
 * @example Accept connections in a loop
 * ```ts
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const client = await tcp.connect(server.addr);
 * for await (const conn of server) {
 *   assert.equal(conn.localAddr.port, server.addr.port);
 *   await tcp.close(conn);
 *   break;
 * }
 * await tcp.close(client);
 * ```
 */
export class StreamServer<A extends Deno.Addr = Deno.Addr>
  implements AsyncDisposable, AsyncIterable<StreamSocket<A>> {
  readonly #state: ServerState;

  /**
   * Adopts a `Deno.Listener`. Use `listen` rather than this.
   *
   * @param listener The listener; the server owns it from now on.
   * @param onClose Called once the listener is closed (unix.ts removes its socket file).
   */
  constructor(
    listener: Deno.Listener<Deno.Conn<A>, A>,
    onClose?: () => void | Promise<void>,
  ) {
    this.#state = {
      listener: listener as unknown as Deno.Listener,
      addr: listener.addr,
      pending: null,
      accepting: false,
      timeout: null,
      closing: null,
      onClose,
    };
  }

  static {
    serverOf = (server) => server.#state;
  }

  /** The address the server listens on (with the real port when 0 was asked). */
  get addr(): A {
    return this.#state.addr as A;
  }

  /** The underlying Deno listener. */
  get listener(): Deno.Listener<Deno.Conn<A>, A> {
    return this.#state.listener as unknown as Deno.Listener<Deno.Conn<A>, A>;
  }

  /** The default accept timeout in milliseconds, or `null`. */
  get timeout(): number | null {
    return this.#state.timeout;
  }

  /** Whether {@linkcode close} was called. */
  get closed(): boolean {
    return this.#state.closing !== null;
  }

  /** Accepts connections until the server is closed. */
  async *[Symbol.asyncIterator](): AsyncIterator<StreamSocket<A>> {
    while (this.#state.closing === null) {
      try {
        yield await accept(this, { timeout: null });
      } catch (err) {
        if (this.#state.closing !== null) return;
        throw err;
      }
    }
  }

  /** Closes the server; same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return closeServer(this.#state);
  }
}

/** Options for {@linkcode accept}. */
export interface AcceptOptions extends IoOptions {}

/**
 * Waits for the next connection.
 *
 * An accept that times out or is aborted stays in flight, owned by the
 * server, and the next call gets the connection it brings.
 *
 * Requires `allow-net` permission.
 *
 * @param server The listening server.
 * @param options Timeout and abort signal.
 * @returns The connected socket.
 * @throws {Deno.errors.TimedOut} If no connection arrives in time.
 * @throws {Deno.errors.BadResource} If the server is closed.
 *
 * @example Accept one connection
 * ```ts
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server, { timeout: 5_000 });
 * await using client = await tcp.connect(server.addr);
 * await using conn = await accepted;
 * assert.equal(conn.remoteAddr.port, client.localAddr.port);
 * ```
 *
 * @tags allow-net
 */
export async function accept<A extends Deno.Addr>(
  server: StreamServer<A>,
  options: AcceptOptions = {},
): Promise<StreamSocket<A>> {
  if (!(server instanceof StreamServer)) {
    throw new TypeError(
      `Cannot accept as server must be a StreamServer from listen: current value is ${
        show(server)
      }`,
    );
  }
  const s = serverOf(server);
  const where = () => `accept on ${formatAddr(s.addr)}`;
  checkOptions(options, where);
  if (s.closing !== null) throw closedError(where());
  if (s.accepting) {
    throw new Deno.errors.Busy(
      `Cannot ${where()}: another accept is in progress`,
    );
  }
  const deadline = deadlineFor(options, s.timeout, where);
  s.accepting = true;
  try {
    for (;;) {
      const pending = s.pending ??= s.listener.accept();
      try {
        const conn = deadline === null
          ? await pending
          : await deadline.race(pending);
        s.pending = null;
        if (s.closing !== null) {
          // The connection came as the server closed; closeServer closes it.
          throw closedError(where());
        }
        return new StreamSocket(conn as Deno.Conn<A>);
      } catch (err) {
        if (
          deadline !== null && deadline.caused(err) && s.pending === pending
        ) {
          pending.catch(noop);
          throw err;
        }
        s.pending = null;
        if (s.closing !== null) throw closedError(where());
        // A connection that died before it was accepted is its peer's
        // problem, not the listener's: take the next one.
        if (diedBeforeAccept(err)) continue;
        throw ioError(where(), err);
      }
    }
  } finally {
    s.accepting = false;
    deadline?.dispose();
  }
}

/**
 * Whether an accept failed for that one connection only: its peer reset
 * or aborted it before it was accepted (Deno then fails to read its
 * address: `NotConnected`), as Go's runtime skips `ECONNABORTED`, plus the
 * network errors Linux's accept(2) says to treat as a retry.
 */
function diedBeforeAccept(err: unknown): boolean {
  if (
    err instanceof Deno.errors.NotConnected ||
    err instanceof Deno.errors.ConnectionAborted ||
    err instanceof Deno.errors.ConnectionReset
  ) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && PER_CONNECTION_ACCEPT_CODES.has(code);
}

const PER_CONNECTION_ACCEPT_CODES = new Set([
  "ECONNABORTED",
  "ECONNRESET",
  "ENOTCONN",
  "EPROTO",
  "ENETDOWN",
  "ENETUNREACH",
  "EHOSTDOWN",
  "EHOSTUNREACH",
  "ENONET",
]);

function closeServer(s: ServerState): Promise<void> {
  if (s.closing !== null) return s.closing;
  try {
    s.listener.close();
  } catch {
    // Already closed.
  }
  const pending = s.pending;
  s.closing = (async () => {
    if (pending !== null) {
      // A connection that arrived as we closed is closed too.
      await pending.then((conn) => {
        try {
          conn.close();
        } catch {
          // Already closed.
        }
      }, noop);
    }
    await s.onClose?.();
  })();
  return s.closing;
}

/**
 * Closes a socket or a server. Idempotent: later calls resolve as the
 * first. Resolves once the read, write or accept in flight has settled, so
 * a closed server's port can be bound again at once.
 *
 * @param sock The socket or server.
 *
 * @example Close explicitly
 * ```ts
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * const server = tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const port = server.addr.port;
 * const accepting = tcp.accept(server).catch((err) => err);
 * await tcp.close(server);
 * assert.ok(await accepting instanceof Deno.errors.BadResource);
 * await using again = tcp.listen({ hostname: "127.0.0.1", port });
 * assert.equal(again.addr.port, port);
 * ```
 */
export function close(sock: StreamSocket | StreamServer): Promise<void> {
  if (sock instanceof StreamServer) return closeServer(serverOf(sock));
  try {
    return core(sock, "close").close();
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Returns the internal state of a socket, for sibling modules (tcp.ts options). */
export function connOf(sock: StreamSocket, action: string): Deno.Conn {
  const c = core(sock, action);
  if (c.closing !== null) throw closedError(`${action} on ${c.peer()}`);
  return c.conn;
}

/**
 * A view of the bytes buffered and not yet received, valid until the next
 * operation on the socket; empty when the socket cannot be read now. With
 * {@linkcode consumeBuffered} it lets sibling modules (framing.ts) parse
 * what is already buffered without a promise or a copy.
 */
export function peekBuffered(sock: StreamSocket): Uint8Array {
  const c = core(sock, "peekBuffered");
  if (c.reading || c.closing !== null || c.broken !== null) return EMPTY;
  return c.buf.subarray(c.start, c.end);
}

/** Drops the first `n` bytes seen with {@linkcode peekBuffered}. */
export function consumeBuffered(sock: StreamSocket, n: number): void {
  const c = core(sock, "consumeBuffered");
  c.start = Math.min(c.start + n, c.end);
}
