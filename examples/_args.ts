// Copyright 2026 the socketkit authors. MIT license.
// deno-lint-ignore-file no-console

/**
 * The command-line helper shared by every example: `--hostname`, `--port`
 * and `--path`, parsed with `node:util` `parseArgs`.
 *
 * On bad input it prints two lines to standard error — `error: <what is
 * wrong>` and `usage: <usage>` — and exits with status 2 (as Python's
 * argparse does); `--help` prints the usage and exits 0.
 *
 * ```ts
 * import { parseExampleArgs } from "./_args.ts";
 *
 * const args = parseExampleArgs({
 *   usage: "deno run --allow-net examples/echo_client.ts --port PORT [--hostname HOST] [--message TEXT]...",
 *   addr: "connect",
 *   options: { message: { type: "string", multiple: true } },
 * });
 * args.hostname; // "127.0.0.1" unless --hostname was given
 * args.port; // required for "connect", 1–65535
 * args.values.message; // string[] | undefined
 * if (args.values.message?.length === 0) args.fail("--message must not be empty");
 * ```
 *
 * @module
 */

import { parseArgs, type ParseArgsOptionsConfig } from "node:util";

/** What an example accepts. */
export interface ExampleArgsSpec<T extends ParseArgsOptionsConfig> {
  /** The usage text printed after `usage: ` (one line). */
  usage: string;
  /**
   * `"listen"`: `--hostname` (default `127.0.0.1`) and `--port` (default 0,
   * 0–65535). `"connect"`: `--hostname` (default `127.0.0.1`) and `--port`
   * (required, 1–65535). Absent: neither option is accepted.
   */
  addr?: "listen" | "connect";
  /** Whether `--path` is accepted (`"optional"`) or must be given (`"required"`). */
  path?: "optional" | "required";
  /** More options, in `node:util` `parseArgs` form; their values come back in `values`. */
  options?: T;
  /** The arguments to parse. @default {Deno.args} */
  args?: string[];
}

/** The parsed command line. */
export interface ExampleArgs<T extends ParseArgsOptionsConfig> {
  /** `--hostname`, or `127.0.0.1`. */
  hostname: string;
  /** `--port`, or 0. */
  port: number;
  /** `--path`, or `undefined`. */
  path: string | undefined;
  /** The values of the extra `options`, as `node:util` `parseArgs` returns them. */
  values: ReturnType<typeof parseArgs<{ options: T; strict: true }>>["values"];
  /** Prints `error: <message>` and the usage to standard error, then exits 2. */
  fail(message: string): never;
}

const PORT_REGEXP = /^\d{1,5}$/;

/**
 * Parses an example's command line, or prints a one-line error and the
 * usage and exits 2.
 */
export function parseExampleArgs<
  const T extends ParseArgsOptionsConfig = Record<never, never>,
>(spec: ExampleArgsSpec<T>): ExampleArgs<T> {
  function fail(message: string): never {
    console.error(`error: ${message}`);
    console.error(`usage: ${spec.usage}`);
    Deno.exit(2);
  }
  const options: ParseArgsOptionsConfig = {
    ...spec.options,
    help: { type: "boolean", short: "h" },
  };
  if (spec.addr !== undefined) {
    options.hostname = { type: "string" };
    options.port = { type: "string" };
  }
  if (spec.path !== undefined) options.path = { type: "string" };
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: spec.args ?? Deno.args,
      options,
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    // node:util reports unknown options, missing values and positionals.
    fail(err instanceof Error ? err.message.split("\n")[0]! : String(err));
  }
  if (values.help === true) {
    console.log(`usage: ${spec.usage}`);
    Deno.exit(0);
  }
  let hostname = "127.0.0.1";
  let port = 0;
  if (spec.addr !== undefined) {
    if (values.hostname !== undefined) {
      hostname = values.hostname as string;
      if (hostname === "") fail(`--hostname must not be empty`);
    }
    const text = values.port as string | undefined;
    const min = spec.addr === "connect" ? 1 : 0;
    if (text === undefined) {
      if (spec.addr === "connect") fail("--port is required");
    } else {
      port = PORT_REGEXP.test(text) ? Number(text) : NaN;
      if (!(port >= min && port <= 65535)) {
        fail(
          `--port must be an integer from ${min} to 65535: current value is ${
            JSON.stringify(text)
          }`,
        );
      }
    }
  }
  const path = values.path as string | undefined;
  if (spec.path === "required" && path === undefined) {
    fail("--path is required");
  }
  if (path === "") fail("--path must not be empty");
  delete values.help;
  delete values.hostname;
  delete values.port;
  delete values.path;
  return {
    hostname,
    port,
    path,
    values: values as ExampleArgs<T>["values"],
    fail,
  };
}
