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
 * `--mode 600` also needs `--allow-sys` (to set the umask): the socket file is created
 * with those bits, never wider, for its whole life.
 * Talk to it with `examples/unix_client.ts`, `nc -U /tmp/echo.sock` or a
 * Python `socket.socket(socket.AF_UNIX)` client.
 *
 * The first line on standard output is `listening on PATH`; connections are
 * logged to standard error. A stale socket file left by a crashed server
 * is replaced; a live one is an error. With `--mode`, the socket never
 * accepts with wider permissions than asked. It runs on `serve()`: a
 * client that resets or stalls costs only its own connection. Ctrl-C shuts
 * it down gracefully, removes the socket file and exits 0.
 *
 * @module
 */

import { formatAddr } from "../_addr.ts";
import {
  serve,
  type Server,
  type ServeUnixOptions,
  type StreamSocket,
} from "../server.ts";
import { parseExampleArgs } from "./_args.ts";
import {
  echoTimestamped,
  errorMessage,
  exitWithError,
  onCtrlC,
} from "./_common.ts";

const args = parseExampleArgs({
  usage:
    "deno run --allow-read=PATH --allow-write=PATH --allow-net=unix:PATH [--allow-sys] examples/unix_server.ts --path PATH [--mode OCTAL]",
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

/** Each client's number, for the log. */
const peers = new WeakMap<StreamSocket, string>();

let clients = 0;

// Ctrl-C shuts the server down (which removes the socket file); handled
// from before listening on.
const ctrlC = onCtrlC();
let server: Server<Deno.UnixAddr>;
try {
  const options: ServeUnixOptions = {
    path: args.path!,
    signal: ctrlC.signal,
    shutdownTimeout: 5_000,
    onListen: (addr) => console.log(`listening on ${formatAddr(addr)}`),
    onError: (err, sock) =>
      console.error(
        sock === null
          ? errorMessage(err)
          : `dropped ${peers.get(sock)}: ${errorMessage(err)}`,
      ),
  };
  if (mode !== undefined) options.mode = mode;
  server = await serve(options, async (conn, { signal }) => {
    // Serves one client: each piece of data comes back with the time in
    // front. Unix clients rarely bind a name, so number them.
    const peer = `client ${++clients}`;
    peers.set(conn, peer);
    console.error(`connected: ${peer}`);
    await echoTimestamped(conn, signal);
    console.error(`disconnected: ${peer}`);
  });
} catch (err) {
  exitWithError(err);
}
await server.finished;
ctrlC.dispose();
console.error("stopped");
