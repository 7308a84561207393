// Copyright 2026 the socketkit authors. MIT license.
// Side-by-side cases for tcp; bench/compare.ts runs them.
// Each case does the same work over loopback twice: with the raw Deno API
// (as a careful user would write it) and with socketkit.

import type { Case } from "./_harness.ts";
import * as tcp from "../tcp.ts";
import {
  kitTcpPair,
  mibReceived,
  pingPongKit as pingPongKitLoop,
  pingPongRaw as pingPongRawLoop,
  rawTcpPair,
  sendBulkKit,
  sendBulkRaw,
  writeAll,
} from "./_pairs.ts";

const CHUNK = 64 * 1024;
const BULK_BYTES = 1024 * 1024 * 1024;
const PING_BYTES = 64;
const ROUND_TRIPS = 20_000;
const LINES = 500_000;

// ---- bulk: 1 GiB in 64 KiB writes ----

async function bulkRaw(): Promise<number> {
  const [client, peer] = await rawTcpPair();
  const sending = sendBulkRaw(client, CHUNK, BULK_BYTES);
  const buf = new Uint8Array(CHUNK);
  let received = 0;
  for (let n; (n = await peer.read(buf)) !== null;) received += n;
  await sending;
  client.close();
  peer.close();
  return mibReceived(received, BULK_BYTES);
}

async function bulkKit(): Promise<number> {
  const [client, peer] = await kitTcpPair();
  const sending = sendBulkKit(client, CHUNK, BULK_BYTES);
  let received = 0;
  for (let d; (d = await tcp.recv(peer, CHUNK)) !== null;) {
    received += d.length;
  }
  await sending;
  await tcp.close(client);
  await tcp.close(peer);
  return mibReceived(received, BULK_BYTES);
}

/** The bulk case with recvInto: one reused buffer, as the raw loop. */
async function bulkKitInto(): Promise<number> {
  const [client, peer] = await kitTcpPair();
  const sending = sendBulkKit(client, CHUNK, BULK_BYTES);
  const buffer = new Uint8Array(CHUNK);
  let received = 0;
  for (let n; (n = await tcp.recvInto(peer, buffer)) !== null;) received += n;
  await sending;
  await tcp.close(client);
  await tcp.close(peer);
  return mibReceived(received, BULK_BYTES);
}

/**
 * The raw side of the bulk case made to do what recv() does: hand out a
 * new buffer the caller owns for every read (recv cannot reuse one).
 */
async function bulkRawFresh(): Promise<number> {
  const [client, peer] = await rawTcpPair();
  const sending = sendBulkRaw(client, CHUNK, BULK_BYTES);
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
  return mibReceived(received, BULK_BYTES);
}

// ---- ping-pong: 64-byte round trips ----

async function pingPongRaw(): Promise<number> {
  const [client, peer] = await rawTcpPair();
  await pingPongRawLoop(client, peer, PING_BYTES, ROUND_TRIPS);
  client.close();
  peer.close();
  return ROUND_TRIPS;
}

async function pingPongKit(): Promise<number> {
  const [client, peer] = await kitTcpPair();
  await pingPongKitLoop(client, peer, PING_BYTES, ROUND_TRIPS);
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
  const [client, peer] = await rawTcpPair();
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
  const [client, peer] = await kitTcpPair();
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
