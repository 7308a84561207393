// Copyright 2026 the socketkit authors. MIT license.

/**
 * TLS sockets: {@linkcode connect}, {@linkcode listen}, {@linkcode accept}
 * and {@linkcode startTls} (STARTTLS on a connected plain socket), giving
 * stream sockets that every stream function works on — {@linkcode recv},
 * {@linkcode recvExact}, {@linkcode recvLine}, {@linkcode sendAll},
 * {@linkcode shutdown}, framing's `sendFrame`/`recvFrame` — with the same
 * timeouts that lose no data as TCP.
 *
 * Certificates and host names are checked by default. The handshake is
 * complete when `connect`, `accept` and `startTls` resolve, so a bad
 * certificate rejects there, and {@linkcode alpnProtocol} tells the
 * protocol the peers agreed on.
 *
 * `shutdown(sock, "write")` sends TLS `close_notify` (the peer's receive
 * returns `null`) and receiving goes on. `close` sends it in the
 * background: a program that exits at once can cut it off, and a peer that
 * sees the connection end without it gets `Deno.errors.UnexpectedEof`
 * rather than `null`, so shut down writing before exiting.
 *
 * Requires `allow-net` permission (and `allow-read` to read PEM files).
 *
 * @example An echo over TLS on loopback (the test certificate is in `tests/fixtures/`)
 * ```ts
 * import * as tls from "@socketkit/socket/tls";
 * import assert from "node:assert/strict";
 *
 * const cert = await Deno.readTextFile("tests/fixtures/localhost.pem");
 * const key = await Deno.readTextFile("tests/fixtures/localhost.key");
 * const ca = await Deno.readTextFile("tests/fixtures/ca.pem");
 *
 * await using server = await tls.listen({ hostname: "127.0.0.1", port: 0, cert, key });
 * const accepted = tls.accept(server, { timeout: 5_000 });
 * await using client = await tls.connect(
 *   { hostname: "127.0.0.1", port: server.addr.port },
 *   { caCerts: [ca], serverName: "localhost", timeout: 5_000 },
 * );
 * await using conn = await accepted;
 *
 * await tls.sendAll(client, "hello\n");
 * const line = await tls.recvLine(conn);
 * await tls.sendAll(conn, `${line}, back\n`);
 * assert.equal(await tls.recvLine(client), "hello, back");
 * ```
 *
 * @module
 */

import { formatAddr, hostError, parseAddr } from "./_addr.ts";
import { ioError, show } from "./_errors.ts";
import { checkIpv6Only, serveIpv6Only } from "./_tcp_listen.ts";
import { Deadline, validateTimeout } from "./_timeout.ts";
import { checkOptions } from "./_validate.ts";
import {
  accept as acceptStream,
  close,
  connect as connectTcp,
  type IoOptions,
  recv,
  StreamServer,
  StreamSocket,
  wrap,
} from "./tcp.ts";

export * from "./_stream_api.ts";
export { wrap } from "./tcp.ts";

/** A connected TLS socket. */
export type TlsSocket = StreamSocket<Deno.NetAddr>;
/**
 * A listening TLS server: accept from it with {@linkcode accept}, which
 * completes each handshake. Iterating it with `for await` yields sockets
 * whose handshake is still to do (see {@linkcode handshake}).
 */
export type TlsServer = StreamServer<Deno.NetAddr>;

/**
 * The default of {@linkcode AcceptOptions.handshakeTimeout}, and of the
 * server side of {@linkcode startTls}'s `timeout`: 10 seconds.
 */
export const DEFAULT_HANDSHAKE_TIMEOUT = 10_000;

/** What the TLS handshake settled. */
export interface TlsHandshakeInfo {
  /** The ALPN protocol the peers agreed on, or `null` if none. */
  readonly alpnProtocol: string | null;
}

/** Handshake results, by socket: filled once each handshake completes. */
const handshakes = new WeakMap<StreamSocket, TlsHandshakeInfo>();

function noop(): void {}

// ---- argument checks ----

function checkPemList(value: unknown, name: string, action: string): void {
  if (
    value !== undefined &&
    (!Array.isArray(value) || value.some((v) => typeof v !== "string"))
  ) {
    throw new TypeError(
      `Cannot ${action} as ${name} must be an array of PEM strings: current value is ${
        show(value)
      }`,
    );
  }
}

