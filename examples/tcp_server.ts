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
 * picks a free port); connections are logged to standard error. It runs on
 * `serve()`: a client that resets, stalls or floods costs only its own
 * connection. Ctrl-C shuts it down gracefully (no new clients, the
 * sessions waiting for data end) and exits 0.
 *
 * @module
 */

import { formatAddr } from "../_addr.ts";
import { serve, type Server } from "../server.ts";
import { parseExampleArgs } from "./_args.ts";
import {
  echoTimestamped,
  errorMessage,
  exitWithError,
  onCtrlC,
} from "./_common.ts";

const args = parseExampleArgs({
  usage:
    "deno run --allow-net examples/tcp_server.ts [--hostname HOST] [--port PORT]",
  addr: "listen",
});

// Ctrl-C shuts the server down: no new clients, the sessions waiting for
// data end, a reply being sent is sent. Handled from before listening on.
const ctrlC = onCtrlC();
let server: Server<Deno.NetAddr>;
try {
  server = await serve({
    hostname: args.hostname,
    port: args.port,
    signal: ctrlC.signal,
    shutdownTimeout: 5_000,
    onListen: (addr) => console.log(`listening on ${formatAddr(addr)}`),
    // A reset by the peer costs only that client.
    onError: (err, sock) =>
      console.error(
        sock === null
          ? errorMessage(err)
          : `dropped ${formatAddr(sock.remoteAddr)}: ${errorMessage(err)}`,
      ),
  }, async (conn, { signal }) => {
    // Serves one client: each piece of data comes back with the time in front.
    const peer = formatAddr(conn.remoteAddr);
    console.error(`connected from ${peer}`);
    await echoTimestamped(conn, signal);
    console.error(`disconnected ${peer}`);
  });
} catch (err) {
  exitWithError(err);
}
await server.finished;
ctrlC.dispose();
console.error("stopped");
