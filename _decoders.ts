// Copyright 2026 the socketkit authors. MIT license.
// Pure decoders: bytes in, one message or "need more" out. The stream
// socket's receive loop runs them on its read buffer, and framing.ts's
// decoders and TransformStreams run the same ones on theirs. Internal.

import type { ReadBuffer } from "./_read_buffer.ts";

/** What {@linkcode Decoder.decode} returns when it needs more bytes. */
export const MORE: unique symbol = Symbol("more");

/** The most bytes one message may have: 4 GiB, whatever the limits say. */
export const MAX_MESSAGE_BYTES = 2 ** 32;

/**
 * Takes one message from the front of a {@linkcode ReadBuffer}.
 *
 * Errors are thrown with the reason only (`the line exceeds ...`); the
 * runner adds the operation and the address. Any error but
 * `Deno.errors.UnexpectedEof` means the rest of the stream cannot be
 * parsed any more.
 */
export interface Decoder<T> {
  /** The operation, for messages: `recvLine`. */
  readonly op: string;
  /**
   * Returns one message and consumes its bytes, or {@linkcode MORE}
   * (consuming nothing) when the buffered bytes do not hold one yet. At end
   * of stream (`eof`) it never returns MORE: the last message, `null` for a
   * clean end, or an error.
   */
  decode(rb: ReadBuffer, eof: boolean): T | typeof MORE;
  /** The fewest bytes past those buffered that can complete the message (0: unknown). */
  want(rb: ReadBuffer): number;
}

/** Up to `max` bytes, as soon as any are buffered: `recv`. */
export class BytesDecoder implements Decoder<Uint8Array | null> {
  readonly op = "recv";
  max: number;

  constructor(max: number) {
    this.max = max;
  }

  decode(rb: ReadBuffer, eof: boolean): Uint8Array | null | typeof MORE {
    const size = rb.size;
    if (size > 0) return rb.take(size < this.max ? size : this.max);
    return eof ? null : MORE;
  }

  want(): number {
    return 0;
  }
}

/** Exactly `n` bytes: `recvExact`. */
export class ExactDecoder implements Decoder<Uint8Array> {
  readonly op = "recvExact";
  n: number;

  constructor(n: number) {
    this.n = n;
  }

  decode(rb: ReadBuffer, eof: boolean): Uint8Array | typeof MORE {
    if (rb.size >= this.n) return rb.take(this.n);
    if (!eof) return MORE;
    throw new Deno.errors.UnexpectedEof(
      `the stream ended after ${rb.size} of ${this.n} bytes`,
    );
  }

  want(rb: ReadBuffer): number {
    return this.n - rb.size;
  }
}

function overLimit(what: string, maxBytes: number): Error {
  return new Deno.errors.InvalidData(
    `the ${what} exceeds the limit of ${maxBytes} bytes (raise maxBytes to accept more)`,
  );
}

/** The bytes before `delim`, at most `maxBytes` of them: `recvUntil`, `recvDelimited`. */
export class UntilDecoder implements Decoder<Uint8Array | null> {
  readonly op: string;
  readonly delim: Uint8Array;
  readonly maxBytes: number;
  /** Buffered bytes known not to start the delimiter. */
  #scanned = 0;

  constructor(delim: Uint8Array, maxBytes: number, op = "recvUntil") {
    this.delim = delim;
    this.maxBytes = maxBytes;
    this.op = op;
  }

  decode(rb: ReadBuffer, eof: boolean): Uint8Array | null | typeof MORE {
    const { delim, maxBytes } = this;
    const found = rb.indexOf(delim, this.#scanned, maxBytes + delim.length);
    if (found >= 0) {
      this.#scanned = 0;
      const out = rb.take(found);
      rb.skip(delim.length);
      return out;
    }
    const size = rb.size;
    if (size - delim.length + 1 > maxBytes) {
      throw new Deno.errors.InvalidData(
        `no delimiter within the limit of ${maxBytes} bytes (raise maxBytes to accept more)`,
      );
    }
    if (eof) {
      if (size === 0) return null;
      throw new Deno.errors.UnexpectedEof(
        `the stream ended after ${size} bytes without the delimiter`,
      );
    }
    this.#scanned = Math.max(0, size - delim.length + 1);
    return MORE;
  }

  want(): number {
    return 0;
  }
}

const LF = new Uint8Array([0x0a]);
const CR = 0x0d;

/**
 * One line, without its `\n` or `\r\n`, decoded as UTF-8, at most
 * `maxBytes` long: `recvLine`. A last line without a newline is returned
 * at end of stream.
 */
export class LineDecoder implements Decoder<string | null> {
  readonly op = "recvLine";
  maxBytes = 0;
  #scanned = 0;

  /** Starts a new line with this limit (one decoder serves many calls). */
  reset(maxBytes: number): this {
    this.maxBytes = maxBytes;
    this.#scanned = 0;
    return this;
  }