function checkAlpn(value: unknown, action: string): void {
  if (
    value !== undefined &&
    (!Array.isArray(value) ||
      value.some((v) => typeof v !== "string" || v.length === 0))
  ) {
    throw new TypeError(
      `Cannot ${action} as alpnProtocols must be an array of non-empty strings: current value is ${
        show(value)
      }`,
    );
  }
}

function checkPem(value: unknown, name: string, action: string): string {
  if (typeof value !== "string" || !value.includes("-----BEGIN")) {
    throw new TypeError(
      `Cannot ${action} as ${name} must be a PEM string ("-----BEGIN ..."): current value is ${
        show(typeof value === "string" ? `${value.slice(0, 20)}...` : value)
      }`,
    );
  }
  return value;
}

function checkName(value: unknown, name: string, action: string): void {
  if (value !== undefined && (typeof value !== "string" || value === "")) {
    throw new TypeError(
      `Cannot ${action} as ${name} must be a non-empty string: current value is ${
        show(value)
      }`,
    );
  }
}

// ---- deadlines ----

/** The time left of a timeout started at `start`, or null for none. */
function remaining(timeout: number | null, start: number): number | null {
  return timeout === null
    ? null
    : Math.max(0, timeout - (performance.now() - start));
}

// ---- handshake ----

/** Options for {@linkcode handshake}. */
export interface HandshakeOptions extends IoOptions {}

/**
 * Completes the TLS handshake of a socket (a no-op once done) and returns
 * what it settled. {@linkcode connect}, {@linkcode accept} and
 * {@linkcode startTls} call it before they resolve; call it yourself on a
 * socket from `tcp.wrap(await Deno.connectTls(...))` or from iterating a
 * {@linkcode TlsServer}.
 *
 * A handshake cannot be resumed, so one that times out, is aborted or
 * fails closes the socket.
 *
 * Requires `allow-net` permission.
 *
 * @param sock A socket over a TLS connection.
 * @param options Timeout and abort signal.
 * @returns The negotiated ALPN protocol.
 * @throws {TypeError} If the socket is not over TLS.
 * @throws {Deno.errors.TimedOut} If the handshake does not finish in time.
 * @throws {Deno.errors.InvalidData} If the peer's certificate is refused
 * (unknown issuer, wrong name, expired) or the peer does not speak TLS.
 *
 * @example Handshake a wrapped Deno connection
 * ```ts
 * import * as tls from "@socketkit/socket/tls";
 * import assert from "node:assert/strict";
 *
 * const cert = await Deno.readTextFile("tests/fixtures/localhost.pem");
 * const key = await Deno.readTextFile("tests/fixtures/localhost.key");
 * const ca = await Deno.readTextFile("tests/fixtures/ca.pem");
 * await using server = await tls.listen({ hostname: "127.0.0.1", port: 0, cert, key, alpnProtocols: ["echo/1"] });
 * const accepted = tls.accept(server, { timeout: 5_000 });
 * await using sock = tls.wrap(await Deno.connectTls({
 *   hostname: "localhost", port: server.addr.port, caCerts: [ca], alpnProtocols: ["echo/1"],
 * }));
 * const info = await tls.handshake(sock, { timeout: 5_000 });
 * assert.equal(info.alpnProtocol, "echo/1");
 * await tls.close(await accepted);
 * ```
 *
 * @tags allow-net
 */
