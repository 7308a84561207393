// Copyright 2026 the socketkit authors. MIT license.

/**
 * Unix-domain sockets: stream servers and clients ({@linkcode listen},
 * {@linkcode accept}, {@linkcode connect}) with every stream function of
 * the TCP module — {@linkcode recv}, {@linkcode recvExact},
 * {@linkcode recvUntil}, {@linkcode recvLine}, {@linkcode send},
 * {@linkcode sendAll}, {@linkcode shutdown}, {@linkcode close} — and
 * datagram sockets ({@linkcode bind}, {@linkcode sendTo},
 * {@linkcode recvFrom}).
 *
 * Socket files are managed for you: {@linkcode listen} and {@linkcode bind}
 * replace a stale socket file left by a process that died, refuse a live
 * one (`Deno.errors.AddrInUse`) and anything that is not a socket
 * (`Deno.errors.AlreadyExists`), and closing removes the file they created
 * (never a file someone else put there since). On Linux a path starting
 * with `"\0"` is an abstract name: no file at all.
 *
 * Requires `allow-read`, `allow-write` and `allow-net` permissions: Deno
 * 2.9 checks read and write access to the socket path and net access to
 * `unix:<path>`, as in
 * `deno run --allow-read=/tmp/app --allow-write=/tmp/app --allow-net=unix:/tmp/app/echo.sock`;
 * an abstract name needs `--allow-net` only. Datagram sockets also need
 * `--unstable-net`.
 *
 * @example An echo over a Unix socket
 * ```ts
 * import * as unix from "@socketkit/socket/unix";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * {
 *   await using server = await unix.listen({ path: `${dir}/echo.sock`, mode: 0o600 });
 *   const accepted = unix.accept(server);
 *   await using client = await unix.connect(`${dir}/echo.sock`);
 *   await using conn = await accepted;
 *
 *   await unix.sendAll(client, "hello\n");
 *   const line = await unix.recvLine(conn);
 *   await unix.sendAll(conn, `${line}, back\n`);
 *   assert.equal(await unix.recvLine(client), "hello, back");
 * }
 * await Deno.remove(dir); // the socket file went with the server
 * ```
 *
 * @module
 */

import { formatAddr } from "./_addr.ts";
import { closedError, closeQuietly, ioError, show } from "./_errors.ts";
import { InFlight } from "./_in_flight.ts";
import { checkPath, display, isAbstract } from "./_unix_path.ts";
import { alloc } from "./_read_buffer.ts";
import { Lock } from "./_lock.ts";
import { checkOptions, toBytes } from "./_validate.ts";
import {
  type Data,
  setTimeout as setStreamTimeout,
  StreamServer,
  type StreamSocket,
  wrap as wrapConn,
} from "./_stream.ts";
import { deadlineFor, type IoOptions, validateTimeout } from "./_timeout.ts";

export * from "./_stream_api.ts";
export { MAX_PATH_BYTES } from "./_unix_path.ts";
import { close as closeStream } from "./_stream.ts";

/** A connected Unix stream socket. */
export type UnixSocket = StreamSocket<Deno.UnixAddr>;
/** A listening Unix stream server. */
export type UnixServer = StreamServer<Deno.UnixAddr>;

/** The default {@linkcode BindOptions.maxBytes}: 256 KiB. */
export const DEFAULT_MAX_DATAGRAM_BYTES = 262_144;

function noop(): void {}

function checkMode(mode: unknown, path: string, action: string): void {
  if (mode === undefined) return;
  if (typeof mode !== "number") {
    throw new TypeError(
      `Cannot ${action} as mode must be a number of permission bits such as 0o600: current value is ${
        show(mode)
      }`,
    );
  }
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) {
    throw new RangeError(
      `Cannot ${action} as mode must be an integer from 0 to 0o777: current value is ${mode}`,
    );
  }
  if (isAbstract(path)) {
    throw new TypeError(
      `Cannot ${action} on ${
        display(path)
      } with a mode: an abstract name has no file to set permission bits on`,
    );
  }
}

// ---- socket files ----

/** Which file a socket created: `dev` and `ino` from `Deno.lstat`. */
interface FileId {
  dev: number;
  ino: number | null;
}

async function statOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.lstat(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
}

function sameFile(info: Deno.FileInfo | null, id: FileId): boolean {
  return info !== null && info.isSocket === true && info.dev === id.dev &&
    info.ino === id.ino;
}

/**
 * Makes `path` free to bind: nothing there, or a stale socket file (which
 * is removed). Refuses a live socket and anything that is not a socket.
 */
