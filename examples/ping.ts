// Copyright 2026 the socketkit authors. MIT license.
// deno-lint-ignore-file no-console

/**
 * `ping`, as iputils prints it: sends ICMP echo requests with
 * `@socketkit/socket/raw` and prints one line per reply, then the
 * statistics.
 *
 * ```sh
 * deno run --allow-ffi --allow-net examples/ping.ts -c 3 -i 0.2 127.0.0.1
 * ```
 *
 * ```text
 * PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.
 * 64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.045 ms
 * ...
 *
 * --- 127.0.0.1 ping statistics ---
 * 3 packets transmitted, 3 received, 0% packet loss, time 401ms
 * rtt min/avg/max/mdev = 0.041/0.045/0.050/0.004 ms
 * ```
 *
 * Options: `-c COUNT` (default 4), `-i SECONDS` between requests (default
 * 1), `-W SECONDS` to wait for each reply (default 2), `-t TTL`, `-s SIZE`
 * payload bytes (default 56), `-4`/`-6`. It needs root (a raw socket) or a
 * group inside `sysctl net.ipv4.ping_group_range`. Exits 0 when a reply
 * came, 1 when none did, 2 on bad input; Ctrl-C stops it (status 130).
 *
 * @module
 */

import { lookup } from "../_dns.ts";
import { parseIcmpArgs } from "./_icmp_args.ts";
import * as raw from "../raw.ts";

const USAGE =
  "deno run --allow-ffi --allow-net examples/ping.ts [-c COUNT] [-i SECONDS] [-W SECONDS] [-t TTL] [-s SIZE] [-4|-6] HOST";

const { values, host, family, fail } = parseIcmpArgs(USAGE, [
  "c",
  "i",
  "W",
  "t",
  "s",
]);

function number(flag: string, text: string | undefined, fallback: number) {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value < 0) {
    fail(
      `-${flag} must be a non-negative number: current value is ${
        JSON.stringify(text)
      }`,
    );
  }
  return value;
}

const count = number("c", values.c, 4);
const interval = Math.round(number("i", values.i, 1) * 1000);
const timeout = Math.max(1, Math.round(number("W", values.W, 2) * 1000));
const size = number("s", values.s, 56);
const ttl = values.t === undefined ? undefined : number("t", values.t, 64);

const controller = new AbortController();
Deno.addSignalListener("SIGINT", () => controller.abort());

/** The address `ping` will use, for the first line (the library resolves it again). */
async function addressOf(name: string): Promise<string> {
  if (/^[\d.]+$/.test(name) || name.includes(":")) return name;
  try {
    return (await lookup(name, family !== undefined ? { family } : {}))[0]!
      .address;
  } catch {
    return name;
  }
}

console.log(
  `PING ${host} (${await addressOf(host)}) ${size}(${
    size + 28
  }) bytes of data.`,
);
const started = performance.now();
let header = false;
try {
  const result = await raw.ping(host, {
    count,
    interval,
    timeout,
    size,
    ...(ttl !== undefined ? { ttl } : {}),
    ...(family !== undefined ? { family } : {}),
    signal: controller.signal,
    onReply(reply) {
      if (reply.kind === "reply") {
        console.log(
          `${reply.bytes} bytes from ${reply.from}: icmp_seq=${reply.sequence}${
            reply.ttl === null ? "" : ` ttl=${reply.ttl}`
          } time=${reply.time.toFixed(3)} ms`,
        );
      } else {
        console.log(
          `From ${reply.from} icmp_seq=${reply.sequence} ${
            reply.kind === "time-exceeded"
              ? "Time to live exceeded"
              : "Destination Unreachable"
          }`,
        );
      }
    },
  }).finally(() => {
    header = true;
  });
  const elapsed = Math.round(performance.now() - started);
  console.log("");
  console.log(`--- ${host} ping statistics ---`);
  console.log(
    `${result.transmitted} packets transmitted, ${result.received} received, ${result.lossPercent}% packet loss, time ${elapsed}ms`,
  );
  if (result.rtt !== null) {
    const { min, avg, max, mdev } = result.rtt;
    console.log(
      `rtt min/avg/max/mdev = ${min.toFixed(3)}/${avg.toFixed(3)}/${
        max.toFixed(3)
      }/${mdev.toFixed(3)} ms`,
    );
  }
  Deno.exit(result.received > 0 ? 0 : 1);
} catch (err) {
  if (controller.signal.aborted) Deno.exit(130);
  console.error(`error: ${(err as Error).message}`);
  Deno.exit(header ? 1 : 2);
}
