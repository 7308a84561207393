// Copyright 2026 the socketkit authors. MIT license.
// The UDP backend on Deno.listenDatagram (needs --unstable-net), and the
// interface both UDP backends implement. Internal: udp.ts is the public API.

import { closeQuietly } from "./_errors.ts";
import { alloc } from "./_read_buffer.ts";

/** One received datagram: its bytes (owned by the caller) and its sender. */
export type Datagram = [Uint8Array, Deno.NetAddr];

/**
 * What udp.ts needs from a backend. Errors are thrown raw (Deno error
 * classes, node codes already mapped to them); udp.ts adds the action and
 * the address. Options a backend cannot honour throw
 * `Deno.errors.NotSupported` with a complete message.
 */
export interface UdpBackend {
  /** Which implementation this is. */
  readonly kind: "deno" | "node";
  /** The bound address. */
  readonly localAddr: Deno.NetAddr;
  /** Datagrams dropped because a receive queue was full (node backend). */
  readonly dropped: number;
  /**
   * Resolves to the next datagram, never truncated. udp.ts keeps at most one
   * call in flight and owns its promise until someone takes the datagram.
   * The backend calls `owner.received()` as the datagram is handed over (or
   * `owner.failed(err)` and throws what it returns), before the promise
   * settles, so udp.ts can skip a promise hop on its fast path.
   */
  receive(): Promise<Datagram>;
  /** Told when a receive settles; set by udp.ts. */
  owner: ReceiveOwner | null;
  /** Sends one datagram; resolves to the bytes sent. */
  send(data: Uint8Array, hostname: string, port: number): Promise<number>;
  setBroadcast(flag: boolean): Promise<void>;
  /** `iface`: an IPv4 interface address for IPv4 groups, an interface index for IPv6. */
  join(group: string, v6: boolean, iface: string | number): Promise<void>;
  leave(group: string, v6: boolean, iface: string | number): Promise<void>;
  setMulticastTtl(ttl: number): Promise<void>;
  setMulticastLoopback(flag: boolean): Promise<void>;
  /** Closes the socket; resolves once the backend holds no resource. */
  close(): Promise<void>;
}

/** The side of udp.ts that a backend tells when a receive settles. */
export interface ReceiveOwner {
  /** A datagram of `bytes` bytes is being handed over. */
  received(bytes: number): void;
  /** A receive failed; returns the error to reject with. */
  failed(err: unknown): unknown;
}

/** What udp.ts asks a backend to bind. */
export interface BindRequest {
  hostname: string;
  port: number;
  reuseAddress: boolean;
  broadcast: boolean;
  multicastLoopback: boolean;
}

/** A copy the caller owns: a view into the shared slab when small (see alloc). */
function copyOf(data: Uint8Array): Uint8Array {
  const out = alloc(data.length);
  out.set(data);
  return out;
}

/** The receive buffer: larger than any UDP payload (65,527 bytes over IPv6). */
const RECV_BYTES = 65_536;
/** Datagrams of at least this size are handed over with the buffer, not copied. */
const HANDOVER_BYTES = 16_384;

/** Whether this Deno exposes `Deno.listenDatagram` (it does with `--unstable-net`). */
export function hasListenDatagram(): boolean {
  return typeof (Deno as { listenDatagram?: unknown }).listenDatagram ===
    "function";
}

type Membership = {
  leave(): Promise<void>;
  setLoopback(flag: boolean): Promise<void>;
  setTTL?: (ttl: number) => Promise<void>;
};

/** The Deno.listenDatagram backend. */
export class DenoBackend implements UdpBackend {
  readonly kind = "deno";
  readonly localAddr: Deno.NetAddr;
  readonly dropped = 0;
  readonly conn: Deno.DatagramConn;
  owner: ReceiveOwner | null = null;
  readonly #memberships = new Map<string, Membership>();
  #buf = new Uint8Array(RECV_BYTES);
  #closing: Promise<void> | null = null;
  #pending: Promise<unknown> | null = null;

