// Copyright 2026 the socketkit authors. MIT license.
// deno-lint-ignore-file no-console

/**
 * A small Redis-compatible server: `redis-cli` and `redis-benchmark` talk to
 * it. It speaks RESP (the Redis protocol) with the library's receive
 * functions — `recvLine` for the `*3` and `$5` lines, `recvExact` for the
 * bulk strings — and answers one request at a time with `sendAll`, the
 * natural way. It does nothing to batch its replies: when a client
 * pipelines, socketkit holds each reply while more requests wait in the
 * receive buffer and sends them together, so this server keeps up with
 * redis-server itself (see `deno task bench:redis`).
 *
 * Commands: PING, ECHO, SET (with EX or PX), GET, DEL, EXISTS, INCR, EXPIRE,
 * TTL; anything else gets an error reply. Keys live in memory only.
 *
 * A request that breaks the protocol gets `-ERR Protocol error: ...` and
 * the connection is closed: a length that is not plain digits, a line over
 * 64 KiB, more than 65,536 arguments, or bulk strings over 512 MiB in one
 * command (refused on the header, before the bytes come). A client that
 * pipelines and never reads its replies stalls only itself: the server
 * stops reading from it once 64 KiB of replies wait.
 *
 * ```sh
 * deno run --allow-net=127.0.0.1 examples/mini_redis.ts --port 6380
 * redis-cli -p 6380 set greeting hello   # OK
 * redis-cli -p 6380 get greeting         # "hello"
 * redis-benchmark -p 6380 -t ping_mbulk,set,get -P 16 -q
 * ```
 *
 * The first line on standard output is `listening on HOST:PORT` (`--port 0`
 * picks a free port). Ctrl-C shuts the server down gracefully and exits 0.
 *
 * @module
 */

import { formatAddr } from "../_addr.ts";
import { serve } from "../server.ts";
import * as tcp from "../tcp.ts";
import { parseExampleArgs } from "./_args.ts";
import { exitWithError, onCtrlC } from "./_common.ts";

const args = parseExampleArgs({
  usage:
    "deno run --allow-net=127.0.0.1 examples/mini_redis.ts [--hostname HOST] [--port PORT]",
  addr: "listen",
});

/** The longest bulk string, and the most bytes of bulk strings in one command: 512 MiB, as Redis. */
const MAX_BULK = 512 << 20;
/**
 * The most arguments in one command. Redis takes a million, but here each
 * costs an object of some 200 bytes: a million empty ones, 6 MB sent,
 * would hold 200 MB.
 */
const MAX_ARGS = 65_536;
/** A RESP length: decimal digits, no sign, no leading zero, at most 10 of them. */
const LENGTH_REGEXP = /^(?:0|[1-9][0-9]{0,9})$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A value and when it expires (`performance.now()` milliseconds), if ever. */
interface Entry {
  value: Uint8Array;
  expires: number | null;
}

const store = new Map<string, Entry>();

/** A protocol error: the reply is sent, then the connection is closed. */
class ProtocolError extends Error {}

/** A RESP length after its `*` or `$`, or -1 when it is not plain digits. */
function lengthOf(line: string): number {
  const digits = line.slice(1);
  return LENGTH_REGEXP.test(digits) ? Number(digits) : -1;
}

/**
 * Reads one line; a line over the limit (64 KiB, as Redis's inline
 * requests) is the client's protocol error, answered as `what`.
 */
async function readLine(
  sock: tcp.TcpSocket,
  what: string,
  signal?: AbortSignal,
): Promise<string | null> {
  try {
    return await tcp.recvLine(sock, signal === undefined ? {} : { signal });
  } catch (err) {
    if (err instanceof Deno.errors.InvalidData) throw new ProtocolError(what);
    throw err;
  }
}

/**
 * Reads one command as its arguments, or `null` when the client is done.
 * Understands RESP arrays of bulk strings (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`)
 * and inline commands (`PING\r\n`), as Redis does. `signal` ends the
 * wait for a command (not one half received).
 */
async function readCommand(
  sock: tcp.TcpSocket,
  signal: AbortSignal,
): Promise<Uint8Array[] | null> {
  const line = await readLine(sock, "too big request line", signal);
  if (line === null) return null;
  if (!line.startsWith("*")) {
    // An inline command, as typed into nc or telnet.
    return line.split(" ").filter((w) => w !== "").map((w) =>
      encoder.encode(w)
    );
  }
  const count = lengthOf(line);
  if (count < 0 || count > MAX_ARGS) {
    throw new ProtocolError("invalid multibulk length");
  }
  const argv: Uint8Array[] = [];
  let total = 0;
  for (let i = 0; i < count; i++) {
    const head = await readLine(sock, "too big bulk count string");
    if (head === null) throw new ProtocolError("unexpected end of stream");
    const size = head[0] === "$" ? lengthOf(head) : -1;
    if (size < 0 || size > MAX_BULK) {
      throw new ProtocolError("invalid bulk length");
    }
    // Refused on its header, before its bytes come.
    total += size;
    if (total > MAX_BULK) {
      throw new ProtocolError(
        `the command is over the limit of ${MAX_BULK} bytes`,
      );
    }
    const bulk = await tcp.recvExact(sock, size + 2);
    if (bulk[size] !== 0x0d || bulk[size + 1] !== 0x0a) {
      throw new ProtocolError("expected CRLF after a bulk string");
    }
    argv.push(bulk.subarray(0, size));
  }
  return argv;
}

