// Copyright 2026 the socketkit authors. MIT license.
// Side-by-side cases for tcp; bench/compare.ts runs them.
// Each case does the same work over loopback twice: with the raw Deno API
// (as a careful user would write it) and with socketkit.

import type { Case } from "./_harness.ts";
import * as tcp from "../tcp.ts";

const CHUNK = 64 * 1024;
const BULK_BYTES = 1024 * 1024 * 1024;
const PING_BYTES = 64;
const ROUND_TRIPS = 20_000;
const LINES = 500_000;

/** A connected raw pair on loopback. */
async function rawPair(): Promise<[Deno.TcpConn, Deno.TcpConn]> {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  const client = await Deno.connect({
    hostname: "127.0.0.1",
    port: listener.addr.port,
  });
  return [client, await accepted];
}

/** A connected socketkit pair on loopback. */
async function kitPair(): Promise<[tcp.TcpSocket, tcp.TcpSocket]> {
  await using server = tcp.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = tcp.accept(server);
  const client = await tcp.connect(server.addr);
  return [client, await accepted];
}

async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  for (let n = 0; n < data.length;) n += await conn.write(data.subarray(n));
}

/** Reads until `buf` is full; false at end of stream. */
async function readFull(conn: Deno.Conn, buf: Uint8Array): Promise<boolean> {
  for (let n = 0; n < buf.length;) {
    const got = await conn.read(buf.subarray(n));
    if (got === null) return false;
    n += got;
  }
  return true;
}

// ---- bulk: 1 GiB in 64 KiB writes ----

async function bulkRaw(): Promise<number> {
  const [client, peer] = await rawPair();
  const data = new Uint8Array(CHUNK).fill(7);
  const sending = (async () => {
    for (let sent = 0; sent < BULK_BYTES; sent += CHUNK) {
      await writeAll(client, data);
    }
    await client.closeWrite();
  })();
  const buf = new Uint8Array(CHUNK);
  let received = 0;
  for (let n; (n = await peer.read(buf)) !== null;) received += n;
  await sending;
  client.close();
  peer.close();
  if (received !== BULK_BYTES) throw new Error(`received ${received}`);
  return received / 1024 / 1024;
}

async function bulkKit(): Promise<number> {
  const [client, peer] = await kitPair();
  const data = new Uint8Array(CHUNK).fill(7);
  const sending = (async () => {
    for (let sent = 0; sent < BULK_BYTES; sent += CHUNK) {
      await tcp.sendAll(client, data);
    }
    await tcp.shutdown(client);
  })();
  let received = 0;
  for (let d; (d = await tcp.recv(peer, CHUNK)) !== null;) {
    received += d.length;
  }
  await sending;
  await tcp.close(client);
  await tcp.close(peer);
  if (received !== BULK_BYTES) throw new Error(`received ${received}`);
  return received / 1024 / 1024;
}

/** The bulk case with recvInto: one reused buffer, as the raw loop. */
async function bulkKitInto(): Promise<number> {
  const [client, peer] = await kitPair();
  const data = new Uint8Array(CHUNK).fill(7);
  const sending = (async () => {
    for (let sent = 0; sent < BULK_BYTES; sent += CHUNK) {
      await tcp.sendAll(client, data);
    }
    await tcp.shutdown(client);
  })();
  const buffer = new Uint8Array(CHUNK);
  let received = 0;
  for (let n; (n = await tcp.recvInto(peer, buffer)) !== null;) received += n;
  await sending;
  await tcp.close(client);
  await tcp.close(peer);
  if (received !== BULK_BYTES) throw new Error(`received ${received}`);
  return received / 1024 / 1024;
}

/**
 * The raw side of the bulk case made to do what recv() does: hand out a
 * new buffer the caller owns for every read (recv cannot reuse one).
 */
async function bulkRawFresh(): Promise<number> {
  const [client, peer] = await rawPair();
  const data = new Uint8Array(CHUNK).fill(7);
  const sending = (async () => {
    for (let sent = 0; sent < BULK_BYTES; sent += CHUNK) {
      await writeAll(client, data);
    }
    await client.closeWrite();
  })();
  let received = 0;
  for (;;) {
    const buf = new Uint8Array(CHUNK);
    const n = await peer.read(buf);
    if (n === null) break;
    received += n;
  }
  await sending;
  client.close();
  peer.close();
  if (received !== BULK_BYTES) throw new Error(`received ${received}`);
  return received / 1024 / 1024;
}

// ---- ping-pong: 64-byte round trips ----

async function pingPongRaw(): Promise<number> {
  const [client, peer] = await rawPair();
  const echoing = (async () => {
    const buf = new Uint8Array(PING_BYTES);
    while (await readFull(peer, buf)) await writeAll(peer, buf);
  })();
  const ping = new Uint8Array(PING_BYTES).fill(1);
  const pong = new Uint8Array(PING_BYTES);
  for (let i = 0; i < ROUND_TRIPS; i++) {
    await writeAll(client, ping);
    if (!(await readFull(client, pong))) throw new Error("early end");
  }
  await client.closeWrite();
  await echoing;
  client.close();
  peer.close();
  return ROUND_TRIPS;
}

