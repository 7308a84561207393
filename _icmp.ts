// Copyright 2026 the socketkit authors. MIT license.
// The ICMP echo codec of `@socketkit/socket/raw`: the Internet checksum,
// echo requests, and the decoding of what a raw or ICMP socket receives.
// Pure functions, no I/O; raw.ts re-exports them under the same names.
// Internal.

import { show } from "./_errors.ts";
import type { IpFamily } from "./raw.ts";

/**
 * The Internet checksum (RFC 1071) of `data`: the ones' complement of the
 * ones' complement sum of its 16-bit big-endian words.
 *
 * @param data The bytes (an ICMP message with its checksum field zero).
 * @returns The checksum, to store big-endian.
 *
 * @example A message whose checksum is in place sums to zero
 * ```ts
 * import * as raw from "@socketkit/socket/raw";
 * import assert from "node:assert/strict";
 *
 * const packet = raw.echoRequest({ identifier: 7, sequence: 1, payload: new Uint8Array(4) });
 * assert.equal(raw.checksum(packet), 0);
 * ```
 */
export function checksum(data: Uint8Array): number {
  let sum = 0;
  const even = data.length & ~1;
  for (let i = 0; i < even; i += 2) sum += (data[i]! << 8) | data[i + 1]!;
  if (even < data.length) sum += data[even]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Options for {@linkcode echoRequest}. */
export interface EchoRequestOptions {
  /**
   * ICMP (`4`) or ICMPv6 (`6`).
   *
   * @default {4}
   */
  family?: IpFamily;
  /** The identifier, 0 to 65535. */
  identifier: number;
  /** The sequence number, 0 to 65535. */
  sequence: number;
  /**
   * The data after the 8-byte header.
   *
   * @default {new Uint8Array(0)}
   */
  payload?: Uint8Array;
}

/**
 * Builds an ICMP echo request (type 8; ICMPv6: 128) with its checksum (for
 * ICMPv6 the system computes it, so it is left zero).
 *
 * @param options Family, identifier, sequence and payload.
 * @returns The packet.
 * @throws {RangeError} If the identifier or sequence is outside 0–65535.
 *
 * @example An echo request
 * ```ts
 * import * as raw from "@socketkit/socket/raw";
 * import assert from "node:assert/strict";
 *
 * const packet = raw.echoRequest({ identifier: 0x1234, sequence: 1 });
 * assert.deepEqual([...packet], [8, 0, 0xe5, 0xca, 0x12, 0x34, 0, 1]);
 * ```
 */
export function echoRequest(options: EchoRequestOptions): Uint8Array {
  const { family = 4, identifier, sequence, payload = new Uint8Array(0) } =
    options;
  for (
    const [name, value] of [["identifier", identifier], [
      "sequence",
      sequence,
    ]] as const
  ) {
    if (
      typeof value !== "number" || !Number.isInteger(value) || value < 0 ||
      value > 0xffff
    ) {
      throw new RangeError(
        `Cannot build echo request as ${name} must be an integer from 0 to 65535: current value is ${
          show(value)
        }`,
      );
    }
  }
  const packet = new Uint8Array(8 + payload.length);
  const view = new DataView(packet.buffer);
  packet[0] = family === 4 ? 8 : 128;
  view.setUint16(4, identifier, false);
  view.setUint16(6, sequence, false);
  packet.set(payload, 8);
  if (family === 4) view.setUint16(2, checksum(packet), false);
  return packet;
}

/** An ICMP message, decoded by {@linkcode parseIcmp}. */
export interface IcmpMessage {
  /** The ICMP type (0 echo reply, 3 unreachable, 11 time exceeded; ICMPv6: 129, 1, 3). */
  type: number;
  /** The ICMP code. */
  code: number;
  /** For echo messages: the identifier; for errors: the one of the echo request they quote, if any. */
  identifier: number | null;
  /** As `identifier`, the sequence number. */
  sequence: number | null;
  /** The bytes after the 8-byte header (echo messages). */
  payload: Uint8Array;
  /** Whether the checksum is right (IPv4; ICMPv6 is checked by the system: always true). */
  checksumOk: boolean;
}

/**
 * Decodes an ICMP message as {@linkcode recvFrom} returns it (an IPv4
 * header in front is skipped). Errors (unreachable, time exceeded) give the
 * identifier and sequence of the echo request they quote.
 *
 * @param packet The packet.
 * @param family `4` or `6`.
 * @returns The message, or `null` when it is too short to be ICMP.
 *
 * @example Decode a request
 * ```ts
 * import * as raw from "@socketkit/socket/raw";
 * import assert from "node:assert/strict";
 *
 * const msg = raw.parseIcmp(raw.echoRequest({ identifier: 9, sequence: 3 }), 4)!;
 * assert.equal(msg.type, 8);
 * assert.equal(msg.sequence, 3);
 * assert.ok(msg.checksumOk);
 * ```
 */
export function parseIcmp(
  packet: Uint8Array,
  family: IpFamily,
): IcmpMessage | null {
  let icmp = packet;
  if (family === 4 && packet.length >= 20 && packet[0]! >> 4 === 4) {
    icmp = packet.subarray((packet[0]! & 0x0f) * 4);
  }
  if (icmp.length < 8) return null;
  const view = new DataView(icmp.buffer, icmp.byteOffset, icmp.byteLength);
  const type = icmp[0]!;
  const code = icmp[1]!;
  const echo = family === 4
    ? type === 0 || type === 8
    : type === 128 || type === 129;
  let identifier: number | null = null;
  let sequence: number | null = null;
  if (echo) {
    identifier = view.getUint16(4, false);
    sequence = view.getUint16(6, false);
  } else {
    // An error quotes the IP header and the first 8 bytes of what it answers.
    const quoted = icmp.subarray(8);
    const headerLength = family === 4
      ? (quoted.length > 0 ? (quoted[0]! & 0x0f) * 4 : 0)
      : 40;
    const inner = quoted.subarray(headerLength);
    if (quoted.length >= headerLength + 8) {
      const v = new DataView(inner.buffer, inner.byteOffset, inner.byteLength);
      identifier = v.getUint16(4, false);
      sequence = v.getUint16(6, false);
    }
  }
  return {
    type,
    code,
    identifier,
    sequence,
    payload: icmp.subarray(8),
    checksumOk: family === 6 || checksum(icmp) === 0,
  };
}
