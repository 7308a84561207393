// Copyright 2026 the socketkit authors. MIT license.
// A socket made through libc (see _ffi.ts): a non-blocking file descriptor
// whose operations try the system call first and, only when it answers
// EAGAIN, wait for readiness with poll() off the main thread. Internal.
//
// Every wait also polls an eventfd of its own, so close() and an aborted
// signal end it at once; a timeout is poll's own. Because readiness is
// awaited before anything is read, a wait that times out or is aborted has
// consumed nothing: no datagram, message or connection is lost.

import {
  acquireLibc,
  AF_INET,
  AF_UNIX,
  CLOCK_REALTIME,
  decodeAddr,
  drain,
  EAGAIN,
  EINPROGRESS,
  EINTR,
  encodeAddr,
  errno,
  errnoError,
  type Libc,
  MSG_NOSIGNAL,
  openEventFd,
  POLLIN,
  POLLOUT,
  releaseLibc,
  SO_ERROR,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  type SockAddr,
  SOCKADDR_SIZE,
  SOL_SOCKET,
  wake,
} from "./_ffi.ts";
import { type IoOptions, validateTimeout } from "./_timeout.ts";
import { checkOptions } from "./_validate.ts";

/** How long one operation may wait. */
export interface WaitOptions {
  /** Milliseconds; `0`: do not wait (WouldBlock); `null`: for ever. */
  timeout: number | null;
  /** Rejects with its reason when aborted. */
  signal?: AbortSignal | undefined;
}

/**
 * The wait of one call: its own `timeout`, else the handle's `fallback`,
 * and its signal. Checks the options as every transport does, before any
 * I/O, and throws an already aborted signal's reason.
 */
export function waitOf(
  options: IoOptions,
  fallback: number | null,
  action: string,
): WaitOptions {
  const { timeout, signal } = checkOptions(options, () => action);
  return {
    timeout: timeout === undefined
      ? fallback
      : validateTimeout(timeout, action),
    signal,
  };
}

/** How many times a wait yields to this thread's tasks before leaving it. */
const SPINS = 2;
const ECONNABORTED = 103;
const EPROTO = 71;

/** What {@linkcode FdSocket.recvMsg} received. */
export interface ReceivedMessage<C = Uint8Array> {
  /** What recvmsg returned (with MSG_TRUNC: the message's real length). */
  n: number;
  /** The sender's address. */
  addr: SockAddr;
  /** The control messages, or what `readControl` made of them. */
  control: C;
  /** With `copy`: the bytes received, copied; otherwise `null`. */
  data: Uint8Array | null;
}

/** A socket file descriptor opened through libc. */
export class FdSocket {
  readonly #lib: Libc;
  readonly #fd: number;
  readonly family: number;
  readonly type: number;
  readonly protocol: number;
  #closing = false;
  #inFlight = 0;
  #waking = new Set<number>();
  #spare: number[] = [];
  #closed: Promise<void>;
  #resolveClosed!: () => void;
  readonly #addr = new Uint8Array(SOCKADDR_SIZE);
  readonly #addrLen = new Uint32Array(1);
  readonly #addrLenBytes = new Uint8Array(this.#addrLen.buffer);
  #msgHeader: MsgHeader | null = null;
  readonly #pollOneBytes = new Uint8Array(8);
  readonly #pollOne = new DataView(this.#pollOneBytes.buffer);
  /**
   * The last destination of send() (a copy) and its encoding: a run of
   * sends to one address encodes it once. The bytes are never written
   * again, so a send waiting with them is not disturbed by a send to
   * another address meanwhile.
   */
  #lastTo: SockAddr | null = null;
  #lastToBytes: Uint8Array | null = null;

  private constructor(
    lib: Libc,
    fd: number,
    family: number,
    type: number,
    protocol: number,
  ) {
    this.#lib = lib;
    this.#fd = fd;
    this.family = family;
    this.type = type;
    this.protocol = protocol;
    this.#closed = new Promise((resolve) => this.#resolveClosed = resolve);
  }

  /** Opens a socket, non-blocking and close-on-exec. */
  static open(
    family: number,
    type: number,
    protocol: number,
    action: string,
  ): FdSocket {
    const lib = acquireLibc(action);
    const fd = lib.socket(
      family,
      type | SOCK_NONBLOCK | SOCK_CLOEXEC,
      protocol,
    );
    if (fd < 0) {
      const err = errnoError(lib, action, errno());
      releaseLibc();
      throw err;
    }
    return new FdSocket(lib, fd, family, type, protocol);
  }

