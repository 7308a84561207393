// Copyright 2026 the socketkit authors. MIT license.
// deno-lint-ignore-file no-console

/**
 * The mechanical helpers the examples share, so that each example shows
 * only its own flow: error printing, Python's `time.ctime()`, the time-stamp
 * reply of the echo servers, Ctrl-C handling, and the input and reply
 * reading of the echo clients. The servers accept with `serve()` from
 * server.ts: one accept loop for all of them.
 *
 * The stream helpers work on TCP and Unix sockets alike (both are
 * `StreamSocket`s and share `recv` and `sendAll`).
 *
 * @module
 */

import { recv, sendAll, type StreamSocket } from "../tcp.ts";

/** The message of an error, or the thrown value as text. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Prints `error: <message>` to standard error and exits 1. */
export function exitWithError(err: unknown): never {
  console.error(`error: ${errorMessage(err)}`);
  Deno.exit(1);
}

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
export function ctime(date: Date = new Date()): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${DAYS[date.getDay()]} ${MONTHS[date.getMonth()]} ${
    String(date.getDate()).padStart(2, " ")
  } ${two(date.getHours())}:${two(date.getMinutes())}:${
    two(date.getSeconds())
  } ${date.getFullYear()}`;
}

const encoder = new TextEncoder();

/**
 * `data` prefixed by the local time in brackets, as Python's
 * `'[%s] %s' % (ctime(), data)`: `hello` becomes
 * `[Sat Nov 21 05:21:01 2026] hello`.
 */
export function timestamped(data: Uint8Array): Uint8Array {
  const prefix = encoder.encode(`[${ctime()}] `);
  const reply = new Uint8Array(prefix.length + data.length);
  reply.set(prefix);
  reply.set(data, prefix.length);
  return reply;
}

/**
 * The echo servers' conversation: answers each piece of data it receives
 * (each `recv(conn, 1024)`, as the Python servers answer each
 * `recv(1024)`) with {@linkcode timestamped} data, until the client ends
 * the stream. When `signal` aborts (the server shuts down) it stops
 * waiting for more and rejects with the signal's reason; a reply being
 * sent is sent first.
 */
export async function echoTimestamped(
  conn: StreamSocket,
  signal?: AbortSignal,
): Promise<void> {
  for (;;) {
    const data = await recv(conn, 1024, signal === undefined ? {} : { signal });
    if (data === null) return;
    await sendAll(conn, timestamped(data));
  }
}

/** The Ctrl-C handling {@linkcode onCtrlC} installs. */
export interface CtrlC {
  /** Aborted by the first Ctrl-C. */
  readonly signal: AbortSignal;
  /** Removes the SIGINT listener. */
  dispose(): void;
}

/**
 * Handles Ctrl-C from now on: the first one prints `stopping` to standard
 * error, aborts the returned `signal` and calls `stop`; a second one exits
 * 130 at once instead of waiting.
 */
export function onCtrlC(stop?: () => void): CtrlC {
  const controller = new AbortController();
  function onInterrupt(): void {
    if (controller.signal.aborted) Deno.exit(130); // Do not wait.
    console.error("stopping");
    controller.abort();
    stop?.();
  }
  Deno.addSignalListener("SIGINT", onInterrupt);
  return {
    signal: controller.signal,
    dispose: () => Deno.removeSignalListener("SIGINT", onInterrupt),
  };
}

/**
 * The lines of standard input, one at a time, without their line ends.
 * When standard input is a terminal it writes a `> ` prompt before each
 * line, and ends the prompt's line at the end of input.
 */
export async function* inputLines(): AsyncGenerator<string> {
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

/** How long a reply without a final newline may pause before it counts as complete. */
const REPLY_IDLE_MS = 250;
const LF = 0x0a;

/**
 * Reads one reply of an echo server: up to a final newline or, for servers
 * that do not echo the newline, until the peer pauses for 250 ms (a
 * timed-out `recv` loses nothing: the read in flight stays with the
 * socket); `null` at the end of the stream.
 */
export async function readReply(
  sock: StreamSocket,
): Promise<Uint8Array | null> {
  const first = await recv(sock);
  if (first === null) return null;
  const parts = [first];
  let last = first;
  while (last[last.length - 1] !== LF) {
    let more: Uint8Array | null;
    try {
      more = await recv(sock, undefined, { timeout: REPLY_IDLE_MS });
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

/**
 * The echo clients' loop: sends each line (stopping at one that reads
 * `exit`) and prints the server's reply; a server that closes first is
 * reported and sets exit code 1. Errors propagate.
 */
export async function echoLines(
  sock: StreamSocket,
  lines: AsyncIterable<string> | Iterable<string>,
): Promise<void> {
  const decoder = new TextDecoder();
  for await (const line of lines) {
    if (line === "exit") break;
    await sendAll(sock, `${line}\n`);
    const reply = await readReply(sock);
    if (reply === null) {
      console.error("error: the server closed the connection");
      Deno.exitCode = 1;
      break;
    }
    console.log(decoder.decode(reply).replace(/\r?\n$/, ""));
  }
}
