// Copyright 2026 the socketkit authors. MIT license.
// Listening stream sockets: the server handle and accept. Internal:
// tcp.ts and unix.ts re-export what they need through _stream.ts.

import { formatAddr } from "./_addr.ts";
import { closedError, closeQuietly, ioError, show } from "./_errors.ts";
import { InFlight } from "./_in_flight.ts";
import { StreamSocket } from "./_stream.ts";
import { deadlineFor, type IoOptions } from "./_timeout.ts";
import { checkOptions } from "./_validate.ts";

function noop(): void {}

/** The state behind a {@linkcode StreamServer}. */
interface ServerState {
  readonly listener: Deno.Listener;
  readonly addr: Deno.Addr;
  /** The accept in flight, owned by the server until someone takes its connection. */
  readonly accepts: InFlight<Deno.Conn>;
  /** Starts an accept on the listener. */
  readonly accept: () => Promise<Deno.Conn>;
  accepting: boolean;
  timeout: number | null;
  closing: Promise<void> | null;
  readonly onClose: (() => void | Promise<void>) | undefined;
  /** Peers that accept closes at once (see refusePeers), or null. */
  refuse: ((addr: Deno.Addr) => boolean) | null;
}

let stateOf: (server: StreamServer) => ServerState;

/** The state of a server, for _stream.ts (setTimeout). */
export function serverOf(server: StreamServer): ServerState {
  return stateOf(server);
}

/**
 * A listening stream socket (TCP or Unix), made by `listen`. Pass it to
 * {@linkcode accept}, or iterate it with `for await` to accept each
 * connection in turn until it is closed.
 *
 * Closing it (with {@linkcode close} or `await using`) waits for the accept
 * in flight to settle, so the port or path can be bound again as soon as
 * the close resolves.
 *
 * @typeParam A The address type.
 *
 * @example Accept connections in a loop
 * ```ts
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const client = await tcp.connect(server.addr);
 * for await (const conn of server) {
 *   assert.equal(conn.localAddr.port, server.addr.port);
 *   await tcp.close(conn);
 *   break;
 * }
 * await tcp.close(client);
 * ```
 */