  /** Opens a connected pair of Unix sockets of `type`. */
  static pair(type: number, action: string): [FdSocket, FdSocket] {
    const lib = acquireLibc(action);
    const fds = new Int32Array(2);
    const rc = lib.socketpair(
      AF_UNIX,
      type | SOCK_NONBLOCK | SOCK_CLOEXEC,
      0,
      new Uint8Array(fds.buffer),
    );
    if (rc < 0) {
      const err = errnoError(lib, action, errno());
      releaseLibc();
      throw err;
    }
    acquireLibc(action);
    return [
      new FdSocket(lib, fds[0]!, AF_UNIX, type, 0),
      new FdSocket(lib, fds[1]!, AF_UNIX, type, 0),
    ];
  }

  /** The file descriptor (for messages and tests). */
  get fd(): number {
    return this.#fd;
  }

  /** Whether close() was called. */
  get closing(): boolean {
    return this.#closing;
  }

  #check(action: string): void {
    if (this.#closing) {
      throw new Deno.errors.BadResource(
        `Cannot ${action}: the socket is closed`,
      );
    }
  }

  #fail(action: string): Error {
    return errnoError(this.#lib, action, errno());
  }

  /** Binds to an address. */
  bind(addr: SockAddr, action: string): void {
    this.#check(action);
    const raw = encodeAddr(addr);
    if (this.#lib.bind(this.#fd, raw, raw.length) < 0) throw this.#fail(action);
  }

  /** Listens with a queue of `backlog`. */
  listen(backlog: number, action: string): void {
    this.#check(action);
    if (this.#lib.listen(this.#fd, backlog) < 0) throw this.#fail(action);
  }

  /** Accepts one connection: the new socket and its peer's address. */
  async accept(
    options: WaitOptions,
    action: string,
  ): Promise<[FdSocket, SockAddr]> {
    const deadline = start(options);
    for (;;) {
      this.#check(action);
      this.#addrLen[0] = SOCKADDR_SIZE;
      const fd = this.#lib.accept4(
        this.#fd,
        this.#addr,
        this.#addrLenBytes,
        SOCK_NONBLOCK | SOCK_CLOEXEC,
      );
      if (fd >= 0) {
        acquireLibc(action);
        const sock = new FdSocket(
          this.#lib,
          fd,
          this.family,
          this.type,
          this.protocol,
        );
        return [sock, decodeAddr(this.#addr, this.#addrLen[0]!)];
      }
      const code = errno();
      // A connection that died before it was accepted is skipped.
      if (code === EINTR || code === ECONNABORTED || code === EPROTO) continue;
      if (code !== EAGAIN) throw errnoError(this.#lib, action, code);
      await this.#wait(POLLIN, options, deadline, action);
    }
  }

  /** Connects to an address, waiting while the system says it is in progress. */
  async connect(
    addr: SockAddr,
    options: WaitOptions,
    action: string,
  ): Promise<void> {
    const deadline = start(options);
    const raw = encodeAddr(addr);
    this.#check(action);
    if (this.#lib.connect(this.#fd, raw, raw.length) === 0) return;
    let code = errno();
    // A Unix listener with a full queue answers EAGAIN: try again shortly.
    while (code === EAGAIN || code === EINTR) {
      await this.#wait(POLLOUT, options, deadline, action, 10);
      this.#check(action);
      if (this.#lib.connect(this.#fd, raw, raw.length) === 0) return;
      code = errno();
    }
    if (code !== EINPROGRESS) throw errnoError(this.#lib, action, code);
    await this.#wait(POLLOUT, options, deadline, action);
    const soError = this.getInt(SOL_SOCKET, SO_ERROR, action);
    if (soError !== 0) throw errnoError(this.#lib, action, soError);
  }

  // recv, recvFrom and accept repeat one retry loop on purpose: a shared
  // loop taking the call as a closure made 64-byte seqpacket messages some
  // 20-40% slower (one call site for every libc call). send and recvMsg
  // make their first attempt in a plain method (#trySend, tryRecvMsg),
  // without an async function, and go async only to wait.

  /**
   * Sends `data` (to `to` when given) in one call; resolves to the bytes
   * sent. Waits while the send buffer is full.
   *
   * With `stamp` (16 bytes), the system's wall clock (CLOCK_REALTIME, the
   * clock of the receive timestamps of SO_TIMESTAMPNS) is read into it as a
   * `struct timespec` right before each attempt, so after the send it holds
   * the time of the one that went out (see {@linkcode timespecMs}).
   */
  send(
    data: Uint8Array,
    to: SockAddr | null,
    options: WaitOptions,
    action: string,
    stamp: Uint8Array | null = null,
  ): Promise<number> {
    // Not an async function: most sends go out at the first attempt, and
    // their promise is then made here, already resolved (an async function
    // cost some 0.2 us a send). Failures still come as rejections.
    try {
      const raw = to === null ? null : this.#encodeTo(to);
      const n = this.#trySend(data, raw, action, stamp);
      if (n >= 0) return Promise.resolve(n);
      return this.#sendWhenReady(data, raw, options, action, stamp);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** One send: the bytes sent, or -1 if the socket is not ready (EAGAIN). */
  #trySend(
    data: Uint8Array,
    raw: Uint8Array | null,
    action: string,
    stamp: Uint8Array | null,
  ): number {
    for (;;) {
      this.#check(action);
      if (stamp !== null) this.#lib.clock_gettime(CLOCK_REALTIME, stamp);
      const n = raw === null
        ? this.#lib.send(this.#fd, data, BigInt(data.length), MSG_NOSIGNAL)
        : this.#lib.sendto(
          this.#fd,
          data,
          BigInt(data.length),
          MSG_NOSIGNAL,
          raw,
          raw.length,
        );
      if (n >= 0) return Number(n);
      const code = errno();
      if (code === EINTR) continue;
      if (code !== EAGAIN) throw errnoError(this.#lib, action, code);
      return -1;
    }
  }

  /** The rest of a send whose first attempt found the socket not ready. */
  async #sendWhenReady(
    data: Uint8Array,
    raw: Uint8Array | null,
    options: WaitOptions,
    action: string,
    stamp: Uint8Array | null,
  ): Promise<number> {
    const deadline = start(options);
    for (;;) {
      await this.#wait(POLLOUT, options, deadline, action);
      const n = this.#trySend(data, raw, action, stamp);
      if (n >= 0) return n;
    }
  }

  /** `to` as the C struct: the last one's bytes when it is the same address. */
  #encodeTo(to: SockAddr): Uint8Array {
    const last = this.#lastTo;
    if (last !== null && sameAddr(last, to)) return this.#lastToBytes!;
    const bytes = encodeAddr(to);
    this.#lastTo = { ...to };
    this.#lastToBytes = bytes;
    return bytes;
  }

  /**
   * Receives into `buffer` with `flags`; resolves to what recvfrom returned
   * (with MSG_TRUNC: the real length of the message). Waits for readiness
   * first when nothing is there, so a wait that ends early takes nothing.
   */
  async recv(
    buffer: Uint8Array,
    flags: number,
    options: WaitOptions,
    action: string,
  ): Promise<number> {
    const deadline = start(options);
    for (;;) {
      this.#check(action);
      const n = this.#lib.recv(this.#fd, buffer, BigInt(buffer.length), flags);
      if (n >= 0) return Number(n);
      const code = errno();
      if (code === EINTR) continue;
      if (code !== EAGAIN) throw errnoError(this.#lib, action, code);
      await this.#wait(POLLIN, options, deadline, action);
    }
  }

  /** As {@linkcode FdSocket.recv}, with the sender's address. */
  async recvFrom(
    buffer: Uint8Array,
    flags: number,
    options: WaitOptions,
    action: string,
  ): Promise<[number, SockAddr]> {
    const deadline = start(options);
    // The address buffers are shared: read back in the step of the call.
    const addr = this.#addr;
    const addrLen = this.#addrLen;
    for (;;) {
      this.#check(action);
      addrLen[0] = SOCKADDR_SIZE;
      const n = this.#lib.recvfrom(
        this.#fd,
        buffer,
        BigInt(buffer.length),
        flags,
        addr,
        this.#addrLenBytes,
      );
      if (n >= 0) return [Number(n), decodeAddr(addr, addrLen[0]!)];
      const code = errno();
      if (code === EINTR) continue;
      if (code !== EAGAIN) throw errnoError(this.#lib, action, code);
      await this.#wait(POLLIN, options, deadline, action);
    }
  }

  /**
   * As {@linkcode FdSocket.recvFrom}, with the control messages (`cmsg`)
   * the system attached, such as the TTL a packet arrived with.
   *
   * With `copy`, `data` is an exact-size copy of the bytes received, taken
   * in the step of the call: `buffer` may then be one buffer shared by
   * receives waiting side by side. Without it `data` is null and the
   * caller reads `buffer`.
   *
   * `control` is a copy of the control messages, or with `readControl`
   * what it makes of them: it is called in the step of the call with the
   * socket's own control buffer and the length used, which it must not
   * keep (the next receive writes there).
   */
  recvMsg<C = Uint8Array>(
    buffer: Uint8Array,
    controlSize: number,
    flags: number,
    options: WaitOptions,
    action: string,
    copy = false,
    readControl: ((control: Uint8Array, length: number) => C) | null = null,
  ): Promise<ReceivedMessage<C>> {
    // Not an async function, as send(): a message already there is
    // handed back in a promise made here.
    try {
      const got = this.tryRecvMsg(
        buffer,
        controlSize,
        flags,
        action,
        copy,
        readControl,
      );
      if (got !== null) return Promise.resolve(got);
      return this.recvMsgWhenReady(
        buffer,
        controlSize,
        flags,
        options,
        action,
        copy,
        readControl,
      );
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * One receive of {@linkcode FdSocket.recvMsg}, in the step of the call:
   * the message, or `null` if none is there (EAGAIN). Throws what
   * `recvMsg` rejects with.
   */
  tryRecvMsg<C = Uint8Array>(
    buffer: Uint8Array,
    controlSize: number,
    flags: number,
    action: string,
    copy = false,
    readControl: ((control: Uint8Array, length: number) => C) | null = null,
  ): ReceivedMessage<C> | null {
    const m = this.#msgHeader ??= new MsgHeader(controlSize);
    for (;;) {
      this.#check(action);
      m.prepare(buffer, controlSize);
      const n = this.#lib.recvmsg(this.#fd, m.bytes, flags);
      if (n >= 0) {
        const size = Number(n);
        return {
          n: size,
          addr: decodeAddr(m.name, m.nameLength()),
          control: readControl === null
            ? m.controlBytes() as C
            : readControl(m.control, m.controlLength()),
          data: copy ? buffer.slice(0, Math.min(size, buffer.length)) : null,
        };
      }
      const code = errno();
      if (code === EINTR) continue;
      if (code !== EAGAIN) throw errnoError(this.#lib, action, code);
      return null;
    }
  }

  /**
   * {@linkcode FdSocket.recvMsg} after a first try found nothing: waits for
   * readiness, then receives.
   */
  async recvMsgWhenReady<C = Uint8Array>(
    buffer: Uint8Array,
    controlSize: number,
    flags: number,
    options: WaitOptions,
    action: string,
    copy = false,
    readControl: ((control: Uint8Array, length: number) => C) | null = null,
  ): Promise<ReceivedMessage<C>> {
    const deadline = start(options);
    for (;;) {
      await this.#wait(POLLIN, options, deadline, action);
      const got = this.tryRecvMsg(
        buffer,
        controlSize,
        flags,
        action,
        copy,
        readControl,
      );
      if (got !== null) return got;
    }
  }

  /** Sets an option to an int or to raw bytes. */
  setOption(
    level: number,
    name: number,
    value: number | Uint8Array,
    action: string,
  ): void {
    this.#check(action);
    const raw = typeof value === "number"
      ? new Uint8Array(new Int32Array([value]).buffer)
      : value;
    if (this.#lib.setsockopt(this.#fd, level, name, raw, raw.length) < 0) {
      throw this.#fail(action);
    }
  }

  /** Reads an option as up to `size` raw bytes. */
  getOption(
    level: number,
    name: number,
    size: number,
    action: string,
  ): Uint8Array {
    this.#check(action);
    const out = new Uint8Array(size);
    const len = new Uint32Array([size]);
    const rc = this.#lib.getsockopt(
      this.#fd,
      level,
      name,
      out,
      new Uint8Array(len.buffer),
    );
    if (rc < 0) throw this.#fail(action);
    return out.subarray(0, len[0]!);
  }

  /** Reads an int option. */
  getInt(level: number, name: number, action: string): number {
    const raw = this.getOption(level, name, 4, action);
    return new DataView(raw.buffer, raw.byteOffset, raw.byteLength).getInt32(
      0,
      true,
    );
  }

  /** The address the socket is bound to. */
  localAddr(action: string): SockAddr {
    this.#check(action);
    this.#addrLen[0] = SOCKADDR_SIZE;
    const rc = this.#lib.getsockname(
      this.#fd,
      this.#addr,
      this.#addrLenBytes,
    );
    if (rc < 0) throw this.#fail(action);
    return decodeAddr(this.#addr, this.#addrLen[0]!);
  }

  /** The address of the connected peer. */
  remoteAddr(action: string): SockAddr {
    this.#check(action);
    this.#addrLen[0] = SOCKADDR_SIZE;
    const rc = this.#lib.getpeername(
      this.#fd,
      this.#addr,
      this.#addrLenBytes,
    );
    if (rc < 0) throw this.#fail(action);
    return decodeAddr(this.#addr, this.#addrLen[0]!);
  }

  /** Shuts down one or both directions (SHUT_RD, SHUT_WR, SHUT_RDWR). */
  shutdown(how: number, action: string): void {
    this.#check(action);
    if (this.#lib.shutdown(this.#fd, how) < 0) throw this.#fail(action);
  }

  /**
   * Closes the socket. A wait in progress ends at once (it rejects with
   * `Deno.errors.BadResource`); the descriptor is closed when the last
   * wait has returned, which the promise tells. Idempotent.
   */
  close(): Promise<void> {
    if (!this.#closing) {
      this.#closing = true;
      for (const fd of this.#waking) wake(this.#lib, fd);
      if (this.#inFlight === 0) this.#release();
    }
    return this.#closed;
  }

  #release(): void {
    for (const fd of this.#spare) this.#lib.close(fd);
    this.#spare = [];
    this.#lib.close(this.#fd);
    releaseLibc();
    this.#resolveClosed();
  }

  #readyNow(events: number): boolean {
    const view = this.#pollOne;
    view.setInt32(0, this.#fd, true);
    view.setInt16(4, events, true);
    view.setInt16(6, 0, true);
    return this.#lib.pollNow(this.#pollOneBytes, 1n, 0) > 0;
  }

  /**
   * Waits until the socket is ready for `events` (or has an error or
   * hang-up), the deadline passes (TimedOut), the signal aborts (its
   * reason) or the socket is closed (BadResource). With `cap` it is a
   * pause of that many milliseconds instead (at most until the deadline),
   * before a retry the kernel does not announce: readiness is not asked,
   * since a socket that cannot connect yet may still read as writable.
   */
  async #wait(
    events: number,
    options: WaitOptions,
    deadline: number | null,
    action: string,
    cap = -1,
  ): Promise<void> {
    const signal = options.signal;
    if (signal?.aborted) throw signal.reason;
    if (options.timeout === 0) {
      throw new Deno.errors.WouldBlock(
        `Cannot ${action}: the socket is non-blocking and the operation would wait`,
      );
    }
    const lib = this.#lib;
    const pause = cap >= 0;
    // Before a wait off the main thread (tens of microseconds to hand
    // over): let the tasks queued on this thread run, since a peer in this
    // process may be about to answer, and look again without waiting.
    for (let i = 0; i < (pause ? 0 : SPINS); i++) {
      await Promise.resolve();
      if (this.#closing) {
        throw new Deno.errors.BadResource(
          `Cannot ${action}: the socket is closed`,
        );
      }
      if (signal?.aborted) throw signal.reason;
      if (this.#readyNow(events)) return;
    }
    const wakeFd = this.#spare.pop() ?? openEventFd(lib, action);
    this.#waking.add(wakeFd);
    const onAbort = () => wake(lib, wakeFd);
    signal?.addEventListener("abort", onAbort, { once: true });
    const fds = new Uint8Array(16);
    const view = new DataView(fds.buffer);
    // poll() skips a negative descriptor: a pause watches the eventfd only.
    view.setInt32(0, pause ? -1 : this.#fd, true);
    view.setInt16(4, events, true);
    view.setInt32(8, wakeFd, true);
    view.setInt16(12, POLLIN, true);
    this.#inFlight++;
    let woken = false;
    try {
      for (;;) {
        let wait = -1;
        if (deadline !== null) {
          wait = Math.max(0, Math.ceil(deadline - performance.now()));
        }
        if (pause && (wait < 0 || wait > cap)) wait = cap;
        view.setInt16(6, 0, true);
        view.setInt16(14, 0, true);
        const n = await lib.poll(fds, 2n, wait);
        if (this.#closing) {
          throw new Deno.errors.BadResource(
            `Cannot ${action}: the socket is closed`,
          );
        }
        if (signal?.aborted) {
          woken = true;
          throw signal.reason;
        }
        if (n > 0) {
          if ((view.getInt16(14, true) & POLLIN) !== 0) woken = true;
          if (view.getInt16(6, true) !== 0) return;
          if (woken) {
            drain(lib, wakeFd);
            woken = false;
          }
          continue;
        }
        if (n === 0) {
          if (deadline !== null && performance.now() >= deadline) {
            throw new Deno.errors.TimedOut(
              `Cannot ${action}: timed out after ${options.timeout} ms`,
            );
          }
          if (pause) return;
        }
        // n < 0: interrupted; poll again.
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
      this.#waking.delete(wakeFd);
      this.#inFlight--;
      if (this.#closing) {
        lib.close(wakeFd);
        if (this.#inFlight === 0) this.#release();
      } else {
        if (woken) drain(lib, wakeFd);
        this.#spare.push(wakeFd);
      }
    }
  }
}

/**
 * A `struct msghdr` with its name, `iovec` and control buffers, built once
 * per socket and reused: recvmsg is called synchronously, so two calls
 * never use it at the same time.
 */
class MsgHeader {
  readonly name = new Uint8Array(SOCKADDR_SIZE);
  readonly control: Uint8Array;
  readonly #iov = new BigUint64Array(2);
  readonly #msg = new BigUint64Array(7);
  readonly bytes = new Uint8Array(this.#msg.buffer);
  #data: Uint8Array | null = null;

  constructor(controlSize: number) {
    this.control = new Uint8Array(Math.max(controlSize, 64));
    this.#msg[0] = addressOf(this.name);
    this.#msg[2] = addressOf(this.#iov);
    this.#msg[3] = 1n;
    this.#msg[4] = addressOf(this.control);
  }

  /** Points the header at `data` and resets the lengths the call changes. */
  prepare(data: Uint8Array, controlSize: number): void {
    if (data !== this.#data) {
      this.#iov[0] = addressOf(data);
      this.#data = data;
    }
    this.#iov[1] = BigInt(data.length);
    this.#msg[1] = BigInt(SOCKADDR_SIZE);
    this.#msg[5] = BigInt(Math.min(controlSize, this.control.length));
    this.#msg[6] = 0n;
  }

  nameLength(): number {
    return Number(this.#msg[1]! & 0xffffffffn);
  }

  /** The length of the control messages the call returned. */
  controlLength(): number {
    return Number(this.#msg[5]!);
  }

  /** A copy of the control messages the call returned. */
  controlBytes(): Uint8Array {
    return this.control.slice(0, this.controlLength());
  }
}

function addressOf(buffer: ArrayBufferView): bigint {
  if (buffer.byteLength === 0) return 0n;
  return BigInt(
    Deno.UnsafePointer.value(
      Deno.UnsafePointer.of(buffer as ArrayBufferView<ArrayBuffer>),
    ),
  );
}

/** Whether two addresses are the same, field by field. */
function sameAddr(a: SockAddr, b: SockAddr): boolean {
  if (a.family !== b.family) return false;
  if (a.family === AF_UNIX) return a.path === (b as typeof a).path;
  if (a.hostname !== (b as typeof a).hostname) return false;
  if (a.port !== (b as typeof a).port) return false;
  return a.family === AF_INET || (a.flowinfo === (b as typeof a).flowinfo &&
    a.scopeId === (b as typeof a).scopeId);
}

function start(options: WaitOptions): number | null {
  return options.timeout === null || options.timeout === 0
    ? null
    : performance.now() + options.timeout;
}
