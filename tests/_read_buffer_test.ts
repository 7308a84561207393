// Copyright 2026 the socketkit authors. MIT license.
// Unit tests of the read buffer: pure bytes, no sockets.

import assert from "node:assert/strict";
import { ReadBuffer } from "../_read_buffer.ts";
import { bytes, pseudoRandomBytes } from "./_util.ts";

/** A read buffer holding `data` at offset 0 of an array of exactly `length` bytes. */
function filled(data: Uint8Array, length = data.length): ReadBuffer {
  const rb = new ReadBuffer();
  const target = new Uint8Array(length);
  target.set(data);
  // A read into an array of its own, with nothing buffered: adopted as is.
  rb.commit(target, data.length);
  assert.equal(rb.buf, target);
  return rb;
}

Deno.test("ReadBuffer.reserve() gives a fresh buffer at least one chunk long, the array itself while empty", () => {
  const rb = new ReadBuffer();
  assert.equal(rb.size, 0);
  // 256 bytes: what an idle connection's pending read holds (bench:memory).
  const tail = rb.reserve(10);
  assert.equal(tail.length, 256);
  assert.equal(tail, rb.buf, "no view of an empty buffer");
  assert.equal(rb.reserve(5000).length, 5000);
  rb.commit(rb.reserve(0), 3);
  const rest = rb.reserve(0);
  assert.notEqual(rest, rb.buf);
  assert.equal(rest.byteOffset, rb.buf.byteOffset + 3);
});

Deno.test("ReadBuffer.commit() books a read into the reserved tail", () => {
  const rb = new ReadBuffer();
  const tail = rb.reserve(0);
  tail.set(bytes("hello"));
  rb.commit(tail, 5);
  assert.equal(rb.size, 5);
  assert.deepEqual(rb.view(0, 5).slice(), bytes("hello"));
  const more = rb.reserve(0);
  assert.equal(more.buffer, rb.buf.buffer);
  assert.equal(more.byteOffset, rb.buf.byteOffset + 5);
  more.set(bytes(" world"));
  rb.commit(more, 6);
  assert.equal(rb.text(0, rb.size), "hello world");
});

Deno.test("ReadBuffer.commit() adopts a foreign array when nothing is buffered and appends it otherwise", () => {
  const rb = new ReadBuffer();
  const own = new Uint8Array([1, 2, 3, 9]);
  rb.commit(own, 3);
  assert.equal(rb.buf, own, "adopted, not copied");
  assert.deepEqual(rb.view(0, rb.size).slice(), new Uint8Array([1, 2, 3]));
  const other = new Uint8Array([4, 5, 6]);
  rb.commit(other, 2);
  assert.notEqual(rb.buf, other);
  assert.deepEqual(
    rb.view(0, rb.size).slice(),
    new Uint8Array([1, 2, 3, 4, 5]),
  );
  other.fill(0);
  assert.deepEqual(
    rb.view(0, rb.size).slice(),
    new Uint8Array([1, 2, 3, 4, 5]),
  );
});

Deno.test("ReadBuffer.commit() doubles the read size when reads fill it and halves it when they bring little", () => {
  const rb = new ReadBuffer();
  assert.equal(rb.chunk, 256);
  for (const expected of [512, 1024, 2048, 4096, 8192]) {
    const tail = rb.reserve(0);
    assert.equal(tail.length >= rb.chunk, true);
    rb.commit(tail, tail.length);
    assert.equal(rb.chunk, expected);
    rb.skip(rb.size);
  }
  for (let i = 0; i < 20 && rb.chunk < 65_536; i++) {
    const tail = rb.reserve(0);
    rb.commit(tail, tail.length);
    rb.skip(rb.size);
  }
  assert.equal(rb.chunk, 65_536, "never above 64 KiB");
  const tail = rb.reserve(0);
  rb.commit(tail, tail.length);
  assert.equal(rb.chunk, 65_536);
  rb.skip(rb.size);
  rb.commit(rb.reserve(0), 1);
  assert.equal(rb.chunk, 32_768);
  for (let i = 0; i < 20; i++) {
    rb.skip(rb.size);
    rb.commit(rb.reserve(0), 1);
  }
  assert.equal(rb.chunk, 256, "never below 256 bytes");
});

Deno.test("ReadBuffer.reserve() compacts in place when few bytes are left at the end of a large array", () => {
  const data = pseudoRandomBytes(4096, 7);
  const rb = filled(data);
  const array = rb.buf;
  rb.skip(4000);
  const tail = rb.reserve(1024);
  assert.equal(rb.buf, array, "same array, moved to the front");
  assert.equal(rb.start, 0);
  assert.equal(rb.size, 96);
  assert.equal(tail.length, 4096 - 96);
  assert.deepEqual(rb.view(0, 96).slice(), data.subarray(4000));
});

