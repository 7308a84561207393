// Copyright 2026 the socketkit authors. MIT license.
// Unit tests of the pure decoders: bytes in, messages out, no sockets.

import assert from "node:assert/strict";
import {
  BytesDecoder,
  type Decoder,
  ExactDecoder,
  FrameDecoder,
  type HeaderSpec,
  LineDecoder,
  MAX_MESSAGE_BYTES,
  MORE,
  readHeader,
  UntilDecoder,
} from "../_decoders.ts";
import { ReadBuffer } from "../_read_buffer.ts";
import { bytes, concat, pseudoRandomBytes, text } from "./_util.ts";

/** What a decoder made of a stream: its messages, then how it ended. */
interface Outcome<T> {
  messages: T[];
  /** The error thrown, if any (decoding stops there). */
  error: unknown;
}

/**
 * Runs `dec` as the stream socket's receive loop does: after each chunk,
 * every message it can decode; at the end (when `eof`), until it returns
 * `null` or throws.
 */
function run<T>(
  dec: Decoder<T | null>,
  chunks: Uint8Array[],
  eof = true,
): Outcome<T> {
  const rb = new ReadBuffer();
  const messages: T[] = [];
  try {
    for (const chunk of chunks) {
      rb.append(chunk);
      for (;;) {
        const value = dec.decode(rb, false);
        if (value === MORE) break;
        assert.notEqual(value, null, "null only at end of stream");
        messages.push(value as T);
      }
    }
    if (eof) {
      for (let i = 0; i < 1_000_000; i++) {
        const value = dec.decode(rb, true);
        assert.notEqual(value, MORE, "never MORE at end of stream");
        if (value === null) break;
        messages.push(value as T);
      }
    }
  } catch (error) {
    return { messages, error };
  }
  return { messages, error: undefined };
}

/** `data` cut at `at` (two chunks), for every `at` from 0 to its length. */
function* splits(data: Uint8Array): Generator<[Uint8Array[], number]> {
  for (let at = 0; at <= data.length; at++) {
    yield [[data.subarray(0, at), data.subarray(at)], at];
  }
}

/** `data` one byte at a time. */
function bytewise(data: Uint8Array): Uint8Array[] {
  return Array.from(data, (_, i) => data.subarray(i, i + 1));
}

function assertError(
  error: unknown,
  // deno-lint-ignore no-explicit-any
  Class: new (...args: any[]) => Error,
  message: RegExp | string,
  where = "",
): void {
  assert.ok(error instanceof Class, `${where}: got ${error}`);
  if (typeof message === "string") assert.equal(error.message, message, where);
  else assert.match(error.message, message, where);
}

// ---- BytesDecoder ----

Deno.test("BytesDecoder returns what is buffered, up to max, and null only at a clean end", () => {
  const dec = new BytesDecoder(4);
  const rb = new ReadBuffer();
  assert.equal(dec.decode(rb, false), MORE);
  assert.equal(dec.decode(rb, true), null);
  rb.append(bytes("abcdef"));
  assert.deepEqual(dec.decode(rb, false), bytes("abcd"));
  assert.deepEqual(dec.decode(rb, true), bytes("ef"), "bytes first, then end");
  assert.equal(dec.decode(rb, true), null);
  assert.equal(dec.want(), 0);
});

Deno.test("BytesDecoder gives back every byte in order wherever the stream is cut", () => {
  const data = pseudoRandomBytes(40, 1);
  for (const [chunks, at] of splits(data)) {
    const { messages, error } = run(new BytesDecoder(7), chunks);
    assert.equal(error, undefined);
    assert.ok(messages.every((m) => m.length >= 1 && m.length <= 7), `${at}`);
    assert.deepEqual(concat(messages), data, `cut at ${at}`);
  }
});

// ---- ExactDecoder ----

