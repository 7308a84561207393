// Copyright 2026 the socketkit authors. MIT license.
// deno-lint-ignore-file no-console

/**
 * The tutorial's time server: on each connection it sends
 * `Current time is <ISO 8601 time>` and a newline, then closes.
 *
 * ```sh
 * deno run --allow-net examples/time_server.ts --port 3434
 * ```
 *
 * Ask it with `examples/time_client.ts --port 3434`, `nc 127.0.0.1 3434` or
 * the tutorial's Python client. The first line on standard output is
 * `listening on HOST:PORT` (`--port 0` picks a free port); connections are
 * logged to standard error. Ctrl-C closes the server and exits 0.
 *
 * @module
 */

import * as tcp from "../tcp.ts";
import { formatAddr } from "../_addr.ts";
import { parseExampleArgs } from "./_args.ts";
import {
  errorMessage,
  exitWithError,
  onCtrlC,
  serveConnections,
} from "./_common.ts";

const args = parseExampleArgs({
  usage:
    "deno run --allow-net examples/time_server.ts [--hostname HOST] [--port PORT]",
  addr: "listen",
});

let server: tcp.TcpServer;
try {
  server = tcp.listen({ hostname: args.hostname, port: args.port });
} catch (err) {
  exitWithError(err);
}

/** Tells one client the time; the connection closes when this returns. */
async function tell(conn: tcp.TcpSocket, signal: AbortSignal): Promise<void> {
  const peer = formatAddr(conn.remoteAddr);
  console.error(`client ${peer} connected`);
  try {
    await tcp.sendAll(conn, `Current time is ${new Date().toISOString()}\n`, {
      timeout: 10_000,
    });
  } catch (err) {
    if (!signal.aborted) console.error(`dropped ${peer}: ${errorMessage(err)}`);
  }
}

// Ctrl-C closes the server and every connection; ready once it is handled.
const ctrlC = onCtrlC();
console.log(`listening on ${formatAddr(server.addr)}`);
await serveConnections(server, tell, ctrlC.signal);
ctrlC.dispose();
console.error("stopped");
