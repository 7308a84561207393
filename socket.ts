// Copyright 2026 the socketkit authors. MIT license.

/**
 * Python's `socket` module on Deno, so the tutorials port line by line:
 * `socket.socket(socket.AF_INET, socket.SOCK_STREAM)`, then `bind`,
 * `listen`, `accept`, `connect`, `send`, `sendall`, `recv`, `sendto`,
 * `recvfrom`, `settimeout`, `setblocking`, `setsockopt`, `getsockname`,
 * `getpeername`, `makefile`, `shutdown` and `close`, and the module's
 * `create_connection`, `create_server`, `getaddrinfo` and `socketpair` —
 * Python's names and lifecycle, with `await` where the call can wait.
 *
 * This module is a thin facade over the core ({@link ./tcp.ts},
 * {@link ./udp.ts}, {@link ./unix.ts}): it holds no I/O logic of its own.
 * Deno creates an operating-system socket only at listen, connect or
 * datagram bind, so a {@linkcode Socket} records its family, type, options
 * and address until then: `bind` on a TCP stream socket creates the
 * listener (holding the port, as Python's bind does) and `listen` lets it
 * accept; `bind` on a datagram socket creates it.
 *
 * Differences from Python, all documented where they apply:
 * - Calls that can wait return promises: `await s.accept()`.
 * - Timeouts are in seconds, as in Python, and lose no data: a `recv` that
 *   timed out leaves its read with the socket and the next `recv` gets the
 *   bytes. They raise {@linkcode TimeoutError}, which is a
 *   `Deno.errors.TimedOut`; a non-blocking call that cannot complete raises
 *   {@linkcode BlockingIOError}, which is a `Deno.errors.WouldBlock`.
 * - What Deno cannot do (binding a stream socket before `connect`, most
 *   socket options after creation) throws `Deno.errors.NotSupported` naming
 *   what was asked, never a silent no-op.
 * - Sockets Deno cannot create — `SOCK_RAW` (ICMP included),
 *   `SOCK_SEQPACKET`, ICMP `SOCK_DGRAM`, other families, and
 *   {@linkcode socketpair} — are made through libc with `Deno.dlopen`
 *   (Linux; needs `--allow-ffi`) and created at once, as in Python, with
 *   every option applied for real. Types the kernel lacks (`SOCK_RDM`)
 *   raise `Deno.errors.NotSupported` with the kernel's own answer.
 * - Addresses are `[host, port]` arrays (`[host, port, 0, 0]` for
 *   `AF_INET6`, a path string for `AF_UNIX`). A malformed one raises
 *   `TypeError` or `RangeError` before any I/O, an IP address of the other
 *   family included (Python raises `gaierror` for that).
 * - Errors are `Deno.errors` classes under Python's names
 *   ({@linkcode ConnectionRefusedError} is `Deno.errors.ConnectionRefused`);
 *   where Python reads `err.errno`, read `err.code` (`"ECONNREFUSED"`), or
 *   use `connect_ex` for the number.
 * - `close()` never raises, as Python's, but first writes what `send`
 *   already counted as sent, for up to the socket's timeout (10 s without
 *   one), where Python leaves that to the kernel and returns at once.
 * - A connected UDP socket is not connected in the kernel, so the peer's
 *   ICMP "port unreachable" is not reported: `recv` waits where Python's
 *   raises `ConnectionRefusedError`.
 *
 * Requires `allow-net` permission (Unix sockets: `allow-read` and
 * `allow-write` too; UDP: `--unstable-net`, or the `node:dgram` fallback).
 *
 * @example The tutorials' echo, server and client in one script
 * ```ts
 * import * as socket from "@socketkit/socket/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = socket.socket(socket.AF_INET, socket.SOCK_STREAM);
 * await server.bind(["127.0.0.1", 0]);
 * await server.listen(5);
 * const [, port] = server.getsockname() as socket.InetAddress;
 *
 * await using client = socket.socket(socket.AF_INET, socket.SOCK_STREAM);
 * await client.connect(["localhost", port]);
 * const [conn] = await server.accept();
 * await using _conn = conn;
 *
 * await client.sendall("hello");
 * const data = await conn.recv(1024);
 * await conn.sendall(data);
 * assert.equal(new TextDecoder().decode(await client.recv(1024)), "hello");
 * ```
 *
 * @module
 */

import { setCode, show } from "./_errors.ts";
import { type MakefileOptions, SocketFile } from "./_socket_file.ts";
import { Lock } from "./_lock.ts";
import { Deadline } from "./_timeout.ts";
import { validatePort } from "./_addr.ts";
import * as stream from "./_stream.ts";
import { facadeHooks, type TlsUpgrade } from "./_socket_hooks.ts";
import * as tcp from "./tcp.ts";
import { listenTcp } from "./_tcp_listen.ts";
import { lookup } from "./_dns.ts";
import * as udp from "./udp.ts";
import * as unix from "./unix.ts";
import {
  type FacadeHelpers,
  FfiSocket,
  needsFfi,
  SO_ERROR,
  SO_RCVBUF,
  SO_SNDBUF,
} from "./_socket_ffi.ts";
import { socketpair as pair } from "./socketpair.ts";
export { type MakefileOptions, SocketFile } from "./_socket_file.ts";
export { htonl, htons, inet_ntop, inet_pton, ntohl, ntohs } from "./_inet.ts";
export {
  IP_HDRINCL,
  IP_TTL,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_RAW,
  IPV6_UNICAST_HOPS,
  MSG_PEEK,
  SO_ERROR,
  SO_RCVBUF,
  SO_SNDBUF,
} from "./_socket_ffi.ts";

// ---- constants (Linux values, as Python's socket module has them) ----

/** Address family: Unix-domain sockets (a path on this machine). */
export const AF_UNIX = 1;
/** Address family: IPv4. The default of {@linkcode socket}. */
export const AF_INET = 2;
/** Address family: IPv6. */
export const AF_INET6 = 10;
/** Address family: unspecified (for {@linkcode create_connection} lookups). */
export const AF_UNSPEC = 0;

/** Socket type: a reliable byte stream (TCP, or a Unix stream socket). The default. */
export const SOCK_STREAM = 1;
/** Socket type: datagrams (UDP, or a Unix datagram socket). */
export const SOCK_DGRAM = 2;
/** Socket type: raw IP packets (made through libc: needs `--allow-ffi`, and root or `CAP_NET_RAW`). */
export const SOCK_RAW = 3;
/** Socket type: reliably delivered messages. Linux has none: `Deno.errors.NotSupported` with the kernel's answer. */
export const SOCK_RDM = 4;
/** Socket type: sequenced packets, connections that keep message boundaries (made through libc: needs `--allow-ffi`). */
export const SOCK_SEQPACKET = 5;
/** Flag for the type: start non-blocking (same as `setblocking(false)`). */
export const SOCK_NONBLOCK = 2048;
/** Flag for the type: close on exec. Deno always does so; accepted for Python code that asks. */
export const SOCK_CLOEXEC = 524288;

/** Protocol level of the socket options `SO_*`. */
export const SOL_SOCKET = 1;
/** Protocol number and option level of IP (the `IP_*` options). */
export const IPPROTO_IP = 0;
/** Protocol number and option level of TCP (the `TCP_*` options). */
export const IPPROTO_TCP = 6;
/** Protocol number of UDP. */
export const IPPROTO_UDP = 17;
/** Protocol number and option level of IPv6. */
export const IPPROTO_IPV6 = 41;

/** Socket option: allow binding an address in `TIME_WAIT` (Deno sets it on every TCP listener). */
export const SO_REUSEADDR = 2;
/** Socket option (read-only): the socket type. */
export const SO_TYPE = 3;
/** Socket option: allow sending to broadcast addresses (Deno sets it on every UDP socket). */
export const SO_BROADCAST = 6;
/** Socket option: send keep-alive probes on an idle connection. */
export const SO_KEEPALIVE = 9;
/** Socket option: let several sockets listen on the same port. */
export const SO_REUSEPORT = 15;
/** Socket option: linger on close. Deno can neither read nor set it: `Deno.errors.NotSupported`. */
export const SO_LINGER = 13;
/** TCP option: send small writes at once (disable Nagle's algorithm). */
export const TCP_NODELAY = 1;
/** TCP option: idle seconds before keep-alive probes. Deno cannot set it: `Deno.errors.NotSupported`. */
export const TCP_KEEPIDLE = 4;
/** TCP option: seconds between keep-alive probes. Deno cannot set it: `Deno.errors.NotSupported`. */
export const TCP_KEEPINTVL = 5;
/** TCP option: keep-alive probes before giving up. Deno cannot set it: `Deno.errors.NotSupported`. */
export const TCP_KEEPCNT = 6;
/** IPv6 option: an `AF_INET6` socket takes no IPv4 (set before `bind`; Linux's default is 0, dual stack). */
export const IPV6_V6ONLY = 26;
/** IP option: the time-to-live of outgoing multicast datagrams. */
export const IP_MULTICAST_TTL = 33;
/** IP option: whether this host receives its own multicast datagrams. */
export const IP_MULTICAST_LOOP = 34;
/** IP option: join a multicast group (value: `ip_mreq` bytes, see {@linkcode inet_aton}). */
export const IP_ADD_MEMBERSHIP = 35;
/** IP option: leave a multicast group (value: `ip_mreq` bytes). */
export const IP_DROP_MEMBERSHIP = 36;

/** `shutdown` how: no more receiving. */
export const SHUT_RD = 0;
/** `shutdown` how: no more sending (the peer reads end of stream). */
export const SHUT_WR = 1;
/** `shutdown` how: both directions. */
export const SHUT_RDWR = 2;

/** The IPv4 wildcard address as a number, for `ip_mreq` (`0.0.0.0`). */
export const INADDR_ANY = 0;
/** The default largest `listen` backlog on Linux. */
export const SOMAXCONN = 4096;

const FAMILY_NAMES: Record<number, string> = {
  [AF_UNIX]: "AF_UNIX",
  [AF_INET]: "AF_INET",
  [AF_INET6]: "AF_INET6",
};
const TYPE_NAMES: Record<number, string> = {
  [SOCK_STREAM]: "SOCK_STREAM",
  [SOCK_DGRAM]: "SOCK_DGRAM",
  [SOCK_RAW]: "SOCK_RAW",
  [SOCK_RDM]: "SOCK_RDM",
  [SOCK_SEQPACKET]: "SOCK_SEQPACKET",
};
const OPTION_NAMES: Record<string, string> = {
  [`${SOL_SOCKET}/${SO_REUSEADDR}`]: "SO_REUSEADDR",
  [`${SOL_SOCKET}/${SO_TYPE}`]: "SO_TYPE",
  [`${SOL_SOCKET}/${SO_ERROR}`]: "SO_ERROR",
  [`${SOL_SOCKET}/${SO_BROADCAST}`]: "SO_BROADCAST",
  [`${SOL_SOCKET}/${SO_KEEPALIVE}`]: "SO_KEEPALIVE",
  [`${SOL_SOCKET}/${SO_REUSEPORT}`]: "SO_REUSEPORT",
  [`${IPPROTO_TCP}/${TCP_NODELAY}`]: "TCP_NODELAY",
  [`${IPPROTO_IP}/${IP_MULTICAST_TTL}`]: "IP_MULTICAST_TTL",
  [`${IPPROTO_IP}/${IP_MULTICAST_LOOP}`]: "IP_MULTICAST_LOOP",
  [`${IPPROTO_IP}/${IP_ADD_MEMBERSHIP}`]: "IP_ADD_MEMBERSHIP",
  [`${IPPROTO_IP}/${IP_DROP_MEMBERSHIP}`]: "IP_DROP_MEMBERSHIP",
  [`${IPPROTO_IPV6}/${IPV6_V6ONLY}`]: "IPV6_V6ONLY",
};
/** Options Python has that Deno can neither read nor set: named in the error. */
const UNSUPPORTED_OPTION_NAMES: Record<string, string> = {
  [`${SOL_SOCKET}/${SO_SNDBUF}`]: "SO_SNDBUF",
  [`${SOL_SOCKET}/${SO_RCVBUF}`]: "SO_RCVBUF",
  [`${SOL_SOCKET}/${SO_LINGER}`]: "SO_LINGER",
  [`${IPPROTO_TCP}/${TCP_KEEPIDLE}`]: "TCP_KEEPIDLE",
  [`${IPPROTO_TCP}/${TCP_KEEPINTVL}`]: "TCP_KEEPINTVL",
  [`${IPPROTO_TCP}/${TCP_KEEPCNT}`]: "TCP_KEEPCNT",
};

// ---- errors ----

/**
 * Raised when a socket operation does not complete within the socket's
 * timeout: Python's `TimeoutError` (and `socket.timeout`). It is a
 * `Deno.errors.TimedOut`, so either name works with `instanceof`. Nothing is
 * lost: the read or accept in flight stays with the socket.
 *
 * @example Catch a timeout
 * ```ts
 * import * as socket from "@socketkit/socket/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = socket.create_server(["127.0.0.1", 0]);
 * server.settimeout(0.05);
 * const err = await server.accept().catch((e) => e);
 * assert.ok(err instanceof socket.TimeoutError);
 * assert.ok(err instanceof Deno.errors.TimedOut);
 * ```
 */
