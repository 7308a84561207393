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

const encoder = new TextEncoder();
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = [
  "Jan",
  "Feb",
  "Mar",
  "Apr",
  "May",
  "Jun",
  "Jul",
  "Aug",
  "Sep",
  "Oct",
  "Nov",
  "Dec",
];

/** The local time as Python's `time.ctime()`: `Sat Nov 21 05:21:01 2026`. */
function ctime(date = new Date()): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${DAYS[date.getDay()]} ${MONTHS[date.getMonth()]} ${
    String(date.getDate()).padStart(2, " ")
  } ${two(date.getHours())}:${two(date.getMinutes())}:${
    two(date.getSeconds())
  } ${date.getFullYear()}`;
}

let server: unix.UnixServer;
try {
  server = await unix.listen(
    mode === undefined ? { path: args.path! } : { path: args.path!, mode },
  );
} catch (err) {
  console.error(`error: ${err instanceof Error ? err.message : err}`);
  Deno.exit(1);
}
console.log(`listening on ${formatAddr(server.addr)}`);

const open = new Set<unix.UnixSocket>();
const handlers = new Set<Promise<void>>();
let stopping = false;
let clients = 0;

async function serve(conn: unix.UnixSocket): Promise<void> {
  // Unix clients rarely bind a name, so number them.
  const peer = `client ${++clients}`;
  console.error(`connected: ${peer}`);
  try {
    for (;;) {
      const data = await unix.recv(conn, 1024);
      if (data === null) break;
      const prefix = encoder.encode(`[${ctime()}] `);
      const reply = new Uint8Array(prefix.length + data.length);
      reply.set(prefix);
      reply.set(data, prefix.length);
      await unix.sendAll(conn, reply);
    }
    console.error(`disconnected: ${peer}`);
  } catch (err) {
    // A reset by the peer, or our own close on Ctrl-C.
    if (!stopping) {
      console.error(
        `dropped ${peer}: ${err instanceof Error ? err.message : err}`,
      );
    }
  } finally {
    open.delete(conn);
    await unix.close(conn);
  }
}

function onInterrupt(): void {
  if (stopping) Deno.exit(130); // A second Ctrl-C: do not wait.
  stopping = true;
  console.error("stopping");
  unix.close(server);
  for (const conn of open) unix.close(conn);
}
Deno.addSignalListener("SIGINT", onInterrupt);

for await (const conn of server) {
  if (stopping) {
    await unix.close(conn);
    break;
  }
  open.add(conn);
  const handler = serve(conn);
  handlers.add(handler);
  handler.finally(() => handlers.delete(handler));
}
await unix.close(server); // also removes the socket file
await Promise.all(handlers);
Deno.removeSignalListener("SIGINT", onInterrupt);
console.error("stopped");