Deno.test("ExactDecoder returns exactly n bytes wherever the stream is cut", () => {
  const data = pseudoRandomBytes(30, 2);
  const expected = [
    data.subarray(0, 10),
    data.subarray(10, 20),
    data.subarray(20),
  ];
  // No end of stream: ExactDecoder never returns null (see below).
  for (const [chunks, at] of splits(data)) {
    const { messages, error } = run(new ExactDecoder(10), chunks, false);
    assert.equal(error, undefined, `cut at ${at}`);
    assert.deepEqual(messages, expected, `cut at ${at}`);
  }
  assert.deepEqual(
    run(new ExactDecoder(10), bytewise(data), false).messages,
    expected,
  );
});

Deno.test("ExactDecoder wants the missing bytes and ends with UnexpectedEof inside a message", () => {
  const dec = new ExactDecoder(10);
  const rb = new ReadBuffer();
  assert.equal(dec.want(rb), 10);
  rb.append(bytes("abc"));
  assert.equal(dec.decode(rb, false), MORE);
  assert.equal(dec.want(rb), 7);
  assertError(
    (() => {
      try {
        dec.decode(rb, true);
      } catch (err) {
        return err;
      }
    })(),
    Deno.errors.UnexpectedEof,
    "the stream ended after 3 of 10 bytes",
  );
  assert.equal(rb.size, 3, "the bytes stay buffered");
  // With nothing buffered the end is unexpected too: exactly n bytes were asked.
  const { error } = run(new ExactDecoder(4), [bytes("abcd")]);
  assertError(error, Deno.errors.UnexpectedEof, /after 0 of 4 bytes/);
});

// ---- UntilDecoder ----

Deno.test("UntilDecoder finds a multi-byte delimiter wherever the stream is cut", () => {
  const data = bytes("GET / HTTP/1.0\r\n\r\nbody\r\n\r\n\r\n\r\n");
  const expected = ["GET / HTTP/1.0", "body", ""];
  for (const [chunks, at] of splits(data)) {
    const { messages, error } = run(
      new UntilDecoder(bytes("\r\n\r\n"), 100),
      chunks,
    );
    assert.equal(error, undefined, `cut at ${at}`);
    assert.deepEqual(messages.map(text), expected, `cut at ${at}`);
  }
  const { messages } = run(
    new UntilDecoder(bytes("\r\n\r\n"), 100),
    bytewise(data),
  );
  assert.deepEqual(messages.map(text), expected);
});

Deno.test("UntilDecoder finds a delimiter that overlaps a false start", () => {
  const { messages, error } = run(new UntilDecoder(bytes("aab"), 100), [
    ...bytewise(bytes("xaaab")),
  ]);
  assert.equal(error, undefined);
  assert.deepEqual(messages.map(text), ["xa"]);
});

Deno.test("UntilDecoder accepts exactly maxBytes before the delimiter and refuses one more, wherever the stream is cut", () => {
  const delim = bytes("\r\n");
  const atLimit = bytes("abcd\r\n");
  const overLimit = bytes("abcde\r\n");
  for (const [chunks, at] of splits(atLimit)) {
    const { messages, error } = run(new UntilDecoder(delim, 4), chunks);
    assert.equal(error, undefined, `cut at ${at}`);
    assert.deepEqual(messages.map(text), ["abcd"]);
  }
  for (const [chunks, at] of splits(overLimit)) {
    const { messages, error } = run(new UntilDecoder(delim, 4), chunks);
    assert.deepEqual(messages, []);
    assertError(
      error,
      Deno.errors.InvalidData,
      "no delimiter within the limit of 4 bytes (raise maxBytes to accept more)",
      `cut at ${at}`,
    );
  }
});

Deno.test("UntilDecoder refuses an over-long message before its delimiter arrives, and not a byte earlier", () => {
  const dec = new UntilDecoder(bytes("\r\n"), 4);
  const rb = new ReadBuffer();
  // "abcd" and a "\r" that may start the delimiter: still within the limit.
  rb.append(bytes("abcd\r"));
  assert.equal(dec.decode(rb, false), MORE);
  const other = new UntilDecoder(bytes("\r\n"), 4);
  const rb2 = new ReadBuffer();
  rb2.append(bytes("abcde"));
  // Five bytes without a delimiter are not refused yet (the decoder only
  // knows that the delimiter did not start within the first four)...
  assert.equal(other.decode(rb2, false), MORE);
  // ...six may not.
  rb2.append(bytes("f"));
  assert.throws(() => other.decode(rb2, false), Deno.errors.InvalidData);
});

