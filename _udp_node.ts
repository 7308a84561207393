// Copyright 2026 the socketkit authors. MIT license.
// The UDP backend on node:dgram, which Deno runs without --unstable-net.
// Internal: udp.ts is the public API.
//
// node:dgram pushes datagrams as events whether anyone reads or not, so they
// wait in a bounded queue that the next receive takes from. When the queue is
// full, new datagrams are dropped (and counted), as the kernel drops them when
// a socket's receive buffer is full: UDP never promised delivery.

import dgram from "node:dgram";
import { getSystemErrorMessage } from "node:util";
import { setCode } from "./_errors.ts";
import type {
  BindRequest,
  Datagram,
  ReceiveOwner,
  UdpBackend,
} from "./_udp_deno.ts";

/** The most datagrams the node backend queues before dropping new ones. */
export const MAX_QUEUED_DATAGRAMS = 4_096;
/** The most payload bytes the node backend queues before dropping new datagrams. */
export const MAX_QUEUED_BYTES = 16 * 1024 * 1024;

const queueLimits = {
  datagrams: MAX_QUEUED_DATAGRAMS,
  bytes: MAX_QUEUED_BYTES,
};

/**
 * For tests: sets the queue bounds of sockets bound from now on. Returns a
 * function that restores the defaults.
 */
export function setQueueLimitsForTesting(
  datagrams: number,
  bytes: number,
): () => void {
  queueLimits.datagrams = datagrams;
  queueLimits.bytes = bytes;
  return () => {
    queueLimits.datagrams = MAX_QUEUED_DATAGRAMS;
    queueLimits.bytes = MAX_QUEUED_BYTES;
  };
}

type ErrorClass = new (message?: string, options?: ErrorOptions) => Error;

const CODES: Record<string, ErrorClass> = {
  EADDRINUSE: Deno.errors.AddrInUse,
  EADDRNOTAVAIL: Deno.errors.AddrNotAvailable,
  ECONNREFUSED: Deno.errors.ConnectionRefused,
  ECONNRESET: Deno.errors.ConnectionReset,
  EACCES: Deno.errors.PermissionDenied,
  EPERM: Deno.errors.PermissionDenied,
  ENOTFOUND: Deno.errors.NotFound,
  EAI_NONAME: Deno.errors.NotFound,
  ENETUNREACH: Deno.errors.NetworkUnreachable,
  EINVAL: TypeError,
  ERR_SOCKET_DGRAM_NOT_RUNNING: Deno.errors.BadResource,
  ERR_SOCKET_BAD_PORT: RangeError,
};

/** Gives a node:dgram error the matching `Deno.errors` class, keeping its code. */
export function fromNodeError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== "string") return err;
  let ctor = CODES[code];
  if (code === "EMSGSIZE") ctor = RangeError;
  if (ctor === undefined) return err;
  const errno = (err as { errno?: unknown }).errno;
  let reason = err.message;
  if (typeof errno === "number" && errno < 0) {
    try {
      reason = getSystemErrorMessage(errno);
    } catch {
      // Keep node's message.
    }
  }
  return setCode(new ctor(reason, { cause: err }), code);
}

function hostOf(hostname: string, port: number): string {
  return hostname.includes(":")
    ? `[${hostname}]:${port}`
    : `${hostname}:${port}`;
}

/**
 * Whether the program may use `host` ("name:port"), asking as Deno would
 * (a prompt on a terminal). Deno's node:dgram throws a missing permission
 * from inside bind, out of reach of any handler, so we check first.
 */
function allowed(host: string): boolean {
  const desc = { name: "net", host } as const;
  if (Deno.permissions.querySync(desc).state === "granted") return true;
  return Deno.permissions.requestSync(desc).state === "granted";
}

function notCapable(host: string): Error {
  return new Deno.errors.NotCapable(
    `Requires net access to "${host}", run again with the --allow-net flag`,
  );
}

function addrOf(info: { address: string; port: number }): Deno.NetAddr {
  return { transport: "udp", hostname: info.address, port: info.port };
}

/** The node:dgram backend. */
export class NodeBackend implements UdpBackend {
  readonly kind = "node";
  readonly socket: dgram.Socket;
  owner: ReceiveOwner | null = null;
  #localAddr: Deno.NetAddr = { transport: "udp", hostname: "", port: 0 };
  #queue: Datagram[] = [];
  #head = 0;
  #queuedBytes = 0;
  #dropped = 0;
  #error: unknown = null;
  #waiter:
    | { resolve: (d: Datagram) => void; reject: (err: unknown) => void }
    | null = null;
  #closing: Promise<void> | null = null;
  readonly #memberships = new Set<string>();
  readonly #maxDatagrams = queueLimits.datagrams;
  readonly #maxBytes = queueLimits.bytes;

  private constructor(socket: dgram.Socket) {
    this.socket = socket;
  }

