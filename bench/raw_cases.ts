// Copyright 2026 the socketkit authors. MIT license.
// Side-by-side cases for the libc-backed sockets; bench/compare.ts runs them.
// Here the "raw" column is the reference program, not the Deno API (Deno
// has no such sockets): iputils `ping` for ICMP echo round trips, Python's
// socket module for SOCK_SEQPACKET messages, and a bare libc loop through
// Deno.dlopen (blocking calls, one reused buffer) for raw IP packets.
//
// Both sides report a steady-state figure measured inside the program (the
// average round-trip time ping prints; the time Python's loop took), so
// process start-up is not counted. The harness divides the amount by the
// wall time of the whole call, so each function scales its amount by
// wall/steady: the table then shows the steady-state rate.

import type { Case } from "./_harness.ts";
import * as raw from "../raw.ts";
import * as seqpacket from "../seqpacket.ts";
import { socketpair } from "../socketpair.ts";

const PINGS = 500;
const MESSAGES = 50_000;
const MESSAGE_BYTES = 64;
const PACKETS = 20_000;
const PACKET_BATCH = 32;
const PACKET_BYTES = 64;
/** An IP protocol number set aside for experiments (RFC 3692): no one else's traffic. */
const PRIVATE_PROTOCOL = 254;

/** Rescales `amount` done in `steadyMs` of a call that began at `startedAt`. */
function steady(amount: number, steadyMs: number, startedAt: number): number {
  const wallMs = performance.now() - startedAt;
  return amount * wallMs / steadyMs;
}

// ---- ping: echo round trips over loopback, one at a time ----