async function clearStale(path: string, action: string): Promise<void> {
  const where = `${action} on ${display(path)}`;
  let info: Deno.FileInfo | null;
  try {
    info = await statOrNull(path);
  } catch (err) {
    throw ioError(where, err);
  }
  if (info === null) return;
  if (info.isSocket !== true) {
    throw new Deno.errors.AlreadyExists(
      `Cannot ${where}: the path exists and is not a socket (remove it or choose another path)`,
    );
  }
  // A socket file: live if something answers, stale if connecting is refused.
  let probe: Deno.Conn | null = null;
  try {
    probe = await Deno.connect({ transport: "unix", path });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return; // gone meanwhile
    if (err instanceof Deno.errors.PermissionDenied) {
      throw new Deno.errors.PermissionDenied(
        `Cannot ${where}: a socket file is there that this user may not connect to, so whether it is live is unknown (remove it or choose another path)`,
        { cause: err },
      );
    }
    if (!(err instanceof Deno.errors.ConnectionRefused)) {
      if (err instanceof Deno.errors.NotCapable) throw ioError(where, err);
      // A datagram socket answers "protocol wrong type": it is alive.
      throw new Deno.errors.AddrInUse(
        `Cannot ${where}: a live socket of another kind is bound to this path`,
        { cause: err },
      );
    }
  }
  if (probe !== null) {
    probe.close();
    throw new Deno.errors.AddrInUse(
      `Cannot ${where}: another process is listening on this socket`,
    );
  }
  try {
    // Remove it only if it is still the file we found refusing connections.
    if (sameFile(await statOrNull(path), info)) await Deno.remove(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw ioError(where, err);
  }
}

/** The identity of the socket file just created at `path`, or null. */
async function fileIdOf(path: string): Promise<FileId | null> {
  const info = await statOrNull(path).catch(() => null);
  return info === null || info.isSocket !== true
    ? null
    : { dev: info.dev, ino: info.ino };
}

/** Removes `path` if it is still the socket file `id`. Never throws. */
async function removeIfOurs(path: string, id: FileId | null): Promise<void> {
  if (id === null) return;
  try {
    if (sameFile(await statOrNull(path), id)) await Deno.remove(path);
  } catch {
    // Removed meanwhile, or no permission: nothing more we can do.
  }
}

/**
 * Deno (since 2.6) removes a Unix listener's path when the listener is
 * dropped, whatever file is there by then. When our socket file was
 * replaced by someone else's, keep a second link to theirs while Deno
 * removes the path, then put it back. Returns what to do once the listener
 * is gone.
 */
function guardListener(
  listener: Deno.Listener,
  path: string,
  absolute: string,
  id: FileId | null,
): () => Promise<void> {
  let aside: string | null = null;
  let guarded = false;
  const close = listener.close;
  Object.defineProperty(listener, "close", {
    configurable: true,
    writable: true,
    value: function (this: Deno.Listener): void {
      if (!guarded) {
        guarded = true;
        try {
          const info = Deno.lstatSync(path);
          if (id === null || !sameFile(info, id)) {
            const slash = path.lastIndexOf("/");
            const candidate = `${path.slice(0, slash + 1)}.${
              path.slice(slash + 1)
            }.${crypto.randomUUID().slice(0, 8)}.keep`;
            Deno.linkSync(path, candidate);
            aside = candidate;
          }
        } catch {
          // Nothing there, or we may not link: nothing to protect.
        }
      }
      close.call(this);
    },
  });
  return async () => {
    if (aside !== null) {
      try {
        if ((await statOrNull(path)) === null) await Deno.rename(aside, path);
        else await Deno.remove(aside);
      } catch {
        await Deno.remove(aside).catch(noop);
      }
    }
    // By the path as it was when we listened: a relative path may name
    // another file now, after a chdir.
    await removeIfOurs(absolute, id);
  };
}

/** `path` made absolute against the working directory now. */
function absolutePath(path: string): string {
  if (path.startsWith("/")) return path;
  try {
    return `${Deno.cwd()}/${path}`;
  } catch {
    return path; // No permission to read the working directory.
  }
}

/**
 * Narrows the umask so that a socket file created now gets no permission
 * bits beyond `mode`; returns the umask to put back once the socket is
 * bound. Around a synchronous bind no other code of this program runs
 * meanwhile, and the socket never accepts a connection its final mode
 * would refuse. Setting the umask needs `--allow-sys` (Deno has no `--allow-sys=umask`).
 */
function narrowUmask(mode: number, where: string): number {
  let old: number;
  try {
    old = Deno.umask(0o777);
  } catch (err) {
    if (err instanceof Deno.errors.NotCapable) {
      throw new Deno.errors.NotCapable(
        `Cannot ${where} with mode 0o${
          mode.toString(8)
        }: the mode is set as the socket is created, which needs sys access to "umask" (--allow-sys)`,
        { cause: err },
      );
    }
    throw err;
  }
  Deno.umask(old | (0o777 & ~mode));
  return old;
}

// ---- stream sockets ----

/** Options for {@linkcode listen}. */
export interface ListenOptions {
  /**
   * The socket file's path (at most {@linkcode MAX_PATH_BYTES} bytes in
   * UTF-8), or on Linux an abstract name: `"\0name"`.
   */
  path: string;
  /**
   * Permission bits of the socket file, such as `0o600` (owner only) or
   * `0o660` (owner and group). Connecting needs write permission on the
   * file. The file is created with no bits beyond these (the umask is
   * narrowed for the moment of the bind, which needs `--allow-sys`),
   * so the socket never accepts a connection they refuse, then set to
   * exactly these. Not for abstract names.
   *
   * @default {what the umask leaves, usually 0o755}
   */
  mode?: number;
}

/**
 * Listens for connections on a Unix socket.
 *
 * A socket file already at the path is replaced when it is stale (nothing
 * accepts on it, as after a crash) and refused when it is live; to tell
 * them apart `listen` connects to it once, so a live server sees one
 * connection that closes at once. Closing the server removes the file it
 * created, unless another file has taken its place since. (Deno itself
 * removes a listener's path when it closes, whatever file is there; when
 * another file replaced ours, socketkit keeps a second link to it while
 * Deno removes the path and then puts it back, so the path is missing for
 * a moment.)
 *
 * Requires `allow-read`, `allow-write` and `allow-net` permissions (net
 * access to `unix:<path>`; an abstract name needs `allow-net` only), and
 * `allow-sys` with `mode` (to set the umask).
 *
 * @param options The path, or `{ path, mode }`.
 * @returns The server; pass it to {@linkcode accept} or iterate it.
 * @throws {TypeError} If the path is not a string, or has a NUL inside.
 * @throws {RangeError} If the path is empty or longer than {@linkcode MAX_PATH_BYTES}, or `mode` is out of range.
 * @throws {Deno.errors.AddrInUse} If a live socket is at the path.
 * @throws {Deno.errors.AlreadyExists} If something that is not a socket is at the path.
 * @throws {Deno.errors.NotCapable} If a permission is missing.
 * @throws {Deno.errors.PermissionDenied} If a socket file at the path may not be connected to, so whether it is stale is unknown.
 *
 * @example Listen with owner-only permissions
 * ```ts
 * import * as unix from "@socketkit/socket/unix";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const server = await unix.listen({ path: `${dir}/app.sock`, mode: 0o600 });
 * assert.equal((await Deno.lstat(`${dir}/app.sock`)).mode! & 0o777, 0o600);
 * await unix.close(server);
 * await assert.rejects(Deno.lstat(`${dir}/app.sock`), Deno.errors.NotFound);
 * await Deno.remove(dir);
 * ```
 *
 * @tags allow-read, allow-write, allow-net, allow-sys
 */
export async function listen(
  options: ListenOptions | string,
): Promise<UnixServer> {
  const { path, mode } = listenOptions(options, "listen");
  const where = `listen on ${display(path)}`;
  const absolute = absolutePath(path);
  if (!isAbstract(path)) await clearStale(path, "listen");
  let listener: Deno.UnixListener;
  const umask = mode === undefined ? null : narrowUmask(mode, where);
  try {
    listener = Deno.listen({ transport: "unix", path });
  } catch (err) {
    if (err instanceof Deno.errors.AddrInUse) {
      throw new Deno.errors.AddrInUse(
        isAbstract(path)
          ? `Cannot ${where}: another socket is bound to this abstract name`
          : `Cannot ${where}: the path was taken by another socket as we bound it`,
        { cause: err },
      );
    }
    throw ioError(where, err);
  } finally {
    if (umask !== null) Deno.umask(umask);
  }
  if (isAbstract(path)) return new StreamServer(listener);
  const id = await fileIdOf(path);
  const onClose = guardListener(listener as Deno.Listener, path, absolute, id);
  if (mode !== undefined) {
    // The umask may have left fewer bits than asked: add them now.
    try {
      await Deno.chmod(path, mode);
    } catch (err) {
      listener.close();
      await onClose();
      throw ioError(`set mode ${mode.toString(8)} on ${display(path)}`, err);
    }
  }
  return new StreamServer(listener, onClose);
}

function listenOptions(
  options: unknown,
  action: string,
): { path: string; mode?: number } {
  if (typeof options === "string") return { path: checkPath(options, action) };
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `Cannot ${action} as options must be a path or an object with a path: current value is ${
        show(options)
      }`,
    );
  }
  const { path, mode } = options as ListenOptions;
  checkPath(path, action);
  checkMode(mode, path, action);
  return mode === undefined ? { path } : { path, mode };
}

