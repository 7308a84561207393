// Copyright 2026 the socketkit authors. MIT license.
// The write side of a stream socket: direct writes when idle, a bounded
// queue of copies otherwise, and batching. Internal.

import type { Deadline } from "./_timeout.ts";
import { ReadBuffer } from "./_read_buffer.ts";

/**
 * The most bytes a socket holds in its send queue (copies waiting for the
 * write in flight, or held for batching). A call that would go past it
 * waits for room.
 */
export const SEND_QUEUE_BYTES = 65_536;

function noop(): void {}

// Writers holding replies, and the one timer that sends what they hold on
// the next turn of the event loop at the latest: one timer for every
// socket, not one per batch of each. A batch sent because its reader came
// back leaves the timer armed (it then fires with nothing to do): arming
// and cancelling a timer for every batch cost more than a small request's
// own work in bench:redis, so it is armed at most once per turn. A socket that
// closes cancels it when nobody holds anything (the op sanitizer).
const holders = new Set<Writer>();
let holdTimer: ReturnType<typeof setTimeout> | undefined;

function hold(writer: Writer): void {
  if (writer.held) return;
  writer.held = true;
  holders.add(writer);
  holdTimer ??= setTimeout(flushHolders, 0);
}

function release(writer: Writer): void {
  if (!writer.held) return;
  writer.held = false;
  holders.delete(writer);
}

function forget(writer: Writer): void {
  release(writer);
  if (holders.size === 0 && holdTimer !== undefined) {
    clearTimeout(holdTimer);
    holdTimer = undefined;
  }
}

function flushHolders(): void {
  holdTimer = undefined;
  const writers = [...holders];
  holders.clear();
  for (const writer of writers) {
    writer.held = false;
    writer.flush();
  }
}

// Queues whose bytes were all written, kept for the next batch of any
// socket: a queue made anew for each batch cost an array allocation per
// batch (typed arrays are slow to make: bench/buffer_cases.ts), and an
// idle connection holds none.
const spares: ReadBuffer[] = [];
const MAX_SPARES = 16;
const MAX_SPARE_BYTES = 16_384;

function spare(): ReadBuffer {
  return spares.pop() ?? new ReadBuffer();
}

function recycle(queue: ReadBuffer): void {
  if (spares.length < MAX_SPARES && queue.capacity <= MAX_SPARE_BYTES) {
    queue.clear();
    spares.push(queue);
  }
}

/** What the writer needs from its socket. */
export interface WriterHost {
  /** Writes once: the connection's `write`. */
  writeOnce(data: Uint8Array): Promise<number>;
  /** Whether to hold queued bytes a little (more requests are buffered). */
  holding(): boolean;
  /** Describes `op` on this socket for messages: `sendAll to 127.0.0.1:80`. */
  action(op: string): string;
  /** Maps a write failure to the error to report, naming the action. */
  failure(action: string, err: unknown): Error;
}

/**
 * Writes bytes in order, never splicing one call's bytes into another's.
 *
 * - Idle and with no deadline, a call writes straight from the caller's
 *   array and settles once every byte is written (the fast path).
 * - Otherwise the bytes are copied into a queue of at most
 *   {@linkcode SEND_QUEUE_BYTES}, and the call settles as soon as they are
 *   queued: the caller's array is the caller's again. One pump writes the
 *   queue, coalescing what queued up while a write was in flight.
 * - While more requests wait in the read buffer, queued replies are held
 *   and go out together: when the reader must wait for the peer, when the
 *   queue fills, or on the next turn of the event loop at the latest.
 * - A failure writing queued bytes makes the write side unusable; it is
 *   reported by the next call and by {@linkcode Writer.close}.
 * - A sendAll whose deadline fires after part of its bytes were queued
 *   also makes the write side unusable (those bytes still go out, and the
 *   peer must not mistake what follows for their rest).
 */
export class Writer {
  readonly #host: WriterHost;
  /** Bytes written to the connection. */
  written = 0;
  /** Whether the writer is among those holding replies (see hold()). */
  held = false;
  #queue: ReadBuffer | null = null;
  /** Bytes queued and not yet written (those of the write in flight included). */
  #queued = 0;
  /** Whether a write (direct or the pump's) is in flight. */
  #busy = false;
  #idle: Promise<void> | null = null;
  #idleResolve: (() => void) | null = null;
  #roomWaiters: (() => void)[] | null = null;
  /** Why the write side is unusable; `reported` once a caller has seen it. */
  #failure: Error | null = null;
  #reported = true;
  /** Why later writes are refused after a sendAll cut short by its deadline. */
  #cut: Error | null = null;
  #shut = false;