export async function handshake(
  sock: StreamSocket,
  options: HandshakeOptions = {},
): Promise<TlsHandshakeInfo> {
  const known = handshakes.get(sock);
  if (known !== undefined) return known;
  if (!(sock instanceof StreamSocket)) {
    throw new TypeError(
      `Cannot handshake as sock must be a StreamSocket over TLS: current value is ${
        show(sock)
      }`,
    );
  }
  const where = () => `handshake with ${show(formatAddr(sock.remoteAddr))}`;
  checkOptions(options, where);
  const conn = sock.conn as Partial<Deno.TlsConn>;
  if (typeof conn.handshake !== "function") {
    throw new TypeError(
      `Cannot ${where()} as the socket is not over TLS: current value is a plain connection`,
    );
  }
  if (sock.closed) {
    throw new Deno.errors.BadResource(
      `Cannot ${where()}: the socket is closed`,
    );
  }
  const timeout = options.timeout !== undefined
    ? validateTimeout(options.timeout, where())
    : sock.timeout;
  const pending = conn.handshake.call(sock.conn);
  const deadline = timeout === null && options.signal === undefined
    ? null
    : new Deadline(timeout, options.signal, where);
  let info: Deno.TlsHandshakeInfo;
  try {
    info = deadline === null ? await pending : await deadline.race(pending);
  } catch (err) {
    // A handshake cannot be resumed: close, and wait for it to settle so
    // nothing is left in flight.
    await close(sock).catch(noop);
    await pending.catch(noop);
    if (deadline?.caused(err)) {
      // No time left (timeout 0, or connect and accept spent it all) is a
      // timeout here, not WouldBlock: the handshake cannot be tried again.
      throw err instanceof Deno.errors.WouldBlock
        ? new Deno.errors.TimedOut(`Cannot ${where()}: timed out after 0 ms`)
        : err;
    }
    throw ioError(where(), err);
  } finally {
    deadline?.dispose();
  }
  const result: TlsHandshakeInfo = Object.freeze({
    alpnProtocol: info.alpnProtocol ?? null,
  });
  handshakes.set(sock, result);
  return result;
}

/**
 * The ALPN protocol the peers agreed on in a completed handshake, or
 * `null` when they agreed on none, or the handshake is not done yet (see
 * {@linkcode handshake}), or the socket is not over TLS.
 *
 * @param sock A socket from {@linkcode connect}, {@linkcode accept} or
 * {@linkcode startTls}.
 * @returns The protocol, such as `"h2"`, or `null`.
 *
 * @example Agree on a protocol
 * ```ts
 * import * as tls from "@socketkit/socket/tls";
 * import assert from "node:assert/strict";
 *
 * const cert = await Deno.readTextFile("tests/fixtures/localhost.pem");
 * const key = await Deno.readTextFile("tests/fixtures/localhost.key");
 * const ca = await Deno.readTextFile("tests/fixtures/ca.pem");
 * await using server = await tls.listen({ hostname: "127.0.0.1", port: 0, cert, key, alpnProtocols: ["h2", "http/1.1"] });
 * const accepted = tls.accept(server, { timeout: 5_000 });
 * await using client = await tls.connect(`localhost:${server.addr.port}`, {
 *   caCerts: [ca], alpnProtocols: ["http/1.1"], timeout: 5_000,
 * });
 * await using conn = await accepted;
 * assert.equal(tls.alpnProtocol(client), "http/1.1");
 * assert.equal(tls.alpnProtocol(conn), "http/1.1");
 * ```
 */
export function alpnProtocol(sock: StreamSocket): string | null {
  return handshakes.get(sock)?.alpnProtocol ?? null;
}

// ---- client ----

/** Options for {@linkcode connect} and {@linkcode startTls}. */
export interface ConnectOptions extends IoOptions {
  /**
   * Root certificates (PEM) trusted besides the system's (Mozilla's)
   * roots, such as your own CA's.
   *
   * @default {[]}
   */
  caCerts?: string[];
  /**
   * The name the server's certificate must carry, and the name sent as
   * SNI, when it differs from the host connected to (connecting to
   * `127.0.0.1` and checking `localhost`).
   *
   * @default {the hostname}
   */
  serverName?: string;
  /**
   * The ALPN protocols offered, most preferred first; read the agreed one
   * with {@linkcode alpnProtocol}.
   *
   * @default {none: no ALPN extension}
   */
  alpnProtocols?: string[];
}

/** A TLS server's address, with the {@linkcode ConnectOptions} beside it. */
export interface ConnectAddress extends ConnectOptions {
  /**
   * The host name or IP address.
   *
   * @default {"127.0.0.1"}
   */
  hostname?: string;
  /** The port. */
  port: number;
}

function checkConnectOptions(options: ConnectOptions, action: string): void {
  checkPemList(options.caCerts, "caCerts", action);
  checkName(options.serverName, "serverName", action);
  checkAlpn(options.alpnProtocols, action);
}

