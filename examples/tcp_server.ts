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

const args = parseExampleArgs({
  usage:
    "deno run --allow-net examples/tcp_server.ts [--hostname HOST] [--port PORT]",
  addr: "listen",
});

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

let server: tcp.TcpServer;
try {
  server = tcp.listen({ hostname: args.hostname, port: args.port });
} catch (err) {
  console.error(`error: ${err instanceof Error ? err.message : err}`);
  Deno.exit(1);
}

const open = new Set<tcp.TcpSocket>();
const handlers = new Set<Promise<void>>();
let stopping = false;

async function serve(conn: tcp.TcpSocket): Promise<void> {
  const peer = formatAddr(conn.remoteAddr);
  console.error(`connected from ${peer}`);
  try {
    for (;;) {
      const data = await tcp.recv(conn, 1024);
      if (data === null) break;
      const prefix = encoder.encode(`[${ctime()}] `);
      const reply = new Uint8Array(prefix.length + data.length);
      reply.set(prefix);
      reply.set(data, prefix.length);
      await tcp.sendAll(conn, reply);
    }
    console.error(`disconnected ${peer}`);
  } catch (err) {
    // A reset by the peer, or our own close on Ctrl-C.
    if (!stopping) {
      console.error(
        `dropped ${peer}: ${err instanceof Error ? err.message : err}`,
      );
    }
  } finally {
    open.delete(conn);
    await tcp.close(conn);
  }
}

function onInterrupt(): void {
  if (stopping) Deno.exit(130); // A second Ctrl-C: do not wait.
  stopping = true;
  console.error("stopping");
  tcp.close(server);
  for (const conn of open) tcp.close(conn);
}
Deno.addSignalListener("SIGINT", onInterrupt);
// Ready: Ctrl-C is handled from here on.
console.log(`listening on ${formatAddr(server.addr)}`);

for await (const conn of server) {
  if (stopping) {
    await tcp.close(conn);
    break;
  }
  open.add(conn);
  const handler = serve(conn);
  handlers.add(handler);
  handler.finally(() => handlers.delete(handler));
}
await tcp.close(server);
await Promise.all(handlers);
Deno.removeSignalListener("SIGINT", onInterrupt);
console.error("stopped");
