// Copyright 2026 the socketkit authors. MIT license.
// A Deno.Conn over a stream socket made through libc (one end of a
// socketpair), so that the public wrap() gives it every stream function.
// Internal.

import { SHUT_WR } from "./_ffi.ts";
import type { FdSocket } from "./_ffi_socket.ts";

const FOREVER = { timeout: null };

/**
 * The parts of `Deno.Conn` the stream functions use: `read` (null at the
 * end), `write`, `closeWrite`, `close` (a read or write in flight rejects
 * at once with `Deno.errors.BadResource`) and the addresses. A read and a
 * write may be in flight together.
 */
export class FdConn implements Deno.Conn<Deno.UnixAddr> {
  readonly #fd: FdSocket;
  readonly localAddr: Deno.UnixAddr = { transport: "unix", path: "" };
  readonly remoteAddr: Deno.UnixAddr = { transport: "unix", path: "" };
  #readable: ReadableStream<Uint8Array<ArrayBuffer>> | null = null;
  #writable: WritableStream<Uint8Array> | null = null;

  constructor(fd: FdSocket) {
    this.#fd = fd;
  }

  async read(p: Uint8Array): Promise<number | null> {
    if (p.length === 0) return 0;
    const n = await this.#fd.recv(p, 0, FOREVER, "read");
    return n === 0 ? null : n;
  }

  write(p: Uint8Array): Promise<number> {
    return this.#fd.send(p, null, FOREVER, "write");
  }

  closeWrite(): Promise<void> {
    try {
      this.#fd.shutdown(SHUT_WR, "closeWrite");
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  close(): void {
    if (this.#fd.closing) {
      throw new Deno.errors.BadResource("Cannot close: the socket is closed");
    }
    this.#fd.close();
  }

  /** Settles when the descriptor is closed (after what was in flight). */
  closed(): Promise<void> {
    return this.#fd.close();
  }

  /** Nothing to do: a pending wait keeps the process alive, as any socket. */
  ref(): void {}

  /** Not supported: a pending wait keeps the process alive. */
  unref(): void {}

  get readable(): ReadableStream<Uint8Array<ArrayBuffer>> {
    this.#readable ??= new ReadableStream<Uint8Array<ArrayBuffer>>({
      pull: async (controller) => {
        const buf = new Uint8Array(65_536);
        const n = await this.read(buf);
        if (n === null) {
          controller.close();
          this.#fd.close();
        } else {
          controller.enqueue(buf.subarray(0, n));
        }
      },
      cancel: () => {
        this.#fd.close();
      },
    });
    return this.#readable;
  }

  get writable(): WritableStream<Uint8Array> {
    this.#writable ??= new WritableStream<Uint8Array>({
      write: async (chunk) => {
        let sent = 0;
        while (sent < chunk.length) {
          sent += await this.write(chunk.subarray(sent));
        }
      },
      close: () => this.closeWrite(),
    });
    return this.#writable;
  }

  [Symbol.dispose](): void {
    this.#fd.close();
  }
}
