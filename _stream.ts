// Copyright 2026 the socketkit authors. MIT license.
// The stream socket, shared by TCP, Unix and TLS connections: one receive
// loop that runs a decoder (_decoders.ts) over the read buffer
// (_read_buffer.ts), with the read in flight kept across deadlines
// (_in_flight.ts), and the write side (_writer.ts). tcp.ts and unix.ts
// re-export what they need from here; servers are in _accept.ts.

import { formatAddr } from "./_addr.ts";
import {
  BytesDecoder,
  type Decoder,
  ExactDecoder,
  LineDecoder,
  MAX_MESSAGE_BYTES,
  MORE,
  UntilDecoder,
} from "./_decoders.ts";
import { closedError, closeQuietly, ioError, show } from "./_errors.ts";
import { InFlight } from "./_in_flight.ts";
import { ReadBuffer } from "./_read_buffer.ts";
import {
  Deadline,
  deadlineFor,
  type IoOptions,
  validateTimeout,
} from "./_timeout.ts";
import { checkCount, checkOptions, toBytes } from "./_validate.ts";
import { Writer, type WriterHost } from "./_writer.ts";
import { closeServer, serverOf, StreamServer } from "./_accept.ts";

export type { IoOptions } from "./_timeout.ts";
export { accept, type AcceptOptions, StreamServer } from "./_accept.ts";

/** Bytes, or a string sent as UTF-8. */
export type Data = Uint8Array | string;

/** The default `max` of {@linkcode recv}: 64 KiB. */
export const DEFAULT_RECV_BYTES = 65_536;
/** The default limit of {@linkcode recvLine} and {@linkcode recvUntil}: 64 KiB. */
export const DEFAULT_MAX_LINE_BYTES = 65_536;

/** The most bytes one read asks for ahead of a long message; the buffer grows as they come. */
const MAX_READ_AHEAD = 4 << 20;
/**
 * The most bytes one read asks for ahead of a long message of which little
 * has come: a header that announces megabytes reserves this much, and the
 * room then grows with what the peer has sent (twice as much as is
 * buffered), so a peer that announces much and sends little costs little.
 */
const MIN_READ_AHEAD = 65_536;

/**
 * How many bytes to read ahead for a message that wants `want` more, with
 * `buffered` bytes in already: `want`, but no more than
 * {@linkcode MAX_READ_AHEAD}, nor than twice what the peer has shown it
 * sends ({@linkcode MIN_READ_AHEAD} at least).
 */
function readAhead(want: number, buffered: number): number {
  let cap = buffered * 2;
  if (cap < MIN_READ_AHEAD) cap = MIN_READ_AHEAD;
  else if (cap > MAX_READ_AHEAD) cap = MAX_READ_AHEAD;
  return want < cap ? want : cap;
}
/** How long close() waits for queued bytes to go out when the socket has no timeout. */
const CLOSE_LINGER_MS = 10_000;
const EMPTY = new Uint8Array(0);

function noop(): void {}

/**
 * The state behind a {@linkcode StreamSocket}: the read buffer, the read
 * in flight, the write side, the timeout and the counters.
 */
class Core implements WriterHost {
  readonly conn: Deno.Conn;
  readonly localAddr: Deno.Addr;
  readonly remoteAddr: Deno.Addr;
  readonly rb = new ReadBuffer();
  /** The read in flight, owned by the handle until someone takes its bytes. */
  readonly reads = new InFlight<number | null>();
  /** The array the read in flight fills. */
  readTarget: Uint8Array = EMPTY;
  #want = 0;
  eof = false;
  readShut = false;
  /** Whether a receive owns the read side (from its first step to its last). */
  reading = false;
  broken: Error | null = null;
  timeout: number | null = null;
  bytesRead = 0;
  closing: Promise<void> | null = null;
  readonly writer: Writer = new Writer(this);
  #line: LineDecoder | null = null;
  #exact: ExactDecoder | null = null;
  #bytes: BytesDecoder | null = null;

  constructor(conn: Deno.Conn) {
    this.conn = conn;
    this.localAddr = conn.localAddr;
    this.remoteAddr = conn.remoteAddr;
  }

  peer(): string {
    return formatAddr(this.remoteAddr);
  }

  /** Throws when a receive cannot start now. */
  checkReadable(op: string): void {
    if (this.closing !== null) throw closedError(`${op} from ${this.peer()}`);
    if (this.broken !== null) throw this.broken;
    if (this.reading) {
      throw new Deno.errors.Busy(
        `Cannot ${op} from ${this.peer()}: another receive is in progress on this socket`,
      );
    }
  }

  /** Whether an operation with `options` has no deadline at all. */
  forever(options: IoOptions): boolean {
    return options.signal === undefined &&
      (options.timeout === undefined
        ? this.timeout === null
        : options.timeout === null);
  }

  /** Whether the stream has ended for receives (end of stream, or shut for reading). */
  get ended(): boolean {
    return this.eof || this.readShut;
  }

  // ---- reading ----

  readonly #startRead = (): Promise<number | null> => {
    const target = this.rb.reserve(this.#want);
    this.rb.reading = true;
    this.readTarget = target;
    return this.conn.read(target);
  };

