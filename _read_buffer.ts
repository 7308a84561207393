// Copyright 2026 the socketkit authors. MIT license.
// The read buffer of a stream socket and of the framing decoders: pure
// bytes, no I/O. Internal.

import { Buffer } from "node:buffer";
import { indexOfBytes } from "./_bytes.ts";

const EMPTY = new Uint8Array(0);
const NO_TEXT = Buffer.alloc(0);
const MIN_CHUNK = 256;
const MAX_CHUNK = 65_536;
/** The least array append() makes anew (a queue of replies, a decoder's input). */
const APPEND_BYTES = 512;
/** A take() of every buffered byte, this large or more, hands the array over instead of copying. */
const HANDOVER_BYTES = 4_096;
/** Text up to this many bytes is decoded through a Buffer view (see text()). */
const SHORT_TEXT = 256;
/** ASCII text up to this many bytes is built char by char (see tinyAscii). */
const TINY_TEXT = 8;
const decoder = new TextDecoder();

/**
 * `buf[a, b)` as a string when every byte is ASCII, else null. For the
 * short lines of line protocols (`*3`, `$5`, `+OK`) this is faster than
 * a call into any decoder (bench/buffer_cases.ts, "short lines").
 */
function tinyAscii(buf: Uint8Array, a: number, b: number): string | null {
  let out = "";
  for (let i = a; i < b; i++) {
    const c = buf[i]!;
    if (c > 0x7f) return null;
    out += String.fromCharCode(c);
  }
  return out;
}

/** Copies of at most this many bytes are carved out of a shared slab (see pooledCopy). */
const POOLED_BYTES = 1_024;
const SLAB_BYTES = 16_384;
let slab: Uint8Array = EMPTY;
let slabUsed = 0;

/**
 * A copy of `src[from, from + n)` as a view into a shared 16 KiB slab, as
 * Node's `Buffer` pool does: allocating a small typed array costs far more
 * than copying into one made already (bench/buffer_cases.ts: 14× as many
 * 100-byte messages per second), and a server takes many small messages.
 * The view is the caller's to keep and change; its `buffer` holds other
 * messages too, so code that reads `.buffer` must use `byteOffset`. Views
 * start at multiples of 8, for DataView and typed-array views.
 */
function pooledCopy(src: Uint8Array, from: number, n: number): Uint8Array {
  const out = alloc(n);
  out.set(src.subarray(from, from + n));
  return out;
}

/**
 * A new zero-filled array of `n` bytes: for up to 1 KiB a view into the
 * shared slab (see pooledCopy), else an array of its own. For framing's
 * encoders, which build many small frames.
 */
export function alloc(n: number): Uint8Array {
  if (n > POOLED_BYTES) return new Uint8Array(n);
  if (slabUsed + n > slab.length) {
    slab = new Uint8Array(SLAB_BYTES);
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + n);
  slabUsed = (slabUsed + n + 7) & ~7;
  return out;
}

/**
 * Bytes received and not yet consumed: `buf[start, end)`. Reads go into
 * the free tail ({@linkcode ReadBuffer.reserve} then
 * {@linkcode ReadBuffer.commit}); decoders look at the buffered bytes and
 * consume them from the front.
 *
 * ```ts
 * import { ReadBuffer } from "./_read_buffer.ts";
 * import assert from "node:assert/strict";
 *
 * const rb = new ReadBuffer();
 * rb.append(new TextEncoder().encode("one\ntwo"));
 * const nl = rb.indexOf(new Uint8Array([0x0a]), 0);
 * assert.equal(rb.text(0, nl), "one");
 * rb.skip(nl + 1);
 * assert.equal(rb.size, 3);
 * ```
 */
export class ReadBuffer {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;
  /** Whether a read into the free tail is in flight: the array must stay put. */
  reading = false;
  /** How much the next read asks for: doubles when reads fill it, halves when they bring little. */
  chunk = MIN_CHUNK;
  // A Buffer view of `buf`, made once per array, for text().
  #text: Buffer = NO_TEXT;
  #textOf: Uint8Array = EMPTY;
  #filledView: Uint8Array = EMPTY;
  #filledOf: Uint8Array = EMPTY;

  /** The length of the array behind the buffer. */
  get capacity(): number {
    return this.buf.length;
  }

  /** Forgets the buffered bytes but keeps the array, for reuse. */
  clear(): void {
    this.start = 0;
    this.end = 0;
  }

  /** The number of buffered bytes. */
  get size(): number {
    return this.end - this.start;
  }

  /** The buffered byte at `i` (relative to the first buffered byte). */
  at(i: number): number {
    return this.buf[this.start + i]!;
  }

  /**
   * Returns the free tail to read into, with room for `want` bytes past
   * those buffered (at least one chunk), moving or growing the array as
   * needed. Nothing may change the buffer until the read is committed.
   */
  reserve(want: number): Uint8Array {
    this.#room(want > this.chunk ? want : this.chunk, this.chunk);
    // The whole array when empty: no view for an idle connection to hold.
    return this.end === 0 ? this.buf : this.buf.subarray(this.end);
  }

