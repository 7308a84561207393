// Copyright 2026 the socketkit authors. MIT license.

/**
 * The tutorials' TCP echo client: sends each line it reads from standard
 * input (with a `> ` prompt when standard input is a terminal), or each
 * `--message` value, and prints each reply; it stops at the line `exit` or
 * at the end of its input.
 *
 * ```sh
 * deno run --allow-net examples/tcp_client.ts --port 8080
 * deno run --allow-net examples/tcp_client.ts --port 8080 --message hello --message again
 * ```
 *
 * Each message goes out as one line (`hello\n`), so a server that echoes
 * it, as `examples/tcp_server.ts` does, ends its reply with that newline
 * however many TCP segments, or server-side reads, the reply took. The
 * client reads until the reply ends with a newline; for servers that do
 * not echo the newline, a reply also ends after 250 ms without new bytes
 * (a timed-out `recv` loses nothing: the read in flight stays with the
 * socket).
 *
 * @module
 */

import * as tcp from "../tcp.ts";
import { parseExampleArgs } from "./_args.ts";
import { echoLines, exitWithError, inputLines } from "./_common.ts";

const args = parseExampleArgs({
  usage:
    "deno run --allow-net examples/tcp_client.ts --port PORT [--hostname HOST] [--message TEXT]...",
  addr: "connect",
  options: { message: { type: "string", multiple: true } },
});

let sock: tcp.TcpSocket;
try {
  sock = await tcp.connect({ hostname: args.hostname, port: args.port });
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
  await tcp.close(sock);
}
