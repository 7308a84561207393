// Copyright 2026 the socketkit authors. MIT license.

/**
 * Messages over a byte stream. TCP delivers bytes, not messages: one
 * `send` may arrive in several reads and several in one. This module puts
 * the boundaries back, two ways:
 *
 * - **Length-prefixed frames**: {@linkcode sendFrame} / {@linkcode recvFrame}.
 *   The header is an unsigned binary length of 1, 2, 4 or 8 bytes, big- or
 *   little-endian (default: 4 bytes big-endian, as tokio's
 *   `LengthDelimitedCodec`), or the Python tutorials' fixed-width text
 *   header: the length in decimal ASCII digits padded with spaces to 64
 *   bytes, `{ header: { kind: "text", width: 64 } }`.
 * - **Delimited messages**: {@linkcode sendDelimited} /
 *   {@linkcode recvDelimited}, ending at any byte sequence (`"\n"` by
 *   default).
 *
 * Both are bounded: a frame over `maxBytes` (8 MiB by default) is refused
 * from its header, before its payload is read or allocated, and a message
 * with no delimiter within `maxBytes` (64 KiB by default) is refused too,
 * with `Deno.errors.InvalidData`.
 *
 * The byte work is pure and needs no socket: {@linkcode encodeFrame},
 * {@linkcode decodeFrame}, {@linkcode FrameDecoder}, {@linkcode encodeDelimited},
 * {@linkcode decodeDelimited}, {@linkcode DelimitedDecoder}, and web stream
 * transforms over them ({@linkcode FrameDecoderStream} and friends). The
 * socket functions work on any stream socket — TCP, Unix or TLS — through
 * the stream functions of `@socketkit/socket/tcp`.
 *
 * @example Frames over TCP
 * ```ts
 * import { recvFrame, sendFrame, tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * await using client = await tcp.connect(server.addr);
 * await using conn = await accepted;
 *
 * await sendFrame(client, "hello");
 * await sendFrame(client, new Uint8Array([1, 2, 3]));
 * await tcp.shutdown(client);
 * assert.equal(new TextDecoder().decode((await recvFrame(conn))!), "hello");
 * assert.deepEqual(await recvFrame(conn), new Uint8Array([1, 2, 3]));
 * assert.equal(await recvFrame(conn), null);
 * ```
 *
 * @module
 */

import { show } from "./_errors.ts";
import {
  checkSock,
  type Data,
  type IoOptions,
  messagesOf,
  receive,
  sendAll,
  type StreamSocket,
} from "./_stream.ts";
import { indexOfBytes } from "./_bytes.ts";
import {
  type Decoder,
  FrameDecoder as FrameDecoding,
  type HeaderSpec,
  MORE,
  readHeader,
  UntilDecoder,
} from "./_decoders.ts";
import { alloc, ReadBuffer } from "./_read_buffer.ts";
import { toBytes } from "./_validate.ts";

export type { Data, IoOptions, StreamSocket } from "./_stream.ts";

/** The default limit of a frame's payload: 8 MiB, as tokio's codec. */
export const DEFAULT_MAX_FRAME_BYTES = 8_388_608;
/** The default limit of a delimited message: 64 KiB, as asyncio's streams. */
export const DEFAULT_MAX_MESSAGE_BYTES = 65_536;

/**
 * A binary length prefix: an unsigned integer of 1, 2, 4 or 8 bytes.
 *
 * @example A 2-byte little-endian prefix
 * ```ts
 * import { encodeFrame } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * const frame = encodeFrame("hi", { header: { kind: "binary", bytes: 2, littleEndian: true } });
 * assert.deepEqual(frame, new Uint8Array([2, 0, 0x68, 0x69]));
 * ```
 */
export interface BinaryHeader {
  /** Selects the binary header. */
  kind: "binary";
  /**
   * The size of the prefix in bytes. The payload length must fit in it
   * (255 bytes at most with 1, 65,535 with 2).
   *
   * @default {4}
   */
  bytes?: 1 | 2 | 4 | 8;
  /**
   * Whether the prefix is little-endian. Network order (big-endian) is the
   * default.
   *
   * @default {false}
   */
  littleEndian?: boolean;
}

/**
 * The Python tutorials' text header: the payload length in decimal ASCII
 * digits, padded with spaces to `width` bytes (`"12"` and 62 spaces for a
 * 12-byte payload with the tutorial's width of 64). When decoding, spaces
 * are allowed on either side of the digits; anything else is
 * `Deno.errors.InvalidData`.
 *
 * @example The tutorial's 64-byte header
 * ```ts
 * import { encodeFrame } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * const frame = encodeFrame("Hello World!", { header: { kind: "text", width: 64 } });
 * assert.equal(new TextDecoder().decode(frame), "12".padEnd(64) + "Hello World!");
 * ```
 */
export interface TextHeader {
  /** Selects the text header. */
  kind: "text";
  /**
   * The width of the header in bytes, from 1 to 1024.
   *
   * @default {64}
   */
  width?: number;
}

/** The header that precedes each frame: binary or text. */
export type FrameHeader = BinaryHeader | TextHeader;

