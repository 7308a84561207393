// Copyright 2026 the socketkit authors. MIT license.
// Python's address and byte-order conversions for the socket.ts facade:
// inet_pton, inet_ntop, htons, ntohs, htonl, ntohl. Pure; internal:
// socket.ts exports them.

import { show } from "./_errors.ts";

const AF_INET = 2;
const AF_INET6 = 10;

const IPV4_REGEXP =
  /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const GROUP_REGEXP = /^[0-9A-Fa-f]{1,4}$/;

/** The eight 16-bit groups of an IPv6 address, as glibc's inet_pton reads it; null if it is none. */
function parseIpv6(text: string): number[] | null {
  let head = text;
  const tail: number[] = [];
  const last = text.lastIndexOf(":");
  if (last >= 0 && text.slice(last + 1).includes(".")) {
    // A dotted IPv4 address in the last 32 bits.
    const v4 = text.slice(last + 1);
    if (!IPV4_REGEXP.test(v4)) return null;
    const [a, b, c, d] = v4.split(".").map(Number) as [
      number,
      number,
      number,
      number,
    ];
    tail.push((a << 8) | b, (c << 8) | d);
    head = text.endsWith(`::${v4}`)
      ? text.slice(0, last + 1)
      : text.slice(0, last);
  } else if (last < 0) {
    return null;
  }
  const halves = head.split("::");
  if (halves.length > 2) return null;
  const groups = (part: string): number[] =>
    part === ""
      ? []
      : part.split(":").map((g) =>
        GROUP_REGEXP.test(g) ? parseInt(g, 16) : NaN
      );
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  if ([...left, ...right].some(Number.isNaN)) return null;
  const count = left.length + right.length + tail.length;
  if (halves.length === 2 ? count > 7 : count !== 8) return null;
  return [
    ...left,
    ...new Array<number>(8 - count).fill(0),
    ...right,
    ...tail,
  ];
}

/** Formats eight groups as glibc's inet_ntop does (RFC 5952, and `::a.b.c.d` forms). */
function formatIpv6(words: number[]): string {
  let base = -1;
  let len = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i >= 2 && j - i > len) {
      base = i;
      len = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) =>
    words.slice(from, to).map((w) => w.toString(16)).join(":");
  if (base === 0 && (len === 6 || (len === 5 && words[5] === 0xffff))) {
    const v4 = [
      words[6]! >> 8,
      words[6]! & 0xff,
      words[7]! >> 8,
      words[7]! & 0xff,
    ]
      .join(".");
    return len === 6 ? `::${v4}` : `::ffff:${v4}`;
  }
  if (base < 0) return hex(0, 8);
  return `${hex(0, base)}::${hex(base + len, 8)}`;
}

function checkFamily(family: unknown, action: string): void {
  if (family !== AF_INET && family !== AF_INET6) {
    throw new RangeError(
      `Cannot ${action} as family must be AF_INET or AF_INET6: current value is ${
        show(family)
      }`,
    );
  }
}

/**
 * Converts an IP address to its bytes in network order, as Python's
 * `socket.inet_pton`: 4 for `AF_INET` (strict dotted quad), 16 for
 * `AF_INET6` (a dotted IPv4 tail allowed).
 *
 * @param family `AF_INET` or `AF_INET6`.
 * @param ip The address.
 * @returns The bytes.
 * @throws {TypeError} If `ip` is not an address of the family (Python's
 * `OSError: illegal IP address string`).
 * @throws {RangeError} For another family.
 *
 * @example IPv6 to bytes and back
 * ```ts
 * import * as socket from "@socketkit/socket/socket";
 * import assert from "node:assert/strict";
 *
 * const packed = socket.inet_pton(socket.AF_INET6, "::ffff:127.0.0.1");
 * assert.equal(packed.length, 16);
 * assert.equal(socket.inet_ntop(socket.AF_INET6, packed), "::ffff:127.0.0.1");
 * ```
 */
// deno-lint-ignore camelcase
export function inet_pton(family: number, ip: string): Uint8Array {
  checkFamily(family, "inet_pton");
  if (typeof ip !== "string") {
    throw new TypeError(
      `Cannot inet_pton as ip must be a string: current value is ${show(ip)}`,
    );
  }
  if (family === AF_INET) {
    if (IPV4_REGEXP.test(ip)) return new Uint8Array(ip.split(".").map(Number));
  } else {
    const words = parseIpv6(ip);
    if (words !== null) {
      const out = new Uint8Array(16);
      const view = new DataView(out.buffer);
      words.forEach((w, i) => view.setUint16(i * 2, w));
      return out;
    }
  }
  throw new TypeError(
    `Cannot inet_pton as ip must be an ${
      family === AF_INET ? "IPv4" : "IPv6"
    } address: current value is ${show(ip)}`,
  );
}