  constructor(host: WriterHost) {
    this.#host = host;
  }

  /** Whether nothing is queued or in flight. */
  get idle(): boolean {
    return !this.#busy && this.#queued === 0;
  }

  /**
   * Whether bytes that callers were told are sent still wait in the queue,
   * and are worth waiting for at close (no failure, no cut).
   */
  get owed(): boolean {
    return this.#queued > 0 && this.#failure === null && this.#cut === null;
  }

  /** The error that makes the write side unusable, if any. */
  get failure(): Error | null {
    return this.#failure;
  }

  /**
   * Throws when the write side cannot take more bytes: a failure, or a
   * send cut short by its deadline. (After {@linkcode Writer.shut} the
   * socket says so itself, see `shutDown`.)
   */
  check(): void {
    this.checkFailure();
    if (this.#cut !== null) throw this.#cut;
  }

  /** Throws the failure that made the write side unusable, if any. */
  checkFailure(): void {
    if (this.#failure !== null) {
      this.#reported = true;
      throw this.#failure;
    }
  }

  /**
   * Writes `data`: every byte when `all`, else at least one (a count is
   * returned). `deadline` bounds the wait for room in the queue; `null`
   * with `forever` waits as long as it takes.
   */
  send(
    data: Uint8Array,
    all: boolean,
    deadline: Deadline | null,
    op: string,
  ): Promise<number> {
    if (!this.#busy && this.#queued === 0 && deadline === null) {
      if (data.length <= SEND_QUEUE_BYTES && this.#host.holding()) {
        this.#enqueue(data, 0, data.length);
        return Promise.resolve(data.length);
      }
      return this.#direct(data, all, op);
    }
    if (data.length <= SEND_QUEUE_BYTES - this.#queued) {
      this.#enqueue(data, 0, data.length);
      return Promise.resolve(data.length);
    }
    return this.#sendQueued(data, all, deadline, op);
  }

  /** The fast path: straight from the caller's array, settling when written. */
  #direct(data: Uint8Array, all: boolean, op: string): Promise<number> {
    this.#busy = true;
    let write: Promise<number>;
    try {
      write = this.#host.writeOnce(data);
    } catch (err) {
      const failure = this.#fail(op, err, true);
      this.#done();
      return Promise.reject(failure);
    }
    return write.then(
      (n) => {
        this.written += n;
        if (all && n < data.length) return this.#directRest(data, n, op);
        this.#done();
        return n;
      },
      (err) => {
        const failure = this.#fail(op, err, true);
        this.#done();
        throw failure;
      },
    );
  }

