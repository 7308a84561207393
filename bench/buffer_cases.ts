// Copyright 2026 the socketkit authors. MIT license.
// Side-by-side cases for the read buffer: taking small messages out of it
// (a new array per message, `slice`, what a hand-written loop does, against
// take(), which copies small messages into a shared slab), and decoding the
// short lines of a line protocol (`TextDecoder` per line, against text(),
// which builds short ASCII text char by char). bench/compare.ts runs them.

import type { Case } from "./_harness.ts";
import { ReadBuffer } from "../_read_buffer.ts";

const MESSAGE_BYTES = 100;
const MESSAGES = 1_000_000;
const BLOCK = 64 * 1024;

function block(): Uint8Array {
  const data = new Uint8Array(BLOCK);
  for (let i = 0; i < data.length; i++) data[i] = i & 0xff;
  return data;
}

/** The same work both ways: MESSAGES copies of 100 bytes, each the caller's. */
function sliceEach(): Promise<number> {
  const data = block();
  let sum = 0;
  let at = 0;
  for (let i = 0; i < MESSAGES; i++) {
    if (at + MESSAGE_BYTES > data.length) at = 0;
    sum += data.slice(at, at + MESSAGE_BYTES)[0]!;
    at += MESSAGE_BYTES;
  }
  if (sum < 0) throw new Error("unreachable");
  return Promise.resolve(MESSAGES);
}

function takeEach(): Promise<number> {
  const data = block();
  const rb = new ReadBuffer();
  let sum = 0;
  for (let i = 0; i < MESSAGES; i++) {
    if (rb.size < MESSAGE_BYTES) {
      rb.skip(rb.size);
      rb.append(data);
    }
    sum += rb.take(MESSAGE_BYTES)[0]!;
  }
  if (sum < 0) throw new Error("unreachable");
  return Promise.resolve(MESSAGES);
}

const LINES = 1_000_000;

/** RESP-style lines, 2 to 8 bytes each ("*3", "$5", "+OK", ...), and where they end. */
function shortLines(): { data: Uint8Array; ends: number[] } {
  const words = [
    "*3",
    "$5",
    "+OK",
    "$11",
    ":1000",
    "-ERR",
    "*1",
    "+PONG",
    ":12345678",
  ];
  const text = words.map((w) => w.slice(0, 8) + "\n").join("");
  const data = new TextEncoder().encode(text);
  const ends: number[] = [];
  for (let i = 0; i < data.length; i++) if (data[i] === 0x0a) ends.push(i);
  return { data, ends };
}

/** The same work both ways: LINES short lines decoded to strings. */
function decodeEach(): Promise<number> {
  const { data, ends } = shortLines();
  const decoder = new TextDecoder();
  let sum = 0;
  let from = 0;
  for (let i = 0; i < LINES; i++) {
    const k = i % ends.length;
    if (k === 0) from = 0;
    sum += decoder.decode(data.subarray(from, ends[k])).length;
    from = ends[k]! + 1;
  }
  if (sum < 0) throw new Error("unreachable");
  return Promise.resolve(LINES);
}

function textEach(): Promise<number> {
  const { data, ends } = shortLines();
  const rb = new ReadBuffer();
  rb.append(data);
  let sum = 0;
  let from = 0;
  for (let i = 0; i < LINES; i++) {
    const k = i % ends.length;
    if (k === 0) from = 0;
    sum += rb.text(from, ends[k]!).length;
    from = ends[k]! + 1;
  }
  if (sum < 0) throw new Error("unreachable");
  return Promise.resolve(LINES);
}

/** The cases of this file. */
export function cases(): Case[] {
  return [{
    name: `take ${
      MESSAGES.toLocaleString("en-US")
    } × 100-byte messages (raw = slice each)`,
    unit: "messages",
    raw: sliceEach,
    kit: takeEach,
  }, {
    name: `decode ${
      LINES.toLocaleString("en-US")
    } short lines, 2–8 bytes (raw = TextDecoder each)`,
    unit: "lines",
    raw: decodeEach,
    kit: textEach,
  }];
}