  decode(rb: ReadBuffer, eof: boolean): string | null | typeof MORE {
    const maxBytes = this.maxBytes;
    // A line may take maxBytes, a "\r" and the "\n".
    const nl = rb.indexOf(LF, this.#scanned, maxBytes + 2);
    if (nl >= 0) {
      const stop = nl > 0 && rb.at(nl - 1) === CR ? nl - 1 : nl;
      if (stop > maxBytes) throw overLimit("line", maxBytes);
      this.#scanned = 0;
      const line = rb.text(0, stop);
      rb.skip(nl + 1);
      return line;
    }
    const size = rb.size;
    // A line that fills its limit and one byte more with something other
    // than "\r" is too long already: fail now, not at the newline.
    if (
      size > maxBytes + 1 ||
      (size === maxBytes + 1 && rb.at(size - 1) !== CR)
    ) throw overLimit("line", maxBytes);
    if (eof) {
      if (size === 0) return null;
      if (size > maxBytes) throw overLimit("line", maxBytes);
      this.#scanned = 0;
      const line = rb.text(0, size);
      rb.skip(size);
      return line;
    }
    this.#scanned = size;
    return MORE;
  }

  want(): number {
    return 0;
  }
}

/** A validated frame header: kind, size in bytes, byte order. */
export interface HeaderSpec {
  readonly text: boolean;
  readonly size: number;
  readonly little: boolean;
  /** The largest length the header can hold. */
  readonly capacity: number;
}

const TEXT_HEADER_REGEXP = /^ *(\d+) *$/;

function tooLarge(announced: string, maxBytes: number): Error {
  return new Deno.errors.InvalidData(
    maxBytes >= MAX_MESSAGE_BYTES
      ? `the frame header announces ${announced} bytes, more than one frame may hold (${MAX_MESSAGE_BYTES} bytes)`
      : `the frame header announces ${announced} bytes, over the limit of ${maxBytes} bytes (raise maxBytes to accept more)`,
  );
}

/** JSON-quotes `text` for a message, cut to 40 characters. */
function quoted(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text);
}

/**
 * Reads the payload length from the header at `buf[at, at + spec.size)`.
 *
 * @throws {Deno.errors.InvalidData} If the header is malformed or the
 * length is over `maxBytes` (or over {@linkcode MAX_MESSAGE_BYTES}).
 */
export function readHeader(
  spec: HeaderSpec,
  buf: Uint8Array,
  at: number,
  maxBytes: number,
): number {
  const max = maxBytes < MAX_MESSAGE_BYTES ? maxBytes : MAX_MESSAGE_BYTES;
  let length: number;
  if (spec.text) {
    const text = String.fromCharCode(...buf.subarray(at, at + spec.size));
    const match = TEXT_HEADER_REGEXP.exec(text);
    if (match === null) {
      // Show the header without its space padding, but as it is otherwise.
      throw new Deno.errors.InvalidData(
        `the frame header is not a decimal length: ${
          quoted(text.replace(/^ +| +$/g, ""))
        }`,
      );
    }
    const digits = match[1]!.replace(/^0+(?=\d)/, "");
    if (digits.length > 16) throw tooLarge(digits, maxBytes);
    length = Number(digits);
  } else {
    switch (spec.size) {
      case 1:
        length = buf[at]!;
        break;
      case 2:
        length = spec.little
          ? buf[at]! | (buf[at + 1]! << 8)
          : (buf[at]! << 8) | buf[at + 1]!;
        break;
      case 4:
        length = spec.little
          ? (buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16)) +
            buf[at + 3]! * 0x100_0000
          : buf[at]! * 0x100_0000 +
            ((buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!);
        break;
      default: {
        const big = new DataView(buf.buffer, buf.byteOffset + at, 8)
          .getBigUint64(0, spec.little);
        if (big > BigInt(max)) throw tooLarge(String(big), maxBytes);
        length = Number(big);
      }
    }
  }
  if (length > max) throw tooLarge(String(length), maxBytes);
  return length;
}

/**
 * One length-prefixed frame's payload: `recvFrame`. It keeps no state
 * between calls (the header is read again until the whole frame is in), so
 * one decoder serves every socket.
 */
export class FrameDecoder implements Decoder<Uint8Array | null> {
  readonly op = "recvFrame";
  readonly spec: HeaderSpec;
  readonly maxBytes: number;

  constructor(spec: HeaderSpec, maxBytes: number) {
    this.spec = spec;
    this.maxBytes = maxBytes;
  }

  decode(rb: ReadBuffer, eof: boolean): Uint8Array | null | typeof MORE {
    const size = this.spec.size;
    const buffered = rb.size;
    if (buffered < size) {
      if (!eof) return MORE;
      if (buffered === 0) return null;
      throw new Deno.errors.UnexpectedEof(
        `the stream ended inside a frame header, after ${buffered} of ${size} bytes`,
      );
    }
    const length = readHeader(this.spec, rb.buf, rb.start, this.maxBytes);
    const total = size + length;
    if (buffered < total) {
      if (!eof) return MORE;
      throw new Deno.errors.UnexpectedEof(
        `the stream ended inside a frame of ${length} bytes, after ${
          buffered - size
        } of them`,
      );
    }
    rb.skip(size);
    return length === 0 ? new Uint8Array(0) : rb.take(length);
  }

  want(rb: ReadBuffer): number {
    const size = this.spec.size;
    if (rb.size < size) return size - rb.size;
    return size + readHeader(this.spec, rb.buf, rb.start, this.maxBytes) -
      rb.size;
  }
}