Deno.test("ReadBuffer.reserve() grows the array and keeps the buffered bytes when they fill most of it", () => {
  const data = pseudoRandomBytes(4096, 8);
  const rb = filled(data);
  const array = rb.buf;
  rb.skip(100);
  const tail = rb.reserve(1024);
  assert.notEqual(rb.buf, array);
  assert.equal(rb.buf.length, 8192, "doubled");
  assert.equal(rb.start, 0);
  assert.equal(rb.size, 3996);
  assert.equal(tail.length, 8192 - 3996);
  assert.deepEqual(rb.view(0, rb.size).slice(), data.subarray(100));
  // A read larger than double the array grows it to fit.
  const big = rb.reserve(100_000);
  assert.equal(big.length, 100_000);
  assert.deepEqual(rb.view(0, rb.size).slice(), data.subarray(100));
});

Deno.test("ReadBuffer.reserve() replaces an empty array far larger than needed", () => {
  const rb = filled(new Uint8Array(0), 100_000);
  assert.equal(rb.reserve(1024).length, 1024);
  assert.equal(rb.buf.length, 1024);
  // Within four times the need, the array is kept.
  const keep = filled(new Uint8Array(0), 4096);
  const array = keep.buf;
  keep.reserve(1024);
  assert.equal(keep.buf, array);
});

Deno.test("ReadBuffer.append() copies many chunks in order across growth", () => {
  const rb = new ReadBuffer();
  const data = pseudoRandomBytes(200_000, 9);
  let size = 1;
  for (let at = 0; at < data.length; size = (size * 3) % 5000 + 1) {
    const chunk = data.slice(at, Math.min(data.length, at + size));
    rb.append(chunk);
    chunk.fill(0); // the buffer holds a copy
    at += size;
  }
  assert.equal(rb.size, data.length);
  assert.deepEqual(rb.view(0, rb.size).slice(), data);
});

Deno.test("ReadBuffer.take() of every buffered byte of a large read hands the array over", () => {
  const data = pseudoRandomBytes(4096, 10);
  const rb = filled(data);
  const array = rb.buf;
  const out = rb.take(4096);
  assert.equal(out, array, "the very array, no copy");
  assert.deepEqual(out, data);
  assert.equal(rb.size, 0);
  assert.equal(rb.buf.length, 0, "the buffer forgot the array");
  // The next read goes into a new array, never into the caller's.
  const tail = rb.reserve(0);
  assert.notEqual(tail.buffer, out.buffer);
});

Deno.test("ReadBuffer.take() hands over a view when the bytes fill most of the array, and copies when they fill little", () => {
  const mostly = filled(pseudoRandomBytes(5000, 11), 8192);
  const array = mostly.buf;
  const view = mostly.take(5000);
  assert.equal(view.buffer, array.buffer);
  assert.equal(view.length, 5000);
  assert.equal(mostly.buf.length, 0);

  const little = filled(pseudoRandomBytes(4096, 12), 16_384);
  const big = little.buf;
  const copy = little.take(4096);
  assert.notEqual(
    copy.buffer,
    big.buffer,
    "a few bytes do not pin a large array",
  );
  assert.deepEqual(copy, pseudoRandomBytes(4096, 12));
});

Deno.test("ReadBuffer.take() copies small takes, partial takes and takes not at the front", () => {
  const data = pseudoRandomBytes(8192, 13);
  const small = filled(data.slice(0, 4095), 4095);
  assert.notEqual(small.take(4095).buffer, small.buf.buffer);

  const partial = filled(data);
  const array = partial.buf;
  const first = partial.take(5000);
  assert.notEqual(first.buffer, array.buffer);
  assert.equal(partial.buf, array);
  assert.deepEqual(first, data.subarray(0, 5000));
  assert.equal(partial.size, 3192);
  // The rest is not at the front of the array any more: copied too.
  const rest = partial.take(3192);
  assert.notEqual(rest.buffer, array.buffer);
  assert.deepEqual(rest, data.subarray(5000));
  // The caller owns the copies: the array they came from is untouched.
  first.fill(0);
  assert.deepEqual(array.subarray(0, 5000), data.subarray(0, 5000));
});

