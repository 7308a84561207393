// Copyright 2026 the socketkit authors. MIT license.
// deno-lint-ignore-file no-console

/**
 * `traceroute` over ICMP echo, with `@socketkit/socket/raw`: sends three
 * echo requests with TTL 1, 2, ... and prints who answered each (a router's
 * "time exceeded", or the host's echo reply, which ends the trace).
 *
 * ```sh
 * deno run --allow-ffi --allow-net examples/traceroute.ts 127.0.0.1
 * ```
 *
 * ```text
 * traceroute to 127.0.0.1 (127.0.0.1), 30 hops max, 64 byte packets
 *  1  127.0.0.1  0.061 ms  0.043 ms  0.040 ms
 * ```
 *
 * Options: `-m HOPS` (default 30), `-q QUERIES` per hop (default 3),
 * `-w SECONDS` to wait for each answer (default 1), `-4`/`-6`. Routers'
 * "time exceeded" answers reach a raw socket only, so run it as root; with
 * the unprivileged ICMP socket only the last hop answers (`*` before it).
 * Exits 0 when the host answered, 1 when it did not within `-m` hops.
 *
 * @module
 */

import { parseIcmpArgs } from "./_icmp_args.ts";
import * as raw from "../raw.ts";

const USAGE =
  "deno run --allow-ffi --allow-net examples/traceroute.ts [-m HOPS] [-q QUERIES] [-w SECONDS] [-4|-6] HOST";

const { values, host, family, fail } = parseIcmpArgs(USAGE, ["m", "q", "w"]);

function integer(
  flag: string,
  text: string | undefined,
  fallback: number,
  max: number,
) {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > max) {
    fail(
      `-${flag} must be an integer from 1 to ${max}: current value is ${
        JSON.stringify(text)
      }`,
    );
  }
  return value;
}

const maxHops = integer("m", values.m, 30, 255);
const queries = integer("q", values.q, 3, 10);
const wait = values.w === undefined ? 1 : Number(values.w);
if (!(wait > 0)) {
  fail(
    `-w must be a positive number: current value is ${
      JSON.stringify(values.w)
    }`,
  );
}

let headerPrinted = false;
for (let ttl = 1; ttl <= maxHops; ttl++) {
  let result: raw.PingResult;
  try {
    result = await raw.ping(host, {
      count: queries,
      interval: 0,
      timeout: Math.round(wait * 1000),
      ttl,
      size: 56,
      ...(family !== undefined ? { family } : {}),
    });
  } catch (err) {
    console.error(`error: ${(err as Error).message}`);
    Deno.exit(2);
  }
  if (!headerPrinted) {
    console.log(
      `traceroute to ${host} (${result.address}), ${maxHops} hops max, 64 byte packets`,
    );
    headerPrinted = true;
  }
  const cells: string[] = [];
  let last = "";
  for (let seq = 1; seq <= queries; seq++) {
    const answer = result.replies.find((r) => r.sequence === seq);
    if (answer === undefined) {
      cells.push("*");
      continue;
    }
    if (answer.from !== last) {
      cells.push(answer.from);
      last = answer.from;
    }
    cells.push(`${answer.time.toFixed(3)} ms`);
  }
  console.log(`${String(ttl).padStart(2)}  ${cells.join("  ")}`);
  if (result.replies.some((r) => r.kind === "reply")) Deno.exit(0);
}
Deno.exit(1);
