// Copyright 2026 the socketkit authors. MIT license.
// deno-lint-ignore-file no-console

/**
 * `socketkit`: a netcat for Deno, for scripting, built on this package's
 * sockets. Connect and pipe standard input and output through a TCP, UDP or
 * Unix socket, listen for a client, scan ports, send and receive files with
 * a progress line.
 *
 * ```sh
 * deno install -g -N -R -W --allow-run=sh --unstable-net -n socketkit jsr:@socketkit/socket/cli
 * socketkit listen 127.0.0.1 9000 > received.txt     # prints "listening on 127.0.0.1:9000" on stderr
 * echo hello | socketkit connect 127.0.0.1 9000      # half-closes when stdin ends
 * socketkit listen --keep-open --echo 127.0.0.1 7    # an echo server until Ctrl-C
 * socketkit listen -k --exec "tr a-z A-Z" 9000       # a command per client, IPv4 and IPv6
 * socketkit listen -u -k --exec "stdbuf -oL tr a-z A-Z" 9000  # over UDP: a command per sender
 * socketkit scan 127.0.0.1 22 80 8000-8100           # prints each open port on a line
 * echo query | socketkit connect -u -w 1 HOST 53     # quits when no reply comes for 1 s
 * socketkit recv 9000 backup.tar                     # in one shell,
 * socketkit send 127.0.0.1 9000 backup.tar           # and in another: progress, then a summary
 * ```
 *
 * Standard output carries only data; `listening on HOST:PORT`, progress and
 * summaries go to standard error. Exit status: 0 done, 1 network or file
 * error (one line, no stack trace), 2 bad arguments (one line and the
 * usage), 130 interrupted by Ctrl-C. `socketkit --help` and
 * `socketkit COMMAND --help` tell the rest.
 *
 * Requires `allow-net` permission, plus `allow-read` and `allow-write` for
 * files and Unix sockets, and `allow-run=sh` for `--exec`. UDP uses
 * `Deno.listenDatagram` under `--unstable-net`, else `node:dgram`; Unix
 * datagram sockets (`--unix PATH --udp`) need `--unstable-net`.
 * `deno task compile` builds one binary, `dist/socketkit`, with just these
 * permissions.
 *
 * `--exec` over UDP works as `ncat -u -l -e` and needs no more than
 * `deno run -N --allow-run=sh jsr:@socketkit/socket/cli listen -u --exec CMD
 * PORT`: each datagram of a sender goes to its command's input, each write
 * of the command's output goes back as a datagram. It is refused with
 * `--unix PATH --udp`, since Deno cannot send on a Unix datagram socket
 * while a receive waits.
 *
 * @example Check that a port answers, from a script
 * ```ts
 * import { main } from "@socketkit/socket/cli";
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * // Prints the open port on standard output; exits 0 as one is open.
 * assert.equal(await main(["scan", "127.0.0.1", `${server.addr.port}`]), 0);
 * ```
 *
 * @module
 */

import { lookup } from "./_dns.ts";
import { formatAddr } from "./_addr.ts";
import {
  type CommandLine,
  ipVersion,
  parseCommandLine,
  type Parsed,
  type TlsArgs,
  UsageError,
} from "./_cli_args.ts";
import {
  ChunkSource,
  formatDuration,
  fsError,
  IdleTimer,
  Interrupted,
  isLocal,
  isMappedIpv4,
  isSelfConnection,
  Progress,
  raceSignal,
  setLocal,
  unmapped,
  writeAll,
} from "./_cli_io.ts";
import { ioError, show } from "./_errors.ts";
import { serve, type ServeOptions, type Server } from "./server.ts";
import {
  accept,
  close,
  recv,
  sendAll,
  shutdown,
  type StreamServer,
  type StreamSocket,
} from "./tcp.ts";
import * as tcp from "./tcp.ts";
import * as tls from "./tls.ts";
import * as udp from "./udp.ts";
import * as unix from "./unix.ts";

const encoder = new TextEncoder();
/** Reads of standard input sent as one UDP datagram at most (as nc). */
const UDP_CHUNK = 16_384;
/**
 * Input held for the peer of a half-duplex listen (`listen --unix PATH
 * --udp`) before standard input is read no further: 1 MiB, 64 datagrams of
 * {@linkcode UDP_CHUNK}. The peer's queue takes about 10 datagrams (Linux's
 * max_dgram_qlen) before a send waits, so more would only buy memory, while
 * less could stall a quick burst of interactive input.
 */
const HELD_BYTES = 1_048_576;

/** What a command needs besides its command line. */
interface Run {
  line: CommandLine;
  /** Aborts on Ctrl-C (SIGINT) and SIGTERM, with an {@linkcode Interrupted}. */
  signal: AbortSignal;
  /** Standard input, read once, shared by the connections that use it. */
  stdin: ChunkSource;
  /** Prints a line on standard error with --verbose. */
  say(message: string): void;
}

function message(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split("\n")[0]!;
}

/** Whether standard error should show a live progress line. */
function liveProgress(line: CommandLine): boolean {
  return line.progress || Deno.stderr.isTerminal();
}

/**
 * The --idle-timeout timer (`null` without the option) and the signal the
 * command's I/O takes: it aborts on Ctrl-C, on `stop` when given, and when
 * nothing moved for --idle-timeout.
 */
function idleSignal(
  run: Run,
  stop?: AbortSignal,
): { idle: IdleTimer | null; signal: AbortSignal } {
  const ms = run.line.idleTimeout;
  const idle = ms === null ? null : new IdleTimer(ms);
  const signals = [run.signal];
  if (stop !== undefined) signals.push(stop);
  if (idle !== null) signals.push(idle.signal);
  const signal = signals.length === 1 ? run.signal : AbortSignal.any(signals);
  return { idle, signal };
}

/** Resolves a host name to an address of the IP version -4 or -6 asks for. */
async function resolveHost(
  hostname: string,
  family: 0 | 4 | 6,
): Promise<string> {
  if (family === 0 || ipVersion(hostname) !== 0) return hostname;
  try {
    return (await lookup(hostname, { family }))[0]!.address;
  } catch (err) {
    // lookup() keeps the resolver's error, with its code, as the cause.
    const code = ((err as Error).cause as { code?: unknown } | undefined)
      ?.code;
    throw new Deno.errors.NotFound(
      `Cannot resolve ${show(hostname)} to an IPv${family} address: ${
        typeof code === "string" ? code : message(err)
      }`,
      { cause: err },
    );
  }
}

/**
 * Runs a library call that takes the command line's arguments. The library
 * refuses a bad argument (a host name with a space, a Unix path too long)
 * with a `TypeError` or `RangeError` before any I/O; that is a usage error
 * (exit 2), told by its type, not by its text.
 */
async function withArguments<T>(
  run: Run,
  call: () => T | Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof TypeError || err instanceof RangeError) {
      throw new UsageError(message(err), commandUsage(run));
    }
    throw err;
  }
}

function commandUsage(run: Run): string {
  return `Run "socketkit ${run.line.command} --help" for the usage.`;
}

