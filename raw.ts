// Copyright 2026 the socketkit authors. MIT license.

/**
 * Raw IP and ICMP sockets, and {@linkcode ping}.
 *
 * {@linkcode open} makes an ICMP socket for IPv4 or IPv6 (or a raw socket
 * of any IP protocol); {@linkcode sendTo} and {@linkcode recvFrom} move
 * packets with the same `{ timeout, signal }` rules as UDP: a timeout
 * rejects with `Deno.errors.TimedOut`, an aborted signal with its reason,
 * and neither loses a packet (readiness is awaited before anything is
 * read). {@linkcode setTtl} sets the TTL (IPv4) or hop limit (IPv6).
 *
 * For ICMP the unprivileged "ping socket" (`SOCK_DGRAM`, `IPPROTO_ICMP`) is
 * used where the system allows it (`sysctl net.ipv4.ping_group_range`
 * includes the process's group); otherwise a raw socket, which needs
 * `CAP_NET_RAW` (root). When neither is allowed the error says which
 * privilege is missing.
 *
 * Deno cannot create these sockets, so this module makes them through the C
 * library with `Deno.dlopen` (Linux only; elsewhere
 * `Deno.errors.NotSupported`). The library is opened at the first socket,
 * not at import.
 *
 * Requires `allow-ffi` permission (and `allow-net` to resolve host names).
 *
 * @example Ping the loopback address (needs root or ping_group_range)
 * ```ts ignore
 * import * as raw from "@socketkit/socket/raw";
 * import assert from "node:assert/strict";
 *
 * const result = await raw.ping("127.0.0.1", { count: 2, interval: 10 });
 * assert.equal(result.received, 2);
 * assert.ok(result.replies[0]!.time >= 0);
 * ```
 *
 * @module
 */

import type { Buffer } from "node:buffer";
import { lookup } from "./_dns.ts";
import { show } from "./_errors.ts";
import {
  AF_INET,
  AF_INET6,
  int32At,
  int64At,
  IP_RECVTTL,
  IP_TTL,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPV6_HOPLIMIT,
  IPV6_RECVHOPLIMIT,
  IPV6_UNICAST_HOPS,
  isIpv4,
  isIpv6,
  SO_TIMESTAMPNS,
  SOCK_DGRAM,
  SOCK_RAW,
  type SockAddr,
  SOL_SOCKET,
  timespecMs,
} from "./_ffi.ts";
import {
  FdSocket,
  type ReceivedMessage,
  waitOf,
  type WaitOptions,
} from "./_ffi_socket.ts";
import { checksum, echoRequest, parseIcmp } from "./_icmp.ts";
import { validateSignal, validateTimeout } from "./_timeout.ts";
import type { IoOptions } from "./tcp.ts";

export type { IoOptions } from "./tcp.ts";
export { checksum, echoRequest, parseIcmp } from "./_icmp.ts";
export type { EchoRequestOptions, IcmpMessage } from "./_icmp.ts";

/** The IP version of a raw socket. */
export type IpFamily = 4 | 6;

/** Options for {@linkcode open}. */
export interface OpenOptions {
  /**
   * IPv4 or IPv6.
   *
   * @default {4}
   */
  family?: IpFamily;
  /**
   * The IP protocol: `"icmp"` (ICMP for IPv4, ICMPv6 for IPv6) or a
   * protocol number (a raw socket then).
   *
   * @default {"icmp"}
   */
  protocol?: "icmp" | number;
  /**
   * `"datagram"`: the unprivileged ICMP socket (the system fills in the
   * identifier and checksum, and hands over ICMP without the IP header);
   * `"raw"`: a raw socket (needs `CAP_NET_RAW`; IPv4 packets arrive with
   * their IP header); `"auto"`: the first the system allows, in that order.
   *
   * @default {"auto"}
   */
  kind?: "auto" | "datagram" | "raw";
  /**
   * The TTL (IPv4) or hop limit (IPv6) of the packets sent.
   *
   * @default {the system's, usually 64}
   */
  ttl?: number;
}

/** Where a packet came from, and how. */
export interface RawAddr {
  /** The sender's IP address. */
  hostname: string;
  /** The TTL (IPv4) or hop limit (IPv6) it arrived with, if the system said. */
  ttl: number | null;
  /**
   * When the system received it: the kernel's timestamp (`SO_TIMESTAMPNS`)
   * in milliseconds since the Unix epoch, with microsecond precision, or
   * `null` if the system did not say.
   */
  receivedAt: number | null;
}

