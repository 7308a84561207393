// Copyright 2026 the socketkit authors. MIT license.
// deno-lint-ignore-file no-console

/**
 * `deno task bench:redis`: `redis-benchmark` against examples/mini_redis.ts
 * (socketkit, one `sendAll` per reply, no batching in its code), and in the
 * same run against redis-server, a raw-Deno server that writes each reply
 * with its own `conn.write`, the same server batching by hand, and a Node
 * `net` server with one `socket.write` per reply. Servers whose program is
 * missing (redis-server, node) are skipped with a note; without
 * redis-benchmark nothing runs.
 *
 * Each configuration runs once unmeasured on every server (a warm-up), then
 * in rounds that alternate between the servers, and the table reports
 * medians, the spread (min–max) and ratios.
 *
 * Runs are sized to last about `--seconds` each (2 by default): the warm-up
 * run, of `--requests` requests, gives each server's rate, and its measured
 * runs take that rate times the seconds (at least `--requests`). Runs of a
 * fixed 200,000 requests last a fraction of a second on the fast servers
 * and moved by ±30% from run to run, Redis's included.
 *
 * Usage: `deno task bench:redis [--rounds N] [--requests N] [--seconds S]`
 *
 * @module
 */

import { parseArgs } from "node:util";
import { median } from "./_harness.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    requests: { type: "string", default: "200000" },
    seconds: { type: "string", default: "2" },
  },
});
const rounds = Number(values.rounds);
const requests = Number(values.requests);
const seconds = Number(values.seconds);

function has(command: string): boolean {
  try {
    return new Deno.Command("sh", {
      args: ["-c", `command -v ${command}`],
      stdout: "null",
    }).outputSync().success;
  } catch {
    return false;
  }
}

interface Running {
  name: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts a server that prints `listening on HOST:PORT` first. */
async function start(
  name: string,
  cmd: string,
  args: string[],
): Promise<Running> {
  const child = new Deno.Command(cmd, {
    args,
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${name} exited before listening`);
    text += value;
  }
  reader.releaseLock();
  child.stdout.cancel().catch(() => {});
  const port = Number(/:(\d+)\s/.exec(text)![1]);
  return {
    name,
    port,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

async function startRedis(): Promise<Running> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = new Deno.Command("redis-server", {
    args: [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  for (let i = 0; i < 50; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    name: "redis-server",
    port,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

/** One redis-benchmark run: requests per second of `test`. */
async function measure(
  port: number,
  test: string,
  pipeline: number,
  count = requests,
): Promise<number> {
  const out = await new Deno.Command("redis-benchmark", {
    args: [
      "-h",
      "127.0.0.1",
      "-p",
      String(port),
      "-t",
      test,
      "-n",
      String(count),
      "-c",
      "50",
      "-P",
      String(pipeline),
      "-q",
    ],
    stdout: "piped",
    stderr: "null",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const match = /([\d.]+) requests per second/.exec(text.split("\r").pop()!);
  if (match === null) {
    throw new Error(`redis-benchmark printed no rate: ${text}`);
  }
  return Number(match[1]);
}

if (!has("redis-benchmark")) {
  console.log(
    "skipped: redis-benchmark is not installed (apt-get install redis-tools)",
  );
  Deno.exit(0);
}

const deno = Deno.execPath();
const servers: Running[] = [];
servers.push(
  await start("socketkit (mini_redis.ts)", deno, [
    "run",
    "--allow-net=127.0.0.1",
    "examples/mini_redis.ts",
    "--port",
    "0",
  ]),
);
servers.push(
  await start("raw Deno, one write per reply", deno, [
    "run",
    "--allow-net=127.0.0.1",
    "bench/_redis_raw.ts",
    "--port",
    "0",
  ]),
);
servers.push(
  await start("raw Deno, batched by hand", deno, [
    "run",
    "--allow-net=127.0.0.1",
    "bench/_redis_raw.ts",
    "--port",
    "0",
    "--batch",
  ]),
);
if (has("node")) {
  servers.push(
    await start("Node net, one write per reply", "node", [
      "bench/_redis_node.mjs",
      "0",
    ]),
  );
} else console.log("note: node is not installed; its server is skipped");
if (has("redis-server")) servers.push(await startRedis());
else console.log("note: redis-server is not installed; it is skipped");

const configs: [string, number][] = [["ping_mbulk", 16], ["ping_mbulk", 1], [
  "set",
  16,
], ["get", 16]];
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
try {
  const rows: string[] = [];
  for (const [test, pipeline] of configs) {
    const rates = new Map<string, number[]>(servers.map((s) => [s.name, []]));
    // One unmeasured run each first: the JIT-compiled servers are measured
    // warm, as a server is after its first seconds of traffic.
    const counts = new Map<string, number>();
    for (const s of servers) {
      const rate = await measure(s.port, test, pipeline);
      counts.set(s.name, Math.max(requests, Math.round(rate * seconds)));
    }
    for (let r = 0; r < rounds; r++) {
      for (const s of servers) {
        rates.get(s.name)!.push(
          await measure(s.port, test, pipeline, counts.get(s.name)!),
        );
      }
    }
    const kit = median(rates.get(servers[0]!.name)!);
    for (const s of servers) {
      const xs = rates.get(s.name)!;
      const m = median(xs);
      rows.push(
        `| ${test} -P ${pipeline} | ${s.name} | ${fmt(m)} | ${
          fmt(Math.min(...xs))
        }–${fmt(Math.max(...xs))} | ${(kit / m).toFixed(2)}× |`,
      );
    }
    console.error(`${test} -P ${pipeline}: done`);
  }
  console.log([
    `redis-benchmark -c 50, a warm-up run of ${requests} requests, then ${rounds} rounds of runs sized to last ${seconds} s each, medians (requests/s)`,
    "",
    "| test | server | requests/s | spread | socketkit / this |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
    "",
    `Deno ${Deno.version.deno}, ${Deno.build.target}, ${navigator.hardwareConcurrency} CPUs`,
  ].join("\n"));
} finally {
  for (const s of servers) await s.stop();
}