export class TimeoutError extends Deno.errors.TimedOut {
  /**
   * Makes the error.
   *
   * @param message What timed out.
   * @param options `cause`: the core's error.
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TimeoutError";
  }
}

/** Python's `socket.timeout`, an alias of {@linkcode TimeoutError} since Python 3.10. */
export const timeout: typeof TimeoutError = TimeoutError;

/**
 * Raised by an operation on a non-blocking socket (`setblocking(false)` or
 * `settimeout(0)`) that cannot complete at once: Python's
 * `BlockingIOError`. It is a `Deno.errors.WouldBlock`. Nothing is lost: the
 * read or accept started stays with the socket.
 *
 * @example Poll a non-blocking socket
 * ```ts
 * import * as socket from "@socketkit/socket/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = socket.create_server(["127.0.0.1", 0]);
 * server.setblocking(false);
 * const err = await server.accept().catch((e) => e);
 * assert.ok(err instanceof socket.BlockingIOError);
 * assert.ok(err instanceof Deno.errors.WouldBlock);
 * ```
 */
export class BlockingIOError extends Deno.errors.WouldBlock {
  /**
   * Makes the error.
   *
   * @param message What would block.
   * @param options `cause`: the core's error.
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BlockingIOError";
  }
}

/**
 * Raised when a host name cannot be resolved: Python's `socket.gaierror`.
 * It is a `Deno.errors.NotFound`.
 *
 * @example A name that does not exist
 * ```ts
 * import * as socket from "@socketkit/socket/socket";
 * import assert from "node:assert/strict";
 *
 * // A label over 63 bytes: the resolver refuses it without asking the network.
 * const name = `${"x".repeat(64)}.invalid`;
 * const err = await socket.gethostbyname(name).catch((e) => e);
 * assert.ok(err instanceof socket.gaierror);
 * ```
 */
export class gaierror extends Deno.errors.NotFound {
  /**
   * Makes the error.
   *
   * @param message The name that failed.
   * @param options `cause`: the resolver's error.
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "gaierror";
  }
}

/** Python's `ConnectionRefusedError`: `Deno.errors.ConnectionRefused`. */
export const ConnectionRefusedError: typeof Deno.errors.ConnectionRefused =
  Deno.errors.ConnectionRefused;
/** Python's `ConnectionResetError`: `Deno.errors.ConnectionReset`. */
export const ConnectionResetError: typeof Deno.errors.ConnectionReset =
  Deno.errors.ConnectionReset;
/** Python's `ConnectionAbortedError`: `Deno.errors.ConnectionAborted`. */
export const ConnectionAbortedError: typeof Deno.errors.ConnectionAborted =
  Deno.errors.ConnectionAborted;
/** Python's `BrokenPipeError`: `Deno.errors.BrokenPipe`. */
export const BrokenPipeError: typeof Deno.errors.BrokenPipe =
  Deno.errors.BrokenPipe;

/**
 * The `code` of Python's `errno`, for errors of these classes made without
 * one (by the core, or here). Python's `TimeoutError` has no errno.
 */
const CODE_BY_CLASS: [new (...args: never[]) => Error, string][] = [
  [Deno.errors.WouldBlock, "EAGAIN"],
  [Deno.errors.BrokenPipe, "EPIPE"],
  [Deno.errors.NotConnected, "ENOTCONN"],
  [Deno.errors.BadResource, "EBADF"],
  [Deno.errors.ConnectionReset, "ECONNRESET"],
  [Deno.errors.ConnectionRefused, "ECONNREFUSED"],
  [Deno.errors.ConnectionAborted, "ECONNABORTED"],
  [Deno.errors.AddrInUse, "EADDRINUSE"],
  [Deno.errors.AddrNotAvailable, "EADDRNOTAVAIL"],
];

/** Gives an OS error without a `code` the one Python's errno would be. */
function withCode<E>(err: E): E {
  if (!(err instanceof Error) || "code" in err) return err;
  for (const [ctor, code] of CODE_BY_CLASS) {
    if (err instanceof ctor) return setCode(err, code);
  }
  return err;
}

/**
 * Turns the core's timeout and would-block errors into Python's classes,
 * and gives OS errors the `code` of Python's `errno`.
 */
function py(err: unknown): unknown {
  if (err instanceof Deno.errors.TimedOut && !(err instanceof TimeoutError)) {
    return new TimeoutError(err.message, { cause: err });
  }
  if (
    err instanceof Deno.errors.WouldBlock && !(err instanceof BlockingIOError)
  ) {
    const code = (err as { code?: unknown }).code;
    const out = new BlockingIOError(err.message, { cause: err });
    return typeof code === "string" ? setCode(out, code) : withCode(out);
  }
  return withCode(err);
}

function notSupported(action: string, why: string): Error {
  return new Deno.errors.NotSupported(`Cannot ${action}: ${why}`);
}

// ---- addresses ----

/** An IPv4 address as Python writes it: `[host, port]`. */
export type InetAddress = [host: string, port: number];
/** An IPv6 address as Python writes it: `[host, port, flowinfo, scopeId]`. */
export type Inet6Address = [
  host: string,
  port: number,
  flowinfo: number,
  scopeId: number,
];
/**
 * A socket address: `[host, port]` for `AF_INET`; `[host, port]`,
 * `[host, port, flowinfo]` or `[host, port, flowinfo, scopeId]` for
 * `AF_INET6` (flowinfo 0–1048575; the scope id must be 0, as Deno has
 * none); a path for `AF_UNIX`. The host `""` means every interface (for
 * `bind`), and `"<broadcast>"` means `255.255.255.255`, as in Python.
 */
export type Address =
  | InetAddress
  | [host: string, port: number, flowinfo: number]
  | Inet6Address
  | string;

const IPV4_REGEXP =
  /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const decoder = new TextDecoder();
/** Hosts that mean every interface of a family. */
const WILDCARD_HOSTS = new Set(["", "0.0.0.0", "::"]);

function familyName(family: number): string {
  return FAMILY_NAMES[family] ?? String(family);
}

/** Resolves a host for `family`; literals and "localhost" need no lookup. */
async function resolveHost(
  host: string,
  family: number,
  action: string,
): Promise<string> {
  const v6 = family === AF_INET6;
  if (host === "") return v6 ? "::" : "0.0.0.0";
  if (host === "<broadcast>") {
    if (!v6) return "255.255.255.255";
  } else if (host === "localhost") {
    return v6 ? "::1" : "127.0.0.1";
  } else if (IPV4_REGEXP.test(host)) {
    if (!v6) return host;
  } else if (host.includes(":")) {
    if (v6) return host.startsWith("[") ? host.slice(1, -1) : host;
  } else {
    try {
      return (await lookup(host, { family: v6 ? 6 : 4 }))[0]!.address;
    } catch (cause) {
      throw new gaierror(
        `Cannot ${action} as the name ${show(host)} cannot be resolved for ${
          familyName(family)
        }`,
        { cause },
      );
    }
  }
  throw new TypeError(
    `Cannot ${action} as host must be an ${
      v6 ? "IPv6" : "IPv4"
    } address or a name for ${familyName(family)}: current value is ${
      show(host)
    }`,
  );
}

interface NetTarget {
  hostname: string;
  port: number;
}

/** Checks an address's shape for the family, before any I/O. */
function checkAddress(
  address: unknown,
  family: number,
  action: string,
): { host: string; port: number } | string {
  if (family === AF_UNIX) {
    const path = address instanceof Uint8Array
      ? decoder.decode(address)
      : address;
    if (typeof path !== "string") {
      throw new TypeError(
        `Cannot ${action} as address must be a path string for AF_UNIX: current value is ${
          show(address)
        }`,
      );
    }
    if (path.length === 0) {
      throw new TypeError(
        `Cannot ${action} as address must be a non-empty path for AF_UNIX: current value is ""`,
      );
    }
    return path;
  }
  const v6 = family === AF_INET6;
  if (
    !Array.isArray(address) ||
    !(address.length === 2 || (v6 && address.length <= 4))
  ) {
    throw new TypeError(
      `Cannot ${action} as address must be a [host, port] array${
        v6 ? " (or [host, port, flowinfo, scopeId])" : ""
      } for ${familyName(family)}: current value is ${
        Array.isArray(address)
          ? `an array of ${address.length} items`
          : show(address)
      }`,
    );
  }
  const [host, port] = address as unknown[];
  if (typeof host !== "string") {
    throw new TypeError(
      `Cannot ${action} as host must be a string: current value is ${
        show(host)
      }`,
    );
  }
  validatePort(port, action);
  for (
    const [i, name, max] of [[2, "flowinfo", 0xfffff], [
      3,
      "scopeId",
      0xffffffff,
    ]] as const
  ) {
    if (address.length <= i) break;
    const value: unknown = address[i];
    if (typeof value !== "number" || !Number.isInteger(value)) {
      throw new TypeError(
        `Cannot ${action} as ${name} must be an integer: current value is ${
          show(value)
        }`,
      );
    }
    if (value < 0 || value > max) {
      throw new RangeError(
        `Cannot ${action} as ${name} must be an integer from 0 to ${max}: current value is ${value}`,
      );
    }
  }
  if (address.length === 4 && address[3] !== 0) {
    throw notSupported(
      action,
      `IPv6 scope ids are not supported by Deno: current value is ${
        show(address[3])
      }`,
    );
  }
  return { host, port: port as number };
}

async function netTarget(
  address: unknown,
  family: number,
  action: string,
): Promise<NetTarget> {
  const checked = checkAddress(address, family, action) as {
    host: string;
    port: number;
  };
  return {
    hostname: await resolveHost(checked.host, family, action),
    port: checked.port,
  };
}

function toAddress(addr: Deno.Addr, family: number): Address {
  if ("path" in addr) return addr.path ?? "";
  if (!("hostname" in addr)) return "";
  if (family === AF_INET6) return [addr.hostname, addr.port, 0, 0];
  return [addr.hostname, addr.port];
}

// ---- options ----

/** A value for {@linkcode Socket.setsockopt}: a number, a boolean, or `ip_mreq` bytes. */
export type OptionValue = number | boolean | Uint8Array;

function flagOf(value: unknown, name: string): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "number" && Number.isInteger(value)) return value !== 0;
  throw new TypeError(
    `Cannot setsockopt ${name} as value must be an integer or a boolean: current value is ${
      show(value)
    }`,
  );
}

/** Parses `ip_mreq` (8 bytes) or `ip_mreqn` (12 bytes) into group and interface. */
function membershipOf(value: unknown, name: string): [string, string] {
  if (
    !(value instanceof Uint8Array) ||
    (value.length !== 8 && value.length !== 12)
  ) {
    throw new TypeError(
      `Cannot setsockopt ${name} as value must be 8 bytes of ip_mreq (group, interface) or 12 of ip_mreqn: current value is ${
        show(value)
      }`,
    );
  }
  return [inet_ntoa(value.subarray(0, 4)), inet_ntoa(value.subarray(4, 8))];
}

// ---- the socket ----

type Handle =
  | { kind: "server"; server: stream.StreamServer }
  | { kind: "stream"; sock: stream.StreamSocket; accepted: boolean }
  | { kind: "udp"; sock: udp.UdpSocket }
  | { kind: "unixgram"; sock: unix.UnixDatagramSocket };

let defaultTimeout: number | null = null;

let adoptServer: (
  sock: Socket,
  server: stream.StreamServer,
  bound: { host: string; port: number },
) => void;
let adoptFfi: (ffi: FfiSocket) => Socket;
let adoptStream: (
  family: number,
  type: number,
  proto: number,
  sock: stream.StreamSocket,
  options: Map<string, number>,
) => Socket;

/**
 * A socket with Python's methods. Make one with {@linkcode socket} (or
 * `new Socket(family, type)`), {@linkcode create_connection} or
 * {@linkcode create_server}; `accept` returns connected ones.
 *
 * Until Deno creates the underlying socket (at `listen`, `connect`, or
 * `bind` on a datagram socket) the object records the family, type,
 * options, timeout and address it will be created with. `await using`
 * closes it.
 *
 * As with Python's threads, several tasks may call one socket at once:
 * receives (and accepts) take turns in the order they were called, each
 * within its own timeout, while sends queue their bytes in order.
 *
 * @example A UDP echo, as in the tutorials
 * ```ts
 * import * as socket from "@socketkit/socket/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
 * await server.bind(["127.0.0.1", 0]);
 * await using client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
 * await client.sendto("ping", server.getsockname());
 * const [data, from] = await server.recvfrom(1024);
 * await server.sendto(data, from);
 * const [reply] = await client.recvfrom(1024);
 * assert.equal(new TextDecoder().decode(reply), "ping");
 * ```
 *
 * @tags allow-net
 */
export class Socket implements AsyncDisposable {
  #family: number;
  #type: number;
  #proto: number;
  #ffi: FfiSocket | null = null;
  #timeout: number | null;
  #io: { timeout: number | null };
  #bound: { host: string; port: number } | string | null = null;
  /**
   * A TCP stream socket's listener, made by `bind` to hold the port as
   * Python's bind does (Deno has no bind without listen); `listen` makes
   * it the handle.
   */
  #reserved: tcp.TcpServer | null = null;
  /** The same for a Unix stream socket: its path is taken at `bind`. */
  #reservedUnix: stream.StreamServer | null = null;
  #handle: Handle | null = null;
  #connecting: Promise<void> | null = null;
  #connectError: Error | null = null;
  /** A non-blocking connect completed and no connect call has said so yet. */
  #connectUnreported = false;
  #options = new Map<string, number>();
  #memberships: [string, string][] = [];
  #closing: Promise<void> | null = null;
  /** An unbound Unix datagram socket being bound to send: see #unixgramToSend. */
  #autobinding: Promise<void> | null = null;
  /** Whether `shutdown(SHUT_RD)` or `SHUT_RDWR` was called: see #untilReadShut. */
  #readsShut = false;
  /** How to wake each receive or accept now waiting: see #untilReadShut. */
  #wakers = new Set<() => void>();
  /** Receives and accepts take turns: see #inTurn. */
  #turn = new Lock();
  /** Set by ssl.ts's wrap_socket: applied to each stream connected or accepted later. */
  #tlsUpgrade: TlsUpgrade | null = null;

  /**
   * Makes a socket; same as {@linkcode socket}.
   *
   * @param family `AF_INET` (default), `AF_INET6` or `AF_UNIX` (another
   * family is asked of the kernel through libc).
   * @param type `SOCK_STREAM` (default) or `SOCK_DGRAM`, or through libc
   * `SOCK_RAW` or `SOCK_SEQPACKET`; optionally ORed with `SOCK_NONBLOCK`
   * and `SOCK_CLOEXEC`.
   * @param proto `0`, or the protocol matching the type (`IPPROTO_ICMP`
   * and `IPPROTO_ICMPV6` for raw or ping sockets).
   */
  constructor(family: number = AF_INET, type: number = SOCK_STREAM, proto = 0) {
    for (
      const [name, value] of [["family", family], ["type", type], [
        "proto",
        proto,
      ]] as const
    ) {
      if (typeof value !== "number" || !Number.isInteger(value)) {
        throw new TypeError(
          `Cannot create socket as ${name} must be an integer: current value is ${
            show(value)
          }`,
        );
      }
    }
    // ---- libc-backed sockets: _socket_ffi.ts ----
    if (needsFfi(family, type, proto)) {
      this.#ffi = FfiSocket.open(family, type, proto, FFI_HELPERS);
      this.#family = family;
      this.#type = this.#ffi.type;
      this.#proto = proto;
      this.#timeout = (type & SOCK_NONBLOCK) !== 0 ? 0 : defaultTimeout;
      this.#io = { timeout: toMs(this.#timeout) };
      return;
    }
    // ---- end of libc-backed sockets ----
    if (family !== AF_INET && family !== AF_INET6 && family !== AF_UNIX) {
      throw notSupported(
        "create socket",
        `address family ${family} is not supported by Deno (AF_INET, AF_INET6 and AF_UNIX are)`,
      );
    }
    const base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (base !== SOCK_STREAM && base !== SOCK_DGRAM) {
      throw notSupported(
        "create socket",
        `socket type ${
          TYPE_NAMES[base] ?? base
        } is not supported by Deno (SOCK_STREAM and SOCK_DGRAM are)`,
      );
    }
    const expected = family === AF_UNIX
      ? 0
      : base === SOCK_STREAM
      ? IPPROTO_TCP
      : IPPROTO_UDP;
    if (proto !== 0 && proto !== expected) {
      throw notSupported(
        "create socket",
        `protocol ${proto} is not supported by Deno for ${familyName(family)} ${
          TYPE_NAMES[base]
        } (0${expected === 0 ? "" : ` or ${expected}`} is)`,
      );
    }
    this.#family = family;
    this.#type = base;
    this.#proto = proto;
    this.#timeout = (type & SOCK_NONBLOCK) !== 0 ? 0 : defaultTimeout;
    this.#io = { timeout: toMs(this.#timeout) };
  }

  static {
    adoptStream = (family, type, proto, sock, options) => {
      const s = new Socket(family, type, proto);
      s.#handle = { kind: "stream", sock, accepted: true };
      for (const [key, value] of options) s.#options.set(key, value);
      return s;
    };
    adoptFfi = (ffi) => {
      const s = new Socket();
      s.#ffi = ffi;
      s.#family = ffi.family;
      s.#type = ffi.type;
      s.#proto = ffi.proto;
      return s;
    };
    adoptServer = (sock, server, bound) => {
      sock.#handle = { kind: "server", server };
      sock.#bound = bound;
    };
    facadeHooks.startTls = async (socket, upgrade) => {
      const s = socket as Socket;
      s.#checkOpen("wrap_socket");
      const h = s.#handle;
      if (h?.kind === "stream") {
        try {
          s.#handle = { ...h, sock: await upgrade(h.sock, s.#io.timeout) };
        } catch (err) {
          // Python's wrap_socket detaches the socket it was given: after a
          // failed handshake that one is closed.
          await s.close();
          throw err;
        }
      } else {
        s.#tlsUpgrade = upgrade;
      }
    };
  }

  /** The address family: `AF_INET`, `AF_INET6` or `AF_UNIX`. */
  get family(): number {
    return this.#family;
  }

  /** The socket type: `SOCK_STREAM` or `SOCK_DGRAM`. */
  get type(): number {
    return this.#type;
  }

  /** The protocol given to the constructor (usually `0`). */
  get proto(): number {
    return this.#proto;
  }

  /** The timeout in seconds, `0` when non-blocking, `null` when blocking; as `gettimeout()`. */
  get timeout(): number | null {
    return this.#timeout;
  }

  /** Whether `close` was called. */
  get closed(): boolean {
    return this.#closing !== null;
  }

  #name(): string {
    return `${familyName(this.#family)} ${TYPE_NAMES[this.#type]} socket`;
  }