  /**
   * Waits for the read in flight (starting one with room for `want` bytes
   * if there is none) and adds its bytes to the buffer; false at end of
   * stream. A deadline that fires first leaves the read in flight.
   */
  async fill(
    deadline: Deadline | null,
    want: number,
    op: string,
  ): Promise<boolean> {
    // Before waiting for the peer, send the replies held for batching.
    this.writer.flush();
    this.#want = readAhead(want, this.rb.size);
    let n: number | null;
    try {
      n = await this.reads.run(this.#startRead, deadline);
    } catch (err) {
      if (deadline !== null && deadline.caused(err)) throw err;
      this.rb.reading = false;
      throw this.failure(`${op} from ${this.peer()}`, err);
    }
    return this.settled(n);
  }

  /** Books a finished read into the buffer; false at end of stream. */
  settled(n: number | null): boolean {
    this.rb.reading = false;
    if (n === null) {
      this.eof = true;
      return false;
    }
    this.bytesRead += n;
    this.rb.commit(this.readTarget, n);
    return true;
  }

  /**
   * The error for an I/O failure: "the socket is closed" when our own close
   * caused it, else the failure with the action and address added.
   */
  failure(action: string, err: unknown): Error {
    return this.closing !== null ? closedError(action) : ioError(action, err);
  }

  /**
   * Runs `dec` until it yields a message: from the buffer at once when it
   * holds one, else reading as needed under one deadline for the whole
   * message. The receive owns the read side from its first step to its
   * last, so a concurrent receive is `Busy`.
   */
  receive<T>(dec: Decoder<T>, options: IoOptions): Promise<T> {
    let value: T | typeof MORE;
    try {
      value = dec.decode(this.rb, this.ended);
    } catch (err) {
      return Promise.reject(this.decodeFailed(dec.op, err));
    }
    if (value !== MORE) return Promise.resolve(value);
    let deadline: Deadline | null = null;
    if (!this.forever(options)) {
      try {
        deadline = deadlineFor(
          options,
          this.timeout,
          () => `${dec.op} from ${this.peer()}`,
        );
      } catch (err) {
        return Promise.reject(err);
      }
    }
    this.reading = true;
    return deadline === null
      ? this.#loopForever(dec)
      : this.#loop(dec, deadline);
  }

  /**
   * The receive loop with no deadline, as a chain of reads rather than an
   * async function: an idle connection waiting here holds no suspended
   * frames (bench:memory), and each read costs one promise step fewer.
   */
  #loopForever<T>(dec: Decoder<T>): Promise<T> {
    this.writer.flush();
    this.#want = readAhead(dec.want(this.rb), this.rb.size);
    this.#dec = dec;
    return this.reads.current(this.#startRead).then(
      this.#onRead,
      this.#onReadError,
    ) as Promise<T>;
  }

  // The decoder of the receive without a deadline in progress, and the
  // handlers of its reads: made once per socket, not per read.
  #dec: Decoder<unknown> | null = null;

