// Copyright 2026 the socketkit authors. MIT license.
// Shared test helpers. Not a test file.

import assert from "node:assert/strict";
import { recvFrame, sendFrame } from "../framing.ts";
import type { StreamSocket } from "../tcp.ts";
import * as tcp from "../tcp.ts";

/** A connected loopback TCP pair and its server; `await using` closes all three. */
export interface TcpPair extends AsyncDisposable {
  server: tcp.TcpServer;
  /** The side that called connect. */
  client: tcp.TcpSocket;
  /** The side that accept returned. */
  peer: tcp.TcpSocket;
}

/** Opens a loopback TCP pair on a free port (IPv4 unless `hostname` says otherwise). */
export async function tcpPair(hostname = "127.0.0.1"): Promise<TcpPair> {
  const server = await tcp.listen({ hostname, port: 0 });
  const accepted = tcp.accept(server);
  const client = await tcp.connect({ hostname, port: server.addr.port });
  const peer = await accepted;
  return {
    server,
    client,
    peer,
    async [Symbol.asyncDispose]() {
      await tcp.close(client);
      await tcp.close(peer);
      await tcp.close(server);
    },
  };
}

/** Bytes of a string as UTF-8. */
export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Text of UTF-8 bytes. */
export function text(data: Uint8Array | null): string | null {
  return data === null ? null : new TextDecoder().decode(data);
}

/** Deterministic pseudo-random bytes (xorshift), so failures can be replayed. */
export function pseudoRandomBytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** SHA-256 of bytes, as hex. */
export async function sha256(data: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    data as Uint8Array<ArrayBuffer>,
  );
  return Array.from(
    new Uint8Array(digest),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}

/** A running example script, started with `deno run`. */
export interface RunningExample extends AsyncDisposable {
  /** The process. */
  process: Deno.ChildProcess;
  /** What followed "listening on " in the first line of standard output. */
  listening: string;
  /** Reads the next line of standard output (null at end). */
  readLine(): Promise<string | null>;
  /** Sends SIGINT and waits for the exit; returns the status. */
  stop(): Promise<Deno.CommandStatus>;
}

/**
 * Starts `examples/<name>` with `deno run <flags> … <args>` and waits for its
 * first line, which must be `listening on X`. Standard error is piped and
 * drained so the process never blocks on it.
 */
export async function startExample(
  name: string,
  flags: string[],
  args: string[] = [],
): Promise<RunningExample> {
  const script = new URL(`../examples/${name}`, import.meta.url).pathname;
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...flags, script, ...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(process.stderr).text();
  const lines = process.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let pending = "";
  let done = false;
  async function readLine(): Promise<string | null> {
    for (;;) {
      const nl = pending.indexOf("\n");
      if (nl >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        return line;
      }
      if (done) {
        if (pending === "") return null;
        const line = pending;
        pending = "";
        return line;
      }
      const { value, done: end } = await lines.read();
      if (end) done = true;
      else pending += value;
    }
  }
  let stopped: Promise<Deno.CommandStatus> | undefined;
  async function stop(): Promise<Deno.CommandStatus> {
    if (stopped === undefined) {
      stopped = (async () => {
        try {
          process.kill("SIGINT");
        } catch {
          // Already exited.
        }
        try {
          await process.stdin.close();
        } catch {
          // Already closed.
        }
        const status = await process.status;
        while ((await readLine()) !== null) { /* drain */ }
        await stderr;
        return status;
      })();
    }
    return await stopped;
  }
  const first = await readLine();
  if (first === null || !first.startsWith("listening on ")) {
    await stop();
    throw new Error(
      `examples/${name} did not print "listening on ...": first line ${
        JSON.stringify(first)
      }, standard error ${JSON.stringify(await stderr)}`,
    );
  }
  return {
    process,
    listening: first.slice("listening on ".length),
    readLine,
    stop,
    [Symbol.asyncDispose]: async () => {
      await stop();
    },
  };
}

/** `[Sat Nov 21 05:21:01 2026] `, as Python's `'[%s] ' % ctime()` (unanchored). */
export const CTIME_PREFIX_REGEXP =
  /\[(?:Sun|Mon|Tue|Wed|Thu|Fri|Sat) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d\d:\d\d:\d\d \d{4}\] /;

