// Copyright 2026 the socketkit authors. MIT license.

/**
 * {@linkcode socketpair}: two connected Unix sockets in this process, as
 * Python's `socket.socketpair()`. A stream pair works with every stream
 * function of `@socketkit/socket/tcp` (`recvLine`, `recvExact`, frames,
 * `readable`, ...); datagram and seqpacket pairs keep message boundaries and
 * work with `send` and `recv` of `@socketkit/socket/seqpacket`.
 *
 * Deno cannot create these sockets, so this module makes them through the C
 * library with `Deno.dlopen` (Linux only; elsewhere
 * `Deno.errors.NotSupported`). The library is opened at the first socket,
 * not at import.
 *
 * Requires `allow-ffi` permission.
 *
 * @example A line over a stream pair
 * ```ts
 * import { socketpair } from "@socketkit/socket/socketpair";
 * import * as tcp from "@socketkit/socket/tcp";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = socketpair();
 * await using _a = a;
 * await using _b = b;
 * await tcp.sendAll(a, "hello\n");
 * assert.equal(await tcp.recvLine(b), "hello");
 * ```
 *
 * @module
 */

import { show } from "./_errors.ts";
import { SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM } from "./_ffi.ts";
import { FdConn } from "./_fd_conn.ts";
import { FdSocket } from "./_ffi_socket.ts";
import { makeSocket, type MessageSocket } from "./_message.ts";
import { type StreamSocket, wrap } from "./tcp.ts";

export type { MessageSocket } from "./_message.ts";

/** The kind of socket pair: bytes (`"stream"`) or messages. */
export type SocketPairType = "stream" | "datagram" | "seqpacket";

/**
 * Makes two connected Unix sockets (`socketpair(2)`).
 *
 * - `"stream"` (default): two stream sockets; every stream function works
 *   on them, and `close` interrupts a pending receive at once.
 * - `"datagram"`, `"seqpacket"`: two message sockets for `send` and `recv`
 *   of `@socketkit/socket/seqpacket`; a seqpacket end reads `null` once the
 *   other is closed.
 *
 * Requires `allow-ffi` permission.
 *
 * @param type The kind of pair.
 * @returns The two ends; close both.
 * @throws {TypeError} If `type` is not one of the three.
 * @throws {Deno.errors.NotCapable} Without `--allow-ffi`.
 * @throws {Deno.errors.NotSupported} On a system other than Linux.
 *
 * @example Messages over a seqpacket pair
 * ```ts
 * import { socketpair } from "@socketkit/socket/socketpair";
 * import * as seqpacket from "@socketkit/socket/seqpacket";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = socketpair("seqpacket");
 * await using _a = a;
 * await using _b = b;
 * await seqpacket.send(a, "one");
 * await seqpacket.send(a, "two");
 * assert.equal((await seqpacket.recv(b))!.length, 3);
 * assert.equal((await seqpacket.recv(b))!.length, 3);
 * ```
 *
 * @tags allow-ffi
 */
export function socketpair(
  type?: "stream",
): [StreamSocket<Deno.UnixAddr>, StreamSocket<Deno.UnixAddr>];
/**
 * Makes two connected Unix message sockets (`socketpair(2)` with
 * `SOCK_DGRAM` or `SOCK_SEQPACKET`), for `send` and `recv` of
 * `@socketkit/socket/seqpacket`.
 *
 * Requires `allow-ffi` permission.
 *
 * @param type `"datagram"` or `"seqpacket"`.
 * @returns The two ends; close both.
 *
 * @example A datagram pair
 * ```ts
 * import { socketpair } from "@socketkit/socket/socketpair";
 * import * as seqpacket from "@socketkit/socket/seqpacket";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = socketpair("datagram");
 * await using _a = a;
 * await using _b = b;
 * await seqpacket.send(a, "one");
 * assert.equal(b.kind, "datagram");
 * assert.equal((await seqpacket.recv(b))!.length, 3);
 * ```
 *
 * @tags allow-ffi
 */
export function socketpair(
  type: "datagram" | "seqpacket",
): [MessageSocket, MessageSocket];
export function socketpair(
  type: SocketPairType = "stream",
):
  | [StreamSocket<Deno.UnixAddr>, StreamSocket<Deno.UnixAddr>]
  | [MessageSocket, MessageSocket] {
  const kind = type === "stream"
    ? SOCK_STREAM
    : type === "datagram"
    ? SOCK_DGRAM
    : type === "seqpacket"
    ? SOCK_SEQPACKET
    : undefined;
  if (kind === undefined) {
    throw new TypeError(
      `Cannot socketpair as type must be "stream", "datagram" or "seqpacket": current value is ${
        show(type)
      }`,
    );
  }
  const [a, b] = FdSocket.pair(kind, "socketpair");
  if (kind === SOCK_STREAM) {
    return [wrap(new FdConn(a)), wrap(new FdConn(b))];
  }
  return [makeSocket(a, "", ""), makeSocket(b, "", "")];
}