/** Options shared by every frame function. */
export interface FrameOptions {
  /**
   * The header format.
   *
   * @default {{ kind: "binary", bytes: 4, littleEndian: false }}
   */
  header?: FrameHeader;
  /**
   * The largest payload accepted, in bytes. A header announcing more is
   * `Deno.errors.InvalidData` before anything is read or allocated; sending
   * more is a `RangeError`. `Infinity` allows whatever the header can hold.
   *
   * @default {8388608}
   */
  maxBytes?: number;
}

/** Options shared by every delimited-message function. */
export interface DelimitedOptions {
  /**
   * The bytes that end each message (a string is UTF-8 encoded).
   *
   * @default {"\n"}
   */
  delimiter?: Data;
  /**
   * The longest message accepted, in bytes, not counting the delimiter.
   * More is `Deno.errors.InvalidData` on receipt and a `RangeError` on
   * sending.
   *
   * @default {65536}
   */
  maxBytes?: number;
}

// ---- internals ----

const MAX_TEXT_WIDTH = 1024;
const SPACE = 0x20;

type Spec = HeaderSpec;

/** A validated header and limit. */
interface Config {
  readonly spec: Spec;
  readonly maxBytes: number;
}

const DEFAULT_SPEC: Spec = {
  text: false,
  size: 4,
  little: false,
  capacity: 0xffff_ffff,
};
const DEFAULT_CONFIG: Config = {
  spec: DEFAULT_SPEC,
  maxBytes: DEFAULT_MAX_FRAME_BYTES,
};

/** The decoder of the default frames: it keeps no state, so it is shared. */
const DEFAULT_FRAME_DECODER = new FrameDecoding(
  DEFAULT_SPEC,
  DEFAULT_MAX_FRAME_BYTES,
);

function headerSpec(header: unknown, action: string): Spec {
  if (header === undefined) return DEFAULT_SPEC;
  if (header === null || typeof header !== "object") {
    throw new TypeError(
      `Cannot ${action} as header must be an object: current value is ${
        show(header)
      }`,
    );
  }
  const h = header as Partial<BinaryHeader> & Partial<TextHeader> & {
    kind?: unknown;
  };
  if (h.kind === "binary") {
    const size = h.bytes ?? 4;
    if (size !== 1 && size !== 2 && size !== 4 && size !== 8) {
      throw new RangeError(
        `Cannot ${action} as header.bytes must be 1, 2, 4 or 8: current value is ${
          show(size)
        }`,
      );
    }
    const little = h.littleEndian ?? false;
    if (typeof little !== "boolean") {
      throw new TypeError(
        `Cannot ${action} as header.littleEndian must be a boolean: current value is ${
          show(little)
        }`,
      );
    }
    if (size === 4 && !little) return DEFAULT_SPEC;
    return {
      text: false,
      size,
      little,
      capacity: size === 8 ? Number.MAX_SAFE_INTEGER : 2 ** (8 * size) - 1,
    };
  }
  if (h.kind === "text") {
    const width = h.width ?? 64;
    if (
      typeof width !== "number" || !Number.isInteger(width) || width < 1 ||
      width > MAX_TEXT_WIDTH
    ) {
      const Err = typeof width === "number" ? RangeError : TypeError;
      throw new Err(
        `Cannot ${action} as header.width must be an integer from 1 to ${MAX_TEXT_WIDTH}: current value is ${
          show(width)
        }`,
      );
    }
    return {
      text: true,
      size: width,
      little: false,
      capacity: width >= 16 ? Number.MAX_SAFE_INTEGER : 10 ** width - 1,
    };
  }
  throw new TypeError(
    `Cannot ${action} as header.kind must be "binary" or "text": current value is ${
      show(h.kind)
    }`,
  );
}

function checkMaxBytes(
  value: unknown,
  fallback: number,
  action: string,
): number {
  if (value === undefined) return fallback;
  if (value === Infinity) return Number.MAX_SAFE_INTEGER;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    const Err = typeof value === "number" ? RangeError : TypeError;
    throw new Err(
      `Cannot ${action} as maxBytes must be a non-negative integer or Infinity: current value is ${
        show(value)
      }`,
    );
  }
  return value;
}

function checkObject(options: unknown, action: string): void {
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `Cannot ${action} as options must be an object: current value is ${
        show(options)
      }`,
    );
  }
}

function frameConfig(options: FrameOptions, action: string): Config {
  checkObject(options, action);
  const { header, maxBytes } = options;
  if (header === undefined && maxBytes === undefined) return DEFAULT_CONFIG;
  return {
    spec: headerSpec(header, action),
    maxBytes: checkMaxBytes(maxBytes, DEFAULT_MAX_FRAME_BYTES, action),
  };
}

