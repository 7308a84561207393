// Copyright 2026 the socketkit authors. MIT license.
// The handles of message sockets made through libc: MessageSocket (a
// seqpacket connection, or one end of a datagram or seqpacket socketpair)
// and SeqpacketServer. Public classes, internal accessors. Internal file.

import { MSG_TRUNC, SOCK_SEQPACKET, SOL_SOCKET } from "./_ffi.ts";

const SO_PASSCRED = 16;
import type { FdSocket, WaitOptions } from "./_ffi_socket.ts";

/** What a handle keeps: its descriptor, its path and its default timeout. */
export interface State {
  fd: FdSocket;
  path: string;
  timeout: number | null;
}

export { display } from "./_unix_path.ts";

let socketState: (sock: MessageSocket) => State;
let serverState: (server: SeqpacketServer) => State;
let serverFile: (
  server: SeqpacketServer,
) => { dev: number; ino: number | null } | null;
let makeSocket: (fd: FdSocket, local: string, remote: string) => MessageSocket;
let makeServer: (
  fd: FdSocket,
  path: string,
  file: { dev: number; ino: number | null } | null,
) => SeqpacketServer;
let receive: (
  sock: MessageSocket,
  max: number,
  io: WaitOptions,
  action: string,
) => Promise<Uint8Array | null>;
let sent: (sock: MessageSocket) => void;

/**
 * A connected socket that keeps message boundaries: a `SOCK_SEQPACKET`
 * connection, or one end of a datagram or seqpacket socketpair. Pass it to
 * `send`, `recv` and `close` of `@socketkit/socket/seqpacket`;
 * `await using` closes it.
 */
export class MessageSocket implements AsyncDisposable {
  readonly #state: State;
  readonly #remote: string;
  #scratch: Uint8Array = new Uint8Array(0);
  #eof = false;
  #passCred = false;
  #receiving = false;
  #messagesRead = 0;
  #messagesWritten = 0;

  private constructor(fd: FdSocket, local: string, remote: string) {
    this.#state = { fd, path: local, timeout: null };
    this.#remote = remote;
  }

  static {
    socketState = (sock) => sock.#state;
    makeSocket = (fd, local, remote) => new MessageSocket(fd, local, remote);
    receive = async (sock, max, io, action) => {
      if (sock.#eof) return null;
      // The scratch buffer is read after the wait: one receive at a time.
      if (sock.#receiving) {
        throw new Deno.errors.Busy(
          `Cannot ${action}: another receive is in progress on this socket`,
        );
      }
      sock.#receiving = true;
      try {
        return await receiveInto(sock, max, io, action);
      } finally {
        sock.#receiving = false;
      }
    };
    const receiveInto = async (
      sock: MessageSocket,
      max: number,
      io: WaitOptions,
      action: string,
    ): Promise<Uint8Array | null> => {
      if (sock.#scratch.length < max) sock.#scratch = new Uint8Array(max);
      const fd = sock.#state.fd;
      let n: number;
      if (fd.type === SOCK_SEQPACKET) {
        // A 0-byte message and the end both read as 0 bytes. Every message
        // carries the sender's credentials once SO_PASSCRED is on; the end
        // carries none. (32 bytes hold them and no SCM_RIGHTS: descriptors
        // a peer might send are closed by the kernel, never leaked here.)
        if (!sock.#passCred) {
          fd.setOption(SOL_SOCKET, SO_PASSCRED, 1, action);
          sock.#passCred = true;
        }
        const got = await fd.recvMsg(
          sock.#scratch,
          32,
          MSG_TRUNC,
          io,
          action,
        );
        n = got.n;
        if (n === 0 && got.control.length === 0) {
          sock.#eof = true;
          return null;
        }
      } else {
        n = await fd.recv(sock.#scratch, MSG_TRUNC, io, action);
      }
      if (n > max) {
        throw new Deno.errors.InvalidData(
          `Cannot ${action}: a message of ${n} bytes is over the limit of ${max} bytes (raise maxBytes); it was discarded`,
        );
      }
      sock.#messagesRead++;
      return sock.#scratch.slice(0, n);
    };
    sent = (sock) => {
      sock.#messagesWritten++;
    };
  }

  /** The path this end is bound to (`""` when unnamed). */
  get localAddr(): Deno.UnixAddr {
    return { transport: "unix", path: this.#state.path };
  }

  /** The peer's path (`""` when unnamed: a client, or a socketpair end). */
  get remoteAddr(): Deno.UnixAddr {
    return { transport: "unix", path: this.#remote };
  }

  /** `"seqpacket"` or `"datagram"`. */
  get kind(): "seqpacket" | "datagram" {
    return this.#state.fd.type === SOCK_SEQPACKET ? "seqpacket" : "datagram";
  }

  /** The number of messages received so far. */
  get messagesRead(): number {
    return this.#messagesRead;
  }

  /** The number of messages sent so far. */
  get messagesWritten(): number {
    return this.#messagesWritten;
  }

  /** Closes the socket; a receive or send waiting on it rejects at once. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.#state.fd.close();
  }
}

/**
 * A listening `SOCK_SEQPACKET` socket; pass it to `accept` of
 * `@socketkit/socket/seqpacket`. `await using` closes it and removes its
 * socket file.
 */
export class SeqpacketServer implements AsyncDisposable {
  readonly #state: State;
  readonly #file: { dev: number; ino: number | null } | null;

  private constructor(
    fd: FdSocket,
    path: string,
    file: { dev: number; ino: number | null } | null,
  ) {
    this.#state = { fd, path, timeout: null };
    this.#file = file;
  }

  static {
    serverState = (server) => server.#state;
    serverFile = (server) => server.#file;
    makeServer = (fd, path, file) => new SeqpacketServer(fd, path, file);
  }

  /** The address listened on. */
  get addr(): Deno.UnixAddr {
    return { transport: "unix", path: this.#state.path };
  }

  /** Closes the server and removes its socket file. */
  [Symbol.asyncDispose](): Promise<void> {
    return closeServer(this);
  }
}

/** The state of a socket or a server. */
export function stateOf(handle: MessageSocket | SeqpacketServer): State {
  return handle instanceof MessageSocket
    ? socketState(handle)
    : serverState(handle);
}

/** Closes a server's socket and removes its file if it is still the one it made. */
export async function closeServer(server: SeqpacketServer): Promise<void> {
  const state = serverState(server);
  const first = !state.fd.closing;
  await state.fd.close();
  const file = serverFile(server);
  if (!first || file === null) return;
  try {
    const info = await Deno.lstat(state.path);
    if (info.isSocket && info.dev === file.dev && info.ino === file.ino) {
      await Deno.remove(state.path);
    }
  } catch {
    // Already gone, or not ours to remove.
  }
}

export { makeServer, makeSocket, receive, sent };
