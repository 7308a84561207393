// Copyright 2026 the socketkit authors. MIT license.
// deno-lint-ignore-file no-console

/**
 * The tutorials' echo server over TLS: answers each piece of data it
 * receives with that data prefixed by the local time in brackets, as
 * `examples/tcp_server.ts` does, on a TLS port served by `serve({ tls })`.
 * A client that connects and never finishes its handshake is dropped after
 * `--handshake-timeout` (default 10 s) without holding up the others.
 *
 * Make a test certificate (or use `tests/fixtures/`), run the server, then
 * talk to it with `examples/tls_client.ts`, `openssl s_client` or
 * `ncat --ssl`:
 *
 * ```sh
 * deno run --allow-net=127.0.0.1 --allow-read=tests/fixtures \
 *   examples/tls_server.ts --cert tests/fixtures/localhost.pem \
 *   --key tests/fixtures/localhost.key --port 8443
 * ```
 *
 * The first line on standard output is `listening on HOST:PORT` (`--port 0`
 * picks a free port); connections are logged to standard error. Ctrl-C
 * stops accepting, closes every connection and exits 0.
 *
 * @module
 */

import { formatAddr } from "../_addr.ts";
import { serve } from "../server.ts";
import { parseExampleArgs } from "./_args.ts";
import {
  echoTimestamped,
  errorMessage,
  exitWithError,
  onCtrlC,
} from "./_common.ts";

const args = parseExampleArgs({
  usage:
    "deno run --allow-net=127.0.0.1 --allow-read=CERT,KEY examples/tls_server.ts --cert CERT --key KEY [--hostname HOST] [--port PORT] [--handshake-timeout MS]",
  addr: "listen",
  options: {
    cert: { type: "string" },
    key: { type: "string" },
    "handshake-timeout": { type: "string" },
  },
});
const certFile = args.values.cert ?? args.fail("--cert is required");
const keyFile = args.values.key ?? args.fail("--key is required");
const handshakeText = args.values["handshake-timeout"] ?? "10000";
const handshakeTimeout = /^\d{1,9}$/.test(handshakeText)
  ? Number(handshakeText)
  : NaN;
if (!(handshakeTimeout >= 1)) {
  args.fail(
    `--handshake-timeout must be a positive number of milliseconds: current value is ${
      JSON.stringify(handshakeText)
    }`,
  );
}

let cert: string;
let key: string;
try {
  cert = await Deno.readTextFile(certFile);
  key = await Deno.readTextFile(keyFile);
} catch (err) {
  exitWithError(err);
}

const ctrlC = onCtrlC();
let server;
try {
  server = await serve({
    hostname: args.hostname,
    port: args.port,
    tls: { cert, key, handshakeTimeout },
    signal: ctrlC.signal,
    shutdownTimeout: 1_000,
    onError: (err, sock) => {
      const peer = sock === null ? "" : ` ${formatAddr(sock.remoteAddr)}`;
      console.error(`dropped${peer}: ${errorMessage(err)}`);
    },
  }, async (sock) => {
    const peer = formatAddr(sock.remoteAddr);
    console.error(`connected from ${peer}`);
    try {
      await echoTimestamped(sock);
      console.error(`disconnected ${peer}`);
    } catch (err) {
      // A reset by the peer, or our own close on Ctrl-C.
      if (!ctrlC.signal.aborted) {
        console.error(`dropped ${peer}: ${errorMessage(err)}`);
      }
    }
  });
} catch (err) {
  exitWithError(err);
}
console.log(`listening on ${formatAddr(server.addr)}`);
await server.finished;
ctrlC.dispose();
console.error("stopped");
