// Copyright 2026 the socketkit authors. MIT license.

import assert from "node:assert/strict";
import * as icmp from "../_icmp.ts";
import * as raw from "../raw.ts";
import {
  assertNoFdLeakIn,
  hasPing,
  linux,
  needsRoot,
  pingGroupExcludesUs,
  root,
  within,
} from "./_ffi_util.ts";
import { run, runExample } from "./_util.ts";

const excluded = linux && pingGroupExcludesUs();

Deno.test("raw.ts re-exports the ICMP codec of _icmp.ts under the same names", () => {
  assert.equal(raw.checksum, icmp.checksum);
  assert.equal(raw.echoRequest, icmp.echoRequest);
  assert.equal(raw.parseIcmp, icmp.parseIcmp);
});

Deno.test({
  name:
    "ping() gets checked echo replies from 127.0.0.1 with round-trip statistics" +
    needsRoot,
  ignore: !root,
  async fn() {
    const seen: raw.PingReply[] = [];
    const result = await within(
      raw.ping("127.0.0.1", {
        count: 3,
        interval: 10,
        timeout: 2_000,
        onReply: (r) => seen.push(r),
      }),
      15_000,
      "ping",
    );
    assert.equal(result.address, "127.0.0.1");
    assert.equal(result.transmitted, 3);
    assert.equal(result.received, 3);
    assert.equal(result.lossPercent, 0);
    assert.deepEqual(result.replies.map((r) => r.sequence), [1, 2, 3]);
    assert.deepEqual(seen, result.replies);
    for (const reply of result.replies) {
      assert.equal(reply.kind, "reply");
      assert.equal(reply.from, "127.0.0.1");
      assert.equal(reply.bytes, 64);
      assert.ok(reply.ttl !== null && reply.ttl > 0);
      assert.ok(reply.time >= 0 && reply.time < 2_000);
    }
    const { min, avg, max, mdev } = result.rtt!;
    assert.ok(min <= avg && avg <= max && mdev >= 0);
    assert.equal(result.kind, excluded ? "raw" : result.kind);
  },
});

Deno.test({
  name:
    "ping() gets checked echo replies from ::1, with a chosen size and hop limit" +
    needsRoot,
  ignore: !root,
  async fn() {
    const result = await within(
      raw.ping("::1", { count: 2, interval: 10, size: 100, ttl: 9 }),
      15_000,
      "ping",
    );
    assert.equal(result.received, 2);
    for (const reply of result.replies) {
      assert.equal(reply.from, "::1");
      assert.equal(reply.bytes, 108);
      // The hop limit of the reply is the replier's (the request had 9).
      assert.ok(reply.ttl !== null && reply.ttl > 0);
    }
  },
});

Deno.test({
  name:
    "ping() sends each request with its own sequence number, send time, payload and checksum" +
    needsRoot,
  ignore: !root,
  async fn() {
    // A raw ICMP socket on this host also sees the requests sent on lo.
    await using watcher = raw.open({ kind: "raw" });
    const size = 21; // a size no other test pings with
    const before = performance.now();
    const result = await within(
      raw.ping("127.0.0.1", { count: 3, interval: 5, size }),
      15_000,
      "ping",
    );
    const after = performance.now();
    assert.equal(result.received, 3);
    const requests: raw.IcmpMessage[] = [];
    for (let i = 0; i < 100; i++) {
      let packet: Uint8Array;
      try {
        [packet] = await raw.recvFrom(watcher, { timeout: 200 });
      } catch (err) {
        if (err instanceof Deno.errors.TimedOut) break;
        throw err;
      }
      const msg = raw.parseIcmp(packet, 4);
      if (msg?.type === 8 && msg.payload.length === size) requests.push(msg);
    }
    assert.deepEqual(requests.map((m) => m.sequence), [1, 2, 3]);
    const pattern = Uint8Array.from({ length: size }, (_, i) => i);
    let last = before;
    for (const msg of requests) {
      assert.ok(msg.checksumOk, `the checksum of request ${msg.sequence}`);
      assert.equal(msg.identifier, requests[0]!.identifier);
      assert.deepEqual(msg.payload.subarray(8), pattern.subarray(8));
      const view = new DataView(msg.payload.buffer, msg.payload.byteOffset);
      const sentAt = view.getFloat64(0, false);
      assert.ok(sentAt >= last && sentAt <= after, `send time ${sentAt}`);
      last = sentAt;
    }
  },
});