let fdOf: (sock: RawSocket) => FdSocket;
let timeoutOf: (sock: RawSocket) => number | null;
let setTimeoutOf: (sock: RawSocket, ms: number | null) => void;
let receiveBufferOf: (sock: RawSocket, max: number) => Uint8Array;
let recvActionOf: (sock: RawSocket) => string;
let lastSendOf: (sock: RawSocket) => Destination | null;
let setLastSend: (sock: RawSocket, to: Destination) => void;
let makeRaw: (
  fd: FdSocket,
  family: IpFamily,
  kind: "datagram" | "raw",
) => RawSocket;

/** An IP address given to {@linkcode sendTo}, checked, with its action text. */
interface Destination {
  readonly address: string;
  readonly action: string;
  readonly target: SockAddr;
}

/** The default `maxBytes` of {@linkcode recvFrom}: the largest IP packet. */
const MAX_PACKET = 65_535;

/**
 * An ICMP or raw IP socket made by {@linkcode open}. `await using` closes
 * it.
 */
export class RawSocket implements AsyncDisposable {
  readonly #fd: FdSocket;
  readonly #family: IpFamily;
  readonly #kind: "datagram" | "raw";
  #timeout: number | null = null;
  /**
   * The one receive buffer (65535 bytes), made by the first receive.
   * Receives may wait side by side: each copies its packet out in the step
   * of its recvmsg.
   */
  #buffer: Uint8Array | null = null;
  /**
   * The IP address the last {@linkcode sendTo} was given (never a host
   * name, which is resolved every time), so a run of sends to one address
   * checks it once. Immutable: a send waiting with it is not disturbed.
   */
  #lastSend: Destination | null = null;
  /** The action recvFrom names in its errors. */
  readonly #recvAction: string;

  private constructor(
    fd: FdSocket,
    family: IpFamily,
    kind: "datagram" | "raw",
  ) {
    this.#fd = fd;
    this.#family = family;
    this.#kind = kind;
    this.#recvAction = `recvFrom on the ${kind} IPv${family} socket`;
  }

  static {
    makeRaw = (fd, family, kind) => new RawSocket(fd, family, kind);
    fdOf = (sock) => sock.#fd;
    timeoutOf = (sock) => sock.#timeout;
    setTimeoutOf = (sock, ms) => {
      sock.#timeout = ms;
    };
    recvActionOf = (sock) => sock.#recvAction;
    lastSendOf = (sock) => sock.#lastSend;
    setLastSend = (sock, to) => {
      sock.#lastSend = to;
    };
    receiveBufferOf = (sock, max) => {
      // A maxBytes over the largest IP packet (jumbograms) gets a buffer
      // for its call only: a socket does not keep one of any size asked.
      if (max > MAX_PACKET) return new Uint8Array(max);
      const buffer = sock.#buffer ??= new Uint8Array(MAX_PACKET);
      return max === MAX_PACKET ? buffer : buffer.subarray(0, max);
    };
  }

  /** `4` or `6`. */
  get family(): IpFamily {
    return this.#family;
  }

  /** `"datagram"` (unprivileged ICMP) or `"raw"`. */
  get kind(): "datagram" | "raw" {
    return this.#kind;
  }

  /** The IP protocol number (1 for ICMP, 58 for ICMPv6, ...). */
  get protocol(): number {
    return this.#fd.protocol;
  }

