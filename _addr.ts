// Copyright 2026 the socketkit authors. MIT license.
// Address parsing, validation and formatting. Internal: re-exported by mod.ts.

import { show } from "./_errors.ts";

/** A host and port, as accepted by `connect` and `listen`. */
export interface HostPort {
  /** The host name or IP address. IPv6 addresses are written without brackets. */
  hostname: string;
  /** The port number, from 0 to 65535. */
  port: number;
}

/**
 * An address for a TCP or UDP peer: a `{ hostname, port }` object, a
 * string `"host:port"` (`"[::1]:8080"` for IPv6), or a port number alone
 * (then the host is the default of the call: loopback for `connect`, every
 * interface for `listen`).
 */
export type AddressInput =
  | string
  | number
  | { hostname?: string; port: number };

const HOST_PORT_REGEXP = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/;

/**
 * Checks that `port` is an integer from 0 to 65535.
 *
 * @throws {TypeError} If `port` is not a number.
 * @throws {RangeError} If `port` is not an integer from 0 to 65535.
 */
export function validatePort(port: unknown, action: string): number {
  if (typeof port !== "number") {
    throw new TypeError(
      `Cannot ${action} as port must be a number: current value is ${
        show(port)
      }`,
    );
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(
      `Cannot ${action} as port must be an integer from 0 to 65535: current value is ${port}`,
    );
  }
  return port;
}

/**
 * Parses an address given as `"host:port"`, `"[v6]:port"`,
 * `{ hostname, port }` or a port number into a {@linkcode HostPort}.
 *
 * @param input The address.
 * @param action What the caller is about to do, for error messages
 * ("connect", "listen").
 * @param defaultHostname The host name used when the address has none.
 * @returns The validated host and port.
 * @throws {TypeError} If the address is malformed.
 * @throws {RangeError} If the port is out of range.
 *
 * @example Parse the three forms
 * ```ts
 * import { parseAddr } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseAddr("127.0.0.1:8080"), { hostname: "127.0.0.1", port: 8080 });
 * assert.deepEqual(parseAddr("[::1]:53"), { hostname: "::1", port: 53 });
 * assert.deepEqual(parseAddr({ port: 0 }), { hostname: "127.0.0.1", port: 0 });
 * assert.deepEqual(parseAddr(8080), { hostname: "127.0.0.1", port: 8080 });
 * ```
 */
export function parseAddr(
  input: AddressInput,
  action = "parse address",
  defaultHostname = "127.0.0.1",
): HostPort {
  if (typeof input === "number") {
    return { hostname: defaultHostname, port: validatePort(input, action) };
  }
  if (typeof input === "string") {
    const match = HOST_PORT_REGEXP.exec(input);
    if (match === null) {
      throw new TypeError(
        `Cannot ${action} as address must be "host:port" or "[ipv6]:port": current value is ${
          show(input)
        }`,
      );
    }
    const hostname = match[1] ?? match[2] ?? "";
    const port = Number(match[3]);
    if (port > 65535) {
      throw new RangeError(
        `Cannot ${action} as port must be an integer from 0 to 65535: current value is ${port}`,
      );
    }
    return { hostname: hostname === "" ? defaultHostname : hostname, port };
  }
  if (input === null || typeof input !== "object") {
    throw new TypeError(
      `Cannot ${action} as address must be a "host:port" string, a { hostname, port } object or a port number: current value is ${
        show(input)
      }`,
    );
  }
  const port = validatePort(input.port, action);
  // Only a missing hostname takes the default: null is a mistake.
  const hostname = input.hostname === undefined
    ? defaultHostname
    : input.hostname;
  if (typeof hostname !== "string") {
    throw new TypeError(
      `Cannot ${action} as hostname must be a string: current value is ${
        show(hostname)
      }`,
    );
  }
  return { hostname: hostname === "" ? defaultHostname : hostname, port };
}

/**
 * The argument error for a host name Deno refuses to parse (it throws a
 * bare `URIError` for `"a b"`, `"a/b"` or `"é.com"`), or `null` when `err`
 * is something else. Internal.
 */
export function hostError(
  action: string,
  hostname: string,
  err: unknown,
): TypeError | null {
  if (!(err instanceof URIError)) return null;
  const reason = /: ([^:]*)$/.exec(err.message)?.[1] ?? err.message;
  return new TypeError(
    `Cannot ${action} as hostname must be a host name or an IP address (${reason}): current value is ${
      show(hostname)
    }`,
    { cause: err },
  );
}

/**
 * Formats a Deno address for people: `127.0.0.1:8080`, `[::1]:8080`, a Unix
 * path, `@name` for a Linux abstract socket, or `(unnamed)` for an unbound
 * Unix peer.
 *
 * @param addr The address, as found on `localAddr` and `remoteAddr`.
 * @returns The address as text.
 *
 * @example Format a TCP address
 * ```ts
 * import { formatAddr } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatAddr({ transport: "tcp", hostname: "::1", port: 80 }), "[::1]:80");
 * ```
 */
export function formatAddr(addr: Deno.Addr): string {
  if ("hostname" in addr) {
    return addr.hostname.includes(":")
      ? `[${addr.hostname}]:${addr.port}`
      : `${addr.hostname}:${addr.port}`;
  }
  if (!("path" in addr)) return addr.transport;
  const path = addr.path;
  if (path === null || path === "") return "(unnamed)";
  if (path.startsWith("\0")) return `@${path.slice(1)}`;
  return path;
}

/**
 * A host as an IPv4 peer of a dual-stack socket shows it, unmapped:
 * `"::ffff:127.0.0.1"` is `"127.0.0.1"`; any other host is lowercased.
 */
export function unmapped(hostname: string): string {
  const lower = hostname.toLowerCase();
  return lower.startsWith("::ffff:") && lower.includes(".")
    ? lower.slice(7)
    : lower;
}

/** Whether `addr` is an IPv4 peer of an IPv6 socket (`::ffff:a.b.c.d`). */
export function isMappedIpv4(addr: Deno.Addr): boolean {
  return "hostname" in addr && addr.hostname.includes(":") &&
    !unmapped(addr.hostname).includes(":");
}