async function connectStream(run: Run): Promise<StreamSocket> {
  const { line } = run;
  const options = {
    signal: run.signal,
    ...(line.timeout !== null ? { timeout: line.timeout } : {}),
  };
  const sock = line.transport === "unix"
    ? await withArguments(run, () => unix.connect(line.path, options))
    : await withArguments(run, async () => {
      const address = {
        hostname: await resolveHost(line.hostname, line.family),
        port: line.port,
      };
      return line.tls !== null
        ? await tls.connect(address, {
          ...options,
          ...await tlsClientOptions(line.tls, line.hostname),
        })
        : await tcp.connect(address, options);
    });
  run.say(`connected to ${formatAddr(sock.remoteAddr)}`);
  return sock;
}

/** The options of tls.connect for --tls, --ca and --servername. */
async function tlsClientOptions(
  args: TlsArgs,
  hostname: string,
): Promise<tls.ConnectOptions> {
  return {
    serverName: args.serverName !== "" ? args.serverName : hostname,
    ...(args.ca !== "" ? { caCerts: [await readPem(args.ca, "--ca")] } : {}),
  };
}

/** Reads a PEM file named by an option, with an error naming both. */
async function readPem(path: string, option: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    throw fsError(`read ${option} ${show(path)}`, err);
  }
}

/**
 * Calls `bind` with the address to listen on: for a left-out HOST without
 * -4, `"::"` (every interface, IPv4 too where the system allows dual stack:
 * Linux's net.ipv6.bindv6only 0, the default), then `"0.0.0.0"` if IPv6 is
 * off on this machine.
 */
async function onListenHost<T>(
  run: Run,
  bind: (hostname: string) => T | Promise<T>,
): Promise<T> {
  const { line } = run;
  if (!line.anyHost || line.family !== 0) {
    const hostname = await resolveHost(line.hostname, line.family);
    return await withArguments(run, () => bind(hostname));
  }
  try {
    return await withArguments(run, () => bind("::"));
  } catch (err) {
    if (
      err instanceof UsageError || err instanceof Deno.errors.AddrInUse ||
      err instanceof Deno.errors.PermissionDenied ||
      err instanceof Deno.errors.NotCapable
    ) throw err;
    run.say(`cannot listen on IPv6 (${message(err)}): IPv4 only`);
    return await withArguments(run, () => bind("0.0.0.0"));
  }
}

/**
 * Whether -6 asks a TCP or TLS listener on an IPv6 host to serve IPv6 only
 * (the library's `ipv6Only`); UDP refuses IPv4 peers here (see
 * {@linkcode refused}).
 */
function v6Only(run: Run, hostname: string): boolean {
  return run.line.family === 6 && hostname.includes(":");
}

/**
 * Whether a peer is refused: -6 without HOST listens on "::", which takes
 * IPv4 clients too (as `::ffff:a.b.c.d`); Deno cannot set IPV6_V6ONLY, so
 * -6 closes those at once instead, where the library's `ipv6Only` cannot.
 */
function refused(run: Run, peer: Deno.Addr): boolean {
  if (run.line.family !== 6 || !isMappedIpv4(peer)) return false;
  run.say(`refusing ${formatAddr(peer)}: an IPv4 client, and -6 was given`);
  return true;
}

async function listenStream(run: Run): Promise<StreamServer> {
  const { line } = run;
  const server = line.transport === "unix"
    ? await withArguments(run, () => unix.listen({ path: line.path }))
    : line.tls !== null
    ? await onListenHost(run, async (hostname) =>
      await tls.listen({
        hostname,
        port: line.port,
        cert: await readPem(line.tls!.cert, "--cert"),
        key: await readPem(line.tls!.key, "--key"),
        ...(v6Only(run, hostname) ? { ipv6Only: true } : {}),
      }))
    : await onListenHost(
      run,
      async (hostname) =>
        await tcp.listen({
          hostname,
          port: line.port,
          ...(v6Only(run, hostname) ? { ipv6Only: true } : {}),
        }),
    );
  console.error(`listening on ${formatAddr(server.addr)}`);
  return server;
}

/** Accepts one connection, giving up after --timeout when asked. */
async function acceptOne(
  run: Run,
  server: StreamServer,
): Promise<StreamSocket> {
  for (;;) {
    // With -6, the server itself closes IPv4 clients (ipv6Only).
    const sock = await accept(server, {
      signal: run.signal,
      timeout: run.line.timeout,
    });
    run.say(`connection from ${formatAddr(sock.remoteAddr)}`);
    if (run.line.tls === null) return sock;
    try {
      await tls.handshake(sock, {
        signal: run.signal,
        timeout: tls.DEFAULT_HANDSHAKE_TIMEOUT,
      });
      return sock;
    } catch (err) {
      // A failed handshake costs only that client: say so, wait for the next.
      if (run.signal.aborted) throw err;
      console.error(`error: ${message(err)}`);
    }
  }
}

/**
 * Moves bytes both ways until both directions are done: `input` (or, with
 * `echo`, what the peer sent) to the socket, half-closing it at the end of
 * the input; the socket to standard output. With `untilPeerEnds`, the end
 * of the peer's stream ends it all, and a read of standard input in flight
 * is kept for the next connection. Resolves to true when it ended because
 * nothing moved for --idle-timeout.
 */
async function relay(
  run: Run,
  sock: StreamSocket,
  echo: boolean,
  untilPeerEnds = false,
): Promise<boolean> {
  const stop = new AbortController();
  const { idle, signal } = idleSignal(run, stop.signal);
  const { fail, check } = firstFailure(signal, stop);
  async function halfClose(): Promise<void> {
    try {
      await shutdown(sock, "write");
    } catch (err) {
      // The peer is gone already: nothing more to tell it.
      if (!(err instanceof Deno.errors.NotConnected)) throw err;
    }
  }
  let quitting: ReturnType<typeof setTimeout> | undefined;
  const up = echo ? Promise.resolve() : (async () => {
    for (;;) {
      const chunk = await run.stdin.read(signal);
      if (chunk === null) break;
      await sendAll(sock, chunk, { signal });
      idle?.touch();
    }
    await halfClose();
    quitting = quitAfterInput(run, stop);
  })().catch(fail);
  const down = (async () => {
    for (;;) {
      const data = await recv(sock, undefined, { signal });
      if (data === null) break;
      if (echo) await sendAll(sock, data, { signal });
      else await writeAll(Deno.stdout, data, "standard output", signal);
      idle?.touch();
    }
    if (echo) await halfClose();
    else if (untilPeerEnds) stop.abort();
  })().catch(fail);
  try {
    await Promise.all([up, down]);
  } finally {
    idle?.dispose();
    clearTimeout(quitting);
  }
  check();
  if (run.signal.aborted) throw run.signal.reason;
  if (idle?.signal.aborted) {
    run.say(
      `closing ${formatAddr(sock.remoteAddr)}: nothing moved for ${
        formatDuration(run.line.idleTimeout!)
      }`,
    );
    return true;
  }
  return false;
}