  /**
   * Makes room for `need` bytes after those buffered: moves them to the
   * front when that frees enough, else grows the array (at least doubling,
   * and to `least` bytes at the least when it is made anew).
   */
  #room(need: number, least: number): void {
    const buffered = this.end - this.start;
    if (buffered === 0) {
      this.start = 0;
      this.end = 0;
      const size = need > least ? need : least;
      if (this.buf.length < need || this.buf.length > 4 * size) {
        this.buf = new Uint8Array(size);
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
  }

  /**
   * Adds the `n` bytes a read brought into `target` (from
   * {@linkcode ReadBuffer.reserve}), and adapts the next read's size.
   */
  commit(target: Uint8Array, n: number): void {
    if (
      target.buffer === this.buf.buffer &&
      target.byteOffset === this.buf.byteOffset + this.end
    ) {
      this.end += n;
    } else if (this.end === this.start) {
      // Not our tail (the array was dropped by close or handed over since,
      // or the read went straight into an array of its own): nothing is
      // buffered, so adopt the read's bytes.
      this.buf = target;
      this.start = 0;
      this.end = n;
    } else {
      this.append(target.subarray(0, n));
    }
    const size = target.length;
    if (n === size && this.chunk < MAX_CHUNK && size >= this.chunk) {
      this.chunk *= 2;
    } else if (n < this.chunk >> 3 && this.chunk > MIN_CHUNK) {
      this.chunk >>= 1;
    }
  }

  /** Appends a copy of `chunk`. */
  append(chunk: Uint8Array): void {
    // Room for this chunk only (not a whole read's worth): a queue of
    // small replies grows by doubling, not by a chunk per reply.
    this.#room(chunk.length, APPEND_BYTES);
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  /**
   * Removes and returns the first `n` buffered bytes as an array the caller
   * owns. Taking every buffered byte of a large read hands the array over
   * rather than copying it, unless a read is in flight into it.
   */
  take(n: number): Uint8Array {
    const s = this.start;
    if (s === 0 && n === this.end && n >= HANDOVER_BYTES && !this.reading) {
      const buf = this.buf;
      this.drop();
      // A view when it fills most of the array, else a copy so that a few
      // bytes do not pin a large array.
      return n === buf.length
        ? buf
        : n >= buf.length >> 1
        ? buf.subarray(0, n)
        : buf.slice(0, n);
    }
    this.start = s + n;
    return n <= POOLED_BYTES
      ? pooledCopy(this.buf, s, n)
      : this.buf.slice(s, s + n);
  }

  /** Moves up to `target.length` buffered bytes into `target`; returns how many. */
  copyOut(target: Uint8Array): number {
    const n = Math.min(target.length, this.end - this.start);
    target.set(this.buf.subarray(this.start, this.start + n));
    this.start += n;
    return n;
  }

  /** Drops the first `n` buffered bytes. */
  skip(n: number): void {
    this.start += n;
  }

  /**
   * The offset (from the first buffered byte) of `delim` in the buffered
   * bytes, searching from offset `from` and no further than offset `to`
   * (the whole buffer by default); -1 if absent.
   */
  indexOf(delim: Uint8Array, from: number, to?: number): number {
    const stop = to === undefined
      ? this.end
      : Math.min(this.end, this.start + to);
    if (delim.length === 1) {
      // One byte (a newline): the native search over a view of the filled
      // part, kept across calls since many lines come between two reads.
      const found = this.#filled().indexOf(delim[0]!, this.start + from);
      return found < 0 || found >= stop ? -1 : found - this.start;
    }
    const found = indexOfBytes(this.buf, delim, this.start + from, stop);
    return found < 0 ? -1 : found - this.start;
  }

  /** `buf[0, end)`, made again only when the array or its end changed. */
  #filled(): Uint8Array {
    const view = this.#filledView;
    if (this.#filledOf === this.buf && view.length === this.end) return view;
    this.#filledOf = this.buf;
    return this.#filledView = this.buf.subarray(0, this.end);
  }

  /** A view of the buffered bytes `[from, to)`, valid until the buffer changes. */
  view(from: number, to: number): Uint8Array {
    return this.buf.subarray(this.start + from, this.start + to);
  }

  /**
   * Decodes the buffered bytes `[from, to)` as UTF-8, exactly as
   * `TextDecoder` does. Short text goes through a Node `Buffer` view, about
   * twice as fast (no view per call); from about 384 bytes on that is
   * slower, so long text goes to `TextDecoder`. A Buffer keeps a leading
   * byte order mark where TextDecoder drops it, so that case goes there too.
   */
  text(from: number, to: number): string {
    const buf = this.buf;
    const a = this.start + from;
    const b = this.start + to;
    if (b - a <= TINY_TEXT) {
      const ascii = tinyAscii(buf, a, b);
      if (ascii !== null) return ascii;
    }
    if (b - a > SHORT_TEXT || buf[a] === 0xef) {
      return decoder.decode(buf.subarray(a, b));
    }
    if (this.#textOf !== buf) {
      this.#textOf = buf;
      this.#text = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
    }
    return this.#text.toString("utf8", a, b);
  }

  /** Forgets every buffered byte and the array (after close, or a handover). */
  drop(): void {
    this.buf = EMPTY;
    this.start = 0;
    this.end = 0;
    this.#textOf = EMPTY;
    this.#text = NO_TEXT;
    this.#filledOf = this.#filledView = EMPTY;
  }

  /** Frees a large array once everything in it is consumed (for long-lived decoders). */
  settle(): void {
    if (this.start === this.end) {
      this.start = 0;
      this.end = 0;
      if (this.buf.length > MAX_CHUNK) this.drop();
    }
  }
}
