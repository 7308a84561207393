// Copyright 2026 the socketkit authors. MIT license.
// Receives against hostile peers that announce large messages and then
// send little or nothing: what the server holds follows the bytes that
// came, not the bytes announced. Each case runs in a fresh process, so
// that no garbage left by another test blurs its memory figure.

import assert from "node:assert/strict";
import { run } from "./_util.ts";

const MiB = 1 << 20;

/**
 * Runs a server in a new process with `handler` (the source of a
 * ServeHandler), connects 200 clients that each send `opening` and stall,
 * and returns how much the process's external (ArrayBuffer) memory grew
 * while they wait, and what `check` (a function of a socket, as source)
 * returned for a well-behaved client sent meanwhile.
 */
async function growthWhileStalled(
  handler: string,
  opening: number[],
  check: string,
): Promise<{ grown: number; checked: unknown }> {
  const dir = await Deno.makeTempDir();
  try {
    const script = `${dir}/stall.ts`;
    const root = new URL("..", import.meta.url).href;
    await Deno.writeTextFile(
      script,
      `import { recvFrame, sendFrame } from "${root}framing.ts";
import { serve } from "${root}server.ts";
import * as tcp from "${root}tcp.ts";
const server = await serve({ hostname: "127.0.0.1", port: 0, onError: () => {} }, ${handler});
const before = Deno.memoryUsage().external;
const stalled = [];
for (let i = 0; i < 200; i++) {
  const sock = await tcp.connect(server.addr, { timeout: 5_000 });
  stalled.push(sock);
  await tcp.sendAll(sock, new Uint8Array(${
        JSON.stringify(opening)
      }), { timeout: 5_000 });
}
const end = performance.now() + 5_000;
while (server.connections < 200 && performance.now() < end) await new Promise((r) => setTimeout(r, 10));
await new Promise((r) => setTimeout(r, 200));
const grown = Deno.memoryUsage().external - before;
const good = await tcp.connect(server.addr, { timeout: 5_000 });
const checked = await (${check})(good);
await tcp.close(good);
for (const sock of stalled) await tcp.close(sock);
await server.shutdown({ timeout: 0 });
console.log(JSON.stringify({ grown, checked }));
`,
    );
    const out = await run(Deno.execPath(), ["run", "-A", "--quiet", script]);
    assert.equal(out.code, 0, out.stderr);
    return JSON.parse(out.stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a frame header announcing 8 MiB costs the server what came, not 4 MiB of buffer per connection", async () => {
  // The default limit, 8 MiB, announced; 10 bytes of it sent.
  const { grown, checked } = await growthWhileStalled(
    `async (sock, { signal }) => {
      for (let m; (m = await recvFrame(sock, { signal })) !== null;) {
        await sendFrame(sock, m, { timeout: 5_000 });
      }
    }`,
    [0, 0x80, 0, 0, ...new Array(10).fill(0)],
    // A 3 MiB frame, sent in pieces, still comes back whole.
    `async (sock) => {
      const message = new Uint8Array(3 * 1024 * 1024).map((_, i) => i * 7);
      const sending = sendFrame(sock, message, { timeout: 10_000 });
      const echoed = await recvFrame(sock, { timeout: 10_000 });
      await sending;
      return echoed.length === message.length && echoed.every((b, i) => b === message[i]);
    }`,
  );
  assert.equal(checked, true);
  // Each header reserved 4 MiB: 800 MB for 200 clients that sent 14 bytes.
  assert.ok(grown < 200 * MiB, `external memory grew by ${grown} bytes`);
});

Deno.test("recvExact of 512 MiB costs the server what came, not 4 MiB of buffer per connection", async () => {
  // A RESP-like length line, then a few bytes of the 512 MiB announced.
  const { grown, checked } = await growthWhileStalled(
    `async (sock, { signal }) => {
      const line = await tcp.recvLine(sock, { signal });
      if (line === null) return;
      const data = await tcp.recvExact(sock, Number(line.slice(1)), { signal });
      await tcp.sendAll(sock, data.length + "\\n", { timeout: 5_000 });
    }`,
    [...new TextEncoder().encode(`$${512 * MiB}\r\nabc`)],
    `async (sock) => {
      await tcp.sendAll(sock, "$2097152\\r\\n", { timeout: 5_000 });
      await tcp.sendAll(sock, new Uint8Array(2097152), { timeout: 10_000 });
      return await tcp.recvLine(sock, { timeout: 10_000 });
    }`,
  );
  assert.equal(checked, "2097152");
  assert.ok(grown < 200 * MiB, `external memory grew by ${grown} bytes`);
});
