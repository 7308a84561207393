// Copyright 2026 the socketkit authors. MIT license.
// deno-lint-ignore-file no-console

/**
 * {@linkcode serve}: a stream server in one call, shaped like `Deno.serve`.
 * It listens on TCP or a Unix socket, accepts, and runs your handler for
 * each connection concurrently, with what a server needs to survive its
 * clients:
 *
 * - a handler that throws costs only its own connection (`onError`);
 * - `maxConnections`, with the connections over it left waiting in the
 *   backlog or closed at once;
 * - `idleTimeout`, which closes connections that stall (no byte read or
 *   written for that long), checked by one timer for all of them (a client
 *   dripping a byte at a time is bounded by the handler's receive
 *   timeouts, which time a whole line or frame);
 * - a client that resets before it is accepted is skipped; only
 *   listener-wide failures (out of file descriptors) pause accepting;
 * - a graceful {@linkcode Server.shutdown}: stop accepting, let handlers
 *   finish up to a deadline, close what is left (a client that does not
 *   read its replies cannot hold it), and resolve once every socket is
 *   closed and the port is free.
 *
 * Requires `allow-net` permission (Unix sockets: `allow-read` and
 * `allow-write` too).
 *
 * @example A framed echo server
 * ```ts
 * import { recvFrame, sendFrame, serve, tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = await serve({ hostname: "127.0.0.1", port: 0 }, async (sock) => {
 *   for (let msg; (msg = await recvFrame(sock)) !== null;) await sendFrame(sock, msg);
 * });
 * await using client = await tcp.connect(server.addr);
 * await sendFrame(client, "ping");
 * assert.equal(new TextDecoder().decode((await recvFrame(client))!), "ping");
 * ```
 *
 * @module
 */

import { formatAddr } from "./_addr.ts";
import { show } from "./_errors.ts";
import {
  accept,
  close,
  closeNow,
  type StreamServer,
  type StreamSocket,
} from "./_stream.ts";
import { listen as listenTcp, type ListenOptions } from "./tcp.ts";

export type { StreamSocket } from "./_stream.ts";

/** The default of {@linkcode ServeOptions.shutdownTimeout}: 10 seconds. */
export const DEFAULT_SHUTDOWN_TIMEOUT = 10_000;

/** What a handler gets besides its socket. */
export interface ServeHandlerInfo {
  /**
   * Aborted when the server starts shutting down. Pass it to a waiting
   * receive (`recvFrame(sock, { signal: info.signal })`) to stop waiting
   * for a client that has nothing more to say; nothing in flight is lost
   * by the abort.
   */
  readonly signal: AbortSignal;
}

/**
 * Serves one connection. The server closes the socket when the returned
 * promise settles; if it rejects, the error goes to `onError`.
 */
export type ServeHandler<A extends Deno.Addr = Deno.Addr> = (
  sock: StreamSocket<A>,
  info: ServeHandlerInfo,
) => void | Promise<void>;