/** Writes the header for `length` at `out[0, spec.size)`. */
function writeHeader(spec: Spec, out: Uint8Array, length: number): void {
  if (spec.text) {
    const digits = String(length);
    for (let i = 0; i < digits.length; i++) out[i] = digits.charCodeAt(i);
    out.fill(SPACE, digits.length, spec.size);
    return;
  }
  switch (spec.size) {
    case 1:
      out[0] = length;
      return;
    case 2:
      new DataView(out.buffer, out.byteOffset, 2).setUint16(
        0,
        length,
        spec.little,
      );
      return;
    case 4:
      if (spec.little) {
        out[0] = length;
        out[1] = length >>> 8;
        out[2] = length >>> 16;
        out[3] = length >>> 24;
      } else {
        out[0] = length >>> 24;
        out[1] = length >>> 16;
        out[2] = length >>> 8;
        out[3] = length;
      }
      return;
    default:
      new DataView(out.buffer, out.byteOffset, 8).setBigUint64(
        0,
        BigInt(length),
        spec.little,
      );
  }
}

/** Header and payload in one new buffer. Throws `RangeError` if it cannot be encoded. */
function encodeWith(
  config: Config,
  bytes: Uint8Array,
  action: string,
): Uint8Array {
  const { spec, maxBytes } = config;
  const length = bytes.length;
  if (length > maxBytes) {
    throw new RangeError(
      `Cannot ${action} as the payload must be at most maxBytes (${maxBytes} bytes): current length is ${length}`,
    );
  }
  if (length > spec.capacity) {
    throw new RangeError(
      `Cannot ${action} as the payload must fit the ${
        spec.text ? `${spec.size}-character text` : `${spec.size}-byte`
      } header (${spec.capacity} bytes at most): current length is ${length}`,
    );
  }
  const out = alloc(spec.size + length);
  writeHeader(spec, out, length);
  out.set(bytes, spec.size);
  return out;
}

function delimiterOf(value: unknown, action: string): Uint8Array {
  if (value === undefined) return LF;
  const delim = toBytes(value, action, "delimiter");
  if (delim.length === 0) {
    throw new TypeError(
      `Cannot ${action} as delimiter must not be empty: current value is ${
        show(value)
      }`,
    );
  }
  return delim;
}

const LF = new Uint8Array([0x0a]);

function noDelimiter(action: string, maxBytes: number): Error {
  return new Deno.errors.InvalidData(
    `Cannot ${action}: no delimiter within the limit of ${maxBytes} bytes (raise maxBytes to accept more)`,
  );
}

/**
 * Runs `decoder` over `chunk` appended to `rb`: every whole message, then
 * the rest stays buffered. Errors get `action` as their prefix.
 */
function decodeAll<T>(
  decoder: Decoder<T | null>,
  rb: ReadBuffer,
  chunk: Uint8Array,
  action: string,
): T[] {
  rb.append(chunk);
  const out: T[] = [];
  try {
    for (;;) {
      const message = decoder.decode(rb, false);
      if (message === MORE || message === null) break;
      out.push(message);
    }
  } catch (err) {
    throw prefixed(action, err);
  } finally {
    rb.settle();
  }
  return out;
}

/** Ends a decoder's input: an error if bytes of an unfinished message are left. */
function decodeEnd<T>(
  decoder: Decoder<T | null>,
  rb: ReadBuffer,
  action: string,
): void {
  try {
    decoder.decode(rb, true);
  } catch (err) {
    throw prefixed(action, err);
  }
}

/** `err` (a decoder's reason) as the same class with `Cannot <action>: ` before it. */
function prefixed(action: string, err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const Err = err.constructor as ErrorConstructor;
  return new Err(`Cannot ${action}: ${err.message}`);
}

// ---- pure frames ----

/**
 * Encodes one frame: the header for `payload`'s length, then `payload`,
 * in one new buffer.
 *
 * @param payload The payload (a string is UTF-8 encoded).
 * @param options Header format and limit.
 * @returns The frame.
 * @throws {TypeError} If `payload` is not bytes or a string, or an option is malformed.
 * @throws {RangeError} If the payload is over `maxBytes` or does not fit the header.
 *
 * @example Encode with the default 4-byte big-endian header
 * ```ts
 * import { encodeFrame } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(encodeFrame("abc"), new Uint8Array([0, 0, 0, 3, 97, 98, 99]));
 * ```
 */
export function encodeFrame(
  payload: Data,
  options: FrameOptions = {},
): Uint8Array {
  const config = frameConfig(options, "encodeFrame");
  return encodeWith(
    config,
    toBytes(payload, "encodeFrame", "payload"),
    "encodeFrame",
  );
}

/** A frame found by {@linkcode decodeFrame}. */
export interface DecodedFrame {
  /** The payload: a view into the bytes given to {@linkcode decodeFrame}. */
  payload: Uint8Array;
  /** How many bytes the frame took, header included. */
  byteLength: number;
}

/**
 * Decodes the frame at the start of `bytes`.
 *
 * Resolves nothing and holds no state: returns the first frame and how
 * many bytes it took, or `null` when `bytes` holds only part of a frame.
 * The header is checked against `maxBytes` as soon as it is complete.
 *
 * @param bytes The bytes received so far.
 * @param options Header format and limit.
 * @returns The frame, or `null` if it is not complete yet.
 * @throws {Deno.errors.InvalidData} If the header is over `maxBytes`, or a text header is not a number.
 *
 * @example Decode frames one after the other
 * ```ts
 * import { decodeFrame, encodeFrame } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * const a = encodeFrame("one");
 * const b = encodeFrame("two");
 * const bytes = new Uint8Array([...a, ...b.subarray(0, 5)]);
 * const first = decodeFrame(bytes)!;
 * assert.equal(new TextDecoder().decode(first.payload), "one");
 * assert.equal(decodeFrame(bytes.subarray(first.byteLength)), null);
 * ```
 */
