// Copyright 2026 the socketkit authors. MIT license.
// deno-lint-ignore-file no-console
// The Node comparison for bench/server_memory.ts: an echo server on Node's
// `net`, one `socket.write` per chunk read. It speaks the same protocol as
// the Deno children: prints `port N`, then answers each `measure` or
// `measure-gc` line on standard input with `rss N` (after three full
// collections for `measure-gc`; node runs with --expose-gc).
// Usage: node --expose-gc bench/_memory_node.mjs

import net from "node:net";
import readline from "node:readline";

const server = net.createServer((socket) => {
  socket.on("data", (chunk) => socket.write(chunk));
  socket.on("error", () => {});
});
server.listen(0, "127.0.0.1", () => {
  // The same young-generation warm-up as the Deno children.
  let churn = null;
  for (let i = 0; i < 3_000_000; i++) churn = { i, a: [i, i] };
  if (churn === null) return;
  console.log(`port ${server.address().port}`);
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const lines = readline.createInterface({ input: process.stdin });
lines.on("line", async (command) => {
  if (command === "measure-gc") {
    for (let i = 0; i < 3; i++) {
      globalThis.gc?.();
      await sleep(50);
    }
  }
  console.log(`rss ${process.memoryUsage().rss}`);
});
lines.on("close", () => process.exit(0));
