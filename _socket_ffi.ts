// Copyright 2026 the socketkit authors. MIT license.
// The facade's sockets that Deno cannot create (SOCK_RAW, SOCK_SEQPACKET,
// SOCK_RDM, ICMP datagram sockets, other families, socketpair ends): the
// Python methods over a libc socket (_ffi_socket.ts). socket.ts delegates
// to this class when the constructor's arguments call for it. Internal.

import { show } from "./_errors.ts";
import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  errnoNumber,
  isIpv4,
  isIpv6,
  type SockAddr,
} from "./_ffi.ts";
import { FdSocket, type WaitOptions } from "./_ffi_socket.ts";
import type { Address, OptionValue } from "./socket.ts";

// ---- constants the facade exports (Linux values, as Python has them) ----

/** Protocol: ICMP, for `SOCK_RAW` (or `SOCK_DGRAM`: the unprivileged ping socket). */
export const IPPROTO_ICMP = 1;
/** Protocol: ICMPv6, for `AF_INET6` `SOCK_RAW` (or `SOCK_DGRAM`). */
export const IPPROTO_ICMPV6 = 58;
/** Protocol: raw IP packets the caller builds whole (send only). */
export const IPPROTO_RAW = 255;
/** Option (`IPPROTO_IP`): the TTL of packets sent. */
export const IP_TTL = 2;
/** Option (`IPPROTO_IP`): packets sent carry the caller's IP header. */
export const IP_HDRINCL = 3;
/** Option (`IPPROTO_IPV6`): the hop limit of unicast packets sent. */
export const IPV6_UNICAST_HOPS = 16;
/** Option (`SOL_SOCKET`): the pending error (read only). */
export const SO_ERROR = 4;
/** Option (`SOL_SOCKET`): the send buffer size (Linux doubles what is set). */
export const SO_SNDBUF = 7;
/** Option (`SOL_SOCKET`): the receive buffer size (Linux doubles what is set). */
export const SO_RCVBUF = 8;
/** Flag for `recv`/`recvfrom`: read without taking the data. */
export const MSG_PEEK = 2;

const SOCK_STREAM = 1;
const SOCK_DGRAM = 2;
const SOCK_NONBLOCK = 2048;
const SOCK_CLOEXEC = 524288;

const FAMILY_NAMES: Record<number, string> = {
  [AF_UNIX]: "AF_UNIX",
  [AF_INET]: "AF_INET",
  [AF_INET6]: "AF_INET6",
};
const TYPE_NAMES: Record<number, string> = {
  1: "SOCK_STREAM",
  2: "SOCK_DGRAM",
  3: "SOCK_RAW",
  4: "SOCK_RDM",
  5: "SOCK_SEQPACKET",
};

/** What the facade lends this file: its error mapping and host resolution. */
export interface FacadeHelpers {
  /** Turns TimedOut and WouldBlock into Python's classes. */
  py(err: unknown): unknown;
  /** Checks an `[host, port]` address and resolves its host for the family. */
  netTarget(
    address: unknown,
    family: number,
    action: string,
  ): Promise<{ hostname: string; port: number }>;
}

/**
 * Whether `socket(family, type, proto)` needs libc: a family other than
 * AF_INET, AF_INET6 and AF_UNIX; a type other than SOCK_STREAM and
 * SOCK_DGRAM; or an ICMP datagram socket.
 */
export function needsFfi(family: number, type: number, proto: number): boolean {
  const base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (family !== AF_INET && family !== AF_INET6 && family !== AF_UNIX) {
    return true;
  }
  if (base !== SOCK_STREAM && base !== SOCK_DGRAM) return true;
  return base === SOCK_DGRAM && family !== AF_UNIX &&
    (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6);
}

/** `AF_INET SOCK_RAW`, for messages. */
export function socketName(family: number, type: number): string {
  return `${FAMILY_NAMES[family] ?? `address family ${family}`} ${
    TYPE_NAMES[type] ?? `socket type ${type}`
  } socket`;
}

function toAddress(addr: SockAddr): Address {
  if (addr.family === AF_UNIX) return addr.path;
  if (addr.family === AF_INET) return [addr.hostname, addr.port];
  return [addr.hostname, addr.port, addr.flowinfo, addr.scopeId];
}

/** The Python methods of a socket made through libc. */
export class FfiSocket {
  readonly #fd: FdSocket;
  readonly #helpers: FacadeHelpers;

  private constructor(fd: FdSocket, helpers: FacadeHelpers) {
    this.#fd = fd;
    this.#helpers = helpers;
  }