const OK = encoder.encode("+OK\r\n");
const PONG = encoder.encode("+PONG\r\n");
const NIL = encoder.encode("$-1\r\n");

function integer(n: number): string {
  return `:${n}\r\n`;
}

function error(message: string): string {
  return `-ERR ${message}\r\n`;
}

function bulk(value: Uint8Array): Uint8Array {
  const head = encoder.encode(`$${value.length}\r\n`);
  const out = new Uint8Array(head.length + value.length + 2);
  out.set(head);
  out.set(value, head.length);
  out[out.length - 2] = 0x0d;
  out[out.length - 1] = 0x0a;
  return out;
}

/** The entry under `key`, unless it has expired (then it is removed). */
function lookup(key: string): Entry | undefined {
  const entry = store.get(key);
  if (entry?.expires != null && entry.expires <= performance.now()) {
    store.delete(key);
    return undefined;
  }
  return entry;
}

function wrongArgs(name: string): string {
  return error(`wrong number of arguments for '${name.toLowerCase()}' command`);
}

/** A positive whole number of seconds or milliseconds, or null. */
function positive(arg: Uint8Array | undefined): number | null {
  if (arg === undefined) return null;
  const n = Number(decoder.decode(arg));
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

/** Runs one command and returns its reply. */
function execute(argv: Uint8Array[]): Uint8Array | string {
  if (argv.length === 0) return error("empty command");
  const name = decoder.decode(argv[0]).toUpperCase();
  const key = argv.length > 1 ? decoder.decode(argv[1]) : "";
  switch (name) {
    case "PING":
      if (argv.length === 1) return PONG;
      return argv.length === 2 ? bulk(argv[1]!) : wrongArgs(name);
    case "ECHO":
      return argv.length === 2 ? bulk(argv[1]!) : wrongArgs(name);
    case "SET": {
      if (argv.length !== 3 && argv.length !== 5) return wrongArgs(name);
      let expires: number | null = null;
      if (argv.length === 5) {
        const unit = decoder.decode(argv[3]).toUpperCase();
        const amount = positive(argv[4]);
        if ((unit !== "EX" && unit !== "PX") || amount === null) {
          return error("syntax error");
        }
        expires = performance.now() + (unit === "EX" ? amount * 1000 : amount);
      }
      // A copy: the argument is a view of a buffer the server reuses.
      store.set(key, { value: argv[2]!.slice(), expires });
      return OK;
    }
    case "GET": {
      if (argv.length !== 2) return wrongArgs(name);
      const entry = lookup(key);
      return entry === undefined ? NIL : bulk(entry.value);
    }
    case "DEL":
    case "EXISTS": {
      if (argv.length < 2) return wrongArgs(name);
      let n = 0;
      for (const arg of argv.slice(1)) {
        const k = decoder.decode(arg);
        if (lookup(k) === undefined) continue;
        n++;
        if (name === "DEL") store.delete(k);
      }
      return integer(n);
    }
    case "INCR": {
      if (argv.length !== 2) return wrongArgs(name);
      const entry = lookup(key);
      const current = entry === undefined
        ? 0
        : Number(decoder.decode(entry.value));
      if (
        !Number.isSafeInteger(current) || current + 1 > Number.MAX_SAFE_INTEGER
      ) {
        return error("value is not an integer or out of range");
      }
      store.set(key, {
        value: encoder.encode(String(current + 1)),
        expires: entry?.expires ?? null,
      });
      return integer(current + 1);
    }
    case "EXPIRE": {
      if (argv.length !== 3) return wrongArgs(name);
      const seconds = Number(decoder.decode(argv[2]));
      if (!Number.isSafeInteger(seconds)) {
        return error("value is not an integer or out of range");
      }
      const entry = lookup(key);
      if (entry === undefined) return integer(0);
      if (seconds <= 0) store.delete(key);
      else entry.expires = performance.now() + seconds * 1000;
      return integer(1);
    }
    case "TTL": {
      if (argv.length !== 2) return wrongArgs(name);
      const entry = lookup(key);
      if (entry === undefined) return integer(-2);
      if (entry.expires === null) return integer(-1);
      return integer(Math.ceil((entry.expires - performance.now()) / 1000));
    }
    default:
      return error(
        `unknown command '${decoder.decode(argv[0]).slice(0, 64)}'`,
      );
  }
}

// Ctrl-C shuts the server down: connections get up to 10 s to finish.
const ctrlC = onCtrlC();
let server;
try {
  server = await serve({
    hostname: args.hostname,
    port: args.port,
    signal: ctrlC.signal,
  }, async (sock, info) => {
    for (;;) {
      let argv: Uint8Array[] | null;
      try {
        // At shutdown, a client idle between commands is let go at once.
        argv = await readCommand(sock, info.signal);
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err;
        await tcp.sendAll(sock, error(`Protocol error: ${err.message}`));
        return;
      }
      if (argv === null) return;
      await tcp.sendAll(sock, execute(argv));
    }
  });
} catch (err) {
  exitWithError(err);
}
console.log(`listening on ${formatAddr(server.addr)}`);
await server.finished;
ctrlC.dispose();
