// Copyright 2026 the socketkit authors. MIT license.
// deno-lint-ignore-file no-console

/**
 * The tutorials' UDP time-stamp server: answers each datagram, to its
 * sender, with the data prefixed by the local time in brackets, as
 * Python's `'[%s] %s' % (ctime(), data)`: `hello` comes back as
 * `[Sat Nov 21 05:21:01 2026] hello`.
 *
 * It needs only `--allow-net`: without `--unstable-net` the library falls
 * back from `Deno.listenDatagram` to `node:dgram` (it says which on
 * standard error).
 *
 * ```sh
 * deno run --allow-net examples/udp_server.ts --port 8080
 * deno run --allow-net examples/udp_client.ts --port 8080 --message hello
 * ```
 *
 * The first line on standard output is `listening on HOST:PORT`
 * (`--hostname` defaults to 127.0.0.1; `--port 0`, the default, picks a
 * free port); each datagram is logged to standard error. Ctrl-C closes the
 * socket and exits 0.
 *
 * @module
 */

import * as udp from "../udp.ts";
import { formatAddr } from "../_addr.ts";
import { parseExampleArgs } from "./_args.ts";
import {
  errorMessage,
  exitWithError,
  onCtrlC,
  timestamped,
} from "./_common.ts";

const args = parseExampleArgs({
  usage:
    "deno run --allow-net examples/udp_server.ts [--hostname HOST] [--port PORT]",
  addr: "listen",
});

let sock: udp.UdpSocket;
try {
  sock = await udp.bind({ hostname: args.hostname, port: args.port });
} catch (err) {
  exitWithError(err);
}

// Ctrl-C closes the socket; ready once it is handled.
const ctrlC = onCtrlC(() => udp.close(sock));
console.log(`listening on ${formatAddr(sock.localAddr)}`);
console.error(
  `using the ${sock.backend} backend (${
    sock.backend === "deno" ? "Deno.listenDatagram" : "node:dgram"
  })`,
);

// The loop ends when Ctrl-C closes the socket.
for await (const [data, from] of sock) {
  try {
    await udp.sendTo(sock, timestamped(data), from);
    console.error(
      `received ${data.length} bytes from and returned to ${formatAddr(from)}`,
    );
  } catch (err) {
    // A reply too large for one datagram, or a closed socket on Ctrl-C.
    if (sock.closed) break;
    console.error(`cannot answer ${formatAddr(from)}: ${errorMessage(err)}`);
  }
}
await udp.close(sock);
ctrlC.dispose();
console.error("stopped");