/**
 * -q: stops `stop` the given time after the end of standard input (at
 * once for 0). Returns the timer to clear, if any.
 */
function quitAfterInput(
  run: Run,
  stop: AbortController,
): ReturnType<typeof setTimeout> | undefined {
  const ms = run.line.quitAfter;
  if (ms === null) return undefined;
  run.say(
    ms === 0
      ? "end of input: quitting"
      : `end of input: quitting in ${formatDuration(ms)}`,
  );
  if (ms === 0) {
    stop.abort();
    return undefined;
  }
  return setTimeout(() => stop.abort(), ms);
}

function sameAddr(a: Deno.Addr, b: Deno.Addr): boolean {
  if ("hostname" in a && "hostname" in b) {
    return a.hostname === b.hostname && a.port === b.port;
  }
  return "path" in a && "path" in b && a.path === b.path;
}

/**
 * A datagram socket as {@linkcode datagrams} uses it: UDP, connected or
 * not, or a Unix datagram socket.
 */
interface DatagramEnd {
  /** The peer known from the start (connect), else null. */
  peer: Deno.Addr | null;
  /**
   * Whether a send must wait while a receive is in flight (Deno's Unix
   * datagram sockets): connect then receives only once the input ended,
   * and listen answers with the input read so far after each datagram.
   */
  halfDuplex: boolean;
  recv(
    signal: AbortSignal,
    timeout: number | null,
  ): Promise<[Uint8Array, Deno.Addr]>;
  send(data: Uint8Array, to: Deno.Addr, signal: AbortSignal): Promise<unknown>;
}

function udpEnd(sock: udp.UdpSocket): DatagramEnd {
  const connected = sock.remoteAddr;
  if (connected !== null) {
    return {
      peer: connected,
      halfDuplex: false,
      recv: async (signal) => [await udp.recv(sock, { signal }), connected],
      send: (data, _to, signal) => udp.send(sock, data, { signal }),
    };
  }
  return {
    peer: null,
    halfDuplex: false,
    recv: (signal, timeout) => udp.recvFrom(sock, { signal, timeout }),
    send: (data, to, signal) =>
      udp.sendTo(sock, data, to as Deno.NetAddr, { signal }),
  };
}

function unixEnd(
  sock: unix.UnixDatagramSocket,
  peer: Deno.UnixAddr | null,
): DatagramEnd {
  let warned = false;
  return {
    peer,
    halfDuplex: true,
    recv: (signal, timeout) => unix.recvFrom(sock, { signal, timeout }),
    send: async (data, to, signal) => {
      const path = (to as Deno.UnixAddr).path;
      if (path === null || path === "") {
        // A sender that bound no path cannot be answered (nc -Uu says so too).
        if (!warned) {
          console.error(
            "error: cannot answer the sender: it bound no path (use socketkit connect --unix PATH --udp, or nc -Uu)",
          );
          warned = true;
        }
        return 0;
      }
      return await unix.sendTo(sock, data, path, { signal });
    },
  };
}

/**
 * Moves datagrams: each chunk of standard input out as one datagram (to
 * the connected peer, or to the sender heard from), each datagram in to
 * standard output (or, with --echo, back to its sender). UDP has no end of
 * stream, so this ends on --idle-timeout, Ctrl-C or an error.
 */
async function datagrams(run: Run, sock: DatagramEnd): Promise<void> {
  const { line } = run;
  const listening = sock.peer === null;
  const stop = new AbortController();
  const { idle, signal } = idleSignal(run, stop.signal);
  const { fail, check } = firstFailure(signal, stop);
  let peer: Deno.Addr | null = sock.peer;
  // connect -w: after the end of input, quit when no reply comes for that
  // long (nc -u -w); -q: quit that long after the end of input.
  let final: IdleTimer | null = null;
  let quitting: ReturnType<typeof setTimeout> | undefined;
  /** Input for the peer of a half-duplex listen, sent after its next datagram. */
  const held: Uint8Array[] = [];
  /** The bytes in `held`; past HELD_BYTES, input is read no further. */
  let heldBytes = 0;
  /** Wakes the input reader once `held` has been sent. */
  let onHeldSent = () => {};
  let heard = () => {};
  const peerKnown = new Promise<void>((resolve) => heard = resolve);
  if (peer !== null) heard();
  const up = line.echo ? Promise.resolve() : (async () => {
    // Half-duplex, input waits in `held` for the next datagram anyway.
    if (!(sock.halfDuplex && listening)) await raceSignal(peerKnown, signal);
    for (;;) {
      if (heldBytes >= HELD_BYTES) {
        // Wait until the peer's next datagram lets it all go.
        await raceSignal(
          new Promise<void>((resolve) => onHeldSent = resolve),
          signal,
        );
      }
      const chunk = await run.stdin.read(signal);
      if (chunk === null) break;
      if (sock.halfDuplex && listening) {
        held.push(chunk);
        heldBytes += chunk.length;
      } else await sock.send(chunk, peer!, signal);
      idle?.touch();
    }
    quitting = quitAfterInput(run, stop);
    if (quitting === undefined && !listening && line.timeout !== null) {
      const ms = line.timeout;
      run.say(
        `end of input: quitting when no reply comes for ${formatDuration(ms)}`,
      );
      final = new IdleTimer(ms);
      final.signal.addEventListener("abort", () => stop.abort(), {
        once: true,
      });
    }
  })().catch(fail);
  const down = (async () => {
    if (sock.halfDuplex && !listening) await up;
    for (let first = true;; first = false) {
      if (!listening) {
        const [data] = await sock.recv(signal, null);
        (final as IdleTimer | null)?.touch();
        await writeAll(Deno.stdout, data, "standard output", signal);
        idle?.touch();
        continue;
      }
      const [data, from] = await sock.recv(
        signal,
        first ? line.timeout : null,
      );
      if (refused(run, from)) continue;
      idle?.touch();
      if (line.echo) {
        await sock.send(data, from, signal);
        continue;
      }
      if (peer === null) {
        peer = from;
        run.say(`datagrams from ${formatAddr(from)}`);
        heard();
      } else if (!sameAddr(peer, from)) {
        // Without --keep-open only the first sender is heard, as nc -u -l.
        if (!line.keepOpen) continue;
        peer = from;
      }
      await writeAll(Deno.stdout, data, "standard output", signal);
      for (let chunk; (chunk = held.shift()) !== undefined;) {
        await sock.send(chunk, peer, signal);
        heldBytes -= chunk.length;
      }
      onHeldSent();
    }
  })().catch(fail);
  try {
    await Promise.all([up, down]);
  } finally {
    idle?.dispose();
    (final as IdleTimer | null)?.dispose();
    clearTimeout(quitting);
  }
  check();
  if (run.signal.aborted) throw run.signal.reason;
  if (idle?.signal.aborted) {
    run.say(`nothing moved for ${formatDuration(line.idleTimeout!)}: closing`);
  }
}

