// Copyright 2026 the socketkit authors. MIT license.

/**
 * TCP sockets: {@linkcode listen}, {@linkcode accept}, {@linkcode connect},
 * and the stream functions — {@linkcode recv}, {@linkcode recvExact},
 * {@linkcode recvUntil}, {@linkcode recvLine}, {@linkcode send},
 * {@linkcode sendAll}, {@linkcode shutdown}, {@linkcode close} — with
 * timeouts that lose no data, over IPv4 and IPv6.
 *
 * Requires `allow-net` permission.
 *
 * @example An echo over loopback
 * ```ts
 * import * as tcp from "@socketkit/socket/tcp";
 * import assert from "node:assert/strict";
 *
 * await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * await using client = await tcp.connect(`127.0.0.1:${server.addr.port}`);
 * await using conn = await accepted;
 *
 * await tcp.sendAll(client, "hello\n");
 * const line = await tcp.recvLine(conn);
 * await tcp.sendAll(conn, `${line}, back\n`);
 * assert.equal(await tcp.recvLine(client), "hello, back");
 * ```
 *
 * @module
 */

import {
  type AddressInput,
  formatAddr,
  hostError,
  parseAddr,
} from "./_addr.ts";
import { ioError, setCode, show } from "./_errors.ts";
import {
  type AttemptFailure,
  connectFirst,
  familyOf,
  interleave,
  lookup,
} from "./_dns.ts";
import {
  connOf,
  type IoOptions,
  type StreamServer,
  type StreamSocket,
  wrap as wrapConn,
} from "./_stream.ts";
import { validateSignal, validateTimeout } from "./_timeout.ts";
import { type ListenOptions, listenTcp } from "./_tcp_listen.ts";

export type { ListenOptions } from "./_tcp_listen.ts";

export * from "./_stream_api.ts";

/** A connected TCP socket. */
export type TcpSocket = StreamSocket<Deno.NetAddr>;
/** A listening TCP server. */
export type TcpServer = StreamServer<Deno.NetAddr>;

/**
 * Listens for TCP connections. Resolves once the socket listens; like
 * every call that opens a socket (`connect`, `accept`, `bind`, `serve`),
 * it returns a promise.
 *
 * Requires `allow-net` permission.
 *
 * @param options Where to listen: `{ hostname, port }`, `"host:port"`, or
 * a port number alone (every IPv4 interface, as `hostname` defaults).
 * @returns The server; pass it to {@linkcode accept} or iterate it.
 * @throws {RangeError} If the port is outside 0–65535.
 * @throws {Deno.errors.AddrInUse} If the address is taken.
 *
 * @example Listen on a free loopback port
 * ```ts
 * import * as tcp from "@socketkit/socket/tcp";
 * import assert from "node:assert/strict";
 *
 * await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * assert.ok(server.addr.port > 0);
 * ```
 *
 * @tags allow-net
 */
