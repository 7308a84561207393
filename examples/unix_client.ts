// Copyright 2026 the socketkit authors. MIT license.

/**
 * The tutorials' echo client over a Unix socket: sends each line it reads
 * from standard input (with a `> ` prompt when standard input is a
 * terminal), or each `--message` value, and prints each reply; it stops at
 * the line `exit` or at the end of its input.
 *
 * `--path` is required. Deno checks read and write access to the socket
 * path and net access to `unix:<path>`, so the exact flags are:
 *
 * ```sh
 * deno run --allow-read=/tmp/echo.sock --allow-write=/tmp/echo.sock --allow-net=unix:/tmp/echo.sock examples/unix_client.ts --path /tmp/echo.sock
 * deno run --allow-read --allow-write --allow-net examples/unix_client.ts --path /tmp/echo.sock --message hello --message again
 * ```
 *
 * Each message goes out as one line (`hello\n`), so a server that echoes
 * it, as `examples/unix_server.ts` does, ends its reply with that newline
 * however many reads the reply took. The client reads until the reply ends
 * with a newline; for servers that do not echo the newline, a reply also
 * ends after 250 ms without new bytes (a timed-out `recv` loses nothing:
 * the read in flight stays with the socket).
 *
 * @module
 */

import * as unix from "../unix.ts";
import { parseExampleArgs } from "./_args.ts";
import { echoLines, exitWithError, inputLines } from "./_common.ts";

const args = parseExampleArgs({
  usage:
    "deno run --allow-read=PATH --allow-write=PATH --allow-net=unix:PATH examples/unix_client.ts --path PATH [--message TEXT]...",
  path: "required",
  options: { message: { type: "string", multiple: true } },
});

let sock: unix.UnixSocket;
try {
  sock = await unix.connect(args.path!);
} catch (err) {
  exitWithError(err);
}

const lines: AsyncIterable<string> | Iterable<string> =
  args.values.message !== undefined ? args.values.message : inputLines();
try {
  await echoLines(sock, lines);
} catch (err) {
  exitWithError(err);
} finally {
  await unix.close(sock);
}