/** Options for {@linkcode connect}. */
export interface ConnectOptions extends IoOptions {}

/**
 * Connects to a Unix stream socket.
 *
 * Requires `allow-read`, `allow-write` and `allow-net` permissions (net
 * access to `unix:<path>`; an abstract name needs `allow-net` only).
 *
 * @param path The socket file's path, `"\0name"` for an abstract name, or
 * an address such as a server's `addr`.
 * @param options Timeout and abort signal.
 * @returns The connected socket.
 * @throws {TypeError} If the path is not a string.
 * @throws {RangeError} If the path is empty or too long.
 * @throws {Deno.errors.NotFound} If there is no socket file at the path.
 * @throws {Deno.errors.ConnectionRefused} If nothing accepts on it.
 * @throws {Deno.errors.TimedOut} If the connection is not made in time.
 *
 * @example Connect to a server
 * ```ts
 * import * as unix from "@socketkit/socket/unix";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * {
 *   await using server = await unix.listen(`${dir}/s.sock`);
 *   await using sock = await unix.connect(`${dir}/s.sock`, { timeout: 5_000 });
 *   assert.equal(sock.remoteAddr.path, `${dir}/s.sock`);
 * }
 * await Deno.remove(dir);
 * ```
 *
 * @tags allow-read, allow-write, allow-net
 */