  #checkOpen(action: string): void {
    if (this.#closing !== null) {
      throw setCode(
        new Deno.errors.BadResource(`Cannot ${action}: the socket is closed`),
        "EBADF",
      );
    }
  }

  #isStream(): boolean {
    return this.#type === SOCK_STREAM;
  }

  /** The connected stream, or why there is none. */
  #stream(action: string): stream.StreamSocket {
    this.#checkOpen(action);
    const h = this.#handle;
    if (h?.kind === "stream") return h.sock;
    if (this.#connectError !== null) {
      const err = this.#connectError;
      this.#connectError = null;
      throw err;
    }
    if (this.#connecting !== null) {
      throw setCode(
        new BlockingIOError(
          `Cannot ${action}: the connection is still in progress and the socket is non-blocking`,
        ),
        "EAGAIN",
      );
    }
    throw setCode(
      new Deno.errors.NotConnected(
        `Cannot ${action}: the ${this.#name()} is not connected`,
      ),
      "ENOTCONN",
    );
  }

  /**
   * Binds the socket to an address. `["", port]` means every interface.
   *
   * On a TCP stream socket this holds the address as Python's bind does:
   * `getsockname()` answers the port chosen for port 0, and an address in
   * use raises `AddrInUse` here. Deno has no bind without listen, so the
   * listener is created now: a client connecting between `bind` and
   * `listen` is queued and accepted after `listen` (Python would refuse
   * it), or reset if `listen(backlog)` has to make the listener again with
   * a backlog. A Unix stream socket takes its path the same way: the file
   * exists from `bind` on, a path in use raises here, and closing the
   * socket removes the file (Python leaves it for the program to
   * remove).
   *
   * Requires `allow-net` permission.
   *
   * @param address `[host, port]`, or a path for `AF_UNIX`.
   * @throws {TypeError} If the address does not suit the family.
   * @throws {RangeError} If the port is outside 0–65535.
   * @throws {Deno.errors.AddrInUse} If the address is taken.
   * @throws {Deno.errors.NotSupported} If the socket is already bound.
   *
   * @example Bind a UDP socket to a free loopback port
   * ```ts
   * import * as socket from "@socketkit/socket/socket";
   * import assert from "node:assert/strict";
   *
   * await using s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
   * await s.bind(["127.0.0.1", 0]);
   * const [host, port] = s.getsockname() as socket.InetAddress;
   * assert.equal(host, "127.0.0.1");
   * assert.ok(port > 0);
   * ```
   *
   * @tags allow-net
   */
  async bind(address: Address): Promise<void> {
    if (this.#ffi !== null) return await this.#ffi.bind(address); // libc-backed
    this.#checkOpen("bind");
    const checked = checkAddress(address, this.#family, "bind");
    if (this.#bound !== null || this.#handle !== null || this.#connecting) {
      throw notSupported(
        "bind",
        `the ${this.#name()} is already bound or connected`,
      );
    }
    if (typeof checked !== "string") {
      checked.host = await resolveHost(checked.host, this.#family, "bind");
    }
    if (this.#isStream()) {
      if (typeof checked !== "string") {
        this.#reserved = this.#listenTcp("bind", checked.host, checked.port);
      } else {
        try {
          this.#reservedUnix = await unix.listen({ path: checked });
        } catch (err) {
          throw py(err);
        }
      }
      this.#bound = checked;
      return;
    }
    if (typeof checked === "string") {
      try {
        const sock = await unix.bind({ path: checked });
        this.#handle = { kind: "unixgram", sock };
      } catch (err) {
        throw py(err);
      }
      this.#bound = checked;
      return;
    }
    await this.#bindUdp(checked.host, checked.port);
    this.#bound = checked;
  }

  /** The options recorded before creation, as udp.bind takes them. */
  #udpOptions(): udp.BindOptions {
    const reuse = this.#options.get(`${SOL_SOCKET}/${SO_REUSEADDR}`);
    const broadcast = this.#options.get(`${SOL_SOCKET}/${SO_BROADCAST}`);
    const loop = this.#options.get(`${IPPROTO_IP}/${IP_MULTICAST_LOOP}`);
    return {
      ...(reuse !== undefined ? { reuseAddress: reuse !== 0 } : {}),
      ...(broadcast !== undefined ? { broadcast: broadcast !== 0 } : {}),
      ...(loop !== undefined ? { multicastLoopback: loop !== 0 } : {}),
    };
  }

  /** Applies what udp.bind cannot take: memberships, then the TTL (Deno sets it on a membership). */
  async #applyUdp(sock: udp.UdpSocket): Promise<void> {
    this.#handle = { kind: "udp", sock };
    for (const [group, iface] of this.#memberships) {
      await udp.joinMulticast(sock, group, iface);
    }
    const ttl = this.#options.get(`${IPPROTO_IP}/${IP_MULTICAST_TTL}`);
    if (ttl !== undefined) await udp.setMulticastTtl(sock, ttl);
  }

  async #bindUdp(hostname: string, port: number): Promise<udp.UdpSocket> {
    try {
      const sock = await udp.bind({ hostname, port, ...this.#udpOptions() });
      await this.#applyUdp(sock);
      return sock;
    } catch (err) {
      throw py(err);
    }
  }

  /** The UDP socket, bound implicitly to an ephemeral port as the system does. */
  async #udp(action: string): Promise<udp.UdpSocket> {
    this.#checkOpen(action);
    const h = this.#handle;
    if (h?.kind === "udp") return h.sock;
    return await this.#bindUdp(
      this.#family === AF_INET6 ? "::" : "0.0.0.0",
      0,
    );
  }

  /**
   * Starts listening at the address given to `bind` (every interface and a
   * free port if `bind` was not called, as the system does). Deno sets a
   * listener's backlog when it creates it, at `bind`: with a `backlog`,
   * the listener is made again on the same address with it (a connection
   * queued since `bind` is then reset); without, Deno's 511 stays.
   *
   * Requires `allow-net` permission.
   *
   * @param backlog How many connections may wait for `accept` (Deno's
   * default, 511, when omitted).
   * @throws {RangeError} If the backlog is negative.
   * @throws {Deno.errors.AddrInUse} If the address is taken.
   * @throws {Deno.errors.NotSupported} On a datagram socket, when already
   * listening or connected, or when `SO_REUSEADDR` was cleared (Deno always
   * sets it on TCP listeners).
   *
   * @example Listen, then read the port the system chose
   * ```ts
   * import * as socket from "@socketkit/socket/socket";
   * import assert from "node:assert/strict";
   *
   * await using s = socket.socket();
   * await s.bind(["127.0.0.1", 0]);
   * await s.listen(5);
   * assert.ok((s.getsockname() as socket.InetAddress)[1] > 0);
   * ```
   *
   * @tags allow-net
   */
  listen(backlog?: number): Promise<void> {
    if (this.#ffi !== null) return this.#ffi.listen(backlog); // libc-backed
    try {
      this.#checkOpen("listen");
      if (
        backlog !== undefined &&
        (typeof backlog !== "number" || !Number.isInteger(backlog))
      ) {
        throw new TypeError(
          `Cannot listen as backlog must be an integer: current value is ${
            show(backlog)
          }`,
        );
      }
      if (!this.#isStream()) {
        throw notSupported(
          "listen",
          `a ${this.#name()} does not accept connections`,
        );
      }
      if (this.#handle !== null || this.#connecting !== null) {
        throw notSupported(
          "listen",
          `the ${this.#name()} is already ${
            this.#handle?.kind === "server" ? "listening" : "connected"
          } (Deno cannot change a listener's backlog)`,
        );
      }
      // Python clamps a negative backlog to 0.
      const queue = backlog === undefined ? undefined : Math.max(0, backlog);
      if (this.#family === AF_UNIX) {
        if (typeof this.#bound !== "string") {
          throw notSupported(
            "listen",
            "an AF_UNIX socket must be bound to a path first (Deno has no autobind)",
          );
        }
        const server = this.#reservedUnix;
        if (server === null) return this.#listenUnix(this.#bound);
        this.#reservedUnix = null;
        this.#handle = { kind: "server", server };
        return Promise.resolve();
      }
      const reserved = this.#reserved;
      if (reserved !== null && queue !== undefined) {
        // Deno sets the backlog when it creates the listener, at bind: make
        // it again with this one, on the same address.
        this.#reserved = null;
        return this.#relisten(reserved, queue);
      }
      if (reserved !== null) {
        this.#reserved = null;
        this.#handle = { kind: "server", server: reserved };
        return Promise.resolve();
      }
      const server = this.#listenTcp(
        "listen",
        this.#family === AF_INET6 ? "::" : "0.0.0.0",
        0,
        queue,
      );
      this.#handle = { kind: "server", server };
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(py(err));
    }
  }

  /** Creates the TCP listener, with the options recorded so far. */
  #listenTcp(
    action: string,
    hostname: string,
    port: number,
    backlog?: number,
  ): tcp.TcpServer {
    if (this.#options.get(`${SOL_SOCKET}/${SO_REUSEADDR}`) === 0) {
      throw notSupported(
        `${action} with SO_REUSEADDR cleared`,
        "Deno always sets SO_REUSEADDR on TCP listeners",
      );
    }
    try {
      // Deno cannot set IPV6_V6ONLY: the core closes IPv4 clients instead.
      const v6only = hostname === "::" &&
        this.#options.get(`${IPPROTO_IPV6}/${IPV6_V6ONLY}`) === 1;
      return listenTcp({
        hostname,
        port,
        ...(v6only ? { ipv6Only: true } : {}),
        reusePort: this.#options.get(`${SOL_SOCKET}/${SO_REUSEPORT}`) === 1,
        ...(backlog !== undefined ? { backlog } : {}),
      });
    } catch (err) {
      throw py(err);
    }
  }

  async #relisten(reserved: tcp.TcpServer, backlog: number): Promise<void> {
    const { hostname, port } = reserved.addr;
    await tcp.close(reserved);
    try {
      const server = this.#listenTcp("listen", hostname, port, backlog);
      this.#handle = { kind: "server", server };
    } catch (err) {
      throw py(err);
    }
  }

  async #listenUnix(path: string): Promise<void> {
    try {
      const server = await unix.listen({ path });
      this.#handle = { kind: "server", server };
    } catch (err) {
      throw py(err);
    }
  }

  /**
   * Waits for a connection and resolves to `[conn, address]`: a new
   * connected socket and the peer's address (`""` for an unnamed Unix
   * peer). The new socket is blocking (or has the default timeout), and
   * inherits `SO_KEEPALIVE` and `TCP_NODELAY` set on the listener, as on
   * Linux.
   *
   * Requires `allow-net` permission.
   *
   * @returns The connection and the peer's address.
   * @throws {TimeoutError} If no connection arrives within the timeout.
   * @throws {BlockingIOError} If the socket is non-blocking and none is waiting.
   * @throws {Deno.errors.BadResource} If the socket is not listening or is closed.
   * @throws {Deno.errors.NotSupported} On a datagram socket.
   *
   * @example Accept one connection
   * ```ts
   * import * as socket from "@socketkit/socket/socket";
   * import assert from "node:assert/strict";
   *
   * await using server = socket.create_server(["127.0.0.1", 0]);
   * await using client = await socket.create_connection(server.getsockname() as socket.InetAddress);
   * const [conn, addr] = await server.accept();
   * await using _conn = conn;
   * assert.deepEqual(addr, client.getsockname());
   * ```
   *
   * @tags allow-net
   */
  async accept(): Promise<[Socket, Address]> {
    if (this.#ffi !== null) { // libc-backed
      const [conn, addr] = await this.#ffi.accept(this.#io);
      return [adoptFfi(conn), addr];
    }
    this.#checkOpen("accept");
    const h = this.#handle;
    if (h?.kind !== "server") {
      if (!this.#isStream()) {
        throw notSupported("accept", `a ${this.#name()} has no connections`);
      }
      throw new Deno.errors.BadResource(
        `Cannot accept as the ${this.#name()} is not listening: call listen first`,
      );
    }
    let sock: stream.StreamSocket;
    try {
      const got = this.#readsShut ? SHUT : await this.#untilReadShut(
        this.#inTurn("accept", (io) => stream.accept(h.server, io)),
        (late) => late.then((sock) => stream.close(sock)).catch(() => {}),
      );
      if (got === SHUT) {
        throw setCode(
          new Error(
            `Cannot accept: the ${this.#name()} was shut down for reading`,
          ),
          "EINVAL",
        );
      }
      sock = got;
    } catch (err) {
      throw py(err);
    }
    const options = new Map(this.#options);
    if (this.#family !== AF_UNIX) {
      // Linux copies these from the listener, which Deno created with SO_REUSEADDR.
      options.set(`${SOL_SOCKET}/${SO_REUSEADDR}`, 1);
      const conn = sock.conn as Deno.TcpConn;
      const keepAlive = options.get(`${SOL_SOCKET}/${SO_KEEPALIVE}`);
      if (keepAlive !== undefined) conn.setKeepAlive(keepAlive !== 0);
      const noDelay = options.get(`${IPPROTO_TCP}/${TCP_NODELAY}`);
      if (noDelay !== undefined) conn.setNoDelay(noDelay !== 0);
    }
    if (this.#tlsUpgrade !== null) {
      try {
        sock = await this.#tlsUpgrade(sock, this.#io.timeout);
      } catch (err) {
        throw py(err);
      }
    }
    const conn = adoptStream(
      this.#family,
      this.#type,
      this.#proto,
      sock,
      options,
    );
    return [conn, toAddress(sock.remoteAddr, this.#family)];
  }

  /**
   * Connects to `address`. For a stream socket this is when Deno creates
   * it, within the socket's timeout. A non-blocking socket (timeout 0)
   * starts connecting and raises {@linkcode BlockingIOError} (`code`
   * `"EINPROGRESS"`) at once, as Python does; other calls raise it too
   * until the connection is made, or raise its error. As on Linux, a
   * second `connect` meanwhile raises `BlockingIOError` with `code`
   * `"EALREADY"`, the first after the connection is made resolves, later
   * ones raise `EISCONN`, and one after a failed attempt raises that
   * failure once (as `getsockopt(SOL_SOCKET, SO_ERROR)` reports it too).
   *
   * A UDP socket gets a default peer for `send` and `recv`; one already
   * bound (by `bind`, `sendto` or an earlier `connect`) keeps its address
   * but is opened again, as Deno fixes the peer at opening, so datagrams
   * that had arrived and were not yet received are dropped. Deno's UDP
   * sockets are not connected in the kernel, so an ICMP "port
   * unreachable" from the peer is not reported: where Python's `recv`
   * raises `ConnectionRefusedError`, this one waits (use a timeout).
   *
   * Requires `allow-net` permission.
   *
   * @param address `[host, port]` (`"localhost"` works), or a path for `AF_UNIX`.
   * @throws {Deno.errors.ConnectionRefused} If nothing listens there (port
   * 0 included, as on Linux).
   * @throws {TimeoutError} If the connection is not made in time.
   * @throws {gaierror} If the host name cannot be resolved.
   * @throws {Error} With `code` `"EISCONN"` (Python's `OSError` 106) if
   * the socket is already connected or listening.
   * @throws {Deno.errors.NotSupported} After `bind` on a stream socket to
   * an address other than every interface and port 0 (Deno cannot choose
   * the local address of an outgoing connection), or on a Unix datagram
   * socket.
   *
   * @example Connect with a timeout
   * ```ts
   * import * as socket from "@socketkit/socket/socket";
   * import assert from "node:assert/strict";
   *
   * await using server = socket.create_server(["127.0.0.1", 0]);
   * await using client = socket.socket();
   * client.settimeout(5);
   * await client.connect(server.getsockname());
   * assert.deepEqual(client.getpeername(), server.getsockname());
   * ```
   *
   * @tags allow-net
   */
  async connect(address: Address): Promise<void> {
    if (this.#ffi !== null) return await this.#ffi.connect(address, this.#io); // libc-backed
    this.#checkOpen("connect");
    const checked = checkAddress(address, this.#family, "connect");
    if (this.#connectError !== null) {
      // A non-blocking connect failed: Linux reports it to the next call
      // once (as SO_ERROR), and a later connect starts again.
      const err = this.#connectError;
      this.#connectError = null;
      throw err;
    }
    const h = this.#handle;
    if (h?.kind === "udp") return await this.#reconnectUdp(h.sock, address);
    if (h?.kind === "stream" && this.#connectUnreported) {
      // Linux answers the first connect after a non-blocking one completed
      // with success, and later ones with EISCONN.
      this.#connectUnreported = false;
      return;
    }
    if (h !== null || this.#connecting !== null) {
      if (h?.kind === "stream" || h?.kind === "server") {
        throw setCode(
          new Error(
            `Cannot connect: the ${this.#name()} is already ${
              h.kind === "server" ? "listening" : "connected"
            }`,
          ),
          "EISCONN",
        );
      }
      if (this.#connecting !== null) {
        throw setCode(
          new BlockingIOError(
            `Cannot connect: the connection is already in progress`,
          ),
          "EALREADY",
        );
      }
      throw notSupported(
        "connect",
        "Deno has no connected Unix datagram sockets (use sendto)",
      );
    }
    if (this.#family === AF_UNIX) {
      if (!this.#isStream()) {
        throw notSupported(
          "connect",
          "Deno has no connected Unix datagram sockets (use sendto)",
        );
      }
      this.#checkNoBind();
      try {
        const sock = await unix.connect(checked as string, this.#io);
        this.#handle = { kind: "stream", sock, accepted: false };
      } catch (err) {
        throw py(err);
      }
      return;
    }
    const target = await netTarget(address, this.#family, "connect");
    if (!this.#isStream()) {
      try {
        const sock = await udp.connect(target, this.#udpOptions());
        await this.#applyUdp(sock);
      } catch (err) {
        throw py(err);
      }
      return;
    }
    this.#checkNoBind();
    if (target.port === 0) {
      // Linux refuses it (Deno's connect calls it out of range).
      throw setCode(
        new Deno.errors.ConnectionRefused(
          `Cannot connect to ${target.hostname}:0: connection refused (nothing listens on port 0)`,
        ),
        "ECONNREFUSED",
      );
    }
    if (this.#reserved !== null) {
      // bind(("", 0)) made a listener to hold a port; a connection takes
      // its own, so it goes (Python's socket would never listen).
      const reserved = this.#reserved;
      this.#reserved = null;
      this.#bound = null;
      await tcp.close(reserved);
    }
    if (this.#timeout === 0) {
      this.#connecting = this.#connectTcp(target, null).then(
        () => {
          this.#connecting = null;
          this.#connectUnreported = true;
        },
        (err) => {
          this.#connecting = null;
          this.#connectError = py(err) as Error;
        },
      );
      throw setCode(
        new BlockingIOError(
          `Cannot connect to ${target.hostname}:${target.port}: the connection is in progress and the socket is non-blocking`,
        ),
        "EINPROGRESS",
      );
    }
    await this.#connectTcp(target, this.#io.timeout);
  }

  /**
   * Gives a bound UDP socket a (new) default peer, as Python's `connect`
   * does: Deno fixes the peer when it opens the socket, so the socket is
   * opened again on the same local address. Datagrams that had arrived
   * and were not yet received are dropped with the old one.
   */
  async #reconnectUdp(old: udp.UdpSocket, address: Address): Promise<void> {
    const target = await netTarget(address, this.#family, "connect");
    const { hostname, port } = old.localAddr;
    this.#handle = null;
    try {
      await udp.close(old);
      const sock = await udp.connect(target, {
        ...this.#udpOptions(),
        hostname,
        port,
      });
      await this.#applyUdp(sock);
    } catch (err) {
      throw py(err);
    }
  }

  #checkNoBind(): void {
    const bound = this.#bound;
    if (bound === null) return;
    if (
      typeof bound !== "string" && bound.port === 0 &&
      (bound.host === "0.0.0.0" || bound.host === "::")
    ) {
      return; // Same as not binding: any interface, any port.
    }
    throw notSupported(
      "connect after bind",
      "Deno cannot choose the local address of an outgoing stream connection",
    );
  }

  async #connectTcp(target: NetTarget, ms: number | null): Promise<void> {
    let sock: tcp.TcpSocket;
    try {
      sock = await tcp.connect(target, ms === null ? {} : { timeout: ms });
    } catch (err) {
      throw py(err);
    }
    if (this.#closing !== null) {
      await stream.close(sock);
      return;
    }
    const keepAlive = this.#options.get(`${SOL_SOCKET}/${SO_KEEPALIVE}`);
    if (keepAlive !== undefined) tcp.setKeepAlive(sock, keepAlive !== 0);
    const noDelay = this.#options.get(`${IPPROTO_TCP}/${TCP_NODELAY}`);
    if (noDelay !== undefined) tcp.setNoDelay(sock, noDelay !== 0);
    if (this.#tlsUpgrade !== null) {
      try {
        sock = await this.#tlsUpgrade(sock, ms) as tcp.TcpSocket;
      } catch (err) {
        throw py(err);
      }
    }
    this.#handle = { kind: "stream", sock, accepted: false };
  }

  /**
   * Like {@linkcode Socket.connect}, but resolves to an error number
   * instead of raising: `0` on success, else the Linux `errno` (111
   * connection refused, 11 timed out as Python reports it, 115 in progress
   * on a non-blocking socket, 114 still in progress on a later call, 106
   * already connected, 113 unreachable, 99 address not available). As on
   * Linux, a non-blocking socket's later calls answer 114 until the
   * connection is made, then `0` once, then 106; a failed attempt answers
   * its error once (111), and the call after that starts again. Argument
   * errors, {@linkcode gaierror} and unsupported calls still raise.
   *
   * Requires `allow-net` permission.
   *
   * @param address `[host, port]`, or a path for `AF_UNIX`.
   * @returns `0` or the error number.
   *
   * @example Probe a closed port
   * ```ts
   * import * as socket from "@socketkit/socket/socket";
   * import assert from "node:assert/strict";
   *
   * const server = socket.create_server(["127.0.0.1", 0]);
   * const address = server.getsockname();
   * await server.close();
   * await using s = socket.socket();
   * assert.equal(await s.connect_ex(address), 111);
   * ```
   *
   * @tags allow-net
   */
  async connect_ex(address: Address): Promise<number> {
    if (this.#ffi !== null) {
      return await this.#ffi.connect_ex(address, this.#io); // libc-backed
    }
    try {
      await this.connect(address);
      return 0;
    } catch (err) {
      const code = errnoOf(err);
      if (code === undefined) throw err;
      return code;
    }
  }

  /**
   * Sends once and resolves to the number of bytes sent, which may be fewer
   * than given (use {@linkcode Socket.sendall} to send everything).
   *
   * Requires `allow-net` permission.
   *
   * @param data Bytes, or a string sent as UTF-8.
   * @param flags Must be `0`: Deno has no send flags.
   * @returns The number of bytes sent.
   * @throws {Deno.errors.NotConnected} If the socket is not connected.
   * @throws {Deno.errors.BrokenPipe} If the peer is gone.
   * @throws {TimeoutError} If the peer does not take the data in time.
   * @throws {Deno.errors.InvalidData} If an earlier `sendall` was cut short
   * (see {@linkcode Socket.sendall}).
   *
   * @example Send and count
   * ```ts
   * import * as socket from "@socketkit/socket/socket";
   * import assert from "node:assert/strict";
   *
   * await using server = socket.create_server(["127.0.0.1", 0]);
   * await using client = await socket.create_connection(server.getsockname() as socket.InetAddress);
   * const [conn] = await server.accept();
   * await using _conn = conn;
   * assert.equal(await client.send("hello"), 5);
   * ```
   *
   * @tags allow-net
   */
  async send(data: Uint8Array | string, flags = 0): Promise<number> {
    if (this.#ffi !== null) return await this.#ffi.send(data, flags, this.#io); // libc-backed
    checkFlags(flags, "send");
    try {
      if (!this.#isStream() && this.#family !== AF_UNIX) {
        const sock = this.#connectedUdp("send");
        return await udp.send(sock, data, this.#io);
      }
      return await stream.send(this.#stream("send"), data, this.#io);
    } catch (err) {
      throw py(err);
    }
  }

  /** The next datagram: from the peer if connected, else from anyone. */
  async #recvDatagram(action: string): Promise<Uint8Array> {
    if (this.#family === AF_UNIX) {
      const sock = this.#unixgram(action);
      return await this.#inTurn(
        action,
        async (io) => (await unix.recvFrom(sock, io))[0],
      );
    }
    const sock = await this.#udp(action);
    return await this.#inTurn(
      action,
      async (io) =>
        sock.remoteAddr !== null
          ? await udp.recv(sock, io)
          : (await udp.recvFrom(sock, io))[0],
    );
  }

  /**
   * Resolves as `op` does, or to `SHUT` once `shutdown` stops reading (as
   * Linux wakes a thread blocked in `recv` or `accept`); `abandon` then
   * takes care of `op`'s late result.
   */
  #untilReadShut<T>(
    op: Promise<T>,
    abandon: (late: Promise<T>) => void,
  ): Promise<T | typeof SHUT> {
    // A waker per call, dropped when the call settles (racing one
    // long-lived promise would keep a reaction per call for ever).
    return new Promise((resolve, reject) => {
      const wake = () => {
        resolve(SHUT);
        abandon(op);
      };
      this.#wakers.add(wake);
      op.then((value) => {
        this.#wakers.delete(wake);
        resolve(value);
      }, (err) => {
        this.#wakers.delete(wake);
        reject(err);
      });
    });
  }

  /**
   * Runs a receive or an accept when the ones started before it have
   * settled, as threads blocked on one socket are served in turn: the
   * core takes one at a time. A call that has to wait spends its own
   * timeout waiting, and a non-blocking one raises `BlockingIOError` at
   * once.
   */
  async #inTurn<T>(
    action: string,
    run: (io: { timeout: number | null }) => Promise<T>,
  ): Promise<T> {
    let io = this.#io;
    if (!this.#turn.held) {
      this.#turn.acquire(null);
    } else {
      const ms = io.timeout;
      if (ms === 0) {
        throw setCode(
          new BlockingIOError(
            `Cannot ${action}: another ${action} is waiting and the socket is non-blocking`,
          ),
          "EAGAIN",
        );
      }
      const start = performance.now();
      const deadline = ms === null
        ? null
        : new Deadline(ms, undefined, () => `${action} after the one before`);
      try {
        await this.#turn.acquire(deadline);
      } catch (err) {
        throw py(err);
      } finally {
        deadline?.dispose();
      }
      if (ms !== null) {
        io = { timeout: Math.max(1, ms - (performance.now() - start)) };
      }
    }
    try {
      return await run(io);
    } finally {
      this.#turn.release();
    }
  }

  #connectedUdp(action: string): udp.UdpSocket {
    this.#checkOpen(action);
    const h = this.#handle;
    if (h?.kind === "udp" && h.sock.remoteAddr !== null) return h.sock;
    throw setCode(
      new Deno.errors.NotConnected(
        `Cannot ${action}: the ${this.#name()} has no default peer (call connect, or use sendto and recvfrom)`,
      ),
      "EDESTADDRREQ",
    );
  }

  /**
   * Sends every byte of `data`, or raises. Within a timeout, the whole
   * call is bounded, as in Python 3.5 and later.
   *
   * Unlike Python, a stream socket whose `sendall` ran out of time (or,
   * non-blocking, would block) after sending part of `data` refuses every
   * later send with `Deno.errors.InvalidData`, since the peer would take
   * the next bytes as the rest of the cut message; `shutdown` and `close`
   * still work.
   *
   * Requires `allow-net` permission.
   *
   * @param data Bytes, or a string sent as UTF-8.
   * @param flags Must be `0`.
   * @throws {Deno.errors.NotConnected} If the socket is not connected.
   * @throws {Deno.errors.BrokenPipe} If the peer is gone.
   * @throws {TimeoutError} If the peer does not take the data in time.
   * @throws {BlockingIOError} If the socket is non-blocking and the data
   * does not all fit at once.
   * @throws {Deno.errors.InvalidData} If an earlier `sendall` was cut short.
   *
   * @example Send a large buffer
   * ```ts
   * import * as socket from "@socketkit/socket/socket";
   * import assert from "node:assert/strict";
   *
   * await using server = socket.create_server(["127.0.0.1", 0]);
   * await using client = await socket.create_connection(server.getsockname() as socket.InetAddress);
   * const [conn] = await server.accept();
   * await using _conn = conn;
   * const sending = client.sendall(new Uint8Array(200_000));
   * let got = 0;
   * while (got < 200_000) got += (await conn.recv(65536)).length;
   * await sending;
   * assert.equal(got, 200_000);
   * ```
   *
   * @tags allow-net
   */
  async sendall(data: Uint8Array | string, flags = 0): Promise<void> {
    if (this.#ffi !== null) {
      return await this.#ffi.sendall(data, flags, this.#io); // libc-backed
    }
    checkFlags(flags, "sendall");
    try {
      if (!this.#isStream() && this.#family !== AF_UNIX) {
        await udp.send(this.#connectedUdp("sendall"), data, this.#io);
        return;
      }
      await stream.sendAll(this.#stream("sendall"), data, this.#io);
    } catch (err) {
      throw py(err);
    }
  }

  /**
   * Receives up to `bufsize` bytes. Resolves to an empty `Uint8Array` at end
   * of stream, as Python returns `b""`. On a datagram socket it takes the
   * next datagram, from the peer when connected, else from anyone (as
   * `recvfrom` without the address); one longer than `bufsize` is
   * truncated, as the system does. The bytes are an array of their own, as
   * Python's `bytes` are: `new DataView(data.buffer)` reads them from the
   * start (the core's `recv` may hand out views into a shared buffer).
   *
   * Requires `allow-net` permission.
   *
   * @param bufsize The most bytes to return (`0` resolves to empty at once,
   * as in Python, whatever the socket's state, and takes no datagram).
   * @param flags Must be `0`: Deno has no receive flags (`MSG_PEEK`, ...).
   * @returns The bytes; empty once the peer has finished sending.
   * @throws {RangeError} If `bufsize` is negative or not an integer.
   * @throws {TimeoutError} If nothing arrives within the timeout; the bytes
   * that arrive later are kept for the next call.
   * @throws {BlockingIOError} If the socket is non-blocking and nothing is ready.
   * @throws {Deno.errors.ConnectionReset} If the peer reset the connection.
   *
   * @example Read until the peer closes
   * ```ts
   * import * as socket from "@socketkit/socket/socket";
   * import assert from "node:assert/strict";
   *
   * await using server = socket.create_server(["127.0.0.1", 0]);
   * await using client = await socket.create_connection(server.getsockname() as socket.InetAddress);
   * const [conn] = await server.accept();
   * await conn.sendall("bye");
   * await conn.close();
   * assert.equal((await client.recv(1024)).length, 3);
   * assert.equal((await client.recv(1024)).length, 0);
   * ```
   *
   * @tags allow-net
   */
  async recv(bufsize: number, flags = 0): Promise<Uint8Array> {
    if (this.#ffi !== null) {
      return await this.#ffi.recv(bufsize, flags, this.#io); // libc-backed
    }
    checkBufsize(bufsize, "recv");
    checkFlags(flags, "recv");
    // Python answers b"" without asking the system, whatever the state.
    if (bufsize === 0) return new Uint8Array(0);
    try {
      if (!this.#isStream()) {
        // A datagram socket without a peer takes the next datagram from
        // anyone, as the system does.
        const data = await this.#recvDatagram("recv");
        return own(data.length > bufsize ? data.subarray(0, bufsize) : data);
      }
      const sock = this.#stream("recv");
      try {
        if (this.#readsShut) return new Uint8Array(0);
        const data = await this.#untilReadShut(
          this.#inTurn("recv", (io) => stream.recv(sock, bufsize, io)),
          (late) => late.catch(() => {}),
        );
        return data === null || data === SHUT ? new Uint8Array(0) : own(data);
      } catch (err) {
        // A TLS peer that left without close_notify (Python's own close()
        // sends none): Python's recv answers b"", as wrap_socket's
        // suppress_ragged_eofs is true by default. Plain streams never
        // raise this from recv.
        if (err instanceof Deno.errors.UnexpectedEof) return new Uint8Array(0);
        throw err;
      }
    } catch (err) {
      throw py(err);
    }
  }

  /**
   * Receives into `buffer` and resolves to the number of bytes written
   * there (`0` at end of stream), as Python's `recv_into`.
   *
   * Requires `allow-net` permission.
   *
   * @param buffer Where to put the bytes.
   * @param nbytes The most bytes to receive; `0` (default) means the buffer's length.
   * @param flags Must be `0`.
   * @returns How many bytes were written to `buffer`.
   * @throws {RangeError} If `nbytes` is negative or larger than the buffer.
   *
   * @example Fill a buffer
   * ```ts
   * import * as socket from "@socketkit/socket/socket";
   * import assert from "node:assert/strict";
   *
   * await using server = socket.create_server(["127.0.0.1", 0]);
   * await using client = await socket.create_connection(server.getsockname() as socket.InetAddress);
   * const [conn] = await server.accept();
   * await using _conn = conn;
   * await conn.sendall("abc");
   * const buf = new Uint8Array(8);
   * assert.equal(await client.recv_into(buf), 3);
   * assert.equal(buf[0], 97);
   * ```
   *
   * @tags allow-net
   */
  async recv_into(
    buffer: Uint8Array,
    nbytes = 0,
    flags = 0,
  ): Promise<number> {
    if (this.#ffi !== null) { // libc-backed
      return await this.#ffi.recv_into(buffer, nbytes, flags, this.#io);
    }
    if (!(buffer instanceof Uint8Array)) {
      throw new TypeError(
        `Cannot recv_into as buffer must be a Uint8Array: current value is ${
          show(buffer)
        }`,
      );
    }
    checkBufsize(nbytes, "recv_into", "nbytes");
    if (nbytes > buffer.length) {
      throw new RangeError(
        `Cannot recv_into as nbytes must not exceed the buffer length ${buffer.length}: current value is ${nbytes}`,
      );
    }
    const data = await this.recv(nbytes === 0 ? buffer.length : nbytes, flags);
    buffer.set(data);
    return data.length;
  }

  /**
   * Sends a datagram to `address` and resolves to the number of bytes
   * sent. An unbound socket is first bound to a free port on every
   * interface, as the system does. Python's three-argument form
   * `sendto(data, flags, address)` is accepted with flags `0`.
   *
   * An unbound `AF_UNIX` datagram socket (Linux) is first bound to a fresh
   * abstract name, `"\0socketkit-…"`, since Deno opens Unix datagram
   * sockets bound only: the receiver sees that name where Python's would
   * see `None`, and can answer to it; `bind` is refused afterwards.
   *
   * On an `AF_UNIX` socket a send waits while the receiver's queue is full,
   * for the `settimeout` time at most; a send that timed out may still be
   * delivered once the receiver makes room, and the socket's next send
   * waits for it (Deno cannot take a send back).
   *
   * Requires `allow-net` permission.
   *
   * @param data Bytes, or a string sent as UTF-8.
   * @param flagsOrAddress The address, or `0` followed by the address.
   * @param address The address, in the three-argument form.
   * @returns The number of bytes sent.
   * @throws {RangeError} If the datagram is larger than UDP allows.
   * @throws {TimeoutError} If an `AF_UNIX` receiver's queue stays full past the timeout.
   * @throws {BlockingIOError} If an `AF_UNIX` receiver's queue is full and the socket is non-blocking.
   * @throws {Deno.errors.NotSupported} On a stream socket.
   *
   * @example Send to a UDP server
   * ```ts
   * import * as socket from "@socketkit/socket/socket";
   * import assert from "node:assert/strict";
   *
   * await using server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
   * await server.bind(["127.0.0.1", 0]);
   * await using client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
   * assert.equal(await client.sendto("hi", server.getsockname()), 2);
   * const [data] = await server.recvfrom(1024);
   * assert.equal(new TextDecoder().decode(data), "hi");
   * ```
   *
   * @tags allow-net
   */
  async sendto(
    data: Uint8Array | string,
    flagsOrAddress: Address | number,
    address?: Address,
  ): Promise<number> {
    if (this.#ffi !== null) { // libc-backed
      const to = address ?? flagsOrAddress as Address;
      return await this.#ffi.sendto(data, to, this.#io);
    }
    let target: unknown = flagsOrAddress;
    if (address !== undefined) {
      checkFlags(flagsOrAddress, "sendto");
      target = address;
    }
    this.#checkOpen("sendto");
    if (this.#isStream()) {
      throw notSupported(
        "sendto",
        `a ${this.#name()} is connected to one peer (use send or sendall)`,
      );
    }
    try {
      if (this.#family === AF_UNIX) {
        const path = checkAddress(target, AF_UNIX, "sendto") as string;
        return await unix.sendTo(
          await this.#unixgramToSend(),
          data,
          path,
          this.#io,
        );
      }
      const to = await netTarget(target, this.#family, "sendto");
      return await udp.sendTo(await this.#udp("sendto"), data, to);
    } catch (err) {
      throw py(err);
    }
  }

  /**
   * The Unix datagram socket to send from. An unbound one is bound first to
   * a fresh abstract name (Linux): Python sends from an unbound socket, as
   * a syslog client does, and Deno opens Unix datagram sockets bound only.
   */
  async #unixgramToSend(): Promise<unix.UnixDatagramSocket> {
    this.#checkOpen("sendto");
    const h = this.#handle;
    if (h?.kind === "unixgram") return h.sock;
    if (Deno.build.os !== "linux" || this.#bound !== null) {
      return this.#unixgram("sendto");
    }
    this.#autobinding ??= (async () => {
      const sock = await unix.bind({
        path: `\0socketkit-${crypto.randomUUID()}`,
      });
      if (this.#closing !== null) {
        await unix.close(sock);
      } else {
        this.#handle = { kind: "unixgram", sock };
      }
    })().finally(() => {
      this.#autobinding = null;
    });
    await this.#autobinding;
    return this.#unixgram("sendto");
  }

  #unixgram(action: string): unix.UnixDatagramSocket {
    this.#checkOpen(action);
    const h = this.#handle;
    if (h?.kind === "unixgram") return h.sock;
    throw notSupported(
      action,
      "the core opens Unix datagram sockets bound to a path only: bind it first",
    );
  }

  /**
   * Receives one datagram and resolves to `[bytes, address]`: Python's
   * `recvfrom`. A datagram longer than `bufsize` is truncated, as the
   * system does. An unbound UDP socket is first bound to a free port.
   *
   * Requires `allow-net` permission.
   *
   * @param bufsize The most bytes to return.
   * @param flags Must be `0`.
   * @returns The bytes and the sender's address.
   * @throws {TimeoutError} If no datagram arrives within the timeout.
   * @throws {BlockingIOError} If the socket is non-blocking and none is waiting.
   * @throws {Deno.errors.NotSupported} On a stream socket (Python returns
   * `(data, None)` there: use `recv`).
   *
   * @example Receive with a timeout
   * ```ts
   * import * as socket from "@socketkit/socket/socket";
   * import assert from "node:assert/strict";
   *
   * await using s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
   * await s.bind(["127.0.0.1", 0]);
   * s.settimeout(0.05);
   * await assert.rejects(s.recvfrom(1024), socket.TimeoutError);
   * ```
   *
   * @tags allow-net
   */
  async recvfrom(bufsize: number, flags = 0): Promise<[Uint8Array, Address]> {
    if (this.#ffi !== null) {
      return await this.#ffi.recvfrom(bufsize, flags, this.#io); // libc-backed
    }
    checkBufsize(bufsize, "recvfrom");
    checkFlags(flags, "recvfrom");
    this.#checkOpen("recvfrom");
    if (this.#isStream()) {
      throw notSupported(
        "recvfrom",
        `a ${this.#name()} has one peer (use recv and getpeername)`,
      );
    }
    try {
      const sock = this.#family === AF_UNIX
        ? this.#unixgram("recvfrom")
        : await this.#udp("recvfrom");
      const [data, from] = await this.#inTurn<[Uint8Array, Deno.Addr]>(
        "recvfrom",
        (io) =>
          sock instanceof unix.UnixDatagramSocket
            ? unix.recvFrom(sock, io)
            : udp.recvFrom(sock, io),
      );
      return [
        own(data.length > bufsize ? data.subarray(0, bufsize) : data),
        toAddress(from, this.#family),
      ];
    } catch (err) {
      throw py(err);
    }
  }

  /**
   * Receives one datagram into `buffer` and resolves to `[nbytes,
   * address]`, as Python's `recvfrom_into`; a datagram longer than the
   * room is truncated.
   *
   * Requires `allow-net` permission.
   *
   * @param buffer Where to put the bytes.
   * @param nbytes The most bytes to receive; `0` (default) means the buffer's length.
   * @param flags Must be `0`.
   * @returns How many bytes were written to `buffer`, and the sender's address.
   * @throws {RangeError} If `nbytes` is negative or larger than the buffer.
   * @throws {Deno.errors.NotSupported} On a stream socket.
   *
   * @example Receive into a buffer
   * ```ts
   * import * as socket from "@socketkit/socket/socket";
   * import assert from "node:assert/strict";
   *
   * await using server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
   * await server.bind(["127.0.0.1", 0]);
   * server.settimeout(5);
   * await using client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
   * await client.sendto("hello", server.getsockname());
   * const buf = new Uint8Array(16);
   * const [n, [host]] = await server.recvfrom_into(buf) as [number, socket.InetAddress];
   * assert.equal(n, 5);
   * assert.equal(host, "127.0.0.1");
   * ```
   *
   * @tags allow-net
   */
  async recvfrom_into(
    buffer: Uint8Array,
    nbytes = 0,
    flags = 0,
  ): Promise<[number, Address]> {
    if (!(buffer instanceof Uint8Array)) {
      throw new TypeError(
        `Cannot recvfrom_into as buffer must be a Uint8Array: current value is ${
          show(buffer)
        }`,
      );
    }
    checkBufsize(nbytes, "recvfrom_into", "nbytes");
    if (nbytes > buffer.length) {
      throw new RangeError(
        `Cannot recvfrom_into as nbytes must not exceed the buffer length ${buffer.length}: current value is ${nbytes}`,
      );
    }
    const [data, from] = await this.recvfrom(
      nbytes === 0 ? buffer.length : nbytes,
      flags,
    );
    buffer.set(data);
    return [data.length, from];
  }

  /**
   * Sets the timeout of every later blocking call, in seconds, as Python's
   * `settimeout`: `null` blocks for ever, `0` makes the socket non-blocking
   * ({@linkcode BlockingIOError}), a positive number raises
   * {@linkcode TimeoutError} when it runs out. Data in flight is never lost.
   *
   * @param value Seconds, `0` or `null`.
   * @throws {TypeError} If `value` is neither a number nor null.
   * @throws {RangeError} If `value` is negative or NaN.
   * @throws {Deno.errors.BadResource} If the socket is closed (Python's
   * `OSError` EBADF).
   *
   * @example Give up on a silent peer
   * ```ts
   * import * as socket from "@socketkit/socket/socket";
   * import assert from "node:assert/strict";
   *
   * await using server = socket.create_server(["127.0.0.1", 0]);
   * await using client = await socket.create_connection(server.getsockname() as socket.InetAddress);
   * const [conn] = await server.accept();
   * await using _conn = conn;
   * client.settimeout(0.05);
   * assert.equal(client.gettimeout(), 0.05);
   * await assert.rejects(client.recv(1024), socket.TimeoutError);
   * ```
   */
  settimeout(value: number | null): void {
    const seconds = checkSeconds(value, "settimeout");
    this.#checkOpen("settimeout");
    this.#timeout = seconds;
    this.#io = { timeout: toMs(this.#timeout) };
  }

  /**
   * The timeout in seconds, `0` when non-blocking, `null` when blocking.
   *
   * @returns The timeout.
   *
   * @example A new socket blocks
   * ```ts
   * import * as socket from "@socketkit/socket/socket";
   * import assert from "node:assert/strict";
   *
   * await using s = socket.socket();
   * assert.equal(s.gettimeout(), null);
   * ```
   */
  gettimeout(): number | null {
    return this.#timeout;
  }

  /**
   * Sets blocking mode, as Python's `setblocking`: `false` (or `0`) is
   * `settimeout(0)`, `true` (or `1`) is `settimeout(null)`.
   *
   * @param flag Whether calls may wait.
   * @throws {TypeError} If `flag` is not a boolean or a number.
   * @throws {Deno.errors.BadResource} If the socket is closed.
   *
   * @example Poll without waiting
   * ```ts
   * import * as socket from "@socketkit/socket/socket";
   * import assert from "node:assert/strict";
   *
   * await using s = socket.socket();
   * s.setblocking(false);
   * assert.equal(s.gettimeout(), 0);
   * assert.equal(s.getblocking(), false);
   * ```
   */
  setblocking(flag: boolean | number): void {
    if (typeof flag !== "boolean" && typeof flag !== "number") {
      throw new TypeError(
        `Cannot setblocking as flag must be a boolean: current value is ${
          show(flag)
        }`,
      );
    }
    this.#checkOpen("setblocking");
    this.settimeout(flag ? null : 0);
  }

  /**
   * Whether the socket is blocking: `false` only when its timeout is `0`.
   *
   * @returns The blocking mode.
   *
   * @example A timeout still blocks
   * ```ts
   * import * as socket from "@socketkit/socket/socket";
   * import assert from "node:assert/strict";
   *
   * await using s = socket.socket();
   * s.settimeout(1);
   * assert.equal(s.getblocking(), true);
   * ```
   */
  getblocking(): boolean {
    return this.#timeout !== 0;
  }

  /**
   * Sets a socket option, as Python's `setsockopt`. Before Deno creates the
   * socket the value is recorded and applied at creation; afterwards it is
   * applied at once where Deno can. Where Deno cannot, this raises
   * `Deno.errors.NotSupported` naming the option — never a silent no-op.
   *
   * | option | stream (TCP) | datagram (UDP) |
   * | --- | --- | --- |
   * | `SO_REUSEADDR` | always on for listeners (Deno sets it); clearing it is unsupported | before `bind` |
   * | `SO_REUSEPORT` | before `bind` | unsupported |
   * | `SO_KEEPALIVE`, `TCP_NODELAY` | any time; a listener's value goes to accepted sockets | unsupported |
   * | `SO_BROADCAST` | unsupported | any time |
   * | `IP_MULTICAST_TTL`, `IP_MULTICAST_LOOP`, `IP_ADD_MEMBERSHIP`, `IP_DROP_MEMBERSHIP` | unsupported | any time (IPv4) |
   * | `IPV6_V6ONLY` (`AF_INET6`) | before `bind`; on the wildcard `"::"`, IPv4 clients are closed as they are accepted (Deno cannot set the option) | `0` only |
   *
   * Unix sockets take none of them. `SO_TYPE` and `SO_ERROR` can only be
   * read; Deno can neither read nor set `SO_RCVBUF`, `SO_SNDBUF`,
   * `SO_LINGER`, `TCP_KEEPIDLE`, `TCP_KEEPINTVL` and `TCP_KEEPCNT`.
   *
   * @param level `SOL_SOCKET`, `IPPROTO_TCP` or `IPPROTO_IP`.
   * @param optname The option.
   * @param value An integer or boolean; for memberships the `ip_mreq`
   * bytes (group then interface, 4 bytes each, as `inet_aton` gives).
   * @throws {TypeError} If the value has the wrong type.
   * @throws {RangeError} If the multicast TTL is outside 0–255.
   * @throws {Deno.errors.NotSupported} If Deno cannot apply the option here.
   *
   * @example The tutorials' server options
   * ```ts
   * import * as socket from "@socketkit/socket/socket";
   * import assert from "node:assert/strict";
   *
   * await using s = socket.socket(socket.AF_INET, socket.SOCK_STREAM);
   * await s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1);
   * await s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1);
   * await s.bind(["127.0.0.1", 0]);
   * await s.listen();
   * assert.equal(s.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR), 1);
   * ```
   *
   * @tags allow-net
   */
  async setsockopt(
    level: number,
    optname: number,
    value: OptionValue,
  ): Promise<void> {
    if (this.#ffi !== null) { // libc-backed
      return await this.#ffi.setsockopt(level, optname, value);
    }
    const name = optionName(level, optname, "setsockopt");
    const action = `setsockopt ${name}`;
    this.#checkOpen(action);
    const key = `${level}/${optname}`;
    const h = this.#handle;
    const isStream = this.#isStream();
    const onlyFor = (what: string) =>
      notSupported(
        action,
        `it applies to ${what} sockets and this is an ${this.#name()}`,
      );
    if (name === "SO_TYPE" || name === "SO_ERROR") {
      throw notSupported(action, `${name} can only be read`);
    }
    if (this.#family === AF_UNIX) {
      throw notSupported(action, "Deno takes no options for Unix sockets");
    }
    switch (name) {
      case "SO_REUSEADDR": {
        const flag = flagOf(value, name);
        if (
          h === null && this.#connecting === null && this.#reserved === null
        ) {
          this.#options.set(key, flag ? 1 : 0);
          return;
        }
        if ((h?.kind === "server" || this.#reserved !== null) && flag) return; // Deno set it at bind.
        throw notSupported(
          action,
          h?.kind === "server"
            ? "Deno always sets SO_REUSEADDR on TCP listeners"
            : "Deno cannot change it once the socket exists (set it before bind)",
        );
      }
      case "IPV6_V6ONLY": {
        const flag = flagOf(value, name);
        if (this.#family !== AF_INET6) throw onlyFor("AF_INET6");
        if (
          h === null && this.#connecting === null && this.#reserved === null
        ) {
          if (flag && !isStream) {
            throw notSupported(
              action,
              "Deno cannot make a UDP socket IPv6 only",
            );
          }
          this.#options.set(key, flag ? 1 : 0);
          return;
        }
        if ((this.#options.get(key) ?? 0) === (flag ? 1 : 0)) return;
        throw notSupported(
          action,
          "Deno cannot change it once the socket exists (set it before bind)",
        );
      }
      case "SO_REUSEPORT": {
        const flag = flagOf(value, name);
        if (!isStream) {
          throw notSupported(
            action,
            "Deno.listenDatagram has no SO_REUSEPORT (use SO_REUSEADDR)",
          );
        }
        if (
          h === null && this.#connecting === null && this.#reserved === null
        ) {
          this.#options.set(key, flag ? 1 : 0);
          return;
        }
        throw notSupported(
          action,
          "Deno cannot change it once the socket exists (set it before bind)",
        );
      }
      case "SO_KEEPALIVE":
      case "TCP_NODELAY": {
        const flag = flagOf(value, name);
        if (!isStream) throw onlyFor("SOCK_STREAM");
        if (h?.kind === "stream") {
          if (name === "SO_KEEPALIVE") tcp.setKeepAlive(h.sock, flag);
          else tcp.setNoDelay(h.sock, flag);
        } else if (this.#connecting !== null) {
          throw new BlockingIOError(
            `Cannot ${action}: the connection is still in progress`,
          );
        }
        this.#options.set(key, flag ? 1 : 0);
        return;
      }
      case "SO_BROADCAST": {
        const flag = flagOf(value, name);
        if (isStream) throw onlyFor("SOCK_DGRAM");
        if (h?.kind === "udp") await udp.setBroadcast(h.sock, flag);
        this.#options.set(key, flag ? 1 : 0);
        return;
      }
      case "IP_MULTICAST_TTL":
      case "IP_MULTICAST_LOOP": {
        if (isStream) throw onlyFor("SOCK_DGRAM");
        let n: number;
        if (name === "IP_MULTICAST_TTL") {
          if (typeof value !== "number" || !Number.isInteger(value)) {
            throw new TypeError(
              `Cannot ${action} as value must be an integer: current value is ${
                show(value)
              }`,
            );
          }
          if (value < 0 || value > 255) {
            throw new RangeError(
              `Cannot ${action} as value must be an integer from 0 to 255: current value is ${value}`,
            );
          }
          n = value;
        } else {
          n = flagOf(value, name) ? 1 : 0;
        }
        if (h?.kind === "udp") {
          if (name === "IP_MULTICAST_TTL") await udp.setMulticastTtl(h.sock, n);
          else await udp.setMulticastLoopback(h.sock, n !== 0);
        }
        this.#options.set(key, n);
        return;
      }
      default: {
        // IP_ADD_MEMBERSHIP and IP_DROP_MEMBERSHIP.
        if (isStream) throw onlyFor("SOCK_DGRAM");
        const [group, iface] = membershipOf(value, name);
        const at = this.#memberships.findIndex(([g, i]) =>
          g === group && i === iface
        );
        if (name === "IP_ADD_MEMBERSHIP") {
          if (h?.kind === "udp") await udp.joinMulticast(h.sock, group, iface);
          if (at < 0) this.#memberships.push([group, iface]);
          return;
        }
        if (h?.kind === "udp") {
          await udp.leaveMulticast(h.sock, group, iface);
        } else if (at < 0) {
          throw new Deno.errors.AddrNotAvailable(
            `Cannot ${action}: the socket is not a member of ${group} on ${iface}`,
          );
        }
        if (at >= 0) this.#memberships.splice(at, 1);
      }
    }
  }

  /**
   * Reads a socket option, as Python's `getsockopt`. Deno cannot read
   * options from the system, so this returns what is known to be true: the
   * value this socket set, else what Deno and Linux set by default
   * (`SO_REUSEADDR` is 1 on TCP listeners and the sockets they accept;
   * `SO_BROADCAST` is 1 on UDP sockets, since the core allows broadcast
   * from the start where Python's default is 0; `IP_MULTICAST_LOOP` and
   * `IP_MULTICAST_TTL` are 1). Membership options cannot be read.
   * `SO_ERROR` is the `errno` of a failed non-blocking `connect`, once, as
   * on Linux, else 0. `SO_RCVBUF` and `SO_SNDBUF` raise
   * `Deno.errors.NotSupported`: Deno can neither read nor set them.
   *
   * @param level `SOL_SOCKET`, `IPPROTO_TCP` or `IPPROTO_IP`.
   * @param optname The option.
   * @returns The value as an integer.
   * @throws {Deno.errors.NotSupported} If the option cannot be read, or a
   * buffer length is given (Deno cannot return raw option bytes).
   *
   * @example Read the socket type
   * ```ts
   * import * as socket from "@socketkit/socket/socket";
   * import assert from "node:assert/strict";
   *
   * await using s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
   * assert.equal(s.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE), socket.SOCK_DGRAM);
   * ```
   */
  getsockopt(level: number, optname: number, buflen?: number): number {
    if (this.#ffi !== null) return this.#ffi.getsockopt(level, optname, buflen); // libc-backed
    const name = optionName(level, optname, "getsockopt");
    const action = `getsockopt ${name}`;
    this.#checkOpen(action);
    if (buflen !== undefined) {
      throw notSupported(action, "Deno cannot return raw option bytes");
    }
    if (name === "SO_TYPE") return this.#type;
    if (name === "SO_ERROR") {
      // The error of a failed non-blocking connect, reported once, as Linux.
      const err = this.#connectError;
      this.#connectError = null;
      return err === null ? 0 : errnoOf(err) ?? 0;
    }
    if (this.#family === AF_UNIX) {
      throw notSupported(action, "Deno takes no options for Unix sockets");
    }
    const recorded = this.#options.get(`${level}/${optname}`);
    const h = this.#handle;
    switch (name) {
      case "SO_REUSEADDR":
        if (h?.kind === "server") return 1;
        if (h?.kind === "stream") return h.accepted ? 1 : 0;
        return recorded ?? 0;
      case "SO_BROADCAST":
      case "IP_MULTICAST_TTL":
      case "IP_MULTICAST_LOOP":
        return recorded ?? 1;
      case "IP_ADD_MEMBERSHIP":
      case "IP_DROP_MEMBERSHIP":
        throw notSupported(action, `${name} can only be set`);
      default:
        return recorded ?? 0;
    }
  }

  /**
   * The socket's own address, as Python's `getsockname`: after `bind`, the
   * address bound, with the port the system chose for port 0; an unbound
   * socket reads as `["0.0.0.0", 0]` (`""` for `AF_UNIX`).
   *
   * @returns The address.
   *
   * @example The port chosen for port 0
   * ```ts
   * import * as socket from "@socketkit/socket/socket";
   * import assert from "node:assert/strict";
   *
   * await using s = socket.create_server(["127.0.0.1", 0]);
   * const [host, port] = s.getsockname() as socket.InetAddress;
   * assert.equal(host, "127.0.0.1");
   * assert.ok(port > 0);
   * ```
   */
  getsockname(): Address {
    if (this.#ffi !== null) return this.#ffi.getsockname(); // libc-backed
    this.#checkOpen("getsockname");
    const h = this.#handle;
    if (h !== null) {
      switch (h.kind) {
        case "server":
          return toAddress(h.server.addr, this.#family);
        case "stream":
          return toAddress(h.sock.localAddr, this.#family);
        case "udp":
          return toAddress(h.sock.localAddr, this.#family);
        case "unixgram":
          return toAddress(h.sock.localAddr, this.#family);
      }
    }
    if (this.#reserved !== null) {
      return toAddress(this.#reserved.addr, this.#family);
    }
    const bound = this.#bound;
    if (typeof bound === "string") return bound;
    if (this.#family === AF_UNIX) return "";
    const v6 = this.#family === AF_INET6;
    const host = bound?.host ?? (v6 ? "::" : "0.0.0.0");
    const port = bound?.port ?? 0;
    return v6 ? [host, port, 0, 0] : [host, port];
  }

  /**
   * The peer's address, as Python's `getpeername`.
   *
   * @returns The address (`""` for an unnamed Unix peer).
   * @throws {Deno.errors.NotConnected} If the socket has no peer.
   *
   * @example The server's address, seen by the client
   * ```ts
   * import * as socket from "@socketkit/socket/socket";
   * import assert from "node:assert/strict";
   *
   * await using server = socket.create_server(["127.0.0.1", 0]);
   * await using client = await socket.create_connection(server.getsockname() as socket.InetAddress);
   * assert.deepEqual(client.getpeername(), server.getsockname());
   * ```
   */
  getpeername(): Address {
    if (this.#ffi !== null) return this.#ffi.getpeername(); // libc-backed
    this.#checkOpen("getpeername");
    const h = this.#handle;
    if (h?.kind === "stream") return toAddress(h.sock.remoteAddr, this.#family);
    if (h?.kind === "udp" && h.sock.remoteAddr !== null) {
      return toAddress(h.sock.remoteAddr, this.#family);
    }
    throw setCode(
      new Deno.errors.NotConnected(
        `Cannot getpeername: the ${this.#name()} is not connected`,
      ),
      "ENOTCONN",
    );
  }

  /**
   * Half-closes a connected stream socket: `SHUT_WR` sends end of stream
   * to the peer (after the queued writes) while receiving goes on;
   * `SHUT_RD` makes a `recv` waiting in another task, and later ones,
   * return empty (Deno has no kernel read shutdown, so this is done in the
   * handle; Linux would still hand over bytes that arrive); `SHUT_RDWR`
   * does both. On a listening socket, as on Linux, `SHUT_RD` and
   * `SHUT_RDWR` make a waiting `accept`, and later ones, raise an error
   * with `code` `"EINVAL"`, Python's way to stop a thread blocked in
   * `accept`; `SHUT_WR` does nothing there.
   *
   * Requires `allow-net` permission.
   *
   * @param how `SHUT_RD`, `SHUT_WR` or `SHUT_RDWR`.
   * @throws {RangeError} If `how` is not one of the three.
   * @throws {Deno.errors.NotConnected} If the socket is neither connected
   * nor listening.
   * @throws {Deno.errors.NotSupported} On a datagram socket.
   *
   * @example Finish the request, then read the answer
   * ```ts
   * import * as socket from "@socketkit/socket/socket";
   * import assert from "node:assert/strict";
   *
   * await using server = socket.create_server(["127.0.0.1", 0]);
   * await using client = await socket.create_connection(server.getsockname() as socket.InetAddress);
   * const [conn] = await server.accept();
   * await using _conn = conn;
   * await client.sendall("question");
   * await client.shutdown(socket.SHUT_WR);
   * assert.equal((await conn.recv(1024)).length, 8);
   * assert.equal((await conn.recv(1024)).length, 0);
   * ```
   *
   * @tags allow-net
   */
  async shutdown(how: number): Promise<void> {
    if (this.#ffi !== null) return await this.#ffi.shutdown(how); // libc-backed
    if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) {
      const Err = typeof how === "number" ? RangeError : TypeError;
      throw new Err(
        `Cannot shutdown as how must be SHUT_RD (0), SHUT_WR (1) or SHUT_RDWR (2): current value is ${
          show(how)
        }`,
      );
    }
    this.#checkOpen("shutdown");
    if (!this.#isStream()) {
      throw notSupported(
        "shutdown",
        `Deno cannot shut down a ${this.#name()} (close it instead)`,
      );
    }
    const reads = how !== SHUT_WR;
    if (this.#handle?.kind === "server") {
      // Linux takes it: a waiting accept, and later ones, fail with EINVAL.
      if (reads) this.#shutReads();
      return;
    }
    const sock = this.#stream("shutdown");
    if (reads) this.#shutReads();
    try {
      await stream.shutdown(
        sock,
        how === SHUT_RD ? "read" : how === SHUT_WR ? "write" : "both",
      );
    } catch (err) {
      throw py(err);
    }
  }

  /** Ends the waiting receive or accept, and makes later ones end at once. */
  #shutReads(): void {
    this.#readsShut = true;
    const wakers = [...this.#wakers];
    this.#wakers.clear();
    for (const wake of wakers) wake();
  }

  /**
   * Closes the socket. Idempotent, and never raises, as Python's `close()`.
   * Resolves once what was in flight has settled, so a closed server's
   * port can be bound again at once.
   *
   * Unlike Python's, which leaves unsent bytes to the kernel and returns
   * at once, this first writes the bytes a `send` already counted as sent
   * (they wait in the socket, not the kernel), for up to the socket's
   * timeout, or 10 s when it has none or is non-blocking; bytes that
   * cannot be written in that time, or whose write fails, are dropped
   * without an error, as the kernel drops them.
   *
   * @example Close explicitly
   * ```ts
   * import * as socket from "@socketkit/socket/socket";
   * import assert from "node:assert/strict";
   *
   * const s = socket.create_server(["127.0.0.1", 0]);
   * await s.close();
   * assert.equal(s.closed, true);
   * await s.close();
   * ```
   */
  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    if (this.#ffi !== null) return this.#closing = this.#ffi.close(); // libc-backed
    const h = this.#handle;
    const connecting = this.#connecting;
    const reserved = this.#reserved ?? this.#reservedUnix;
    const ms = this.#io.timeout;
    this.#reserved = null;
    this.#reservedUnix = null;
    this.#closing = (async () => {
      if (reserved !== null) await stream.close(reserved);
      if (h !== null) await closeHandle(h, ms);
      if (connecting !== null) {
        await connecting;
        const late = this.#handle;
        if (late !== null && late !== h) await closeHandle(late, ms);
      }
    })();
    return this.#closing;
  }

  /**
   * A file over the socket, as Python's `makefile`: `readline`, `read`,
   * `write` and `for await (const line of f)`, strings in text mode (`"r"`,
   * `"w"`, `"rw"`; UTF-8) and bytes in binary mode (`"rb"`, `"wb"`,
   * `"rwb"`). It reads through this socket's `recv` (and its timeout) and
   * writes through `sendall`. Python's `buffering` argument is accepted
   * and ignored: reads are always buffered, so `read(n)` waits for `n`
   * bytes where an unbuffered (`0`) Python file could return fewer.
   *
   * @param mode `"r"` (default), `"w"`, `"rw"`, each with `"b"` for bytes.
   * @param options `encoding` (UTF-8 only) and `newline`, or Python's
   * positional `buffering`, ignored.
   * @returns The file; closing it leaves the socket open.
   * @throws {TypeError} For another mode, encoding or newline.
   * @throws {Deno.errors.BadResource} If the socket is closed.
   *
   * @example Read lines from a peer, as Python's `for line in s.makefile()`
   * ```ts
   * import * as socket from "@socketkit/socket/socket";
   * import assert from "node:assert/strict";
   *
   * const [a, b] = socket.socketpair();
   * await using _a = a;
   * await using _b = b;
   * await a.sendall("one\ntwo\n");
   * await a.shutdown(socket.SHUT_WR);
   * const lines: string[] = [];
   * for await (const line of b.makefile("r")) lines.push(line);
   * assert.deepEqual(lines, ["one\n", "two\n"]);
   * ```
   */
  makefile(
    mode: `${string}b${string}`,
    options?: MakefileOptions | number | null,
  ): SocketFile<Uint8Array>;
  /**
   * A text file over the socket (a mode without `"b"`): see the binary
   * form above for the details.
   *
   * @param mode `"r"` (default), `"w"` or `"rw"`.
   * @param options `encoding` (UTF-8 only) and `newline`, or Python's
   * positional `buffering`, ignored.
   * @returns The file, reading and writing strings.
   */
  makefile(
    mode?: string,
    options?: MakefileOptions | number | null,
  ): SocketFile<string>;
  makefile(
    mode: string = "r",
    options: MakefileOptions | number | null = {},
  ): SocketFile<string> | SocketFile<Uint8Array> {
    this.#checkOpen("makefile");
    const keywords = typeof options === "object" && options !== null
      ? options
      : {};
    return new SocketFile<string>(this, mode, keywords);
  }

  /**
   * Python's `fileno`. Deno does not expose file descriptors; a socket made
   * through libc (`SOCK_RAW`, `SOCK_SEQPACKET`, a datagram or seqpacket
   * {@linkcode socketpair}) returns its real one. A closed socket returns
   * `-1`, as in Python.
   *
   * @returns The descriptor of a libc-made socket, or `-1` once closed.
   * @throws {Deno.errors.NotSupported} For open sockets Deno made.
   *
   * @example No file descriptors in Deno
   * ```ts
   * import * as socket from "@socketkit/socket/socket";
   * import assert from "node:assert/strict";
   *
   * await using s = socket.socket();
   * assert.throws(() => s.fileno(), Deno.errors.NotSupported);
   * ```
   */
  fileno(): number {
    if (this.#closing !== null) return -1; // as Python's, once closed
    if (this.#ffi !== null) return this.#ffi.fileno(); // libc-backed
    throw notSupported("fileno", "Deno does not expose file descriptors");
  }

  /** Closes the socket; same as {@linkcode Socket.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Python's `repr(s)` and `str(s)`, so `${conn}` and `console.log(conn)`
   * print what Python's `print(conn)` does:
   * `<socket.socket family=2, type=1, proto=0, laddr=('127.0.0.1', 5000),
   * raddr=('127.0.0.1', 40000)>`. `fd=` is left out for sockets Deno made
   * (it has none to show), and is `-1` once closed, as in Python.
   *
   * @returns The description.
   *
   * @example Print a connection as Python does
   * ```ts
   * import * as socket from "@socketkit/socket/socket";
   * import assert from "node:assert/strict";
   *
   * await using s = socket.socket();
   * assert.equal(`${s}`, "<socket.socket family=2, type=1, proto=0, laddr=('0.0.0.0', 0)>");
   * ```
   */
  toString(): string {
    const closed = this.#closing !== null;
    let fd = "";
    try {
      fd = ` fd=${this.fileno()},`;
    } catch {
      // Deno made it: no descriptor to show.
    }
    let out = `<socket.socket${
      closed ? " [closed]" : ""
    }${fd} family=${this.#family}, type=${this.#type}, proto=${this.#proto}`;
    if (!closed) {
      for (
        const [name, read] of [["laddr", () => this.getsockname()], [
          "raddr",
          () => this.getpeername(),
        ]] as const
      ) {
        try {
          const addr = read();
          if (addr !== "") out += `, ${name}=${pythonStr(addr)}`;
        } catch {
          // Not bound, or no peer: Python leaves it out.
        }
      }
    }
    return `${out}>`;
  }

  /** What `console.log` and `Deno.inspect` show: {@linkcode Socket.toString}. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }
}

/** What a receive or accept resolves to when `shutdown` stopped reading. */
const SHUT: unique symbol = Symbol("shut");

/**
 * The bytes in an array of their own, as Python's `bytes` are: the core
 * hands out small reads as views into a shared slab, and a port of
 * `struct.unpack` reads `data.buffer` from its start.
 */
function own(data: Uint8Array): Uint8Array {
  return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength
    ? data
    : data.slice();
}

/** An address as Python's `str()` writes it: `('127.0.0.1', 80)`, or the path. */
function pythonStr(addr: Address): string {
  if (typeof addr === "string") return addr;
  return `(${
    addr.map((x) => typeof x === "string" ? `'${x}'` : String(x)).join(", ")
  })`;
}

/**
 * Closes a handle as Python's `close()` does: without raising. A stream's
 * bytes already counted as sent go out first, for up to the socket's
 * timeout (`ms`; the core's 10 s without one); a failure writing them, or
 * running out of time, is dropped as the kernel drops them.
 */
async function closeHandle(h: Handle, ms: number | null): Promise<void> {
  switch (h.kind) {
    case "server":
      return await stream.close(h.server);
    case "stream":
      if (ms !== null && ms > 0) stream.setTimeout(h.sock, ms);
      return await stream.close(h.sock).catch(() => {});
    case "udp":
      return await udp.close(h.sock);
    case "unixgram":
      return await unix.close(h.sock);
  }
}

function optionName(level: unknown, optname: unknown, action: string): string {
  for (const [name, value] of [["level", level], ["optname", optname]]) {
    if (typeof value !== "number" || !Number.isInteger(value)) {
      throw new TypeError(
        `Cannot ${action} as ${name} must be an integer: current value is ${
          show(value)
        }`,
      );
    }
  }
  const name = OPTION_NAMES[`${level}/${optname}`];
  if (name === undefined) {
    const known = UNSUPPORTED_OPTION_NAMES[`${level}/${optname}`];
    throw notSupported(
      known === undefined ? action : `${action} ${known}`,
      known === undefined
        ? `option ${optname} at level ${level} is not supported by Deno`
        : "Deno can neither read nor set it",
    );
  }
  return name;
}

function checkFlags(flags: unknown, action: string): void {
  if (flags === 0) return;
  if (typeof flags !== "number" || !Number.isInteger(flags)) {
    throw new TypeError(
      `Cannot ${action} as flags must be an integer: current value is ${
        show(flags)
      }`,
    );
  }
  throw notSupported(
    action,
    `Deno has no message flags: current value is ${flags}`,
  );
}

function checkBufsize(value: unknown, action: string, name = "bufsize"): void {
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot ${action} as ${name} must be an integer: current value is ${
        show(value)
      }`,
    );
  }
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(
      `Cannot ${action} as ${name} must be a non-negative integer: current value is ${value}`,
    );
  }
}

function checkSeconds(value: unknown, action: string): number | null {
  if (value === null) return null;
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot ${action} as timeout must be a number of seconds or null: current value is ${
        show(value)
      }`,
    );
  }
  if (!(value >= 0) || value === Infinity) {
    throw new RangeError(
      `Cannot ${action} as timeout must be a finite number of seconds from 0 up: current value is ${value}`,
    );
  }
  return value;
}

function toMs(seconds: number | null): number | null {
  return seconds === null ? null : seconds * 1000;
}

/** Linux `errno` values by the `code` Deno and the core give errors. */
const ERRNO_BY_CODE: Record<string, number> = {
  EPERM: 1,
  ENOENT: 2,
  EBADF: 9,
  EAGAIN: 11,
  EACCES: 13,
  EINVAL: 22,
  EMFILE: 24,
  EPIPE: 32,
  EAFNOSUPPORT: 97,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  EDESTADDRREQ: 89,
  ENETDOWN: 100,
  ENETUNREACH: 101,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  ENOBUFS: 105,
  EISCONN: 106,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTDOWN: 112,
  EHOSTUNREACH: 113,
  EALREADY: 114,
  EINPROGRESS: 115,
};

/** The `errno` of errors that carry no `code`, by class. */
const ERRNO: [new (...args: never[]) => Error, number][] = [
  [Deno.errors.ConnectionRefused, 111],
  [Deno.errors.TimedOut, 11],
  [Deno.errors.WouldBlock, 115],
  [Deno.errors.ConnectionReset, 104],
  [Deno.errors.ConnectionAborted, 103],
  [Deno.errors.NetworkUnreachable, 101],
  [Deno.errors.AddrNotAvailable, 99],
  [Deno.errors.AddrInUse, 98],
  [Deno.errors.PermissionDenied, 13],
  [Deno.errors.NotFound, 2],
];

/** The Linux `errno` Python would report for `err`, if it is an OS error. */
function errnoOf(err: unknown): number | undefined {
  if (err instanceof Deno.errors.NotSupported) return undefined;
  if (err instanceof gaierror) return undefined;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code in ERRNO_BY_CODE) {
    return ERRNO_BY_CODE[code];
  }
  for (const [ctor, code] of ERRNO) if (err instanceof ctor) return code;
  return undefined;
}

// ---- module functions ----

// ---- libc-backed: socketpair (see _socket_ffi.ts) ----

const FFI_HELPERS: FacadeHelpers = { py, netTarget };

/**
 * Makes two connected Unix sockets, as Python's `socket.socketpair()`:
 * `SOCK_STREAM` (default), `SOCK_DGRAM` or `SOCK_SEQPACKET`. They are made
 * through libc with `Deno.dlopen` (Linux).
 *
 * Requires `allow-ffi` permission.
 *
 * @param family `AF_UNIX` (the default; the only one).
 * @param type `SOCK_STREAM`, `SOCK_DGRAM` or `SOCK_SEQPACKET`.
 * @param proto `0`.
 * @returns The two sockets; close both.
 * @throws {Deno.errors.NotSupported} For another family, type or protocol.
 * @throws {Deno.errors.NotCapable} Without `--allow-ffi`.
 *
 * @example A pair, as in Python
 * ```ts
 * import * as socket from "@socketkit/socket/socket";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = socket.socketpair();
 * await using _a = a;
 * await using _b = b;
 * await a.sendall("ping");
 * assert.equal(new TextDecoder().decode(await b.recv(1024)), "ping");
 * ```
 *
 * @tags allow-ffi
 */
export function socketpair(
  family: number = AF_UNIX,
  type: number = SOCK_STREAM,
  proto = 0,
): [Socket, Socket] {
  const base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (
    family !== AF_UNIX || proto !== 0 ||
    (base !== SOCK_STREAM && base !== SOCK_DGRAM && base !== SOCK_SEQPACKET)
  ) {
    throw notSupported(
      "socketpair",
      `only AF_UNIX pairs of SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET with protocol 0 are supported: current value is family ${family}, type ${type}, proto ${proto}`,
    );
  }
  let sockets: [Socket, Socket];
  if (base === SOCK_STREAM) {
    const [a, b] = pair("stream");
    sockets = [
      adoptStream(AF_UNIX, SOCK_STREAM, 0, a, new Map()),
      adoptStream(AF_UNIX, SOCK_STREAM, 0, b, new Map()),
    ];
  } else {
    const [a, b] = FfiSocket.pair(base, FFI_HELPERS);
    sockets = [adoptFfi(a), adoptFfi(b)];
  }
  for (const s of sockets) {
    s.settimeout((type & SOCK_NONBLOCK) !== 0 ? 0 : defaultTimeout);
  }
  return sockets;
}

// ---- end of libc-backed: socketpair ----

/**
 * Makes a socket, as Python's `socket.socket(family, type, proto)`.
 *
 * @param family `AF_INET` (default), `AF_INET6` or `AF_UNIX`.
 * @param type `SOCK_STREAM` (default), `SOCK_DGRAM`, or through libc
 * `SOCK_RAW` or `SOCK_SEQPACKET`; optionally ORed with `SOCK_NONBLOCK` or
 * `SOCK_CLOEXEC`.
 * @param proto `0` (default), or the protocol matching the type.
 * @returns The socket; nothing is opened until `listen`, `connect` or a
 * datagram `bind`.
 * @throws {TypeError} If an argument is not an integer.
 * @throws {Deno.errors.NotSupported} For a protocol that does not match a
 * stream or datagram socket, and, with the kernel's answer, for families and
 * types the kernel lacks (`SOCK_RDM`).
 * @throws {Deno.errors.NotCapable} For a socket made through libc
 * (`SOCK_RAW`, `SOCK_SEQPACKET`, ICMP, other families) without `--allow-ffi`.
 *
 * @example Python's defaults
 * ```ts
 * import * as socket from "@socketkit/socket/socket";
 * import assert from "node:assert/strict";
 *
 * await using s = socket.socket();
 * assert.equal(s.family, socket.AF_INET);
 * assert.equal(s.type, socket.SOCK_STREAM);
 * assert.throws(() => socket.socket(socket.AF_INET, socket.SOCK_RDM), Deno.errors.NotSupported);
 * ```
 */
export function socket(
  family: number = AF_INET,
  type: number = SOCK_STREAM,
  proto = 0,
): Socket {
  return new Socket(family, type, proto);
}

/**
 * Connects to a TCP server, as Python's `socket.create_connection`: resolves
 * the host (IPv4 first, then IPv6 for a name that has no IPv4 address),
 * connects within `timeout` seconds, and returns the socket with that
 * timeout set.
 *
 * Requires `allow-net` permission.
 *
 * @param address `[host, port]`.
 * @param timeout Seconds for the connection and later calls; `null`
 * (default) blocks.
 * @param sourceAddress `null` (default), or a wildcard host with port 0
 * (`["", 0]`), which is what the system picks anyway: Deno cannot choose
 * the local address of an outgoing connection.
 * @returns The connected socket.
 * @throws {Deno.errors.ConnectionRefused} If nothing listens there.
 * @throws {TimeoutError} If the connection is not made in time.
 * @throws {gaierror} If the host name cannot be resolved.
 *
 * @example Connect to a local server
 * ```ts
 * import * as socket from "@socketkit/socket/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = socket.create_server(["127.0.0.1", 0]);
 * const [, port] = server.getsockname() as socket.InetAddress;
 * await using client = await socket.create_connection(["localhost", port], 5);
 * assert.equal(client.gettimeout(), 5);
 * ```
 *
 * @tags allow-net
 */
// deno-lint-ignore camelcase
export async function create_connection(
  address: InetAddress,
  timeout: number | null = defaultTimeout,
  sourceAddress: InetAddress | null = null,
): Promise<Socket> {
  const seconds = checkSeconds(timeout, "create_connection");
  const checked = checkAddress(address, AF_INET6, "create_connection") as {
    host: string;
    port: number;
  };
  if (sourceAddress !== null) {
    const source = checkAddress(
      sourceAddress,
      AF_INET6,
      "create_connection",
    ) as { host: string; port: number };
    // Any interface and port 0 is what the system picks anyway.
    if (!(source.port === 0 && WILDCARD_HOSTS.has(source.host))) {
      throw notSupported(
        "create_connection with a source address",
        "Deno cannot choose the local address of an outgoing connection",
      );
    }
  }
  let family = AF_INET;
  if (checked.host.includes(":")) family = AF_INET6;
  else if (!IPV4_REGEXP.test(checked.host) && checked.host !== "localhost") {
    try {
      family = (await lookup(checked.host))[0]!.family === 6
        ? AF_INET6
        : AF_INET;
    } catch (cause) {
      throw new gaierror(
        `Cannot create_connection as the name ${
          show(checked.host)
        } cannot be resolved`,
        { cause },
      );
    }
  }
  // Python makes it from getaddrinfo's answer, whose protocol is TCP's.
  const sock = new Socket(family, SOCK_STREAM, IPPROTO_TCP);
  sock.settimeout(seconds);
  try {
    await sock.connect([checked.host, checked.port]);
  } catch (err) {
    await sock.close();
    throw err;
  }
  return sock;
}

/** Options for {@linkcode create_server}, as Python's keyword arguments. */
export interface CreateServerOptions {
  /**
   * `AF_INET` or `AF_INET6`.
   *
   * @default {AF_INET}
   */
  family?: number;
  /**
   * The listen backlog; Deno's default (511) when omitted.
   *
   * @default {undefined}
   */
  backlog?: number;
  /**
   * Sets `SO_REUSEPORT`.
   *
   * @default {false}
   */
  // deno-lint-ignore camelcase
  reuse_port?: boolean;
  /**
   * Accept IPv4 too on an `AF_INET6` wildcard address (`["", port]` or
   * `["::", port]`). Without it the listener serves IPv6 only, as Python's
   * does with `IPV6_V6ONLY`; Deno cannot set that option, so IPv4 clients
   * are closed as they are accepted, and the IPv4 port stays taken.
   *
   * @default {false}
   */
  // deno-lint-ignore camelcase
  dualstack_ipv6?: boolean;
}

/**
 * Makes a listening TCP socket, as Python's `socket.create_server`
 * (`SO_REUSEADDR` is set, as Python does on POSIX and Deno always does).
 *
 * Requires `allow-net` permission.
 *
 * @param address `[host, port]`; `""` means every interface.
 * @param options Family, backlog, `reuse_port`, `dualstack_ipv6`.
 * @returns The listening socket.
 * @throws {TypeError} If the host is an address of the other family.
 * @throws {Deno.errors.AddrInUse} If the address is taken.
 * @throws {Deno.errors.NotSupported} For a family other than `AF_INET` and
 * `AF_INET6`, or `dualstack_ipv6` without `AF_INET6` and a wildcard host.
 *
 * @example A server on a free port
 * ```ts
 * import * as socket from "@socketkit/socket/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = socket.create_server(["127.0.0.1", 0], { backlog: 5 });
 * assert.ok((server.getsockname() as socket.InetAddress)[1] > 0);
 * ```
 *
 * @tags allow-net
 */
// deno-lint-ignore camelcase
export function create_server(
  address: InetAddress | Inet6Address,
  options: CreateServerOptions = {},
): Socket {
  const family = options.family ?? AF_INET;
  if (family !== AF_INET && family !== AF_INET6) {
    throw notSupported(
      "create_server",
      `family must be AF_INET or AF_INET6: current value is ${show(family)}`,
    );
  }
  const checked = checkAddress(address, family, "create_server") as {
    host: string;
    port: number;
  };
  const wildcard = checked.host === "" || checked.host === "::";
  // Python sets IPV6_V6ONLY unless dualstack_ipv6; Deno cannot set it, so
  // the listener closes IPv4 clients as it accepts them (tcp.ts ipv6Only).
  const ipv6Only = family === AF_INET6 && wildcard &&
    options.dualstack_ipv6 !== true;
  if (options.dualstack_ipv6 === true && (family !== AF_INET6 || !wildcard)) {
    throw notSupported(
      "create_server with dualstack_ipv6",
      'it needs family AF_INET6 and the host "" or "::"',
    );
  }
  const literal = IPV4_REGEXP.test(checked.host)
    ? AF_INET
    : checked.host.includes(":")
    ? AF_INET6
    : family;
  if (literal !== family) {
    throw new TypeError(
      `Cannot create_server as host must be an ${
        family === AF_INET6 ? "IPv6" : "IPv4"
      } address or a name for ${familyName(family)}: current value is ${
        show(checked.host)
      }`,
    );
  }
  // Only literals and "localhost" resolve synchronously; names need a lookup.
  const host = checked.host === ""
    ? (family === AF_INET6 ? "::" : "0.0.0.0")
    : checked.host === "localhost"
    ? (family === AF_INET6 ? "::1" : "127.0.0.1")
    : checked.host;
  const sock = new Socket(family, SOCK_STREAM);
  let server: tcp.TcpServer;
  try {
    server = listenTcp({
      hostname: host,
      port: checked.port,
      reusePort: options.reuse_port === true,
      ...(ipv6Only ? { ipv6Only } : {}),
      ...(options.backlog !== undefined
        ? { backlog: Math.max(0, options.backlog) }
        : {}),
    });
  } catch (err) {
    // A name that does not resolve is Python's gaierror.
    if (err instanceof Deno.errors.NotFound) {
      throw new gaierror(err.message, { cause: err });
    }
    throw err;
  }
  adoptServer(sock, server, { host, port: checked.port });
  return sock;
}

/**
 * Whether a listener on the IPv6 wildcard `"::"` can take IPv4 clients
 * too, as Python's `socket.has_dualstack_ipv6()`: true where this machine
 * can listen on `"::"` (Linux serves both families there unless
 * `net.ipv6.bindv6only` is set).
 *
 * Requires `allow-net` permission.
 *
 * @returns Whether `create_server(addr, { family: AF_INET6,
 * dualstack_ipv6: true })` can work.
 *
 * @example Python's create_server recipe
 * ```ts
 * import * as socket from "@socketkit/socket/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = socket.has_dualstack_ipv6()
 *   ? socket.create_server(["", 0], { family: socket.AF_INET6, dualstack_ipv6: true })
 *   : socket.create_server(["", 0]);
 * assert.ok((server.getsockname() as socket.InetAddress)[1] > 0);
 * ```
 *
 * @tags allow-net
 */
// deno-lint-ignore camelcase
export function has_dualstack_ipv6(): boolean {
  let listener: Deno.Listener;
  try {
    listener = Deno.listen({ hostname: "::", port: 0 });
  } catch (err) {
    if (
      err instanceof Deno.errors.NotCapable ||
      err instanceof Deno.errors.PermissionDenied
    ) {
      throw err;
    }
    return false;
  }
  listener.close();
  return true;
}

/**
 * The host's name, as Python's `socket.gethostname()`.
 *
 * Requires `allow-sys` permission.
 *
 * @returns The host name.
 *
 * @example Read the host name
 * ```ts
 * import * as socket from "@socketkit/socket/socket";
 * import assert from "node:assert/strict";
 *
 * assert.equal(socket.gethostname(), Deno.hostname());
 * ```
 *
 * @tags allow-sys
 */
export function gethostname(): string {
  return Deno.hostname();
}

/**
 * Resolves a host name to one IPv4 address, as Python's
 * `socket.gethostbyname`. IPv4 literals come back unchanged, `""` is
 * `0.0.0.0` and `"localhost"` is `127.0.0.1` without a lookup; other names
 * go through the system resolver (`/etc/hosts`, then DNS).
 *
 * Requires `allow-net` permission for names that need a lookup.
 *
 * @param name A host name or IPv4 address.
 * @returns The IPv4 address.
 * @throws {TypeError} If `name` is not a string.
 * @throws {gaierror} If the name cannot be resolved.
 *
 * @example Resolve localhost
 * ```ts
 * import * as socket from "@socketkit/socket/socket";
 * import assert from "node:assert/strict";
 *
 * assert.equal(await socket.gethostbyname("localhost"), "127.0.0.1");
 * ```
 *
 * @tags allow-net
 */
export async function gethostbyname(name: string): Promise<string> {
  if (typeof name !== "string") {
    throw new TypeError(
      `Cannot gethostbyname as name must be a string: current value is ${
        show(name)
      }`,
    );
  }
  if (name.includes(":")) {
    throw new gaierror(
      `Cannot gethostbyname as ${
        show(name)
      } is not an IPv4 address or a name (gethostbyname answers IPv4 only)`,
    );
  }
  return await resolveHost(name, AF_INET, "gethostbyname");
}

/** `getaddrinfo` flag: with a `null` host, the wildcard addresses (for `bind`) instead of loopback. */
export const AI_PASSIVE = 1;
/** `getaddrinfo` flag: fill in the canonical name of the first result. */
export const AI_CANONNAME = 2;
/** `getaddrinfo` flag: the host must be an IP address; no name lookup. */
export const AI_NUMERICHOST = 4;
/** `getaddrinfo` flag: IPv4-mapped IPv6 addresses. Accepted and ignored: the system's resolver answers. */
export const AI_V4MAPPED = 8;
/** `getaddrinfo` flag: with `AI_V4MAPPED`, both families. Accepted and ignored. */
export const AI_ALL = 16;
/** `getaddrinfo` flag: only families the host has an address of. Accepted and ignored. */
export const AI_ADDRCONFIG = 32;
/** `getaddrinfo` flag: the port must be a number. */
export const AI_NUMERICSERV = 1024;

const AI_KNOWN = AI_PASSIVE | AI_CANONNAME | AI_NUMERICHOST | AI_V4MAPPED |
  AI_ALL | AI_ADDRCONFIG | AI_NUMERICSERV;

/** Whether `host` is an IPv6 address (the URL parser knows the grammar). */
function isIpv6Literal(host: string): boolean {
  if (!host.includes(":") || /[[\]/%]/.test(host)) return false;
  try {
    new URL(`http://[${host}]/`);
    return true;
  } catch {
    return false;
  }
}

/**
 * One answer of {@linkcode getaddrinfo}, as Python's 5-tuple:
 * `[family, type, proto, canonname, sockaddr]`, ready for
 * `socket(family, type, proto)` and `connect(sockaddr)`.
 */
export type AddrInfo = [
  family: number,
  type: number,
  proto: number,
  canonname: string,
  sockaddr: InetAddress | Inet6Address,
];

/** Python's keyword arguments of {@linkcode getaddrinfo}. */
export interface GetaddrinfoOptions {
  /**
   * `AF_INET`, `AF_INET6`, or `AF_UNSPEC` for both.
   *
   * @default {AF_UNSPEC}
   */
  family?: number;
  /**
   * `SOCK_STREAM`, `SOCK_DGRAM`, `SOCK_RAW`, or `0` for each of them.
   *
   * @default {0}
   */
  type?: number;
  /**
   * A protocol (`IPPROTO_TCP`, `IPPROTO_UDP`), or `0` for any.
   *
   * @default {0}
   */
  proto?: number;
  /**
   * `AI_*` flags, ORed.
   *
   * @default {0}
   */
  flags?: number;
}

/**
 * Resolves a host and port to the addresses to connect or bind to, as
 * Python's `socket.getaddrinfo`: one `[family, type, proto, canonname,
 * sockaddr]` per address and socket type, in the resolver's order, so
 * Python's loop over the answers ports as is. IP addresses answer
 * themselves without a lookup; a `null` host is loopback, or with
 * `AI_PASSIVE` the wildcard addresses; names go to the system resolver
 * (`/etc/hosts`, then DNS). Python's keyword arguments can be given as an
 * object in place of `family`: `getaddrinfo(host, port, { type:
 * SOCK_STREAM })`.
 *
 * Unlike Python, service names (`"http"`) are not looked up: give the
 * port number (a string of digits works). `canonname` (with
 * `AI_CANONNAME`) is the host as given, not the resolver's canonical name.
 *
 * Requires `allow-net` permission for names that need a lookup.
 *
 * @param host A name, an IP address, or `null`.
 * @param port A port number, a string of digits, or `null` (0).
 * @param family `AF_INET`, `AF_INET6` or `AF_UNSPEC` (default), or
 * Python's keyword arguments as an object.
 * @param type `SOCK_STREAM`, `SOCK_DGRAM`, `SOCK_RAW`, or `0` (default) for each.
 * @param proto A protocol, or `0` (default) for any.
 * @param flags `AI_*` flags (default `0`).
 * @returns The answers; never empty.
 * @throws {TypeError} If an argument has the wrong type.
 * @throws {RangeError} If the port, family, type, protocol or flags are out
 * of range, or they name no socket type together.
 * @throws {gaierror} If the name does not resolve, has no address of the
 * family asked, or is not an IP address under `AI_NUMERICHOST`.
 * @throws {Deno.errors.NotSupported} For a service name.
 *
 * @example Python's client loop over getaddrinfo
 * ```ts
 * import * as socket from "@socketkit/socket/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = socket.create_server(["127.0.0.1", 0]);
 * const [, port] = server.getsockname() as socket.InetAddress;
 * const answers = await socket.getaddrinfo("127.0.0.1", port, socket.AF_UNSPEC, socket.SOCK_STREAM);
 * assert.deepEqual(answers, [
 *   [socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ["127.0.0.1", port]],
 * ]);
 * const [af, socktype, proto, _canonname, sa] = answers[0]!;
 * await using s = socket.socket(af, socktype, proto);
 * await s.connect(sa);
 * assert.deepEqual(s.getpeername(), sa);
 * ```
 *
 * @tags allow-net
 */
export async function getaddrinfo(
  host: string | null,
  port: number | string | null,
  family: number | GetaddrinfoOptions = AF_UNSPEC,
  type = 0,
  proto = 0,
  flags = 0,
): Promise<AddrInfo[]> {
  const action = "getaddrinfo";
  if (typeof family === "object" && family !== null) {
    ({ family = AF_UNSPEC, type = 0, proto = 0, flags = 0 } = family);
  }
  for (
    const [name, value] of [
      ["family", family],
      ["type", type],
      ["proto", proto],
      ["flags", flags],
    ] as const
  ) {
    if (typeof value !== "number" || !Number.isInteger(value)) {
      throw new TypeError(
        `Cannot ${action} as ${name} must be an integer: current value is ${
          show(value)
        }`,
      );
    }
  }
  const fam = family as number;
  if (fam !== AF_UNSPEC && fam !== AF_INET && fam !== AF_INET6) {
    throw new RangeError(
      `Cannot ${action} as family must be AF_INET, AF_INET6 or AF_UNSPEC: current value is ${fam}`,
    );
  }
  if ((flags & ~AI_KNOWN) !== 0) {
    throw new RangeError(
      `Cannot ${action} as flags must be AI_* flags ORed: current value is ${flags}`,
    );
  }
  if (
    type !== 0 && type !== SOCK_STREAM && type !== SOCK_DGRAM &&
    type !== SOCK_RAW
  ) {
    throw new RangeError(
      `Cannot ${action} as type must be SOCK_STREAM, SOCK_DGRAM, SOCK_RAW or 0: current value is ${type}`,
    );
  }
  // One answer per socket type, as glibc: each with its protocol.
  const kinds = ([
    [SOCK_STREAM, IPPROTO_TCP],
    [SOCK_DGRAM, IPPROTO_UDP],
    [SOCK_RAW, 0],
  ] as const).filter(([t, p]) =>
    (type === 0 || t === type) &&
    (proto === 0 || p === proto || t === type && t === SOCK_RAW)
  ).map(([t, p]): [number, number] => [t, t === SOCK_RAW ? proto : p]);
  if (kinds.length === 0) {
    throw new RangeError(
      `Cannot ${action} as proto ${proto} does not go with type ${type}`,
    );
  }
  let portNumber = 0;
  if (typeof port === "string") {
    if (!/^\d+$/.test(port)) {
      if ((flags & AI_NUMERICSERV) !== 0) {
        throw new gaierror(
          `Cannot ${action} as the service ${
            show(port)
          } is not a number (AI_NUMERICSERV)`,
        );
      }
      throw notSupported(
        action,
        `service names are not looked up (give the port number): current value is ${
          show(port)
        }`,
      );
    }
    portNumber = validatePort(Number(port), action);
  } else if (port !== null && port !== undefined) {
    portNumber = validatePort(port, action);
  }
  const v4 = fam !== AF_INET6;
  const v6 = fam !== AF_INET;
  let addresses: [string, 4 | 6][];
  if (host === null || host === undefined) {
    // glibc's order: the wildcard IPv4 first, loopback IPv6 first.
    addresses = (flags & AI_PASSIVE) !== 0
      ? [["0.0.0.0", 4], ["::", 6]]
      : [["::1", 6], ["127.0.0.1", 4]];
    addresses = addresses.filter(([, f]) => f === 4 ? v4 : v6);
  } else if (typeof host !== "string") {
    throw new TypeError(
      `Cannot ${action} as host must be a string or null: current value is ${
        show(host)
      }`,
    );
  } else {
    const literal: 0 | 4 | 6 = IPV4_REGEXP.test(host)
      ? 4
      : isIpv6Literal(host)
      ? 6
      : 0;
    if (literal !== 0) {
      if (literal === 4 ? !v4 : !v6) {
        throw new gaierror(
          `Cannot ${action} as ${show(host)} is not an address of ${
            familyName(fam)
          }`,
        );
      }
      addresses = [[host, literal]];
    } else if (host === "" || (flags & AI_NUMERICHOST) !== 0) {
      throw new gaierror(
        `Cannot ${action} as ${show(host)} is not an IP address${
          host === "" ? "" : " (AI_NUMERICHOST)"
        }`,
      );
    } else {
      try {
        addresses = (await lookup(host, { family: v4 && v6 ? 0 : v4 ? 4 : 6 }))
          .map(({ address, family }) => [address, family]);
      } catch (cause) {
        throw new gaierror(
          `Cannot ${action} as the name ${show(host)} cannot be resolved${
            fam === AF_UNSPEC ? "" : ` for ${familyName(fam)}`
          }`,
          { cause },
        );
      }
    }
  }
  const answers: AddrInfo[] = [];
  for (const [address, f] of addresses) {
    const sockaddr: InetAddress | Inet6Address = f === 4
      ? [address, portNumber]
      : [address, portNumber, 0, 0];
    for (const [t, p] of kinds) {
      const canonname = answers.length === 0 && (flags & AI_CANONNAME) !== 0
        ? host ?? ""
        : "";
      answers.push([
        f === 4 ? AF_INET : AF_INET6,
        t,
        p,
        canonname,
        [
          ...sockaddr,
        ] as InetAddress | Inet6Address,
      ]);
    }
  }
  return answers;
}

/**
 * The timeout, in seconds, that new sockets start with (`null`: blocking),
 * as Python's `socket.getdefaulttimeout()`.
 *
 * @returns The default timeout.
 *
 * @example Blocking by default
 * ```ts
 * import * as socket from "@socketkit/socket/socket";
 * import assert from "node:assert/strict";
 *
 * assert.equal(socket.getdefaulttimeout(), null);
 * ```
 */
export function getdefaulttimeout(): number | null {
  return defaultTimeout;
}

/**
 * Sets the timeout, in seconds, that new sockets start with, as Python's
 * `socket.setdefaulttimeout()`. Sockets already made keep theirs.
 *
 * @param value Seconds, `0` or `null`.
 * @throws {RangeError} If `value` is negative or NaN.
 *
 * @example New sockets take the default
 * ```ts
 * import * as socket from "@socketkit/socket/socket";
 * import assert from "node:assert/strict";
 *
 * socket.setdefaulttimeout(2);
 * await using s = socket.socket();
 * socket.setdefaulttimeout(null);
 * assert.equal(s.gettimeout(), 2);
 * ```
 */
export function setdefaulttimeout(value: number | null): void {
  defaultTimeout = checkSeconds(value, "setdefaulttimeout");
}

/**
 * Converts a dotted IPv4 address to its 4 bytes, as Python's
 * `socket.inet_aton` (for building `ip_mreq`).
 *
 * @param ip The address, such as `"224.0.0.251"`.
 * @returns Four bytes in network order.
 * @throws {TypeError} If `ip` is not a dotted IPv4 address.
 *
 * @example Build an ip_mreq for IP_ADD_MEMBERSHIP
 * ```ts
 * import * as socket from "@socketkit/socket/socket";
 * import assert from "node:assert/strict";
 *
 * const mreq = new Uint8Array(8);
 * mreq.set(socket.inet_aton("224.0.0.251"));
 * mreq.set(socket.inet_aton("0.0.0.0"), 4);
 * assert.deepEqual([...mreq.subarray(0, 4)], [224, 0, 0, 251]);
 * ```
 */
// deno-lint-ignore camelcase
export function inet_aton(ip: string): Uint8Array {
  if (typeof ip !== "string" || !IPV4_REGEXP.test(ip)) {
    throw new TypeError(
      `Cannot inet_aton as ip must be a dotted IPv4 address: current value is ${
        show(ip)
      }`,
    );
  }
  return new Uint8Array(ip.split(".").map(Number));
}

/**
 * Converts 4 bytes to a dotted IPv4 address, as Python's
 * `socket.inet_ntoa`.
 *
 * @param packed Four bytes in network order.
 * @returns The dotted address.
 * @throws {TypeError} If `packed` is not 4 bytes.
 *
 * @example Back to text
 * ```ts
 * import * as socket from "@socketkit/socket/socket";
 * import assert from "node:assert/strict";
 *
 * assert.equal(socket.inet_ntoa(new Uint8Array([127, 0, 0, 1])), "127.0.0.1");
 * ```
 */
// deno-lint-ignore camelcase
export function inet_ntoa(packed: Uint8Array): string {
  if (!(packed instanceof Uint8Array) || packed.length !== 4) {
    throw new TypeError(
      `Cannot inet_ntoa as packed must be 4 bytes: current value is ${
        show(packed)
      }`,
    );
  }
  return packed.join(".");
}
