// Copyright 2026 the socketkit authors. MIT license.
// Web streams as an opt-in view of a stream socket. The core never uses
// them: it reads with conn.read() so that half-closed conversations work
// (conn.readable closes the resource when the peer half-closes).

import { show } from "./_errors.ts";
import {
  checkSock,
  DEFAULT_RECV_BYTES,
  recv,
  sendAll,
  shutdown,
  type StreamSocket,
} from "./_stream.ts";

/** Options for {@linkcode readable}. */
export interface ReadableOptions {
  /**
   * The most bytes in one chunk of the stream.
   *
   * @default {65536}
   */
  chunkBytes?: number;
}

/**
 * A `ReadableStream` of the bytes the socket receives, for code written
 * against web streams (`pipeTo`, `TextDecoderStream`, `for await`).
 *
 * It starts with what the socket has already buffered, then reads on demand
 * (nothing is read ahead, so the socket stays usable by {@linkcode recv}
 * once the stream's reader is released). It closes at end of stream.
 * Cancelling the stream does not close the socket; closing the socket
 * errors the stream.
 *
 * Requires `allow-net` permission.
 *
 * @param sock The socket.
 * @param options The chunk size.
 * @returns The stream.
 * @throws {TypeError} If `sock` is not a stream socket.
 * @throws {RangeError} If `chunkBytes` is not a positive integer.
 *
 * @example Decode text with web streams
 * ```ts
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * await using client = await tcp.connect(server.addr);
 * await using peer = await accepted;
 * await tcp.sendAll(client, "héllo, ");
 * await tcp.sendAll(client, "world");
 * await tcp.shutdown(client);
 * const text = await new Response(tcp.readable(peer)).text();
 * assert.equal(text, "héllo, world");
 * ```
 *
 * @tags allow-net
 */
export function readable(
  sock: StreamSocket,
  options: ReadableOptions = {},
): ReadableStream<Uint8Array> {
  checkSock(sock, "make a readable stream");
  const chunkBytes = options.chunkBytes ?? DEFAULT_RECV_BYTES;
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1) {
    throw new RangeError(
      `Cannot make a readable stream as chunkBytes must be an integer from 1 up: current value is ${
        show(chunkBytes)
      }`,
    );
  }
  // Cancelling aborts the receive in flight: its read stays with the
  // socket, and the bytes it brings go to the next receive.
  const cancelled = new AbortController();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let data: Uint8Array | null;
      try {
        data = await recv(sock, chunkBytes, { signal: cancelled.signal });
      } catch (err) {
        if (cancelled.signal.aborted) return;
        throw err;
      }
      if (data === null) controller.close();
      else controller.enqueue(data);
    },
    cancel(reason) {
      cancelled.abort(reason ?? new DOMException("cancelled", "AbortError"));
    },
  }, { highWaterMark: 0 });
}

/**
 * A `WritableStream` that sends each chunk with {@linkcode sendAll}; closing
 * the stream half-closes the socket (`shutdown(sock, "write")`), so the peer
 * sees end of stream and can still answer. Strings are sent as UTF-8.
 *
 * Requires `allow-net` permission.
 *
 * @param sock The socket.
 * @returns The stream.
 * @throws {TypeError} If `sock` is not a stream socket.
 *
 * @example Pipe a web stream into a socket
 * ```ts
 * import { tcp } from "@socketkit/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = tcp.accept(server);
 * await using client = await tcp.connect(server.addr);
 * await using peer = await accepted;
 * await ReadableStream.from(["one\n", "two\n"]).pipeTo(tcp.writable(client));
 * assert.equal(await tcp.recvLine(peer), "one");
 * assert.equal(await tcp.recvLine(peer), "two");
 * assert.equal(await tcp.recvLine(peer), null);
 * ```
 *
 * @tags allow-net
 */
export function writable(
  sock: StreamSocket,
): WritableStream<Uint8Array | string> {
  checkSock(sock, "make a writable stream");
  return new WritableStream<Uint8Array | string>({
    write(chunk) {
      return sendAll(sock, chunk);
    },
    close() {
      return shutdown(sock, "write");
    },
  });
}