export async function connect(
  path: string | Deno.UnixAddr,
  options: ConnectOptions = {},
): Promise<UnixSocket> {
  if (path !== null && typeof path === "object" && "path" in path) {
    path = path.path;
  }
  checkPath(path, "connect");
  const where = `connect to ${display(path)}`;
  checkOptions(options, () => where);
  const deadline = deadlineFor(options, null, () => where);
  const attempt = Deno.connect({ transport: "unix", path });
  try {
    const conn = deadline === null
      ? await attempt
      : await deadline.race(attempt);
    return wrapConn(conn);
  } catch (err) {
    if (deadline !== null && deadline.caused(err)) {
      // Deno cannot cancel it: close the connection if it is made after all.
      attempt.then((conn) => conn.close(), noop);
      throw err;
    }
    throw ioError(where, err);
  } finally {
    deadline?.dispose();
  }
}

// ---- datagram sockets ----

/** What this module uses of Deno's unstable `DatagramConn`. */
interface DatagramConn {
  readonly addr: Deno.Addr;
  receive(p?: Uint8Array): Promise<[Uint8Array, Deno.Addr]>;
  send(p: Uint8Array, addr: Deno.Addr): Promise<number>;
  close(): void;
}

type ListenDatagram = (options: {
  transport: "unixpacket";
  path: string;
}) => DatagramConn;

/** The state behind a {@linkcode UnixDatagramSocket}. */
class DatagramState {
  readonly conn: DatagramConn;
  readonly localAddr: Deno.UnixAddr;
  readonly path: string;
  readonly id: FileId | null;
  readonly buf: Uint8Array;
  readonly maxBytes: number;
  timeout: number | null = null;
  /** The receive in flight, owned by the handle until someone takes its datagram. */
  readonly reads: InFlight<[Uint8Array, Deno.Addr]> = new InFlight();
  readonly #receive = (): Promise<[Uint8Array, Deno.Addr]> =>
    this.conn.receive(this.buf);
  receiving = false;
  // Deno refuses two operations at once on one Unix datagram socket, so
  // sends take turns, and a receive starts only between sends.
  readonly lock = new Lock();
  closing: Promise<void> | null = null;
  bytesRead = 0;
  bytesWritten = 0;

  constructor(
    conn: DatagramConn,
    path: string,
    id: FileId | null,
    maxBytes: number,
  ) {
    this.conn = conn;
    this.localAddr = conn.addr as Deno.UnixAddr;
    this.path = path;
    this.id = id;
    this.maxBytes = maxBytes;
    this.buf = new Uint8Array(maxBytes + 1);
  }

  where(): string {
    return display(this.path);
  }

