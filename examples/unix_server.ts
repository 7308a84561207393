// Copyright 2026 the socketkit authors. MIT license.
// deno-lint-ignore-file no-console

/**
 * The tutorials' echo server over a Unix socket: answers each piece of data
 * it receives (each `recv(sock, 1024)`, as the Python servers answer each
 * `recv(1024)`) with that data prefixed by the local time in brackets, as
 * Python's `'[%s] %s' % (ctime(), data)`: `hello` comes back as
 * `[Sat Nov 21 05:21:01 2026] hello`. Serves many clients at once.
 *
 * `--path` is required. Deno checks read and write access to the socket
 * path and net access to `unix:<path>`, so the exact flags are:
 *
 * ```sh
 * deno run --allow-read=/tmp/echo.sock --allow-write=/tmp/echo.sock --allow-net=unix:/tmp/echo.sock examples/unix_server.ts --path /tmp/echo.sock
 * ```
 *
 * (`--allow-read --allow-write --allow-net` without values also work.)
 * Talk to it with `examples/unix_client.ts`, `nc -U /tmp/echo.sock` or a
 * Python `socket.socket(socket.AF_UNIX)` client.
 *
 * The first line on standard output is `listening on PATH`; connections are
 * logged to standard error. A stale socket file left by a crashed server
 * is replaced; a live one is an error. Ctrl-C closes the server and every
 * connection, removes the socket file and exits 0.
 *
 * @module
 */

import * as unix from "../unix.ts";
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
    "deno run --allow-read=PATH --allow-write=PATH --allow-net=unix:PATH examples/unix_server.ts --path PATH [--mode OCTAL]",
  path: "required",
  options: { mode: { type: "string" } },
});

let mode: number | undefined;
if (args.values.mode !== undefined) {
  if (!/^[0-7]{1,3}$/.test(args.values.mode)) {
    args.fail(
      `--mode must be octal permission bits such as 600: current value is ${
        JSON.stringify(args.values.mode)
      }`,
    );
  }
  mode = parseInt(args.values.mode, 8);
}

let server: unix.UnixServer;
try {
  server = await unix.listen(
    mode === undefined ? { path: args.path! } : { path: args.path!, mode },
  );
} catch (err) {
  exitWithError(err);
}

let clients = 0;

/** Serves one client: each piece of data comes back with the time in front. */
async function serve(
  conn: unix.UnixSocket,
  signal: AbortSignal,
): Promise<void> {
  // Unix clients rarely bind a name, so number them.
  const peer = `client ${++clients}`;
  console.error(`connected: ${peer}`);
  try {
    await echoTimestamped(conn);
    console.error(`disconnected: ${peer}`);
  } catch (err) {
    // A reset by the peer, or our own close on Ctrl-C.
    if (!signal.aborted) console.error(`dropped ${peer}: ${errorMessage(err)}`);
  }
}

// Ctrl-C closes the server (which removes the socket file) and every
// connection; ready once it is handled.
const ctrlC = onCtrlC();
console.log(`listening on ${formatAddr(server.addr)}`);
await serveConnections(server, serve, ctrlC.signal);
ctrlC.dispose();
console.error("stopped");