/** Options for every {@linkcode serve}, whatever the transport. */
export interface ServeOptions<A extends Deno.Addr = Deno.Addr> {
  /** Starts a graceful {@linkcode Server.shutdown} when aborted. */
  signal?: AbortSignal;
  /**
   * Called once the server listens, with its address (the real port when
   * 0 was asked).
   *
   * @default {nothing}
   */
  onListen?: (addr: A) => void;
  /**
   * Called when a handler throws or rejects, with the error and the
   * connection (which is then closed), or when the listener fails to
   * accept, with `null`: out of file descriptors (`EMFILE`, `ENFILE`) or
   * buffers (`ENOBUFS`); the server then pauses, 5 ms doubling up to 1 s,
   * and tries again. A client that resets before it is accepted is not a
   * failure: it is skipped. Errors the server caused itself are not
   * reported: a connection closed for `idleTimeout` or at the end of the
   * shutdown deadline, and a receive rejected by `info.signal` at shutdown.
   *
   * @default {one line on standard error}
   */
  onError?: (error: unknown, sock: StreamSocket<A> | null) => void;
  /**
   * The most connections open at once.
   *
   * @default {Infinity}
   */
  maxConnections?: number;
  /**
   * What happens to a connection over `maxConnections`: `"wait"` stops
   * accepting until one closes, so new clients wait in the listen backlog;
   * `"close"` accepts and closes them at once.
   *
   * @default {"wait"}
   */
  overflow?: "wait" | "close";
  /**
   * Milliseconds a connection may go without a byte read or written before
   * the server closes it: the defence against clients that connect and
   * stall. One timer checks every connection; a connection is closed
   * between `idleTimeout` and 1.25 × `idleTimeout` after its last byte,
   * dropping any replies still queued for it (the client has not read a
   * byte of them for that long).
   * `null` turns it off. Any byte resets it, so a client sending one byte
   * at a time is not idle: bound each whole message with the receive's
   * own `timeout` in the handler (`recvLine(sock, { timeout, signal })`
   * times the whole line), and each reply with the send's.
   *
   * @default {null}
   */
  idleTimeout?: number | null;
  /**
   * Milliseconds {@linkcode Server.shutdown} lets handlers run before it
   * closes the connections still open.
   *
   * @default {10000}
   */
  shutdownTimeout?: number;
}

/**
 * Options for {@linkcode serve} on TCP: where and how to listen are those
 * of `listen` in tcp.ts (`hostname`, `port`, `reusePort`, `backlog`,
 * `ipv6Only`, `dualStack`).
 */
export interface ServeTcpOptions
  extends ServeOptions<Deno.NetAddr>, ListenOptions {
  /**
   * Serve over TLS with this certificate and key: the handler gets each
   * socket with its handshake done. Of the listening options, TLS takes
   * `hostname`, `port` and `ipv6Only` (as `tls.listen`); `reusePort`,
   * `backlog` and `dualStack` are for plain TCP only.
   *
   * @default {plain TCP}
   */
  tls?: ServeTlsOptions;
}

/** The certificate and key of {@linkcode ServeTcpOptions.tls}. */
export interface ServeTlsOptions {
  /** The server's certificate chain, PEM (leaf first). */
  cert: string;
  /** The server's private key, PEM. */
  key: string;
  /**
   * The ALPN protocols the server accepts, most preferred first.
   *
   * @default {none}
   */
  alpnProtocols?: string[];
  /**
   * Milliseconds a client has to finish the TLS handshake before its
   * connection is closed, so one that connects and never speaks TLS
   * cannot hold a slot. A failed handshake goes to `onError`.
   *
   * Its file descriptor is another matter: Deno (2.x) keeps the socket of
   * a TLS connection closed before its handshake finished open until the
   * client sends something or goes away, so a client that connects and
   * stays silent holds one descriptor after this timeout (and holds one
   * itself). Raise the process's descriptor limit accordingly.
   *
   * @default {10000}
   */
  handshakeTimeout?: number;
}

/** Options for {@linkcode serve} on a Unix socket. */
export interface ServeUnixOptions extends ServeOptions<Deno.UnixAddr> {
  /**
   * The socket file's path (a stale file is replaced, a live one refused;
   * the file is removed at shutdown), or on Linux an abstract name
   * `"\0name"`.
   */
  path: string;
  /**
   * Permission bits set on the socket file, such as `0o600`.
   *
   * @default {what the umask leaves}
   */
  mode?: number;
}

/** Options for {@linkcode Server.shutdown}. */
export interface ShutdownOptions {
  /**
   * Milliseconds to let handlers finish before the connections still open
   * are closed; `0` closes them at once.
   *
   * @default {the server's `shutdownTimeout`}
   */
  timeout?: number;
}

/**
 * A running server, made by {@linkcode serve}. `await using` shuts it
 * down gracefully.
 *
 * @typeParam A The address type: `Deno.NetAddr` for TCP, `Deno.UnixAddr`
 * for Unix sockets.
 */
