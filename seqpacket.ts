// Copyright 2026 the socketkit authors. MIT license.

/**
 * Unix `SOCK_SEQPACKET` sockets: connections that keep message boundaries.
 * {@linkcode listen}, {@linkcode accept}, {@linkcode connect}, then
 * {@linkcode send} and {@linkcode recv} move whole messages (0 bytes
 * included) in order, with timeouts that lose nothing.
 *
 * Deno cannot create these sockets, so this module makes them through the C
 * library with `Deno.dlopen` (Linux only; elsewhere
 * `Deno.errors.NotSupported`). The library is opened at the first socket,
 * not at import.
 *
 * Requires `allow-ffi` permission, and `allow-read` and `allow-write` for
 * the socket file. Note that FFI is outside Deno's permission checks:
 * `--allow-ffi` lets this module reach any path.
 *
 * @example Messages keep their boundaries
 * ```ts
 * import * as seqpacket from "@socketkit/socket/seqpacket";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * try {
 *   await using server = await seqpacket.listen({ path: `${dir}/app.sock`, mode: 0o600 });
 *   const accepted = seqpacket.accept(server);
 *   await using client = await seqpacket.connect(`${dir}/app.sock`);
 *   await using peer = await accepted;
 *
 *   await seqpacket.send(client, "hello");
 *   await seqpacket.send(client, "world");
 *   assert.equal(new TextDecoder().decode((await seqpacket.recv(peer))!), "hello");
 *   assert.equal(new TextDecoder().decode((await seqpacket.recv(peer))!), "world");
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 *
 * @module
 */

import { show } from "./_errors.ts";
import { checkPath } from "./_unix_path.ts";
import {
  AF_UNIX,
  MAX_UNIX_PATH_BYTES,
  SHUT_RD,
  SHUT_RDWR,
  SHUT_WR,
  SOCK_SEQPACKET,
} from "./_ffi.ts";
import { FdSocket, waitOf } from "./_ffi_socket.ts";
import {
  closeServer,
  display,
  makeServer,
  makeSocket,
  MessageSocket,
  receive,
  sent,
  SeqpacketServer,
  stateOf,
} from "./_message.ts";
import { validateTimeout } from "./_timeout.ts";
import type { IoOptions } from "./tcp.ts";

export type { IoOptions } from "./tcp.ts";
export { MessageSocket, SeqpacketServer } from "./_message.ts";

/** The default {@linkcode RecvOptions.maxBytes}: 256 KiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 262_144;

const encoder = new TextEncoder();

// ---- checks ----

function checkObject(value: unknown, name: string, action: string): void {
  if (value === null || typeof value !== "object") {
    throw new TypeError(
      `Cannot ${action} as ${name} must be an object: current value is ${
        show(value)
      }`,
    );
  }
}

function checkHandle(
  value: unknown,
  action: string,
): asserts value is MessageSocket {
  if (!(value instanceof MessageSocket)) {
    throw new TypeError(
      `Cannot ${action} as sock must be a MessageSocket: current value is ${
        show(value)
      }`,
    );
  }
}

// ---- listen ----

/** Options for {@linkcode listen}. */
export interface ListenOptions {
  /** The socket path, or an abstract name starting with `"\0"` (Linux). */
  path: string;
  /**
   * Permission bits of the socket file, such as `0o600`. The socket is
   * bound inside a private directory, given its mode there, and renamed into
   * place, so it never accepts with wider permissions.
   *
   * @default {the umask decides}
   */
  mode?: number;
  /**
   * The length of the queue of connections not yet accepted.
   *
   * @default {511}
   */
  backlog?: number;
}

