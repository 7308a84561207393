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
 * logged to standard error. It runs on `serve()`, so a client that resets
 * or stalls costs only its own connection. Ctrl-C closes the server and
 * exits 0.
 *
 * @module
 */

import * as tcp from "../tcp.ts";
import { formatAddr } from "../_addr.ts";
import { serve, type Server } from "../server.ts";
import { parseExampleArgs } from "./_args.ts";
import { errorMessage, exitWithError, onCtrlC } from "./_common.ts";

const args = parseExampleArgs({
  usage:
    "deno run --allow-net examples/time_server.ts [--hostname HOST] [--port PORT]",
  addr: "listen",
});

// Ctrl-C shuts the server down; handled from before listening on.
const ctrlC = onCtrlC();
let server: Server<Deno.NetAddr>;
try {
  server = await serve({
    hostname: args.hostname,
    port: args.port,
    signal: ctrlC.signal,
    shutdownTimeout: 5_000,
    onListen: (addr) => console.log(`listening on ${formatAddr(addr)}`),
    onError: (err, sock) =>
      console.error(
        sock === null
          ? errorMessage(err)
          : `dropped ${formatAddr(sock.remoteAddr)}: ${errorMessage(err)}`,
      ),
  }, async (conn) => {
    // Tells one client the time; the connection closes when this returns.
    console.error(`client ${formatAddr(conn.remoteAddr)} connected`);
    await tcp.sendAll(
      conn,
      `Current time is ${new Date().toISOString()}\n`,
      { timeout: 10_000 },
    );
  });
} catch (err) {
  exitWithError(err);
}
await server.finished;
ctrlC.dispose();
console.error("stopped");
