// Copyright 2026 the socketkit authors. MIT license.
// deno-lint-ignore-file no-console

/**
 * The tutorial's multi-client message server, on `serve()` and framing.
 *
 * Each client message is a 64-byte header — the payload length in decimal
 * ASCII, padded with spaces — followed by the UTF-8 payload. For each
 * message the server prints `[ADDRESS] message`, replies with the bytes
 * `Msg received` (not framed), and ends the session after the message
 * `!DISCONNECT`. It prints `[ACTIVE CONNECTIONS] N` whenever the number of
 * clients changes. It speaks byte for byte with the tutorial's Python
 * client (`client.py`) and `examples/chat_client.ts`.
 *
 * ```sh
 * deno run --allow-net examples/chat_server.ts --port 5050
 * ```
 *
 * The first line on standard output is `listening on HOST:PORT` (`--port 0`
 * picks a free port; the default is the tutorial's 5050). Unlike the
 * Python server, it reads the header and the payload exactly (a `recv`
 * may return less), and a header that is not a number, or announces more
 * than 8 MiB, costs only that client its connection. Each message, header
 * and payload, must arrive within `--message-timeout` seconds (default 30)
 * of the previous reply, so a client that sends a byte at a time, or
 * nothing, cannot hold a connection for ever; `--max-connections N` caps
 * the clients served at once (the others wait to be accepted). Ctrl-C
 * shuts down gracefully: no new clients, the sessions waiting for a
 * message are closed, a message already read is answered, then it exits 0.
 *
 * @module
 */

import { formatAddr } from "../_addr.ts";
import { recvFrame } from "../framing.ts";
import { serve, type Server } from "../server.ts";
import * as tcp from "../tcp.ts";
import { parseExampleArgs } from "./_args.ts";
import { errorMessage, exitWithError, onCtrlC } from "./_common.ts";

/** The tutorial's header: 64 bytes of decimal digits and spaces. */
const HEADER = { kind: "text", width: 64 } as const;
const DISCONNECT_MESSAGE = "!DISCONNECT";
const REPLY = new TextEncoder().encode("Msg received");
const DEFAULT_PORT = "5050";

/** How long a client may take over one message, by default: 30 seconds. */
const DEFAULT_MESSAGE_TIMEOUT_SECONDS = "30";

const hasPort = Deno.args.some((a) =>
  a === "--port" || a.startsWith("--port=")
);
const args = parseExampleArgs({
  usage:
    "deno run --allow-net examples/chat_server.ts [--hostname HOST] [--port PORT] [--message-timeout SECONDS] [--max-connections N]",
  addr: "listen",
  args: hasPort ? Deno.args : [...Deno.args, "--port", DEFAULT_PORT],
  options: {
    "message-timeout": { type: "string" },
    "max-connections": { type: "string" },
  },
});

const timeoutText = args.values["message-timeout"] ??
  DEFAULT_MESSAGE_TIMEOUT_SECONDS;
const messageTimeout = /^\d+(?:\.\d+)?$/.test(timeoutText)
  ? Math.round(Number(timeoutText) * 1_000)
  : NaN;
if (!(messageTimeout >= 1 && messageTimeout <= 2_147_483_647)) {
  args.fail(
    `--message-timeout must be a positive number of seconds: current value is ${
      JSON.stringify(timeoutText)
    }`,
  );
}
const maxText = args.values["max-connections"];
const maxConnections = maxText === undefined
  ? Infinity
  : /^\d{1,9}$/.test(maxText)
  ? Number(maxText)
  : NaN;
if (!(maxConnections >= 1)) {
  args.fail(
    `--max-connections must be an integer from 1 up: current value is ${
      JSON.stringify(maxText)
    }`,
  );
}

const decoder = new TextDecoder();
let active = 0;

// Ctrl-C shuts the server down gracefully; handled from before listening on.
const ctrlC = onCtrlC();
let server: Server<Deno.NetAddr>;
try {
  server = await serve({
    hostname: args.hostname,
    port: args.port,
    signal: ctrlC.signal,
    maxConnections,
    shutdownTimeout: 5_000,
    onListen: (addr) => console.log(`listening on ${formatAddr(addr)}`),
    onError: (err, sock) => {
      const who = sock === null ? "accept" : formatAddr(sock.remoteAddr);
      console.error(`[ERROR] ${who}: ${errorMessage(err)}`);
    },
  }, async (sock, { signal }) => {
    const addr = formatAddr(sock.remoteAddr);
    console.log(`[NEW CONNECTION] ${addr} connected.`);
    console.log(`[ACTIVE CONNECTIONS] ${++active}`);
    try {
      for (;;) {
        // The whole message — header and payload — must arrive within
        // messageTimeout of the last reply: a client that drips a byte at
        // a time, or says nothing, gives up its slot (TimedOut, reported
        // by onError) instead of holding it for ever. Ctrl-C (the signal)
        // stops the wait; a message already read is still answered.
        const payload = await recvFrame(sock, {
          header: HEADER,
          signal,
          timeout: messageTimeout,
        });
        if (payload === null) return; // The client left without a word.
        const msg = decoder.decode(payload);
        console.log(`[${addr}] ${msg}`);
        await tcp.sendAll(sock, REPLY, { timeout: messageTimeout });
        if (msg === DISCONNECT_MESSAGE) return;
      }
    } finally {
      console.log(`[ACTIVE CONNECTIONS] ${--active}`);
    }
  });
} catch (err) {
  exitWithError(err);
}

await server.finished;
ctrlC.dispose();
console.error("stopped");
