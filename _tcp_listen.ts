// Copyright 2026 the socketkit authors. MIT license.
// Listening on TCP, synchronously. Internal: tcp.ts's listen() and the
// socket facade call it.

import { formatAddr, hostError, isMappedIpv4, parseAddr } from "./_addr.ts";
import { ioError, show } from "./_errors.ts";
import { refusePeers } from "./_accept.ts";
import { StreamServer } from "./_stream.ts";

/** Options for `listen` in tcp.ts. */
export interface ListenOptions {
  /**
   * The address to listen on; `""` and `"0.0.0.0"` mean every IPv4
   * interface, `"::"` every interface.
   *
   * @default {"0.0.0.0"}
   */
  hostname?: string;
  /**
   * The port; `0` lets the system pick a free one (read it from
   * `server.addr.port`).
   *
   * @default {0}
   */
  port?: number;
  /**
   * Sets `SO_REUSEPORT` (Linux), so several processes can share the port.
   *
   * @default {false}
   */
  reusePort?: boolean;
  /**
   * The length of the queue of connections not yet accepted.
   *
   * @default {511}
   */
  backlog?: number;
  /**
   * Serves IPv6 clients only. `"::"` is dual stack on Linux (IPv4 clients
   * arrive as `::ffff:a.b.c.d`), and Deno cannot set `IPV6_V6ONLY`, so with
   * this option `accept` closes IPv4 clients at once instead: they connect,
   * then see the connection closed. The port stays taken for IPv4 too.
   * Needs an IPv6 `hostname`.
   *
   * @default {false}
   */
  ipv6Only?: boolean;
  /**
   * Whether one socket takes IPv4 and IPv6 clients, as Python's
   * `create_server(..., dualstack_ipv6=True)`. With this option the
   * hostname defaults to `"::"`, the only hostname it allows: `true`
   * serves both families (IPv4 clients arrive as `::ffff:a.b.c.d`), and
   * `false` is `ipv6Only: true`. Without it, `"::"` is dual stack too.
   *
   * @default {undefined}
   */
  dualStack?: boolean;
}

/**
 * tcp.ts's `listen`, synchronously (Deno.listen needs no wait), for the
 * socket facade, whose `bind` and `listen` are synchronous as Python's.
 */
export function listenTcp(
  options: ListenOptions | string | number,
): StreamServer<Deno.NetAddr> {
  const parsed = typeof options === "string" || typeof options === "number"
    ? { ...parseAddr(options, "listen", "0.0.0.0"), reusePort: false }
    : listenOptions(options);
  const where = `listen on ${
    show(formatAddr({ transport: "tcp", ...parsed }))
  }`;
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({
      transport: "tcp",
      hostname: parsed.hostname,
      port: parsed.port,
      ...(parsed.reusePort ? { reusePort: true } : {}),
      ...(parsed.backlog !== undefined ? { tcpBacklog: parsed.backlog } : {}),
    });
  } catch (err) {
    throw hostError("listen", parsed.hostname, err) ?? ioError(where, err);
  }
  const server = new StreamServer(listener);
  if (parsed.ipv6Only) serveIpv6Only(server);
  return server;
}

/**
 * Checks a listen call's `ipv6Only`, before any I/O: a boolean, and `true`
 * only with an IPv6 hostname. tcp.ts's and tls.ts's `listen` share it.
 *
 * @returns Whether the server is to serve IPv6 clients only.
 */
export function checkIpv6Only(value: unknown, hostname: string): boolean {
  if (value !== undefined && typeof value !== "boolean") {
    throw new TypeError(
      `Cannot listen as ipv6Only must be a boolean: current value is ${
        show(value)
      }`,
    );
  }
  if (value === true && !hostname.includes(":")) {
    throw new TypeError(
      `Cannot listen as ipv6Only needs an IPv6 hostname such as "::": current value is ${
        show(hostname)
      }`,
    );
  }
  return value === true;
}

/**
 * Makes `accept` on `server` close IPv4 clients (`::ffff:a.b.c.d` on a
 * dual-stack `"::"`) at once: `ipv6Only`, as Deno cannot set IPV6_V6ONLY.
 */
export function serveIpv6Only(server: StreamServer): void {
  refusePeers(server, isMappedIpv4);
}

function listenOptions(options: ListenOptions): {
  hostname: string;
  port: number;
  reusePort: boolean;
  backlog?: number;
  ipv6Only?: boolean;
} {
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `Cannot listen as options must be an object, a "host:port" string or a port number: current value is ${
        show(options)
      }`,
    );
  }
  // Only a missing field takes its default: null is a mistake, not "any".
  const { hostname, port } = parseAddr(
    {
      hostname: options.hostname === undefined
        ? (options.dualStack === undefined ? "0.0.0.0" : "::")
        : options.hostname,
      port: options.port === undefined ? 0 : options.port,
    },
    "listen",
    "0.0.0.0",
  );
  const backlog = options.backlog;
  if (
    options.reusePort !== undefined && typeof options.reusePort !== "boolean"
  ) {
    throw new TypeError(
      `Cannot listen as reusePort must be a boolean: current value is ${
        show(options.reusePort)
      }`,
    );
  }
  if (
    backlog !== undefined &&
    (typeof backlog !== "number" || !Number.isInteger(backlog) || backlog < 0)
  ) {
    throw new RangeError(
      `Cannot listen as backlog must be a non-negative integer: current value is ${
        show(backlog)
      }`,
    );
  }
  let ipv6Only = checkIpv6Only(options.ipv6Only, hostname);
  const dualStack = options.dualStack;
  if (dualStack !== undefined) {
    if (typeof dualStack !== "boolean") {
      throw new TypeError(
        `Cannot listen as dualStack must be a boolean: current value is ${
          show(dualStack)
        }`,
      );
    }
    if (hostname !== "::") {
      throw new TypeError(
        `Cannot listen as dualStack needs the hostname "::" (every interface, both families): current value is ${
          show(hostname)
        }`,
      );
    }
    if (dualStack && ipv6Only) {
      throw new TypeError(
        "Cannot listen as dualStack: true and ipv6Only: true contradict each other",
      );
    }
    if (!dualStack) ipv6Only = true;
  }
  return {
    hostname,
    port,
    reusePort: options.reusePort === true,
    ...(backlog !== undefined ? { backlog } : {}),
    ...(ipv6Only ? { ipv6Only } : {}),
  };
}