/**
 * Connects to a TLS server and completes the handshake, checking the
 * server's certificate against the trusted roots and its name against
 * `serverName` (default: the hostname).
 *
 * Requires `allow-net` permission.
 *
 * @param address `{ hostname, port, ...options }` or `"host:port"`.
 * @param options Trusted roots, server name, ALPN protocols, and a timeout
 * and signal that bound the connection and the handshake together.
 * @returns The connected socket, its handshake done.
 * @throws {TypeError} If the address or an option is malformed.
 * @throws {Deno.errors.ConnectionRefused} If nothing listens there.
 * @throws {Deno.errors.InvalidData} If the certificate is refused (for
 * example `invalid peer certificate: UnknownIssuer`, or `NotValidForName`).
 * @throws {Deno.errors.TimedOut} If the connection or handshake takes too long.
 *
 * @example A wrong name is refused
 * ```ts
 * import * as tls from "@socketkit/socket/tls";
 * import assert from "node:assert/strict";
 *
 * const cert = await Deno.readTextFile("tests/fixtures/localhost.pem");
 * const key = await Deno.readTextFile("tests/fixtures/localhost.key");
 * const ca = await Deno.readTextFile("tests/fixtures/ca.pem");
 * await using server = await tls.listen({ hostname: "127.0.0.1", port: 0, cert, key });
 * const accepted = tls.accept(server, { timeout: 5_000 }).catch((err) => err);
 * await assert.rejects(
 *   tls.connect({ port: server.addr.port, caCerts: [ca], serverName: "other.test", timeout: 5_000 }),
 *   Deno.errors.InvalidData,
 * );
 * assert.ok(await accepted instanceof Error);
 * ```
 *
 * @tags allow-net
 */
export async function connect(
  address: string | ConnectAddress,
  options: ConnectOptions = {},
): Promise<TlsSocket> {
  if (address === null || typeof address !== "object") {
    if (typeof address !== "string") {
      throw new TypeError(
        `Cannot connect as address must be a "host:port" string or a { hostname, port } object: current value is ${
          show(address)
        }`,
      );
    }
  }
  const merged: ConnectAddress | ConnectOptions = typeof address === "string"
    ? options
    : { ...address, ...options };
  checkOptions(merged, () => "connect");
  checkConnectOptions(merged, "connect");
  const { hostname, port } = parseAddr(
    typeof address === "string"
      ? address
      : { hostname: address.hostname ?? "127.0.0.1", port: address.port },
    "connect",
  );
  const start = performance.now();
  const timeout = merged.timeout ?? null;
  const plain = await connectTcp({ hostname, port }, {
    ...(timeout !== null ? { timeout } : {}),
    ...(merged.signal !== undefined ? { signal: merged.signal } : {}),
  });
  return await upgradeClient(plain, {
    hostname: merged.serverName ?? hostname,
    caCerts: merged.caCerts,
    alpnProtocols: merged.alpnProtocols,
    timeout: remaining(timeout, start),
    signal: merged.signal,
  });
}

interface ClientUpgrade {
  hostname: string;
  caCerts: string[] | undefined;
  alpnProtocols: string[] | undefined;
  timeout: number | null;
  signal: AbortSignal | undefined;
}