  async recvFrom(options: IoOptions): Promise<[Uint8Array, Deno.UnixAddr]> {
    const action = () => `recvFrom on ${this.where()}`;
    const deadline = deadlineFor(options, this.timeout, action);
    this.receiving = true;
    try {
      let receiving: Promise<[Uint8Array, Deno.Addr]>;
      if (this.reads.active) {
        receiving = this.reads.run(this.#receive, deadline);
      } else {
        // A receive starts only between sends (see the class doc).
        const wait = this.lock.acquire(deadline);
        if (wait !== null) await wait;
        try {
          if (this.closing !== null) throw closedError(action());
          receiving = this.reads.run(this.#receive, deadline);
        } finally {
          this.lock.release();
        }
      }
      let result: [Uint8Array, Deno.Addr];
      try {
        result = await receiving;
      } catch (err) {
        if (deadline !== null && deadline.caused(err)) throw err;
        if (this.closing !== null) throw closedError(action());
        throw ioError(action(), err);
      }
      const [data, addr] = result;
      const from = addr as Deno.UnixAddr;
      if (data.length > this.maxBytes) {
        throw new Deno.errors.InvalidData(
          `Cannot ${action()}: a datagram from ${
            formatAddr(from)
          } was larger than maxBytes (${this.maxBytes}) and was cut short, so it was dropped (raise maxBytes in bind)`,
        );
      }
      this.bytesRead += data.length;
      const copy = alloc(data.length);
      copy.set(data);
      return [copy, from];
    } finally {
      this.receiving = false;
      deadline?.dispose();
    }
  }

  async sendTo(
    data: Uint8Array,
    to: string,
    options: IoOptions,
  ): Promise<number> {
    const action = () => `sendTo ${display(to)}`;
    const deadline = deadlineFor(options, this.timeout, action);
    let locked = false;
    try {
      const wait = this.lock.acquire(deadline);
      if (wait !== null) await wait;
      locked = true;
      if (this.closing !== null) throw closedError(action());
      if (this.reads.active) {
        throw new Deno.errors.Busy(
          `Cannot ${action()}: a receive is in flight on ${this.where()} (a recvFrom is waiting, or one timed out and keeps its place so no datagram is lost), and Deno cannot send on a Unix datagram socket while it receives`,
        );
      }
      const send = this.conn.send(data, { transport: "unixpacket", path: to });
      try {
        const n = deadline === null ? await send : await deadline.race(send);
        this.bytesWritten += n;
        return n;
      } catch (err) {
        if (deadline !== null && deadline.caused(err)) {
          // Deno cannot take the send back: it goes on, and is delivered
          // once the receiver's queue has room (or fails if the receiver
          // closes). Later operations wait for it; close does not.
          this.lock.holdUntil(send.then((n) => {
            this.bytesWritten += n;
          }, noop));
          throw err;
        }
        if (this.closing !== null) throw closedError(action());
        const code = (err as { code?: unknown }).code;
        if (code === "EMSGSIZE") {
          throw new RangeError(
            `Cannot ${action()}: the datagram of ${data.length} bytes is larger than the socket can send (212,960 bytes with Linux's default buffers)`,
            { cause: err },
          );
        }
        throw ioError(action(), err);
      }
    } finally {
      deadline?.dispose();
      if (locked) this.lock.release();
    }
  }

  close(): Promise<void> {
    if (this.closing !== null) return this.closing;
    closeQuietly(this.conn);
    // Closing cancels a receive; a send cut short by its deadline cannot be
    // cancelled and may wait for ever on a receiver that never reads, so
    // close does not wait for it (see sendTo).
    this.closing = this.reads.settled().then(() =>
      removeIfOurs(this.path, this.id)
    );
    return this.closing;
  }
}

let stateOf: (sock: UnixDatagramSocket) => DatagramState;
let makeDatagramSocket: (state: DatagramState) => UnixDatagramSocket;
/** The state of the socket being made by makeDatagramSocket, for the constructor. */
let making: DatagramState | null = null;

/**
 * A Unix datagram socket (`SOCK_DGRAM`), made by {@linkcode bind}. Pass it
 * to {@linkcode sendTo} and {@linkcode recvFrom}, or iterate it with
 * `for await` to receive `[data, addr]` pairs until it is closed.
 *
 * Deno calls this transport `"unixpacket"`, but it is `SOCK_DGRAM`, not
 * `SOCK_SEQPACKET`: it exchanges datagrams with Python's
 * `socket(AF_UNIX, SOCK_DGRAM)`, and a `SOCK_SEQPACKET` or
 * `SOCK_STREAM` peer fails to connect with "protocol wrong type".
 *
 * Deno 2.9 runs one operation at a time on such a socket: sends take
 * turns, and a send while a receive is in flight (a `recvFrom` waiting, or
 * one that timed out and keeps its place so no datagram is lost) rejects
 * with `Deno.errors.Busy`. Send before you receive; after a receive timed
 * out, receive again (the next datagram frees the socket to send) or
 * close the socket.
 * A receive waits for a send that its timeout or signal cut short (see
 * {@linkcode sendTo}).
 *
 * @example Receive datagrams in a loop
 * ```ts
 * import * as unix from "@socketkit/socket/unix";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * {
 *   await using server = await unix.bind(`${dir}/server.sock`);
 *   await using client = await unix.bind(`${dir}/client.sock`);
 *   await unix.sendTo(client, "one", `${dir}/server.sock`);
 *   for await (const [data, from] of server) {
 *     assert.equal(new TextDecoder().decode(data), "one");
 *     assert.equal(from.path, `${dir}/client.sock`);
 *     break;
 *   }
 * }
 * await Deno.remove(dir);
 * ```
 */
export class UnixDatagramSocket
  implements
    AsyncDisposable,
    Disposable,
    AsyncIterable<[Uint8Array, Deno.UnixAddr]> {
  readonly #state: DatagramState;

  /**
   * Not for use: sockets come from {@linkcode bind}.
   *
   * @throws {TypeError} When called directly.
   */
  constructor() {
    if (making === null) {
      throw new TypeError(
        "Cannot construct a UnixDatagramSocket directly: use bind",
      );
    }
    this.#state = making;
    making = null;
  }

  static {
    stateOf = (sock) => sock.#state;
    makeDatagramSocket = (state) => {
      making = state;
      return new UnixDatagramSocket();
    };
  }

  /** The bound address (`transport` is `"unixpacket"`). */
  get localAddr(): Deno.UnixAddr {
    return this.#state.localAddr;
  }

  /** The default timeout in milliseconds (`null`: wait for ever; `0`: non-blocking). */
  get timeout(): number | null {
    return this.#state.timeout;
  }

  /** Whether {@linkcode close} was called. */
  get closed(): boolean {
    return this.#state.closing !== null;
  }

  /** The largest datagram {@linkcode recvFrom} accepts, in bytes. */
  get maxBytes(): number {
    return this.#state.maxBytes;
  }

  /** Bytes received so far, in datagrams taken by {@linkcode recvFrom}. */
  get bytesRead(): number {
    return this.#state.bytesRead;
  }

  /** Bytes sent so far. */
  get bytesWritten(): number {
    return this.#state.bytesWritten;
  }

  /** Receives datagrams until the socket is closed. */
  async *[Symbol.asyncIterator](): AsyncIterator<[Uint8Array, Deno.UnixAddr]> {
    const state = this.#state;
    while (state.closing === null) {
      try {
        yield await state.recvFrom({ timeout: null });
      } catch (err) {
        if (state.closing !== null) return;
        throw err;
      }
    }
  }

  /** Closes the socket; same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.#state.close();
  }

  /** Starts closing the socket, for `using`; `await using` waits for it. */
  [Symbol.dispose](): void {
    this.#state.close().catch(noop);
  }
}

function datagramState(sock: unknown, action: string): DatagramState {
  if (!(sock instanceof UnixDatagramSocket)) {
    throw new TypeError(
      `Cannot ${action} as sock must be a UnixDatagramSocket from bind: current value is ${
        show(sock)
      }`,
    );
  }
  return stateOf(sock);
}

/** Options for {@linkcode bind}. */
export interface BindOptions {
  /**
   * The socket file's path (at most {@linkcode MAX_PATH_BYTES} bytes in
   * UTF-8), or on Linux an abstract name: `"\0name"`.
   */
  path: string;
  /**
   * Permission bits set on the socket file, such as `0o600`. Sending to
   * the socket needs write permission on it. Not for abstract names.
   *
   * @default {what the umask leaves, usually 0o755}
   */
  mode?: number;
  /**
   * The largest datagram {@linkcode recvFrom} accepts. A larger one is cut
   * short by the system, so it is dropped and reported as
   * `Deno.errors.InvalidData`, never returned truncated. Linux's default
   * buffers let a sender send 212,960 bytes at most.
   *
   * @default {262144}
   */
  maxBytes?: number;
}

/**
 * Creates a Unix datagram socket bound to a path (Python's
 * `socket(AF_UNIX, SOCK_DGRAM)` then `bind(path)`).
 *
 * As with {@linkcode listen}, a stale socket file at the path is replaced,
 * a live one is refused, and closing removes the file the socket created.
 *
 * Requires `allow-read`, `allow-write` and `allow-net` permissions, and
 * `--unstable-net`: Deno offers Unix datagram sockets only through its
 * unstable `Deno.listenDatagram`.
 *
 * @param options The path, or `{ path, mode, maxBytes }`.
 * @returns The socket.
 * @throws {TypeError} If the path is not a string, or has a NUL inside.
 * @throws {RangeError} If the path is empty or too long, or `mode` or `maxBytes` is out of range.
 * @throws {Deno.errors.NotSupported} If Deno runs without `--unstable-net`.
 * @throws {Deno.errors.AddrInUse} If a live socket is at the path.
 * @throws {Deno.errors.AlreadyExists} If something that is not a socket is at the path.
 *
 * @example Send a datagram and read the sender's path
 * ```ts
 * import * as unix from "@socketkit/socket/unix";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * {
 *   await using a = await unix.bind({ path: `${dir}/a.sock`, mode: 0o600 });
 *   await using b = await unix.bind(`${dir}/b.sock`);
 *   await unix.sendTo(a, "ping", b.localAddr.path);
 *   const [data, from] = await unix.recvFrom(b, { timeout: 5_000 });
 *   assert.equal(new TextDecoder().decode(data), "ping");
 *   assert.equal(from.path, `${dir}/a.sock`);
 * }
 * await Deno.remove(dir);
 * ```
 *
 * @tags allow-read, allow-write, allow-net
 */
export async function bind(
  options: BindOptions | string,
): Promise<UnixDatagramSocket> {
  const { path, mode } = listenOptions(options, "bind");
  let maxBytes = DEFAULT_MAX_DATAGRAM_BYTES;
  if (typeof options === "object" && options.maxBytes !== undefined) {
    maxBytes = options.maxBytes;
    if (
      typeof maxBytes !== "number" || !Number.isInteger(maxBytes) ||
      maxBytes < 0 || maxBytes > 0x3fff_ffff
    ) {
      const Err = typeof maxBytes === "number" ? RangeError : TypeError;
      throw new Err(
        `Cannot bind as maxBytes must be an integer from 0 to 1073741823: current value is ${
          show(maxBytes)
        }`,
      );
    }
  }
  const where = `bind ${display(path)}`;
  const listenDatagram = (Deno as unknown as { listenDatagram?: unknown })
    .listenDatagram;
  if (typeof listenDatagram !== "function") {
    throw new Deno.errors.NotSupported(
      `Cannot ${where}: Unix datagram sockets need Deno.listenDatagram, which Deno provides only with --unstable-net (run "deno run --unstable-net ..." or add "unstable": ["net"] to deno.json)`,
    );
  }
  if (!isAbstract(path)) await clearStale(path, "bind");
  let conn: DatagramConn;
  try {
    conn = (listenDatagram as ListenDatagram).call(Deno, {
      transport: "unixpacket",
      path,
    });
  } catch (err) {
    throw ioError(where, err);
  }
  const id = isAbstract(path) ? null : await fileIdOf(path);
  if (mode !== undefined) {
    try {
      await Deno.chmod(path, mode);
    } catch (err) {
      conn.close();
      await removeIfOurs(path, id);
      throw ioError(`set mode ${mode.toString(8)} on ${display(path)}`, err);
    }
  }
  return makeDatagramSocket(new DatagramState(conn, path, id, maxBytes));
}

/** Options for {@linkcode sendTo}. */
export interface SendToOptions extends IoOptions {
  /**
   * Milliseconds to wait for the receiver's queue to take the datagram
   * before rejecting with `Deno.errors.TimedOut`; `0` rejects with
   * `Deno.errors.WouldBlock` unless the send completes at once; `null`
   * waits for ever. A send cut short may still be delivered (see
   * {@linkcode sendTo}).
   *
   * @default {the socket's timeout, set by `setTimeout`; `null` at first}
   */
  timeout?: number | null;
  /**
   * A signal that rejects the send with `signal.reason` when aborted; as
   * with `timeout`, a send cut short may still be delivered.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
}

/**
 * Sends one datagram to the socket bound at `path`.
 *
 * A send waits while the receiver's queue is full (on Linux a socket
 * queues `net.unix.max_dgram_qlen` datagrams, 10 by default, that it has
 * not read); `timeout` and `signal` bound that wait. The datagram is sent
 * whole or not at all, and the call resolves only once it is sent.
 *
 * A timeout rejects with `Deno.errors.TimedOut`, an aborted signal with its
 * `reason`, unchanged. What such a rejection means: when it comes while an
 * earlier send on this socket still waits, this datagram was not sent.
 * Otherwise Deno cannot take the send back: the datagram stays pending and
 * is delivered whole as soon as the receiver's queue has room, even after
 * this socket is closed, unless the receiver closes first (then it is
 * dropped, or goes to a socket bound at the path since). Later {@linkcode sendTo} and {@linkcode recvFrom} calls on this
 * socket wait for it, so datagrams keep their order; {@linkcode close}
 * does not; `bytesWritten` counts it once it is sent.
 *
 * Requires `allow-write` and `allow-net` permissions for the destination.
 *
 * @param sock The sending socket; its path is the sender's address.
 * @param data Bytes, or a string sent as UTF-8 (may be empty).
 * @param path Where to send: a socket path, an abstract name, or a
 * `Deno.UnixAddr` such as the one {@linkcode recvFrom} returns.
 * @param options Timeout and abort signal.
 * @returns The number of bytes sent (all of them).
 * @throws {TypeError} If `data`, `path` or `options` has the wrong type, or the address is unnamed.
 * @throws {RangeError} If the path is empty or too long, the datagram too large, or `timeout` negative or NaN.
 * @throws {Deno.errors.TimedOut} If the datagram is not taken within the timeout (it may still be delivered).
 * @throws {Deno.errors.WouldBlock} If the timeout is 0 (a non-blocking socket) and the send cannot complete at once (it may still be delivered).
 * @throws {Deno.errors.Busy} If a receive is in flight on the socket.
 * @throws {Deno.errors.NotFound} If there is no socket at the path.
 * @throws {Deno.errors.ConnectionRefused} If the socket at the path is closed.
 * @throws {Deno.errors.BadResource} If the socket is closed.
 *
 * @example Reply to the sender
 * ```ts
 * import * as unix from "@socketkit/socket/unix";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * {
 *   await using server = await unix.bind(`${dir}/server.sock`);
 *   await using client = await unix.bind(`${dir}/client.sock`);
 *   await unix.sendTo(client, "hi", `${dir}/server.sock`);
 *   const [data, from] = await unix.recvFrom(server);
 *   await unix.sendTo(server, data, from);
 *   const [echo] = await unix.recvFrom(client);
 *   assert.equal(new TextDecoder().decode(echo), "hi");
 * }
 * await Deno.remove(dir);
 * ```
 *
 * @example Give up while the receiver's queue stays full
 * ```ts
 * import * as unix from "@socketkit/socket/unix";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * {
 *   await using client = await unix.bind(`${dir}/client.sock`);
 *   await using server = await unix.bind(`${dir}/server.sock`); // not reading yet
 *   let sent = 0;
 *   for (; sent < 1_000; sent++) {
 *     try {
 *       await unix.sendTo(client, `${sent}`, server.localAddr, { timeout: 100 });
 *     } catch (err) {
 *       assert.ok(err instanceof Deno.errors.TimedOut);
 *       break;
 *     }
 *   }
 *   // The datagram cut short goes once the server reads: nothing is lost.
 *   for (let i = 0; i <= sent; i++) {
 *     const [data] = await unix.recvFrom(server, { timeout: 5_000 });
 *     assert.equal(new TextDecoder().decode(data), `${i}`);
 *   }
 * }
 * await Deno.remove(dir);
 * ```
 *
 * @tags allow-write, allow-net
 */
export async function sendTo(
  sock: UnixDatagramSocket,
  data: Data,
  path: string | Deno.UnixAddr,
  options: SendToOptions = {},
): Promise<number> {
  const state = datagramState(sock, "sendTo");
  const bytes = toBytes(data, "sendTo");
  let to: unknown = path;
  if (path !== null && typeof path === "object" && "path" in path) {
    to = path.path;
    if (to === null || to === "") {
      throw new TypeError(
        `Cannot sendTo as the address is unnamed (the sender did not bind a path), so nothing can be sent to it`,
      );
    }
  }
  checkPath(to, "sendTo");
  const where = `sendTo ${display(to as string)}`;
  checkOptions(options, () => where);
  if (state.closing !== null) throw closedError(where);
  return await state.sendTo(bytes, to as string, options);
}

/** Options for {@linkcode recvFrom}. */
export interface RecvFromOptions extends IoOptions {}

/**
 * Receives one datagram and the address of its sender.
 *
 * A receive that times out or is aborted stays in flight, owned by the
 * socket, and the next call gets its datagram: none is lost. The datagram
 * is never returned cut short: one larger than the socket's `maxBytes`
 * rejects with `Deno.errors.InvalidData`.
 *
 * Requires `allow-read`, `allow-write` and `allow-net` permissions.
 *
 * @param sock The socket.
 * @param options Timeout and abort signal.
 * @returns The datagram (a new `Uint8Array`, possibly empty) and the
 * sender's address (`path` is `null` for a sender that did not bind).
 * @throws {Deno.errors.TimedOut} If no datagram arrives in time.
 * @throws {Deno.errors.WouldBlock} If the socket is non-blocking and nothing is ready.
 * @throws {Deno.errors.Busy} If another `recvFrom` is in progress.
 * @throws {Deno.errors.InvalidData} If the datagram was larger than `maxBytes`.
 * @throws {Deno.errors.BadResource} If the socket is closed.
 *
 * @example A timeout loses nothing
 * ```ts
 * import * as unix from "@socketkit/socket/unix";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * {
 *   await using server = await unix.bind(`${dir}/server.sock`);
 *   await using client = await unix.bind(`${dir}/client.sock`);
 *   await assert.rejects(unix.recvFrom(server, { timeout: 20 }), Deno.errors.TimedOut);
 *   await unix.sendTo(client, "late", `${dir}/server.sock`);
 *   const [data] = await unix.recvFrom(server);
 *   assert.equal(new TextDecoder().decode(data), "late");
 * }
 * await Deno.remove(dir);
 * ```
 *
 * @tags allow-read, allow-write, allow-net
 */
export async function recvFrom(
  sock: UnixDatagramSocket,
  options: RecvFromOptions = {},
): Promise<[Uint8Array, Deno.UnixAddr]> {
  const state = datagramState(sock, "recvFrom");
  const where = `recvFrom on ${state.where()}`;
  checkOptions(options, () => where);
  if (state.closing !== null) throw closedError(where);
  if (state.receiving) {
    throw new Deno.errors.Busy(
      `Cannot ${where}: another recvFrom is in progress on this socket`,
    );
  }
  return await state.recvFrom(options);
}

/**
 * Closes a stream socket, a server or a datagram socket. Idempotent: later
 * calls resolve as the first. Resolves once the operation in flight has
 * settled and the socket file the server or datagram socket created is
 * removed. A datagram send cut short by its timeout or signal is not waited
 * for: Deno cannot cancel it, and it may still be delivered (see
 * {@linkcode sendTo}).
 *
 * @param sock The socket, server or datagram socket.
 * @throws {TypeError} If `sock` is none of those.
 *
 * @example Close a server and its file
 * ```ts
 * import * as unix from "@socketkit/socket/unix";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const server = await unix.listen(`${dir}/s.sock`);
 * await unix.close(server);
 * await unix.close(server);
 * assert.equal(server.closed, true);
 * await assert.rejects(Deno.lstat(`${dir}/s.sock`), Deno.errors.NotFound);
 * await Deno.remove(dir);
 * ```
 */
export function close(
  sock: StreamSocket | StreamServer | UnixDatagramSocket,
): Promise<void> {
  if (sock instanceof UnixDatagramSocket) return stateOf(sock).close();
  return closeStream(sock);
}

/**
 * Sets the default timeout for every later operation on a socket, server
 * or datagram socket, as Python's `settimeout` (in milliseconds): `null`
 * waits for ever, `0` makes it non-blocking. A per-call `timeout`
 * overrides it. Stream sockets and servers use the TCP module's
 * implementation.
 *
 * @param sock The socket, server or datagram socket.
 * @param ms Milliseconds, `0` or `null`.
 * @throws {RangeError} If `ms` is negative or NaN.
 *
 * @example Give up on a silent peer
 * ```ts
 * import * as unix from "@socketkit/socket/unix";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * {
 *   await using sock = await unix.bind(`${dir}/d.sock`);
 *   unix.setTimeout(sock, 20);
 *   await assert.rejects(unix.recvFrom(sock), Deno.errors.TimedOut);
 * }
 * await Deno.remove(dir);
 * ```
 */
export function setTimeout(
  sock: StreamSocket | StreamServer | UnixDatagramSocket,
  ms: number | null,
): void {
  if (sock instanceof UnixDatagramSocket) {
    stateOf(sock).timeout = validateTimeout(ms, "setTimeout");
    return;
  }
  setStreamTimeout(sock, ms);
}

/**
 * Sets blocking mode, as Python's `setblocking`: `false` is a timeout of
 * 0 (operations that cannot complete at once reject with
 * `Deno.errors.WouldBlock`, and lose no data), `true` is no timeout.
 *
 * @param sock The socket, server or datagram socket.
 * @param flag Whether operations may wait.
 * @throws {TypeError} If `flag` is not a boolean.
 *
 * @example Poll without waiting
 * ```ts
 * import * as unix from "@socketkit/socket/unix";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * {
 *   await using sock = await unix.bind(`${dir}/d.sock`);
 *   unix.setBlocking(sock, false);
 *   await assert.rejects(unix.recvFrom(sock), Deno.errors.WouldBlock);
 * }
 * await Deno.remove(dir);
 * ```
 */
export function setBlocking(
  sock: StreamSocket | StreamServer | UnixDatagramSocket,
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
