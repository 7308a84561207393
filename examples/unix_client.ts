// Copyright 2026 the socketkit authors. MIT license.
// deno-lint-ignore-file no-console

/**
 * The tutorials' echo client over a Unix socket: sends each line it reads
 * from standard input (with a `> ` prompt when standard input is a
 * terminal), or each `--message` value, and prints each reply; it stops at
 * the line `exit` or at the end of its input.
 *
 * `--path` is required. Deno checks read and write access to the socket
 * path and net access to `unix:<path>`, so the exact flags are:
 *
 * ```sh
 * deno run --allow-read=/tmp/echo.sock --allow-write=/tmp/echo.sock --allow-net=unix:/tmp/echo.sock examples/unix_client.ts --path /tmp/echo.sock
 * deno run --allow-read --allow-write --allow-net examples/unix_client.ts --path /tmp/echo.sock --message hello --message again
 * ```
 *
 * Each message goes out as one line (`hello\n`), so a server that echoes
 * it, as `examples/unix_server.ts` does, ends its reply with that newline
 * however many reads the reply took. The client reads until the reply ends
 * with a newline; for servers that do not echo the newline, a reply also
 * ends after 250 ms without new bytes (a timed-out `recv` loses nothing:
 * the read in flight stays with the socket).
 *
 * @module
 */

import * as unix from "../unix.ts";
import { parseExampleArgs } from "./_args.ts";

const args = parseExampleArgs({
  usage:
    "deno run --allow-read=PATH --allow-write=PATH --allow-net=unix:PATH examples/unix_client.ts --path PATH [--message TEXT]...",
  path: "required",
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
async function readReply(sock: unix.UnixSocket): Promise<Uint8Array | null> {
  const first = await unix.recv(sock);
  if (first === null) return null;
  const parts = [first];
  let last = first;
  while (last[last.length - 1] !== LF) {
    let more: Uint8Array | null;
    try {
      more = await unix.recv(sock, undefined, { timeout: IDLE_MS });
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
        return;
      }
      yield pending.slice(0, nl).replace(/\r$/, "");
      pending = pending.slice(nl + 1);
    }
  } finally {
    await reader.cancel();
  }
}

let sock: unix.UnixSocket;
try {
  sock = await unix.connect(args.path!);
} catch (err) {
  fail(err);
}

const lines: AsyncIterable<string> | Iterable<string> =
  args.values.message !== undefined ? args.values.message : inputLines();
try {
  for await (const line of lines) {
    if (line === "exit") break;
    await unix.sendAll(sock, `${line}\n`);
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
  await unix.close(sock);
}