Deno.test("UntilDecoder returns null at a clean end and UnexpectedEof after part of a message", () => {
  assert.deepEqual(run(new UntilDecoder(bytes(";"), 10), [bytes("a;b;")]), {
    messages: [bytes("a"), bytes("b")],
    error: undefined,
  });
  const { messages, error } = run(new UntilDecoder(bytes(";"), 10), [
    bytes("a;bc"),
  ]);
  assert.deepEqual(messages, [bytes("a")]);
  assertError(
    error,
    Deno.errors.UnexpectedEof,
    "the stream ended after 2 bytes without the delimiter",
  );
});

// ---- LineDecoder ----

function lines(data: Uint8Array[], maxBytes: number): Outcome<string> {
  return run(new LineDecoder().reset(maxBytes), data);
}

Deno.test("LineDecoder splits at \\n and \\r\\n wherever the stream is cut", () => {
  const data = bytes("one\r\ntwo\n\r\n\nfour\rx\nlast");
  const expected = ["one", "two", "", "", "four\rx", "last"];
  for (const [chunks, at] of splits(data)) {
    const { messages, error } = lines(chunks, 100);
    assert.equal(error, undefined, `cut at ${at}`);
    assert.deepEqual(messages, expected, `cut at ${at}`);
  }
  assert.deepEqual(lines(bytewise(data), 100).messages, expected);
});

Deno.test("LineDecoder accepts a line of exactly maxBytes with \\n or \\r\\n wherever the stream is cut", () => {
  for (const ending of ["\n", "\r\n"]) {
    const data = bytes(`abcd${ending}abcd${ending}`);
    for (const [chunks, at] of splits(data)) {
      const { messages, error } = lines(chunks, 4);
      assert.equal(error, undefined, `${JSON.stringify(ending)} cut at ${at}`);
      assert.deepEqual(messages, ["abcd", "abcd"]);
    }
  }
});

Deno.test("LineDecoder refuses a line one byte over maxBytes, with either ending, wherever the stream is cut", () => {
  for (const line of ["abcde\n", "abcde\r\n", "abc\rx\n", "abcd\r\r\n"]) {
    const data = bytes(line);
    for (const [chunks, at] of splits(data)) {
      const { messages, error } = lines(chunks, 4);
      assert.deepEqual(messages, []);
      assertError(
        error,
        Deno.errors.InvalidData,
        "the line exceeds the limit of 4 bytes (raise maxBytes to accept more)",
        `${JSON.stringify(line)} cut at ${at}`,
      );
    }
  }
});

Deno.test("LineDecoder refuses an over-long line as soon as it cannot be a line of maxBytes and \\r\\n", () => {
  const dec = new LineDecoder().reset(4);
  const rb = new ReadBuffer();
  rb.append(bytes("abcd\r"));
  assert.equal(dec.decode(rb, false), MORE, "the \\r may end the line");
  const late = new ReadBuffer();
  late.append(bytes("abcde"));
  assert.throws(
    () => new LineDecoder().reset(4).decode(late, false),
    Deno.errors.InvalidData,
  );
  // "abcd\r" then the end: the \r is part of a 5-byte line.
  assert.throws(() => dec.decode(rb, true), Deno.errors.InvalidData);
});

Deno.test("LineDecoder with maxBytes 0 takes only empty lines", () => {
  assert.deepEqual(lines([bytes("\n\r\n")], 0).messages, ["", ""]);
  assert.throws(() => {
    throw lines([bytes("a\n")], 0).error;
  }, Deno.errors.InvalidData);
});