  constructor(request: BindRequest) {
    if (!request.broadcast) {
      throw new Deno.errors.NotSupported(
        `Cannot bind with broadcast false on the deno backend: Deno.listenDatagram always allows broadcast; use backend "node" to turn it off`,
      );
    }
    const listenDatagram = (Deno as unknown as {
      listenDatagram(
        options: Deno.UdpListenOptions & { transport: "udp" },
      ): Deno.DatagramConn;
    }).listenDatagram;
    this.conn = listenDatagram({
      transport: "udp",
      hostname: request.hostname,
      port: request.port,
      reuseAddress: request.reuseAddress,
      loopback: request.multicastLoopback,
    });
    const addr = this.conn.addr as Deno.NetAddr;
    this.localAddr = {
      transport: "udp",
      hostname: addr.hostname,
      port: addr.port,
    };
  }

  receive(): Promise<Datagram> {
    const pending = this.conn.receive(this.#buf).then(this.#ok, this.#err);
    this.#pending = pending;
    return pending;
  }

  readonly #ok = (
    [data, from]: [Uint8Array<ArrayBuffer>, Deno.Addr],
  ): Datagram => {
    this.#pending = null;
    const addr = from as Deno.NetAddr;
    let bytes: Uint8Array;
    if (data.length >= HANDOVER_BYTES) {
      bytes = data;
      this.#buf = new Uint8Array(RECV_BYTES);
    } else {
      bytes = copyOf(data);
    }
    this.owner?.received(bytes.length);
    return [bytes, {
      transport: "udp",
      hostname: addr.hostname,
      port: addr.port,
    }];
  };

  readonly #err = (err: unknown): never => {
    this.#pending = null;
    throw this.owner === null ? err : this.owner.failed(err);
  };

  send(data: Uint8Array, hostname: string, port: number): Promise<number> {
    return this.conn.send(data, { transport: "udp", hostname, port });
  }

  setBroadcast(flag: boolean): Promise<void> {
    if (flag) return Promise.resolve();
    return Promise.reject(
      new Deno.errors.NotSupported(
        `Cannot setBroadcast(false) on the deno backend: Deno.listenDatagram always allows broadcast; bind with backend "node" to turn it off`,
      ),
    );
  }

  async join(
    group: string,
    v6: boolean,
    iface: string | number,
  ): Promise<void> {
    const key = `${group}%${iface}`;
    if (this.#memberships.has(key)) {
      throw new Deno.errors.AlreadyExists(
        `the socket is already a member of ${group} on interface ${iface}`,
      );
    }
    let membership: Membership;
    if (v6) {
      if (typeof iface !== "number") {
        throw new Deno.errors.NotSupported(
          `Cannot joinMulticast ${group} on the deno backend with the interface name "${iface}": Deno.listenDatagram takes an interface index for IPv6 groups (such as "1"); use an index or backend "node"`,
        );
      }
      membership = await this.conn.joinMulticastV6(group, iface);
    } else {
      membership = await this.conn.joinMulticastV4(group, String(iface));
    }
    this.#memberships.set(key, membership);
  }

  async leave(
    group: string,
    _v6: boolean,
    iface: string | number,
  ): Promise<void> {
    const key = `${group}%${iface}`;
    const membership = this.#memberships.get(key);
    if (membership === undefined) {
      throw new Deno.errors.NotFound(
        `the socket is not a member of ${group} on interface ${iface}`,
      );
    }
    await membership.leave();
    this.#memberships.delete(key);
  }

  async setMulticastTtl(ttl: number): Promise<void> {
    for (const membership of this.#memberships.values()) {
      if (membership.setTTL !== undefined) {
        await membership.setTTL(ttl);
        return;
      }
    }
    throw new Deno.errors.NotSupported(
      `Cannot setMulticastTtl on the deno backend before joining an IPv4 group: Deno.listenDatagram sets the TTL only through an IPv4 membership (and never for IPv6); join a group first or bind with backend "node"`,
    );
  }

  async setMulticastLoopback(flag: boolean): Promise<void> {
    const first = this.#memberships.values().next();
    if (first.done) {
      throw new Deno.errors.NotSupported(
        `Cannot setMulticastLoopback on the deno backend before joining a group: Deno.listenDatagram sets it at bind time (bind option multicastLoopback) or through a membership; join a group first or bind with backend "node"`,
      );
    }
    await first.value.setLoopback(flag);
  }

  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    closeQuietly(this.conn);
    const pending = this.#pending;
    this.#closing = pending === null
      ? Promise.resolve()
      : pending.then(() => {}, () => {});
    return this.#closing;
  }
}
