// Copyright 2026 the socketkit authors. MIT license.
// deno-lint-ignore-file no-console

/**
 * The command line of the ICMP examples (ping.ts, traceroute.ts): their
 * own short options, `-4` / `-6`, `-h`, and one HOST, parsed with
 * `node:util` `parseArgs`. Bad input prints `error: ...` and the usage to
 * standard error and exits 2; `-h` prints the usage and exits 0.
 *
 * @module
 */

import { parseArgs } from "node:util";

/** A parsed ICMP example command line. */
export interface IcmpArgs {
  /** The values of the example's own options, by letter. */
  values: Record<string, string | undefined>;
  /** The one HOST argument. */
  host: string;
  /** 4 or 6 with -4 or -6, else undefined. */
  family: 4 | 6 | undefined;
  /** Prints `error: <message>` and the usage, then exits 2. */
  fail(message: string): never;
}

/**
 * Parses `Deno.args` for an ICMP example whose own options (`flags`, one
 * letter each) take a value, besides -4, -6 and -h.
 */
export function parseIcmpArgs(usage: string, flags: string[]): IcmpArgs {
  function fail(message: string): never {
    console.error(`error: ${message}`);
    console.error(`usage: ${usage}`);
    Deno.exit(2);
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: Deno.args,
      allowPositionals: true,
      options: {
        ...Object.fromEntries(
          flags.map((flag) => [flag, { type: "string" as const }]),
        ),
        "4": { type: "boolean" },
        "6": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    fail((err as Error).message);
  }
  if (parsed.values.help) {
    console.log(`usage: ${usage}`);
    Deno.exit(0);
  }
  if (parsed.positionals.length !== 1) fail("give exactly one HOST");
  const values: Record<string, string | undefined> = {};
  for (const flag of flags) {
    const value = (parsed.values as Record<string, unknown>)[flag];
    values[flag] = typeof value === "string" ? value : undefined;
  }
  return {
    values,
    host: parsed.positionals[0]!,
    family: parsed.values["6"] ? 6 : parsed.values["4"] ? 4 : undefined,
    fail,
  };
}