/**
 * Converts an address's bytes in network order to text, as Python's
 * `socket.inet_ntop` (IPv6 in glibc's compressed form).
 *
 * @param family `AF_INET` or `AF_INET6`.
 * @param packed 4 bytes for `AF_INET`, 16 for `AF_INET6`.
 * @returns The address.
 * @throws {TypeError} If `packed` has the wrong length (Python's `ValueError`).
 * @throws {RangeError} For another family.
 *
 * @example Compressed IPv6
 * ```ts
 * import * as socket from "@socketkit/socket/socket";
 * import assert from "node:assert/strict";
 *
 * const packed = new Uint8Array(16);
 * packed[15] = 1;
 * assert.equal(socket.inet_ntop(socket.AF_INET6, packed), "::1");
 * ```
 */
// deno-lint-ignore camelcase
export function inet_ntop(family: number, packed: Uint8Array): string {
  checkFamily(family, "inet_ntop");
  const size = family === AF_INET ? 4 : 16;
  if (!(packed instanceof Uint8Array) || packed.length !== size) {
    throw new TypeError(
      `Cannot inet_ntop as packed must be ${size} bytes: current value is ${
        show(packed)
      }`,
    );
  }
  if (family === AF_INET) return packed.join(".");
  const view = new DataView(packed.buffer, packed.byteOffset, 16);
  return formatIpv6(
    Array.from({ length: 8 }, (_, i) => view.getUint16(i * 2)),
  );
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function checkUint(value: unknown, bits: 16 | 32, action: string): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(
      `Cannot ${action} as x must be an integer: current value is ${
        show(value)
      }`,
    );
  }
  const max = bits === 16 ? 0xffff : 0xffffffff;
  if (value < 0 || value > max) {
    throw new RangeError(
      `Cannot ${action} as x must be an integer from 0 to ${max}: current value is ${value}`,
    );
  }
  return value;
}

function swap16(x: number): number {
  return LITTLE_ENDIAN ? ((x & 0xff) << 8) | (x >> 8) : x;
}

function swap32(x: number): number {
  if (!LITTLE_ENDIAN) return x;
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) |
    (x >>> 24)) >>> 0;
}

/**
 * A 16-bit number from host to network byte order, as Python's
 * `socket.htons` (swapped on little-endian hosts).
 *
 * @param x An integer from 0 to 65535.
 * @returns The swapped number.
 * @throws {RangeError} Outside 0–65535 (Python's `OverflowError`).
 *
 * @example Port 1 in network order
 * ```ts
 * import * as socket from "@socketkit/socket/socket";
 * import assert from "node:assert/strict";
 *
 * assert.equal(socket.ntohs(socket.htons(8080)), 8080);
 * ```
 */
export function htons(x: number): number {
  return swap16(checkUint(x, 16, "htons"));
}

/**
 * A 16-bit number from network to host byte order, as Python's
 * `socket.ntohs`.
 *
 * @param x An integer from 0 to 65535.
 * @returns The swapped number.
 * @throws {RangeError} Outside 0–65535.
 *
 * @example Back to host order
 * ```ts
 * import * as socket from "@socketkit/socket/socket";
 * import assert from "node:assert/strict";
 *
 * assert.equal(socket.ntohs(socket.htons(443)), 443);
 * ```
 */
export function ntohs(x: number): number {
  return swap16(checkUint(x, 16, "ntohs"));
}

/**
 * A 32-bit number from host to network byte order, as Python's
 * `socket.htonl`.
 *
 * @param x An integer from 0 to 4294967295.
 * @returns The swapped number.
 * @throws {RangeError} Outside 0–4294967295.
 *
 * @example Round trip
 * ```ts
 * import * as socket from "@socketkit/socket/socket";
 * import assert from "node:assert/strict";
 *
 * assert.equal(socket.ntohl(socket.htonl(0x7f000001)), 0x7f000001);
 * ```
 */
export function htonl(x: number): number {
  return swap32(checkUint(x, 32, "htonl"));
}

/**
 * A 32-bit number from network to host byte order, as Python's
 * `socket.ntohl`.
 *
 * @param x An integer from 0 to 4294967295.
 * @returns The swapped number.
 * @throws {RangeError} Outside 0–4294967295.
 *
 * @example Round trip
 * ```ts
 * import * as socket from "@socketkit/socket/socket";
 * import assert from "node:assert/strict";
 *
 * assert.equal(socket.htonl(socket.ntohl(1)), 1);
 * ```
 */
export function ntohl(x: number): number {
  return swap32(checkUint(x, 32, "ntohl"));
}
