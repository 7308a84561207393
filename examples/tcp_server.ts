// Copyright 2026 the socketkit authors. MIT license.
// deno-lint-ignore-file no-console

/**
 * The tutorials' TCP echo server: answers each piece of data it receives
 * (each `recv(sock, 1024)`, as the Python servers answer each `recv(1024)`)
 * with that data prefixed by the local time in brackets, as Python's
 * `'[%s] %s' % (ctime(), data)`: `hello` comes back as
 * `[Sat Nov 21 05:21:01 2026] hello`. Serves many clients at once.
 *
 * Run it, then talk to it with `examples/tcp_client.ts`, `nc 127.0.0.1 8080`
 * or the tutorials' Python clients:
 *
 * ```sh
 * deno run --allow-net examples/tcp_server.ts --port 8080
 * ```
 *
 * The first line on standard output is `listening on HOST:PORT` (`--port 0`
 * picks a free port); connections are logged to standard error. Ctrl-C
 * closes the server and every connection and exits 0.
 *
 * @module
 */

import * as tcp from "../tcp.ts";
import { formatAddr } from "../_addr.ts";
import { parseExampleArgs } from "./_args.ts";
import {
  echoTimestamped,
  errorMessage,
  exitWithError,
  onCtrlC,
  serveConnections,
} from "./_common.ts";

const args = parseExampleArgs({
  usage:
    "deno run --allow-net examples/tcp_server.ts [--hostname HOST] [--port PORT]",
  addr: "listen",
});

let server: tcp.TcpServer;
try {
  server = tcp.listen({ hostname: args.hostname, port: args.port });
} catch (err) {
  exitWithError(err);
}

/** Serves one client: each piece of data comes back with the time in front. */
async function serve(conn: tcp.TcpSocket, signal: AbortSignal): Promise<void> {
  const peer = formatAddr(conn.remoteAddr);
  console.error(`connected from ${peer}`);
  try {
    await echoTimestamped(conn);
    console.error(`disconnected ${peer}`);
  } catch (err) {
    // A reset by the peer, or our own close on Ctrl-C.
    if (!signal.aborted) console.error(`dropped ${peer}: ${errorMessage(err)}`);
  }
}

// Ctrl-C closes the server and every connection; ready once it is handled.
const ctrlC = onCtrlC();
console.log(`listening on ${formatAddr(server.addr)}`);
await serveConnections(server, serve, ctrlC.signal);
ctrlC.dispose();
console.error("stopped");