/** Client-side TLS over a connected plain TCP socket, which it consumes. */
async function upgradeClient(
  plain: StreamSocket<Deno.NetAddr>,
  options: ClientUpgrade,
): Promise<TlsSocket> {
  const peer = show(formatAddr(plain.remoteAddr));
  const conn = plain.conn as Partial<Deno.TcpConn>;
  if (typeof conn.setNoDelay !== "function") {
    throw new Deno.errors.NotSupported(
      `Cannot startTls with ${peer}: the socket is not a plain TCP connection`,
    );
  }
  let tlsConn: Deno.TlsConn;
  try {
    tlsConn = await Deno.startTls(plain.conn as Deno.TcpConn, {
      hostname: options.hostname,
      ...(options.caCerts !== undefined ? { caCerts: options.caCerts } : {}),
      ...(options.alpnProtocols !== undefined
        ? { alpnProtocols: options.alpnProtocols }
        : {}),
    });
  } catch (err) {
    if (err instanceof Deno.errors.Busy) {
      throw new Deno.errors.Busy(
        `Cannot startTls with ${peer}: a receive or send is in flight on the socket`,
        { cause: err },
      );
    }
    await close(plain).catch(noop);
    throw ioError(`startTls with ${peer}`, err);
  }
  // The TCP connection now belongs to tlsConn. Bytes the plain socket had
  // buffered came before the handshake, so they cannot be TLS: a server (or
  // someone in between) spoke out of turn. The probe reads the buffer only:
  // the old connection is gone, so no read of it can take TLS bytes.
  const early = await recv(plain, 65_536, { timeout: 0 }).catch(() => null);
  await close(plain).catch(noop);
  const sock = wrap(tlsConn);
  if (early !== null && early.length > 0) {
    await close(sock);
    throw new Deno.errors.InvalidData(
      `Cannot startTls with ${peer} as no bytes may arrive between the STARTTLS reply and the handshake: current value is ${early.length} bytes buffered`,
    );
  }
  await handshake(sock, {
    timeout: options.timeout,
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
  });
  return sock;
}

// ---- STARTTLS ----

/** Options for {@linkcode startTls} on the client side. */
export interface StartTlsOptions extends ConnectOptions {
  /**
   * The name the server's certificate must carry (and the SNI sent).
   * `serverName`, when given, takes precedence.
   *
   * @default {the peer's IP address}
   */
  hostname?: string;
  /**
   * Which side of the handshake to take: `false` for the client.
   *
   * @default {false}
   */
  serverSide?: false;
}

/** Options for {@linkcode startTls} on the server side. */
export interface StartTlsServerOptions extends IoOptions {
  /**
   * Milliseconds the handshake may take, so a client that never speaks TLS
   * cannot hold the caller (as {@linkcode accept}'s `handshakeTimeout`);
   * `null` waits for ever.
   *
   * @default {the socket's timeout (set by `setTimeout`), or {@linkcode DEFAULT_HANDSHAKE_TIMEOUT} (10 s) when it has none}
   */
  timeout?: number | null;
  /** Take the server side of the handshake. */
  serverSide: true;
  /** The server's certificate chain, PEM. */
  cert: string;
  /** The server's private key, PEM. */
  key: string;
  /**
   * The ALPN protocols the server accepts, most preferred first.
   *
   * @default {none}
   */
  alpnProtocols?: string[];
}

/**
 * Upgrades a connected plain TCP socket to TLS, as SMTP, IMAP and Postgres
 * do after their STARTTLS exchange, and completes the handshake. The plain
 * socket is consumed: use the returned one from now on.
 *
 * Client side (the default): bytes already buffered on the plain socket
 * arrived before the handshake and cannot be TLS, so they are refused with
 * `Deno.errors.InvalidData` (the STARTTLS injection attack sends exactly
 * that). A receive or send still in flight on the plain socket (such as
 * one a timeout left) makes it reject with `Deno.errors.Busy`.
 *
 * Server side (`serverSide: true`, with `cert` and `key`): Deno's own
 * `startTls` is client-only, so this runs node:tls over the plain socket;
 * bytes already buffered are the first the TLS layer reads. It is slower
 * than `listen`'s TLS; use it for the upgrade, not for bulk servers. As
 * with {@linkcode accept}, the handshake is bounded by default: by the
 * socket's timeout, or {@linkcode DEFAULT_HANDSHAKE_TIMEOUT} when it has
 * none (`timeout: null` waits for ever). The client side, like
 * {@linkcode connect} and every other client operation, is bounded only by
 * the call's `timeout` or the socket's (for ever when neither is set).
 *
 * Requires `allow-net` permission.
 *
 * @param sock A connected plain TCP socket.
 * @param options The side, the names and roots (client) or certificate and
 * key (server), and a timeout and signal for the handshake.
 * @returns The TLS socket, its handshake done.
 * @throws {Deno.errors.InvalidData} If bytes were buffered (client), or the
 * certificate is refused.
 * @throws {Deno.errors.Busy} If an operation is in flight on `sock`.
 * @throws {Deno.errors.NotSupported} If `sock` is not plain TCP.
 * @throws {Deno.errors.TimedOut} If the handshake does not finish in time.
 *
 * @example Both sides of a STARTTLS upgrade
 * ```ts
 * import * as tcp from "@socketkit/socket/tcp";
 * import * as tls from "@socketkit/socket/tls";
 * import assert from "node:assert/strict";
 *
 * const cert = await Deno.readTextFile("tests/fixtures/localhost.pem");
 * const key = await Deno.readTextFile("tests/fixtures/localhost.key");
 * const ca = await Deno.readTextFile("tests/fixtures/ca.pem");
 * await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * const plainClient = await tcp.connect(server.addr);
 * const plainPeer = await accepted;
 *
 * await tcp.sendAll(plainClient, "STARTTLS\r\n");
 * assert.equal(await tcp.recvLine(plainPeer), "STARTTLS");
 * await tcp.sendAll(plainPeer, "220 go ahead\r\n");
 * assert.equal(await tcp.recvLine(plainClient), "220 go ahead");
 *
 * const [client, peer] = await Promise.all([
 *   tls.startTls(plainClient, { hostname: "localhost", caCerts: [ca], timeout: 5_000 }),
 *   tls.startTls(plainPeer, { serverSide: true, cert, key, timeout: 5_000 }),
 * ]);
 * await tls.sendAll(client, "EHLO secret\r\n");
 * assert.equal(await tls.recvLine(peer), "EHLO secret");
 * await tls.close(client);
 * await tls.close(peer);
 * ```
 *
 * @tags allow-net
 */
