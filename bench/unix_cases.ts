// Copyright 2026 the socketkit authors. MIT license.
// Side-by-side cases for unix; bench/compare.ts runs them.
// Each case does the same work over a Unix stream socket twice: with the raw
// Deno API (Deno.listen / Deno.connect with transport "unix", as a careful
// user would write it) and with socketkit.

import type { Case } from "./_harness.ts";
import * as unix from "../unix.ts";
import {
  inTempDir,
  kitUnixPair,
  mibReceived,
  pingPongKit as pingPongKitLoop,
  pingPongRaw as pingPongRawLoop,
  rawUnixPair,
  sendBulkKit,
  sendBulkRaw,
} from "./_pairs.ts";

const CHUNK = 64 * 1024;
const BULK_BYTES = 512 * 1024 * 1024;
const PING_BYTES = 64;
const ROUND_TRIPS = 20_000;

// ---- bulk: 512 MiB in 64 KiB writes ----

function bulkRaw(): Promise<number> {
  return inTempDir(async (dir) => {
    const [client, peer] = await rawUnixPair(`${dir}/bulk.sock`);
    const sending = sendBulkRaw(client, CHUNK, BULK_BYTES);
    const buf = new Uint8Array(CHUNK);
    let received = 0;
    for (let n; (n = await peer.read(buf)) !== null;) received += n;
    await sending;
    client.close();
    peer.close();
    return mibReceived(received, BULK_BYTES);
  });
}

function bulkKit(): Promise<number> {
  return inTempDir(async (dir) => {
    const [client, peer] = await kitUnixPair(`${dir}/bulk.sock`);
    const sending = sendBulkKit(client, CHUNK, BULK_BYTES);
    // One reused buffer, as the raw loop.
    const buffer = new Uint8Array(CHUNK);
    let received = 0;
    for (let n; (n = await unix.recvInto(peer, buffer)) !== null;) {
      received += n;
    }
    await sending;
    await unix.close(client);
    await unix.close(peer);
    return mibReceived(received, BULK_BYTES);
  });
}

// ---- ping-pong: 64-byte round trips ----

function pingPongRaw(): Promise<number> {
  return inTempDir(async (dir) => {
    const [client, peer] = await rawUnixPair(`${dir}/ping.sock`);
    await pingPongRawLoop(client, peer, PING_BYTES, ROUND_TRIPS);
    client.close();
    peer.close();
    return ROUND_TRIPS;
  });
}

function pingPongKit(): Promise<number> {
  return inTempDir(async (dir) => {
    const [client, peer] = await kitUnixPair(`${dir}/ping.sock`);
    await pingPongKitLoop(client, peer, PING_BYTES, ROUND_TRIPS);
    await unix.close(client);
    await unix.close(peer);
    return ROUND_TRIPS;
  });
}

/** The unix comparisons. */
export function cases(): Case[] {
  return [
    {
      name: "unix bulk 512 MiB in 64 KiB writes, one reused buffer (recvInto)",
      unit: "MiB",
      raw: bulkRaw,
      kit: bulkKit,
    },
    {
      name: "unix ping-pong 64 B x 20,000",
      unit: "round trips",
      raw: pingPongRaw,
      kit: pingPongKit,
    },
  ];
}