Deno.test({
  name:
    "open() falls back to a raw socket when ping_group_range leaves the group out" +
    needsRoot,
  ignore: !root || !excluded,
  async fn() {
    await using sock = raw.open();
    assert.equal(sock.kind, "raw");
    assert.equal(sock.family, 4);
    assert.equal(sock.protocol, 1);
    assert.equal(sock.identifier, null);
    await using six = raw.open({ family: 6 });
    assert.equal(six.protocol, 58);
    assert.throws(
      () => raw.open({ kind: "datagram" }),
      (err: Error) =>
        err instanceof Deno.errors.PermissionDenied &&
        err.message.includes("net.ipv4.ping_group_range"),
    );
  },
});

Deno.test({
  name:
    "without root or ping_group_range open() says which privileges are missing",
  ignore: !linux || root || !excluded,
  fn() {
    assert.throws(
      () => raw.open(),
      (err: Error) =>
        err instanceof Deno.errors.PermissionDenied &&
        err.message.includes("ping_group_range") &&
        err.message.includes("CAP_NET_RAW"),
    );
  },
});

Deno.test({
  name: "setTtl() and getTtl() set the TTL and hop limit for real" + needsRoot,
  ignore: !root,
  async fn() {
    await using four = raw.open({ family: 4, ttl: 7 });
    assert.equal(raw.getTtl(four), 7);
    raw.setTtl(four, 200);
    assert.equal(raw.getTtl(four), 200);
    await using six = raw.open({ family: 6 });
    raw.setTtl(six, 3);
    assert.equal(raw.getTtl(six), 3);
    assert.throws(() => raw.setTtl(six, 0), RangeError);
    assert.throws(() => raw.setTtl(six, 256), RangeError);
  },
});

Deno.test({
  name: "a timed-out or aborted recvFrom() consumes no packet" + needsRoot,
  ignore: !root,
  async fn() {
    await using sock = raw.open();
    await assert.rejects(
      raw.recvFrom(sock, { timeout: 20 }),
      Deno.errors.TimedOut,
    );
    const controller = new AbortController();
    const aborted = raw.recvFrom(sock, { signal: controller.signal });
    controller.abort(new Error("no more"));
    await assert.rejects(aborted, { message: "no more" });
    const identifier = 0x5eed ^ (Deno.pid & 0xfff);
    await raw.sendTo(
      sock,
      raw.echoRequest({ identifier, sequence: 1, payload: new Uint8Array(8) }),
      "127.0.0.1",
    );
    // The reply waits for the next call (a raw socket also sees the request).
    let reply: raw.IcmpMessage | null = null;
    for (let i = 0; i < 10 && reply === null; i++) {
      const [data, from] = await within(raw.recvFrom(sock, { timeout: 2_000 }));
      const msg = raw.parseIcmp(data, 4);
      if (msg?.type === 0 && msg.identifier === identifier) {
        reply = msg;
        assert.equal(from.hostname, "127.0.0.1");
        assert.ok(from.ttl !== null && from.ttl > 0);
      }
    }
    assert.ok(reply !== null && reply.checksumOk && reply.sequence === 1);
  },
});

/** An IP protocol number set aside for experiments (RFC 3692). */
const PRIVATE_PROTOCOL = 253;
/** A raw IPv4 packet starts with its 20-byte header (no options here). */
const IP_HEADER = 20;

/** A payload of `length` bytes that starts with `tag` and this process's id. */
function tagged(tag: string, length = 32): Uint8Array {
  const out = new Uint8Array(length).fill(0x2e);
  out.set(new TextEncoder().encode(`${tag}:${Deno.pid}:`).subarray(0, length));
  return out;
}

/** Whether `packet` (IP header included) carries `payload` after its header. */
function carries(packet: Uint8Array, payload: Uint8Array): boolean {
  const body = packet.subarray(IP_HEADER);
  return body.length === payload.length &&
    body.every((b, i) => b === payload[i]);
}