  /** Creates and binds a socket; resolves once it is bound. */
  static async bind(request: BindRequest): Promise<NodeBackend> {
    const v6 = request.hostname.includes(":");
    const host = hostOf(request.hostname, request.port);
    if (!allowed(host)) throw notCapable(host);
    const socket = dgram.createSocket({
      type: v6 ? "udp6" : "udp4",
      reuseAddr: request.reuseAddress,
    });
    const backend = new NodeBackend(socket);
    socket.on("message", (msg, info) => backend.#onMessage(msg, info));
    socket.on("error", (err) => backend.#onError(err));
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once("error", reject);
        socket.bind({ address: request.hostname, port: request.port }, () => {
          socket.off("error", reject);
          resolve();
        });
      });
      const info = socket.address();
      backend.#localAddr = addrOf(info);
      socket.setBroadcast(request.broadcast);
      socket.setMulticastLoopback(request.multicastLoopback);
    } catch (err) {
      await backend.close();
      throw fromNodeError(err);
    }
    backend.#error = null;
    return backend;
  }

  get localAddr(): Deno.NetAddr {
    return this.#localAddr;
  }

  get dropped(): number {
    return this.#dropped;
  }

  #onMessage(msg: Uint8Array, info: dgram.RemoteInfo): void {
    // Deno's node:dgram reuses the memory behind `msg`: copy at once.
    const datagram: Datagram = [new Uint8Array(msg), addrOf(info)];
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      this.owner?.received(msg.length);
      waiter.resolve(datagram);
      return;
    }
    const queued = this.#queue.length - this.#head;
    if (
      queued >= this.#maxDatagrams ||
      this.#queuedBytes + msg.length > this.#maxBytes
    ) {
      this.#dropped++;
      return;
    }
    this.#queue.push(datagram);
    this.#queuedBytes += msg.length;
  }

  #onError(err: unknown): void {
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      waiter.reject(this.#failed(fromNodeError(err)));
    } else {
      this.#error = err;
    }
  }

  receive(): Promise<Datagram> {
    if (this.#head < this.#queue.length) {
      const datagram = this.#queue[this.#head]!;
      this.#queue[this.#head++] = undefined as unknown as Datagram;
      this.#queuedBytes -= datagram[0].length;
      if (this.#head === this.#queue.length) {
        this.#queue = [];
        this.#head = 0;
      } else if (this.#head >= 1024 && this.#head * 2 >= this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      this.owner?.received(datagram[0].length);
      return Promise.resolve(datagram);
    }
    if (this.#error !== null) {
      const err = this.#error;
      this.#error = null;
      return Promise.reject(this.#failed(fromNodeError(err)));
    }
    if (this.#closing !== null) {
      return Promise.reject(
        this.#failed(new Deno.errors.BadResource("the socket is closed")),
      );
    }
    return new Promise<Datagram>((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  send(data: Uint8Array, hostname: string, port: number): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      try {
        this.socket.send(data, port, hostname, (err, n) => {
          if (!err) {
            resolve(n ?? data.length);
            return;
          }
          // Deno's node:dgram reports a missing permission as "UNKNOWN".
          const host = hostOf(hostname, port);
          const denied =
            Deno.permissions.querySync({ name: "net", host }).state !==
              "granted";
          reject(denied ? notCapable(host) : fromNodeError(err));
        });
      } catch (err) {
        reject(fromNodeError(err));
      }
    });
  }

  setBroadcast(flag: boolean): Promise<void> {
    return this.#sync(() => this.socket.setBroadcast(flag));
  }

  join(group: string, v6: boolean, iface: string | number): Promise<void> {
    const key = `${group}%${iface}`;
    if (this.#memberships.has(key)) {
      return Promise.reject(
        new Deno.errors.AlreadyExists(
          `the socket is already a member of ${group} on interface ${iface}`,
        ),
      );
    }
    return this.#sync(() => {
      this.socket.addMembership(group, nodeInterface(v6, iface));
      this.#memberships.add(key);
    });
  }

  leave(group: string, v6: boolean, iface: string | number): Promise<void> {
    const key = `${group}%${iface}`;
    if (!this.#memberships.has(key)) {
      return Promise.reject(
        new Deno.errors.NotFound(
          `the socket is not a member of ${group} on interface ${iface}`,
        ),
      );
    }
    return this.#sync(() => {
      this.socket.dropMembership(group, nodeInterface(v6, iface));
      this.#memberships.delete(key);
    });
  }

  setMulticastTtl(ttl: number): Promise<void> {
    if (ttl === 0) {
      return Promise.reject(
        new Deno.errors.NotSupported(
          `Cannot setMulticastTtl(0) on the node backend: Deno's node:dgram refuses a TTL of 0; use 1 (the local network) or the deno backend`,
        ),
      );
    }
    return this.#sync(() => this.socket.setMulticastTTL(ttl));
  }

  setMulticastLoopback(flag: boolean): Promise<void> {
    return this.#sync(() => this.socket.setMulticastLoopback(flag));
  }

  #failed(err: unknown): unknown {
    return this.owner === null ? err : this.owner.failed(err);
  }

  #sync(fn: () => unknown): Promise<void> {
    try {
      fn();
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(fromNodeError(err));
    }
  }

  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    const waiter = this.#waiter;
    this.#waiter = null;
    this.#queue = [];
    this.#head = 0;
    this.#queuedBytes = 0;
    this.#closing = new Promise<void>((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve(); // Never bound, or already closed.
      }
    });
    waiter?.reject(
      this.#failed(new Deno.errors.BadResource("the socket is closed")),
    );
    return this.#closing;
  }
}

/** node:dgram names an IPv6 interface as a scope: `::%1` or `::%eth0`. */
function nodeInterface(
  v6: boolean,
  iface: string | number,
): string | undefined {
  if (v6) return iface === 0 ? undefined : `::%${iface}`;
  return iface === "0.0.0.0" ? undefined : String(iface);
}