export interface Server<A extends Deno.Addr = Deno.Addr>
  extends AsyncDisposable {
  /** The address the server listens on (with the real port when 0 was asked). */
  readonly addr: A;
  /** The number of connections open now. */
  readonly connections: number;
  /**
   * Resolves once the server has shut down: nothing listens any more (the
   * port or path can be bound again at once) and every connection is
   * closed. A handler still running when its socket was closed at the
   * shutdown deadline is not waited for (its socket calls reject).
   */
  readonly finished: Promise<void>;
  /**
   * Shuts down gracefully: stops accepting, aborts the handlers'
   * `info.signal`, lets handlers finish for up to `timeout` milliseconds,
   * then closes the connections still open. Replies still queued then get
   * one more second to go out, and are dropped after it, so a client that
   * does not read cannot hold the shutdown (nor one whose handler has
   * returned). Resolves as {@linkcode Server.finished} does, within
   * `timeout` and a second. Later calls return the same promise.
   */
  shutdown(options?: ShutdownOptions): Promise<void>;
}

// ---- internals ----

/** One open connection. */
interface Connection<A extends Deno.Addr> {
  readonly sock: StreamSocket<A>;
  /** bytesRead + bytesWritten at the last idle check that saw it move. */
  seen: number;
  /** When `seen` last changed, in `performance.now()` milliseconds. */
  since: number;
  /** Whether the server closed it (idle or shutdown), so handler errors are expected. */
  forced: boolean;
  /** Set once closing has begun. */
  closing: Promise<void> | null;
}

const MAX_ACCEPT_BACKOFF = 1_000;
/**
 * How long, at the shutdown deadline, the replies still queued get to go
 * out before they are dropped: a client that reads takes them at once.
 */
const SHUTDOWN_LINGER = 1_000;

function noop(): void {}

function defaultOnError(error: unknown, sock: StreamSocket | null): void {
  const message = error instanceof Error
    ? `${error.name}: ${error.message}`
    : String(error);
  const where = sock === null
    ? "accept failed, retrying after a pause"
    : `handler failed for ${formatAddr(sock.remoteAddr)}`;
  console.error(`serve: ${where}: ${message.split("\n")[0]}`);
}

function checkFunction(value: unknown, name: string): void {
  if (value !== undefined && typeof value !== "function") {
    throw new TypeError(
      `Cannot serve as ${name} must be a function: current value is ${
        show(value)
      }`,
    );
  }
}