/**
 * Listens for `SOCK_SEQPACKET` connections on a Unix socket path.
 *
 * A socket file already at the path is replaced when it is stale (nothing
 * listens there); a live one is `Deno.errors.AddrInUse`, and a file that is
 * not a socket is `Deno.errors.AlreadyExists`.
 *
 * Requires `allow-ffi`, `allow-read` and `allow-write` permissions.
 *
 * @param options The path, or `{ path, mode, backlog }`.
 * @returns The server; pass it to {@linkcode accept}.
 * @throws {TypeError} If the path is not a string or holds a NUL byte.
 * @throws {RangeError} If the path is empty or too long, or `mode` or `backlog` is out of range.
 * @throws {Deno.errors.AddrInUse} If a live socket is bound to the path.
 * @throws {Deno.errors.AlreadyExists} If the path is a file that is not a socket.
 * @throws {Deno.errors.NotSupported} On a system other than Linux.
 *
 * @example A private socket
 * ```ts
 * import * as seqpacket from "@socketkit/socket/seqpacket";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * try {
 *   await using server = await seqpacket.listen({ path: `${dir}/app.sock`, mode: 0o600 });
 *   assert.equal((await Deno.lstat(`${dir}/app.sock`)).mode! & 0o777, 0o600);
 *   assert.equal(server.addr.path, `${dir}/app.sock`);
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 *
 * @tags allow-ffi, allow-read, allow-write
 */
export async function listen(
  options: ListenOptions | string,
): Promise<SeqpacketServer> {
  const opts = typeof options === "string" ? { path: options } : options;
  checkObject(opts, "options", "listen");
  const path = checkPath(opts.path, "listen");
  const where = `listen on ${display(path)}`;
  const { mode, backlog = 511 } = opts;
  if (mode !== undefined) {
    if (
      typeof mode !== "number" || !Number.isInteger(mode) || mode < 0 ||
      mode > 0o777
    ) {
      throw new RangeError(
        `Cannot ${where} as mode must be an integer from 0 to 0o777: current value is ${
          show(mode)
        }`,
      );
    }
    if (path.startsWith("\0")) {
      throw new TypeError(
        `Cannot ${where} with a mode: an abstract name has no file to set permission bits on`,
      );
    }
  }
  if (
    typeof backlog !== "number" || !Number.isInteger(backlog) || backlog < 0
  ) {
    throw new RangeError(
      `Cannot ${where} as backlog must be a non-negative integer: current value is ${
        show(backlog)
      }`,
    );
  }
  const abstract = path.startsWith("\0");
  const stale = abstract ? false : await checkStale(path, where);
  const fd = FdSocket.open(AF_UNIX, SOCK_SEQPACKET, 0, where);
  try {
    if (mode === undefined) {
      if (stale) await Deno.remove(path).catch(() => {});
      fd.bind({ family: AF_UNIX, path }, `bind ${display(path)}`);
      fd.listen(backlog, where);
    } else {
      await bindPrivately(fd, path, mode, backlog, where);
    }
    let file = null;
    if (!abstract) {
      const info = await Deno.lstat(path);
      file = { dev: info.dev, ino: info.ino };
    }
    return makeServer(fd, path, file);
  } catch (err) {
    await fd.close();
    throw err;
  }
}

/**
 * Binds in a new directory only the owner can enter, sets the mode there,
 * starts listening, then renames the socket onto `path` (replacing a stale
 * one in one step). No one else can connect before the mode is in place.
 */
