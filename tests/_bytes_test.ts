// Copyright 2026 the socketkit authors. MIT license.

import assert from "node:assert/strict";
import fc from "fast-check";
import { indexOfBytes } from "../_bytes.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

Deno.test("indexOfBytes() finds one- and many-byte delimiters", () => {
  assert.equal(indexOfBytes(bytes("ab\ncd"), bytes("\n"), 0, 5), 2);
  assert.equal(indexOfBytes(bytes("a\rb\r\nc"), bytes("\r\n"), 0, 6), 3);
  assert.equal(indexOfBytes(bytes("xxABAB"), bytes("AB"), 3, 6), 4);
  assert.equal(indexOfBytes(bytes("abc"), bytes("abc"), 0, 3), 0);
});

Deno.test("indexOfBytes() searches only buf[from, to)", () => {
  const buf = bytes("a\nb\nc\n");
  assert.equal(indexOfBytes(buf, bytes("\n"), 2, 6), 3);
  assert.equal(indexOfBytes(buf, bytes("\n"), 0, 1), -1);
  // A delimiter that starts inside but ends past `to` is not found.
  assert.equal(indexOfBytes(bytes("ab\r\n"), bytes("\r\n"), 0, 3), -1);
  assert.equal(indexOfBytes(bytes("\n"), bytes("\n"), 1, 1), -1);
  assert.equal(indexOfBytes(bytes(""), bytes("\n"), 0, 0), -1);
});

Deno.test("indexOfBytes() agrees with a naive search", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 64, max: 3 }),
      fc.uint8Array({ minLength: 1, maxLength: 3, max: 3 }),
      fc.nat(70),
      fc.nat(70),
      (buf, delim, a, b) => {
        const from = Math.min(a, buf.length);
        const to = Math.min(Math.max(from, b), buf.length);
        let expected = -1;
        for (let i = from; i + delim.length <= to; i++) {
          if (delim.every((byte, j) => buf[i + j] === byte)) {
            expected = i;
            break;
          }
        }
        assert.equal(indexOfBytes(buf, delim, from, to), expected);
      },
    ),
    { numRuns: 2_000 },
  );
});
