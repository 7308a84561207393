// Copyright 2026 the socketkit authors. MIT license.
// Name resolution and Happy Eyeballs (RFC 8305) connects. Internal: tcp.ts
// and mod.ts export lookup().

import { show } from "./_errors.ts";

/** One address a name resolves to. */
export interface LookupAddress {
  /** The IP address: `"127.0.0.1"`, `"::1"`. */
  address: string;
  /** 4 or 6. */
  family: 4 | 6;
}

/** Options for {@linkcode lookup}. */
export interface LookupOptions {
  /**
   * Only addresses of this family: 4 or 6; 0 for both.
   *
   * @default {0}
   */
  family?: 0 | 4 | 6;
}

const IPV4_REGEXP = /^\d{1,3}(\.\d{1,3}){3}$/;

/** The family of an IP address literal, or 0 for a name. */
export function familyOf(host: string): 0 | 4 | 6 {
  if (IPV4_REGEXP.test(host)) return 4;
  return host.includes(":") ? 6 : 0;
}

/**
 * Resolves a host name to every address it has, as the system resolver
 * does (`/etc/hosts` included, as `getaddrinfo`), in the resolver's order.
 * An IP address resolves to itself.
 *
 * Requires `allow-net` permission (and `allow-sys` is not needed).
 *
 * @param hostname The name, or an IP address.
 * @param options Which family to keep.
 * @returns The addresses; never empty.
 * @throws {TypeError} If `hostname` is not a non-empty string.
 * @throws {RangeError} If `family` is not 0, 4 or 6.
 * @throws {Deno.errors.NotFound} If the name does not resolve.
 *
 * @example Resolve localhost
 * ```ts
 * import { lookup } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * const addresses = await lookup("localhost", { family: 4 });
 * assert.deepEqual(addresses[0], { address: "127.0.0.1", family: 4 });
 * ```
 *
 * @tags allow-net
 */
export async function lookup(
  hostname: string,
  options: LookupOptions = {},
): Promise<LookupAddress[]> {
  if (typeof hostname !== "string" || hostname === "") {
    throw new TypeError(
      `Cannot lookup as hostname must be a non-empty string: current value is ${
        show(hostname)
      }`,
    );
  }
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `Cannot lookup ${
        show(hostname)
      } as options must be an object: current value is ${show(options)}`,
    );
  }
  const family = options.family ?? 0;
  if (family !== 0 && family !== 4 && family !== 6) {
    throw new RangeError(
      `Cannot lookup ${
        show(hostname)
      } as family must be 0, 4 or 6: current value is ${show(family)}`,
    );
  }
  const literal = familyOf(hostname);
  if (literal !== 0) {
    if (family !== 0 && family !== literal) {
      throw new Deno.errors.NotFound(
        `Cannot lookup ${
          show(hostname)
        }: it is an IPv${literal} address, not IPv${family}`,
      );
    }
    return [{ address: hostname, family: literal }];
  }
  // Loaded on first use, so that importing the library costs nothing here.
  const dns = await import("node:dns/promises");
  let found: { address: string; family: number }[];
  try {
    found = await dns.lookup(hostname, { all: true, family });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new Deno.errors.NotFound(
      `Cannot lookup ${show(hostname)}: ${
        code === "ENOTFOUND" || code === "EAI_NONAME" || code === "EAI_NODATA"
          ? "the name does not resolve"
          : String((err as Error).message ?? err)
      }`,
      { cause: err },
    );
  }
  const out: LookupAddress[] = [];
  const seen = new Set<string>();
  for (const { address, family } of found) {
    if (seen.has(address)) continue;
    seen.add(address);
    out.push({ address, family: family === 6 ? 6 : 4 });
  }
  if (out.length === 0) {
    throw new Deno.errors.NotFound(
      `Cannot lookup ${show(hostname)}: the name has no ${
        family === 0 ? "" : `IPv${family} `
      }address`,
    );
  }
  return out;
}

/**
 * Orders addresses as RFC 8305 asks: families alternate, starting with the
 * family of the first address, each family in the resolver's order.
 */
export function interleave(addresses: LookupAddress[]): LookupAddress[] {
  if (addresses.length < 2) return addresses;
  const first = addresses[0]!.family;
  const a = addresses.filter((x) => x.family === first);
  const b = addresses.filter((x) => x.family !== first);
  const out: LookupAddress[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (i < a.length) out.push(a[i]!);
    if (i < b.length) out.push(b[i]!);
  }
  return out;
}

/** One address that failed, and why. */
export interface AttemptFailure {
  address: string;
  error: unknown;
}

/**
 * Connects to the first of `addresses` that answers, RFC 8305 style: one
 * attempt at a time, the next one started when the last failed or after
 * `delay` ms without an answer, earlier ones kept going; the first
 * connection wins and the other attempts are cancelled. Resolves once every
 * other attempt has settled (a connection that lost the race is closed).
 *
 * Rejects, when all fail, with the failures in order; when `signal`
 * aborts, with its reason.
 */
export function connectFirst<C extends { close(): void }>(
  addresses: readonly string[],
  attempt: (address: string, signal: AbortSignal) => Promise<C>,
  delay: number,
  signal: AbortSignal | undefined,
): Promise<C> {
  return new Promise<C>((resolve, reject) => {
    const failures: AttemptFailure[] = [];
    const attempts: { controller: AbortController; settled: Promise<void> }[] =
      [];
    let next = 0;
    let active = 0;
    let winner: C | null = null;
    let finished = false;
    let timer: ReturnType<typeof setTimeout> | undefined;

    const finish = (outcome: () => void, keep?: AbortController) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      for (const a of attempts) {
        if (a.controller !== keep) a.controller.abort();
      }
      // Settle only once no attempt is left running.
      Promise.all(attempts.map((a) => a.settled)).then(outcome);
    };
    const onAbort = () => finish(() => reject(signal!.reason));

    const start = () => {
      clearTimeout(timer);
      timer = undefined;
      if (finished || next >= addresses.length) return;
      const address = addresses[next++]!;
      const controller = new AbortController();
      const both = signal === undefined
        ? controller.signal
        : AbortSignal.any([signal, controller.signal]);
      active++;
      const settled = attempt(address, both).then(
        (conn) => {
          active--;
          if (finished || winner !== null) {
            conn.close();
            return;
          }
          winner = conn;
          finish(() => resolve(conn), controller);
        },
        (error) => {
          active--;
          if (finished) return;
          failures.push({ address, error });
          if (next < addresses.length) start();
          else if (active === 0) finish(() => reject(failures));
        },
      );
      attempts.push({ controller, settled });
      if (next < addresses.length) timer = setTimeout(start, delay);
    };

    if (signal?.aborted) return reject(signal.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    start();
  });
}