/** One buffer with the bytes of every part, in order. */
export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Whether `sh` finds the command `name` (python3, nc, ...). */
export function hasCommand(name: string): boolean {
  try {
    return new Deno.Command("sh", {
      args: ["-c", `command -v ${name}`],
      stdout: "null",
      stderr: "null",
    }).outputSync().success;
  } catch {
    return false;
  }
}

/** What a finished subprocess returned. */
export interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to its end, feeding it `input` (standard input is closed
 * at once without it), killed after 30 s. Python prints UTF-8 and Deno no
 * colours.
 */
export async function run(
  command: string,
  args: string[],
  input?: string,
): Promise<Output> {
  const child = new Deno.Command(command, {
    args,
    stdin: input === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: { PYTHONIOENCODING: "utf-8", NO_COLOR: "1" },
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }, 30_000);
  try {
    if (input !== undefined) {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(input));
      await writer.close();
    }
    const out = await child.output();
    const decoder = new TextDecoder();
    return {
      code: out.code,
      stdout: decoder.decode(out.stdout),
      stderr: decoder.decode(out.stderr),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `examples/<name>` to its end with `deno run --quiet <flags> … <args>`, as {@linkcode run}. */
export function runExample(
  name: string,
  flags: string[],
  args: string[],
  input?: string,
): Promise<Output> {
  const script = new URL(`../examples/${name}`, import.meta.url).pathname;
  return run(
    Deno.execPath(),
    ["run", "--quiet", ...flags, script, ...args],
    input,
  );
}

/** The port of a `listening on HOST:PORT` address. */
export function portOf(listening: string): number {
  const port = Number(listening.slice(listening.lastIndexOf(":") + 1));
  assert.ok(Number.isInteger(port) && port > 0, listening);
  return port;
}

/**
 * Resolves as `promise` does, or rejects if it has not settled within `ms`
 * milliseconds: every await in a test is bounded, so a regression fails
 * in seconds instead of hanging.
 */
export function within<T>(
  promise: Promise<T>,
  ms: number,
  what = "the operation",
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not settle within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/**
 * Connects `count` clients to `port` on 127.0.0.1 that reset at once
 * (SO_LINGER 0, then close), before the server can accept them: Deno's
 * accept then fails with NotConnected. Needs python3; waits for them all.
 */
export async function resetBeforeAccept(
  port: number,
  count: number,
): Promise<void> {
  const out = await run("python3", [
    "-c",
    `import socket, struct, sys
for _ in range(int(sys.argv[2])):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.connect(("127.0.0.1", int(sys.argv[1])))
    s.close()
`,
    String(port),
    String(count),
  ]);
  assert.equal(out.code, 0, out.stderr);
}

/** Whether this machine can listen on `"::"` (IPv6 is on): dual-stack tests skip otherwise. */
export const canListenOnIpv6Any: boolean = (() => {
  try {
    Deno.listen({ hostname: "::", port: 0 }).close();
    return true;
  } catch {
    return false;
  }
})();

/**
 * Asserts that the peer closes `sock` within 5 s without sending anything:
 * the end of the stream, or a reset (an IPv6-only listener closing an IPv4
 * client it accepted).
 */
export async function assertClosedByPeer(sock: tcp.TcpSocket): Promise<void> {
  const ended = await tcp.recv(sock, 1, { timeout: 5_000 }).catch((e) => e);
  assert.ok(
    ended === null || ended instanceof Deno.errors.ConnectionReset,
    String(ended),
  );
}

/** Whether this machine can listen on `"::1"` (IPv6 loopback is on): IPv6 tests skip otherwise. */
export const canListenOnIpv6Loopback: boolean = (() => {
  try {
    Deno.listen({ hostname: "::1", port: 0 }).close();
    return true;
  } catch {
    return false;
  }
})();

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A serve() handler that echoes frames until the client finishes. */
export async function echoFrames(sock: StreamSocket): Promise<void> {
  for (let msg; (msg = await recvFrame(sock)) !== null;) {
    await sendFrame(sock, msg);
  }
}