  /**
   * The ICMP identifier the system gives echo requests on a datagram ICMP
   * socket (its "port"), or `null` on a raw socket.
   */
  get identifier(): number | null {
    if (this.#kind === "raw") return null;
    const addr = this.#fd.localAddr("read the identifier");
    return addr.family === AF_INET || addr.family === AF_INET6
      ? addr.port
      : null;
  }

  /** Closes the socket; see {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.#fd.close();
  }
}

function checkSocket(
  value: unknown,
  action: string,
): asserts value is RawSocket {
  if (!(value instanceof RawSocket)) {
    throw new TypeError(
      `Cannot ${action} as sock must be a RawSocket: current value is ${
        show(value)
      }`,
    );
  }
}

function checkTtl(ttl: unknown, action: string): number {
  if (
    typeof ttl !== "number" || !Number.isInteger(ttl) || ttl < 1 || ttl > 255
  ) {
    throw new RangeError(
      `Cannot ${action} as ttl must be an integer from 1 to 255: current value is ${
        show(ttl)
      }`,
    );
  }
  return ttl;
}

/**
 * Opens an ICMP socket (or a raw socket of another IP protocol).
 *
 * Requires `allow-ffi` permission, and for a raw socket `CAP_NET_RAW`.
 *
 * @param options The family, protocol, kind and TTL.
 * @returns The socket.
 * @throws {TypeError} If an option has the wrong type.
 * @throws {RangeError} If `family`, `protocol` or `ttl` is out of range.
 * @throws {Deno.errors.PermissionDenied} If neither an unprivileged ICMP socket nor a raw one is allowed; the message says which privilege is missing.
 * @throws {Deno.errors.NotSupported} On a system other than Linux.
 *
 * @example Open an ICMP socket and set its TTL
 * ```ts ignore
 * import * as raw from "@socketkit/socket/raw";
 * import assert from "node:assert/strict";
 *
 * await using sock = raw.open({ family: 4 });
 * raw.setTtl(sock, 5);
 * assert.equal(raw.getTtl(sock), 5);
 * ```
 *
 * @tags allow-ffi
 */
export function open(options: OpenOptions = {}): RawSocket {
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `Cannot open raw socket as options must be an object: current value is ${
        show(options)
      }`,
    );
  }
  const { family = 4, protocol = "icmp", kind = "auto", ttl } = options;
  if (family !== 4 && family !== 6) {
    throw new RangeError(
      `Cannot open raw socket as family must be 4 or 6: current value is ${
        show(family)
      }`,
    );
  }
  const proto = protocol === "icmp"
    ? (family === 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6)
    : protocol;
  if (
    typeof proto !== "number" || !Number.isInteger(proto) || proto < 0 ||
    proto > 255
  ) {
    throw new RangeError(
      `Cannot open raw socket as protocol must be "icmp" or an integer from 0 to 255: current value is ${
        show(protocol)
      }`,
    );
  }
  if (kind !== "auto" && kind !== "datagram" && kind !== "raw") {
    throw new TypeError(
      `Cannot open raw socket as kind must be "auto", "datagram" or "raw": current value is ${
        show(kind)
      }`,
    );
  }
  if (ttl !== undefined) checkTtl(ttl, "open raw socket");
  const icmp = proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6;
  if (kind === "datagram" && !icmp) {
    throw new TypeError(
      `Cannot open raw socket as kind "datagram" exists for ICMP only: current value of protocol is ${proto}`,
    );
  }
  const af = family === 4 ? AF_INET : AF_INET6;
  const name = `${
    icmp ? (family === 4 ? "ICMP" : "ICMPv6") : `IP protocol ${proto}`
  } socket`;
  let fd: FdSocket | null = null;
  let datagramError: Error | null = null;
  let chosen: "datagram" | "raw" = "raw";
  if (icmp && kind !== "raw") {
    try {
      fd = FdSocket.open(af, SOCK_DGRAM, proto, `open ${name}`);
      chosen = "datagram";
    } catch (err) {
      if (
        !(err instanceof Deno.errors.PermissionDenied) || kind === "datagram"
      ) {
        throw kind === "datagram" && err instanceof Deno.errors.PermissionDenied
          ? new Deno.errors.PermissionDenied(
            `Cannot open unprivileged ${name}: the process's group is outside sysctl net.ipv4.ping_group_range`,
            { cause: err },
          )
          : err;
      }
      datagramError = err;
    }
  }
  if (fd === null) {
    try {
      fd = FdSocket.open(af, SOCK_RAW, proto, `open raw ${name}`);
    } catch (err) {
      if (err instanceof Deno.errors.PermissionDenied) {
        throw new Deno.errors.PermissionDenied(
          datagramError !== null
            ? `Cannot open ${name}: an unprivileged ICMP socket needs the process's group in sysctl net.ipv4.ping_group_range, and a raw socket needs CAP_NET_RAW (root); this process has neither`
            : `Cannot open raw ${name}: a raw socket needs CAP_NET_RAW (root)`,
          { cause: err },
        );
      }
      throw err;
    }
  }
  const sock = makeRaw(fd, family, chosen);
  try {
    if (family === 4) {
      fd.setOption(IPPROTO_IP, IP_RECVTTL, 1, "ask for the TTL of packets");
    } else {
      fd.setOption(
        IPPROTO_IPV6,
        IPV6_RECVHOPLIMIT,
        1,
        "ask for the hop limit of packets",
      );
    }
    fd.setOption(SOL_SOCKET, SO_TIMESTAMPNS, 1, "ask for receive times");
    if (ttl !== undefined) setTtl(sock, ttl);
  } catch (err) {
    fd.close();
    throw err;
  }
  return sock;
}

/**
 * Sets the TTL (IPv4) or hop limit (IPv6) of the packets the socket sends.
 *
 * @param sock The socket.
 * @param ttl 1 to 255.
 * @throws {RangeError} If `ttl` is out of range.
 *
 * @example One hop only
 * ```ts ignore
 * import * as raw from "@socketkit/socket/raw";
 * import assert from "node:assert/strict";
 *
 * await using sock = raw.open();
 * raw.setTtl(sock, 1);
 * assert.equal(raw.getTtl(sock), 1);
 * ```
 */