export class StreamServer<A extends Deno.Addr = Deno.Addr>
  implements AsyncDisposable, Disposable, AsyncIterable<StreamSocket<A>> {
  readonly #state: ServerState;

  /**
   * Adopts a `Deno.Listener`. Use `listen` rather than this.
   *
   * @param listener The listener; the server owns it from now on.
   * @param onClose Called once the listener is closed (unix.ts removes its socket file).
   */
  constructor(
    listener: Deno.Listener<Deno.Conn<A>, A>,
    onClose?: () => void | Promise<void>,
  ) {
    this.#state = {
      listener: listener as unknown as Deno.Listener,
      addr: listener.addr,
      accepts: new InFlight(),
      accept: () => listener.accept() as Promise<Deno.Conn>,
      accepting: false,
      timeout: null,
      closing: null,
      onClose,
      refuse: null,
    };
  }

  static {
    stateOf = (server) => server.#state;
  }

  /** The address the server listens on (with the real port when 0 was asked). */
  get addr(): A {
    return this.#state.addr as A;
  }

  /** The underlying Deno listener. */
  get listener(): Deno.Listener<Deno.Conn<A>, A> {
    return this.#state.listener as unknown as Deno.Listener<Deno.Conn<A>, A>;
  }

  /** The default accept timeout in milliseconds, or `null`. */
  get timeout(): number | null {
    return this.#state.timeout;
  }

  /** Whether {@linkcode close} was called. */
  get closed(): boolean {
    return this.#state.closing !== null;
  }

  /** Accepts connections until the server is closed. */
  async *[Symbol.asyncIterator](): AsyncIterator<StreamSocket<A>> {
    while (this.#state.closing === null) {
      try {
        yield await accept(this, { timeout: null });
      } catch (err) {
        if (this.#state.closing !== null) return;
        throw err;
      }
    }
  }

  /** Closes the server; same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return closeServer(this.#state);
  }

  /** Starts closing the server, for `using`; `await using` waits for it. */
  [Symbol.dispose](): void {
    closeServer(this.#state).catch(noop);
  }
}

/** Options for {@linkcode accept}. */
export interface AcceptOptions extends IoOptions {}

/**
 * Waits for the next connection.
 *
 * An accept that times out or is aborted stays in flight, owned by the
 * server, and the next call gets the connection it brings.
 *
 * Requires `allow-net` permission.
 *
 * @param server The listening server.
 * @param options Timeout and abort signal.
 * @returns The connected socket.
 * @throws {Deno.errors.TimedOut} If no connection arrives in time.
 * @throws {Deno.errors.BadResource} If the server is closed.
 *
 * @example Accept one connection
 * ```ts
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server, { timeout: 5_000 });
 * await using client = await tcp.connect(server.addr);
 * await using conn = await accepted;
 * assert.equal(conn.remoteAddr.port, client.localAddr.port);
 * ```
 *
 * @tags allow-net
 */
export async function accept<A extends Deno.Addr>(
  server: StreamServer<A>,
  options: AcceptOptions = {},
): Promise<StreamSocket<A>> {
  if (!(server instanceof StreamServer)) {
    throw new TypeError(
      `Cannot accept as server must be a StreamServer from listen: current value is ${
        show(server)
      }`,
    );
  }
  const s = stateOf(server);
  const where = () => `accept on ${formatAddr(s.addr)}`;
  checkOptions(options, where);
  if (s.closing !== null) throw closedError(where());
  if (s.accepting) {
    throw new Deno.errors.Busy(
      `Cannot ${where()}: another accept is in progress`,
    );
  }
  const deadline = deadlineFor(options, s.timeout, where);
  s.accepting = true;
  try {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await s.accepts.run(s.accept, deadline);
      } catch (err) {
        if (deadline !== null && deadline.caused(err)) throw err;
        if (s.closing !== null) throw closedError(where());
        // A connection that died before it was accepted is the peer's
        // failure, not the listener's: take the next one.
        if (diedBeforeAccept(err)) continue;
        throw ioError(where(), err);
      }
      if (s.closing !== null) {
        // The connection came as the server closed.
        closeQuietly(conn);
        throw closedError(where());
      }
      if (s.refuse !== null && s.refuse(conn.remoteAddr)) {
        closeQuietly(conn);
        continue;
      }
      return new StreamSocket(conn as Deno.Conn<A>);
    }
  } finally {
    s.accepting = false;
    deadline?.dispose();
  }
}

/**
 * Whether an accept failed for that one connection only: its peer reset
 * or aborted it before it was accepted (Deno then fails to read its
 * address: `NotConnected`), as Go's runtime skips `ECONNABORTED`, plus the
 * network errors Linux's accept(2) says to treat as a retry.
 */
function diedBeforeAccept(err: unknown): boolean {
  if (
    err instanceof Deno.errors.NotConnected ||
    err instanceof Deno.errors.ConnectionAborted ||
    err instanceof Deno.errors.ConnectionReset
  ) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && PER_CONNECTION_ACCEPT_CODES.has(code);
}

const PER_CONNECTION_ACCEPT_CODES = new Set([
  "ECONNABORTED",
  "ECONNRESET",
  "ENOTCONN",
  "EPROTO",
  "ENETDOWN",
  "ENETUNREACH",
  "EHOSTDOWN",
  "EHOSTUNREACH",
  "ENONET",
]);

/**
 * Makes `accept` close, at once, connections from peers `refuse` picks
 * (tcp.listen's `ipv6Only`). Internal.
 */
export function refusePeers(
  server: StreamServer,
  refuse: (addr: Deno.Addr) => boolean,
): void {
  stateOf(server).refuse = refuse;
}

/** Closes a server: the listener, then what it was accepting. */
export function closeServer(s: ServerState): Promise<void> {
  if (s.closing !== null) return s.closing;
  closeQuietly(s.listener);
  const active = s.accepts.active;
  s.closing = (async () => {
    if (active) {
      // A connection that arrived as we closed is closed too.
      await s.accepts.run(s.accept, null).then((conn) => {
        closeQuietly(conn);
      }, noop);
    }
    await s.onClose?.();
  })();
  return s.closing;
}