export function decodeFrame(
  bytes: Uint8Array,
  options: FrameOptions = {},
): DecodedFrame | null {
  const { spec, maxBytes } = frameConfig(options, "decodeFrame");
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(
      `Cannot decodeFrame as bytes must be a Uint8Array: current value is ${
        show(bytes)
      }`,
    );
  }
  if (bytes.length < spec.size) return null;
  let length: number;
  try {
    length = readHeader(spec, bytes, 0, maxBytes);
  } catch (err) {
    throw prefixed("decodeFrame", err);
  }
  const byteLength = spec.size + length;
  if (bytes.length < byteLength) return null;
  return { payload: bytes.subarray(spec.size, byteLength), byteLength };
}

/**
 * An incremental frame decoder for bytes that arrive in pieces: give it
 * each chunk as it comes, in order, and it returns the frames completed so
 * far. Once it has thrown, it is unusable and throws again.
 *
 * @example Chunks cut anywhere
 * ```ts
 * import { encodeFrame, FrameDecoder } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * const bytes = new Uint8Array([...encodeFrame("one"), ...encodeFrame("two")]);
 * const decoder = new FrameDecoder();
 * assert.deepEqual(decoder.push(bytes.subarray(0, 5)), []);
 * const frames = decoder.push(bytes.subarray(5));
 * assert.deepEqual(frames.map((f) => new TextDecoder().decode(f)), ["one", "two"]);
 * decoder.end();
 * ```
 */
export class FrameDecoder {
  readonly #decoder: FrameDecoding;
  readonly #rb = new ReadBuffer();
  #error: unknown = null;

  /**
   * Makes a decoder.
   *
   * @param options Header format and limit.
   */
  constructor(options: FrameOptions = {}) {
    const { spec, maxBytes } = frameConfig(options, "construct FrameDecoder");
    this.#decoder = new FrameDecoding(spec, maxBytes);
  }

  /** Bytes received and not yet returned as frames. */
  get buffered(): number {
    return this.#rb.size;
  }