Deno.test("LineDecoder returns the last line without a newline at the end, then null", () => {
  assert.deepEqual(lines([bytes("a\nb")], 10), {
    messages: ["a", "b"],
    error: undefined,
  });
  assert.deepEqual(lines([bytes("a\n")], 10), {
    messages: ["a"],
    error: undefined,
  });
  assert.deepEqual(lines([], 10), { messages: [], error: undefined });
  // A last line of exactly maxBytes is fine; one more is not.
  assert.deepEqual(lines([bytes("abcd")], 4).messages, ["abcd"]);
  assert.ok(
    lines([bytes("abc\r")], 3).error instanceof Deno.errors.InvalidData,
  );
});

Deno.test("LineDecoder decodes UTF-8 as TextDecoder, split inside a character", () => {
  const data = bytes("\ufeffhé€😀\nnext\n");
  for (const [chunks, at] of splits(data)) {
    assert.deepEqual(lines(chunks, 100).messages, ["hé€😀", "next"], `${at}`);
  }
  assert.deepEqual(lines([new Uint8Array([0xff, 0x0a])], 10).messages, [
    "\ufffd",
  ]);
});

Deno.test("LineDecoder.reset() starts a new line with a new limit", () => {
  const dec = new LineDecoder().reset(2);
  const rb = new ReadBuffer();
  rb.append(bytes("ab"));
  assert.equal(dec.decode(rb, false), MORE);
  rb.append(bytes("cd\n"));
  // The limit was 2: "abcd" is over it.
  assert.throws(() => dec.decode(rb, false), Deno.errors.InvalidData);
  dec.reset(10);
  assert.equal(dec.decode(rb, false), "abcd");
});

// ---- readHeader ----

function binary(size: 1 | 2 | 4 | 8, little: boolean): HeaderSpec {
  return {
    text: false,
    size,
    little,
    capacity: size === 8 ? Number.MAX_SAFE_INTEGER : 2 ** (8 * size) - 1,
  };
}

function textSpec(width: number): HeaderSpec {
  return { text: true, size: width, little: false, capacity: 10 ** width - 1 };
}

/** The header for `value` in `spec`, at offset 3 of a larger array. */
function header(spec: HeaderSpec, value: bigint): Uint8Array {
  const out = new Uint8Array(3 + spec.size + 2).fill(0xee);
  const view = new DataView(out.buffer, 3, spec.size);
  switch (spec.size) {
    case 1:
      view.setUint8(0, Number(value));
      break;
    case 2:
      view.setUint16(0, Number(value), spec.little);
      break;
    case 4:
      view.setUint32(0, Number(value), spec.little);
      break;
    default:
      view.setBigUint64(0, value, spec.little);
  }
  return out;
}

Deno.test("readHeader() reads 1, 2, 4 and 8-byte lengths in both byte orders", () => {
  for (const size of [1, 2, 4, 8] as const) {
    for (const little of [false, true]) {
      const spec = binary(size, little);
      const max = size === 8 ? 2n ** 32n : 2n ** BigInt(8 * size) - 1n;
      for (const value of [0n, 1n, 0x7fn, 0xffn, 0x102n, 0x10203n, max]) {
        if (value > max) continue;
        assert.equal(
          readHeader(spec, header(spec, value), 3, Number.MAX_SAFE_INTEGER),
          Number(value),
          `${size} bytes ${little ? "LE" : "BE"} ${value}`,
        );
      }
    }
  }
  // The byte order matters.
  const bytes2 = new Uint8Array([0x01, 0x02]);
  assert.equal(readHeader(binary(2, false), bytes2, 0, 1e9), 0x0102);
  assert.equal(readHeader(binary(2, true), bytes2, 0, 1e9), 0x0201);
  const bytes4 = new Uint8Array([0xff, 0, 0, 0x01]);
  assert.equal(readHeader(binary(4, false), bytes4, 0, 2 ** 32), 0xff00_0001);
  assert.equal(readHeader(binary(4, true), bytes4, 0, 2 ** 32), 0x0100_00ff);
});

