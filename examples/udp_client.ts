// Copyright 2026 the socketkit authors. MIT license.
// deno-lint-ignore-file no-console

/**
 * The tutorials' UDP client: sends each line it reads from standard input
 * (with a `> ` prompt when standard input is a terminal), or each
 * `--message` value, as one datagram, and prints each reply; it stops at
 * the line `exit` or at the end of its input.
 *
 * ```sh
 * deno run --allow-net examples/udp_server.ts --port 8080
 * deno run --allow-net examples/udp_client.ts --port 8080
 * deno run --allow-net examples/udp_client.ts --port 8080 --message hello --message again --timeout 500
 * ```
 *
 * UDP may lose a datagram or its reply, so the client waits at most
 * `--timeout` milliseconds (default 2000) for each reply. When none comes
 * it says so on standard error (`error: no reply to "hello" within 2000
 * ms`) and goes on with the next message (a reply that comes later is
 * discarded, not taken for the next one); it then exits with status 1 once
 * its input is done. Replies from anyone but the server are ignored (the
 * socket is connected to the server).
 *
 * @module
 */

import * as udp from "../udp.ts";
import { parseExampleArgs } from "./_args.ts";
import { errorMessage, exitWithError, inputLines } from "./_common.ts";

const args = parseExampleArgs({
  usage:
    "deno run --allow-net examples/udp_client.ts --port PORT [--hostname HOST] [--message TEXT]... [--timeout MS]",
  addr: "connect",
  options: {
    message: { type: "string", multiple: true },
    timeout: { type: "string" },
  },
});

const timeoutText = args.values.timeout ?? "2000";
const timeout = /^\d{1,9}$/.test(timeoutText) ? Number(timeoutText) : NaN;
if (!(timeout >= 1)) {
  args.fail(
    `--timeout must be a number of milliseconds from 1 up: current value is ${
      JSON.stringify(timeoutText)
    }`,
  );
}

const decoder = new TextDecoder();

/** Drops replies that came after their timeout, so they are not taken for the next one. */
async function discardLateReplies(sock: udp.UdpSocket): Promise<void> {
  for (;;) {
    try {
      const late = await udp.recv(sock, { timeout: 0 });
      console.error(`ignoring a late reply: ${decoder.decode(late)}`);
    } catch (err) {
      if (err instanceof Deno.errors.WouldBlock) return;
      throw err;
    }
  }
}

let sock: udp.UdpSocket;
try {
  sock = await udp.connect({ hostname: args.hostname, port: args.port });
} catch (err) {
  exitWithError(err);
}

const lines: AsyncIterable<string> | Iterable<string> =
  args.values.message !== undefined ? args.values.message : inputLines();
try {
  for await (const line of lines) {
    if (line === "exit") break;
    if (Deno.exitCode !== 0) await discardLateReplies(sock);
    await udp.send(sock, line);
    try {
      const reply = await udp.recv(sock, { timeout });
      console.log(decoder.decode(reply));
    } catch (err) {
      if (!(err instanceof Deno.errors.TimedOut)) throw err;
      console.error(
        `error: no reply to ${JSON.stringify(line)} within ${timeout} ms`,
      );
      Deno.exitCode = 1;
    }
  }
} catch (err) {
  console.error(`error: ${errorMessage(err)}`);
  Deno.exitCode = 1;
} finally {
  await udp.close(sock);
}