  /**
   * Adds a chunk and returns the frames it completes, each a new
   * `Uint8Array`.
   *
   * @param chunk The next bytes of the stream.
   * @returns The completed payloads, in order (often none).
   * @throws {Deno.errors.InvalidData} If a header is over `maxBytes` or is not a number.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.#error !== null) throw this.#error;
    if (!(chunk instanceof Uint8Array)) {
      throw new TypeError(
        `Cannot push to FrameDecoder as chunk must be a Uint8Array: current value is ${
          show(chunk)
        }`,
      );
    }
    try {
      return decodeAll(this.#decoder, this.#rb, chunk, "decode frame");
    } catch (err) {
      this.#error = err;
      throw err;
    }
  }

  /**
   * Declares the end of the stream.
   *
   * @throws {Deno.errors.UnexpectedEof} If the stream ended inside a frame.
   */
  end(): void {
    if (this.#error !== null) throw this.#error;
    try {
      decodeEnd(this.#decoder, this.#rb, "decode frame");
    } catch (err) {
      this.#error = err;
      throw err;
    }
  }
}

// ---- pure delimited messages ----

/**
 * Encodes one delimited message: `message`, then the delimiter, in one new
 * buffer.
 *
 * @param message The message (a string is UTF-8 encoded).
 * @param options Delimiter and limit.
 * @returns The encoded message.
 * @throws {TypeError} If the message contains the delimiter.
 * @throws {RangeError} If the message is over `maxBytes`.
 *
 * @example A line
 * ```ts
 * import { encodeDelimited } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new TextDecoder().decode(encodeDelimited("hello")), "hello\n");
 * ```
 */
export function encodeDelimited(
  message: Data,
  options: DelimitedOptions = {},
): Uint8Array {
  checkObject(options, "encodeDelimited");
  const delim = delimiterOf(options.delimiter, "encodeDelimited");
  const maxBytes = checkMaxBytes(
    options.maxBytes,
    DEFAULT_MAX_MESSAGE_BYTES,
    "encodeDelimited",
  );
  return delimit(
    toBytes(message, "encodeDelimited", "message"),
    delim,
    maxBytes,
    "encodeDelimited",
  );
}

function delimit(
  bytes: Uint8Array,
  delim: Uint8Array,
  maxBytes: number,
  action: string,
): Uint8Array {
  if (bytes.length > maxBytes) {
    throw new RangeError(
      `Cannot ${action} as the message must be at most maxBytes (${maxBytes} bytes): current length is ${bytes.length}`,
    );
  }
  const out = alloc(bytes.length + delim.length);
  out.set(bytes);
  out.set(delim, bytes.length);
  // The first delimiter must be the one appended: the message may neither
  // contain it nor end with bytes that form one with it ("b" + "a" + "aa").
  if (indexOfBytes(out, delim, 0, out.length) !== bytes.length) {
    throw new TypeError(
      `Cannot ${action} as the message must not contain the delimiter: current value contains it, or ends with part of it`,
    );
  }
  return out;
}

/** A message found by {@linkcode decodeDelimited}. */
export interface DecodedMessage {
  /** The message without its delimiter: a view into the bytes given. */
  message: Uint8Array;
  /** How many bytes it took, delimiter included. */
  byteLength: number;
}

/**
 * Decodes the delimited message at the start of `bytes`.
 *
 * Holds no state: returns the first message and how many bytes it took, or
 * `null` when no delimiter has arrived yet.
 *
 * @param bytes The bytes received so far.
 * @param options Delimiter and limit.
 * @returns The message, or `null` if it is not complete yet.
 * @throws {Deno.errors.InvalidData} If more than `maxBytes` come before the delimiter.
 *
 * @example Split at CRLF
 * ```ts
 * import { decodeDelimited } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * const bytes = new TextEncoder().encode("EHLO\r\nQUIT");
 * const first = decodeDelimited(bytes, { delimiter: "\r\n" })!;
 * assert.equal(new TextDecoder().decode(first.message), "EHLO");
 * assert.equal(decodeDelimited(bytes.subarray(first.byteLength), { delimiter: "\r\n" }), null);
 * ```
 */
export function decodeDelimited(
  bytes: Uint8Array,
  options: DelimitedOptions = {},
): DecodedMessage | null {
  checkObject(options, "decodeDelimited");
  const delim = delimiterOf(options.delimiter, "decodeDelimited");
  const maxBytes = checkMaxBytes(
    options.maxBytes,
    DEFAULT_MAX_MESSAGE_BYTES,
    "decodeDelimited",
  );
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(
      `Cannot decodeDelimited as bytes must be a Uint8Array: current value is ${
        show(bytes)
      }`,
    );
  }
  const limit = Math.min(bytes.length, maxBytes + delim.length);
  const found = indexOfBytes(bytes, delim, 0, limit);
  if (found < 0) {
    if (bytes.length - delim.length + 1 > maxBytes) {
      throw noDelimiter("decodeDelimited", maxBytes);
    }
    return null;
  }
  return {
    message: bytes.subarray(0, found),
    byteLength: found + delim.length,
  };
}

/**
 * An incremental decoder of delimited messages for bytes that arrive in
 * pieces. Each byte is scanned once, so a delimiter split across chunks is
 * found. Once it has thrown, it is unusable and throws again.
 *
 * @example Lines split anywhere
 * ```ts
 * import { DelimitedDecoder } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * const decoder = new DelimitedDecoder({ delimiter: "\r\n" });
 * const bytes = new TextEncoder().encode("one\r\ntwo\r\n");
 * assert.deepEqual(decoder.push(bytes.subarray(0, 4)), []);
 * const lines = decoder.push(bytes.subarray(4));
 * assert.deepEqual(lines.map((l) => new TextDecoder().decode(l)), ["one", "two"]);
 * decoder.end();
 * ```
 */
export class DelimitedDecoder {
  readonly #decoder: UntilDecoder;
  readonly #rb = new ReadBuffer();
  #error: unknown = null;

  /**
   * Makes a decoder.
   *
   * @param options Delimiter and limit.
   */
  constructor(options: DelimitedOptions = {}) {
    const action = "construct DelimitedDecoder";
    checkObject(options, action);
    this.#decoder = new UntilDecoder(
      delimiterOf(options.delimiter, action),
      checkMaxBytes(options.maxBytes, DEFAULT_MAX_MESSAGE_BYTES, action),
      "decode message",
    );
  }

  /** Bytes received and not yet returned as messages. */
  get buffered(): number {
    return this.#rb.size;
  }