async function udpConnectCommand(run: Run): Promise<number> {
  const { line } = run;
  const sock = await withArguments(run, async () =>
    udp.connect({
      hostname: await resolveHost(line.hostname, line.family),
      port: line.port,
    }, {
      signal: run.signal,
      ...(line.timeout !== null ? { timeout: line.timeout } : {}),
    }));
  try {
    run.say(
      `sending to ${formatAddr(sock.remoteAddr!)} from ${
        formatAddr(sock.localAddr)
      } (${sock.backend} backend)`,
    );
    if (line.exec !== "") await udpExecConnect(run, udpEnd(sock));
    else await datagrams(run, udpEnd(sock));
  } finally {
    await udp.close(sock);
  }
  return 0;
}

async function udpListenCommand(run: Run): Promise<number> {
  const { line } = run;
  const sock = await onListenHost(
    run,
    (hostname) => udp.bind({ hostname, port: line.port }),
  );
  try {
    console.error(`listening on ${formatAddr(sock.localAddr)}`);
    run.say(`using the ${sock.backend} backend`);
    if (line.exec !== "") await udpExecListen(run, udpEnd(sock));
    else await datagrams(run, udpEnd(sock));
  } finally {
    await udp.close(sock);
  }
  return 0;
}

/**
 * connect --unix PATH --udp: as nc -Uu, binds a socket of its own in a new
 * temporary directory (so the server can answer), sends to PATH, and
 * removes both when done.
 */
async function unixDatagramConnectCommand(run: Run): Promise<number> {
  const { line } = run;
  const dir = await Deno.makeTempDir({ prefix: "socketkit" });
  try {
    const sock = await withArguments(
      run,
      () => unix.bind({ path: `${dir}/client.sock` }),
    );
    try {
      run.say(`sending to ${line.path} from ${sock.localAddr.path}`);
      await datagrams(
        run,
        unixEnd(sock, { transport: "unixpacket", path: line.path }),
      );
    } finally {
      await unix.close(sock);
    }
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  return 0;
}

async function unixDatagramListenCommand(run: Run): Promise<number> {
  const sock = await withArguments(
    run,
    () => unix.bind({ path: run.line.path }),
  );
  try {
    console.error(`listening on ${formatAddr(sock.localAddr)}`);
    await datagrams(run, unixEnd(sock, null));
  } finally {
    await unix.close(sock);
  }
  return 0;
}

/**
 * Records the first failure of a run's tasks and stops the others: `fail`
 * does nothing once `signal` has aborted (the run is ending anyway), and
 * `check` throws the failure it recorded, if any.
 */
function firstFailure(
  signal: AbortSignal,
  stop: AbortController,
): { fail(error: unknown): void; check(): void } {
  let failure: { error: unknown } | null = null;
  return {
    fail(error: unknown): void {
      if (signal.aborted) return;
      failure = { error };
      stop.abort();
    },
    check(): void {
      if (failure !== null) throw failure.error;
    },
  };
}

/** How long the output of an --exec command that exited may take to end. */
const EXEC_DRAIN_MS = 1_000;

/** Waits until `promise` settles, for `ms` at the most (never rejects). */
async function atMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      promise.catch(() => {}),
      new Promise((resolve) => timer = setTimeout(resolve, ms)),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Waits for --exec's command to exit, then for `output` (what a child of
 * it may still hold) at most {@linkcode EXEC_DRAIN_MS} more; when `signal`
 * aborts first, stops the command with SIGTERM and waits for its exit.
 * Resolves to how the command ended.
 */
async function awaitExec(
  child: Deno.ChildProcess,
  output: Promise<unknown>,
  signal: AbortSignal,
): Promise<Deno.CommandStatus> {
  const status = await raceSignal(child.status, signal).catch(() => null);
  if (status !== null) {
    await atMost(output, EXEC_DRAIN_MS);
    return status;
  }
  terminate(child);
  return await child.status;
}

/**
 * The reader of --exec's command's output, cancelled once `signal` aborts
 * (a pending read then resolves as done): one listener for the whole
 * output, not a race per read. Its end is the output's end only while
 * `signal` has not aborted.
 */
function execOutput(
  child: Deno.ChildProcess,
  signal: AbortSignal,
): ReadableStreamDefaultReader<Uint8Array> {
  const output = child.stdout.getReader();
  signal.addEventListener("abort", () => output.cancel().catch(() => {}), {
    once: true,
  });
  return output;
}

/** Stops --exec's command with SIGTERM, unless it exited already. */
function terminate(child: Deno.ChildProcess): void {
  try {
    child.kill("SIGTERM");
  } catch {
    // It exited meanwhile.
  }
}

/**
 * Checks before any I/O that --exec's command can run: `sh` starts, and
 * the first word of CMD, when it is a plain command name, is one `sh`
 * knows (a program on PATH, a builtin or a keyword).
 */
async function checkExec(run: Run): Promise<void> {
  const cmd = run.line.exec;
  const word = /^\s*([\w./+-]+)(?:\s|$)/.exec(cmd)?.[1];
  let found: boolean;
  try {
    const { success } = await new Deno.Command("sh", {
      args: ["-c", 'command -v "$1" >/dev/null', "sh", word ?? "true"],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).output();
    found = success;
  } catch (err) {
    throw ioError(`run --exec ${show(cmd)}`, err);
  }
  if (!found) {
    throw new Deno.errors.NotFound(
      `Cannot run --exec ${show(cmd)}: there is no command ${show(word)}`,
    );
  }
}

/**
 * Starts `sh -c CMD` for --exec, with its standard input and output piped
 * and its standard error the tool's, telling it the peer's address in
 * `SOCKETKIT_REMOTE_ADDR` and `SOCKETKIT_REMOTE_PORT`.
 */
function spawnExec(run: Run, remote: Deno.Addr): Deno.ChildProcess {
  const { line } = run;
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("sh", {
      args: ["-c", line.exec],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
      env: "hostname" in remote
        ? {
          SOCKETKIT_REMOTE_ADDR: unmapped(remote.hostname),
          SOCKETKIT_REMOTE_PORT: String(remote.port),
        }
        : {},
    }).spawn();
  } catch (err) {
    // Costs only this peer (with --keep-open, the next may work).
    throw ioError(`run --exec ${show(line.exec)}`, err);
  }
  run.say(
    `${formatAddr(remote)}: running ${show(line.exec)} (pid ${child.pid})`,
  );
  return child;
}

/**
 * --exec: runs `sh -c CMD` with its standard input and output on `sock`
 * (its standard error is the tool's). What the peer sends goes to the
 * command's input, which ends when the peer ends its side; the command's
 * output goes to the peer, whose write side is shut down when it ends; the
 * command's exit ends the connection (after at most
 * {@linkcode EXEC_DRAIN_MS} more for output a child of it still holds).
 * A failed socket, Ctrl-C or --idle-timeout stop the command with SIGTERM.
 */
