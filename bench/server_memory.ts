// Copyright 2026 the socketkit authors. MIT license.
// deno-lint-ignore-file no-console

/**
 * The memory an idle connection costs a server: the resident size
 * (`Deno.memoryUsage().rss`) of an echo server holding 2,000 idle
 * connections, less its size before they connected, per connection.
 *
 * ```sh
 * deno run -A bench/server_memory.ts [connections]
 * ```
 *
 * Each server runs in its own subprocess, with V8's young generation
 * grown to its working size before the baseline (a fixed cost of the
 * heap, not of connections). This process opens the connections, sends
 * one 64-byte message on each and reads the echo, then leaves them idle
 * and asks the server for its resident size twice: as it is (no forced
 * collection: what a running server costs) and after three full
 * collections (`--expose-gc`: what the connections themselves hold).
 * Servers compared, in one run:
 *
 * - `serve()`: the socketkit echo, `recv` then `sendAll`, through `serve()`;
 * - `serve() + recvFrame`: the same with frames, as the chat example does;
 * - Node `net`: an echo server on Node (skipped when `node` is missing);
 * - `raw 64 KiB`: the naive loop on the raw Deno API with a 64 KiB read
 *   buffer per connection;
 * - `raw 16 B`: the same loop with a 16-byte buffer, the floor: what Deno
 *   itself spends on a connection with a read pending.
 *
 * @module
 */

import {
  collectGarbage,
  commandLines,
  lineReader,
  median,
} from "./_harness.ts";
import { recvFrame, sendFrame } from "../framing.ts";
import { serve } from "../server.ts";
import * as tcp from "../tcp.ts";

const MODES = ["kit", "kit-frames", "node", "raw", "raw-floor"] as const;
type Mode = typeof MODES[number];
const LABELS: Record<Mode, string> = {
  "kit": "serve() echo (recv, sendAll)",
  "kit-frames": "serve() echo (recvFrame, sendFrame)",
  "node": "Node net echo",
  "raw": "raw Deno echo, 64 KiB buffer per connection",
  "raw-floor": "raw Deno echo, 16-byte buffer (Deno's own cost)",
};

// ---- the server side, in a subprocess ----

async function child(mode: Mode): Promise<void> {
  let port: number;
  if (mode === "raw" || mode === "raw-floor") {
    const size = mode === "raw" ? 65_536 : 16;
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    port = listener.addr.port;
    (async () => {
      for await (const conn of listener) {
        (async () => {
          const buf = new Uint8Array(size);
          try {
            for (let n; (n = await conn.read(buf)) !== null;) {
              for (let at = 0; at < n;) {
                at += await conn.write(buf.subarray(at, n));
              }
            }
          } catch {
            // The benchmark closes everything at once.
          } finally {
            conn.close();
          }
        })();
      }
    })();
  } else {
    const frames = mode === "kit-frames";
    const server = await serve(
      { hostname: "127.0.0.1", port: 0, onError: () => {} },
      frames
        ? async (sock) => {
          for (let m; (m = await recvFrame(sock)) !== null;) {
            await sendFrame(sock, m);
          }
        }
        : async (sock) => {
          for (let d; (d = await tcp.recv(sock)) !== null;) {
            await tcp.sendAll(sock, d);
          }
        },
    );
    port = server.addr.port;
  }
  // Grow V8's young generation to its working size before the baseline:
  // V8 sizes it by the allocation rate, a fixed cost of the heap (a few
  // MiB, whatever the number of connections), not a cost per connection.
  let churn: unknown = null;
  for (let i = 0; i < 3_000_000; i++) churn = { i, a: [i, i] };
  if (churn === null) return;
  console.log(`port ${port}`);
  // Commands on standard input: "measure" prints the resident size.
  for await (const command of commandLines()) {
    if (command === "measure-gc") await collectGarbage();
    if (command === "measure" || command === "measure-gc") {
      console.log(`rss ${Deno.memoryUsage().rss}`);
    }
  }
  Deno.exit(0);
}

// ---- the driver ----

/** Bytes per connection: as the server runs, and after full collections. */
interface PerConnection {
  running: number;
  collected: number;
}