Deno.test({
  name:
    "recvFrom() returns bytes the caller owns: a later receive leaves an earlier result unchanged" +
    needsRoot,
  ignore: !root,
  async fn() {
    await using sock = raw.open({ protocol: PRIVATE_PROTOCOL });
    const one = tagged("first");
    const two = tagged("other");
    await raw.sendTo(sock, one, "127.0.0.1");
    const [first, from] = await within(raw.recvFrom(sock, { timeout: 2_000 }));
    assert.ok(carries(first, one), "the first packet");
    assert.equal(from.hostname, "127.0.0.1");
    // Exactly the packet's bytes, in a buffer of their own.
    assert.equal(first.byteOffset, 0);
    assert.equal(first.buffer.byteLength, IP_HEADER + one.length);
    const kept = first.slice();
    await raw.sendTo(sock, two, "127.0.0.1");
    const [second] = await within(raw.recvFrom(sock, { timeout: 2_000 }));
    assert.ok(carries(second, two), "the second packet");
    assert.deepEqual(
      first,
      kept,
      "the second receive changed the first result",
    );
    // Writing into a result changes nothing the socket reads later.
    first.fill(0);
    await raw.sendTo(sock, two, "127.0.0.1");
    const [third] = await within(raw.recvFrom(sock, { timeout: 2_000 }));
    assert.ok(carries(third, two), "the third packet");
    assert.ok(carries(second, two), "the second result stayed as received");
  },
});

Deno.test({
  name:
    "two recvFrom() calls on one socket each get a packet of their own, queued already or arriving while they wait" +
    needsRoot,
  ignore: !root,
  async fn() {
    await using sock = raw.open({ protocol: PRIVATE_PROTOCOL });
    const one = tagged("one");
    const two = tagged("two");
    const check = (got: [Uint8Array, raw.RawAddr][]) => {
      const packets = got.map(([data]) => data);
      assert.equal(packets.filter((p) => carries(p, one)).length, 1);
      assert.equal(packets.filter((p) => carries(p, two)).length, 1);
    };
    // Both packets queued: both calls read at once, in the same step.
    await raw.sendTo(sock, one, "127.0.0.1");
    await raw.sendTo(sock, two, "127.0.0.1");
    check(
      await within(Promise.all([
        raw.recvFrom(sock, { timeout: 2_000 }),
        raw.recvFrom(sock, { timeout: 2_000 }),
      ])),
    );
    // Both calls waiting when the packets arrive.
    const waiting = Promise.all([
      raw.recvFrom(sock, { timeout: 2_000 }),
      raw.recvFrom(sock, { timeout: 2_000 }),
    ]);
    await raw.sendTo(sock, one, "127.0.0.1");
    await raw.sendTo(sock, two, "127.0.0.1");
    check(await within(waiting));
  },
});

Deno.test({
  name:
    "recvFrom() cuts a packet to maxBytes, and takes a larger maxBytes than the default" +
    needsRoot,
  ignore: !root,
  async fn() {
    await using sock = raw.open({ protocol: PRIVATE_PROTOCOL });
    const payload = tagged("long", 100);
    for (let i = 0; i < 3; i++) await raw.sendTo(sock, payload, "127.0.0.1");
    const [cut] = await within(
      raw.recvFrom(sock, { timeout: 2_000, maxBytes: 30 }),
    );
    assert.equal(cut.length, 30);
    assert.equal(cut.buffer.byteLength, 30);
    assert.deepEqual(cut.subarray(IP_HEADER), payload.subarray(0, 10));
    const [whole] = await within(raw.recvFrom(sock, { timeout: 2_000 }));
    assert.ok(carries(whole, payload));
    const [large] = await within(
      raw.recvFrom(sock, { timeout: 2_000, maxBytes: 100_000 }),
    );
    assert.ok(carries(large, payload));
    assert.deepEqual(cut.subarray(IP_HEADER), payload.subarray(0, 10));
    await assert.rejects(raw.recvFrom(sock, { maxBytes: 0 }), {
      name: "RangeError",
      message:
        "Cannot recvFrom on the raw IPv4 socket as maxBytes must be a positive integer: current value is 0",
    });
  },
});