async function pingSystem(): Promise<number> {
  const startedAt = performance.now();
  // -A: the next request as soon as the reply is in (root: no minimum).
  const out = await new Deno.Command("ping", {
    args: ["-A", "-q", "-c", String(PINGS), "127.0.0.1"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const m = /= [\d.]+\/([\d.]+)\//.exec(text);
  if (!out.success || m === null) throw new Error(`ping failed: ${text}`);
  return steady(PINGS, PINGS * Number(m[1]), startedAt);
}

async function pingKit(): Promise<number> {
  const startedAt = performance.now();
  const result = await raw.ping("127.0.0.1", { count: PINGS, interval: 0 });
  if (result.received !== PINGS || result.rtt === null) {
    throw new Error(`ping lost replies: ${result.received} of ${PINGS}`);
  }
  return steady(PINGS, PINGS * result.rtt.avg, startedAt);
}

// ---- seqpacket: 64-byte messages through a socketpair, sender and receiver at once ----

const PYTHON_SEQPACKET = `
import socket, threading, time, sys
n, size = int(sys.argv[1]), int(sys.argv[2])
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
msg = b"x" * size
def send():
    for _ in range(n):
        a.send(msg)
t0 = time.perf_counter()
th = threading.Thread(target=send); th.start()
for _ in range(n):
    b.recv(65536)
th.join()
print((time.perf_counter() - t0) * 1000)
`;

async function seqpacketPython(): Promise<number> {
  const startedAt = performance.now();
  const out = await new Deno.Command("python3", {
    args: ["-c", PYTHON_SEQPACKET, String(MESSAGES), String(MESSAGE_BYTES)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const ms = Number(new TextDecoder().decode(out.stdout).trim());
  if (!out.success || !(ms > 0)) {
    throw new Error(new TextDecoder().decode(out.stderr));
  }
  return steady(MESSAGES, ms, startedAt);
}

async function seqpacketKit(): Promise<number> {
  const startedAt = performance.now();
  const [a, b] = socketpair("seqpacket");
  const msg = new Uint8Array(MESSAGE_BYTES).fill(0x78);
  const t0 = performance.now();
  const sending = (async () => {
    for (let i = 0; i < MESSAGES; i++) await seqpacket.send(a, msg);
  })();
  for (let i = 0; i < MESSAGES; i++) await seqpacket.recv(b);
  await sending;
  const ms = performance.now() - t0;
  await seqpacket.close(a);
  await seqpacket.close(b);
  return steady(MESSAGES, ms, startedAt);
}

// ---- raw IP: 64-byte packets of a private protocol sent to 127.0.0.1 and received ----
// Each round sends a batch of 32, then receives the 32 (the loopback
// delivers them before sendto returns; 32 small packets fit the receive
// buffer). A raw IPv4 socket receives each with its 20-byte IP header.

const LIBC = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  sendto: {
    parameters: ["i32", "buffer", "usize", "i32", "buffer", "u32"],
    result: "isize",
  },
  recvfrom: {
    parameters: ["i32", "buffer", "usize", "i32", "buffer", "buffer"],
    result: "isize",
  },
  setsockopt: {
    parameters: ["i32", "i32", "i32", "buffer", "u32"],
    result: "i32",
  },
  close: { parameters: ["i32"], result: "i32" },
} as const;

function packetsLibc(): Promise<number> {
  const lib = Deno.dlopen("libc.so.6", LIBC);
  try {
    const fd = lib.symbols.socket(2, 3, PRIVATE_PROTOCOL); // AF_INET, SOCK_RAW
    if (fd < 0) throw new Error("socket() failed");
    try {
      // SO_RCVTIMEO of 2 s: a lost packet fails the case, never hangs it.
      const tv = new BigInt64Array([2n, 0n]);
      lib.symbols.setsockopt(fd, 1, 20, new Uint8Array(tv.buffer), 16);
      // struct sockaddr_in for 127.0.0.1.
      const to = new Uint8Array(16);
      to.set([2, 0, 0, 0, 127, 0, 0, 1]);
      const data = new Uint8Array(PACKET_BYTES).fill(0x78);
      const buffer = new Uint8Array(65_535);
      const from = new Uint8Array(16);
      const fromLen = new Uint32Array(1);
      const fromLenBytes = new Uint8Array(fromLen.buffer);
      for (let done = 0; done < PACKETS; done += PACKET_BATCH) {
        for (let i = 0; i < PACKET_BATCH; i++) {
          const n = lib.symbols.sendto(
            fd,
            data,
            BigInt(data.length),
            0,
            to,
            16,
          );
          if (n !== BigInt(data.length)) throw new Error("sendto() failed");
        }
        for (let i = 0; i < PACKET_BATCH; i++) {
          fromLen[0] = 16;
          const n = lib.symbols.recvfrom(
            fd,
            buffer,
            BigInt(buffer.length),
            0,
            from,
            fromLenBytes,
          );
          if (n !== BigInt(20 + PACKET_BYTES)) {
            throw new Error(`recvfrom() returned ${n}`);
          }
          // The caller gets bytes of its own, as recvFrom gives them.
          buffer.slice(0, Number(n));
        }
      }
    } finally {
      lib.symbols.close(fd);
    }
  } finally {
    lib.close();
  }
  return Promise.resolve(PACKETS);
}

async function packetsKit(): Promise<number> {
  await using sock = raw.open({ protocol: PRIVATE_PROTOCOL });
  const data = new Uint8Array(PACKET_BYTES).fill(0x78);
  for (let done = 0; done < PACKETS; done += PACKET_BATCH) {
    for (let i = 0; i < PACKET_BATCH; i++) {
      await raw.sendTo(sock, data, "127.0.0.1");
    }
    for (let i = 0; i < PACKET_BATCH; i++) {
      const [packet] = await raw.recvFrom(sock, { timeout: 2_000 });
      if (packet.length !== 20 + PACKET_BYTES) {
        throw new Error(`recvFrom() returned ${packet.length} bytes`);
      }
    }
  }
  return PACKETS;
}

/** The libc-backed comparisons (Linux, root for ping; python3 for seqpacket). */
export function cases(): Case[] {
  const out: Case[] = [];
  if (Deno.build.os !== "linux") {
    // deno-lint-ignore no-console
    console.error("note: the libc-backed cases need Linux; skipped");
    return out;
  }
  if (Deno.uid() !== 0) {
    // deno-lint-ignore no-console
    console.error(
      "note: the ICMP and raw IP cases need root (raw sockets); skipped",
    );
  } else {
    out.push({
      name: "ICMP echo round trips on 127.0.0.1 (raw = iputils ping -A)",
      unit: "round trips",
      raw: pingSystem,
      kit: pingKit,
      rounds: 3,
    });
    out.push({
      name:
        "raw IP 64 B packets sent to and received from 127.0.0.1 (raw = libc loop)",
      unit: "packets",
      raw: packetsLibc,
      kit: packetsKit,
      rounds: 5,
    });
  }
  out.push({
    name: "seqpacket 64 B messages through a socketpair (raw = Python)",
    unit: "messages",
    raw: seqpacketPython,
    kit: seqpacketKit,
    rounds: 3,
  });
  return out;
}