  /** Opens `socket(family, type, proto)` through libc. */
  static open(
    family: number,
    type: number,
    proto: number,
    helpers: FacadeHelpers,
  ): FfiSocket {
    const base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    const fd = FdSocket.open(
      family,
      base,
      proto,
      `create ${socketName(family, base)}`,
    );
    return new FfiSocket(fd, helpers);
  }

  /** Two connected Unix sockets of `type` (SOCK_DGRAM or SOCK_SEQPACKET). */
  static pair(type: number, helpers: FacadeHelpers): [FfiSocket, FfiSocket] {
    const [a, b] = FdSocket.pair(
      type,
      `socketpair ${TYPE_NAMES[type] ?? type}`,
    );
    return [new FfiSocket(a, helpers), new FfiSocket(b, helpers)];
  }

  get family(): number {
    return this.#fd.family;
  }

  get type(): number {
    return this.#fd.type;
  }

  get proto(): number {
    return this.#fd.protocol;
  }

  #name(): string {
    return socketName(this.#fd.family, this.#fd.type);
  }

  async #sockAddr(address: unknown, action: string): Promise<SockAddr> {
    const family = this.#fd.family;
    if (family === AF_UNIX) {
      const path = address instanceof Uint8Array
        ? new TextDecoder().decode(address)
        : address;
      if (typeof path !== "string" || path === "") {
        throw new TypeError(
          `Cannot ${action} as address must be a non-empty path for AF_UNIX: current value is ${
            show(address)
          }`,
        );
      }
      return { family, path };
    }
    if (family !== AF_INET && family !== AF_INET6) {
      throw new Deno.errors.NotSupported(
        `Cannot ${action}: addresses of address family ${family} are not supported`,
      );
    }
    const { hostname, port } = await this.#helpers.netTarget(
      address,
      family,
      action,
    );
    const host = hostname === ""
      ? (family === AF_INET ? "0.0.0.0" : "::")
      : hostname;
    if (family === AF_INET ? !isIpv4(host) : !isIpv6(host)) {
      throw new TypeError(
        `Cannot ${action} as the host must be an ${
          family === AF_INET ? "IPv4" : "IPv6"
        } address: current value is ${show(host)}`,
      );
    }
    if (family === AF_INET) return { family, hostname: host, port };
    const flowinfo = Array.isArray(address) ? Number(address[2] ?? 0) : 0;
    const scopeId = Array.isArray(address) ? Number(address[3] ?? 0) : 0;
    return { family, hostname: host, port, flowinfo, scopeId };
  }

  #where(address: unknown): string {
    return typeof address === "string"
      ? show(address)
      : Array.isArray(address)
      ? show(`${address[0]}:${address[1]}`)
      : show(address);
  }

  #run<T>(work: () => Promise<T>): Promise<T> {
    return work().catch((err) => {
      throw this.#helpers.py(err);
    });
  }

  bind(address: Address): Promise<void> {
    return this.#run(async () => {
      const action = `bind ${this.#where(address)}`;
      this.#fd.bind(await this.#sockAddr(address, action), action);
    });
  }

  listen(backlog = 128): Promise<void> {
    return this.#run(() => {
      if (typeof backlog !== "number" || !Number.isInteger(backlog)) {
        throw new TypeError(
          `Cannot listen as backlog must be an integer: current value is ${
            show(backlog)
          }`,
        );
      }
      this.#fd.listen(backlog, `listen on the ${this.#name()}`);
      return Promise.resolve();
    });
  }

  accept(io: WaitOptions): Promise<[FfiSocket, Address]> {
    return this.#run(async () => {
      const [fd, addr] = await this.#fd.accept(
        io,
        `accept on the ${this.#name()}`,
      );
      return [new FfiSocket(fd, this.#helpers), toAddress(addr)];
    });
  }

  connect(address: Address, io: WaitOptions): Promise<void> {
    return this.#run(async () => {
      const action = `connect to ${this.#where(address)}`;
      await this.#fd.connect(await this.#sockAddr(address, action), io, action);
    });
  }

  async connect_ex(address: Address, io: WaitOptions): Promise<number> {
    try {
      await this.connect(address, io);
      return 0;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code === "string" && errnoNumber(code) !== undefined) {
        return errnoNumber(code)!;
      }
      throw err;
    }
  }

  send(
    data: Uint8Array | string,
    flags: number,
    io: WaitOptions,
  ): Promise<number> {
    return this.#run(() => {
      checkSendFlags(flags, "send");
      return this.#fd.send(
        bytesOf(data, "send"),
        null,
        io,
        `send on the ${this.#name()}`,
      );
    });
  }

  sendall(
    data: Uint8Array | string,
    flags: number,
    io: WaitOptions,
  ): Promise<void> {
    return this.#run(async () => {
      checkSendFlags(flags, "sendall");
      const bytes = bytesOf(data, "sendall");
      let sent = 0;
      do {
        sent += await this.#fd.send(
          bytes.subarray(sent),
          null,
          io,
          `sendall on the ${this.#name()}`,
        );
      } while (sent < bytes.length);
    });
  }

  recv(bufsize: number, flags: number, io: WaitOptions): Promise<Uint8Array> {
    return this.#run(async () => {
      checkBufsize(bufsize, "recv");
      const buffer = new Uint8Array(bufsize);
      const n = await this.#fd.recv(
        buffer,
        flags,
        io,
        `recv on the ${this.#name()}`,
      );
      return buffer.slice(0, Math.min(n, bufsize));
    });
  }

  recv_into(
    buffer: Uint8Array,
    nbytes: number,
    flags: number,
    io: WaitOptions,
  ): Promise<number> {
    return this.#run(async () => {
      if (!(buffer instanceof Uint8Array)) {
        throw new TypeError(
          `Cannot recv_into as buffer must be a Uint8Array: current value is ${
            show(buffer)
          }`,
        );
      }
      checkBufsize(nbytes, "recv_into", 0);
      const target = nbytes === 0 ? buffer : buffer.subarray(0, nbytes);
      const n = await this.#fd.recv(
        target,
        flags,
        io,
        `recv_into on the ${this.#name()}`,
      );
      return Math.min(n, target.length);
    });
  }

  sendto(
    data: Uint8Array | string,
    address: Address,
    io: WaitOptions,
  ): Promise<number> {
    return this.#run(async () => {
      const action = `sendto ${this.#where(address)}`;
      return await this.#fd.send(
        bytesOf(data, "sendto"),
        await this.#sockAddr(address, action),
        io,
        action,
      );
    });
  }

  recvfrom(
    bufsize: number,
    flags: number,
    io: WaitOptions,
  ): Promise<[Uint8Array, Address]> {
    return this.#run(async () => {
      checkBufsize(bufsize, "recvfrom");
      const buffer = new Uint8Array(bufsize);
      const [n, addr] = await this.#fd.recvFrom(
        buffer,
        flags,
        io,
        `recvfrom on the ${this.#name()}`,
      );
      return [buffer.slice(0, Math.min(n, bufsize)), toAddress(addr)];
    });
  }

  setsockopt(
    level: number,
    optname: number,
    value: OptionValue,
  ): Promise<void> {
    return this.#run(() => {
      const action = `setsockopt level ${level} option ${optname}`;
      const raw = typeof value === "boolean" ? (value ? 1 : 0) : value;
      if (typeof raw !== "number" && !(raw instanceof Uint8Array)) {
        throw new TypeError(
          `Cannot ${action} as value must be an integer, a boolean or bytes: current value is ${
            show(value)
          }`,
        );
      }
      this.#fd.setOption(level, optname, raw, action);
      return Promise.resolve();
    });
  }

  getsockopt(level: number, optname: number, buflen?: number): number {
    const action = `getsockopt level ${level} option ${optname}`;
    if (buflen !== undefined) {
      throw new Deno.errors.NotSupported(
        `Cannot ${action}: raw option bytes are not returned (leave out buflen to read an integer)`,
      );
    }
    return this.#fd.getInt(level, optname, action);
  }

  getsockname(): Address {
    return toAddress(this.#fd.localAddr(`getsockname of the ${this.#name()}`));
  }

  getpeername(): Address {
    return toAddress(this.#fd.remoteAddr(`getpeername of the ${this.#name()}`));
  }

  shutdown(how: number): Promise<void> {
    return this.#run(() => {
      this.#fd.shutdown(how, `shutdown the ${this.#name()}`);
      return Promise.resolve();
    });
  }

  fileno(): number {
    return this.#fd.fd;
  }

  close(): Promise<void> {
    return this.#fd.close();
  }
}

function checkSendFlags(flags: number, action: string): void {
  if (flags !== 0) {
    throw new Deno.errors.NotSupported(
      `Cannot ${action} with flags: only 0 is supported on this socket: current value is ${flags}`,
    );
  }
}

const encoder = new TextEncoder();

function bytesOf(data: unknown, action: string): Uint8Array {
  if (typeof data === "string") return encoder.encode(data);
  if (data instanceof Uint8Array) return data;
  throw new TypeError(
    `Cannot ${action} as data must be a Uint8Array or a string: current value is ${
      show(data)
    }`,
  );
}

function checkBufsize(value: unknown, action: string, min = 1): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new RangeError(
      `Cannot ${action} as bufsize must be an integer from ${min} up: current value is ${
        show(value)
      }`,
    );
  }
}