async function execRelay(run: Run, sock: StreamSocket): Promise<void> {
  const remote = sock.remoteAddr;
  const child = spawnExec(run, remote);
  const who = formatAddr(remote);
  const stop = new AbortController();
  const { idle, signal } = idleSignal(run, stop.signal);
  const { fail, check } = firstFailure(signal, stop);
  const input = child.stdin.getWriter();
  const output = execOutput(child, signal);
  const up = (async () => {
    try {
      for (;;) {
        const data = await recv(sock, undefined, { signal });
        if (data === null) break;
        try {
          await raceSignal(input.write(data), signal);
        } catch (err) {
          if (signal.aborted) throw err;
          // The command stopped reading: the rest of the input is dropped.
          break;
        }
        idle?.touch();
      }
    } finally {
      await input.close().catch(() => {});
    }
  })().catch(fail);
  const down = (async () => {
    for (;;) {
      const { value, done } = await output.read();
      if (done) break;
      await sendAll(sock, value, { signal });
      idle?.touch();
    }
    signal.throwIfAborted();
    try {
      await shutdown(sock, "write");
    } catch (err) {
      if (!(err instanceof Deno.errors.NotConnected)) throw err;
    }
  })().catch(fail);
  let status: Deno.CommandStatus;
  try {
    status = await awaitExec(child, down, signal);
    stop.abort();
    await Promise.all([up, down]);
  } finally {
    idle?.dispose();
    await output.cancel().catch(() => {});
  }
  sayExited(run, who, status);
  check();
  if (run.signal.aborted) throw run.signal.reason;
}

/** With --verbose, says how --exec's command for `who` ended. */
function sayExited(run: Run, who: string, status: Deno.CommandStatus): void {
  run.say(
    `${who}: ${show(run.line.exec)} ${
      status.signal !== null
        ? `ended by ${status.signal}`
        : `exited with status ${status.code}`
    }`,
  );
}

/**
 * The most peers `listen --udp --keep-open --exec` serves at once, as
 * ncat's default --max-conns: a datagram from another peer is dropped
 * until one of theirs ends. UDP senders are easy to forge, and each new
 * one would otherwise start a process.
 */
const MAX_EXEC_PEERS = 100;
/**
 * The most bytes of datagrams waiting for an --exec command to read them;
 * a datagram that would go over is dropped, as a full socket buffer drops
 * it.
 */
const MAX_EXEC_QUEUED_BYTES = 1_048_576;

/** --exec's command for one datagram peer, as {@linkcode execPeer} runs it. */
interface ExecPeer {
  /**
   * Writes a datagram to the command's input; drops it when the input is
   * closed or {@linkcode MAX_EXEC_QUEUED_BYTES} wait unread.
   */
  push(data: Uint8Array): void;
  /**
   * Settles once the command exited and its output went out; rejects with
   * what failed (sending to the peer).
   */
  done: Promise<void>;
}

/**
 * --exec over datagrams: runs `sh -c CMD` for `peer`. Each datagram
 * {@linkcode ExecPeer.push}ed goes to the command's input; each chunk of
 * its output goes to the peer through `send`, cut into datagrams of at
 * most {@linkcode udp.MAX_DATAGRAM_BYTES_IPV4} bytes. The command's exit
 * ends it (after at most {@linkcode EXEC_DRAIN_MS} more for output a child
 * of it still holds). When nothing moved for --idle-timeout, the
 * command's input is closed, and its output still goes out until it
 * exits; after another --idle-timeout of silence it is stopped with
 * SIGTERM, as it is on `stop` (Ctrl-C, a failed socket) or a failed send.
 *
 * @throws {Error} If the command cannot start.
 */
function execPeer(
  run: Run,
  peer: Deno.Addr,
  send: (data: Uint8Array, signal: AbortSignal) => Promise<unknown>,
  stop: AbortSignal,
): ExecPeer {
  const child = spawnExec(run, peer);
  const who = formatAddr(peer);
  const ended = new AbortController();
  const signal = AbortSignal.any([stop, ended.signal]);
  const { fail, check } = firstFailure(signal, ended);
  const input = child.stdin.getWriter();
  let open = true;
  let queued = 0;
  function closeInput(): void {
    if (!open) return;
    open = false;
    input.close().catch(() => {});
  }
  const ms = run.line.idleTimeout;
  let idle: IdleTimer | null = null;
  if (ms !== null) {
    idle = new IdleTimer(ms);
    idle.signal.addEventListener("abort", () => {
      run.say(
        `${who}: nothing moved for ${
          formatDuration(ms)
        }: closing the input of ${show(run.line.exec)}`,
      );
      closeInput();
      idle = new IdleTimer(ms);
      idle.signal.addEventListener("abort", () => {
        run.say(`${who}: still silent: stopping ${show(run.line.exec)}`);
        terminate(child);
      }, { once: true });
    }, { once: true });
  }
  function push(data: Uint8Array): void {
    if (!open) return;
    if (queued + data.length > MAX_EXEC_QUEUED_BYTES) {
      run.say(
        `${who}: dropping a datagram of ${data.length} bytes: ${
          show(run.line.exec)
        } is not reading its input`,
      );
      return;
    }
    queued += data.length;
    idle?.touch();
    input.write(data).then(
      () => queued -= data.length,
      // The command stopped reading: the rest of the input is dropped.
      () => closeInput(),
    );
  }
  const output = execOutput(child, signal);
  const down = (async () => {
    for (;;) {
      const { value, done } = await output.read();
      if (done) break;
      const most = udp.MAX_DATAGRAM_BYTES_IPV4;
      for (let at = 0; at < value.length; at += most) {
        await send(value.subarray(at, at + most), signal);
      }
      idle?.touch();
    }
  })().catch(fail);
  const done = (async () => {
    let status: Deno.CommandStatus;
    try {
      status = await awaitExec(child, down, signal);
      ended.abort();
      await down;
    } finally {
      idle?.dispose();
      closeInput();
      await output.cancel().catch(() => {});
    }
    sayExited(run, who, status);
    check();
  })();
  return { push, done };
}

/**
 * listen --udp --exec: a command per peer, started by the first datagram
 * from a new peer. Without --keep-open, only the first peer is heard (as
 * ncat -u -l -e) and the end of its command ends the run; with it, until
 * Ctrl-C, {@linkcode MAX_EXEC_PEERS} at once, a peer whose command ended
 * starting a new one with its next datagram.
 */