export function setTtl(sock: RawSocket, ttl: number): void {
  checkSocket(sock, "setTtl");
  checkTtl(ttl, "setTtl");
  const fd = fdOf(sock);
  if (sock.family === 4) fd.setOption(IPPROTO_IP, IP_TTL, ttl, "set the TTL");
  else fd.setOption(IPPROTO_IPV6, IPV6_UNICAST_HOPS, ttl, "set the hop limit");
}

/**
 * The TTL (IPv4) or hop limit (IPv6) of the packets the socket sends.
 *
 * @param sock The socket.
 * @returns The TTL.
 *
 * @example The system default
 * ```ts ignore
 * import * as raw from "@socketkit/socket/raw";
 * import assert from "node:assert/strict";
 *
 * await using sock = raw.open();
 * assert.ok(raw.getTtl(sock) > 0);
 * ```
 */
export function getTtl(sock: RawSocket): number {
  checkSocket(sock, "getTtl");
  const fd = fdOf(sock);
  const ttl = sock.family === 4
    ? fd.getInt(IPPROTO_IP, IP_TTL, "read the TTL")
    : fd.getInt(IPPROTO_IPV6, IPV6_UNICAST_HOPS, "read the hop limit");
  // IPv6 answers -1 for "the route's default", which is 64 on Linux.
  return ttl < 0 ? 64 : ttl;
}

async function resolve(
  host: string,
  family: IpFamily,
  action: string,
): Promise<string> {
  if (family === 4 ? isIpv4(host) : isIpv6(host)) return host;
  if (family === 4 ? isIpv6(host) : isIpv4(host)) {
    throw new TypeError(
      `Cannot ${action} as the address must be IPv${family} for this socket: current value is ${
        show(host)
      }`,
    );
  }
  try {
    return (await lookup(host, { family }))[0]!.address;
  } catch (err) {
    throw new Deno.errors.NotFound(
      `Cannot ${action}: no IPv${family} address found for ${show(host)}`,
      { cause: err },
    );
  }
}

function sockAddr(hostname: string, family: IpFamily): SockAddr {
  return family === 4
    ? { family: AF_INET, hostname, port: 0 }
    : { family: AF_INET6, hostname, port: 0, flowinfo: 0, scopeId: 0 };
}

/** Options for {@linkcode sendTo}. */
export interface SendToOptions extends IoOptions {}

/**
 * Sends one packet to an address. On an ICMP socket `data` is the ICMP
 * message (type, code, checksum, ...); on a datagram ICMP socket the system
 * sets the identifier and the checksum; on a raw ICMPv6 socket it sets the
 * checksum; on a raw IPv4 ICMP socket the checksum is the caller's (see
 * {@linkcode checksum}).
 *
 * Requires `allow-ffi` permission (`allow-net` to resolve a host name).
 *
 * @param sock The socket.
 * @param data The packet.
 * @param address An IP address (or a host name, resolved for the socket's family).
 * @param options Timeout and abort signal.
 * @returns The number of bytes sent.
 * @throws {TypeError} If the address does not suit the socket's family.
 *
 * @example Send an echo request
 * ```ts ignore
 * import * as raw from "@socketkit/socket/raw";
 * import assert from "node:assert/strict";
 *
 * await using sock = raw.open();
 * const packet = raw.echoRequest({ identifier: 1, sequence: 1, payload: new Uint8Array(8) });
 * assert.equal(await raw.sendTo(sock, packet, "127.0.0.1"), 16);
 * ```
 *
 * @tags allow-ffi
 */
