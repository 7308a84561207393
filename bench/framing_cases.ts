// Copyright 2026 the socketkit authors. MIT license.
// Side-by-side cases for framing and serve(); bench/compare.ts runs them.
// Each case does the same work over loopback twice: with the raw Deno API
// (as a careful user would write it by hand) and with socketkit.

import type { Case } from "./_harness.ts";
import { recvFrame, sendFrame } from "../framing.ts";
import { serve } from "../server.ts";
import * as tcp from "../tcp.ts";
import { kitTcpPair, rawTcpPair, readFull, writeAll } from "./_pairs.ts";

const PAYLOAD_BYTES = 64;
const FRAMES = 50_000;
const ECHO_CONNECTIONS = 64;
const ECHO_ROUND_TRIPS = 300; // per connection
const READ_BUFFER = 64 * 1024;

function payloadOf(i: number): Uint8Array {
  const p = new Uint8Array(PAYLOAD_BYTES);
  p[0] = i & 0xff;
  p[PAYLOAD_BYTES - 1] = (i >> 8) & 0xff;
  return p;
}

// ---- framed 64-byte messages over one connection ----

/**
 * The hand-written version: each frame built into one buffer (4-byte
 * big-endian length + payload) and written; the reader parses frames out
 * of a 64 KiB buffer and copies each payload out for its user.
 */
async function framesRaw(): Promise<number> {
  const [client, peer] = await rawTcpPair();
  const payload = payloadOf(1);
  const sending = (async () => {
    for (let i = 0; i < FRAMES; i++) {
      const frame = new Uint8Array(4 + payload.length);
      new DataView(frame.buffer).setUint32(0, payload.length);
      frame.set(payload, 4);
      await writeAll(client, frame);
    }
    await client.closeWrite();
  })();
  let buf = new Uint8Array(READ_BUFFER);
  let start = 0;
  let end = 0;
  let frames = 0;
  let checksum = 0;
  for (;;) {
    // Parse what is buffered.
    while (end - start >= 4) {
      const length = new DataView(buf.buffer, start, 4).getUint32(0);
      if (end - start < 4 + length) break;
      const message = buf.slice(start + 4, start + 4 + length);
      checksum += message[0]!;
      frames++;
      start += 4 + length;
    }
    // Make room, then read more.
    if (start === end) {
      start = 0;
      end = 0;
    } else if (buf.length - end < 1024) {
      const next = new Uint8Array(Math.max(buf.length, (end - start) * 2));
      next.set(buf.subarray(start, end));
      buf = next;
      end -= start;
      start = 0;
    }
    const n = await peer.read(buf.subarray(end));
    if (n === null) break;
    end += n;
  }
  await sending;
  client.close();
  peer.close();
  if (frames !== FRAMES || checksum !== FRAMES) {
    throw new Error(`received ${frames} frames`);
  }
  return frames;
}

async function framesKit(): Promise<number> {
  const [client, peer] = await kitTcpPair();
  const payload = payloadOf(1);
  const sending = (async () => {
    for (let i = 0; i < FRAMES; i++) await sendFrame(client, payload);
    await tcp.shutdown(client);
  })();
  let frames = 0;
  let checksum = 0;
  for (let m; (m = await recvFrame(peer)) !== null;) {
    checksum += m[0]!;
    frames++;
  }
  await sending;
  await tcp.close(client);
  await tcp.close(peer);
  if (frames !== FRAMES || checksum !== FRAMES) {
    throw new Error(`received ${frames} frames`);
  }
  return frames;
}

// ---- an echo server with 64 concurrent connections ----

/** 64 raw clients, each doing 64-byte round trips against `port`. */
async function echoClients(port: number): Promise<number> {
  const conns = await Promise.all(
    Array.from(
      { length: ECHO_CONNECTIONS },
      () => Deno.connect({ hostname: "127.0.0.1", port }),
    ),
  );
  const counts = await Promise.all(conns.map(async (conn, c) => {
    const ping = payloadOf(c);
    const pong = new Uint8Array(PAYLOAD_BYTES);
    for (let i = 0; i < ECHO_ROUND_TRIPS; i++) {
      await writeAll(conn, ping);
      if (!(await readFull(conn, pong)) || pong[0] !== ping[0]) {
        throw new Error("bad echo");
      }
    }
    await conn.closeWrite();
    if (await conn.read(pong) !== null) throw new Error("extra bytes");
    conn.close();
    return ECHO_ROUND_TRIPS;
  }));
  return counts.reduce((a, b) => a + b, 0);
}

/** The echo server on the raw API: accept loop, a task per connection. */
async function echoRaw(): Promise<number> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const tasks: Promise<void>[] = [];
  const accepting = (async () => {
    for await (const conn of listener) {
      tasks.push((async () => {
        const buf = new Uint8Array(READ_BUFFER);
        try {
          for (let n; (n = await conn.read(buf)) !== null;) {
            await writeAll(conn, buf.subarray(0, n));
          }
        } finally {
          conn.close();
        }
      })());
    }
  })();
  const done = await echoClients(listener.addr.port);
  listener.close();
  await accepting.catch(() => {});
  await Promise.all(tasks);
  return done;
}

/** The same echo through serve(). */
async function echoKit(): Promise<number> {
  const server = await serve(
    { hostname: "127.0.0.1", port: 0 },
    async (sock) => {
      for (let d; (d = await tcp.recv(sock)) !== null;) {
        await tcp.sendAll(
          sock,
          d,
        );
      }
    },
  );
  const done = await echoClients(server.addr.port);
  await server.shutdown();
  return done;
}

/** The framing comparisons. */
export function cases(): Case[] {
  return [
    {
      name: "framing: 64-byte frames over one connection",
      unit: "frames",
      raw: framesRaw,
      kit: framesKit,
    },
    {
      name: "serve: 64-byte echo, 64 concurrent connections",
      unit: "round trips",
      raw: echoRaw,
      kit: echoKit,
    },
  ];
}
