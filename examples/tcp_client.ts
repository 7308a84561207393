// Copyright 2026 the socketkit authors. MIT license.
// deno-lint-ignore-file no-console

/**
 * The tutorials' TCP echo client: sends each line it reads from standard
 * input (with a `> ` prompt when standard input is a terminal), or each
 * `--message` value, and prints each reply; it stops at the line `exit` or
 * at the end of its input.
 *
 * ```sh
 * deno run --allow-net examples/tcp_client.ts --port 8080
 * deno run --allow-net examples/tcp_client.ts --port 8080 --message hello --message again
 * ```
 *
 * Each message goes out as one line (`hello\n`), so a server that echoes
 * it, as `examples/tcp_server.ts` does, ends its reply with that newline
 * however many TCP segments, or server-side reads, the reply took. The
 * client reads until the reply ends with a newline; for servers that do
 * not echo the newline, a reply also ends after 250 ms without new bytes
 * (a timed-out `recv` loses nothing: the read in flight stays with the
 * socket).
 *
 * @module
 */

import * as tcp from "../tcp.ts";
import { parseExampleArgs } from "./_args.ts";

const args = parseExampleArgs({
  usage:
    "deno run --allow-net examples/tcp_client.ts --port PORT [--hostname HOST] [--message TEXT]...",
  addr: "connect",
  options: { message: { type: "string", multiple: true } },
});

/** How long a reply without a final newline may pause before it counts as complete. */
const IDLE_MS = 250;
const LF = 0x0a;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function fail(err: unknown): never {
  console.error(`error: ${err instanceof Error ? err.message : err}`);
  Deno.exit(1);
}

/** Reads one reply: up to a final newline, or until the peer pauses; null at end of stream. */
async function readReply(sock: tcp.TcpSocket): Promise<Uint8Array | null> {
  const first = await tcp.recv(sock);
  if (first === null) return null;
  const parts = [first];
  let last = first;
  while (last[last.length - 1] !== LF) {
    let more: Uint8Array | null;
    try {
      more = await tcp.recv(sock, undefined, { timeout: IDLE_MS });
    } catch (err) {
      if (err instanceof Deno.errors.TimedOut) break;
      throw err;
    }
    if (more === null) break;
    parts.push(more);
    last = more;
  }
  if (parts.length === 1) return first;
  const reply = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    reply.set(part, at);
    at += part.length;
  }
  return reply;
}

/** The lines of standard input, one at a time, with a prompt on a terminal. */
async function* inputLines(): AsyncGenerator<string> {
  const prompt = Deno.stdin.isTerminal() ? encoder.encode("> ") : null;
  const reader = Deno.stdin.readable.pipeThrough(new TextDecoderStream())
    .getReader();
  let pending = "";
  let done = false;
  try {
    for (;;) {
      if (prompt !== null && !pending.includes("\n")) {
        await Deno.stdout.write(prompt);
      }
      while (!done && !pending.includes("\n")) {
        const chunk = await reader.read();
        if (chunk.done) done = true;
        else pending += chunk.value;
      }
      const nl = pending.indexOf("\n");
      if (nl < 0) {
        if (pending !== "") yield pending;
        // End of input at a prompt: finish its line.
        else if (prompt !== null) await Deno.stdout.write(encoder.encode("\n"));
        return;
      }
      yield pending.slice(0, nl).replace(/\r$/, "");
      pending = pending.slice(nl + 1);
    }
  } finally {
    await reader.cancel();
  }
}

let sock: tcp.TcpSocket;
try {
  sock = await tcp.connect({ hostname: args.hostname, port: args.port });
} catch (err) {
  fail(err);
}

const lines: AsyncIterable<string> | Iterable<string> =
  args.values.message !== undefined ? args.values.message : inputLines();
try {
  for await (const line of lines) {
    if (line === "exit") break;
    await tcp.sendAll(sock, `${line}\n`);
    const reply = await readReply(sock);
    if (reply === null) {
      console.error("error: the server closed the connection");
      Deno.exitCode = 1;
      break;
    }
    console.log(decoder.decode(reply).replace(/\r?\n$/, ""));
  }
} catch (err) {
  fail(err);
} finally {
  await tcp.close(sock);
}