async function pingPongKit(): Promise<number> {
  const [client, peer] = await kitPair();
  const echoing = (async () => {
    for (;;) {
      let msg: Uint8Array;
      try {
        msg = await tcp.recvExact(peer, PING_BYTES);
      } catch (err) {
        if (err instanceof Deno.errors.UnexpectedEof) return;
        throw err;
      }
      await tcp.sendAll(peer, msg);
    }
  })();
  const ping = new Uint8Array(PING_BYTES).fill(1);
  for (let i = 0; i < ROUND_TRIPS; i++) {
    await tcp.sendAll(client, ping);
    await tcp.recvExact(client, PING_BYTES);
  }
  await tcp.shutdown(client);
  await echoing;
  await tcp.close(client);
  await tcp.close(peer);
  return ROUND_TRIPS;
}

// ---- recvLine: many short lines ----

let linesPayload: Uint8Array | undefined;

/** LINES short lines ("line 123 of the benchmark\n", some with "\r\n"), built once. */
function payload(): Uint8Array {
  if (linesPayload === undefined) {
    const parts: string[] = [];
    for (let i = 0; i < LINES; i++) {
      parts.push(`line ${i} of the benchmark${i % 10 === 0 ? "\r\n" : "\n"}`);
    }
    linesPayload = new TextEncoder().encode(parts.join(""));
  }
  return linesPayload;
}

/** Sends `data` in 64 KiB writes, then half-closes. */
async function sendLinesRaw(conn: Deno.TcpConn, data: Uint8Array) {
  for (let at = 0; at < data.length; at += CHUNK) {
    await writeAll(conn, data.subarray(at, at + CHUNK));
  }
  await conn.closeWrite();
}

async function linesRaw(): Promise<number> {
  const [client, peer] = await rawPair();
  const sending = sendLinesRaw(client, payload());
  // A careful hand-written splitter: one growing buffer, indexOf for the
  // newline, compaction instead of reallocation, a shared TextDecoder.
  const decoder = new TextDecoder();
  let buf = new Uint8Array(CHUNK);
  let start = 0;
  let end = 0;
  let count = 0;
  let chars = 0;
  for (;;) {
    const nl = buf.indexOf(0x0a, start);
    if (nl >= 0 && nl < end) {
      const stop = nl > start && buf[nl - 1] === 0x0d ? nl - 1 : nl;
      chars += decoder.decode(buf.subarray(start, stop)).length;
      count++;
      start = nl + 1;
      continue;
    }
    if (start > 0) {
      buf.copyWithin(0, start, end);
      end -= start;
      start = 0;
    }
    if (end === buf.length) {
      const bigger = new Uint8Array(buf.length * 2);
      bigger.set(buf);
      buf = bigger;
    }
    const n = await peer.read(buf.subarray(end));
    if (n === null) break;
    end += n;
  }
  if (end > start) {
    chars += decoder.decode(buf.subarray(start, end)).length;
    count++;
  }
  await sending;
  client.close();
  peer.close();
  if (count !== LINES || chars === 0) throw new Error(`${count} lines`);
  return count;
}

async function linesKit(): Promise<number> {
  const [client, peer] = await kitPair();
  const data = payload();
  const sending = (async () => {
    for (let at = 0; at < data.length; at += CHUNK) {
      await tcp.sendAll(client, data.subarray(at, at + CHUNK));
    }
    await tcp.shutdown(client);
  })();
  let count = 0;
  let chars = 0;
  for (let line; (line = await tcp.recvLine(peer)) !== null;) {
    chars += line.length;
    count++;
  }
  await sending;
  await tcp.close(client);
  await tcp.close(peer);
  if (count !== LINES || chars === 0) throw new Error(`${count} lines`);
  return count;
}

/** The tcp comparisons. */
export function cases(): Case[] {
  return [
    {
      name: "tcp bulk 1 GiB in 64 KiB writes, one reused buffer (recvInto)",
      unit: "MiB",
      raw: bulkRaw,
      kit: bulkKitInto,
      rounds: 5,
    },
    {
      name: "tcp bulk 1 GiB, a new buffer per read (recv)",
      unit: "MiB",
      raw: bulkRawFresh,
      kit: bulkKit,
      rounds: 5,
    },
    {
      name: `tcp ping-pong ${ROUND_TRIPS.toLocaleString("en-US")} × 64 B`,
      unit: "round trips",
      raw: pingPongRaw,
      kit: pingPongKit,
      rounds: 5,
    },
    {
      name: `tcp recvLine ${LINES.toLocaleString("en-US")} short lines`,
      unit: "lines",
      raw: linesRaw,
      kit: linesKit,
      rounds: 5,
    },
  ];
}
