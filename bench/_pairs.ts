// Copyright 2026 the socketkit authors. MIT license.
// Connected pairs and the raw and socketkit loops the bench cases share.
// Each helper does exactly what the cases wrote out before; the cases keep
// the parts they compare (how each side reads) in their own files.

import { recvExact, sendAll, shutdown, type StreamSocket } from "../_stream.ts";
import * as tcp from "../tcp.ts";
import * as unix from "../unix.ts";

/** Writes all of `data` to a raw connection. */
export async function writeAll(
  conn: Deno.Conn,
  data: Uint8Array,
): Promise<void> {
  for (let n = 0; n < data.length;) n += await conn.write(data.subarray(n));
}

/** Reads until `buf` is full; false at end of stream. */
export async function readFull(
  conn: Deno.Conn,
  buf: Uint8Array,
): Promise<boolean> {
  for (let n = 0; n < buf.length;) {
    const got = await conn.read(buf.subarray(n));
    if (got === null) return false;
    n += got;
  }
  return true;
}

/** A connected raw TCP pair on loopback: [client, accepted peer]. */
export async function rawTcpPair(): Promise<[Deno.TcpConn, Deno.TcpConn]> {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  const client = await Deno.connect({
    hostname: "127.0.0.1",
    port: listener.addr.port,
  });
  return [client, await accepted];
}

/** A connected socketkit TCP pair on loopback: [client, accepted peer]. */
export async function kitTcpPair(): Promise<[tcp.TcpSocket, tcp.TcpSocket]> {
  await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = tcp.accept(server);
  const client = await tcp.connect(server.addr);
  return [client, await accepted];
}

/** Runs `fn` with a fresh temporary directory for a socket file. */
export async function inTempDir<T>(
  fn: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "skb" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A connected raw Unix stream pair at `path`: [client, accepted peer]. */
export async function rawUnixPair(
  path: string,
): Promise<[Deno.UnixConn, Deno.UnixConn]> {
  using listener = Deno.listen({ transport: "unix", path });
  const accepted = listener.accept();
  const client = await Deno.connect({ transport: "unix", path });
  return [client, await accepted];
}

/** A connected socketkit Unix stream pair at `path`: [client, accepted peer]. */
export async function kitUnixPair(
  path: string,
): Promise<[unix.UnixSocket, unix.UnixSocket]> {
  await using server = await unix.listen(path);
  const accepted = unix.accept(server);
  const client = await unix.connect(path);
  return [client, await accepted];
}

/** Writes `total` bytes in `chunk`-byte writes on a raw connection, then half-closes. */
export async function sendBulkRaw(
  conn: Deno.TcpConn | Deno.UnixConn,
  chunk: number,
  total: number,
): Promise<void> {
  const data = new Uint8Array(chunk).fill(7);
  for (let sent = 0; sent < total; sent += chunk) await writeAll(conn, data);
  await conn.closeWrite();
}

/** Sends `total` bytes in `chunk`-byte `sendAll`s with socketkit, then shuts down writing. */
export async function sendBulkKit(
  sock: StreamSocket,
  chunk: number,
  total: number,
): Promise<void> {
  const data = new Uint8Array(chunk).fill(7);
  for (let sent = 0; sent < total; sent += chunk) await sendAll(sock, data);
  await shutdown(sock);
}

/** `received` bytes in MiB; throws unless it is `expected`. */
export function mibReceived(received: number, expected: number): number {
  if (received !== expected) throw new Error(`received ${received}`);
  return received / 1024 / 1024;
}

/**
 * `rounds` round trips of `bytes`-byte messages on a raw pair: `peer`
 * echoes, `client` writes and reads back in full; then half-closes and
 * waits for the echo loop to end. The caller closes both.
 */
export async function pingPongRaw(
  client: Deno.TcpConn | Deno.UnixConn,
  peer: Deno.Conn,
  bytes: number,
  rounds: number,
): Promise<void> {
  const echoing = (async () => {
    const buf = new Uint8Array(bytes);
    while (await readFull(peer, buf)) await writeAll(peer, buf);
  })();
  const ping = new Uint8Array(bytes).fill(1);
  const pong = new Uint8Array(bytes);
  for (let i = 0; i < rounds; i++) {
    await writeAll(client, ping);
    if (!(await readFull(client, pong))) throw new Error("early end");
  }
  await client.closeWrite();
  await echoing;
}

/**
 * The same round trips with socketkit (`sendAll` and `recvExact`, the
 * functions `tcp` and `unix` share). The caller closes both.
 */
export async function pingPongKit(
  client: StreamSocket,
  peer: StreamSocket,
  bytes: number,
  rounds: number,
): Promise<void> {
  const echoing = (async () => {
    for (;;) {
      let msg: Uint8Array;
      try {
        msg = await recvExact(peer, bytes);
      } catch (err) {
        if (err instanceof Deno.errors.UnexpectedEof) return;
        throw err;
      }
      await sendAll(peer, msg);
    }
  })();
  const ping = new Uint8Array(bytes).fill(1);
  for (let i = 0; i < rounds; i++) {
    await sendAll(client, ping);
    await recvExact(client, bytes);
  }
  await shutdown(client);
  await echoing;
}
