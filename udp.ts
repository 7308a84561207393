// Copyright 2026 the socketkit authors. MIT license.

/**
 * UDP sockets: {@linkcode bind}, {@linkcode sendTo}, {@linkcode recvFrom},
 * connected sockets ({@linkcode connect}, {@linkcode send},
 * {@linkcode recv}), multicast and broadcast, over IPv4 and IPv6 — with
 * timeouts that lose no datagram.
 *
 * Two backends sit behind one API: `Deno.listenDatagram`, which Deno only
 * exposes with `--unstable-net` (or `"unstable": ["net"]` in deno.json), and
 * `node:dgram`, which works with `--allow-net` alone. `backend: "auto"`
 * (the default) takes the first when it is there; `sock.backend` says which
 * one a socket uses.
 *
 * Requires `allow-net` permission.
 *
 * @example Send a datagram and answer it
 * ```ts
 * import * as udp from "@socketkit/socket/udp";
 * import assert from "node:assert/strict";
 *
 * await using server = await udp.bind({ hostname: "127.0.0.1", port: 0 });
 * await using client = await udp.bind({ hostname: "127.0.0.1", port: 0 });
 *
 * await udp.sendTo(client, "ping", server.localAddr);
 * const [data, from] = await udp.recvFrom(server, { timeout: 5_000 });
 * assert.equal(new TextDecoder().decode(data), "ping");
 * await udp.sendTo(server, "pong", from);
 * const [reply] = await udp.recvFrom(client, { timeout: 5_000 });
 * assert.equal(new TextDecoder().decode(reply), "pong");
 * ```
 *
 * @module
 */

import { type AddressInput, formatAddr, parseAddr } from "./_addr.ts";
import { closedError, ioError, show } from "./_errors.ts";
import {
  type Deadline,
  deadlineFor,
  type IoOptions,
  validateTimeout,
} from "./_timeout.ts";
import {
  type BindRequest,
  type Datagram,
  DenoBackend,
  hasListenDatagram,
  type ReceiveOwner,
  type UdpBackend,
} from "./_udp_deno.ts";
import { InFlight } from "./_in_flight.ts";
import { lookup } from "./_dns.ts";
import { checkOptions, toBytes } from "./_validate.ts";

export type { AddressInput } from "./_addr.ts";
export type { IoOptions } from "./_timeout.ts";

/** The largest UDP payload over IPv4: 65,535 − 20 (IP header) − 8 (UDP header). */
export const MAX_DATAGRAM_BYTES_IPV4 = 65_507;
/** The largest UDP payload over IPv6 without jumbograms: 65,535 − 8 (UDP header). */
export const MAX_DATAGRAM_BYTES_IPV6 = 65_527;

/** Bytes, or a string sent as UTF-8. */
export type Data = Uint8Array | string;

/** Which implementation a socket uses: `Deno.listenDatagram` or `node:dgram`. */
export type Backend = "deno" | "node";

function noop(): void {}

function checkFlag(flag: unknown, name: string, action: string): boolean {
  if (typeof flag !== "boolean") {
    throw new TypeError(
      `Cannot ${action} as ${name} must be a boolean: current value is ${
        show(flag)
      }`,
    );
  }
  return flag;
}

// ---- IP addresses ----

const IPV4_REGEXP = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const MAPPED_REGEXP = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

function isIPv4(host: string): boolean {
  const m = IPV4_REGEXP.exec(host);
  return m !== null && m.slice(1).every((part) => Number(part) <= 255);
}

