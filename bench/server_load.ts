// Copyright 2026 the socketkit authors. MIT license.
// deno-lint-ignore-file no-console

/**
 * Load: `serve()` holding 10,000 concurrent connections. Every connection
 * gets its own echo checked byte for byte, twice (once as it connects,
 * once after all are open, so each is still served); while they are all
 * held, new clients connect and are timed from connect to echo; and the
 * server's resident size per connection is reported.
 *
 * ```sh
 * deno run -A bench/server_load.ts [connections]
 * ```
 *
 * The server runs in a subprocess (started with `--expose-gc`, so both
 * measurements follow a full collection). Each process needs a file
 * descriptor per connection, so the script starts itself again under
 * `ulimit -n` (raised to connections + 1,024) when its limit is lower;
 * raising the soft limit up to the hard one (`ulimit -Hn`) needs no
 * privilege.
 *
 * @module
 */

import { collectGarbage, commandLines, lineReader } from "./_harness.ts";
import { serve } from "../server.ts";
import * as tcp from "../tcp.ts";

const MESSAGE_BYTES = 64;
const BATCH = 500;

// ---- the server, in a subprocess ----

async function child(): Promise<void> {
  let failures = 0;
  const server = await serve({
    hostname: "127.0.0.1",
    port: 0,
    backlog: 4_096,
    onError: () => failures++,
  }, async (sock, { signal }) => {
    for (let d; (d = await tcp.recv(sock, undefined, { signal })) !== null;) {
      await tcp.sendAll(sock, d);
    }
  });
  console.log(`port ${server.addr.port}`);
  for await (const command of commandLines()) {
    if (command === "measure") {
      await collectGarbage();
      console.log(
        `rss ${Deno.memoryUsage().rss} connections ${server.connections} failures ${failures}`,
      );
    }
  }
  await server.shutdown({ timeout: 1_000 });
  Deno.exit(0);
}

// ---- the driver ----

/** The message of connection `i`: its number, then filler, 64 bytes. */
function messageOf(i: number, round: number): Uint8Array {
  const m = new Uint8Array(MESSAGE_BYTES).fill(0x61 + (round % 26));
  new DataView(m.buffer).setUint32(0, i);
  new DataView(m.buffer).setUint32(4, round);
  return m;
}

/** Sends `message` and checks that exactly it comes back. */
async function echo(conn: Deno.Conn, message: Uint8Array): Promise<void> {
  for (let at = 0; at < message.length;) {
    at += await conn.write(message.subarray(at));
  }
  const reply = new Uint8Array(message.length);
  for (let n = 0; n < reply.length;) {
    const got = await conn.read(reply.subarray(n));
    if (got === null) throw new Error("the server closed a held connection");
    n += got;
  }
  for (let k = 0; k < reply.length; k++) {
    if (reply[k] !== message[k]) throw new Error("an echo came back wrong");
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function driver(connections: number): Promise<void> {
  const proc = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      new URL(import.meta.url).pathname,
      "--child",
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = lineReader(proc.stdout);
  const line = reader.line;
  const writer = proc.stdin.getWriter();
  async function measure(): Promise<
    { rss: number; connections: number; failures: number }
  > {
    await writer.write(new TextEncoder().encode("measure\n"));
    const [, rss, , open, , failures] = (await line()).split(" ");
    return {
      rss: Number(rss),
      connections: Number(open),
      failures: Number(failures),
    };
  }
  const port = Number((await line()).slice("port ".length));

  /** A new client: connect, one echo, close; milliseconds taken. */
  async function newClient(round: number): Promise<number> {
    const started = performance.now();
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await echo(conn, messageOf(connections + round, round));
    const took = performance.now() - started;
    conn.close();
    return took;
  }

  // Warm up the whole path, then the baseline.
  for (let i = 0; i < 20; i++) await newClient(i);
  const idle = [];
  for (let i = 0; i < 5; i++) idle.push(await newClient(100 + i));
  const before = await measure();

  const held: Deno.Conn[] = [];
  const opening = performance.now();
  for (let i = 0; i < connections; i += BATCH) {
    const batch = await Promise.all(
      Array.from(
        { length: Math.min(BATCH, connections - i) },
        () => Deno.connect({ hostname: "127.0.0.1", port }),
      ),
    );
    await Promise.all(batch.map((conn, k) => echo(conn, messageOf(i + k, 1))));
    held.push(...batch);
  }
  const opened = performance.now() - opening;
  await new Promise((r) => setTimeout(r, 200));
  const after = await measure();

  // New clients while every connection is held.
  const busy = [];
  for (let i = 0; i < 20; i++) busy.push(await newClient(200 + i));

  // Every held connection is still served.
  const again = performance.now();
  for (let i = 0; i < held.length; i += BATCH) {
    await Promise.all(
      held.slice(i, i + BATCH).map((conn, k) =>
        echo(conn, messageOf(i + k, 2))
      ),
    );
  }
  const secondRound = performance.now() - again;
  for (const conn of held) conn.close();
  await writer.close();
  await reader.cancel();
  await proc.status;

  const perConnection = (after.rss - before.rss) / connections;
  console.log(
    [
      `serve() echo holding ${connections} connections (64-byte echoes, each checked byte for byte):`,
      "",
      "| measure | value |",
      "| --- | --- |",
      `| connections held at once (server's count) | ${
        after.connections - before.connections
      } |`,
      `| echoes verified | ${2 * connections} of ${2 * connections} |`,
      `| time to open and echo all, in batches of ${BATCH} | ${
        (opened / 1000).toFixed(1)
      } s |`,
      `| second echo on every held connection | ${
        (secondRound / 1000).toFixed(1)
      } s |`,
      `| new client, connect to echo, server idle (median of 5) | ${
        median(idle).toFixed(1)
      } ms |`,
      `| new client, connect to echo, ${connections} held (median / max of 20) | ${
        median(busy).toFixed(1)
      } ms / ${Math.max(...busy).toFixed(1)} ms |`,
      `| resident size per held connection | ${
        (perConnection / 1024).toFixed(1)
      } KiB |`,
      `| handler or accept failures reported | ${after.failures} |`,
      "",
      `Deno ${Deno.version.deno}, ${Deno.build.target}, ${navigator.hardwareConcurrency} CPUs`,
    ].join("\n"),
  );
}

/** The soft limit on open files, as `ulimit -n` says. */
function openFileLimit(): number {
  const out = new Deno.Command("sh", { args: ["-c", "ulimit -n"] })
    .outputSync();
  const text = new TextDecoder().decode(out.stdout).trim();
  return text === "unlimited" ? Infinity : Number(text);
}

if (Deno.args[0] === "--child") {
  await child();
} else {
  const connections = Number(Deno.args[0] ?? 10_000);
  // Each process holds one socket per connection, and a few more.
  const needed = connections + 1_024;
  if (Deno.args[1] !== "--raised" && openFileLimit() < needed) {
    // Start again with room for the sockets of both processes.
    const script = new URL(import.meta.url).pathname;
    const status = await new Deno.Command("sh", {
      args: [
        "-c",
        `ulimit -n ${needed} && exec "$0" run -A "$1" "$2" --raised`,
        Deno.execPath(),
        script,
        String(connections),
      ],
    }).spawn().status;
    Deno.exit(status.code);
  }
  await driver(connections);
}
