// Copyright 2026 the socketkit authors. MIT license.
// Side-by-side cases for tls; bench/compare.ts runs them. Each case does
// the same work over loopback TLS twice: with Deno.listenTls/connectTls
// (as a careful user would write it) and with socketkit's tls.ts. Both
// sides complete the handshake before the work; the certificate is the
// test fixture in tests/fixtures/.

import type { Case } from "./_harness.ts";
import * as tls from "../tls.ts";
import {
  mibReceived,
  pingPongKit as pingPongKitLoop,
  pingPongRaw as pingPongRawLoop,
  sendBulkKit,
  sendBulkRaw,
} from "./_pairs.ts";

const CHUNK = 64 * 1024;
const BULK_BYTES = 256 * 1024 * 1024;
const PING_BYTES = 64;
const ROUND_TRIPS = 10_000;

const fixture = (name: string) =>
  Deno.readTextFileSync(new URL(`../tests/fixtures/${name}`, import.meta.url));
const cert = fixture("localhost.pem");
const key = fixture("localhost.key");
const ca = fixture("ca.pem");

/** A handshaken raw TLS pair on loopback: [client, accepted peer]. */
async function rawTlsPair(): Promise<[Deno.TlsConn, Deno.TlsConn]> {
  using listener = Deno.listenTls({
    hostname: "127.0.0.1",
    port: 0,
    cert,
    key,
  });
  const accepted = listener.accept();
  const client = await Deno.connectTls({
    hostname: "localhost",
    port: listener.addr.port,
    caCerts: [ca],
  });
  const peer = await accepted;
  await Promise.all([client.handshake(), peer.handshake()]);
  return [client, peer];
}

/** A handshaken socketkit TLS pair on loopback: [client, accepted peer]. */
async function kitTlsPair(): Promise<[tls.TlsSocket, tls.TlsSocket]> {
  await using server = await tls.listen({
    hostname: "127.0.0.1",
    port: 0,
    cert,
    key,
  });
  const accepted = tls.accept(server);
  const client = await tls.connect(`localhost:${server.addr.port}`, {
    caCerts: [ca],
  });
  return [client, await accepted];
}

// Deno.TlsConn has closeWrite as TcpConn does; the shared loops type the
// raw side as TcpConn | UnixConn.
type RawConn = Deno.TcpConn;

async function bulkRaw(): Promise<number> {
  const [client, peer] = await rawTlsPair();
  const sending = sendBulkRaw(client as unknown as RawConn, CHUNK, BULK_BYTES);
  const buf = new Uint8Array(CHUNK);
  let received = 0;
  for (let n; (n = await peer.read(buf)) !== null;) received += n;
  await sending;
  client.close();
  peer.close();
  return mibReceived(received, BULK_BYTES);
}

async function bulkKitInto(): Promise<number> {
  const [client, peer] = await kitTlsPair();
  const sending = sendBulkKit(client, CHUNK, BULK_BYTES);
  const buffer = new Uint8Array(CHUNK);
  let received = 0;
  for (let n; (n = await tls.recvInto(peer, buffer)) !== null;) received += n;
  await sending;
  await tls.close(client);
  await tls.close(peer);
  return mibReceived(received, BULK_BYTES);
}

async function bulkRawFresh(): Promise<number> {
  const [client, peer] = await rawTlsPair();
  const sending = sendBulkRaw(client as unknown as RawConn, CHUNK, BULK_BYTES);
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

async function bulkKit(): Promise<number> {
  const [client, peer] = await kitTlsPair();
  const sending = sendBulkKit(client, CHUNK, BULK_BYTES);
  let received = 0;
  for (let d; (d = await tls.recv(peer, CHUNK)) !== null;) received += d.length;
  await sending;
  await tls.close(client);
  await tls.close(peer);
  return mibReceived(received, BULK_BYTES);
}

async function pingPongRaw(): Promise<number> {
  const [client, peer] = await rawTlsPair();
  await pingPongRawLoop(
    client as unknown as RawConn,
    peer,
    PING_BYTES,
    ROUND_TRIPS,
  );
  client.close();
  peer.close();
  return ROUND_TRIPS;
}

async function pingPongKit(): Promise<number> {
  const [client, peer] = await kitTlsPair();
  await pingPongKitLoop(client, peer, PING_BYTES, ROUND_TRIPS);
  await tls.close(client);
  await tls.close(peer);
  return ROUND_TRIPS;
}

/** The tls comparisons. */
export function cases(): Case[] {
  return [
    {
      name: "tls bulk 256 MiB in 64 KiB writes, one reused buffer (recvInto)",
      unit: "MiB",
      raw: bulkRaw,
      kit: bulkKitInto,
    },
    {
      name: "tls bulk 256 MiB, a new buffer per read (recv)",
      unit: "MiB",
      raw: bulkRawFresh,
      kit: bulkKit,
    },
    {
      name: `tls ping-pong ${ROUND_TRIPS.toLocaleString("en-US")} × 64 B`,
      unit: "round trips",
      raw: pingPongRaw,
      kit: pingPongKit,
    },
  ];
}
