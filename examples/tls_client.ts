// Copyright 2026 the socketkit authors. MIT license.

/**
 * The tutorials' echo client over TLS: sends each line it reads from
 * standard input (with a `> ` prompt when standard input is a terminal),
 * or each `--message` value, and prints each reply; it stops at the line
 * `exit` or at the end of its input. The server's certificate must chain to
 * a CA in `--ca FILE` (or the system's roots) and carry the name
 * `--servername` (default: the host connected to).
 *
 * ```sh
 * deno run --allow-net=127.0.0.1 --allow-read=tests/fixtures/ca.pem \
 *   examples/tls_client.ts --ca tests/fixtures/ca.pem --port 8443 --message hello
 * ```
 *
 * An untrusted certificate or a wrong name prints one line, such as
 * `error: Cannot handshake with "127.0.0.1:8443": invalid peer certificate:
 * UnknownIssuer`, and exits 1.
 *
 * @module
 */

import * as tls from "../tls.ts";
import { parseExampleArgs } from "./_args.ts";
import { echoLines, exitWithError, inputLines } from "./_common.ts";

const args = parseExampleArgs({
  usage:
    "deno run --allow-net=127.0.0.1 --allow-read=CA examples/tls_client.ts --port PORT [--ca CA] [--servername NAME] [--hostname HOST] [--message TEXT]...",
  addr: "connect",
  options: {
    ca: { type: "string" },
    servername: { type: "string" },
    message: { type: "string", multiple: true },
  },
});
if (args.values.servername === "") args.fail("--servername must not be empty");

let sock: tls.TlsSocket;
try {
  const caCerts = args.values.ca === undefined
    ? []
    : [await Deno.readTextFile(args.values.ca)];
  sock = await tls.connect({ hostname: args.hostname, port: args.port }, {
    caCerts,
    ...(args.values.servername !== undefined
      ? { serverName: args.values.servername }
      : {}),
    timeout: 10_000,
  });
} catch (err) {
  exitWithError(err);
}

const lines: AsyncIterable<string> | Iterable<string> =
  args.values.message !== undefined ? args.values.message : inputLines();
try {
  await echoLines(sock, lines);
  // End with close_notify, so the server sees a clean end of stream.
  await tls.shutdown(sock);
} catch (err) {
  exitWithError(err);
} finally {
  await tls.close(sock);
}