export function listen(
  options: ListenOptions | string | number = {},
): Promise<TcpServer> {
  try {
    return Promise.resolve(listenTcp(options));
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Options for {@linkcode connect}. */
export interface ConnectOptions extends IoOptions {
  /**
   * Sets (`true`) or clears (`false`) `TCP_NODELAY` on the new connection.
   * Left out, the system default stays: Nagle's algorithm on, as Deno
   * leaves it.
   *
   * @default {undefined}
   */
  noDelay?: boolean;
  /**
   * When the name resolves to several addresses, how long to wait for one
   * attempt before starting the next (RFC 8305 Happy Eyeballs, as Python's
   * `happy_eyeballs_delay` and Node's `autoSelectFamilyAttemptTimeout`).
   * Addresses are tried IPv6 and IPv4 in turn; an attempt that fails starts
   * the next at once, and the first connection wins.
   *
   * @default {250}
   */
  happyEyeballsDelay?: number;
}

/**
 * Connects to a TCP server.
 *
 * Requires `allow-net` permission.
 *
 * @param address `{ hostname, port }` (hostname defaults to `127.0.0.1`),
 * `"host:port"`, or `"[::1]:port"` for IPv6.
 * @param options Timeout (connection attempts are cancelled, not left
 * running), abort signal and `noDelay`.
 * @returns The connected socket.
 * @throws {TypeError} If the address is malformed.
 * @throws {RangeError} If the port is outside 0–65535.
 * @throws {Deno.errors.ConnectionRefused} If nothing listens there.
 * @throws {Deno.errors.TimedOut} If the connection is not made in time.
 *
 * @example Connect by "host:port"
 * ```ts
 * import * as tcp from "@socketkit/socket/tcp";
 * import assert from "node:assert/strict";
 *
 * await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * await using sock = await tcp.connect(`127.0.0.1:${server.addr.port}`, { timeout: 5_000 });
 * assert.equal(sock.remoteAddr.port, server.addr.port);
 * ```
 *
 * @tags allow-net
 */
export async function connect(
  address: AddressInput,
  options: ConnectOptions = {},
): Promise<TcpSocket> {
  const { hostname, port } = parseAddr(address, "connect");
  const where = `connect to ${
    show(formatAddr({ transport: "tcp", hostname, port }))
  }`;
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `Cannot connect as options must be an object: current value is ${
        show(options)
      }`,
    );
  }
  const timeout = options.timeout === undefined
    ? null
    : validateTimeout(options.timeout, where);
  validateSignal(options.signal, where);
  if (options.noDelay !== undefined && typeof options.noDelay !== "boolean") {
    throw new TypeError(
      `Cannot ${where} as noDelay must be a boolean: current value is ${
        show(options.noDelay)
      }`,
    );
  }
  const delay = options.happyEyeballsDelay === undefined
    ? HAPPY_EYEBALLS_DELAY
    : validateTimeout(options.happyEyeballsDelay, where) ?? Infinity;
  if (options.signal?.aborted) throw options.signal.reason;
  // Deno.connect takes a signal and cancels the attempt, so a timeout is an
  // abort whose reason we choose.
  let signal = options.signal;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timedOut: Error | undefined;
  let controller: AbortController | undefined;
  if (timeout !== null) {
    controller = new AbortController();
    const abort = controller.abort.bind(controller);
    timer = globalThis.setTimeout(() => {
      timedOut = new Deno.errors.TimedOut(
        `Cannot ${where}: timed out after ${timeout} ms`,
      );
      abort(timedOut);
    }, timeout);
    signal = signal === undefined
      ? controller.signal
      : AbortSignal.any([signal, controller.signal]);
  }
  let conn: Deno.TcpConn;
  try {
    conn = familyOf(hostname) !== 0 || !HOST_NAME_REGEXP.test(hostname)
      ? await Deno.connect({
        hostname,
        port,
        transport: "tcp",
        ...(signal !== undefined ? { signal } : {}),
      })
      : await connectByName(hostname, port, where, delay, signal);
  } catch (err) {
    if (timedOut !== undefined) throw timedOut;
    if (options.signal?.aborted) throw options.signal.reason;
    if (err instanceof ConnectFailure) throw err.error;
    throw hostError("connect", hostname, err) ?? ioError(where, err);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
  if (options.noDelay !== undefined) conn.setNoDelay(options.noDelay);
  return wrapConn(conn);
}

/**
 * Adopts a connected `Deno.Conn` (plain TCP, or TLS from `Deno.connectTls`
 * and `Deno.startTls`) so every stream function works on it.
 *
 * @param conn The connection; the returned socket owns it.
 * @returns The socket.
 *
 * @example Adopt a raw Deno connection
 * ```ts
 * import * as tcp from "@socketkit/socket/tcp";
 * import assert from "node:assert/strict";
 *
 * await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * await using sock = tcp.wrap(await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port }));
 * assert.equal(sock.remoteAddr.port, server.addr.port);
 * ```
 */
export function wrap<A extends Deno.Addr = Deno.NetAddr>(
  conn: Deno.Conn<A>,
): StreamSocket<A> {
  return wrapConn(conn);
}

function tcpConnOf(
  sock: StreamSocket,
  action: string,
  flag: unknown,
): Deno.TcpConn {
  if (typeof flag !== "boolean") {
    throw new TypeError(
      `Cannot ${action} as flag must be a boolean: current value is ${
        show(flag)
      }`,
    );
  }
  const conn = connOf(sock, action) as Partial<Deno.TcpConn>;
  if (
    typeof conn.setNoDelay !== "function" ||
    typeof conn.setKeepAlive !== "function"
  ) {
    throw new Deno.errors.NotSupported(
      `Cannot ${action}: the socket is not a plain TCP connection (${
        formatAddr(sock.remoteAddr)
      })`,
    );
  }
  return conn as Deno.TcpConn;
}

/**
 * Sets or clears `TCP_NODELAY`. On sends small writes at once; off (the
 * system default, which Deno keeps) lets Nagle's algorithm batch them.
 *
 * @param sock A TCP socket.
 * @param flag Whether to disable Nagle's algorithm.
 * @throws {Deno.errors.NotSupported} If the socket is not plain TCP.
 *
 * @example Batch small writes
 * ```ts
 * import * as tcp from "@socketkit/socket/tcp";
 *
 * await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * await using sock = await tcp.connect(server.addr);
 * tcp.setNoDelay(sock, false);
 * ```
 */
export function setNoDelay(sock: StreamSocket, flag = true): void {
  tcpConnOf(sock, "setNoDelay", flag).setNoDelay(flag);
}

/**
 * Sets or clears `SO_KEEPALIVE`, so the system probes an idle peer.
 *
 * @param sock A TCP socket.
 * @param flag Whether to send keep-alive probes.
 * @throws {Deno.errors.NotSupported} If the socket is not plain TCP.
 *
 * @example Keep a long-lived connection checked
 * ```ts
 * import * as tcp from "@socketkit/socket/tcp";
 *
 * await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * await using sock = await tcp.connect(server.addr);
 * tcp.setKeepAlive(sock, true);
 * ```
 */
export function setKeepAlive(sock: StreamSocket, flag = true): void {
  tcpConnOf(sock, "setKeepAlive", flag).setKeepAlive(flag);
}

/** The default of {@linkcode ConnectOptions.happyEyeballsDelay}. */
const HAPPY_EYEBALLS_DELAY = 250;
/** Names worth resolving ourselves; anything else goes to Deno, which says what is wrong with it. */
const HOST_NAME_REGEXP = /^[A-Za-z0-9_]([A-Za-z0-9._-]*[A-Za-z0-9_])?\.?$/;

/** A connect error that is already the one to throw. */
class ConnectFailure {
  readonly error: Error;
  constructor(error: Error) {
    this.error = error;
  }
}

/**
 * Resolves `hostname` and connects to the first of its addresses that
 * answers (Happy Eyeballs). When every address fails, the error has the
 * class of the first failure and names each address with its reason.
 */
async function connectByName(
  hostname: string,
  port: number,
  where: string,
  delay: number,
  signal: AbortSignal | undefined,
): Promise<Deno.TcpConn> {
  let addresses: string[];
  try {
    const found = lookup(hostname);
    addresses = interleave(
      await (signal === undefined ? found : raceAbort(found, signal)),
    ).map((a) => a.address);
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw new ConnectFailure(
      new Deno.errors.NotFound(
        `Cannot ${where}: the name does not resolve`,
        { cause: err },
      ),
    );
  }
  if (addresses.length === 1) {
    return await Deno.connect({
      hostname: addresses[0]!,
      port,
      transport: "tcp",
      ...(signal !== undefined ? { signal } : {}),
    });
  }
  try {
    return await connectFirst(
      addresses,
      (address, signal) =>
        Deno.connect({ hostname: address, port, transport: "tcp", signal }),
      delay,
      signal,
    );
  } catch (failures) {
    if (signal?.aborted || !Array.isArray(failures)) throw failures;
    const list = failures as AttemptFailure[];
    const first = ioError(where, list[0]!.error);
    const Err = first.constructor as ErrorConstructor;
    const tried = list.map(({ address, error }) =>
      `${formatAddr({ transport: "tcp", hostname: address, port })}: ${
        ioError("x", error).message.replace(/^Cannot x: /, "")
      }`
    ).join("; ");
    const err = new Err(
      `${
        first.message.replace(/: [^:]*$/, "")
      }: every address failed (${tried})`,
      { cause: new AggregateError(list.map((f) => f.error)) },
    );
    const code = (first as { code?: unknown }).code;
    if (typeof code === "string") setCode(err, code);
    throw new ConnectFailure(err);
  }
}

/** Resolves as `promise` does, or rejects with `signal.reason` on abort. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() =>
      signal.removeEventListener("abort", onAbort)
    );
  });
}