async function udpExecListen(run: Run, sock: DatagramEnd): Promise<void> {
  const { line } = run;
  const stop = new AbortController();
  const signal = AbortSignal.any([run.signal, stop.signal]);
  const { fail, check } = firstFailure(signal, stop);
  const peers = new Map<string, ExecPeer>();
  const running = new Set<Promise<void>>();
  let first: Deno.Addr | null = null;
  function start(from: Deno.Addr, key: string): ExecPeer | null {
    if (peers.size >= MAX_EXEC_PEERS) {
      run.say(
        `dropping a datagram from ${key}: ${MAX_EXEC_PEERS} commands run already`,
      );
      return null;
    }
    let peer: ExecPeer;
    try {
      peer = execPeer(run, from, (data, s) => sock.send(data, from, s), signal);
    } catch (err) {
      // Without --keep-open that ends the run; with it, costs this peer.
      if (!line.keepOpen) throw err;
      console.error(`error: ${message(err)}`);
      return null;
    }
    peers.set(key, peer);
    const ending: Promise<void> = peer.done.then(
      () => {
        if (!line.keepOpen) stop.abort();
      },
      (err) => {
        if (!line.keepOpen) fail(err);
        else if (!signal.aborted) console.error(`error: ${message(err)}`);
      },
    ).finally(() => {
      peers.delete(key);
      running.delete(ending);
    });
    running.add(ending);
    return peer;
  }
  const receiving = (async () => {
    for (let waiting = true;; waiting = false) {
      const [data, from] = await sock.recv(
        signal,
        waiting ? line.timeout : null,
      );
      if (refused(run, from)) continue;
      const key = formatAddr(from);
      let peer = peers.get(key);
      if (peer === undefined) {
        // Without --keep-open only the first sender is heard, as ncat -u -l.
        if (first !== null && !line.keepOpen) continue;
        first ??= from;
        run.say(`datagrams from ${key}`);
        peer = start(from, key) ?? undefined;
        if (peer === undefined) continue;
      }
      peer.push(data);
    }
  })().catch(fail);
  await receiving;
  await Promise.all(running);
  check();
  if (run.signal.aborted) throw run.signal.reason;
}

/**
 * connect --udp --exec: the command's output goes to the server as
 * datagrams, the server's datagrams to its input, until it exits.
 */
async function udpExecConnect(run: Run, sock: DatagramEnd): Promise<void> {
  const stop = new AbortController();
  const signal = AbortSignal.any([run.signal, stop.signal]);
  const { fail, check } = firstFailure(signal, stop);
  const server = sock.peer!;
  const peer = execPeer(
    run,
    server,
    (data, s) => sock.send(data, server, s),
    signal,
  );
  const receiving = (async () => {
    for (;;) {
      const [data] = await sock.recv(signal, null);
      peer.push(data);
    }
  })().catch(fail);
  try {
    await peer.done;
  } finally {
    stop.abort();
    await receiving;
  }
  check();
  if (run.signal.aborted) throw run.signal.reason;
}

/** Relays a connection to standard input and output, or to --exec's command. */
function serveConnection(
  run: Run,
  sock: StreamSocket,
  untilPeerEnds = false,
): Promise<unknown> {
  if (run.line.exec !== "") return execRelay(run, sock);
  return relay(run, sock, run.line.echo, untilPeerEnds);
}

async function connectCommand(run: Run): Promise<number> {
  const { line } = run;
  if (line.exec !== "") await checkExec(run);
  if (line.datagram) {
    return line.transport === "unix"
      ? unixDatagramConnectCommand(run)
      : udpConnectCommand(run);
  }
  const sock = await connectStream(run);
  try {
    await serveConnection(run, sock);
  } finally {
    await close(sock);
  }
  return 0;
}

async function listenCommand(run: Run): Promise<number> {
  const { line } = run;
  if (line.exec !== "") await checkExec(run);
  if (line.datagram) {
    return line.transport === "unix"
      ? unixDatagramListenCommand(run)
      : udpListenCommand(run);
  }
  if (line.keepOpen) return await keepOpen(run);
  // One connection only: stop listening once it is accepted, as nc does.
  const server = await listenStream(run);
  let sock: StreamSocket;
  try {
    sock = await acceptOne(run, server);
  } finally {
    await close(server);
  }
  try {
    await serveConnection(run, sock);
  } finally {
    await close(sock);
  }
  return 0;
}

/**
 * listen --keep-open, on `serve()`: with --echo every client at once,
 * otherwise one after another (the next waits to be accepted), each until
 * it ends its side; until Ctrl-C. A client that resets or fails costs only
 * its own connection; standard output failing ends it all.
 */
async function keepOpen(run: Run): Promise<number> {
  const { line } = run;
  const stop = new AbortController();
  const signal = AbortSignal.any([run.signal, stop.signal]);
  const { fail, check } = firstFailure(signal, stop);
  let waiting: ReturnType<typeof setTimeout> | undefined;
  const options: ServeOptions = {
    signal,
    // The relays end with the run's signal; close what is left at once.
    shutdownTimeout: 0,
    // Standard input goes to one client at a time; --echo and --exec
    // serve every client at once.
    maxConnections: line.echo || line.exec !== "" ? Infinity : 1,
    onListen: (addr) => console.error(`listening on ${formatAddr(addr)}`),
    onError: (err) => console.error(`error: ${message(err)}`),
  };
  async function handler(sock: StreamSocket): Promise<void> {
    clearTimeout(waiting);
    run.say(`connection from ${formatAddr(sock.remoteAddr)}`);
    try {
      await serveConnection(run, sock, !line.echo);
    } catch (err) {
      if (signal.aborted) return;
      // Standard output failing ends the run; a client's failure, the client.
      if (isLocal(err)) fail(err);
      else console.error(`error: ${message(err)}`);
    }
  }
  const server: Server = line.transport === "unix"
    ? await withArguments(
      run,
      () => serve({ path: line.path, ...options }, handler),
    )
    : await onListenHost(run, async (hostname) =>
      serve({
        hostname,
        port: line.port,
        ...options,
        // With --tls, serve() completes each handshake before the handler
        // runs; a failed one costs only that client.
        ...(line.tls !== null
          ? {
            tls: {
              cert: await readPem(line.tls.cert, "--cert"),
              key: await readPem(line.tls.key, "--key"),
            },
          }
          : {}),
        ...(v6Only(run, hostname) ? { ipv6Only: true } : {}),
      }, handler));
  if (line.timeout !== null) {
    const ms = line.timeout;
    waiting = setTimeout(() => {
      if (server.connections > 0) return;
      fail(
        new Deno.errors.TimedOut(
          `Cannot accept on ${
            formatAddr(server.addr)
          }: timed out after ${ms} ms`,
        ),
      );
    }, ms);
  }
  try {
    await server.finished;
  } finally {
    clearTimeout(waiting);
  }
  check();
  if (run.signal.aborted) throw run.signal.reason;
  return 0;
}

/** Bytes, or TimedOut naming the transfer when nothing moved for too long. */
function idleFailure(
  idle: IdleTimer | null,
  run: Run,
  action: string,
  err: unknown,
): unknown {
  if (idle !== null && idle.signal.aborted && !run.signal.aborted) {
    return new Deno.errors.TimedOut(
      `Cannot ${action}: nothing moved for ${
        formatDuration(run.line.idleTimeout!)
      }`,
      { cause: err },
    );
  }
  return err;
}