export function sendTo(
  sock: RawSocket,
  data: Uint8Array,
  address: string,
  options: SendToOptions = {},
): Promise<number> {
  // Not an async function: a send to an IP address hands back the send's
  // own promise (an async function around it cost some 0.4 us a packet).
  // Bad arguments still reject, as they did.
  try {
    return startSend(sock, data, address, options);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** {@linkcode sendTo}, throwing what it rejects with before any I/O. */
function startSend(
  sock: RawSocket,
  data: Uint8Array,
  address: string,
  options: SendToOptions,
): Promise<number> {
  checkSocket(sock, "sendTo");
  if (!(data instanceof Uint8Array)) {
    throw new TypeError(
      `Cannot sendTo as data must be a Uint8Array: current value is ${
        show(data)
      }`,
    );
  }
  if (typeof address !== "string" || address === "") {
    throw new TypeError(
      `Cannot sendTo as address must be a non-empty string: current value is ${
        show(address)
      }`,
    );
  }
  const family = sock.family;
  const last = lastSendOf(sock);
  const same = last !== null && last.address === address;
  const action = same ? last.action : `send to ${show(address)}`;
  const io = waitOf(options, timeoutOf(sock), action);
  let target: SockAddr;
  if (same) {
    target = last.target;
  } else if (family === 4 ? isIpv4(address) : isIpv6(address)) {
    target = sockAddr(address, family);
    setLastSend(sock, { address, action, target });
  } else {
    return resolveAndSend(sock, data, address, io, action);
  }
  return fdOf(sock).send(data, target, io, action);
}

/** {@linkcode sendTo} to a host name: resolved for every packet. */
async function resolveAndSend(
  sock: RawSocket,
  data: Uint8Array,
  address: string,
  io: WaitOptions,
  action: string,
): Promise<number> {
  const ip = await resolve(address, sock.family, action);
  return await fdOf(sock).send(data, sockAddr(ip, sock.family), io, action);
}

/** Options for {@linkcode recvFrom}. */
export interface RecvFromOptions extends IoOptions {
  /**
   * The largest packet returned whole; longer ones are cut to this size.
   *
   * @default {65535}
   */
  maxBytes?: number;
}

/**
 * Receives one packet. On a raw IPv4 socket it starts with the IP header
 * (as Python's raw sockets give it); otherwise it is the ICMP message.
 * A timeout or abort takes nothing: the packet goes to the next call.
 *
 * The returned bytes are the caller's own: a `Uint8Array` of exactly the
 * packet's length in a buffer of its own, which no later receive changes
 * (the socket reads into one buffer of its own and copies each packet out).
 *
 * Requires `allow-ffi` permission.
 *
 * @param sock The socket.
 * @param options Timeout, abort signal and `maxBytes`.
 * @returns The packet (a copy the caller owns) and where it came from (with its TTL).
 * @throws {Deno.errors.TimedOut} If nothing arrives in time.
 * @throws {Deno.errors.BadResource} If the socket is closed (also while waiting).
 *
 * @example A timeout loses nothing
 * ```ts ignore
 * import * as raw from "@socketkit/socket/raw";
 * import assert from "node:assert/strict";
 *
 * await using sock = raw.open({ kind: "raw" });
 * await assert.rejects(raw.recvFrom(sock, { timeout: 10 }), Deno.errors.TimedOut);
 * ```
 *
 * @tags allow-ffi
 */
export function recvFrom(
  sock: RawSocket,
  options: RecvFromOptions = {},
): Promise<[Uint8Array, RawAddr]> {
  // Not an async function, as sendTo: a packet already queued is handed
  // back in a promise made here.
  try {
    checkSocket(sock, "recvFrom");
    const family = sock.family;
    const action = recvActionOf(sock);
    const io = waitOf(options, timeoutOf(sock), action);
    const max = options.maxBytes ?? MAX_PACKET;
    if (typeof max !== "number" || !Number.isInteger(max) || max < 1) {
      throw new RangeError(
        `Cannot ${action} as maxBytes must be a positive integer: current value is ${
          show(max)
        }`,
      );
    }
    // The socket's one buffer, which the receive copies the packet out of
    // at once; the TTL and the time are read in the step of the receive,
    // from the socket's control buffer.
    const fd = fdOf(sock);
    const buffer = receiveBufferOf(sock, max);
    const readControl = family === 4 ? controlOf4 : controlOf6;
    const got = fd.tryRecvMsg(buffer, 64, 0, action, true, readControl);
    if (got !== null) return Promise.resolve(packetOf(got));
    return fd.recvMsgWhenReady(buffer, 64, 0, io, action, true, readControl)
      .then(packetOf);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** A packet and where it came from, as {@linkcode recvFrom} gives them. */
function packetOf(
  got: ReceivedMessage<[number | null, number | null]>,
): [Uint8Array, RawAddr] {
  const { addr, control, data } = got;
  const hostname = addr.family === AF_INET || addr.family === AF_INET6
    ? addr.hostname
    : "";
  return [data!, { hostname, ttl: control[0], receivedAt: control[1] }];
}

function controlOf4(
  control: Uint8Array,
  length: number,
): [number | null, number | null] {
  return controlOf(control, length, 4);
}

function controlOf6(
  control: Uint8Array,
  length: number,
): [number | null, number | null] {
  return controlOf(control, length, 6);
}

/** The TTL and the receive time among the control messages. */
function controlOf(
  control: Uint8Array,
  length: number,
  family: IpFamily,
): [number | null, number | null] {
  // Read byte by byte (little-endian), with no DataView or copy made per
  // packet: `control` is the socket's own buffer, read in the step of the
  // receive.
  let ttl: number | null = null;
  let receivedAt: number | null = null;
  const end = Math.min(length, control.length);
  for (let at = 0; at + 16 <= end;) {
    // struct cmsghdr: size_t cmsg_len, int cmsg_level, int cmsg_type.
    const len = int64At(control, at);
    const level = int32At(control, at + 8);
    const type = int32At(control, at + 12);
    if (len < 16) break;
    if (
      (family === 4 && level === IPPROTO_IP && type === IP_TTL) ||
      (family === 6 && level === IPPROTO_IPV6 && type === IPV6_HOPLIMIT)
    ) {
      ttl = int32At(control, at + 16);
    } else if (level === SOL_SOCKET && type === SO_TIMESTAMPNS && len >= 32) {
      receivedAt = timespecMs(control, at + 16);
    }
    at += (len + 7) & ~7;
  }
  return [ttl, receivedAt];
}

/**
 * Closes the socket. A receive waiting on it rejects at once with
 * `Deno.errors.BadResource`; the promise settles when it has. Idempotent.
 *
 * @param sock The socket.
 *
 * @example Close interrupts a receive
 * ```ts ignore
 * import * as raw from "@socketkit/socket/raw";
 * import assert from "node:assert/strict";
 *
 * const sock = raw.open();
 * const pending = raw.recvFrom(sock);
 * await raw.close(sock);
 * await assert.rejects(pending, Deno.errors.BadResource);
 * ```
 */
export function close(sock: RawSocket): Promise<void> {
  checkSocket(sock, "close");
  return fdOf(sock).close();
}

/**
 * Sets the default timeout of every later call on the socket, in
 * milliseconds (`null`: wait for ever; `0`: never wait).
 *
 * @param sock The socket.
 * @param ms The timeout.
 *
 * @example Never wait
 * ```ts ignore
 * import * as raw from "@socketkit/socket/raw";
 * import assert from "node:assert/strict";
 *
 * await using sock = raw.open();
 * raw.setTimeout(sock, 0);
 * await assert.rejects(raw.recvFrom(sock), Deno.errors.WouldBlock);
 * ```
 */
export function setTimeout(sock: RawSocket, ms: number | null): void {
  checkSocket(sock, "setTimeout");
  setTimeoutOf(sock, validateTimeout(ms, "setTimeout"));
}

// ---- ICMP echo (the codec is _icmp.ts's, re-exported above) ----

/** One answer to an echo request sent by {@linkcode ping}. */
export interface PingReply {
  /** The sequence number (from 1). */
  sequence: number;
  /** `"reply"`, or the ICMP error that came back instead. */
  kind: "reply" | "time-exceeded" | "unreachable";
  /** Who answered. */
  from: string;
  /** The size of the ICMP message that came back, in bytes (64 for the default size). */
  bytes: number;
  /** The TTL or hop limit it arrived with, if known. */
  ttl: number | null;
  /** The round-trip time in milliseconds. */
  time: number;
}

/** What {@linkcode ping} found. */
export interface PingResult {
  /** The host as given. */
  host: string;
  /** The address pinged. */
  address: string;
  /** The echo requests sent. */
  transmitted: number;
  /** The echo replies received. */
  received: number;
  /** Every answer, in order (errors included). */
  replies: PingReply[];
  /** The lost share, 0 to 100. */
  lossPercent: number;
  /** Round-trip statistics over the replies, in milliseconds (`null` without replies). */
  rtt: { min: number; avg: number; max: number; mdev: number } | null;
  /** The kind of socket used. */
  kind: "datagram" | "raw";
}

/** Options for {@linkcode ping}. */
export interface PingOptions {
  /**
   * How many echo requests to send.
   *
   * @default {4}
   */
  count?: number;
  /**
   * Milliseconds between requests.
   *
   * @default {1000}
   */
  interval?: number;
  /**
   * Milliseconds to wait for each reply.
   *
   * @default {2000}
   */
  timeout?: number;
  /**
   * The TTL or hop limit of the requests.
   *
   * @default {the system's}
   */
  ttl?: number;
  /**
   * Payload bytes per request (the ICMP message is 8 more).
   *
   * @default {56}
   */
  size?: number;
  /**
   * `4` or `6`; by default the family of the address (or of the host
   * name's first address).
   */
  family?: IpFamily;
  /** Stops the run; `ping` then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called with each answer as it arrives (to print it, as `ping` does). */
  onReply?: (reply: PingReply) => void;
}

/**
 * Sends ICMP echo requests and waits for the replies, as the `ping`
 * command: each request carries an identifier, a sequence number and a
 * timestamp, and each reply is checked (type, checksum, identifier,
 * sequence, payload) before its round-trip time is counted. As iputils
 * does, the round trip runs from the wall clock just before the send to the
 * kernel's receive timestamp of the reply (`SO_TIMESTAMPNS`), so the time
 * this process takes to wake up is not counted.
 *
 * Requires `allow-ffi` permission (`allow-net` to resolve a host name),
 * and root or `net.ipv4.ping_group_range` (see {@linkcode open}).
 *
 * @param host An IP address or host name.
 * @param options Count, interval, timeout, TTL, size, family, signal.
 * @returns Every answer and the statistics.
 * @throws {RangeError} If an option is out of range.
 * @throws {Deno.errors.PermissionDenied} If no ICMP socket may be opened.
 *
 * @example Ping the loopback address
 * ```ts ignore
 * import * as raw from "@socketkit/socket/raw";
 * import assert from "node:assert/strict";
 *
 * const result = await raw.ping("::1", { count: 1 });
 * assert.equal(result.received, 1);
 * assert.equal(result.lossPercent, 0);
 * ```
 *
 * @tags allow-ffi
 */
export async function ping(
  host: string,
  options: PingOptions = {},
): Promise<PingResult> {
  if (typeof host !== "string" || host === "") {
    throw new TypeError(
      `Cannot ping as host must be a non-empty string: current value is ${
        show(host)
      }`,
    );
  }
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `Cannot ping as options must be an object: current value is ${
        show(options)
      }`,
    );
  }
  const {
    count = 4,
    interval = 1_000,
    timeout = 2_000,
    size = 56,
    ttl,
    signal,
    onReply,
  } = options;
  for (
    const [name, value, min, max] of [
      ["count", count, 1, 65_535],
      ["interval", interval, 0, 3_600_000],
      ["timeout", timeout, 1, 3_600_000],
      ["size", size, 8, 65_000],
    ] as const
  ) {
    if (
      typeof value !== "number" || !Number.isInteger(value) || value < min ||
      value > max
    ) {
      throw new RangeError(
        `Cannot ping as ${name} must be an integer from ${min} to ${max}: current value is ${
          show(value)
        }`,
      );
    }
  }
  if (ttl !== undefined) checkTtl(ttl, "ping");
  validateSignal(signal, "ping");
  if (onReply !== undefined && typeof onReply !== "function") {
    throw new TypeError(
      `Cannot ping as onReply must be a function: current value is ${
        show(onReply)
      }`,
    );
  }
  if (signal?.aborted) throw signal.reason;
  let family = options.family;
  if (family === undefined) {
    family = isIpv6(host) ? 6 : isIpv4(host) ? 4 : undefined;
  }
  let address: string;
  if (family === undefined) {
    try {
      const found = (await lookup(host))[0]!;
      address = found.address;
      family = found.family === 6 ? 6 : 4;
    } catch (err) {
      throw new Deno.errors.NotFound(
        `Cannot ping ${show(host)}: no address found`,
        { cause: err },
      );
    }
  } else {
    address = await resolve(host, family, `ping ${show(host)}`);
  }
  // node:buffer (its memcmp compares replies) is loaded by the first ping,
  // not by importing this module: it brings some 25 of Deno's Node modules.
  const { Buffer: NodeBuffer } = await import("node:buffer");
  await using sock = open({ family, ...(ttl !== undefined ? { ttl } : {}) });
  const identifier = sock.identifier ??
    ((Deno.pid ^ Math.floor(Math.random() * 0x10000)) & 0xffff);
  const replyType = family === 4 ? 0 : 129;
  const errorTypes: Record<number, PingReply["kind"]> = family === 4
    ? { 3: "unreachable", 11: "time-exceeded" }
    : { 1: "unreachable", 3: "time-exceeded" };
  const replies: PingReply[] = [];
  const times: number[] = [];
  const sentAt = new Map<number, number>();
  const sentClock = new Map<number, number>();
  const target = sockAddr(address, family);
  const fd = fdOf(sock);
  const sending = { timeout: null, signal };
  const sendAction = `ping ${show(address)}`;
  const sentStamp = new Uint8Array(new ArrayBuffer(16));
  // The payload: 8 bytes of send time, then the bytes 8, 9, 10, ... as
  // iputils sends. One request is built here and rewritten for each
  // sequence number (the number, the send time, the checksum): each send
  // has ended before the next request is written.
  const pattern = Uint8Array.from({ length: size }, (_, i) => i & 0xff);
  const packet = echoRequest({
    family,
    identifier,
    sequence: 0,
    payload: pattern,
  });
  const header = new DataView(
    packet.buffer,
    packet.byteOffset,
    packet.byteLength,
  );
  // What a reply carries after its 8 bytes of send time.
  const patternTail = NodeBuffer.from(pattern.buffer, 8, size - 8);
  let transmitted = 0;
  for (let sequence = 1; sequence <= count; sequence++) {
    const started = performance.now();
    header.setUint16(6, sequence, false);
    header.setFloat64(8, started, false);
    if (family === 4) {
      header.setUint16(2, 0, false);
      header.setUint16(2, checksum(packet), false);
    }
    sentAt.set(sequence, started);
    // As iputils: the round trip runs from the wall clock just before the
    // send to the kernel's receive timestamp of the reply. The send reads
    // the clock itself, right before its system call.
    await fd.send(packet, target, sending, sendAction, sentStamp);
    sentClock.set(sequence, timespecMs(sentStamp));
    transmitted++;
    const deadline = started + timeout;
    for (;;) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      let data: Uint8Array;
      let from: RawAddr;
      try {
        [data, from] = await recvFrom(sock, {
          timeout: Math.ceil(left),
          ...(signal ? { signal } : {}),
        });
      } catch (err) {
        if (err instanceof Deno.errors.TimedOut) break;
        throw err;
      }
      const now = performance.now();
      const msg = parseIcmp(data, family);
      if (msg === null || !msg.checksumOk) continue;
      if (msg.identifier !== identifier && sock.kind === "raw") continue;
      const seq = msg.sequence ?? -1;
      if (!sentAt.has(seq)) continue;
      if (msg.type === replyType) {
        // The payload must come back as sent (a late or stray reply is not ours).
        if (
          !echoesRequest(msg.payload, sentAt.get(seq)!, patternTail, NodeBuffer)
        ) continue;
        const sent = from.receivedAt !== null
          ? from.receivedAt - sentClock.get(seq)!
          : now - sentAt.get(seq)!;
        sentAt.delete(seq);
        const reply: PingReply = {
          sequence: seq,
          kind: "reply",
          from: from.hostname,
          bytes: 8 + msg.payload.length,
          ttl: from.ttl ??
            (family === 4 && sock.kind === "raw" ? data[8]! : null),
          time: Math.max(0, sent),
        };
        replies.push(reply);
        times.push(reply.time);
        onReply?.(reply);
        if (seq === sequence) break;
      } else if (errorTypes[msg.type] !== undefined) {
        const reply: PingReply = {
          sequence: seq,
          kind: errorTypes[msg.type]!,
          from: from.hostname,
          bytes: data.length,
          ttl: from.ttl,
          time: now - started,
        };
        sentAt.delete(seq);
        replies.push(reply);
        onReply?.(reply);
        if (seq === sequence) break;
      }
    }
    if (sequence < count) {
      const wait = started + interval - performance.now();
      if (wait > 0) await sleep(wait, signal);
    }
  }
  const received = times.length;
  let rtt: PingResult["rtt"] = null;
  if (received > 0) {
    const min = Math.min(...times);
    const max = Math.max(...times);
    const avg = times.reduce((a, b) => a + b, 0) / received;
    const mdev = Math.sqrt(
      times.reduce((a, b) => a + b * b, 0) / received - avg * avg,
    ) || 0;
    rtt = { min, avg, max, mdev };
  }
  return {
    host,
    address,
    transmitted,
    received,
    replies,
    lossPercent: transmitted === 0
      ? 0
      : Math.round(100 * (transmitted - received) / transmitted),
    rtt,
    kind: sock.kind,
  };
}

/**
 * Whether `payload` is what ping sent: the send time `sentAt` (a float64,
 * big-endian), then `tail`.
 */
function echoesRequest(
  payload: Uint8Array,
  sentAt: number,
  tail: Buffer,
  buffer: typeof Buffer,
): boolean {
  return payload.length === 8 + tail.length &&
    new DataView(payload.buffer, payload.byteOffset, 8).getFloat64(0, false) ===
      sentAt &&
    buffer.from(payload.buffer, payload.byteOffset + 8, tail.length).equals(
      tail,
    );
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = globalThis.setTimeout(done, ms);
    function done() {
      signal?.removeEventListener("abort", abort);
      resolve();
    }
    function abort() {
      clearTimeout(timer);
      reject(signal!.reason);
    }
    signal?.addEventListener("abort", abort, { once: true });
  });
}
