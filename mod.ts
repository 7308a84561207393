// Copyright 2026 the socketkit authors. MIT license.

/**
 * socketkit: the socket primitives for Deno — listen, accept, connect,
 * recv, send, timeouts that lose no data, lines and frames with limits,
 * graceful servers — for TCP, UDP and Unix-domain sockets.
 *
 * Transports are namespaces, since they share verb names:
 * {@linkcode tcp}, {@linkcode udp}, {@linkcode unix}, {@linkcode tls}. Message framing and
 * servers are exported flat.
 *
 * Requires `allow-net` permission (Unix sockets: `allow-read` and
 * `allow-write` too). The socket types Deno cannot create — {@linkcode raw}
 * (ICMP, ping), {@linkcode seqpacket} and {@linkcode socketpair} — are made
 * through libc and need `allow-ffi`, only when used.
 *
 * @example A TCP echo in a few lines
 * ```ts
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * await using client = await tcp.connect(server.addr);
 * await using conn = await accepted;
 *
 * await tcp.sendAll(client, "hello\n");
 * assert.equal(await tcp.recvLine(conn), "hello");
 * ```
 *
 * @module
 */

export * as tcp from "./tcp.ts";
export { formatAddr, parseAddr } from "./_addr.ts";
export type { AddressInput, HostPort } from "./_addr.ts";
export type { IoOptions } from "./_timeout.ts";
export { lookup } from "./_dns.ts";
export type { LookupAddress, LookupOptions } from "./_dns.ts";
export * as udp from "./udp.ts";
export * as unix from "./unix.ts";
export * as tls from "./tls.ts";
export * from "./framing.ts";
export * from "./server.ts";
export * as raw from "./raw.ts";
export * as seqpacket from "./seqpacket.ts";
export { socketpair } from "./socketpair.ts";
export type { SocketPairType } from "./socketpair.ts";