async function sendCommand(run: Run): Promise<number> {
  const { line } = run;
  const fromStdin = line.file === "-";
  const what = fromStdin ? "standard input" : show(line.file);
  let file: Deno.FsFile | null = null;
  let size: number | null = null;
  if (!fromStdin) {
    try {
      file = await Deno.open(line.file);
      const info = await file.stat();
      if (info.isDirectory) {
        throw new Deno.errors.IsADirectory("Is a directory");
      }
      if (info.isFile) size = info.size;
    } catch (err) {
      file?.close();
      throw fsError(`open ${what}`, err);
    }
  }
  try {
    const source = file === null ? run.stdin : new ChunkSource(file, what);
    const sock = await connectStream(run);
    const peer = formatAddr(sock.remoteAddr);
    const { idle, signal } = idleSignal(run);
    const progress = new Progress(
      "sent",
      size,
      liveProgress(line),
      Deno.stderr,
    );
    try {
      try {
        for (;;) {
          const chunk = await source.read(signal);
          if (chunk === null) break;
          await sendAll(sock, chunk, { signal });
          progress.add(chunk.length);
          idle?.touch();
        }
        await shutdown(sock, "write");
      } catch (err) {
        throw idleFailure(idle, run, `send ${what} to ${peer}`, err);
      }
      // Wait for the peer to close, so it has every byte; pass on what it says.
      try {
        for (;;) {
          const data = await recv(sock, undefined, { signal });
          if (data === null) break;
          await writeAll(Deno.stdout, data, "standard output", signal);
          idle?.touch();
        }
      } catch (err) {
        // Every byte is sent: a peer that stays open past --idle-timeout is
        // left, not failed.
        if (!(idle?.signal.aborted && !run.signal.aborted)) throw err;
      }
      console.error(await progress.finish("to", peer));
    } catch (err) {
      await progress.abandon();
      throw err;
    } finally {
      idle?.dispose();
      await close(sock);
    }
  } finally {
    file?.close();
  }
  return 0;
}

/**
 * Where recv writes FILE: a new file beside it, renamed over it once the
 * transfer ends well, so a stray connection or a sender that dies mid-way
 * leaves the original as it was.
 */
class PartFile {
  readonly file: Deno.FsFile;
  readonly #path: string;
  readonly #target: string;
  readonly #what: string;

  private constructor(
    file: Deno.FsFile,
    path: string,
    target: string,
    what: string,
  ) {
    this.file = file;
    this.#path = path;
    this.#target = target;
    this.#what = what;
  }

