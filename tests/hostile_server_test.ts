// Copyright 2026 the socketkit authors. MIT license.
// serve() against hostile clients: ones that send and never read, so the
// server's replies back up. The server closes them when it means to (idle
// timeout, shutdown), not 10 s later, and serves everyone else meanwhile.

import assert from "node:assert/strict";
import { encodeFrame, recvFrame, sendFrame } from "../framing.ts";
import { serve, type ServeHandler } from "../server.ts";
import * as tcp from "../tcp.ts";
import * as tls from "../tls.ts";
import { HAS_OPENSSL, testPki } from "./_tls_util.ts";
import { delay, echoFrames, text, within } from "./_util.ts";

const LOOPBACK = "127.0.0.1";

/** Echoes frames until the client finishes. */
const echo: ServeHandler = echoFrames;

/** Waits until `check` is true, polling; fails after `ms`. */
async function until(
  check: () => boolean,
  ms: number,
  what: string,
): Promise<void> {
  const end = performance.now() + ms;
  while (!check()) {
    if (performance.now() > end) assert.fail(`${what} within ${ms} ms`);
    await delay(5);
  }
}

/**
 * Connects and sends 40 MB of 1 KB frames, reading nothing: the echoes
 * fill both kernels' buffers and then the server's send queue. Resolves
 * with the client once the server has stopped taking bytes; `sending`
 * settles when the sends stop (the server closed, or they timed out).
 */
async function flooder(
  addr: Deno.NetAddr,
): Promise<{ sock: tcp.TcpSocket; sending: Promise<unknown> }> {
  const sock = await tcp.connect(addr, { timeout: 5_000 });
  const frame = encodeFrame(new Uint8Array(1_000));
  const batch = new Uint8Array(frame.length * 1_000);
  for (let i = 0; i < 1_000; i++) batch.set(frame, i * frame.length);
  let stalled!: () => void;
  const stall = new Promise<void>((resolve) => stalled = resolve);
  const sending = (async () => {
    for (let i = 0; i < 40; i++) {
      await tcp.sendAll(sock, batch, { timeout: 300 });
    }
  })().catch((err) => err).finally(() => stalled());
  await within(stall, 10_000, "the flood's stall");
  return { sock, sending };
}

async function assertServes(addr: Deno.NetAddr): Promise<void> {
  await using sock = await tcp.connect(addr, { timeout: 5_000 });
  await sendFrame(sock, "still here");
  assert.equal(text(await recvFrame(sock, { timeout: 5_000 })), "still here");
}

Deno.test("serve() idle timeout closes a client that stopped reading its replies at once, not after lingering 10 s over them", async () => {
  const reported: unknown[] = [];
  await using server = await serve({
    hostname: LOOPBACK,
    port: 0,
    idleTimeout: 200,
    onError: (err) => reported.push(err),
  }, echo);
  const { sock, sending } = await flooder(server.addr);
  try {
    // Its queued echoes used to hold the close (and the slot) for 10 s.
    await until(
      () => server.connections === 0,
      5_000,
      "the idle flooder is closed",
    );
    await assertServes(server.addr);
    await sending;
    assert.deepEqual(reported, []);
  } finally {
    await tcp.close(sock).catch(() => {});
  }
});

Deno.test("shutdown({ timeout: 0 }) with a client that never reads finishes in about a second, not 10", async () => {
  const server = await serve({ hostname: LOOPBACK, port: 0 }, echo);
  const { sock, sending } = await flooder(server.addr);
  try {
    await within(server.shutdown({ timeout: 0 }), 5_000, "shutdown");
    assert.equal(server.connections, 0);
    await sending;
  } finally {
    await tcp.close(sock).catch(() => {});
  }
});

Deno.test("shutdown() cuts short the close of a handler that returned with replies queued for a client that never reads", async () => {
  let returned = false;
  const server = await serve({ hostname: LOOPBACK, port: 0 }, async (sock) => {
    await recvFrame(sock, { timeout: 5_000 });
    // Fill the kernels' buffers and the send queue, then leave: the
    // server's close waits for the queued bytes to go out.
    const chunk = new Uint8Array(65_536);
    for (let i = 0; i < 10_000; i++) {
      const err = await tcp.send(sock, chunk, { timeout: 300 }).then(
        () => null,
        (e) => e,
      );
      if (err !== null) {
        assert.ok(err instanceof Deno.errors.TimedOut, String(err));
        break;
      }
    }
    returned = true;
  });
  await using client = await tcp.connect(server.addr, { timeout: 5_000 });
  await sendFrame(client, "go");
  await until(() => returned, 10_000, "the handler returns");
  assert.equal(server.connections, 1);
  await within(server.shutdown({ timeout: 100 }), 5_000, "shutdown");
  assert.equal(server.connections, 0);
});

Deno.test({
  name:
    "serve({ tls }) reports plaintext, garbage, half-sent and silent handshakes with a clear error each, frees their slots, and serves a client amid 200 stalled ones",
  ignore: !HAS_OPENSSL,
  async fn() {
    const pki = await testPki();
    const reported: Error[] = [];
    const server = await serve({
      hostname: LOOPBACK,
      port: 0,
      tls: { cert: pki.cert, key: pki.key, handshakeTimeout: 300 },
      onError: (err) => reported.push(err as Error),
    }, async (sock, { signal }) => {
      for (let msg; (msg = await recvFrame(sock, { signal })) !== null;) {
        await sendFrame(sock, msg, { timeout: 5_000 });
      }
    });
    const plain: tcp.TcpSocket[] = [];
    try {
      const hostile = async (bytes: number[]) => {
        const sock = await tcp.connect(server.addr, { timeout: 5_000 });
        plain.push(sock);
        if (bytes.length > 0) await tcp.sendAll(sock, new Uint8Array(bytes));
      };
      // Plaintext HTTP; a handshake record announcing 64 KiB; half a
      // ClientHello; nothing at all.
      await hostile([...new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n")]);
      await hostile([0x16, 3, 3, 0xff, 0xff, ...new Array(100).fill(0)]);
      await hostile([0x16, 3, 1, 0x02, 0x00, 1, 0, 1]);
      for (let i = 0; i < 200; i++) await hostile([]);
      await using client = await tls.connect(`localhost:${server.addr.port}`, {
        caCerts: [pki.ca],
        timeout: 5_000,
      });
      await sendFrame(client, "amid them");
      assert.equal(
        text(await recvFrame(client, { timeout: 5_000 })),
        "amid them",
      );
      await until(
        () => reported.length >= 203,
        10_000,
        "every hostile handshake is reported",
      );
      const classes = new Set(reported.map((err) => err.constructor.name));
      assert.deepEqual([...classes].sort(), ["InvalidData", "TimedOut"]);
      for (const err of reported) {
        assert.match(err.message, /^Cannot handshake with "127\.0\.0\.1:\d+"/);
      }
      assert.equal(server.connections, 1);
      await within(server.shutdown({ timeout: 0 }), 5_000, "shutdown");
    } finally {
      await Promise.all(plain.map((s) => tcp.close(s)));
      await server.shutdown({ timeout: 0 });
    }
  },
});