async function measure(
  mode: Mode,
  connections: number,
): Promise<PerConnection> {
  const [cmd, args] = mode === "node"
    ? [
      "node",
      [
        "--expose-gc",
        new URL("./_memory_node.mjs", import.meta.url).pathname,
      ],
    ]
    : [Deno.execPath(), [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      new URL(import.meta.url).pathname,
      "--child",
      mode,
    ]];
  const proc = new Deno.Command(cmd, {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = lineReader(proc.stdout);
  const line = reader.line;
  const writer = proc.stdin.getWriter();
  async function rss(command: string): Promise<number> {
    await writer.write(new TextEncoder().encode(`${command}\n`));
    return Number((await line()).slice("rss ".length));
  }
  const port = Number((await line()).slice("port ".length));
  // Warm up: one connection through the whole path, so code is compiled.
  await talk(port, 20, mode === "kit-frames");
  const beforeRunning = await rss("measure");
  const before = await rss("measure-gc");
  const socks = await talk(port, connections, mode === "kit-frames", true);
  await new Promise((r) => setTimeout(r, 200));
  const afterRunning = await rss("measure");
  const after = await rss("measure-gc");
  for (const s of socks) s.close();
  await writer.close();
  await reader.cancel();
  await proc.status;
  return {
    running: (afterRunning - beforeRunning) / connections,
    collected: (after - before) / connections,
  };
}

/** Opens `count` connections, one echo each; keeps them open if asked. */
async function talk(
  port: number,
  count: number,
  frames: boolean,
  keep = false,
): Promise<Deno.TcpConn[]> {
  const out: Deno.TcpConn[] = [];
  const message = frames
    ? new Uint8Array([0, 0, 0, 60, ...new Uint8Array(60).fill(7)])
    : new Uint8Array(64).fill(7);
  const reply = new Uint8Array(64);
  for (let i = 0; i < count; i += 200) {
    const batch = await Promise.all(
      Array.from(
        { length: Math.min(200, count - i) },
        () => Deno.connect({ hostname: "127.0.0.1", port }),
      ),
    );
    await Promise.all(batch.map(async (conn) => {
      await conn.write(message);
      for (let n = 0; n < 64;) {
        const got = await conn.read(reply.subarray(n));
        if (got === null) throw new Error("closed early");
        n += got;
      }
    }));
    out.push(...batch);
  }
  if (!keep) { for (const c of out) c.close(); }
  return keep ? out : [];
}

if (Deno.args[0] === "--child") {
  await child(Deno.args[1] as Mode);
} else {
  const connections = Number(Deno.args[0] ?? 2_000);
  const rounds = Number(Deno.args[1] ?? 3);
  const hasNode = new Deno.Command("sh", {
    args: ["-c", "command -v node"],
    stdout: "null",
  }).outputSync().success;
  const modes = MODES.filter((m) => m !== "node" || hasNode);
  if (!hasNode) {
    console.log("note: node is not installed; its server is skipped");
  }
  const results = new Map<Mode, PerConnection[]>(modes.map((m) => [m, []]));
  // Rounds alternate between the servers, so drift hits each alike.
  for (let r = 0; r < rounds; r++) {
    for (const mode of modes) {
      const got = await measure(mode, connections);
      results.get(mode)!.push(got);
      console.error(
        `round ${r + 1}: ${LABELS[mode]}: ${kib(got.running)} running, ${
          kib(got.collected)
        } after GC`,
      );
    }
  }
  const cell = (xs: number[]) =>
    `${kib(median(xs))} (${kib(Math.min(...xs))}–${kib(Math.max(...xs))})`;
  const rows = modes.map((mode) => {
    const xs = results.get(mode)!;
    return `| ${LABELS[mode]} | ${cell(xs.map((x) => x.running))} | ${
      cell(xs.map((x) => x.collected))
    } |`;
  });
  console.log(
    [
      `Resident size per idle connection (${connections} connections, one 64-byte echo each; medians of ${rounds} rounds, spread in brackets):`,
      "",
      "| server | as it runs | after full GC |",
      "| --- | --- | --- |",
      ...rows,
      "",
      `Deno ${Deno.version.deno}, ${Deno.build.target}; the 16-byte raw loop is the floor for any server on Deno`,
    ].join("\n"),
  );
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}