  /** Creates the part file beside `target`, with the mode `target` has. */
  static async create(target: string, what: string): Promise<PartFile> {
    const slash = target.lastIndexOf("/");
    const path = `${target.slice(0, slash + 1)}.${target.slice(slash + 1)}.${
      crypto.randomUUID().slice(0, 8)
    }.part`;
    let mode: number | null = null;
    try {
      mode = (await Deno.stat(target)).mode;
    } catch {
      // No file yet: the umask decides, as for any new file.
    }
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, {
        write: true,
        createNew: true,
        ...(mode !== null ? { mode: mode & 0o777 } : {}),
      });
    } catch (err) {
      throw fsError(`create a file beside ${what}`, err);
    }
    return new PartFile(file, path, target, what);
  }

  /** Puts the received file in place: replacing FILE with `force`, else only when there is none. */
  async commit(force: boolean): Promise<void> {
    this.file.close();
    try {
      if (force) {
        await Deno.rename(this.#path, this.#target);
      } else {
        // A link, unlike a rename, never replaces a file that appeared
        // meanwhile; where the file system has no hard links, rename (FILE
        // was checked to be absent before listening).
        try {
          await Deno.link(this.#path, this.#target);
        } catch (err) {
          if (err instanceof Deno.errors.AlreadyExists) throw err;
          await Deno.rename(this.#path, this.#target);
        }
        await Deno.remove(this.#path).catch(() => {});
      }
    } catch (err) {
      await Deno.remove(this.#path).catch(() => {});
      throw fsError(`write ${this.#what}`, err);
    }
  }

  /** Removes the part file; FILE stays as it was. */
  async discard(): Promise<void> {
    try {
      this.file.close();
    } catch {
      // Closed already.
    }
    await Deno.remove(this.#path).catch(() => {});
  }
}

/** Refuses to replace FILE unless --force says so; before any I/O. */
async function checkTarget(run: Run, what: string): Promise<void> {
  if (run.line.force) return;
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(run.line.file);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return;
    throw fsError(`check ${what}`, err);
  }
  throw setLocal(
    new Deno.errors.AlreadyExists(
      `Cannot recv into ${what}: the ${
        info.isDirectory ? "directory" : "file"
      } exists (add --force to replace it)`,
    ),
  );
}

async function recvCommand(run: Run): Promise<number> {
  const { line } = run;
  const toStdout = line.file === "-";
  const what = toStdout ? "standard output" : show(line.file);
  if (!toStdout) await checkTarget(run, what);
  const server = await listenStream(run);
  let sock: StreamSocket;
  try {
    sock = await acceptOne(run, server);
  } finally {
    await close(server);
  }
  const peer = formatAddr(sock.remoteAddr);
  let part: PartFile | null = null;
  const { idle, signal } = idleSignal(run);
  const progress = new Progress(
    "received",
    null,
    liveProgress(line),
    Deno.stderr,
  );
  try {
    if (!toStdout) part = await PartFile.create(line.file, what);
    const out = part?.file ?? Deno.stdout;
    try {
      for (;;) {
        const data = await recv(sock, undefined, { signal });
        if (data === null) break;
        await writeAll(out, data, what, signal);
        progress.add(data.length);
        idle?.touch();
      }
    } catch (err) {
      throw idleFailure(idle, run, `recv ${what} from ${peer}`, err);
    }
    await part?.commit(line.force);
    part = null;
    console.error(await progress.finish("from", peer));
    // TLS: end with close_notify, which close() leaves to the background
    // and the exit that follows would cut off; the sender waits for it.
    if (line.tls !== null) await shutdown(sock, "write");
  } catch (err) {
    await progress.abandon();
    throw err;
  } finally {
    idle?.dispose();
    await part?.discard();
    await close(sock);
  }
  return 0;
}

/** Errors that mean "this port is not open". */
function isClosedPort(err: unknown): boolean {
  return err instanceof Deno.errors.ConnectionRefused ||
    err instanceof Deno.errors.TimedOut ||
    err instanceof Deno.errors.ConnectionReset ||
    err instanceof Deno.errors.ConnectionAborted;
}

/** Errors of a TLS handshake that failed on an open port. */
function isFailedHandshake(err: unknown): boolean {
  return err instanceof Deno.errors.InvalidData ||
    err instanceof Deno.errors.UnexpectedEof;
}

/** What scan found on a port: open, or closed and why. */
type PortResult = { open: true } | { open: false; why: string };

/**
 * Tries one port: connects (and with --tls completes a verified
 * handshake), then closes. Never open: a refused, reset or timed-out
 * connect, a failed handshake, a connection of the socket to itself.
 * Other errors (no route, a bad name) are thrown.
 */
async function probe(
  run: Run,
  hostname: string,
  port: number,
  tlsOptions: tls.ConnectOptions | null,
  signal: AbortSignal,
): Promise<PortResult> {
  const { line } = run;
  let sock: StreamSocket;
  try {
    sock = tlsOptions === null
      ? await tcp.connect({ hostname, port }, { signal, timeout: line.timeout })
      : await tls.connect({ hostname, port }, {
        signal,
        timeout: line.timeout,
        ...tlsOptions,
      });
  } catch (err) {
    if (signal.aborted) throw err;
    if (err instanceof Deno.errors.TimedOut) {
      return {
        open: false,
        why: `timed out after ${formatDuration(line.timeout!)}`,
      };
    }
    if (isClosedPort(err)) return { open: false, why: reasonOf(err) };
    // Open, but no verified TLS there: not listed.
    if (tlsOptions !== null && isFailedHandshake(err)) {
      return { open: false, why: message(err) };
    }
    throw err;
  }
  const self = isSelfConnection(sock.localAddr, sock.remoteAddr);
  await close(sock);
  return self
    ? {
      open: false,
      why: "the socket connected to itself (TCP self-connect), nothing listens",
    }
    : { open: true };
}

/** `ConnectionRefused` → `connection refused`. */
function reasonOf(err: unknown): string {
  const name = err instanceof Error ? err.name : "";
  return name.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase() ||
    message(err);
}

async function scanCommand(run: Run): Promise<number> {
  const { line } = run;
  const hostname = await resolveHost(line.hostname, line.family);
  const tlsOptions = line.tls === null
    ? null
    : await tlsClientOptions(line.tls, line.hostname);
  const ports = line.ports;
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  const proto = line.tls === null ? "tcp" : "tls";
  const results = new Array<PortResult | undefined>(ports.length);
  let open = 0;
  let flushed = 0;
  let writing: Promise<void> = Promise.resolve();
  // Lines go out in port order as soon as every port before is done.
  function flush(): void {
    let text = "";
    for (; flushed < ports.length; flushed++) {
      const result = results[flushed];
      if (result === undefined) break;
      const port = ports[flushed]!;
      if (result.open) {
        open++;
        text += `${port}\n`;
        run.say(`connect to ${host} port ${port} (${proto}) succeeded`);
      } else {
        run.say(
          `connect to ${host} port ${port} (${proto}) failed: ${result.why}`,
        );
      }
    }
    if (text !== "") {
      const bytes = encoder.encode(text);
      writing = writing.then(() =>
        writeAll(Deno.stdout, bytes, "standard output", signal)
      );
      writing.catch((err) => fail(err));
    }
  }
  const stop = new AbortController();
  const signal = AbortSignal.any([run.signal, stop.signal]);
  const { fail, check } = firstFailure(signal, stop);
  let next = 0;
  const started = performance.now();
  async function worker(): Promise<void> {
    while (next < ports.length && !signal.aborted) {
      const i = next++;
      try {
        results[i] = await probe(run, hostname, ports[i]!, tlsOptions, signal);
      } catch (err) {
        fail(err);
        return;
      }
      flush();
    }
  }
  await Promise.all(
    Array.from({ length: Math.min(line.concurrency, ports.length) }, worker),
  );
  await writing.catch(() => {});
  if (run.signal.aborted) throw run.signal.reason;
  check();
  run.say(
    `${open} of ${ports.length} ports open on ${host} in ${
      formatDuration(performance.now() - started)
    }`,
  );
  if (open === 0) {
    console.error(
      ports.length === 1
        ? `port ${ports[0]} is not open on ${host}`
        : `none of the ${ports.length} ports is open on ${host}`,
    );
    return 1;
  }
  return 0;
}

function runCommand(run: Run): Promise<number> {
  switch (run.line.command) {
    case "connect":
      return connectCommand(run);
    case "listen":
      return listenCommand(run);
    case "scan":
      return scanCommand(run);
    case "send":
      return sendCommand(run);
    case "recv":
      return recvCommand(run);
  }
}

function printUsageError(err: UsageError): void {
  console.error(`error: ${err.message}`);
  console.error(err.usage);
}

/**
 * Runs the `socketkit` command line: `connect`, `listen`, `scan`, `send`
 * or `recv` (see `socketkit --help`), with standard input, output and error
 * as its data and messages.
 *
 * Errors are printed, not thrown: one line (`error: ...`, no stack trace)
 * for network and file errors, that line and the usage for bad arguments.
 * Ctrl-C (SIGINT) and SIGTERM close every socket and end the run.
 *
 * Requires `allow-net` permission, plus `allow-read` and `allow-write` for
 * files and Unix sockets, and `allow-run` (of `sh`) for `--exec`.
 *
 * @param args The arguments after the program name, as `Deno.args`.
 * @returns The exit status: 0 done, 1 network or file error (or no open port
 * for `scan`), 2 bad arguments, 130 interrupted by SIGINT (143 by SIGTERM).
 *
 * @example Scan a port list
 * ```ts
 * import { main } from "@socketkit/socket/cli";
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const port = server.addr.port;
 * // Prints the open port; the closed neighbour is left out.
 * assert.equal(await main(["scan", "127.0.0.1", `${port},${port === 65535 ? 1 : port + 1}`]), 0);
 * ```
 *
 * @example Bad arguments exit 2
 * ```ts
 * import { main } from "@socketkit/socket/cli";
 * import assert from "node:assert/strict";
 *
 * assert.equal(await main(["connect", "127.0.0.1", "99999"]), 2);
 * ```
 *
 * @tags allow-net, allow-read, allow-write, allow-run
 */
export async function main(args: string[]): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parseCommandLine(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    printUsageError(err);
    return 2;
  }
  if ("help" in parsed) {
    console.log(parsed.help);
    return 0;
  }
  const line = parsed;
  const controller = new AbortController();
  const signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT"]
    : ["SIGINT", "SIGTERM"];
  const handlers = signals.map((sig) => {
    const handler = () => {
      // A second Ctrl-C does not wait for the sockets to close.
      if (controller.signal.aborted) Deno.exit(new Interrupted(sig).status);
      controller.abort(new Interrupted(sig));
    };
    Deno.addSignalListener(sig, handler);
    return [sig, handler] as const;
  });
  const run: Run = {
    line,
    signal: controller.signal,
    stdin: new ChunkSource(
      Deno.stdin,
      "standard input",
      line.datagram ? UDP_CHUNK : undefined,
    ),
    say: line.verbose ? (text) => console.error(text) : () => {},
  };
  try {
    return await runCommand(run);
  } catch (err) {
    if (controller.signal.aborted) {
      return (controller.signal.reason as Interrupted).status;
    }
    if (err instanceof UsageError) {
      printUsageError(err);
      return 2;
    }
    // The reader of standard output left (`| head -c 10`): nothing more to
    // do, and nothing to say, as cat and nc.
    if (err instanceof Deno.errors.BrokenPipe && isLocal(err)) return 0;
    const text = message(err);
    console.error(`error: ${text}`);
    if (line.verbose && err instanceof Error && err.stack) {
      console.error(err.stack);
    }
    return 1;
  } finally {
    for (const [sig, handler] of handlers) {
      Deno.removeSignalListener(sig, handler);
    }
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