Deno.test("ReadBuffer.take() never hands over an array a read in flight is filling", () => {
  const data = pseudoRandomBytes(8192, 14);
  const rb = filled(data);
  const array = rb.buf;
  rb.reading = true;
  const out = rb.take(8192);
  assert.notEqual(out.buffer, array.buffer, "copied");
  assert.deepEqual(out, data);
  assert.equal(rb.buf, array, "the read in flight keeps its array");
  // The read lands in the kept array: the caller's copy does not change.
  array.fill(0xaa);
  assert.deepEqual(out, data);
  rb.reading = false;
});

Deno.test("ReadBuffer.copyOut() moves at most the target's length", () => {
  const rb = filled(bytes("abcdef"));
  const target = new Uint8Array(4);
  assert.equal(rb.copyOut(target), 4);
  assert.deepEqual(target, bytes("abcd"));
  assert.equal(rb.copyOut(target), 2);
  assert.deepEqual(target.subarray(0, 2), bytes("ef"));
  assert.equal(rb.copyOut(target), 0);
  assert.equal(rb.size, 0);
});

Deno.test("ReadBuffer.at() and view() are relative to the first buffered byte", () => {
  const rb = filled(bytes("xxhello"));
  rb.skip(2);
  assert.equal(rb.at(0), 0x68);
  assert.deepEqual(rb.view(1, 3), bytes("el"));
  assert.deepEqual(rb.view(0, 5).slice(), bytes("hello"));
});

Deno.test("ReadBuffer.indexOf() searches from `from` and finds only delimiters wholly before `to`", () => {
  const rb = filled(bytes("__ab_ab__"));
  rb.skip(2); // "ab_ab__"
  const ab = bytes("ab");
  assert.equal(rb.indexOf(ab, 0), 0);
  assert.equal(rb.indexOf(ab, 1), 3);
  assert.equal(rb.indexOf(ab, 4), -1);
  assert.equal(rb.indexOf(ab, 0, 1), -1, "the delimiter must end by `to`");
  assert.equal(rb.indexOf(ab, 0, 2), 0);
  assert.equal(rb.indexOf(ab, 1, 4), -1);
  assert.equal(rb.indexOf(ab, 1, 5), 3);
  assert.equal(rb.indexOf(ab, 0, 1000), 0, "`to` past the end is the end");
  assert.equal(rb.indexOf(bytes("__"), 0), 5);
  // Bytes of the array past the buffered ones are never found.
  const stale = filled(bytes("abc"), 64);
  stale.buf.set(bytes("zz"), 10);
  assert.equal(stale.indexOf(bytes("zz"), 0), -1);
  assert.equal(stale.indexOf(bytes("c"), 0), 2);
  stale.skip(1);
  assert.equal(
    stale.indexOf(bytes("a"), 0),
    -1,
    "consumed bytes are not found",
  );
});

/** Byte sequences that stress a UTF-8 decoder, and some random ones. */
function textCases(): Uint8Array[] {
  const bom = [0xef, 0xbb, 0xbf];
  const euro = [0xe2, 0x82, 0xac];
  const emoji = [0xf0, 0x9f, 0x98, 0x80];
  const invalid = [
    [0xff],
    [0xc0, 0x80], // overlong NUL
    [0xed, 0xa0, 0x80], // a surrogate
    [0xe2, 0x82], // truncated
    [0xf0, 0x9f, 0x98], // truncated
    [0xf4, 0x90, 0x80, 0x80], // past U+10FFFF
    [0x80, 0x80],
    [0xef, 0xbb], // half a BOM
  ];
  const cases: number[][] = [
    [],
    bom,
    [...bom, 0x61],
    [...bom, ...bom, 0x61],
    [0x61, ...bom],
    [0xef, 0x61],
    ...invalid,
    ...invalid.map((bad) => [0x61, ...bad, 0x62]),
  ];
  // Around the 256-byte cut-off: a multi-byte character or a bad sequence
  // cut at each position near it, with and without a leading BOM.
  for (const length of [254, 255, 256, 257, 258, 384, 1000]) {
    for (const tail of [euro, emoji, ...invalid]) {
      for (let shift = 0; shift <= tail.length; shift++) {
        const body = new Array(length - tail.length + shift).fill(0x41);
        const full = [...body, ...tail];
        cases.push(full.slice(0, length));
        cases.push([...bom, ...full].slice(0, length));
      }
    }
  }
  // Short text, built char by char while it is ASCII: every length up to
  // past the 8-byte cut-off, with a non-ASCII byte (or the first byte of
  // a character) at each position, and the extremes of ASCII.
  for (let length = 0; length <= 10; length++) {
    cases.push(new Array(length).fill(0x7f));
    cases.push(Array.from({ length }, (_, i) => i % 2 ? 0x00 : 0x61));
    for (let at = 0; at < length; at++) {
      for (const odd of [0x80, 0xc3, 0xe2, 0xff]) {
        const c = new Array(length).fill(0x31);
        c[at] = odd;
        cases.push(c);
      }
      cases.push([...new Array(at).fill(0x31), ...euro].slice(0, length));
    }
  }
  const random = pseudoRandomBytes(20_000, 15);
  let i = 0;
  for (let at = 0; at + 300 < random.length; i++) {
    const length = 250 + (i % 12);
    // Bias towards UTF-8 lead and continuation bytes.
    cases.push(Array.from(random.subarray(at, at + length), (b) => b | 0x80));
    at += length;
  }
  return cases.map((c) => new Uint8Array(c));
}

