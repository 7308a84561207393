// Copyright 2026 the socketkit authors. MIT license.

import assert from "node:assert/strict";
import * as icmp from "../_icmp.ts";

Deno.test("checksum() is the Internet checksum, odd lengths included", () => {
  // RFC 1071's example words 0001 f203 f4f5 f6f7 sum to ddf2; complement 220d.
  assert.equal(
    icmp.checksum(
      new Uint8Array([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]),
    ),
    0x220d,
  );
  assert.equal(icmp.checksum(new Uint8Array([0xff])), 0x00ff);
  assert.equal(icmp.checksum(new Uint8Array(0)), 0xffff);
});

Deno.test("echoRequest() builds type, code, checksum, identifier, sequence and payload", () => {
  const payload = new Uint8Array([1, 2, 3]);
  const packet = icmp.echoRequest({
    identifier: 0xabcd,
    sequence: 258,
    payload,
  });
  assert.deepEqual([...packet.subarray(0, 2)], [8, 0]);
  assert.deepEqual([...packet.subarray(4, 8)], [0xab, 0xcd, 1, 2]);
  assert.deepEqual(packet.subarray(8), payload);
  assert.equal(icmp.checksum(packet), 0);
  const six = icmp.echoRequest({ family: 6, identifier: 1, sequence: 1 });
  assert.equal(six[0], 128);
  assert.deepEqual([...six.subarray(2, 4)], [0, 0], "the kernel sums ICMPv6");
  assert.throws(
    () => icmp.echoRequest({ identifier: 70_000, sequence: 1 }),
    {
      name: "RangeError",
      message:
        "Cannot build echo request as identifier must be an integer from 0 to 65535: current value is 70000",
    },
  );
});

Deno.test("parseIcmp() reads echo replies behind an IPv4 header and the request quoted by an error", () => {
  const reply = icmp.echoRequest({ identifier: 5, sequence: 9 });
  reply[0] = 0;
  reply[2] = 0;
  reply[3] = 0;
  new DataView(reply.buffer).setUint16(2, icmp.checksum(reply));
  const ip = new Uint8Array(20);
  ip[0] = 0x45;
  ip[8] = 61;
  const withHeader = new Uint8Array([...ip, ...reply]);
  const msg = icmp.parseIcmp(withHeader, 4)!;
  assert.deepEqual(
    [msg.type, msg.identifier, msg.sequence, msg.checksumOk],
    [0, 5, 9, true],
  );
  withHeader[25] = withHeader[25]! ^ 1;
  assert.equal(icmp.parseIcmp(withHeader, 4)!.checksumOk, false);
  // Time exceeded (11) quoting our request: 8-byte header, IP header, request.
  const request = icmp.echoRequest({ identifier: 77, sequence: 3 });
  const error = new Uint8Array([11, 0, 0, 0, 0, 0, 0, 0, ...ip, ...request]);
  new DataView(error.buffer).setUint16(2, icmp.checksum(error));
  const exceeded = icmp.parseIcmp(error, 4)!;
  assert.deepEqual(
    [
      exceeded.type,
      exceeded.identifier,
      exceeded.sequence,
      exceeded.checksumOk,
    ],
    [11, 77, 3, true],
  );
  assert.equal(icmp.parseIcmp(new Uint8Array(4), 4), null);
});