  readonly #onRead = (n: number | null): unknown => {
    this.reads.taken();
    const dec = this.#dec!;
    const more = this.settled(n);
    let value: unknown;
    try {
      value = dec.decode(this.rb, !more);
    } catch (err) {
      this.#dec = null;
      this.reading = false;
      throw this.decodeFailed(dec.op, err);
    }
    if (value === MORE) return this.#loopForever(dec);
    this.#dec = null;
    this.reading = false;
    return value;
  };

  readonly #onReadError = (err: unknown): never => {
    this.reads.taken();
    const op = this.#dec!.op;
    this.#dec = null;
    this.reading = false;
    this.rb.reading = false;
    throw this.failure(`${op} from ${this.peer()}`, err);
  };

  async #loop<T>(dec: Decoder<T>, deadline: Deadline | null): Promise<T> {
    try {
      for (;;) {
        const more = await this.fill(deadline, dec.want(this.rb), dec.op);
        let value: T | typeof MORE;
        try {
          value = dec.decode(this.rb, !more);
        } catch (err) {
          throw this.decodeFailed(dec.op, err);
        }
        if (value !== MORE) return value;
      }
    } finally {
      this.reading = false;
      deadline?.dispose();
    }
  }

  /**
   * A decoder failed: adds the operation and the peer to its reason. Any
   * failure but an early end of stream leaves bytes that cannot be parsed,
   * so the socket refuses later receives with an error that says why.
   */
  decodeFailed(op: string, err: unknown): Error {
    if (!(err instanceof Error)) {
      return ioError(`${op} from ${this.peer()}`, err);
    }
    const Err = err.constructor as ErrorConstructor;
    const where = `Cannot ${op} from ${this.peer()}`;
    if (!(err instanceof Deno.errors.UnexpectedEof)) {
      this.broken = new Err(
        `${where}: the connection is unusable since an earlier receive failed (${err.message})`,
      );
    }
    return new Err(`${where}: ${err.message}`);
  }

  recvLine(maxBytes: number, options: IoOptions): Promise<string | null> {
    return this.receive(
      (this.#line ??= new LineDecoder()).reset(maxBytes),
      options,
    );
  }

  recv(max: number, options: IoOptions): Promise<Uint8Array | null> {
    const dec = this.#bytes ??= new BytesDecoder(max);
    dec.max = max;
    return this.receive(dec, options);
  }

  recvExact(n: number, options: IoOptions): Promise<Uint8Array> {
    // One decoder serves every call: receives on a socket never overlap.
    const dec = this.#exact ??= new ExactDecoder(n);
    dec.n = n;
    return this.receive(dec, options);
  }

  recvInto(target: Uint8Array, options: IoOptions): Promise<number | null> {
    if (this.rb.size > 0) return Promise.resolve(this.rb.copyOut(target));
    if (this.ended) return Promise.resolve(null);
    if (!this.reads.active && this.forever(options)) {
      // No deadline can leave this read in flight, so read straight into
      // the caller's array: no copy.
      this.reading = true;
      this.writer.flush();
      return this.reads.current(() => this.conn.read(target)).then(
        (n) => {
          this.reads.taken();
          this.reading = false;
          if (n === null) this.eof = true;
          else this.bytesRead += n;
          return n;
        },
        (err) => {
          this.reads.taken();
          this.reading = false;
          throw this.failure(`recvInto from ${this.peer()}`, err);
        },
      );
    }
    return this.receive(new IntoDecoder(target), options);
  }

  // ---- writing ----

  action(op: string): string {
    return `${op} to ${this.peer()}`;
  }

  writeOnce(data: Uint8Array): Promise<number> {
    return this.conn.write(data);
  }

  holding(): boolean {
    return this.rb.size > 0 && !this.reads.active;
  }

  write(
    data: Uint8Array,
    all: boolean,
    options: IoOptions,
    op: string,
  ): Promise<number> {
    this.writer.check();
    if (this.writer.shutDown) {
      throw ioError(
        this.action(op),
        new Deno.errors.BrokenPipe("the socket was shut down for writing"),
      );
    }
    // No closure for messages on the fast path.
    if (this.forever(options)) return this.writer.send(data, all, null, op);
    const deadline = deadlineFor(options, this.timeout, () => this.action(op))!;
    return this.writer.send(data, all, deadline, op).finally(() =>
      deadline.dispose()
    );
  }

  async shutdown(
    how: "read" | "write" | "both",
    options: IoOptions,
  ): Promise<void> {
    const action = () => `shutdown ${this.peer()}`;
    if (how !== "write") this.readShut = true;
    if (how === "read" || this.writer.shutDown) return;
    // One deadline bounds the whole shutdown: the queued bytes, then the
    // connection's own closeWrite (a TLS one sends what it holds first,
    // and waits for a peer that has stopped reading).
    const deadline = deadlineFor(options, this.timeout, action);
    try {
      await this.writer.drain(deadline);
      this.writer.checkFailure();
      this.writer.shut();
      let closing: Promise<void> | undefined;
      try {
        closing = this.conn.closeWrite();
        await (deadline === null ? closing : deadline.race(closing));
      } catch (err) {
        if (deadline !== null && deadline.caused(err)) {
          closing?.catch(noop);
          throw err;
        }
        throw this.failure(action(), err);
      }
    } finally {
      deadline?.dispose();
    }
  }

  close(): Promise<void> {
    // The first call reports a failure; later ones resolve once it settled.
    if (this.closing !== null) return this.closing.then(noop, noop);
    this.closing = Promise.resolve().then(() => this.#close());
    return this.closing;
  }

  /** Whether close() is to drop queued bytes rather than wait for them: closeNow(). */
  #now = false;
  /** Ends close()'s wait for queued bytes early: closeNow(). */
  #hurry: AbortController | null = null;

  /** close(), dropping queued bytes at once, even if a close is waiting for them. */
  closeNow(): Promise<void> {
    this.#now = true;
    this.#hurry?.abort();
    return this.close();
  }

  /** What close() reports when closeNow() dropped the queued bytes. */
  #dropped(): Error {
    return new Deno.errors.Interrupted(
      `Cannot close ${this.peer()}: queued bytes were dropped, as the socket was closed at once`,
    );
  }

  async #close(): Promise<void> {
    let lost: Error | null = null;
    if (this.writer.owed && this.#now) {
      lost = this.#dropped();
    } else if (this.writer.owed) {
      // Queued bytes go out first, as the kernel's would, for a while.
      // The socket's timeout bounds it; a socket with none, or a
      // non-blocking one (whose sends counted these bytes as sent), waits
      // up to CLOSE_LINGER_MS.
      const ms = this.timeout !== null && this.timeout > 0
        ? this.timeout
        : CLOSE_LINGER_MS;
      this.#hurry = new AbortController();
      const linger = new Deadline(
        ms,
        this.#hurry.signal,
        () => `close ${this.peer()}`,
      );
      try {
        await this.writer.drain(linger);
      } catch (err) {
        lost = this.#now ? this.#dropped() : new Deno.errors.TimedOut(
          `Cannot close ${this.peer()}: queued bytes were not all written within ${ms} ms, and were dropped`,
          { cause: err },
        );
      } finally {
        linger.dispose();
        this.#hurry = null;
      }
    }
    closeQuietly(this.conn);
    const unreported = this.writer.close();
    this.rb.drop();
    await Promise.all([this.reads.settled(), this.writer.drain(null)]);
    if (unreported !== null) throw unreported;
    if (lost !== null) throw lost;
  }
}

/** Up to `target.length` bytes into `target`: recvInto with a deadline. */
class IntoDecoder implements Decoder<number | null> {
  readonly op = "recvInto";
  readonly target: Uint8Array;

  constructor(target: Uint8Array) {
    this.target = target;
  }

  decode(rb: ReadBuffer, eof: boolean): number | null | typeof MORE {
    if (rb.size > 0) return rb.copyOut(this.target);
    return eof ? null : MORE;
  }

  want(): number {
    return 0;
  }
}

let coreOf: (sock: StreamSocket) => Core;