export async function startTls(
  sock: StreamSocket,
  options: StartTlsOptions | StartTlsServerOptions = {},
): Promise<TlsSocket> {
  if (!(sock instanceof StreamSocket)) {
    throw new TypeError(
      `Cannot startTls as sock must be a connected StreamSocket: current value is ${
        show(sock)
      }`,
    );
  }
  checkOptions(options, () => "startTls");
  if (sock.closed) {
    throw new Deno.errors.BadResource(
      "Cannot startTls: the socket is closed",
    );
  }
  const plain = sock as StreamSocket<Deno.NetAddr>;
  if (options.serverSide === true) {
    const cert = checkPem(options.cert, "cert", "startTls");
    const key = checkPem(options.key, "key", "startTls");
    checkAlpn(options.alpnProtocols, "startTls");
    if (
      typeof (plain.conn as Partial<Deno.TcpConn>).setNoDelay !== "function"
    ) {
      throw new Deno.errors.NotSupported(
        `Cannot startTls with ${
          show(formatAddr(plain.remoteAddr))
        }: the socket is not a plain TCP connection`,
      );
    }
    const { serverConn } = await import("./_tls_node.ts");
    const tlsSock = wrap(serverConn(plain, {
      cert,
      key,
      ...(options.alpnProtocols !== undefined
        ? { alpnProtocols: options.alpnProtocols }
        : {}),
    }));
    // As accept: a server facing a client that never speaks TLS is not held
    // for ever unless the caller says so (timeout null).
    await handshake(tlsSock, {
      timeout: options.timeout !== undefined
        ? options.timeout
        : sock.timeout ?? DEFAULT_HANDSHAKE_TIMEOUT,
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
    });
    return tlsSock;
  }
  if (options.serverSide !== undefined && options.serverSide !== false) {
    throw new TypeError(
      `Cannot startTls as serverSide must be a boolean: current value is ${
        show(options.serverSide)
      }`,
    );
  }
  checkName(options.hostname, "hostname", "startTls");
  checkConnectOptions(options, "startTls");
  return await upgradeClient(plain, {
    hostname: options.serverName ?? options.hostname ??
      plain.remoteAddr.hostname,
    caCerts: options.caCerts,
    alpnProtocols: options.alpnProtocols,
    timeout: options.timeout !== undefined ? options.timeout : sock.timeout,
    signal: options.signal,
  });
}

// ---- server ----

