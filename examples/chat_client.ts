// Copyright 2026 the socketkit authors. MIT license.
// deno-lint-ignore-file no-console

/**
 * The tutorial's message client: sends each message with the 64-byte text
 * header (the payload length in decimal ASCII, padded with spaces) and
 * prints the server's reply, `Msg received`. By default it sends
 * `Hello World!` then `!DISCONNECT`, as the tutorial's `client.py` does;
 * with `--message` it sends those instead, then `!DISCONNECT` unless the
 * last one already was.
 *
 * ```sh
 * deno run --allow-net examples/chat_client.ts --port 5050
 * deno run --allow-net examples/chat_client.ts --port 5050 --message hi --message "how are you?"
 * ```
 *
 * It talks byte for byte like the tutorial's client, to
 * `examples/chat_server.ts` or the tutorial's Python `server.py` (port
 * 5050 by default). The reply carries no length, so the client reads
 * exactly the 12 bytes of `Msg received` (where the Python client's
 * `recv(2048)` could return part of it).
 *
 * @module
 */

import { sendFrame } from "../framing.ts";
import * as tcp from "../tcp.ts";
import { parseExampleArgs } from "./_args.ts";
import { errorMessage, exitWithError } from "./_common.ts";

const HEADER = { kind: "text", width: 64 } as const;
const DISCONNECT_MESSAGE = "!DISCONNECT";
const REPLY_BYTES = "Msg received".length;
const DEFAULT_PORT = "5050";

const hasPort = Deno.args.some((a) =>
  a === "--port" || a.startsWith("--port=")
);
const args = parseExampleArgs({
  usage:
    "deno run --allow-net examples/chat_client.ts [--hostname HOST] [--port PORT] [--message TEXT]...",
  addr: "connect",
  args: hasPort ? Deno.args : [...Deno.args, "--port", DEFAULT_PORT],
  options: { message: { type: "string", multiple: true } },
});

const messages = args.values.message ?? ["Hello World!"];
if (messages.at(-1) !== DISCONNECT_MESSAGE) messages.push(DISCONNECT_MESSAGE);
const decoder = new TextDecoder();

let sock: tcp.TcpSocket;
try {
  sock = await tcp.connect({ hostname: args.hostname, port: args.port });
} catch (err) {
  exitWithError(err);
}

try {
  for (const msg of messages) {
    await sendFrame(sock, msg, { header: HEADER });
    console.log(decoder.decode(await tcp.recvExact(sock, REPLY_BYTES)));
  }
} catch (err) {
  console.error(`error: ${errorMessage(err)}`);
  Deno.exitCode = 1;
} finally {
  await tcp.close(sock);
}