/**
 * A connected stream socket: TCP, Unix or TLS. Made by `connect`, `accept`
 * or {@linkcode wrap}; pass it to {@linkcode recv}, {@linkcode sendAll} and
 * the other stream functions.
 *
 * The handle owns the `Deno.Conn`, a read buffer, the read in flight (kept
 * across timeouts so no data is lost), the default timeout and byte
 * counters. `await using` closes it.
 *
 * @typeParam A The address type: `Deno.NetAddr` for TCP, `Deno.UnixAddr`
 * for Unix sockets.
 *
 * @example Connect, send and receive
 * ```ts
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * await using client = await tcp.connect(server.addr);
 * await using peer = await accepted;
 * await tcp.sendAll(client, "ping");
 * assert.equal(new TextDecoder().decode(await tcp.recvExact(peer, 4)), "ping");
 * assert.equal(peer.bytesRead, 4);
 * ```
 */
export class StreamSocket<A extends Deno.Addr = Deno.Addr>
  implements AsyncDisposable, Disposable {
  readonly #core: Core;

  /**
   * Adopts a connected `Deno.Conn`. Same as {@linkcode wrap}.
   *
   * @param conn The connection; the handle owns it from now on.
   */
  constructor(conn: Deno.Conn<A>) {
    this.#core = new Core(conn);
  }

  static {
    coreOf = (sock) => sock.#core;
  }

  /** The underlying Deno connection, for what this module does not cover. */
  get conn(): Deno.Conn<A> {
    return this.#core.conn as Deno.Conn<A>;
  }

  /** The local address. */
  get localAddr(): A {
    return this.#core.localAddr as A;
  }

  /** The peer's address. */
  get remoteAddr(): A {
    return this.#core.remoteAddr as A;
  }

  /** Bytes received from the peer so far (buffered ones included). */
  get bytesRead(): number {
    return this.#core.bytesRead;
  }

  /** Bytes written to the peer so far. */
  get bytesWritten(): number {
    return this.#core.writer.written;
  }

  /** The default timeout in milliseconds (`null`: wait for ever; `0`: non-blocking). */
  get timeout(): number | null {
    return this.#core.timeout;
  }

  /** Whether {@linkcode close} was called. */
  get closed(): boolean {
    return this.#core.closing !== null;
  }

  /** Closes the socket; same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.#core.close();
  }

  /**
   * Starts closing the socket, for `using`; it does not wait for queued
   * bytes to go out nor report a failure: use `await using` for that.
   */
  [Symbol.dispose](): void {
    this.#core.close().catch(noop);
  }
}

/**
 * Checks that `sock` is a stream socket, for sibling modules (framing.ts,
 * _stream_web.ts) that take one.
 *
 * @throws {TypeError} If it is not.
 */
export function checkSock(sock: unknown, action: string): StreamSocket {
  if (!(sock instanceof StreamSocket)) {
    throw new TypeError(
      `Cannot ${action} as sock must be a StreamSocket from connect, accept or wrap: current value is ${
        show(sock)
      }`,
    );
  }
  return sock;
}

function core(sock: unknown, action: string): Core {
  return coreOf(checkSock(sock, action));
}

/**
 * Adopts any connected `Deno.Conn` (TCP, Unix, or TLS from
 * `Deno.connectTls`) so every stream function works on it.
 *
 * @param conn The connection; the returned handle owns it.
 * @returns The handle.
 * @throws {TypeError} If `conn` is not a connection.
 *
 * @example Wrap a raw Deno connection
 * ```ts
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = listener.accept();
 * const { port } = listener.addr;
 * await using sock = tcp.wrap(await Deno.connect({ hostname: "127.0.0.1", port }));
 * using raw = await accepted;
 * await raw.write(new TextEncoder().encode("hello\n"));
 * assert.equal(await tcp.recvLine(sock), "hello");
 * ```
 */
export function wrap<A extends Deno.Addr>(conn: Deno.Conn<A>): StreamSocket<A> {
  if (
    conn === null || typeof conn !== "object" ||
    typeof (conn as Deno.Conn).read !== "function" ||
    typeof (conn as Deno.Conn).write !== "function"
  ) {
    throw new TypeError(
      `Cannot wrap as conn must be a Deno.Conn: current value is ${show(conn)}`,
    );
  }
  return new StreamSocket(conn);
}

/** Options for {@linkcode recv}. */
export interface RecvOptions extends IoOptions {}

/**
 * Receives up to `max` bytes, as soon as any are available.
 *
 * Resolves to a new `Uint8Array` the caller owns (1 to `max` bytes), or
 * `null` at end of stream. Bytes buffered by an earlier call or left by a
 * timed-out one come first. Arrays of up to 1 KiB are views into a shared
 * slab, as Node's pooled `Buffer`s are (far cheaper than allocating each:
 * see bench/buffer_cases.ts). No one else writes to the view, but its
 * `.buffer` holds other data, so read `.buffer` with `byteOffset` (this
 * holds for every receive).
 *
 * Requires `allow-net` permission.
 *
 * @param sock The socket.
 * @param max The most bytes to return.
 * @param options Timeout and abort signal.
 * @returns The bytes, or `null` once the peer has finished sending.
 * @throws {RangeError} If `max` is not a positive integer.
 * @throws {Deno.errors.TimedOut} If nothing arrives within the timeout.
 * @throws {Deno.errors.WouldBlock} If the socket is non-blocking and nothing is ready.
 * @throws {Deno.errors.ConnectionReset} If the peer reset the connection.
 * @throws {Deno.errors.BadResource} If the socket is closed.
 *
 * @example Echo one chunk
 * ```ts
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * await using client = await tcp.connect(server.addr);
 * await using peer = await accepted;
 * await tcp.sendAll(client, "hi");
 * const data = await tcp.recv(peer, 1024);
 * assert.deepEqual(data, new TextEncoder().encode("hi"));
 * ```
 *
 * @tags allow-net
 */