/** The canonical text of an IP literal (`::ffff:a.b.c.d` as `a.b.c.d`), or null. */
function canonicalIp(host: string): string | null {
  if (isIPv4(host)) return host.split(".").map(Number).join(".");
  if (!host.includes(":") || host.includes("%")) return null;
  let canon: string;
  try {
    canon = new URL(`http://[${host}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
  const mapped = MAPPED_REGEXP.exec(canon);
  if (mapped !== null) {
    const hi = parseInt(mapped[1]!, 16);
    const lo = parseInt(mapped[2]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return canon;
}

function isLoopback(ip: string): boolean {
  return ip === "::1" || ip.startsWith("127.");
}

// ---- the handle ----

/** The state behind a {@linkcode UdpSocket}. */
class Core implements ReceiveOwner {
  readonly backend: UdpBackend;
  readonly v6: boolean;
  /** The connected peer, as reported on received datagrams. */
  readonly peer: Deno.NetAddr | null;
  /** The receive in flight that a deadline left, for the next receive. */
  readonly reads: InFlight<Datagram> = new InFlight();
  readonly #receive = (): Promise<Datagram> => this.backend.receive();
  reading = false;
  /** Whether the receive in flight is a fast one, whose state the backend's callbacks clear. */
  fast = false;
  timeout: number | null = null;
  closing: Promise<void> | null = null;
  strangers = 0;
  bytesRead = 0;
  bytesWritten = 0;

  constructor(backend: UdpBackend, peer: Deno.NetAddr | null) {
    this.backend = backend;
    this.v6 = backend.localAddr.hostname.includes(":");
    this.peer = peer;
    backend.owner = this;
  }

  /** Whether a plain recvFrom can take the fast path: nothing to race, filter or finish first. */
  canReceiveFast(): boolean {
    return this.timeout === null && this.peer === null &&
      this.closing === null && !this.reading && !this.reads.active;
  }

  /** recvFrom with no deadline and no filter: the backend's promise, as is. */
  receiveFast(): Promise<Datagram> {
    this.reading = true;
    this.fast = true;
    return this.backend.receive();
  }

  received(bytes: number): void {
    this.bytesRead += bytes;
    if (!this.fast) return;
    this.fast = false;
    this.reading = false;
  }

  failed(err: unknown): unknown {
    if (!this.fast) return err;
    this.fast = false;
    this.reading = false;
    const action = `recvFrom on ${this.where()}`;
    return this.closing !== null ? closedError(action) : udpError(action, err);
  }

  where(): string {
    return formatAddr(this.backend.localAddr);
  }

  fromPeer(addr: Deno.NetAddr): boolean {
    const peer = this.peer!;
    if (addr.port !== peer.port) return false;
    if (addr.hostname === peer.hostname) return true;
    return canonicalIp(addr.hostname) === peer.hostname;
  }

  async receive(
    options: IoOptions,
    peerOnly: boolean,
    op: string,
  ): Promise<Datagram> {
    if (this.closing !== null) throw closedError(`${op} on ${this.where()}`);
    if (this.reading) {
      throw new Deno.errors.Busy(
        `Cannot ${op} on ${this.where()}: another receive is in progress on this socket`,
      );
    }
    const deadline = deadlineFor(
      options,
      this.timeout,
      () => `${op} on ${this.where()}`,
    );
    this.reading = true;
    try {
      for (;;) {
        const datagram = await this.next(deadline, op);
        if (peerOnly && !this.fromPeer(datagram[1])) {
          this.strangers++;
          continue;
        }
        return datagram;
      }
    } finally {
      this.reading = false;
      deadline?.dispose();
    }
  }

  async next(deadline: Deadline | null, op: string): Promise<Datagram> {
    try {
      return await this.reads.run(this.#receive, deadline);
    } catch (err) {
      if (deadline !== null && deadline.caused(err)) throw err;
      if (this.closing !== null) throw closedError(`${op} on ${this.where()}`);
      throw udpError(`${op} on ${this.where()}`, err);
    }
  }

  async send(
    data: Uint8Array,
    hostname: string,
    port: number,
    options: IoOptions,
    op: string,
  ): Promise<number> {
    const to = formatAddr({ transport: "udp", hostname, port });
    const action = op === "send" ? `send to ${show(to)}` : `${op} ${show(to)}`;
    if (this.closing !== null) throw closedError(action);
    const limit = datagramLimit(hostname, this.v6);
    if (data.length > limit) throw tooBig(action, data.length, limit);
    const timeout = options.timeout === undefined
      ? this.timeout
      : options.timeout;
    // A send is never WouldBlock: the kernel takes a datagram at once or drops it.
    const deadline = timeout === 0 || timeout === null
      ? (options.signal === undefined
        ? null
        : deadlineFor({ signal: options.signal }, null, () => action))
      : deadlineFor(options, this.timeout, () => action);
    const sending = this.backend.send(data, hostname, port);
    try {
      const n = deadline === null
        ? await sending
        : await deadline.race(sending);
      this.bytesWritten += n;
      return n;
    } catch (err) {
      if (deadline !== null && deadline.caused(err)) {
        // The datagram may still go out: count it if it does.
        sending.then((n) => this.bytesWritten += n, noop);
        throw err;
      }
      throw this.sendError(err, data.length, hostname, port, op);
    } finally {
      deadline?.dispose();
    }
  }

  sendError(
    err: unknown,
    size: number,
    hostname: string,
    port: number,
    op: string,
  ): Error {
    const to = formatAddr({ transport: "udp", hostname, port });
    const action = op === "send" ? `send to ${show(to)}` : `${op} ${show(to)}`;
    if (this.closing !== null) return closedError(action);
    if (isMessageTooLong(err)) {
      return tooBig(action, size, datagramLimit(hostname, this.v6), err);
    }
    return udpError(action, err);
  }

  close(): Promise<void> {
    if (this.closing !== null) return this.closing;
    this.closing = this.backend.close();
    return this.closing;
  }
}

function datagramLimit(hostname: string, v6Socket: boolean): number {
  if (!v6Socket || isIPv4(hostname)) return MAX_DATAGRAM_BYTES_IPV4;
  const canon = canonicalIp(hostname);
  if (canon !== null && !canon.includes(":")) return MAX_DATAGRAM_BYTES_IPV4;
  return MAX_DATAGRAM_BYTES_IPV6;
}

function tooBig(
  action: string,
  size: number,
  limit: number,
  cause?: unknown,
): RangeError {
  const over = limit === MAX_DATAGRAM_BYTES_IPV4 ? "IPv4" : "IPv6";
  return new RangeError(
    `Cannot ${action} as data must be at most ${limit} bytes over ${over}: current value is ${size} bytes`,
    cause === undefined ? undefined : { cause },
  );
}

function isMessageTooLong(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return (err as { code?: unknown }).code === "EMSGSIZE" ||
    /\(os error 90\)$/.test(err.message);
}

/** Like ioError, but a plain Error also gets the action in its message. */
function udpError(action: string, err: unknown): Error {
  if (err instanceof Deno.errors.NotSupported && /^Cannot /.test(err.message)) {
    return err;
  }
  const out = ioError(action, err);
  if (out !== err || !(err instanceof Error)) return out;
  const reason = err.message.replace(/\s*\(os error \d+\)$/, "");
  return new Error(
    `Cannot ${action}: ${reason.charAt(0).toLowerCase()}${reason.slice(1)}`,
    { cause: err },
  );
}

let coreOf: (sock: UdpSocket) => Core;
let makeSocket: (core: Core) => UdpSocket;
/** The state of the socket being made by makeSocket, for the constructor. */
let making: Core | null = null;

/**
 * A UDP socket, made by {@linkcode bind} or {@linkcode connect}. Pass it to
 * {@linkcode sendTo}, {@linkcode recvFrom} and the other functions of this
 * module, or iterate it with `for await` to receive each datagram and its
 * sender until it is closed.
 *
 * The handle owns the backend's socket, the receive in flight (kept across
 * timeouts so no datagram is lost), the default timeout and, for a
 * connected socket, its peer. `await using` closes it.
 *
 * @example Receive datagrams with for await
 * ```ts
 * import * as udp from "@socketkit/socket/udp";
 * import assert from "node:assert/strict";
 *
 * await using server = await udp.bind({ hostname: "127.0.0.1", port: 0 });
 * await using client = await udp.bind({ hostname: "127.0.0.1", port: 0 });
 * await udp.sendTo(client, "one", server.localAddr);
 * await udp.sendTo(client, "two", server.localAddr);
 * const got: string[] = [];
 * for await (const [data, from] of server) {
 *   assert.equal(from.port, client.localAddr.port);
 *   got.push(new TextDecoder().decode(data));
 *   if (got.length === 2) break;
 * }
 * assert.deepEqual(got, ["one", "two"]);
 * ```
 */
export class UdpSocket
  implements
    AsyncDisposable,
    Disposable,
    AsyncIterable<[Uint8Array, Deno.NetAddr]> {
  readonly #core: Core;

  /**
   * Not for use: sockets come from {@linkcode bind} and {@linkcode connect}.
   *
   * @throws {TypeError} When called directly.
   */
  constructor() {
    if (making === null) {
      throw new TypeError(
        "Cannot construct a UdpSocket directly: use bind or connect",
      );
    }
    this.#core = making;
    making = null;
  }

  static {
    coreOf = (sock) => sock.#core;
    makeSocket = (core) => {
      making = core;
      return new UdpSocket();
    };
  }

  /** The local address (with the real port when 0 was asked). */
  get localAddr(): Deno.NetAddr {
    return this.#core.backend.localAddr;
  }

  /** The peer given to {@linkcode connect}, or `null` for a socket from {@linkcode bind}. */
  get remoteAddr(): Deno.NetAddr | null {
    return this.#core.peer;
  }

  /** Which implementation the socket uses: `"deno"` (`Deno.listenDatagram`) or `"node"` (`node:dgram`). */
  get backend(): Backend {
    return this.#core.backend.kind;
  }

  /** The default timeout in milliseconds (`null`: wait for ever; `0`: non-blocking). */
  get timeout(): number | null {
    return this.#core.timeout;
  }

  /** Whether {@linkcode close} was called. */
  get closed(): boolean {
    return this.#core.closing !== null;
  }

  /**
   * Datagrams the socket dropped: with the node backend, those that arrived
   * while its receive queue was full (4,096 datagrams or 16 MiB); on a
   * connected socket, those from senders other than the peer. The kernel's
   * own drops (a full receive buffer) are not counted.
   */
  get droppedDatagrams(): number {
    return this.#core.backend.dropped + this.#core.strangers;
  }

  /** The underlying `Deno.DatagramConn` with the deno backend; `null` with the node backend. */
  get conn(): Deno.DatagramConn | null {
    const backend = this.#core.backend;
    return backend instanceof DenoBackend ? backend.conn : null;
  }

  /**
   * Bytes of the datagrams received so far (those a connected socket drops
   * from other senders included).
   */
  get bytesRead(): number {
    return this.#core.bytesRead;
  }

  /** Bytes of the datagrams sent so far. */
  get bytesWritten(): number {
    return this.#core.bytesWritten;
  }

  /** Receives datagrams (only the peer's, when connected) until the socket is closed. */
  async *[Symbol.asyncIterator](): AsyncIterator<[Uint8Array, Deno.NetAddr]> {
    const core = this.#core;
    while (core.closing === null) {
      try {
        yield await (core.peer === null && !core.reading &&
            !core.reads.active
          ? core.receiveFast()
          : core.receive({ timeout: null }, core.peer !== null, "recvFrom"));
      } catch (err) {
        if (core.closing !== null) return;
        throw err;
      }
    }
  }

  /** Closes the socket; same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.#core.close();
  }

  /** Starts closing the socket, for `using`; `await using` waits for it. */
  [Symbol.dispose](): void {
    this.#core.close().catch(noop);
  }
}

function core(sock: unknown, action: string): Core {
  if (!(sock instanceof UdpSocket)) {
    throw new TypeError(
      `Cannot ${action} as sock must be a UdpSocket from bind or connect: current value is ${
        show(sock)
      }`,
    );
  }
  return coreOf(sock);
}

// ---- bind and connect ----

/** Options for {@linkcode bind}. */
export interface BindOptions {
  /**
   * The local address; `""` and `"0.0.0.0"` mean every IPv4 interface,
   * `"::"` every interface (IPv4 too, unless the system is IPv6-only).
   *
   * @default {"0.0.0.0"}
   */
  hostname?: string;
  /**
   * The local port; `0` lets the system pick a free one (read it from
   * `sock.localAddr.port`).
   *
   * @default {0}
   */
  port?: number;
  /**
   * Sets `SO_REUSEADDR` (the deno backend sets `SO_REUSEPORT` too), so
   * several sockets can bind the same address.
   *
   * @default {false}
   */
  reuseAddress?: boolean;
  /**
   * `"deno"`: `Deno.listenDatagram` (needs `--unstable-net`); `"node"`:
   * `node:dgram` (works without the flag); `"auto"`: `"deno"` when
   * `Deno.listenDatagram` is available, else `"node"`.
   *
   * @default {"auto"}
   */
  backend?: "auto" | Backend;
  /**
   * Allows sending to broadcast addresses (`SO_BROADCAST`). Both backends
   * allow it by default; the deno backend cannot turn it off, so `false`
   * there is `Deno.errors.NotSupported`.
   *
   * @default {true}
   */
  broadcast?: boolean;
  /**
   * Whether multicast datagrams this socket sends are looped back to local
   * members (`IP_MULTICAST_LOOP`), as the system default.
   *
   * @default {true}
   */
  multicastLoopback?: boolean;
}

const BACKENDS = ["auto", "deno", "node"];

function bindRequest(
  options: BindOptions,
  action: string,
  defaultHostname: string,
): BindRequest & { backend: "auto" | Backend } {
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `Cannot ${action} as options must be an object, a "host:port" string or a port number: current value is ${
        show(options)
      }`,
    );
  }
  const { hostname, port } = parseAddr(
    {
      hostname: options.hostname ?? defaultHostname,
      port: options.port ?? 0,
    },
    action,
    defaultHostname,
  );
  const backend = options.backend ?? "auto";
  if (!BACKENDS.includes(backend)) {
    throw new TypeError(
      `Cannot ${action} as backend must be "auto", "deno" or "node": current value is ${
        show(backend)
      }`,
    );
  }
  const flag = (name: keyof BindOptions) => {
    const value = options[name];
    return value === undefined ? undefined : checkFlag(value, name, action);
  };
  return {
    hostname,
    port,
    backend,
    reuseAddress: flag("reuseAddress") ?? false,
    broadcast: flag("broadcast") ?? true,
    multicastLoopback: flag("multicastLoopback") ?? true,
  };
}

async function open(
  request: BindRequest & { backend: "auto" | Backend },
  action: string,
): Promise<UdpBackend> {
  let kind = request.backend;
  if (kind === "auto") kind = hasListenDatagram() ? "deno" : "node";
  const where = `${action} on ${
    formatAddr({
      transport: "udp",
      hostname: request.hostname,
      port: request.port,
    })
  }`;
  if (kind === "deno") {
    if (!hasListenDatagram()) {
      throw new Deno.errors.NotSupported(
        `Cannot ${where} with backend "deno": Deno.listenDatagram is not available; run with --unstable-net or use backend "node" or "auto"`,
      );
    }
    try {
      return new DenoBackend(request);
    } catch (err) {
      throw udpError(where, err);
    }
  }
  try {
    // Loaded on first use: a program on the deno backend never pays for
    // node:dgram.
    const { NodeBackend } = await import("./_udp_node.ts");
    return await NodeBackend.bind(request);
  } catch (err) {
    throw udpError(where, err);
  }
}

/**
 * Creates a UDP socket bound to a local address.
 *
 * Requires `allow-net` permission. Uses `Deno.listenDatagram` when Deno
 * exposes it (`--unstable-net`), else `node:dgram`; see
 * {@linkcode BindOptions.backend}.
 *
 * @param options Where to bind: `{ hostname, port, ... }`, `"host:port"`, or
 * a port number alone (every IPv4 interface).
 * @returns The socket.
 * @throws {TypeError} If an option has the wrong type.
 * @throws {RangeError} If the port is outside 0–65535.
 * @throws {Deno.errors.AddrInUse} If the address is taken.
 * @throws {Deno.errors.NotSupported} If the chosen backend cannot honour an
 * option, or `backend: "deno"` is asked without `--unstable-net`.
 *
 * @example Bind a free port on IPv6 loopback
 * ```ts
 * import * as udp from "@socketkit/socket/udp";
 * import assert from "node:assert/strict";
 *
 * await using sock = await udp.bind("[::1]:0");
 * assert.equal(sock.localAddr.hostname, "::1");
 * assert.ok(sock.localAddr.port > 0);
 * ```
 *
 * @tags allow-net
 */
export async function bind(
  options: BindOptions | string | number = {},
): Promise<UdpSocket> {
  const request = typeof options === "string" || typeof options === "number"
    ? {
      ...parseAddr(options, "bind", "0.0.0.0"),
      backend: "auto" as const,
      reuseAddress: false,
      broadcast: true,
      multicastLoopback: true,
    }
    : bindRequest(options, "bind", "0.0.0.0");
  return makeSocket(new Core(await open(request, "bind"), null));
}

/** Options for {@linkcode connect}: the local side, and a time limit on resolving the peer's name. */
export interface ConnectOptions extends BindOptions, IoOptions {
  /**
   * The local address. By default, loopback when the peer is a loopback
   * address, else every interface of the peer's family.
   *
   * @default {"127.0.0.1", "::1", "0.0.0.0" or "::"}
   */
  hostname?: string;
}

/**
 * Creates a UDP socket with a default peer, as Python's `connect` on a
 * `SOCK_DGRAM` socket: {@linkcode send} and {@linkcode recv} talk to that
 * peer, and datagrams from anyone else are dropped (counted in
 * `droppedDatagrams`). The peer's name is resolved once, here.
 *
 * Nothing is sent: UDP has no connection to set up.
 *
 * Requires `allow-net` permission.
 *
 * @param address The peer: `{ hostname, port }` (hostname defaults to
 * `127.0.0.1`), `"host:port"`, or `"[::1]:port"` for IPv6.
 * @param options The local side (as {@linkcode bind}), and a timeout and
 * abort signal for resolving the peer's name.
 * @returns The socket; `remoteAddr` is the peer.
 * @throws {TypeError} If the address or an option is malformed.
 * @throws {RangeError} If a port is out of range, or the peer's port is 0.
 * @throws {Deno.errors.NotFound} If the peer's name does not resolve.
 *
 * @example Talk to one peer
 * ```ts
 * import * as udp from "@socketkit/socket/udp";
 * import assert from "node:assert/strict";
 *
 * await using server = await udp.bind({ hostname: "127.0.0.1", port: 0 });
 * await using client = await udp.connect(server.localAddr);
 * await udp.send(client, "hello");
 * const [data, from] = await udp.recvFrom(server, { timeout: 5_000 });
 * await udp.sendTo(server, data, from);
 * assert.equal(new TextDecoder().decode(await udp.recv(client, { timeout: 5_000 })), "hello");
 * ```
 *
 * @tags allow-net
 */
export async function connect(
  address: AddressInput,
  options: ConnectOptions = {},
): Promise<UdpSocket> {
  const { hostname, port } = parseAddr(address, "connect");
  if (port === 0) {
    throw new RangeError(
      `Cannot connect as port must be an integer from 1 to 65535: current value is 0`,
    );
  }
  const where = `connect to ${
    show(formatAddr({ transport: "udp", hostname, port }))
  }`;
  checkOptions(options, () => where);
  const local = bindRequest(options, "connect", "");
  const localHost = options.hostname === undefined || options.hostname === ""
    ? null
    : local.hostname;
  let ip = canonicalIp(hostname);
  if (ip === null) {
    ip = await resolve(hostname, localHost, options, where);
  }
  const v6 = ip.includes(":");
  if (localHost === null) {
    local.hostname = isLoopback(ip)
      ? (v6 ? "::1" : "127.0.0.1")
      : (v6 ? "::" : "0.0.0.0");
  }
  const peer: Deno.NetAddr = { transport: "udp", hostname: ip, port };
  return makeSocket(new Core(await open(local, "connect"), peer));
}

async function resolve(
  hostname: string,
  localHost: string | null,
  options: IoOptions,
  where: string,
): Promise<string> {
  if (hostname === "localhost") {
    return localHost !== null && localHost.includes(":") ? "::1" : "127.0.0.1";
  }
  const family = localHost === null ? 0 : localHost.includes(":") ? 6 : 4;
  const deadline = deadlineFor(options, null, () => where);
  const lookingUp = lookup(hostname, { family });
  try {
    const found =
      (deadline === null ? await lookingUp : await deadline.race(lookingUp))[
        0
      ]!;
    return canonicalIp(found.address) ?? found.address;
  } catch (err) {
    if (deadline !== null && deadline.caused(err)) {
      lookingUp.catch(noop);
      throw err;
    }
    if (err instanceof Deno.errors.NotFound) {
      throw new Deno.errors.NotFound(
        `Cannot ${where}: the name does not resolve`,
        { cause: err },
      );
    }
    throw udpError(where, err);
  } finally {
    deadline?.dispose();
  }
}

// ---- sending and receiving ----

/** Options for {@linkcode sendTo}. */
export interface SendToOptions extends IoOptions {}

/**
 * Sends one datagram to `address`.
 *
 * Resolves to the number of bytes sent, always `data.length`: a datagram
 * goes out whole or not at all. UDP does not promise delivery. A send never
 * rejects with `Deno.errors.WouldBlock`, even on a non-blocking socket.
 *
 * Requires `allow-net` permission.
 *
 * @param sock The socket.
 * @param data The datagram: bytes, or a string sent as UTF-8; may be empty.
 * @param address The receiver: `{ hostname, port }` (hostname defaults to
 * `127.0.0.1`; the `addr` of a received datagram works), `"host:port"` or
 * `"[::1]:port"`.
 * @param options Timeout and abort signal.
 * @returns The number of bytes sent.
 * @throws {RangeError} If `data` is over {@linkcode MAX_DATAGRAM_BYTES_IPV4}
 * bytes (IPv4) or {@linkcode MAX_DATAGRAM_BYTES_IPV6} (IPv6), or the port is
 * not 1–65535.
 * @throws {Deno.errors.BadResource} If the socket is closed.
 *
 * @example Send bytes and text
 * ```ts
 * import * as udp from "@socketkit/socket/udp";
 * import assert from "node:assert/strict";
 *
 * await using server = await udp.bind({ hostname: "127.0.0.1", port: 0 });
 * await using client = await udp.bind({ hostname: "127.0.0.1", port: 0 });
 * assert.equal(await udp.sendTo(client, new Uint8Array([1, 2, 3]), server.localAddr), 3);
 * assert.equal(await udp.sendTo(client, "héllo", `127.0.0.1:${server.localAddr.port}`), 6);
 * await assert.rejects(
 *   udp.sendTo(client, new Uint8Array(udp.MAX_DATAGRAM_BYTES_IPV4 + 1), server.localAddr),
 *   RangeError,
 * );
 * ```
 *
 * @tags allow-net
 */
export function sendTo(
  sock: UdpSocket,
  data: Data,
  address: AddressInput,
  options?: SendToOptions,
): Promise<number> {
  if (
    options === undefined && sock instanceof UdpSocket &&
    data instanceof Uint8Array && typeof address === "object" &&
    address !== null
  ) {
    // The fast path: a valid object address, no deadline, a small datagram.
    const c = coreOf(sock);
    const { hostname, port } = address;
    if (
      c.closing === null && (c.timeout === null || c.timeout === 0) &&
      typeof hostname === "string" && hostname !== "" &&
      typeof port === "number" && Number.isInteger(port) && port > 0 &&
      port <= 65535 && data.length <= MAX_DATAGRAM_BYTES_IPV4
    ) {
      return c.backend.send(data, hostname, port).catch((err) => {
        throw c.sendError(err, data.length, hostname, port, "sendTo");
      });
    }
  }
  options ??= {};
  try {
    const c = core(sock, "sendTo");
    const bytes = toBytes(data, "sendTo");
    const { hostname, port } = parseAddr(address, "sendTo");
    if (port === 0) {
      throw new RangeError(
        `Cannot sendTo as port must be an integer from 1 to 65535: current value is 0`,
      );
    }
    checkOptions(
      options,
      () => `sendTo ${formatAddr({ transport: "udp", hostname, port })}`,
    );
    return c.send(bytes, hostname, port, options, "sendTo");
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Options for {@linkcode recvFrom}. */
export interface RecvFromOptions extends IoOptions {}

/**
 * Receives the next datagram and its sender's address.
 *
 * Resolves to `[bytes, address]`: the whole datagram (never truncated; it
 * may be empty) in a new `Uint8Array` the caller owns. When a timeout or
 * abort fires first, the receive in flight stays with the socket and the
 * next call gets its datagram: none is lost. On a connected socket, only
 * the peer's datagrams are returned.
 *
 * Requires `allow-net` permission.
 *
 * @param sock The socket.
 * @param options Timeout and abort signal.
 * @returns The datagram and its sender.
 * @throws {Deno.errors.TimedOut} If nothing arrives within the timeout.
 * @throws {Deno.errors.WouldBlock} If the socket is non-blocking and no datagram is ready.
 * @throws {Deno.errors.Busy} If another receive is in progress on the socket.
 * @throws {Deno.errors.BadResource} If the socket is closed.
 *
 * @example Time out, then get the late datagram
 * ```ts
 * import * as udp from "@socketkit/socket/udp";
 * import assert from "node:assert/strict";
 *
 * await using server = await udp.bind({ hostname: "127.0.0.1", port: 0 });
 * await using client = await udp.bind({ hostname: "127.0.0.1", port: 0 });
 * await assert.rejects(udp.recvFrom(server, { timeout: 20 }), Deno.errors.TimedOut);
 * await udp.sendTo(client, "late", server.localAddr);
 * const [data, from] = await udp.recvFrom(server, { timeout: 5_000 });
 * assert.equal(new TextDecoder().decode(data), "late");
 * assert.deepEqual(from, client.localAddr);
 * ```
 *
 * @tags allow-net
 */
export function recvFrom(
  sock: UdpSocket,
  options?: RecvFromOptions,
): Promise<[Uint8Array, Deno.NetAddr]> {
  if (sock instanceof UdpSocket) {
    const c = coreOf(sock);
    if (
      c.canReceiveFast() &&
      (options === undefined ||
        (options !== null && options.timeout === undefined &&
          options.signal === undefined))
    ) {
      return c.receiveFast();
    }
  }
  options ??= {};
  try {
    const c = core(sock, "recvFrom");
    checkOptions(options, () => `recvFrom on ${c.where()}`);
    return c.receive(options, c.peer !== null, "recvFrom");
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Options for {@linkcode send}. */
export interface SendOptions extends IoOptions {}

function connectedCore(sock: unknown, op: string): Core {
  const c = core(sock, op);
  if (c.peer === null) {
    throw new Deno.errors.NotConnected(
      `Cannot ${op} on ${c.where()}: the socket has no peer; use sendTo and recvFrom, or make it with connect`,
    );
  }
  return c;
}

/**
 * Sends one datagram to the peer of a socket made by {@linkcode connect}.
 *
 * Requires `allow-net` permission.
 *
 * @param sock The connected socket.
 * @param data The datagram: bytes, or a string sent as UTF-8.
 * @param options Timeout and abort signal.
 * @returns The number of bytes sent (`data.length`).
 * @throws {Deno.errors.NotConnected} If the socket was made by {@linkcode bind}.
 * @throws {RangeError} If `data` is over the size limit of a UDP datagram.
 *
 * @example Send to the peer
 * ```ts
 * import * as udp from "@socketkit/socket/udp";
 * import assert from "node:assert/strict";
 *
 * await using server = await udp.bind({ hostname: "127.0.0.1", port: 0 });
 * await using client = await udp.connect(server.localAddr);
 * assert.equal(await udp.send(client, "hi"), 2);
 * const [data] = await udp.recvFrom(server, { timeout: 5_000 });
 * assert.equal(new TextDecoder().decode(data), "hi");
 * ```
 *
 * @tags allow-net
 */
export function send(
  sock: UdpSocket,
  data: Data,
  options: SendOptions = {},
): Promise<number> {
  try {
    const c = connectedCore(sock, "send");
    const bytes = toBytes(data, "send");
    checkOptions(options, () => `send on ${c.where()}`);
    return c.send(bytes, c.peer!.hostname, c.peer!.port, options, "send");
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Options for {@linkcode recv}. */
export interface RecvOptions extends IoOptions {}

/**
 * Receives the next datagram from the peer of a socket made by
 * {@linkcode connect}; datagrams from anyone else are dropped.
 *
 * Same guarantees as {@linkcode recvFrom}: never truncated, and nothing
 * lost when a timeout or abort fires.
 *
 * Requires `allow-net` permission.
 *
 * @param sock The connected socket.
 * @param options Timeout and abort signal.
 * @returns The datagram, in a new `Uint8Array` the caller owns.
 * @throws {Deno.errors.NotConnected} If the socket was made by {@linkcode bind}.
 * @throws {Deno.errors.TimedOut} If nothing arrives from the peer within the timeout.
 * @throws {Deno.errors.WouldBlock} If the socket is non-blocking and no datagram is ready.
 *
 * @example Strangers are ignored
 * ```ts
 * import * as udp from "@socketkit/socket/udp";
 * import assert from "node:assert/strict";
 *
 * await using peer = await udp.bind({ hostname: "127.0.0.1", port: 0 });
 * await using stranger = await udp.bind({ hostname: "127.0.0.1", port: 0 });
 * await using sock = await udp.connect(peer.localAddr);
 * await udp.sendTo(stranger, "noise", sock.localAddr);
 * await udp.sendTo(peer, "signal", sock.localAddr);
 * assert.equal(new TextDecoder().decode(await udp.recv(sock, { timeout: 5_000 })), "signal");
 * ```
 *
 * @tags allow-net
 */
export async function recv(
  sock: UdpSocket,
  options: RecvOptions = {},
): Promise<Uint8Array> {
  const c = connectedCore(sock, "recv");
  checkOptions(options, () => `recv on ${c.where()}`);
  const [data] = await c.receive(options, true, "recv");
  return data;
}

// ---- lifecycle and options ----

/**
 * Closes the socket. Idempotent: later calls resolve as the first. A
 * receive in flight rejects with `Deno.errors.BadResource`; the promise
 * resolves once the backend has released the socket, so its port can be
 * bound again at once.
 *
 * @param sock The socket.
 *
 * @example Close explicitly
 * ```ts
 * import * as udp from "@socketkit/socket/udp";
 * import assert from "node:assert/strict";
 *
 * const sock = await udp.bind({ hostname: "127.0.0.1", port: 0 });
 * const receiving = udp.recvFrom(sock).catch((err) => err);
 * await udp.close(sock);
 * assert.ok(await receiving instanceof Deno.errors.BadResource);
 * assert.equal(sock.closed, true);
 * ```
 */
export function close(sock: UdpSocket): Promise<void> {
  try {
    return core(sock, "close").close();
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * Sets the default timeout of every later receive (and send) on the
 * socket, as Python's `settimeout`: `null` waits for ever, `0` makes the
 * socket non-blocking.
 *
 * @param sock The socket.
 * @param ms Milliseconds, `0`, or `null`.
 * @throws {RangeError} If `ms` is negative or NaN.
 *
 * @example Give up on silence
 * ```ts
 * import * as udp from "@socketkit/socket/udp";
 * import assert from "node:assert/strict";
 *
 * await using sock = await udp.bind({ hostname: "127.0.0.1", port: 0 });
 * udp.setTimeout(sock, 20);
 * assert.equal(sock.timeout, 20);
 * await assert.rejects(udp.recvFrom(sock), Deno.errors.TimedOut);
 * ```
 */
export function setTimeout(sock: UdpSocket, ms: number | null): void {
  core(sock, "setTimeout").timeout = validateTimeout(ms, "setTimeout");
}

/**
 * Sets blocking mode, as Python's `setblocking`: `false` is a timeout of 0
 * (a receive with no datagram ready rejects with `Deno.errors.WouldBlock`,
 * and loses nothing), `true` is no timeout.
 *
 * @param sock The socket.
 * @param flag Whether receives may wait.
 * @throws {TypeError} If `flag` is not a boolean.
 *
 * @example Poll without waiting
 * ```ts
 * import * as udp from "@socketkit/socket/udp";
 * import assert from "node:assert/strict";
 *
 * await using sock = await udp.bind({ hostname: "127.0.0.1", port: 0 });
 * udp.setBlocking(sock, false);
 * await assert.rejects(udp.recvFrom(sock), Deno.errors.WouldBlock);
 * ```
 */
export function setBlocking(sock: UdpSocket, flag: boolean): void {
  const c = core(sock, "setBlocking");
  c.timeout = checkFlag(flag, "flag", "setBlocking") ? null : 0;
}

function liveCore(sock: unknown, op: string): Core {
  const c = core(sock, op);
  if (c.closing !== null) throw closedError(`${op} on ${c.where()}`);
  return c;
}

async function apply(
  c: Core,
  action: string,
  work: Promise<void>,
): Promise<void> {
  try {
    await work;
  } catch (err) {
    if (c.closing !== null) throw closedError(action);
    throw udpError(action, err);
  }
}

/**
 * Allows or forbids sending to broadcast addresses (`SO_BROADCAST`). Both
 * backends allow it from the start.
 *
 * Requires `allow-net` permission.
 *
 * @param sock The socket.
 * @param flag Whether broadcast is allowed.
 * @throws {TypeError} If `flag` is not a boolean.
 * @throws {Deno.errors.NotSupported} If `flag` is `false` on the deno
 * backend, which always allows broadcast.
 *
 * @example Allow broadcast
 * ```ts
 * import * as udp from "@socketkit/socket/udp";
 *
 * await using sock = await udp.bind({ hostname: "0.0.0.0", port: 0 });
 * await udp.setBroadcast(sock, true);
 * ```
 *
 * @tags allow-net
 */
export function setBroadcast(sock: UdpSocket, flag: boolean): Promise<void> {
  try {
    const c = liveCore(sock, "setBroadcast");
    checkFlag(flag, "flag", "setBroadcast");
    return apply(
      c,
      `setBroadcast on ${c.where()}`,
      c.backend.setBroadcast(flag),
    );
  } catch (err) {
    return Promise.reject(err);
  }
}

function multicastArgs(
  c: Core,
  group: unknown,
  iface: unknown,
  op: string,
): { group: string; v6: boolean; iface: string | number } {
  if (typeof group !== "string") {
    throw new TypeError(
      `Cannot ${op} as group must be a multicast IP address string: current value is ${
        show(group)
      }`,
    );
  }
  const canon = canonicalIp(group);
  if (canon === null) {
    throw new TypeError(
      `Cannot ${op} as group must be a multicast IP address: current value is ${
        show(group)
      }`,
    );
  }
  const v6 = canon.includes(":");
  const first = v6 ? 0 : Number(canon.split(".")[0]);
  if (v6 ? !canon.startsWith("ff") : first < 224 || first > 239) {
    throw new RangeError(
      `Cannot ${op} as group must be a multicast address (224.0.0.0/4 or ff00::/8): current value is ${
        show(group)
      }`,
    );
  }
  if (v6 && !c.v6) {
    throw new TypeError(
      `Cannot ${op} ${group} on ${c.where()}: an IPv6 group needs a socket bound to an IPv6 address`,
    );
  }
  if (!v6) {
    if (iface === undefined) return { group: canon, v6, iface: "0.0.0.0" };
    if (typeof iface !== "string" || !isIPv4(iface)) {
      throw new TypeError(
        `Cannot ${op} as iface must be the IPv4 address of a local interface for an IPv4 group: current value is ${
          show(iface)
        }`,
      );
    }
    return { group: canon, v6, iface };
  }
  if (iface === undefined) return { group: canon, v6, iface: 0 };
  if (typeof iface === "number" || /^\d+$/.test(String(iface))) {
    const index = Number(iface);
    if (!Number.isInteger(index) || index < 0 || index > 0xffff_ffff) {
      throw new RangeError(
        `Cannot ${op} as iface must be an interface index from 0 up: current value is ${
          show(iface)
        }`,
      );
    }
    return { group: canon, v6, iface: index };
  }
  if (typeof iface !== "string" || iface === "" || /[%\s]/.test(iface)) {
    throw new TypeError(
      `Cannot ${op} as iface must be an interface index or name for an IPv6 group: current value is ${
        show(iface)
      }`,
    );
  }
  return { group: canon, v6, iface };
}

/**
 * Joins a multicast group, so the socket receives datagrams sent to it.
 *
 * Requires `allow-net` permission.
 *
 * @param sock The socket: bound to an IPv4 address for an IPv4 group, to an
 * IPv6 one for an IPv6 group, with the port the group's senders use.
 * @param group The group: `224.0.0.0/4` or `ff00::/8`.
 * @param iface For an IPv4 group, the IPv4 address of the local interface
 * (`"127.0.0.1"` for loopback); for an IPv6 group, the interface index
 * (`1` or `"1"`), or with the node backend its name (`"lo"`). By default
 * the system picks one.
 * @throws {TypeError} If `group` is not an IP address, or `iface` is malformed.
 * @throws {RangeError} If `group` is not a multicast address.
 * @throws {Deno.errors.AlreadyExists} If the socket is already a member.
 * @throws {Deno.errors.NotSupported} If the deno backend is given an IPv6
 * interface name.
 *
 * @example Join and leave a group on the loopback interface
 * ```ts
 * import * as udp from "@socketkit/socket/udp";
 *
 * await using sock = await udp.bind({ hostname: "0.0.0.0", port: 0 });
 * await udp.joinMulticast(sock, "239.255.0.1", "127.0.0.1");
 * await udp.leaveMulticast(sock, "239.255.0.1", "127.0.0.1");
 * ```
 *
 * @tags allow-net
 */
export function joinMulticast(
  sock: UdpSocket,
  group: string,
  iface?: string | number,
): Promise<void> {
  return membership(sock, group, iface, "joinMulticast");
}

/**
 * Leaves a multicast group joined with {@linkcode joinMulticast}, with the
 * same `group` and `iface`.
 *
 * Requires `allow-net` permission.
 *
 * @param sock The socket.
 * @param group The group.
 * @param iface The interface given to {@linkcode joinMulticast}.
 * @throws {Deno.errors.NotFound} If the socket is not a member.
 *
 * @example Leave a group
 * ```ts
 * import * as udp from "@socketkit/socket/udp";
 *
 * await using sock = await udp.bind({ hostname: "0.0.0.0", port: 0 });
 * await udp.joinMulticast(sock, "239.255.0.2", "127.0.0.1");
 * await udp.leaveMulticast(sock, "239.255.0.2", "127.0.0.1");
 * ```
 *
 * @tags allow-net
 */
export function leaveMulticast(
  sock: UdpSocket,
  group: string,
  iface?: string | number,
): Promise<void> {
  return membership(sock, group, iface, "leaveMulticast");
}

/** Joins or leaves a multicast group; argument errors reject too. */
function membership(
  sock: UdpSocket,
  group: string,
  iface: string | number | undefined,
  op: "joinMulticast" | "leaveMulticast",
): Promise<void> {
  try {
    const c = liveCore(sock, op);
    const args = multicastArgs(c, group, iface, op);
    const change = op === "joinMulticast"
      ? c.backend.join(args.group, args.v6, args.iface)
      : c.backend.leave(args.group, args.v6, args.iface);
    return apply(c, `${op} ${args.group} on ${c.where()}`, change);
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * Sets the time-to-live (hop limit) of multicast datagrams the socket sends.
 *
 * The deno backend can only set it on an IPv4 socket that has joined a
 * group (Deno exposes it on the membership); elsewhere it rejects with
 * `Deno.errors.NotSupported`. The node backend sets it on any socket, but
 * refuses 0 (`Deno.errors.NotSupported`), as Deno's `node:dgram` does.
 *
 * Requires `allow-net` permission.
 *
 * @param sock The socket.
 * @param ttl Hops, from 0 to 255 (1, the default, stays on the local network).
 * @throws {RangeError} If `ttl` is not an integer from 0 to 255.
 * @throws {Deno.errors.NotSupported} If the backend cannot set it on this socket.
 *
 * @example Keep multicast on the local network
 * ```ts
 * import * as udp from "@socketkit/socket/udp";
 *
 * await using sock = await udp.bind({ hostname: "0.0.0.0", port: 0 });
 * await udp.joinMulticast(sock, "239.255.0.3", "127.0.0.1");
 * await udp.setMulticastTtl(sock, 1);
 * ```
 *
 * @tags allow-net
 */
export function setMulticastTtl(sock: UdpSocket, ttl: number): Promise<void> {
  try {
    const c = liveCore(sock, "setMulticastTtl");
    if (
      typeof ttl !== "number" || !Number.isInteger(ttl) || ttl < 0 || ttl > 255
    ) {
      const Err = typeof ttl === "number" ? RangeError : TypeError;
      throw new Err(
        `Cannot setMulticastTtl as ttl must be an integer from 0 to 255: current value is ${
          show(ttl)
        }`,
      );
    }
    return apply(
      c,
      `setMulticastTtl on ${c.where()}`,
      c.backend.setMulticastTtl(ttl),
    );
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * Sets whether multicast datagrams the socket sends are looped back to
 * members on this host (`IP_MULTICAST_LOOP`). The bind option
 * `multicastLoopback` sets it from the start on both backends; afterwards,
 * the deno backend can only change it once the socket has joined a group
 * (else `Deno.errors.NotSupported`).
 *
 * Requires `allow-net` permission.
 *
 * @param sock The socket.
 * @param flag Whether to loop multicast back.
 * @throws {TypeError} If `flag` is not a boolean.
 * @throws {Deno.errors.NotSupported} If the backend cannot change it now.
 *
 * @example Stop hearing our own multicast
 * ```ts
 * import * as udp from "@socketkit/socket/udp";
 *
 * await using sock = await udp.bind({ hostname: "0.0.0.0", port: 0 });
 * await udp.joinMulticast(sock, "239.255.0.4", "127.0.0.1");
 * await udp.setMulticastLoopback(sock, false);
 * ```
 *
 * @tags allow-net
 */
export function setMulticastLoopback(
  sock: UdpSocket,
  flag: boolean,
): Promise<void> {
  try {
    const c = liveCore(sock, "setMulticastLoopback");
    checkFlag(flag, "flag", "setMulticastLoopback");
    return apply(
      c,
      `setMulticastLoopback on ${c.where()}`,
      c.backend.setMulticastLoopback(flag),
    );
  } catch (err) {
    return Promise.reject(err);
  }
}
