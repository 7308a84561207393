// Copyright 2026 the socketkit authors. MIT license.
// The server side of STARTTLS through node:tls, which Deno runs over any
// duplex stream (Deno.startTls is client-only). Internal: loaded by tls.ts
// only when a plain socket is upgraded on the server side.

import { Buffer } from "node:buffer";
import { Duplex } from "node:stream";
import tls from "node:tls";
import { close, recv, sendAll, shutdown, type StreamSocket } from "./tcp.ts";

/**
 * A node:tls error as the `Deno.errors` class Deno's own TLS would raise:
 * TLS failures (`ERR_SSL_*`) are `InvalidData`, resets `ConnectionReset`,
 * keeping the code and the original as `cause`.
 */
function denoError(err: unknown): Error {
  if (!(err instanceof Error)) return new Error(String(err));
  const code = (err as { code?: unknown }).code;
  if (typeof code !== "string") return err;
  const Class = code.startsWith("ERR_SSL_")
    ? Deno.errors.InvalidData
    : code === "ECONNRESET"
    ? Deno.errors.ConnectionReset
    : code === "EPIPE"
    ? Deno.errors.BrokenPipe
    : null;
  if (Class === null) return err;
  const mapped = new Class(err.message, { cause: err });
  Object.defineProperty(mapped, "code", { value: code, enumerable: true });
  return mapped;
}

/** A node duplex stream over a plain stream socket: the TLS layer's transport. */
function duplexOf(sock: StreamSocket): Duplex {
  return new Duplex({
    read() {
      recv(sock).then(
        (data) => this.push(data),
        (err) => this.destroy(err),
      );
    },
    write(chunk: Uint8Array, _encoding, callback) {
      sendAll(sock, chunk).then(() => callback(), callback);
    },
    final(callback) {
      shutdown(sock, "write").then(() => callback(), callback);
    },
    destroy(_err, callback) {
      close(sock).then(() => callback(null), callback);
    },
  });
}

/**
 * A `Deno.Conn` (the part the stream socket uses: read, write, closeWrite,
 * close, handshake, addresses) over a node `TLSSocket`, so `wrap()` adopts
 * it like any other connection.
 */
class NodeTlsConn {
  readonly localAddr: Deno.NetAddr;
  readonly remoteAddr: Deno.NetAddr;
  readonly rid = -1;
  readonly #socket: tls.TLSSocket;
  readonly #chunks: Uint8Array[] = [];
  #ended = false;
  #error: Error | null = null;
  #wake: (() => void) | null = null;
  #secure: Promise<Deno.TlsHandshakeInfo>;

  constructor(socket: tls.TLSSocket, plain: StreamSocket<Deno.NetAddr>) {
    this.#socket = socket;
    this.localAddr = plain.localAddr;
    this.remoteAddr = plain.remoteAddr;
    this.#secure = new Promise((resolve, reject) => {
      socket.once("secure", () => {
        const alpn = socket.alpnProtocol;
        resolve({ alpnProtocol: typeof alpn === "string" ? alpn : null });
      });
      socket.once("error", (err) => reject(denoError(err)));
      // Deno's node:tls ends the stream, without an error or a close, when
      // the transport ends before the handshake does.
      const ended = () =>
        reject(
          new Deno.errors.UnexpectedEof(
            "the connection closed during the TLS handshake",
          ),
        );
      socket.once("end", ended);
      socket.once("close", ended);
    });
    this.#secure.catch(() => {});
    socket.on("data", (chunk: Buffer) => {
      this.#chunks.push(chunk);
      socket.pause();
      this.#notify();
    });
    socket.on("end", () => {
      this.#ended = true;
      this.#notify();
    });
    socket.on("error", (err: Error) => {
      this.#error = denoError(err);
      this.#notify();
    });
    socket.on("close", () => {
      this.#ended = true;
      this.#notify();
    });
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  handshake(): Promise<Deno.TlsHandshakeInfo> {
    return this.#secure;
  }

  async read(p: Uint8Array): Promise<number | null> {
    while (this.#chunks.length === 0) {
      if (this.#error !== null) throw this.#error;
      if (this.#ended) return null;
      this.#socket.resume();
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
    const chunk = this.#chunks[0]!;
    const n = Math.min(p.length, chunk.length);
    p.set(chunk.subarray(0, n));
    if (n === chunk.length) this.#chunks.shift();
    else this.#chunks[0] = chunk.subarray(n);
    return n;
  }

  write(p: Uint8Array): Promise<number> {
    if (this.#error !== null) return Promise.reject(this.#error);
    const copy = Buffer.from(p);
    return new Promise((resolve, reject) => {
      this.#socket.write(
        copy,
        (err) => err ? reject(denoError(err)) : resolve(p.length),
      );
    });
  }

  closeWrite(): Promise<void> {
    return new Promise((resolve) => this.#socket.end(resolve));
  }

  close(): void {
    this.#socket.destroy();
    this.#ended = true;
    this.#notify();
  }

  ref(): void {}

  unref(): void {}

  [Symbol.dispose](): void {
    this.close();
  }
}

/** What {@linkcode serverConn} needs: the server's certificate and key. */
export interface ServerTlsOptions {
  cert: string;
  key: string;
  alpnProtocols?: string[];
}

/**
 * Starts the server side of TLS over a connected plain socket; bytes it
 * has buffered are the first bytes the TLS layer reads. The returned
 * connection's `handshake()` settles when the handshake does.
 */
export function serverConn(
  plain: StreamSocket<Deno.NetAddr>,
  options: ServerTlsOptions,
): Deno.TlsConn {
  const socket = new tls.TLSSocket(duplexOf(plain), {
    isServer: true,
    secureContext: tls.createSecureContext({
      cert: options.cert,
      key: options.key,
    }),
    ...(options.alpnProtocols !== undefined
      ? { ALPNProtocols: options.alpnProtocols }
      : {}),
  });
  return new NodeTlsConn(socket, plain) as unknown as Deno.TlsConn;
}