export function recv(
  sock: StreamSocket,
  max: number = DEFAULT_RECV_BYTES,
  options?: RecvOptions,
): Promise<Uint8Array | null> {
  try {
    const c = core(sock, "recv");
    checkCount(max, "max", "recv", 1);
    options = checkOptions(options, () => `recv from ${c.peer()}`);
    c.checkReadable("recv");
    return c.recv(max, options);
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * Receives up to `buffer.length` bytes into `buffer`, as Python's
 * `recv_into`: no allocation, for loops that reuse one buffer.
 *
 * Resolves to the number of bytes written at the start of `buffer` (at
 * least 1), or `null` at end of stream. Bytes buffered by an earlier call
 * come first. With a timeout or signal, the bytes are read into the
 * socket's own buffer and copied, so a timed-out call never writes into
 * `buffer` later.
 *
 * Requires `allow-net` permission.
 *
 * @param sock The socket.
 * @param buffer Where to put the bytes; must not be empty.
 * @param options Timeout and abort signal.
 * @returns The number of bytes received, or `null` at end of stream.
 * @throws {TypeError} If `buffer` is not a non-empty Uint8Array.
 * @throws {Deno.errors.TimedOut} If nothing arrives within the timeout.
 *
 * @example Count the bytes of a stream with one buffer
 * ```ts
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * await using client = await tcp.connect(server.addr);
 * await using peer = await accepted;
 * await tcp.sendAll(client, new Uint8Array(100_000));
 * await tcp.shutdown(client);
 * const buffer = new Uint8Array(16_384);
 * let total = 0;
 * for (let n; (n = await tcp.recvInto(peer, buffer)) !== null;) total += n;
 * assert.equal(total, 100_000);
 * ```
 *
 * @tags allow-net
 */
export function recvInto(
  sock: StreamSocket,
  buffer: Uint8Array,
  options?: RecvOptions,
): Promise<number | null> {
  try {
    const c = core(sock, "recvInto");
    if (!(buffer instanceof Uint8Array) || buffer.length === 0) {
      throw new TypeError(
        `Cannot recvInto as buffer must be a non-empty Uint8Array: current value is ${
          show(buffer)
        }`,
      );
    }
    options = checkOptions(options, () => `recvInto from ${c.peer()}`);
    c.checkReadable("recvInto");
    return c.recvInto(buffer, options);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Options for {@linkcode recvExact}. */
export interface RecvExactOptions extends IoOptions {}

/**
 * Receives exactly `n` bytes.
 *
 * Resolves to exactly `n` bytes; rejects with `Deno.errors.UnexpectedEof`
 * if the stream ends first, leaving the bytes that did arrive buffered for
 * the next call.
 *
 * Requires `allow-net` permission.
 *
 * @param sock The socket.
 * @param n How many bytes to receive (0 resolves at once).
 * @param options Timeout and abort signal.
 * @returns A new `Uint8Array` of length `n`.
 * @throws {RangeError} If `n` is not a non-negative integer.
 * @throws {Deno.errors.UnexpectedEof} If the stream ends before `n` bytes.
 * @throws {Deno.errors.TimedOut} If the bytes do not arrive within the timeout.
 *
 * @example Read a fixed-size header
 * ```ts
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * await using client = await tcp.connect(server.addr);
 * await using peer = await accepted;
 * await tcp.sendAll(client, new Uint8Array([0, 0, 0, 5, 1, 2, 3, 4, 5]));
 * const header = await tcp.recvExact(peer, 4);
 * const size = new DataView(header.buffer).getUint32(0);
 * assert.deepEqual(await tcp.recvExact(peer, size), new Uint8Array([1, 2, 3, 4, 5]));
 * ```
 *
 * @tags allow-net
 */
export function recvExact(
  sock: StreamSocket,
  n: number,
  options?: RecvExactOptions,
): Promise<Uint8Array> {
  try {
    const c = core(sock, "recvExact");
    checkCount(n, "n", "recvExact", 0);
    options = checkOptions(options, () => `recvExact from ${c.peer()}`);
    checkSize(n, "n", "recvExact");
    c.checkReadable("recvExact");
    if (n === 0) return Promise.resolve(new Uint8Array(0));
    return c.recvExact(n, options);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Options for {@linkcode recvUntil}. */
export interface RecvUntilOptions extends IoOptions {
  /**
   * The most bytes accepted before the delimiter. More is
   * `Deno.errors.InvalidData`, and the connection is unusable afterwards.
   *
   * @default {65536}
   */
  maxBytes?: number;
}

function checkMaxBytes(options: { maxBytes?: number }, action: string): number {
  const value = options.maxBytes;
  if (value === undefined) return DEFAULT_MAX_LINE_BYTES;
  if (value === Infinity) return Number.MAX_SAFE_INTEGER;
  return checkCount(value, "maxBytes", action, 0);
}

/**
 * Receives bytes up to a delimiter, which is consumed and not returned.
 *
 * Resolves to the bytes before the delimiter, or `null` at end of stream
 * with nothing buffered. The search scans each byte once, so a delimiter
 * split across reads is found.
 *
 * Requires `allow-net` permission.
 *
 * @param sock The socket.
 * @param delimiter One or more bytes (a string is UTF-8 encoded).
 * @param options Limit, timeout and abort signal.
 * @returns The bytes before the delimiter, or `null` at end of stream.
 * @throws {TypeError} If the delimiter is empty or not bytes or a string.
 * @throws {Deno.errors.InvalidData} If more than `maxBytes` come before the delimiter.
 * @throws {Deno.errors.UnexpectedEof} If the stream ends after some bytes but before a delimiter.
 *
 * @example Read records separated by a blank line
 * ```ts
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * await using client = await tcp.connect(server.addr);
 * await using peer = await accepted;
 * await tcp.sendAll(client, "a: 1\r\n\r\nb: 2\r\n\r\n");
 * const record = await tcp.recvUntil(peer, "\r\n\r\n");
 * assert.equal(new TextDecoder().decode(record!), "a: 1");
 * ```
 *
 * @tags allow-net
 */
export function recvUntil(
  sock: StreamSocket,
  delimiter: Data,
  options?: RecvUntilOptions,
): Promise<Uint8Array | null> {
  try {
    const c = core(sock, "recvUntil");
    const delim = toBytes(delimiter, "recvUntil", "delimiter");
    if (delim.length === 0) {
      throw new TypeError(
        `Cannot recvUntil as delimiter must not be empty: current value is ${
          show(delimiter)
        }`,
      );
    }
    options = checkOptions(options, () => `recvUntil from ${c.peer()}`);
    const maxBytes = checkMaxBytes(options, "recvUntil");
    c.checkReadable("recvUntil");
    return c.receive(new UntilDecoder(delim, maxBytes), options);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Options for {@linkcode recvLine}. */
export interface RecvLineOptions extends IoOptions {
  /**
   * The longest line accepted, in bytes, not counting its `\n` or `\r\n`.
   * A longer line is `Deno.errors.InvalidData`, and the connection is
   * unusable afterwards.
   *
   * @default {65536}
   */
  maxBytes?: number;
}

/**
 * Receives one line of UTF-8 text.
 *
 * Resolves to the line without its `\n` or `\r\n`, or `null` at end of
 * stream. A last line without a newline is returned at end of stream.
 *
 * Requires `allow-net` permission.
 *
 * @param sock The socket.
 * @param options Limit, timeout and abort signal.
 * @returns The line, or `null` at end of stream.
 * @throws {Deno.errors.InvalidData} If the line is longer than `maxBytes`.
 * @throws {Deno.errors.TimedOut} If no full line arrives within the timeout.
 *
 * @example Read lines until the peer finishes
 * ```ts
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * await using client = await tcp.connect(server.addr);
 * await using peer = await accepted;
 * await tcp.sendAll(client, "one\r\ntwo\nthree");
 * await tcp.shutdown(client);
 * const lines = [];
 * for (let line; (line = await tcp.recvLine(peer)) !== null;) lines.push(line);
 * assert.deepEqual(lines, ["one", "two", "three"]);
 * ```
 *
 * @tags allow-net
 */
export function recvLine(
  sock: StreamSocket,
  options?: RecvLineOptions,
): Promise<string | null> {
  try {
    const c = core(sock, "recvLine");
    options = checkOptions(options, () => `recvLine from ${c.peer()}`);
    const maxBytes = checkMaxBytes(options, "recvLine");
    c.checkReadable("recvLine");
    return c.recvLine(maxBytes, options);
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * The lines of a stream, for `for await`: each as {@linkcode recvLine}
 * returns it (the `\n` or `\r\n` stripped, decoded as UTF-8), until the
 * end of the stream. The same limit and timeout apply to each line, and a
 * timeout or abort loses nothing. One line is received per turn of the
 * loop, so leaving the loop (`break`) leaves every unread byte with the
 * socket for the next receive.
 *
 * Requires `allow-net` permission.
 *
 * @param sock The socket.
 * @param options The longest line, and the timeout and signal of each line.
 * @returns The lines, as an async iterable.
 * @throws {RangeError} If `maxBytes` is not a non-negative integer (at once).
 * @throws {Deno.errors.InvalidData} If a line exceeds `maxBytes` (from the loop).
 *
 * @example Read lines until the peer is done
 * ```ts
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * await using client = await tcp.connect(server.addr);
 * await using peer = await accepted;
 * await tcp.sendAll(client, "one\r\ntwo\nthree\nrest");
 * const seen = [];
 * for await (const line of tcp.lines(peer, { timeout: 5_000 })) {
 *   seen.push(line);
 *   if (line === "two") break;
 * }
 * assert.deepEqual(seen, ["one", "two"]);
 * // Leaving the loop left the rest with the socket.
 * assert.equal(await tcp.recvLine(peer), "three");
 * ```
 *
 * @tags allow-net
 */
export function lines(
  sock: StreamSocket,
  options: RecvLineOptions = {},
): AsyncIterable<string> {
  const c = core(sock, "iterate lines");
  checkOptions(options, () => `iterate lines from ${c.peer()}`);
  checkMaxBytes(options, "iterate lines");
  return messagesOf(() => recvLine(sock, options));
}

/**
 * An async iterable over what `receive` resolves to until it resolves to
 * `null`; one receive per turn of the loop. For {@linkcode lines} and
 * framing's `frames` and `messages`.
 */
export async function* messagesOf<T>(
  receive: () => Promise<T | null>,
): AsyncGenerator<T, void, undefined> {
  for (;;) {
    const message = await receive();
    if (message === null) return;
    yield message;
  }
}

/** Options for {@linkcode send}. */
export interface SendOptions extends IoOptions {}

/**
 * Sends at least one byte of `data` and resolves to how many were taken,
 * which may be fewer than given; use {@linkcode sendAll} to send everything.
 * This is Python's `send`: the count is exact, so resending the rest
 * (`data.subarray(n)`) never duplicates a byte.
 *
 * When nothing else is queued and there is no deadline, this is one write
 * of the caller's bytes. Otherwise bytes are copied into the socket's send
 * queue (at most 64 KiB, as the kernel's socket buffer) and the count is
 * how many fit. A timeout or abort while the queue is full rejects with
 * nothing taken (`Deno.errors.WouldBlock` for a non-blocking socket, as
 * Python's `BlockingIOError`); whatever was taken is sent, in order.
 *
 * Requires `allow-net` permission.
 *
 * @param sock The socket.
 * @param data Bytes, or a string sent as UTF-8.
 * @param options Timeout and abort signal.
 * @returns The number of bytes written.
 * @throws {TypeError} If `data` is not bytes or a string.
 * @throws {Deno.errors.BrokenPipe} If the peer is gone.
 *
 * @example Send once
 * ```ts
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * await using client = await tcp.connect(server.addr);
 * await using _peer = await accepted;
 * const n = await tcp.send(client, "hello");
 * assert.ok(n > 0 && n <= 5);
 * ```
 *
 * @tags allow-net
 */
export function send(
  sock: StreamSocket,
  data: Data,
  options?: SendOptions,
): Promise<number> {
  try {
    const c = core(sock, "send");
    const bytes = toBytes(data, "send");
    options = checkOptions(options, () => `send to ${c.peer()}`);
    if (c.closing !== null) throw closedError(`send to ${c.peer()}`);
    if (bytes.length === 0) return Promise.resolve(0);
    return c.write(bytes, false, options, "send");
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Options for {@linkcode sendAll}. */
export interface SendAllOptions extends IoOptions {}

/**
 * Sends every byte of `data`, or rejects. Concurrent calls on one socket
 * are queued in call order, so their bytes never interleave.
 *
 * It resolves once every byte is written, or copied into the socket's send
 * queue (as the kernel's `send` returns once bytes are in its buffer):
 * either way `data` is the caller's again and may be reused. With no
 * deadline and nothing queued, it writes straight from `data` and resolves
 * when written. Otherwise, and while more requests wait unread in the
 * receive buffer (a pipelining client), replies are copied and held, then
 * written together in one write: when the next receive must wait for the
 * peer, when 64 KiB are queued, or on the next turn of the event loop. A
 * failure writing queued bytes is reported by the next send on the socket
 * and by {@linkcode close}; nothing is reordered.
 *
 * A timeout or abort rejects. If none of `data` was taken, nothing of it is
 * sent and the socket stays usable. If part was (the message says how
 * much), that part is still sent, and every later send on the socket
 * rejects with `Deno.errors.InvalidData`, so the peer never takes another
 * message for the rest of this one; shut down or close the socket.
 *
 * Requires `allow-net` permission.
 *
 * @param sock The socket.
 * @param data Bytes, or a string sent as UTF-8.
 * @param options Timeout and abort signal.
 * @throws {TypeError} If `data` is not bytes or a string.
 * @throws {Deno.errors.BrokenPipe} If the peer is gone.
 * @throws {Deno.errors.TimedOut} If the peer does not take the data in time.
 * @throws {Deno.errors.InvalidData} If an earlier send was cut short by its deadline.
 *
 * @example Send a whole message
 * ```ts
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * await using client = await tcp.connect(server.addr);
 * await using peer = await accepted;
 * await tcp.sendAll(client, new Uint8Array(100_000));
 * assert.equal((await tcp.recvExact(peer, 100_000)).length, 100_000);
 * ```
 *
 * @tags allow-net
 */
export function sendAll(
  sock: StreamSocket,
  data: Data,
  options?: SendAllOptions,
): Promise<void> {
  // Not async: one promise fewer per call on the hot path.
  try {
    const c = core(sock, "sendAll");
    const bytes = toBytes(data, "sendAll");
    options = checkOptions(options, () => `sendAll to ${c.peer()}`);
    if (c.closing !== null) throw closedError(`sendAll to ${c.peer()}`);
    if (bytes.length === 0) return Promise.resolve();
    // Resolves with the count, which a Promise<void> caller never sees.
    return c.write(bytes, true, options, "sendAll") as Promise<
      unknown
    > as Promise<void>;
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Which direction {@linkcode shutdown} closes. */
export type ShutdownHow = "read" | "write" | "both";

/**
 * Options for {@linkcode shutdown}: how long to wait for the queued bytes
 * to go out before the end of stream is sent.
 */
export interface ShutdownOptions extends IoOptions {}

/**
 * Half-closes the connection. `"write"` (the default, as `SHUT_WR`) sends
 * end of stream to the peer after every queued write, while receiving goes
 * on; `"read"` makes later receives return end of stream (Deno offers no
 * kernel read shutdown, so this is done in the handle); `"both"` does both.
 *
 * Requires `allow-net` permission.
 *
 * @param sock The socket.
 * @param how Which direction to close.
 * @param options Timeout and abort signal for the wait for queued bytes:
 * when it fires, nothing is shut and the queued bytes still go out.
 * @throws {TypeError} If `how` is not "read", "write" or "both".
 * @throws {Deno.errors.TimedOut} If the queued bytes are not written in time.
 *
 * @example Tell the peer you are done, then read its answer
 * ```ts
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * await using client = await tcp.connect(server.addr);
 * await using peer = await accepted;
 * await tcp.sendAll(client, "question");
 * await tcp.shutdown(client, "write");
 * assert.equal(await tcp.recvExact(peer, 8).then((b) => b.length), 8);
 * assert.equal(await tcp.recv(peer), null);
 * await tcp.sendAll(peer, "answer\n");
 * assert.equal(await tcp.recvLine(client), "answer");
 * ```
 *
 * @tags allow-net
 */
export async function shutdown(
  sock: StreamSocket,
  how: ShutdownHow = "write",
  options: ShutdownOptions = {},
): Promise<void> {
  const c = core(sock, "shutdown");
  if (how !== "read" && how !== "write" && how !== "both") {
    throw new TypeError(
      `Cannot shutdown as how must be "read", "write" or "both": current value is ${
        show(how)
      }`,
    );
  }
  checkOptions(options, () => `shutdown ${c.peer()}`);
  if (c.closing !== null) throw closedError(`shutdown ${c.peer()}`);
  await c.shutdown(how, options);
}

/**
 * Sets the default timeout for every later operation on the socket, as
 * Python's `settimeout` (but in milliseconds): `null` waits for ever, `0`
 * makes the socket non-blocking. A per-call `timeout` overrides it.
 *
 * @param sock The socket or server.
 * @param ms Milliseconds, `0` or `null`.
 * @throws {RangeError} If `ms` is negative or NaN.
 *
 * @example Give up on a silent peer
 * ```ts
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * await using client = await tcp.connect(server.addr);
 * await using _peer = await accepted;
 * tcp.setTimeout(client, 50);
 * await assert.rejects(tcp.recv(client), Deno.errors.TimedOut);
 * ```
 */
export function setTimeout(
  sock: StreamSocket | StreamServer,
  ms: number | null,
): void {
  if (sock instanceof StreamServer) {
    serverOf(sock).timeout = validateTimeout(ms, "setTimeout");
    return;
  }
  core(sock, "setTimeout").timeout = validateTimeout(ms, "setTimeout");
}

/**
 * Sets blocking mode, as Python's `setblocking`: `false` is a timeout of 0
 * (operations that cannot complete at once reject with
 * `Deno.errors.WouldBlock`, and lose no data), `true` is no timeout.
 *
 * @param sock The socket or server.
 * @param flag Whether operations may wait.
 *
 * @example Poll without waiting
 * ```ts
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * await using client = await tcp.connect(server.addr);
 * await using _peer = await accepted;
 * tcp.setBlocking(client, false);
 * await assert.rejects(tcp.recv(client), Deno.errors.WouldBlock);
 * ```
 */
export function setBlocking(
  sock: StreamSocket | StreamServer,
  flag: boolean,
): void {
  if (typeof flag !== "boolean") {
    throw new TypeError(
      `Cannot setBlocking as flag must be a boolean: current value is ${
        show(flag)
      }`,
    );
  }
  setTimeout(sock, flag ? null : 0);
}

/**
 * Closes a socket or a server. Idempotent: later calls settle as the
 * first. Resolves once the read, write or accept in flight has settled, so
 * a closed server's port can be bound again at once.
 *
 * Bytes a send already resolved for but still queued are written first,
 * for up to the socket's timeout (10 seconds without one, or when it is
 * non-blocking), as the
 * kernel goes on sending after `close`; only the first call reports a
 * failure, later calls resolve once the close has settled. A write in flight that the caller
 * still waits for is not: it rejects with `Deno.errors.BadResource`.
 *
 * @param sock The socket or server.
 * @throws {Deno.errors.TimedOut} If queued bytes could not all be written
 * in time (the socket is closed all the same).
 * @throws {Deno.errors.BrokenPipe} (or the class of the failure) If writing
 * queued bytes failed and no send has reported it yet.
 *
 * @example Close explicitly
 * ```ts
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * const server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const port = server.addr.port;
 * const accepting = tcp.accept(server).catch((err) => err);
 * await tcp.close(server);
 * assert.ok(await accepting instanceof Deno.errors.BadResource);
 * await using again = await tcp.listen({ hostname: "127.0.0.1", port });
 * assert.equal(again.addr.port, port);
 * ```
 */
export function close(sock: StreamSocket | StreamServer): Promise<void> {
  if (sock instanceof StreamServer) return closeServer(serverOf(sock));
  try {
    return core(sock, "close").close();
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * Closes a socket as {@linkcode close} does, but drops the bytes still
 * queued instead of waiting for them, and cuts short a close already
 * waiting for them: for serve(), closing a client that stalled or
 * outstayed the shutdown. Internal (not in _stream_api.ts).
 */
export function closeNow(sock: StreamSocket): Promise<void> {
  try {
    return core(sock, "close").closeNow();
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Returns the internal state of a socket, for sibling modules (tcp.ts options). */
export function connOf(sock: StreamSocket, action: string): Deno.Conn {
  const c = core(sock, action);
  if (c.closing !== null) throw closedError(`${action} on ${c.peer()}`);
  return c.conn;
}

/**
 * Runs a decoder on a stream socket's receive loop, for sibling modules
 * (framing.ts): checks that a receive may start, then resolves to the
 * decoder's message with the socket's timeout semantics.
 */
export function receive<T>(
  sock: StreamSocket,
  decoder: Decoder<T>,
  options: IoOptions,
): Promise<T> {
  try {
    const c = core(sock, decoder.op);
    checkOptions(options, () => `${decoder.op} from ${c.peer()}`);
    c.checkReadable(decoder.op);
    return c.receive(decoder, options);
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * Checks a byte count that must fit in one array.
 *
 * @throws {RangeError} If it is over {@linkcode MAX_MESSAGE_BYTES}.
 */
function checkSize(n: number, name: string, action: string): void {
  if (n > MAX_MESSAGE_BYTES) {
    throw new RangeError(
      `Cannot ${action} as ${name} must be at most ${MAX_MESSAGE_BYTES} (4 GiB): current value is ${n}`,
    );
  }
}