/** Options for {@linkcode listen}. */
export interface ListenOptions {
  /**
   * The address to listen on; `"0.0.0.0"` means every IPv4 interface,
   * `"::"` every interface.
   *
   * @default {"0.0.0.0"}
   */
  hostname?: string;
  /**
   * The port; `0` lets the system pick a free one.
   *
   * @default {0}
   */
  port?: number;
  /** The server's certificate chain, PEM (leaf first). */
  cert: string;
  /** The server's private key, PEM. */
  key: string;
  /**
   * The ALPN protocols the server accepts, most preferred first.
   *
   * @default {none}
   */
  alpnProtocols?: string[];
  /**
   * Serves IPv6 clients only, as `tcp.listen`'s option. `"::"` is dual
   * stack on Linux (IPv4 clients arrive as `::ffff:a.b.c.d`), and Deno
   * cannot set `IPV6_V6ONLY`, so with this option {@linkcode accept} (and
   * iterating the server) closes IPv4 clients as it takes them, never
   * returning them. Deno finishes closing a TLS connection only once its
   * handshake is over, so an IPv4 client sees its handshake complete and
   * then the end of the stream. The port stays taken for IPv4 too. Needs
   * an IPv6 `hostname`.
   *
   * @default {false}
   */
  ipv6Only?: boolean;
}

/**
 * Listens for TLS connections with a certificate and key given as PEM
 * strings (read them with `Deno.readTextFile`). Accept with
 * {@linkcode accept}, which completes each handshake.
 *
 * Requires `allow-net` permission.
 *
 * @param options Where to listen, the certificate and key, ALPN protocols.
 * @returns The server.
 * @throws {TypeError} If the certificate or key is not PEM, or cannot be
 * used, or `ipv6Only` is not a boolean or comes with an IPv4 hostname.
 * @throws {RangeError} If the port is outside 0–65535.
 * @throws {Deno.errors.AddrInUse} If the address is taken.
 *
 * @example Listen on a free loopback port
 * ```ts
 * import * as tls from "@socketkit/socket/tls";
 * import assert from "node:assert/strict";
 *
 * const cert = await Deno.readTextFile("tests/fixtures/localhost.pem");
 * const key = await Deno.readTextFile("tests/fixtures/localhost.key");
 * await using server = await tls.listen({ hostname: "127.0.0.1", port: 0, cert, key });
 * assert.ok(server.addr.port > 0);
 * ```
 *
 * @example Serve IPv6 clients only on every interface
 * ```ts
 * import * as tls from "@socketkit/socket/tls";
 * import assert from "node:assert/strict";
 *
 * const cert = await Deno.readTextFile("tests/fixtures/localhost.pem");
 * const key = await Deno.readTextFile("tests/fixtures/localhost.key");
 * const ca = await Deno.readTextFile("tests/fixtures/ca.pem");
 * await using server = await tls.listen({ hostname: "::", port: 0, cert, key, ipv6Only: true });
 * const accepted = tls.accept(server, { timeout: 5_000 });
 * const options = { caCerts: [ca], serverName: "localhost", timeout: 5_000 };
 * // An IPv4 client is closed unserved...
 * await using v4 = await tls.connect({ hostname: "127.0.0.1", port: server.addr.port }, options);
 * assert.equal(await tls.recv(v4, 1, { timeout: 5_000 }), null);
 * // ...and an IPv6 one is served.
 * await using client = await tls.connect({ hostname: "::1", port: server.addr.port }, options);
 * await using conn = await accepted;
 * assert.equal(conn.remoteAddr.hostname, "::1");
 * assert.equal(conn.remoteAddr.port, client.localAddr.port);
 * ```
 *
 * @tags allow-net
 */
export function listen(options: ListenOptions): Promise<TlsServer> {
  try {
    return Promise.resolve(listenNow(options));
  } catch (err) {
    return Promise.reject(err);
  }
}

