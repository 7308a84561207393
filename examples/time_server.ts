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

const args = parseExampleArgs({
  usage:
    "deno run --allow-net examples/time_server.ts [--hostname HOST] [--port PORT]",
  addr: "listen",
});

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

async function tell(conn: tcp.TcpSocket): Promise<void> {
  const peer = formatAddr(conn.remoteAddr);
  console.error(`client ${peer} connected`);
  try {
    await tcp.sendAll(conn, `Current time is ${new Date().toISOString()}\n`, {
      timeout: 10_000,
    });
  } catch (err) {
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
  const handler = tell(conn);
  handlers.add(handler);
  handler.finally(() => handlers.delete(handler));
}
await tcp.close(server);
await Promise.all(handlers);
Deno.removeSignalListener("SIGINT", onInterrupt);
console.error("stopped");