Deno.test("readHeader() accepts a length of exactly maxBytes and refuses one more", () => {
  for (const size of [1, 2, 4, 8] as const) {
    const spec = binary(size, false);
    assert.equal(readHeader(spec, header(spec, 100n), 3, 100), 100);
    assert.throws(
      () => readHeader(spec, header(spec, 101n), 3, 100),
      (err: Error) =>
        err instanceof Deno.errors.InvalidData &&
        err.message ===
          "the frame header announces 101 bytes, over the limit of 100 bytes (raise maxBytes to accept more)",
    );
  }
});

Deno.test("readHeader() refuses an 8-byte length over 4 GiB with maxBytes Infinity, naming the 4 GiB bound", () => {
  const spec = binary(8, false);
  assert.equal(
    readHeader(spec, header(spec, 2n ** 32n), 3, Number.MAX_SAFE_INTEGER),
    MAX_MESSAGE_BYTES,
  );
  for (
    const value of [
      2n ** 32n + 1n,
      2n ** 53n - 1n,
      2n ** 53n,
      2n ** 53n + 1n,
      2n ** 64n - 1n,
    ]
  ) {
    for (const maxBytes of [Number.MAX_SAFE_INTEGER, Infinity]) {
      for (const little of [false, true]) {
        const s = binary(8, little);
        assert.throws(
          () => readHeader(s, header(s, value), 3, maxBytes),
          (err: Error) =>
            err instanceof Deno.errors.InvalidData &&
            err.message ===
              `the frame header announces ${value} bytes, more than one frame may hold (4294967296 bytes)`,
          `${value} ${maxBytes}`,
        );
      }
    }
  }
});

Deno.test("readHeader() reads a decimal text header padded with spaces", () => {
  const spec = textSpec(8);
  const at = (s: string) => readHeader(spec, bytes(`xx${s}`), 2, 1e9);
  assert.equal(at("12      "), 12);
  assert.equal(at("      12"), 12);
  assert.equal(at("   0    "), 0);
  assert.equal(at("00000007"), 7);
  assert.equal(at("99999999"), 99_999_999);
  assert.throws(
    () => readHeader(spec, bytes("101     "), 0, 100),
    /announces 101 bytes, over the limit of 100 bytes/,
  );
  // Leading zeros do not count towards the digits limit.
  const wide = textSpec(64);
  assert.equal(readHeader(wide, bytes("0".repeat(60) + "42  "), 0, 100), 42);
  assert.throws(
    () => readHeader(wide, bytes("12345678901234567".padEnd(64)), 0, Infinity),
    (err: Error) =>
      err instanceof Deno.errors.InvalidData &&
      err.message ===
        "the frame header announces 12345678901234567 bytes, more than one frame may hold (4294967296 bytes)",
  );
});

Deno.test("readHeader() refuses a text header that is not a decimal length, showing it without its space padding but otherwise as it is", () => {
  const spec = textSpec(6);
  const cases: [string, string][] = [
    ["\t5    ", String.raw`"\t5"`],
    ["  5\t  ", String.raw`"5\t"`],
    ["      ", `""`],
    ["-5    ", `"-5"`],
    ["+5    ", `"+5"`],
    ["5 5   ", `"5 5"`],
    ["0x10  ", `"0x10"`],
    ["  1e3 ", `"1e3"`],
  ];
  for (const [header, shown] of cases) {
    assert.throws(
      () => readHeader(spec, bytes(header), 0, 1e9),
      (err: Error) =>
        err instanceof Deno.errors.InvalidData &&
        err.message === `the frame header is not a decimal length: ${shown}`,
      JSON.stringify(header),
    );
  }
});

// ---- FrameDecoder ----

const BE4 = binary(4, false);

/** Frames of `payloads` with a 4-byte big-endian header. */
function frames(...payloads: Uint8Array[]): Uint8Array {
  return concat(payloads.flatMap((p) => {
    const h = new Uint8Array(4);
    new DataView(h.buffer).setUint32(0, p.length);
    return [h, p];
  }));
}