/** {@linkcode listen}, synchronously: Deno.listenTls needs no wait. */
function listenNow(options: ListenOptions): TlsServer {
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `Cannot listen as options must be an object with cert and key: current value is ${
        show(options)
      }`,
    );
  }
  const cert = checkPem(options.cert, "cert", "listen");
  const key = checkPem(options.key, "key", "listen");
  checkAlpn(options.alpnProtocols, "listen");
  // As tcp.listen: only a missing field takes its default, null is a mistake.
  const { hostname, port } = parseAddr(
    {
      hostname: options.hostname === undefined ? "0.0.0.0" : options.hostname,
      port: options.port === undefined ? 0 : options.port,
    },
    "listen",
    "0.0.0.0",
  );
  const ipv6Only = checkIpv6Only(options.ipv6Only, hostname);
  const where = `listen on ${
    show(formatAddr({ transport: "tcp", hostname, port }))
  }`;
  let listener: Deno.TlsListener;
  try {
    listener = Deno.listenTls({
      hostname,
      port,
      cert,
      key,
      ...(options.alpnProtocols !== undefined
        ? { alpnProtocols: options.alpnProtocols }
        : {}),
    });
  } catch (err) {
    const badHost = hostError("listen", hostname, err);
    if (badHost !== null) throw badHost;
    const mapped = ioError(where, err);
    if (mapped !== err || !(err instanceof Error)) throw mapped;
    // Deno reports an unusable certificate or key with a bare Error.
    throw new TypeError(
      `Cannot ${where} as cert and key must be a certificate chain and its private key: ${
        err.message.replace(/^unexpected error: /, "")
      }`,
      { cause: err },
    );
  }
  const server = new StreamServer(listener);
  if (ipv6Only) serveIpv6Only(server);
  return server;
}

/** Options for {@linkcode accept}. */
export interface AcceptOptions extends IoOptions {
  /**
   * Milliseconds the handshake may take once the connection is accepted
   * (within `timeout`, if that is shorter), so a client that connects and
   * never speaks TLS cannot hold the caller. `null` waits for ever.
   *
   * @default {10000}
   */
  handshakeTimeout?: number | null;
}

/**
 * Accepts the next connection and completes its TLS handshake, within
 * `timeout` for both. A failed handshake costs only that connection: it is
 * closed and the call rejects with an error naming the peer's address; the
 * server goes on, and the next call accepts the next connection.
 *
 * Requires `allow-net` permission.
 *
 * @param server A server from {@linkcode listen}.
 * @param options Timeout, abort signal and handshake timeout.
 * @returns The connected socket, its handshake done.
 * @throws {Deno.errors.TimedOut} If no connection arrives, or its handshake
 * does not finish, in time.
 * @throws {Deno.errors.InvalidData} If the client does not speak TLS or
 * refuses the handshake.
 * @throws {Deno.errors.BadResource} If the server is closed.
 *
 * @example A client that never speaks TLS costs only its own connection
 * ```ts
 * import * as tls from "@socketkit/socket/tls";
 * import assert from "node:assert/strict";
 *
 * const cert = await Deno.readTextFile("tests/fixtures/localhost.pem");
 * const key = await Deno.readTextFile("tests/fixtures/localhost.key");
 * await using server = await tls.listen({ hostname: "127.0.0.1", port: 0, cert, key });
 * using silent = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
 * await assert.rejects(tls.accept(server, { timeout: 200 }), Deno.errors.TimedOut);
 * ```
 *
 * @tags allow-net
 */
export async function accept(
  server: TlsServer,
  options: AcceptOptions = {},
): Promise<TlsSocket> {
  if (!(server instanceof StreamServer)) {
    throw new TypeError(
      `Cannot accept as server must be a server from tls.listen: current value is ${
        show(server)
      }`,
    );
  }
  checkOptions(options, () => `accept on ${formatAddr(server.addr)}`);
  const handshakeTimeout = options.handshakeTimeout === undefined
    ? DEFAULT_HANDSHAKE_TIMEOUT
    : options.handshakeTimeout;
  if (
    handshakeTimeout !== null &&
    (typeof handshakeTimeout !== "number" || !(handshakeTimeout >= 0))
  ) {
    throw new RangeError(
      `Cannot accept as handshakeTimeout must be a non-negative number or null: current value is ${
        show(handshakeTimeout)
      }`,
    );
  }
  const start = performance.now();
  const timeout = options.timeout !== undefined
    ? options.timeout
    : server.timeout;
  const sock = await acceptStream(server, {
    timeout,
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
  });
  const left = remaining(timeout, start);
  try {
    await handshake(sock, {
      timeout: left === null
        ? handshakeTimeout
        : handshakeTimeout === null
        ? left
        : Math.min(left, handshakeTimeout),
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
    });
  } catch (err) {
    // handshake closes the socket when the handshake fails, but not when
    // the signal aborted between the accept and its start.
    await close(sock).catch(noop);
    throw err;
  }
  return sock;
}