Deno.test("ReadBuffer.text() decodes exactly as TextDecoder for short ASCII, across the 256-byte cut-off, with byte order marks and invalid UTF-8", () => {
  const decoder = new TextDecoder();
  for (const data of textCases()) {
    const expected = decoder.decode(data);
    // At the front of the buffer, and past consumed bytes.
    const front = filled(data, data.length + 16);
    assert.equal(front.text(0, data.length), expected, `bytes ${data}`);
    const shifted = filled(new Uint8Array([0x7a, ...data, 0x7a]));
    shifted.skip(1);
    assert.equal(shifted.text(0, data.length), expected, `bytes ${data}`);
    // A range that does not start at the first buffered byte.
    const inner = filled(new Uint8Array([0x7a, 0x7a, ...data]));
    assert.equal(inner.text(2, 2 + data.length), expected, `bytes ${data}`);
  }
});

Deno.test("ReadBuffer.text() stays right after the array changes under it", () => {
  const rb = new ReadBuffer();
  rb.append(bytes("first"));
  assert.equal(rb.text(0, 5), "first");
  rb.skip(5);
  rb.append(pseudoRandomBytes(70_000, 16).map((b) => 0x41 + (b % 26)));
  rb.skip(70_000 - 3);
  rb.append(bytes("é!"));
  assert.equal(rb.text(3, rb.size), "é!");
  rb.drop();
  rb.append(bytes("again"));
  assert.equal(rb.text(0, 5), "again");
});

Deno.test("ReadBuffer.settle() rewinds an empty buffer and frees a large array", () => {
  const rb = new ReadBuffer();
  rb.append(new Uint8Array(100));
  const small = rb.buf;
  rb.skip(60);
  rb.settle();
  assert.equal(rb.start, 60, "bytes are left: nothing moves");
  rb.skip(40);
  rb.settle();
  assert.equal(rb.start, 0);
  assert.equal(rb.end, 0);
  assert.equal(rb.buf, small, "a small array is kept for the next bytes");

  rb.append(new Uint8Array(100_000));
  assert.ok(rb.buf.length > 65_536);
  rb.skip(100_000);
  rb.settle();
  assert.equal(rb.buf.length, 0, "a large array is freed");
  assert.equal(rb.size, 0);
});

Deno.test("ReadBuffer.drop() forgets the bytes and the array", () => {
  const rb = filled(bytes("abc"));
  rb.drop();
  assert.equal(rb.size, 0);
  assert.equal(rb.buf.length, 0);
  assert.equal(rb.indexOf(bytes("a"), 0), -1);
});

Deno.test("take() gives small messages as separate views of a shared slab, 8-byte aligned", () => {
  const rb = new ReadBuffer();
  rb.append(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
  const a = rb.take(3);
  const b = rb.take(5);
  assert.deepEqual(a, new Uint8Array([1, 2, 3]));
  assert.deepEqual(b, new Uint8Array([4, 5, 6, 7, 8]));
  assert.equal(a.buffer, b.buffer);
  assert.equal(a.byteOffset % 8, 0);
  assert.equal(b.byteOffset % 8, 0);
  // Each is the caller's: writing to one changes neither the other nor the buffer.
  a.fill(0xff);
  assert.deepEqual(b, new Uint8Array([4, 5, 6, 7, 8]));
  assert.deepEqual(rb.take(2), new Uint8Array([9, 10]));
  // Larger ones are arrays of their own.
  const big = new Uint8Array(2_000).fill(7);
  rb.append(big);
  rb.append(new Uint8Array([1]));
  const own = rb.take(2_000);
  assert.equal(own.byteOffset, 0);
  assert.equal(own.buffer.byteLength, 2_000);
});
