// Copyright 2026 the socketkit authors. MIT license.
// Side-by-side cases for the libc-backed sockets; bench/compare.ts runs them.
// Here the "raw" column is the reference program, not the Deno API (Deno
// has no such sockets): iputils `ping` for ICMP echo round trips, Python's
// socket module for SOCK_SEQPACKET messages.
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

/** The libc-backed comparisons (Linux, root for ping; python3 for seqpacket). */
export function cases(): Case[] {
  const out: Case[] = [];
  if (Deno.build.os !== "linux") return out;
  if (Deno.uid() === 0) {
    out.push({
      name: "ICMP echo round trips on 127.0.0.1 (raw = iputils ping -A)",
      unit: "round trips",
      raw: pingSystem,
      kit: pingKit,
      rounds: 3,
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