Deno.test({
  name:
    "sendTo() checks each address and its options, also after a run of sends to one address" +
    needsRoot,
  ignore: !root,
  async fn() {
    await using sock = raw.open({ protocol: PRIVATE_PROTOCOL });
    const payload = tagged("again");
    for (let i = 0; i < 3; i++) {
      assert.equal(
        await raw.sendTo(sock, payload, "127.0.0.1"),
        payload.length,
      );
    }
    await assert.rejects(raw.sendTo(sock, payload, "::1"), {
      name: "TypeError",
      message:
        'Cannot send to "::1" as the address must be IPv4 for this socket: current value is "::1"',
    });
    await assert.rejects(
      raw.sendTo(sock, payload, "127.0.0.1", { timeout: -1 }),
      {
        name: "RangeError",
        message:
          'Cannot send to "127.0.0.1" as timeout must be a number of milliseconds from 0 up: current value is -1',
      },
    );
    await assert.rejects(
      raw.sendTo(sock, payload, "127.0.0.1", { signal: AbortSignal.abort() }),
      { name: "AbortError" },
    );
    await assert.rejects(raw.sendTo(sock, payload, 7 as unknown as string), {
      name: "TypeError",
      message:
        "Cannot sendTo as address must be a non-empty string: current value is 7",
    });
    assert.equal(await raw.sendTo(sock, payload, "127.0.0.1"), payload.length);
    // Four packets went out, and only four: the rejected calls sent nothing.
    for (let i = 0; i < 4; i++) {
      const [packet] = await within(raw.recvFrom(sock, { timeout: 2_000 }));
      assert.ok(carries(packet, payload), `packet ${i}`);
    }
    await assert.rejects(
      raw.recvFrom(sock, { timeout: 50 }),
      Deno.errors.TimedOut,
    );
    await using six = raw.open({ family: 6, protocol: PRIVATE_PROTOCOL });
    await raw.sendTo(six, payload, "::1");
    await assert.rejects(raw.sendTo(six, payload, "127.0.0.1"), TypeError);
    await raw.sendTo(six, payload, "0:0:0:0:0:0:0:1");
    for (let i = 0; i < 2; i++) {
      const [packet, from] = await within(
        raw.recvFrom(six, { timeout: 2_000 }),
      );
      assert.deepEqual(packet, payload);
      assert.equal(from.hostname, "::1");
    }
  },
});

Deno.test("sendTo() and recvFrom() reject bad arguments, never throw them", async () => {
  const calls: [string, () => Promise<unknown>][] = [
    [
      "sendTo",
      () =>
        raw.sendTo(
          null as unknown as raw.RawSocket,
          new Uint8Array(1),
          "127.0.0.1",
        ),
    ],
    ["recvFrom", () => raw.recvFrom({} as raw.RawSocket)],
  ];
  for (const [name, call] of calls) {
    let pending: Promise<unknown> | undefined;
    assert.doesNotThrow(() => {
      pending = call();
    }, `${name} threw instead of rejecting`);
    await assert.rejects(pending!, {
      name: "TypeError",
      message: `Cannot ${name} as sock must be a RawSocket: current value is ${
        name === "sendTo" ? "null" : "an object"
      }`,
    });
  }
});

Deno.test({
  name:
    "on a closed socket sendTo() and recvFrom() reject with BadResource, and bad options before that" +
    needsRoot,
  ignore: !root,
  async fn() {
    const sock = raw.open({ protocol: PRIVATE_PROTOCOL });
    await raw.sendTo(sock, tagged("before"), "127.0.0.1");
    await raw.close(sock);
    let sending: Promise<number> | undefined;
    let receiving: Promise<unknown> | undefined;
    assert.doesNotThrow(() => {
      sending = raw.sendTo(sock, tagged("after"), "127.0.0.1");
      receiving = raw.recvFrom(sock);
    });
    await assert.rejects(sending!, {
      name: "BadResource",
      message: 'Cannot send to "127.0.0.1": the socket is closed',
    });
    await assert.rejects(receiving!, {
      name: "BadResource",
      message: "Cannot recvFrom on the raw IPv4 socket: the socket is closed",
    });
    await assert.rejects(raw.recvFrom(sock, { maxBytes: -1 }), RangeError);
    await assert.rejects(
      raw.sendTo(sock, tagged("after"), "127.0.0.1", { timeout: "1" as never }),
      TypeError,
    );
  },
});

Deno.test({
  name: "close() interrupts a pending recvFrom() at once" + needsRoot,
  ignore: !root,
  async fn() {
    const sock = raw.open({ family: 6 });
    const pending = assert.rejects(raw.recvFrom(sock), Deno.errors.BadResource);
    await within(raw.close(sock), 2_000, "close");
    await within(pending, 2_000, "the interrupted recvFrom");
  },
});