function checkMillis(
  value: unknown,
  name: string,
  min: number,
  nullable: boolean,
): void {
  if (value === undefined || (nullable && value === null)) return;
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot serve as ${name} must be a number of milliseconds${
        nullable ? " or null" : ""
      }: current value is ${show(value)}`,
    );
  }
  if (!(value >= min) || value === Infinity) {
    throw new RangeError(
      `Cannot serve as ${name} must be a finite number of milliseconds from ${min} up: current value is ${value}`,
    );
  }
}

/** Validates the transport-independent options, before any I/O. */
function checkOptions(options: ServeOptions, handler: unknown): void {
  if (typeof handler !== "function") {
    throw new TypeError(
      `Cannot serve as handler must be a function: current value is ${
        show(handler)
      }`,
    );
  }
  const { signal, maxConnections, overflow } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(
      `Cannot serve as signal must be an AbortSignal: current value is ${
        show(signal)
      }`,
    );
  }
  checkFunction(options.onListen, "onListen");
  checkFunction(options.onError, "onError");
  if (maxConnections !== undefined && maxConnections !== Infinity) {
    if (
      typeof maxConnections !== "number" ||
      !Number.isInteger(maxConnections) || maxConnections < 1
    ) {
      const Err = typeof maxConnections === "number" ? RangeError : TypeError;
      throw new Err(
        `Cannot serve as maxConnections must be an integer from 1 up or Infinity: current value is ${
          show(maxConnections)
        }`,
      );
    }
  }
  if (overflow !== undefined && overflow !== "wait" && overflow !== "close") {
    throw new TypeError(
      `Cannot serve as overflow must be "wait" or "close": current value is ${
        show(overflow)
      }`,
    );
  }
  checkMillis(options.idleTimeout, "idleTimeout", 1, true);
  checkMillis(options.shutdownTimeout, "shutdownTimeout", 0, false);
}

class ServerImpl<A extends Deno.Addr> implements Server<A> {
  readonly #listener: StreamServer<A>;
  readonly #handler: ServeHandler<A>;
  readonly #onError: (error: unknown, sock: StreamSocket<A> | null) => void;
  readonly #max: number;
  readonly #overflowClose: boolean;
  readonly #idleTimeout: number | null;
  readonly #shutdownTimeout: number;
  readonly #signal: AbortSignal | undefined;
  readonly #abort = new AbortController();
  readonly #info: ServeHandlerInfo;
  readonly #conns = new Set<Connection<A>>();
  readonly #finished: Promise<void>;
  #resolveFinished: () => void = noop;
  #acceptLoop: Promise<void> = Promise.resolve();
  #closing = false;
  #shutdown: Promise<void> | null = null;
  /** Wakes the accept loop when a slot frees or shutdown starts. */
  #wake: (() => void) | null = null;
  /** Wakes shutdown when the last connection closes. */
  #drained: (() => void) | null = null;
  #sweeper: ReturnType<typeof setInterval> | null = null;
  #pause: {
    timer: ReturnType<typeof setTimeout>;
    resolve: () => void;
  } | null = null;

  constructor(
    listener: StreamServer<A>,
    handler: ServeHandler<A>,
    options: ServeOptions<A>,
  ) {
    this.#listener = listener;
    this.#handler = handler;
    this.#onError = options.onError ?? defaultOnError;
    this.#max = options.maxConnections ?? Infinity;
    this.#overflowClose = options.overflow === "close";
    this.#idleTimeout = options.idleTimeout ?? null;
    this.#shutdownTimeout = options.shutdownTimeout ??
      DEFAULT_SHUTDOWN_TIMEOUT;
    this.#info = Object.freeze({ signal: this.#abort.signal });
    this.#finished = new Promise((resolve) => this.#resolveFinished = resolve);
    this.#signal = options.signal;
    this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  #onAbort = (): void => {
    this.shutdown().catch(noop);
  };

  start(): void {
    this.#acceptLoop = this.#accepting();
  }

  get addr(): A {
    return this.#listener.addr;
  }

  get connections(): number {
    return this.#conns.size;
  }

  get finished(): Promise<void> {
    return this.#finished;
  }

  async #accepting(): Promise<void> {
    let backoff = 5;
    while (!this.#closing) {
      if (this.#conns.size >= this.#max && !this.#overflowClose) {
        await new Promise<void>((resolve) => this.#wake = resolve);
        this.#wake = null;
        continue;
      }
      let sock: StreamSocket<A>;
      try {
        // accept() itself skips connections that died before they were
        // accepted (a client's reset is its own problem), so what fails
        // here fails for the whole listener: out of file descriptors
        // (EMFILE, ENFILE) or memory (ENOBUFS). Pause, so the handlers
        // can free some, and try again.
        sock = await accept(this.#listener, { timeout: null });
      } catch (err) {
        if (this.#closing) return;
        this.#report(err, null);
        await this.#sleep(backoff);
        backoff = Math.min(backoff * 2, MAX_ACCEPT_BACKOFF);
        continue;
      }
      backoff = 5;
      if (this.#closing) {
        await close(sock);
        return;
      }
      if (this.#conns.size >= this.#max) {
        close(sock).catch(noop);
        continue;
      }
      this.#run(sock);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pause = null;
        resolve();
      }, ms);
      this.#pause = { timer, resolve };
    });
  }

  #run(sock: StreamSocket<A>): void {
    const conn: Connection<A> = {
      sock,
      seen: 0,
      since: performance.now(),
      forced: false,
      closing: null,
    };
    this.#conns.add(conn);
    if (this.#idleTimeout !== null && this.#sweeper === null) {
      this.#sweeper = setInterval(
        this.#sweep,
        Math.max(1, this.#idleTimeout / 4),
      );
    }
    // A promise chain rather than an async function: a suspended async
    // function costs about 400 bytes per connection.
    let handled: void | Promise<void>;
    try {
      handled = this.#handler(sock, this.#info);
    } catch (err) {
      handled = Promise.reject(err);
    }
    Promise.resolve(handled).then(
      () => this.#close(conn),
      (err) => {
        if (!conn.forced && !this.#causedByShutdown(err)) {
          this.#report(err, sock);
        }
        return this.#close(conn);
      },
    );
  }

  /**
   * Whether `err` is the shutdown's own abort reason (a receive waiting
   * with `info.signal` rejects with it), maybe wrapped as a `cause`: an
   * error nobody made.
   */
  #causedByShutdown(err: unknown): boolean {
    const signal = this.#abort.signal;
    if (!signal.aborted) return false;
    let e = err;
    for (let depth = 0; e instanceof Error && depth < 8; depth++) {
      if (e === signal.reason) return true;
      e = e.cause;
    }
    return e === signal.reason;
  }

  #report(err: unknown, sock: StreamSocket<A> | null): void {
    try {
      this.#onError(err, sock);
    } catch (failure) {
      defaultOnError(failure, sock);
    }
  }

  /**
   * Closes a connection once; it leaves the count when its socket is
   * closed. `now` drops the replies still queued for it rather than wait
   * for a client that is not reading them, even in a close under way.
   */
  #close(conn: Connection<A>, now = false): Promise<void> {
    if (conn.closing !== null) {
      if (now) closeNow(conn.sock).catch(noop);
      return conn.closing;
    }
    const closing = now ? closeNow(conn.sock) : close(conn.sock);
    conn.closing = closing.catch(noop).then(() => {
      this.#conns.delete(conn);
      if (this.#conns.size === 0) {
        if (this.#sweeper !== null) {
          clearInterval(this.#sweeper);
          this.#sweeper = null;
        }
        this.#drained?.();
      }
      this.#wake?.();
    });
    return conn.closing;
  }

  #sweep = (): void => {
    const now = performance.now();
    const limit = this.#idleTimeout!;
    for (const conn of this.#conns) {
      const seen = conn.sock.bytesRead + conn.sock.bytesWritten;
      if (seen !== conn.seen) {
        conn.seen = seen;
        conn.since = now;
      } else if (now - conn.since >= limit && conn.closing === null) {
        // Nothing moved for so long: replies queued for it are not being
        // read, so they are dropped rather than waited for.
        conn.forced = true;
        this.#close(conn, true);
      }
    }
  };

  shutdown(options: ShutdownOptions = {}): Promise<void> {
    if (this.#shutdown !== null) return this.#shutdown;
    if (options === null || typeof options !== "object") {
      return Promise.reject(
        new TypeError(
          `Cannot shutdown as options must be an object: current value is ${
            show(options)
          }`,
        ),
      );
    }
    const grace = options.timeout ?? this.#shutdownTimeout;
    if (typeof grace !== "number" || !(grace >= 0)) {
      return Promise.reject(
        new RangeError(
          `Cannot shutdown as timeout must be a number of milliseconds from 0 up: current value is ${
            show(grace)
          }`,
        ),
      );
    }
    this.#closing = true;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.#abort.abort(
      new Deno.errors.Interrupted("The server is shutting down"),
    );
    this.#wake?.();
    if (this.#pause !== null) {
      clearTimeout(this.#pause.timer);
      this.#pause.resolve();
      this.#pause = null;
    }
    this.#shutdown = (async () => {
      // Stop accepting: the port is free once the listener and its accept
      // in flight are settled.
      await close(this.#listener);
      await this.#acceptLoop;
      if (this.#conns.size > 0) {
        const drained = new Promise<void>((resolve) => this.#drained = resolve);
        let timer: ReturnType<typeof setTimeout> | undefined;
        const deadline = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, grace);
        });
        await Promise.race([drained, deadline]);
        clearTimeout(timer);
        // Close what is left, giving replies already queued a moment to go
        // out, then dropping them: a client that does not read them must
        // not hold the shutdown (a close waits 10 s for them otherwise).
        const left: Promise<void>[] = [];
        for (const conn of this.#conns) {
          if (conn.closing === null) conn.forced = true;
          left.push(this.#close(conn));
        }
        const closed = Promise.all(left);
        let linger: ReturnType<typeof setTimeout> | undefined;
        const late = await Promise.race([
          closed.then(() => false),
          new Promise<boolean>((resolve) => {
            linger = setTimeout(() => resolve(true), SHUTDOWN_LINGER);
          }),
        ]);
        clearTimeout(linger);
        if (late) {
          for (const conn of this.#conns) this.#close(conn, true);
          await closed;
        }
      }
      if (this.#sweeper !== null) {
        clearInterval(this.#sweeper);
        this.#sweeper = null;
      }
      this.#resolveFinished();
    })();
    return this.#shutdown;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }
}

/**
 * Listens on TCP or a Unix socket and runs `handler` for each connection,
 * concurrently, until {@linkcode Server.shutdown} (or `await using`, or
 * the `signal`).
 *
 * It resolves to the server once it listens — a `Promise`, unlike
 * `Deno.serve`, because listening on a Unix socket first checks for a
 * stale socket file, which is asynchronous; TCP resolves the same way so
 * both read alike, and a failure to listen (`AddrInUse`) rejects that
 * same promise.
 *
 * When the handler returns, the server closes the socket. When it throws,
 * `onError` gets the error and the socket is closed; the server and its
 * other connections go on.
 *
 * Requires `allow-net` permission (Unix sockets: `allow-read` and
 * `allow-write` too).
 *
 * @param options Where to listen (`{ hostname, port }` or `{ path }`) and
 * the server's limits.
 * @param handler Serves one connection.
 * @returns The running server.
 * @throws {TypeError} If the handler is not a function or an option is malformed.
 * @throws {RangeError} If a port, limit or time is out of range.
 * @throws {Deno.errors.AddrInUse} If the address is taken.
 *
 * @example Serve lines on TCP with limits
 * ```ts
 * import { serve, tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = await serve(
 *   { hostname: "127.0.0.1", port: 0, maxConnections: 100, idleTimeout: 30_000 },
 *   async (sock) => {
 *     const line = await tcp.recvLine(sock);
 *     await tcp.sendAll(sock, `you said: ${line}\n`);
 *   },
 * );
 * await using client = await tcp.connect(server.addr);
 * await tcp.sendAll(client, "hi\n");
 * assert.equal(await tcp.recvLine(client), "you said: hi");
 * ```
 *
 * @example Serve on a Unix socket
 * ```ts
 * import { serve, unix } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * {
 *   await using server = await serve({ path: `${dir}/app.sock` }, async (sock) => {
 *     await unix.sendAll(sock, "hello\n");
 *   });
 *   await using client = await unix.connect(server.addr.path);
 *   assert.equal(await unix.recvLine(client), "hello");
 * }
 * await Deno.remove(dir);
 * ```
 *
 * @tags allow-net, allow-read, allow-write
 */
export function serve(
  options: ServeTcpOptions,
  handler: ServeHandler<Deno.NetAddr>,
): Promise<Server<Deno.NetAddr>>;
/**
 * Listens on a Unix socket and runs `handler` for each connection; the
 * same as the TCP form above, with `{ path, mode? }` for the address.
 *
 * Requires `allow-read`, `allow-write` and `allow-net` permissions.
 *
 * @param options The socket path and the server's limits.
 * @param handler Serves one connection.
 * @returns The running server.
 * @throws {Deno.errors.AddrInUse} If a live socket is at the path.
 *
 * @tags allow-net, allow-read, allow-write
 */
export function serve(
  options: ServeUnixOptions,
  handler: ServeHandler<Deno.UnixAddr>,
): Promise<Server<Deno.UnixAddr>>;
export async function serve(
  options: ServeTcpOptions | ServeUnixOptions,
  handler: ServeHandler<Deno.NetAddr> | ServeHandler<Deno.UnixAddr>,
): Promise<Server<Deno.NetAddr> | Server<Deno.UnixAddr>> {
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `Cannot serve as options must be an object: current value is ${
        show(options)
      }`,
    );
  }
  checkOptions(options as ServeOptions, handler);
  if (options.signal?.aborted) throw options.signal.reason;
  let server: ServerImpl<Deno.NetAddr> | ServerImpl<Deno.UnixAddr>;
  if ("path" in options && options.path !== undefined) {
    const tcpOnly = [
      "hostname",
      "port",
      "reusePort",
      "backlog",
      "ipv6Only",
      "dualStack",
      "tls",
    ].find((
      key,
    ) => (options as unknown as Record<string, unknown>)[key] !== undefined);
    if (tcpOnly !== undefined) {
      throw new TypeError(
        `Cannot serve as ${tcpOnly} is for TCP and path for Unix sockets: current value has both`,
      );
    }
    const { path, mode } = options as ServeUnixOptions;
    // Loaded here, not at import: a TCP server never needs it.
    const { listen: listenUnix } = await import("./unix.ts");
    const listener = await listenUnix(
      mode === undefined ? { path } : { path, mode },
    );
    server = new ServerImpl(
      listener,
      handler as ServeHandler<Deno.UnixAddr>,
      options as ServeUnixOptions,
    );
  } else if ((options as ServeTcpOptions).tls !== undefined) {
    const [listener, tlsHandler] = await serveTls(
      options as ServeTcpOptions,
      handler as ServeHandler<Deno.NetAddr>,
    );
    server = new ServerImpl(listener, tlsHandler, options as ServeTcpOptions);
  } else {
    // listen() reads its own fields of the options and no others.
    const listener = await listenTcp(options as ServeTcpOptions);
    server = new ServerImpl(
      listener,
      handler as ServeHandler<Deno.NetAddr>,
      options as ServeTcpOptions,
    );
  }
  server.start();
  try {
    (options.onListen as ((addr: Deno.Addr) => void) | undefined)?.(
      server.addr,
    );
  } catch (err) {
    await server.shutdown({ timeout: 0 });
    throw err;
  }
  return server;
}

/**
 * The listener and handler of a TLS server: the handler completes each
 * handshake (bounded by `handshakeTimeout`) before the caller's runs.
 */
async function serveTls(
  options: ServeTcpOptions,
  handler: ServeHandler<Deno.NetAddr>,
): Promise<[StreamServer<Deno.NetAddr>, ServeHandler<Deno.NetAddr>]> {
  const config = options.tls;
  if (config === null || typeof config !== "object") {
    throw new TypeError(
      `Cannot serve as tls must be an object with cert and key: current value is ${
        show(config)
      }`,
    );
  }
  if (
    options.reusePort !== undefined || options.backlog !== undefined ||
    options.dualStack !== undefined
  ) {
    throw new TypeError(
      "Cannot serve as reusePort, backlog and dualStack are for plain TCP: current value has tls too",
    );
  }
  // Loaded here, not at import: a plain TCP server never needs it.
  const { DEFAULT_HANDSHAKE_TIMEOUT, handshake, listen: listenTls } =
    await import("./tls.ts");
  const timeout = config.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT;
  checkMillis(timeout, "tls.handshakeTimeout", 1, false);
  const listener = await listenTls({
    ...(options.hostname !== undefined ? { hostname: options.hostname } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    cert: config.cert,
    key: config.key,
    ...(config.alpnProtocols !== undefined
      ? { alpnProtocols: config.alpnProtocols }
      : {}),
    ...(options.ipv6Only !== undefined ? { ipv6Only: options.ipv6Only } : {}),
  });
  return [listener, async (sock, info) => {
    try {
      await handshake(sock, { timeout, signal: info.signal });
    } catch (err) {
      if (info.signal.aborted) return; // Shutting down: not the client's fault.
      throw err;
    }
    await handler(sock, info);
  }];
}
