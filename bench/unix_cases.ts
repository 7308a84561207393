// Copyright 2026 the socketkit authors. MIT license.
// Side-by-side cases for unix; bench/compare.ts runs them.
// Each case does the same work over a Unix stream socket twice: with the raw
// Deno API (Deno.listen / Deno.connect with transport "unix", as a careful
// user would write it) and with socketkit.

import type { Case } from "./_harness.ts";
import * as unix from "../unix.ts";

const CHUNK = 64 * 1024;
const BULK_BYTES = 512 * 1024 * 1024;
const PING_BYTES = 64;
const ROUND_TRIPS = 20_000;

/** Runs `fn` with a fresh temporary directory for the socket file. */
async function inTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "skb" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A connected raw pair. */
async function rawPair(path: string): Promise<[Deno.UnixConn, Deno.UnixConn]> {
  using listener = Deno.listen({ transport: "unix", path });
  const accepted = listener.accept();
  const client = await Deno.connect({ transport: "unix", path });
  return [client, await accepted];
}

/** A connected socketkit pair. */
async function kitPair(
  path: string,
): Promise<[unix.UnixSocket, unix.UnixSocket]> {
  await using server = await unix.listen(path);
  const accepted = unix.accept(server);
  const client = await unix.connect(path);
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

// ---- bulk: 512 MiB in 64 KiB writes ----

function bulkRaw(): Promise<number> {
  return inTempDir(async (dir) => {
    const [client, peer] = await rawPair(`${dir}/bulk.sock`);
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
  });
}

function bulkKit(): Promise<number> {
  return inTempDir(async (dir) => {
    const [client, peer] = await kitPair(`${dir}/bulk.sock`);
    const data = new Uint8Array(CHUNK).fill(7);
    const sending = (async () => {
      for (let sent = 0; sent < BULK_BYTES; sent += CHUNK) {
        await unix.sendAll(client, data);
      }
      await unix.shutdown(client);
    })();
    // One reused buffer, as the raw loop.
    const buffer = new Uint8Array(CHUNK);
    let received = 0;
    for (let n; (n = await unix.recvInto(peer, buffer)) !== null;) {
      received += n;
    }
    await sending;
    await unix.close(client);
    await unix.close(peer);
    if (received !== BULK_BYTES) throw new Error(`received ${received}`);
    return received / 1024 / 1024;
  });
}

// ---- ping-pong: 64-byte round trips ----

function pingPongRaw(): Promise<number> {
  return inTempDir(async (dir) => {
    const [client, peer] = await rawPair(`${dir}/ping.sock`);
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
  });
}

function pingPongKit(): Promise<number> {
  return inTempDir(async (dir) => {
    const [client, peer] = await kitPair(`${dir}/ping.sock`);
    const echoing = (async () => {
      for (;;) {
        let msg: Uint8Array;
        try {
          msg = await unix.recvExact(peer, PING_BYTES);
        } catch (err) {
          if (err instanceof Deno.errors.UnexpectedEof) return;
          throw err;
        }
        await unix.sendAll(peer, msg);
      }
    })();
    const ping = new Uint8Array(PING_BYTES).fill(1);
    for (let i = 0; i < ROUND_TRIPS; i++) {
      await unix.sendAll(client, ping);
      await unix.recvExact(client, PING_BYTES);
    }
    await unix.shutdown(client);
    await echoing;
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