Deno.test("open(), sendTo() and ping() reject bad arguments before any I/O", async () => {
  assert.throws(() => raw.open({ family: 5 as 4 }), {
    name: "RangeError",
    message:
      "Cannot open raw socket as family must be 4 or 6: current value is 5",
  });
  assert.throws(() => raw.open({ protocol: 300 }), RangeError);
  assert.throws(() => raw.open({ kind: "stream" as "raw" }), TypeError);
  assert.throws(() => raw.open({ ttl: 0 }), RangeError);
  await assert.rejects(raw.ping(""), TypeError);
  await assert.rejects(raw.ping("127.0.0.1", { count: 0 }), {
    name: "RangeError",
    message:
      "Cannot ping as count must be an integer from 1 to 65535: current value is 0",
  });
  await assert.rejects(raw.ping("127.0.0.1", { size: 4 }), RangeError);
});

Deno.test({
  name: "ping() leaves no file descriptor open" + needsRoot,
  ignore: !root,
  async fn() {
    await assertNoFdLeakIn(
      `
      import * as raw from "@/raw.ts";
      async function round() {
        await raw.ping("127.0.0.1", { count: 1 });
        await raw.ping("::1", { count: 1 });
      }
    `,
      2,
    );
  },
});

const PING_REPLY_REGEXP =
  /^64 bytes from 127\.0\.0\.1: icmp_seq=\d+ ttl=\d+ time=\d+\.\d{3} ms$/;
const PING_STATS_REGEXP =
  /^2 packets transmitted, 2 received, 0% packet loss, time \d+ms$/;
const PING_RTT_REGEXP =
  /^rtt min\/avg\/max\/mdev = \d+\.\d{3}\/\d+\.\d{3}\/\d+\.\d{3}\/\d+\.\d{3} ms$/;

Deno.test({
  name: "examples/ping.ts prints what iputils ping prints" + needsRoot,
  ignore: !root || !hasPing,
  async fn() {
    const ours = await runExample("ping.ts", ["--allow-ffi", "--allow-net"], [
      "-c",
      "2",
      "-i",
      "0.05",
      "127.0.0.1",
    ]);
    const theirs = await run("ping", ["-c", "2", "-i", "0.05", "127.0.0.1"]);
    assert.equal(ours.code, 0, ours.stderr);
    assert.equal(theirs.code, 0, theirs.stderr);
    for (const out of [ours.stdout, theirs.stdout]) {
      const lines = out.trimEnd().split("\n");
      assert.equal(
        lines[0],
        "PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.",
      );
      assert.match(lines[1]!, PING_REPLY_REGEXP);
      assert.match(lines[2]!, PING_REPLY_REGEXP);
      assert.equal(lines[3], "");
      assert.equal(lines[4], "--- 127.0.0.1 ping statistics ---");
      assert.match(lines[5]!, PING_STATS_REGEXP);
      assert.match(lines[6]!, PING_RTT_REGEXP);
    }
  },
});

Deno.test({
  name: "examples/traceroute.ts reaches 127.0.0.1 in one hop" + needsRoot,
  ignore: !root,
  async fn() {
    const out = await runExample(
      "traceroute.ts",
      ["--allow-ffi", "--allow-net"],
      ["127.0.0.1"],
    );
    assert.equal(out.code, 0, out.stderr);
    const lines = out.stdout.trimEnd().split("\n");
    assert.equal(
      lines[0],
      "traceroute to 127.0.0.1 (127.0.0.1), 30 hops max, 64 byte packets",
    );
    assert.match(
      lines[1]!,
      /^ 1 {2}127\.0\.0\.1 {2}\d+\.\d{3} ms {2}\d+\.\d{3} ms {2}\d+\.\d{3} ms$/,
    );
    assert.equal(lines.length, 2);
  },
});

Deno.test({
  name: "examples/ping.ts rejects a bad count with status 2",
  async fn() {
    const out = await runExample("ping.ts", ["--allow-ffi", "--allow-net"], [
      "-c",
      "x",
      "127.0.0.1",
    ]);
    assert.equal(out.code, 2);
    assert.match(out.stderr, /^error: -c must be a non-negative number/);
  },
});