  async #directRest(data: Uint8Array, sent: number, op: string) {
    try {
      while (sent < data.length) {
        const n = await this.#host.writeOnce(data.subarray(sent));
        this.written += n;
        sent += n;
      }
    } catch (err) {
      const failure = this.#fail(op, err, true);
      this.#done();
      throw failure;
    }
    this.#done();
    return sent;
  }

  /** Copies `data[from, to)` into the queue and starts the pump unless holding. */
  #enqueue(data: Uint8Array, from: number, to: number): void {
    const queue = this.#queue ??= spare();
    queue.append(
      from === 0 && to === data.length ? data : data.subarray(from, to),
    );
    this.#queued += to - from;
    this.#kick(false);
  }

  /** Queues `data` piece by piece as room frees up, under `deadline`. */
  async #sendQueued(
    data: Uint8Array,
    all: boolean,
    deadline: Deadline | null,
    op: string,
  ): Promise<number> {
    let accepted = 0;
    try {
      for (;;) {
        const room = SEND_QUEUE_BYTES - this.#queued;
        if (room > 0) {
          const n = Math.min(room, data.length - accepted);
          this.#enqueue(data, accepted, accepted + n);
          accepted += n;
          if (accepted === data.length || !all) return accepted;
        }
        // A deadline that fired as room came stops here, not after more.
        if (deadline !== null && deadline.fired) await deadline.expired;
        await this.#room(deadline);
        this.checkFailure();
      }
    } catch (err) {
      if (deadline !== null && deadline.caused(err) && accepted > 0) {
        this.#cut = new Deno.errors.InvalidData(
          `Cannot ${
            this.#host.action(op)
          }: the write side is unusable since an earlier ${op} was cut short by its deadline after ${accepted} of ${data.length} bytes (the peer would take what follows for the rest); shutdown or close the socket`,
        );
        // An abort rejects with the signal's reason, unchanged; our own
        // timeout error says what was sent.
        if (!deadline.timedOut) throw err;
        const Err = (err as Error).constructor as ErrorConstructor;
        throw new Err(
          `${
            (err as Error).message
          }; ${accepted} of ${data.length} bytes were sent, so the write side is now unusable`,
          { cause: err },
        );
      }
      throw err;
    }
  }

  /** Waits until the queue has room, or rejects as `deadline` does. */
  #room(deadline: Deadline | null): Promise<void> {
    let resolve!: () => void;
    const room = new Promise<void>((r) => resolve = r);
    (this.#roomWaiters ??= []).push(resolve);
    if (deadline === null) return room;
    return deadline.race(room).catch((err) => {
      const waiters = this.#roomWaiters;
      const i = waiters === null ? -1 : waiters.indexOf(resolve);
      if (i >= 0) waiters!.splice(i, 1);
      throw err;
    });
  }

  #wakeRoom(): void {
    const waiters = this.#roomWaiters;
    if (waiters === null) return;
    this.#roomWaiters = null;
    for (const wake of waiters) wake();
  }

  /**
   * Starts the pump when bytes are queued and nothing is in flight, unless
   * they are held (`force` ignores the hold).
   */
  #kick(force: boolean): void {
    if (this.#busy || this.#queued === 0) return;
    if (
      !force && this.#queued < SEND_QUEUE_BYTES && this.#failure === null &&
      this.#host.holding()
    ) {
      hold(this);
      return;
    }
    release(this);
    this.#busy = true;
    this.#pump().catch(noop);
  }

  /** Sends what is held now: the reader is about to wait for the peer. */
  flush(): void {
    if (this.#queued > 0) this.#kick(true);
  }

  async #pump(): Promise<void> {
    try {
      while (this.#queued > 0 && this.#failure === null) {
        const out = this.#queue!;
        this.#queue = null;
        let sent = 0;
        const size = out.size;
        while (sent < size) {
          const n = await this.#host.writeOnce(out.view(sent, size));
          sent += n;
          this.written += n;
          this.#queued -= n;
          this.#wakeRoom();
        }
        recycle(out);
      }
    } catch (err) {
      this.#fail("send", err, false);
    }
    this.#done();
  }

  /** A write failed: the write side is unusable from now on. */
  #fail(op: string, err: unknown, reported: boolean): Error {
    const failure = this.#host.failure(this.#host.action(op), err);
    if (this.#failure === null) {
      this.#failure = failure;
      this.#reported = reported;
    }
    this.#queue = null;
    this.#queued = 0;
    this.#wakeRoom();
    return failure;
  }

  /** Nothing is in flight any more: start the pump or tell the waiters. */
  #done(): void {
    this.#busy = false;
    if (this.#queued > 0 && this.#failure === null) return this.#kick(false);
    if (this.#idleResolve !== null) {
      const resolve = this.#idleResolve;
      this.#idleResolve = null;
      this.#idle = null;
      resolve();
    }
  }

  /** Resolves once nothing is queued or in flight, or rejects as `deadline` does. */
  drain(deadline: Deadline | null): Promise<void> {
    if (this.idle) return Promise.resolve();
    this.flush();
    const idle = this.#idle ??= new Promise<void>((r) => this.#idleResolve = r);
    return deadline === null ? idle : deadline.race(idle);
  }

  /** Whether {@linkcode Writer.shut} was called. */
  get shutDown(): boolean {
    return this.#shut;
  }

  /** Refuses later writes (after the connection's write side is shut). */
  shut(): void {
    this.#shut = true;
  }

  /**
   * Forgets what is queued and reports a failure nobody has seen yet (the
   * socket is closing). Returns that failure, or null.
   */
  close(): Error | null {
    forget(this);
    this.#queue = null;
    this.#queued = 0;
    this.#wakeRoom();
    const unreported = this.#reported ? null : this.#failure;
    this.#reported = true;
    return unreported;
  }
}