  /**
   * Adds a chunk and returns the messages it completes, each a new
   * `Uint8Array` without its delimiter.
   *
   * @param chunk The next bytes of the stream.
   * @returns The completed messages, in order (often none).
   * @throws {Deno.errors.InvalidData} If more than `maxBytes` come before a delimiter.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.#error !== null) throw this.#error;
    if (!(chunk instanceof Uint8Array)) {
      throw new TypeError(
        `Cannot push to DelimitedDecoder as chunk must be a Uint8Array: current value is ${
          show(chunk)
        }`,
      );
    }
    try {
      return decodeAll(this.#decoder, this.#rb, chunk, "decode message");
    } catch (err) {
      this.#error = err;
      throw err;
    }
  }

  /**
   * Declares the end of the stream.
   *
   * @throws {Deno.errors.UnexpectedEof} If bytes without a delimiter are left.
   */
  end(): void {
    if (this.#error !== null) throw this.#error;
    try {
      decodeEnd(this.#decoder, this.#rb, "decode message");
    } catch (err) {
      this.#error = err;
      throw err;
    }
  }
}

// ---- web streams ----

/**
 * A `TransformStream` that turns each chunk (bytes, or a string sent as
 * UTF-8) into one frame.
 *
 * @example Frame a stream of messages
 * ```ts
 * import { FrameDecoderStream, FrameEncoderStream } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * const payloads = await Array.fromAsync(
 *   ReadableStream.from(["one", "two"])
 *     .pipeThrough(new FrameEncoderStream())
 *     .pipeThrough(new FrameDecoderStream()),
 * );
 * assert.deepEqual(payloads.map((p) => new TextDecoder().decode(p)), ["one", "two"]);
 * ```
 */
export class FrameEncoderStream extends TransformStream<Data, Uint8Array> {
  /**
   * Makes the stream.
   *
   * @param options Header format and limit.
   */
  constructor(options: FrameOptions = {}) {
    const config = frameConfig(options, "construct FrameEncoderStream");
    super({
      transform(chunk, controller) {
        controller.enqueue(
          encodeWith(
            config,
            toBytes(chunk, "encode frame", "chunk"),
            "encode frame",
          ),
        );
      },
    });
  }
}

/**
 * A `TransformStream` from bytes, cut anywhere, to the payloads of the
 * frames they carry. The stream errors with `Deno.errors.InvalidData` on a
 * bad header and with `Deno.errors.UnexpectedEof` if it ends inside a frame.
 *
 * @example Decode the frames of a byte stream
 * ```ts
 * import { encodeFrame, FrameDecoderStream } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * const bytes = new Uint8Array([...encodeFrame("one"), ...encodeFrame("two")]);
 * const chunks = [bytes.subarray(0, 2), bytes.subarray(2, 9), bytes.subarray(9)];
 * const payloads = await Array.fromAsync(
 *   ReadableStream.from(chunks).pipeThrough(new FrameDecoderStream()),
 * );
 * assert.deepEqual(payloads.map((p) => new TextDecoder().decode(p)), ["one", "two"]);
 * ```
 */
export class FrameDecoderStream
  extends TransformStream<Uint8Array, Uint8Array> {
  /**
   * Makes the stream.
   *
   * @param options Header format and limit.
   */
  constructor(options: FrameOptions = {}) {
    const decoder = new FrameDecoder(options);
    super({
      transform(chunk, controller) {
        for (const payload of decoder.push(chunk)) controller.enqueue(payload);
      },
      flush() {
        decoder.end();
      },
    });
  }
}

/**
 * A `TransformStream` that ends each chunk (bytes, or a string sent as
 * UTF-8) with the delimiter.
 *
 * @example Lines out
 * ```ts
 * import { DelimitedEncoderStream } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * const text = await new Response(
 *   ReadableStream.from(["a", "b"]).pipeThrough(new DelimitedEncoderStream()),
 * ).text();
 * assert.equal(text, "a\nb\n");
 * ```
 */
export class DelimitedEncoderStream extends TransformStream<Data, Uint8Array> {
  /**
   * Makes the stream.
   *
   * @param options Delimiter and limit.
   */
  constructor(options: DelimitedOptions = {}) {
    const action = "construct DelimitedEncoderStream";
    checkObject(options, action);
    const delim = delimiterOf(options.delimiter, action);
    const maxBytes = checkMaxBytes(
      options.maxBytes,
      DEFAULT_MAX_MESSAGE_BYTES,
      action,
    );
    super({
      transform(chunk, controller) {
        controller.enqueue(
          delimit(
            toBytes(chunk, "encode message", "chunk"),
            delim,
            maxBytes,
            "encode message",
          ),
        );
      },
    });
  }
}

/**
 * A `TransformStream` from bytes, cut anywhere, to the messages between
 * delimiters (without them). The stream errors with
 * `Deno.errors.InvalidData` when a message exceeds `maxBytes` and with
 * `Deno.errors.UnexpectedEof` if bytes without a delimiter are left at
 * the end.
 *
 * @example Lines in
 * ```ts
 * import { DelimitedDecoderStream } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * const bytes = new TextEncoder().encode("one\ntwo\n");
 * const lines = await Array.fromAsync(
 *   ReadableStream.from([bytes.subarray(0, 5), bytes.subarray(5)])
 *     .pipeThrough(new DelimitedDecoderStream())
 *     .pipeThrough(new TextDecoderStream()),
 * );
 * assert.deepEqual(lines, ["one", "two"]);
 * ```
 */
export class DelimitedDecoderStream
  extends TransformStream<Uint8Array, Uint8Array> {
  /**
   * Makes the stream.
   *
   * @param options Delimiter and limit.
   */
  constructor(options: DelimitedOptions = {}) {
    const decoder = new DelimitedDecoder(options);
    super({
      transform(chunk, controller) {
        for (const message of decoder.push(chunk)) controller.enqueue(message);
      },
      flush() {
        decoder.end();
      },
    });
  }
}

// ---- over sockets ----

/** Options for {@linkcode sendFrame}. */
export interface SendFrameOptions extends FrameOptions, IoOptions {}

/**
 * Sends one frame: header and payload, written as one buffer.
 *
 * Concurrent sends on one socket are queued, so frames never interleave.
 *
 * Requires `allow-net` permission.
 *
 * @param sock The socket (TCP, Unix or TLS).
 * @param payload The payload (a string is UTF-8 encoded).
 * @param options Header format, limit, timeout and abort signal.
 * @throws {TypeError} If `payload` is not bytes or a string.
 * @throws {RangeError} If the payload is over `maxBytes` or does not fit the header.
 * @throws {Deno.errors.BrokenPipe} If the peer is gone.
 * @throws {Deno.errors.TimedOut} If the peer does not take the frame in time.
 *
 * @example The tutorial's 64-byte text header
 * ```ts
 * import { sendFrame, tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * await using client = await tcp.connect(server.addr);
 * await using conn = await accepted;
 * await sendFrame(client, "Hello World!", { header: { kind: "text", width: 64 } });
 * const bytes = await tcp.recvExact(conn, 76);
 * assert.equal(new TextDecoder().decode(bytes), "12".padEnd(64) + "Hello World!");
 * ```
 *
 * @tags allow-net
 */
export function sendFrame(
  sock: StreamSocket,
  payload: Data,
  options: SendFrameOptions = {},
): Promise<void> {
  try {
    checkSock(sock, "sendFrame");
    const config = frameConfig(options, "sendFrame");
    const frame = encodeWith(
      config,
      toBytes(payload, "sendFrame", "payload"),
      "sendFrame",
    );
    return sendAll(sock, frame, options);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Options for {@linkcode recvFrame}. */
export interface RecvFrameOptions extends FrameOptions, IoOptions {}

/**
 * Receives one frame.
 *
 * Resolves to the payload (a new `Uint8Array`), or `null` when the stream
 * ends cleanly between frames; rejects with `Deno.errors.UnexpectedEof` if
 * it ends inside one. The header is checked against `maxBytes` before the
 * payload is read, so a header announcing 4 GiB is refused at once.
 *
 * `timeout` bounds the whole frame. When it fires, nothing is lost: the
 * next call continues the same frame.
 *
 * After `Deno.errors.InvalidData` (a bad header, or a frame over the
 * limit) the position in the stream is lost, and later calls on the socket
 * reject with the same class.
 *
 * Requires `allow-net` permission.
 *
 * @param sock The socket (TCP, Unix or TLS).
 * @param options Header format, limit, timeout and abort signal.
 * @returns The payload, or `null` at a clean end of stream.
 * @throws {Deno.errors.InvalidData} If the header is over `maxBytes` or is not a number.
 * @throws {Deno.errors.UnexpectedEof} If the stream ends inside a frame.
 * @throws {Deno.errors.TimedOut} If the frame does not arrive in time.
 *
 * @example Receive until the peer finishes
 * ```ts
 * import { recvFrame, sendFrame, tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * await using client = await tcp.connect(server.addr);
 * await using conn = await accepted;
 * for (const word of ["a", "bb", "ccc"]) await sendFrame(client, word);
 * await tcp.shutdown(client);
 * const sizes = [];
 * for (let p; (p = await recvFrame(conn)) !== null;) sizes.push(p.length);
 * assert.deepEqual(sizes, [1, 2, 3]);
 * ```
 *
 * @tags allow-net
 */
export function recvFrame(
  sock: StreamSocket,
  options: RecvFrameOptions = {},
): Promise<Uint8Array | null> {
  try {
    checkSock(sock, "recvFrame");
    const config = frameConfig(options, "recvFrame");
    const decoder = config === DEFAULT_CONFIG
      ? DEFAULT_FRAME_DECODER
      : new FrameDecoding(config.spec, config.maxBytes);
    return receive(sock, decoder, options);
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * The frames of a stream, for `for await`: each payload as
 * {@linkcode recvFrame} returns it, until the stream ends cleanly. The same
 * header, limit and timeout apply to each frame, and a timeout or abort
 * loses nothing. Leaving the loop leaves every unread byte with the socket.
 *
 * Requires `allow-net` permission.
 *
 * @param sock The socket.
 * @param options The header, the limit, and the timeout and signal of each frame.
 * @returns The payloads, as an async iterable.
 * @throws {TypeError} If `options` is malformed (at once).
 * @throws {Deno.errors.InvalidData} If a frame is over its limit (from the loop).
 *
 * @example Receive frames until the peer is done
 * ```ts
 * import { frames, sendFrame, tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * await using client = await tcp.connect(server.addr);
 * await using peer = await accepted;
 * for (const word of ["a", "bb", "ccc"]) await sendFrame(client, word);
 * await tcp.shutdown(client);
 * const sizes = [];
 * for await (const payload of frames(peer)) sizes.push(payload.length);
 * assert.deepEqual(sizes, [1, 2, 3]);
 * ```
 *
 * @tags allow-net
 */
export function frames(
  sock: StreamSocket,
  options: RecvFrameOptions = {},
): AsyncIterable<Uint8Array> {
  checkSock(sock, "iterate frames");
  frameConfig(options, "iterate frames");
  return messagesOf(() => recvFrame(sock, options));
}

/** Options for {@linkcode sendDelimited}. */
export interface SendDelimitedOptions extends DelimitedOptions, IoOptions {}

/**
 * Sends one delimited message: the message and its delimiter, written as
 * one buffer.
 *
 * Requires `allow-net` permission.
 *
 * @param sock The socket (TCP, Unix or TLS).
 * @param message The message (a string is UTF-8 encoded).
 * @param options Delimiter, limit, timeout and abort signal.
 * @throws {TypeError} If the message contains the delimiter.
 * @throws {RangeError} If the message is over `maxBytes`.
 * @throws {Deno.errors.BrokenPipe} If the peer is gone.
 *
 * @example Send lines
 * ```ts
 * import { sendDelimited, tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * await using client = await tcp.connect(server.addr);
 * await using conn = await accepted;
 * await sendDelimited(client, "hello");
 * assert.equal(await tcp.recvLine(conn), "hello");
 * ```
 *
 * @tags allow-net
 */
export function sendDelimited(
  sock: StreamSocket,
  message: Data,
  options: SendDelimitedOptions = {},
): Promise<void> {
  try {
    checkSock(sock, "sendDelimited");
    checkObject(options, "sendDelimited");
    const delim = delimiterOf(options.delimiter, "sendDelimited");
    const maxBytes = checkMaxBytes(
      options.maxBytes,
      DEFAULT_MAX_MESSAGE_BYTES,
      "sendDelimited",
    );
    const bytes = delimit(
      toBytes(message, "sendDelimited", "message"),
      delim,
      maxBytes,
      "sendDelimited",
    );
    return sendAll(sock, bytes, options);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Options for {@linkcode recvDelimited}. */
export interface RecvDelimitedOptions extends DelimitedOptions, IoOptions {}

/**
 * Receives one delimited message, without its delimiter.
 *
 * Resolves to the message bytes, or `null` when the stream ends cleanly
 * between messages; rejects with `Deno.errors.UnexpectedEof` if it ends
 * after part of one. (For text lines ending in `\n` or `\r\n`, `recvLine`
 * of `@socketkit/socket/tcp` returns strings.)
 *
 * Requires `allow-net` permission.
 *
 * @param sock The socket (TCP, Unix or TLS).
 * @param options Delimiter, limit, timeout and abort signal.
 * @returns The message, or `null` at a clean end of stream.
 * @throws {Deno.errors.InvalidData} If more than `maxBytes` come before the delimiter.
 * @throws {Deno.errors.UnexpectedEof} If the stream ends inside a message.
 * @throws {Deno.errors.TimedOut} If no whole message arrives in time.
 *
 * @example Records separated by NUL bytes
 * ```ts
 * import { recvDelimited, sendDelimited, tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * await using client = await tcp.connect(server.addr);
 * await using conn = await accepted;
 * await sendDelimited(client, "a=1", { delimiter: "\0" });
 * await tcp.shutdown(client);
 * const record = await recvDelimited(conn, { delimiter: "\0" });
 * assert.equal(new TextDecoder().decode(record!), "a=1");
 * assert.equal(await recvDelimited(conn, { delimiter: "\0" }), null);
 * ```
 *
 * @tags allow-net
 */
export function recvDelimited(
  sock: StreamSocket,
  options: RecvDelimitedOptions = {},
): Promise<Uint8Array | null> {
  try {
    checkSock(sock, "recvDelimited");
    checkObject(options, "recvDelimited");
    const delim = delimiterOf(options.delimiter, "recvDelimited");
    const maxBytes = checkMaxBytes(
      options.maxBytes,
      DEFAULT_MAX_MESSAGE_BYTES,
      "recvDelimited",
    );
    return receive(
      sock,
      new UntilDecoder(delim, maxBytes, "recvDelimited"),
      options,
    );
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * The delimited messages of a stream, for `for await`: each as
 * {@linkcode recvDelimited} returns it, until the stream ends cleanly. The
 * same delimiter, limit and timeout apply to each message, and a timeout
 * or abort loses nothing. Leaving the loop leaves every unread byte with
 * the socket.
 *
 * Requires `allow-net` permission.
 *
 * @param sock The socket.
 * @param options The delimiter, the limit, and the timeout and signal of each message.
 * @returns The messages without their delimiter, as an async iterable.
 * @throws {TypeError} If `options` is malformed (at once).
 *
 * @example Split a stream on NUL bytes
 * ```ts
 * import { messages, tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * await using client = await tcp.connect(server.addr);
 * await using peer = await accepted;
 * await tcp.sendAll(client, "one\0two\0");
 * await tcp.shutdown(client);
 * const seen = [];
 * for await (const m of messages(peer, { delimiter: "\0" })) {
 *   seen.push(new TextDecoder().decode(m));
 * }
 * assert.deepEqual(seen, ["one", "two"]);
 * ```
 *
 * @tags allow-net
 */
export function messages(
  sock: StreamSocket,
  options: RecvDelimitedOptions = {},
): AsyncIterable<Uint8Array> {
  const action = "iterate messages";
  checkSock(sock, action);
  checkObject(options, action);
  delimiterOf(options.delimiter, action);
  checkMaxBytes(options.maxBytes, DEFAULT_MAX_MESSAGE_BYTES, action);
  return messagesOf(() => recvDelimited(sock, options));
}
