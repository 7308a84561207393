// Copyright 2026 the socketkit authors. MIT license.
// Side-by-side case for taking small messages out of a read buffer: a new
// array per message (`slice`, what a hand-written loop does) against the
// read buffer's take(), which copies small messages into a shared slab.
// bench/compare.ts runs it.

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

/** The cases of this file. */
export function cases(): Case[] {
  return [{
    name: `take ${
      MESSAGES.toLocaleString("en-US")
    } × 100-byte messages (raw = slice each)`,
    unit: "messages",
    raw: sliceEach,
    kit: takeEach,
  }];
}