Deno.test("FrameDecoder returns whole frames wherever the stream is cut", () => {
  const payloads = [bytes("hello"), new Uint8Array(0), pseudoRandomBytes(9, 3)];
  const data = frames(...payloads);
  for (const [chunks, at] of splits(data)) {
    const { messages, error } = run(new FrameDecoder(BE4, 100), chunks);
    assert.equal(error, undefined, `cut at ${at}`);
    assert.deepEqual(messages, payloads, `cut at ${at}`);
  }
  assert.deepEqual(
    run(new FrameDecoder(BE4, 100), bytewise(data)).messages,
    payloads,
  );
});

Deno.test("FrameDecoder decodes every header kind wherever the stream is cut", () => {
  const payload = bytes("abc");
  for (const size of [1, 2, 4, 8] as const) {
    for (const little of [false, true]) {
      const spec = binary(size, little);
      const h = header(spec, 3n).subarray(3, 3 + size);
      const data = concat([h, payload, h, payload]);
      for (const [chunks, at] of splits(data)) {
        const { messages, error } = run(new FrameDecoder(spec, 10), chunks);
        assert.equal(error, undefined, `${size} ${little} cut at ${at}`);
        assert.deepEqual(messages, [payload, payload]);
      }
    }
  }
  const data = bytes("3   abc1   x");
  for (const [chunks, at] of splits(data)) {
    const { messages } = run(new FrameDecoder(textSpec(4), 10), chunks);
    assert.deepEqual(messages.map(text), ["abc", "x"], `text cut at ${at}`);
  }
});

Deno.test("FrameDecoder accepts a frame of exactly maxBytes and refuses one more from its header alone", () => {
  const at = frames(new Uint8Array(8).fill(1));
  assert.deepEqual(run(new FrameDecoder(BE4, 8), [at]).messages, [
    new Uint8Array(8).fill(1),
  ]);
  const over = frames(new Uint8Array(9));
  const { messages, error } = run(
    new FrameDecoder(BE4, 8),
    [over.subarray(0, 4)],
    false,
  );
  assert.deepEqual(messages, []);
  assertError(
    error,
    Deno.errors.InvalidData,
    "the frame header announces 9 bytes, over the limit of 8 bytes (raise maxBytes to accept more)",
  );
});

Deno.test("FrameDecoder wants the rest of the header, then the rest of the frame", () => {
  const dec = new FrameDecoder(BE4, 100);
  const rb = new ReadBuffer();
  assert.equal(dec.want(rb), 4);
  rb.append(new Uint8Array([0, 0]));
  assert.equal(dec.decode(rb, false), MORE);
  assert.equal(dec.want(rb), 2);
  rb.append(new Uint8Array([0, 10, 1, 2, 3]));
  assert.equal(dec.decode(rb, false), MORE);
  assert.equal(dec.want(rb), 7);
  rb.append(new Uint8Array(7));
  assert.equal((dec.decode(rb, false) as Uint8Array).length, 10);
  assert.equal(dec.want(rb), 4);
});

Deno.test("FrameDecoder returns null at a clean end and UnexpectedEof inside a header or a payload", () => {
  assert.deepEqual(run(new FrameDecoder(BE4, 100), [frames(bytes("a"))]), {
    messages: [bytes("a")],
    error: undefined,
  });
  const inHeader = run(new FrameDecoder(BE4, 100), [
    frames(bytes("a")),
    new Uint8Array([0, 0, 0]),
  ]);
  assert.deepEqual(inHeader.messages, [bytes("a")]);
  assertError(
    inHeader.error,
    Deno.errors.UnexpectedEof,
    "the stream ended inside a frame header, after 3 of 4 bytes",
  );
  const inPayload = run(new FrameDecoder(BE4, 100), [
    frames(bytes("hello")).subarray(0, 7),
  ]);
  assertError(
    inPayload.error,
    Deno.errors.UnexpectedEof,
    "the stream ended inside a frame of 5 bytes, after 3 of them",
  );
});