async function bindPrivately(
  fd: FdSocket,
  path: string,
  mode: number,
  backlog: number,
  where: string,
): Promise<void> {
  const slash = path.lastIndexOf("/");
  const dir = slash < 0 ? "." : slash === 0 ? "/" : path.slice(0, slash);
  const tmp = await Deno.makeTempDir({ dir, prefix: ".sk" });
  const inner = `${tmp}/s`;
  try {
    if (encoder.encode(inner).length > MAX_UNIX_PATH_BYTES) {
      throw new RangeError(
        `Cannot ${where} with a mode as the path must leave 12 bytes of the ${MAX_UNIX_PATH_BYTES} for a private directory beside it: current value is ${
          display(path)
        }`,
      );
    }
    fd.bind({ family: AF_UNIX, path: inner }, where);
    await Deno.chmod(inner, mode);
    fd.listen(backlog, where);
    await Deno.rename(inner, path);
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

/**
 * Whether `path` holds a stale socket file (nothing listens there). Throws
 * AddrInUse for a live socket and AlreadyExists for another kind of file.
 */
async function checkStale(path: string, where: string): Promise<boolean> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
  if (info.isSocket !== true) {
    throw new Deno.errors.AlreadyExists(
      `Cannot ${where}: the path exists and is not a socket (remove it or choose another path)`,
    );
  }
  const probe = FdSocket.open(AF_UNIX, SOCK_SEQPACKET, 0, where);
  try {
    await probe.connect(
      { family: AF_UNIX, path },
      { timeout: 1_000 },
      `probe ${display(path)}`,
    );
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ECONNREFUSED") return true;
    if (code === "ENOENT") return false;
    throw new Deno.errors.AddrInUse(
      code === "EPROTOTYPE"
        ? `Cannot ${where}: a live socket of another kind is bound to this path`
        : `Cannot ${where}: the socket at this path does not answer as stale`,
      { cause: err },
    );
  } finally {
    await probe.close();
  }
  throw new Deno.errors.AddrInUse(
    `Cannot ${where}: another process is listening on this socket`,
  );
}

// ---- accept, connect ----

/** Options for {@linkcode accept}. */
export interface AcceptOptions extends IoOptions {}

/**
 * Accepts one connection. A timeout or abort takes no connection: the next
 * call gets it.
 *
 * Requires `allow-ffi` permission.
 *
 * @param server The server.
 * @param options Timeout and abort signal.
 * @returns The connected socket.
 * @throws {Deno.errors.TimedOut} If no connection arrives in time.
 * @throws {Deno.errors.BadResource} If the server is closed (also while waiting).
 *
 * @example Accept with a timeout
 * ```ts
 * import * as seqpacket from "@socketkit/socket/seqpacket";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * try {
 *   await using server = await seqpacket.listen(`${dir}/s`);
 *   await assert.rejects(seqpacket.accept(server, { timeout: 10 }), Deno.errors.TimedOut);
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 *
 * @tags allow-ffi
 */
export async function accept(
  server: SeqpacketServer,
  options: AcceptOptions = {},
): Promise<MessageSocket> {
  if (!(server instanceof SeqpacketServer)) {
    throw new TypeError(
      `Cannot accept as server must be a SeqpacketServer: current value is ${
        show(server)
      }`,
    );
  }
  const state = stateOf(server);
  const action = `accept on ${display(state.path)}`;
  const io = waitOf(options, state.timeout, action);
  const [fd] = await state.fd.accept(io, action);
  return makeSocket(fd, state.path, "");
}

/** Options for {@linkcode connect}. */
export interface ConnectOptions extends IoOptions {}

/**
 * Connects to a `SOCK_SEQPACKET` listener.
 *
 * Requires `allow-ffi` permission.
 *
 * @param path The socket path, or an abstract name starting with `"\0"`.
 * @param options Timeout and abort signal.
 * @returns The connected socket.
 * @throws {Deno.errors.NotFound} If nothing is at the path.
 * @throws {Deno.errors.ConnectionRefused} If nothing listens there.
 * @throws {Deno.errors.NotSupported} If the listener is not a seqpacket socket (`EPROTOTYPE`).
 *
 * @example Nothing there
 * ```ts
 * import * as seqpacket from "@socketkit/socket/seqpacket";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await assert.rejects(seqpacket.connect(`${dir}/none`), Deno.errors.NotFound);
 * await Deno.remove(dir);
 * ```
 *
 * @tags allow-ffi
 */
export async function connect(
  path: string,
  options: ConnectOptions = {},
): Promise<MessageSocket> {
  checkPath(path, "connect");
  const action = `connect to ${display(path)}`;
  const io = waitOf(options, null, action);
  const fd = FdSocket.open(AF_UNIX, SOCK_SEQPACKET, 0, action);
  try {
    await fd.connect({ family: AF_UNIX, path }, io, action);
  } catch (err) {
    await fd.close();
    throw err;
  }
  return makeSocket(fd, "", path);
}

// ---- send, recv ----

/** Options for {@linkcode send}. */
export interface SendOptions extends IoOptions {}

/**
 * Sends one message, whole (an empty one too). Waits while the peer's
 * queue is full.
 *
 * Requires `allow-ffi` permission.
 *
 * @param sock The socket.
 * @param data The message; a string is sent as UTF-8.
 * @param options Timeout and abort signal.
 * @throws {Error} `EMSGSIZE` if the message is larger than the socket's send buffer.
 * @throws {Deno.errors.BrokenPipe} If the peer has closed.
 * @throws {Deno.errors.TimedOut} If the message cannot be queued in time.
 *
 * @example Send an empty message
 * ```ts
 * import * as seqpacket from "@socketkit/socket/seqpacket";
 * import { socketpair } from "@socketkit/socket/socketpair";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = socketpair("seqpacket");
 * await using _a = a;
 * await using _b = b;
 * await seqpacket.send(a, new Uint8Array(0));
 * assert.equal((await seqpacket.recv(b))!.length, 0);
 * ```
 *
 * @tags allow-ffi
 */
export async function send(
  sock: MessageSocket,
  data: Uint8Array | string,
  options: SendOptions = {},
): Promise<void> {
  checkHandle(sock, "send");
  const action = `send to ${display(sock.remoteAddr.path || "(peer)")}`;
  if (typeof data !== "string" && !(data instanceof Uint8Array)) {
    throw new TypeError(
      `Cannot ${action} as data must be a Uint8Array or a string: current value is ${
        show(data)
      }`,
    );
  }
  const state = stateOf(sock);
  const io = waitOf(options, state.timeout, action);
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  await state.fd.send(bytes, null, io, action);
  sent(sock);
}

/** Options for {@linkcode recv}. */
export interface RecvOptions extends IoOptions {
  /**
   * The largest message accepted; a larger one is read, discarded and
   * reported as `Deno.errors.InvalidData` (the socket stays usable).
   *
   * @default {262144}
   */
  maxBytes?: number;
}

/**
 * Receives one message, whole. Resolves to `null` once the peer has
 * closed (seqpacket). A timeout or abort takes nothing: the message goes to
 * the next call.
 *
 * An empty message and the end of the connection both read as 0 bytes to
 * the system; this function tells them apart by the sender's credentials
 * that the system attaches to every message (`SO_PASSCRED`, turned on at
 * the first receive), so an empty message is never taken for the end.
 *
 * Requires `allow-ffi` permission.
 *
 * @param sock The socket.
 * @param options Timeout, abort signal and `maxBytes`.
 * @returns The message, or `null` at the end.
 * @throws {Deno.errors.TimedOut} If nothing arrives in time.
 * @throws {Deno.errors.InvalidData} If a message is over `maxBytes`.
 * @throws {Deno.errors.Busy} If another receive is waiting on the socket.
 * @throws {Deno.errors.BadResource} If the socket is closed (also while waiting).
 *
 * @example A timeout loses nothing
 * ```ts
 * import * as seqpacket from "@socketkit/socket/seqpacket";
 * import { socketpair } from "@socketkit/socket/socketpair";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = socketpair("seqpacket");
 * await using _a = a;
 * await using _b = b;
 * await assert.rejects(seqpacket.recv(b, { timeout: 10 }), Deno.errors.TimedOut);
 * await seqpacket.send(a, "late");
 * assert.equal(new TextDecoder().decode((await seqpacket.recv(b))!), "late");
 * ```
 *
 * @tags allow-ffi
 */
export async function recv(
  sock: MessageSocket,
  options: RecvOptions = {},
): Promise<Uint8Array | null> {
  checkHandle(sock, "recv");
  const action = `recv from ${display(sock.remoteAddr.path || "(peer)")}`;
  const state = stateOf(sock);
  const io = waitOf(options, state.timeout, action);
  const max = options.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (typeof max !== "number" || !Number.isInteger(max) || max < 1) {
    throw new RangeError(
      `Cannot ${action} as maxBytes must be a positive integer: current value is ${
        show(max)
      }`,
    );
  }
  return await receive(sock, max, io, action);
}

/** Which direction {@linkcode shutdown} closes. */
export type ShutdownHow = "read" | "write" | "both";

/**
 * Shuts down one direction: after `"write"` the peer's {@linkcode recv}
 * resolves to `null` once it has read what was sent.
 *
 * @param sock The socket.
 * @param how `"write"` (default), `"read"` or `"both"`.
 *
 * @example Tell the peer you are done
 * ```ts
 * import * as seqpacket from "@socketkit/socket/seqpacket";
 * import { socketpair } from "@socketkit/socket/socketpair";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = socketpair("seqpacket");
 * await using _a = a;
 * await using _b = b;
 * await seqpacket.send(a, "last");
 * seqpacket.shutdown(a);
 * assert.equal((await seqpacket.recv(b))!.length, 4);
 * assert.equal(await seqpacket.recv(b), null);
 * ```
 *
 * @tags allow-ffi
 */
export function shutdown(
  sock: MessageSocket,
  how: ShutdownHow = "write",
): void {
  checkHandle(sock, "shutdown");
  const code = how === "read"
    ? SHUT_RD
    : how === "write"
    ? SHUT_WR
    : how === "both"
    ? SHUT_RDWR
    : undefined;
  if (code === undefined) {
    throw new TypeError(
      `Cannot shutdown as how must be "read", "write" or "both": current value is ${
        show(how)
      }`,
    );
  }
  stateOf(sock).fd.shutdown(code, "shutdown");
}

/**
 * Closes a socket or a server (a server's socket file is removed). A
 * receive, send or accept waiting on it rejects at once with
 * `Deno.errors.BadResource`; the promise settles when they have. Idempotent.
 *
 * @param handle The socket or server.
 *
 * @example Close interrupts a receive
 * ```ts
 * import * as seqpacket from "@socketkit/socket/seqpacket";
 * import { socketpair } from "@socketkit/socket/socketpair";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = socketpair("seqpacket");
 * const pending = seqpacket.recv(b);
 * await seqpacket.close(b);
 * await assert.rejects(pending, Deno.errors.BadResource);
 * await seqpacket.close(a);
 * ```
 */
export function close(handle: MessageSocket | SeqpacketServer): Promise<void> {
  if (handle instanceof SeqpacketServer) return closeServer(handle);
  checkHandle(handle, "close");
  return stateOf(handle).fd.close();
}

/**
 * Sets the default timeout of every later call on the handle, in
 * milliseconds (`null`: wait for ever; `0`: never wait).
 *
 * @param handle The socket or server.
 * @param ms The timeout.
 *
 * @example A default timeout
 * ```ts
 * import * as seqpacket from "@socketkit/socket/seqpacket";
 * import { socketpair } from "@socketkit/socket/socketpair";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = socketpair("seqpacket");
 * await using _a = a;
 * await using _b = b;
 * seqpacket.setTimeout(b, 0);
 * await assert.rejects(seqpacket.recv(b), Deno.errors.WouldBlock);
 * ```
 */
export function setTimeout(
  handle: MessageSocket | SeqpacketServer,
  ms: number | null,
): void {
  if (
    !(handle instanceof MessageSocket) && !(handle instanceof SeqpacketServer)
  ) {
    throw new TypeError(
      `Cannot setTimeout as handle must be a MessageSocket or a SeqpacketServer: current value is ${
        show(handle)
      }`,
    );
  }
  stateOf(handle).timeout = validateTimeout(ms, "setTimeout");
}
