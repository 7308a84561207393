// Copyright 2026 the socketkit authors. MIT license.
// Python's socket.makefile() for the socket.ts facade: a buffered file over a
// socket's recv and sendall. Internal: socket.ts exports it.

import { show } from "./_errors.ts";

/** What a {@linkcode SocketFile} needs of its socket: recv and sendall. */
interface FileSocket {
  recv(bufsize: number): Promise<Uint8Array>;
  sendall(data: Uint8Array | string): Promise<void>;
}

/** How much each receive asks for, as Python's `io.DEFAULT_BUFFER_SIZE` rounds up to. */
const CHUNK = 65_536;

/** Python's keyword arguments of `makefile` after `mode`. */
export interface MakefileOptions {
  /**
   * The text encoding; only UTF-8 is supported (`"utf-8"`, `"utf8"`).
   *
   * @default {"utf-8"}
   */
  encoding?: string;
  /**
   * Text mode's line endings, as Python's `newline`: `null` reads `\n`,
   * `\r\n` and `\r` all as `\n`; `""` ends lines at any of them and keeps
   * them; `"\n"`, `"\r\n"` or `"\r"` ends lines there only, and writing
   * turns `\n` into it.
   *
   * @default {null}
   */
  newline?: string | null;
}

/**
 * The file `socket.makefile()` returns, as Python's: `readline`, `read`,
 * `readlines`, `write`, `flush`, `close`, and `for await` over the lines.
 * Text mode (`"r"`, `"w"`, `"rw"`) reads and writes strings as UTF-8;
 * binary mode (`"rb"`, `"wb"`, `"rwb"`) reads and writes bytes. Reads are
 * buffered: bytes the file has taken from the socket are not seen by the
 * socket's own `recv`, as in Python. Writes go to the socket at once, so
 * `flush` has nothing to do. Closing the file leaves the socket open.
 *
 * @typeParam T `string` in text mode, `Uint8Array` in binary mode.
 *
 * @example Read a line-based reply, as Python's `f = s.makefile("r")`
 * ```ts
 * import * as socket from "@socketkit/socket/socket";
 * import assert from "node:assert/strict";
 *
 * await using server = socket.create_server(["127.0.0.1", 0]);
 * await using client = await socket.create_connection(server.getsockname() as socket.InetAddress, 5);
 * const [conn] = await server.accept();
 * await conn.sendall("220 ready\r\nbye\n");
 * await conn.close();
 *
 * await using f = client.makefile("r");
 * assert.equal(await f.readline(), "220 ready\n");
 * assert.equal(await f.readline(), "bye\n");
 * assert.equal(await f.readline(), "");
 * ```
 */
export class SocketFile<T extends string | Uint8Array>
  implements AsyncDisposable, AsyncIterable<T> {
  readonly #sock: FileSocket;
  readonly #mode: string;
  readonly #binary: boolean;
  readonly #newline: string | null;
  readonly #decoder = new TextDecoder();
  readonly #encoder = new TextEncoder();
  /** Binary mode's bytes taken from the socket and not yet read. */
  #bytes: Uint8Array = new Uint8Array(0);
  /** Text mode's characters taken from the socket and not yet read. */
  #text = "";
  /** A `\r` held back in universal mode until the next byte says if `\n` follows. */
  #pendingCr = false;
  #eof = false;
  #closed = false;

  /**
   * Made by `Socket.makefile`; see there.
   *
   * @param sock The socket.
   * @param mode `"r"`, `"w"`, `"rw"`, with `"b"` for binary.
   * @param options Encoding and newline.
   */
  constructor(
    sock: FileSocket,
    mode: string = "r",
    options: MakefileOptions = {},
  ) {
    if (
      typeof mode !== "string" || !/^[rwb]+$/.test(mode) ||
      new Set(mode).size !== mode.length
    ) {
      throw new TypeError(
        `Cannot makefile as mode must be "r", "w", "rw", "rb", "wb" or "rwb": current value is ${
          show(mode)
        }`,
      );
    }
    this.#sock = sock;
    this.#mode = mode.includes("r") || mode.includes("w") ? mode : `r${mode}`;
    this.#binary = mode.includes("b");
    const encoding = options.encoding ?? "utf-8";
    if (!/^utf-?8$/i.test(encoding)) {
      throw new TypeError(
        `Cannot makefile as encoding must be "utf-8": current value is ${
          show(encoding)
        }`,
      );
    }
    const newline = options.newline ?? null;
    if (
      newline !== null && newline !== "" && newline !== "\n" &&
      newline !== "\r" && newline !== "\r\n"
    ) {
      throw new TypeError(
        `Cannot makefile as newline must be null, "", "\\n", "\\r" or "\\r\\n": current value is ${
          show(newline)
        }`,
      );
    }
    if (this.#binary && newline !== null) {
      throw new TypeError(
        `Cannot makefile as binary mode takes no newline: current value is ${
          show(newline)
        }`,
      );
    }
    this.#newline = newline;
  }

  /** The mode given to `makefile`. */
  get mode(): string {
    return this.#mode;
  }

  /** Whether `close` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  #check(action: string, need: "r" | "w"): void {
    if (this.#closed) {
      throw new Deno.errors.BadResource(
        `Cannot ${action}: the file is closed`,
      );
    }
    if (!this.#mode.includes(need)) {
      throw new Deno.errors.NotSupported(
        `Cannot ${action}: the file was made with mode ${
          show(this.#mode)
        }, not for ${need === "r" ? "reading" : "writing"}`,
      );
    }
  }

  /** Takes one more chunk from the socket; false at end of stream. */
  async #fill(): Promise<boolean> {
    if (this.#eof) return false;
    const chunk = await this.#sock.recv(CHUNK);
    if (chunk.length === 0) this.#eof = true;
    if (this.#binary) {
      if (chunk.length > 0) {
        const joined = new Uint8Array(this.#bytes.length + chunk.length);
        joined.set(this.#bytes);
        joined.set(chunk, this.#bytes.length);
        this.#bytes = joined;
      }
      return chunk.length > 0;
    }
    let text = chunk.length > 0
      ? this.#decoder.decode(chunk, { stream: true })
      : this.#decoder.decode();
    if (this.#newline === null) {
      if (this.#pendingCr) text = `\r${text}`;
      this.#pendingCr = !this.#eof && text.endsWith("\r");
      if (this.#pendingCr) text = text.slice(0, -1);
      text = text.replace(/\r\n?/g, "\n");
    }
    this.#text += text;
    return chunk.length > 0;
  }

  /** Where the first line in the buffer ends (past its ending), or -1. */
  #lineEnd(): number {
    if (this.#binary) {
      const at = this.#bytes.indexOf(0x0a);
      return at < 0 ? -1 : at + 1;
    }
    const text = this.#text;
    switch (this.#newline) {
      case null:
      case "\n": {
        const at = text.indexOf("\n");
        return at < 0 ? -1 : at + 1;
      }
      case "\r\n": {
        const at = text.indexOf("\r\n");
        return at < 0 ? -1 : at + 2;
      }
      case "\r": {
        const at = text.indexOf("\r");
        return at < 0 ? -1 : at + 1;
      }
      default: {
        // "": any of \n, \r\n, \r; a \r at the end waits for the next byte.
        const at = text.search(/[\r\n]/);
        if (at < 0) return -1;
        if (text[at] === "\n") return at + 1;
        if (at + 1 < text.length) {
          return text[at + 1] === "\n" ? at + 2 : at + 1;
        }
        return this.#eof ? at + 1 : -1;
      }
    }
  }

  #take(n: number): T {
    if (this.#binary) {
      const out = this.#bytes.slice(0, n);
      this.#bytes = this.#bytes.subarray(n);
      return out as T;
    }
    const out = this.#text.slice(0, n);
    this.#text = this.#text.slice(n);
    return out as T;
  }

  #buffered(): number {
    return this.#binary ? this.#bytes.length : this.#text.length;
  }

  /**
   * Reads one line, with its ending, as Python's `readline`: empty at the
   * end of the stream; a last line without an ending comes back as it is.
   *
   * @param size The most characters (bytes in binary mode) to return; -1
   * (default) for no limit.
   * @returns The line, or `""` (`b""`) at end of stream.
   * @throws {socket.TimeoutError} If the socket's timeout runs out; what
   * was read so far stays in the file.
   *
   * @example Read lines until the end
   * ```ts
   * import * as socket from "@socketkit/socket/socket";
   * import assert from "node:assert/strict";
   *
   * const [a, b] = socket.socketpair();
   * await using _a = a;
   * await using _b = b;
   * await a.sendall("one\ntwo");
   * await a.shutdown(socket.SHUT_WR);
   * const f = b.makefile("rb");
   * assert.deepEqual(await f.readline(), new TextEncoder().encode("one\n"));
   * assert.deepEqual(await f.readline(), new TextEncoder().encode("two"));
   * assert.equal((await f.readline()).length, 0);
   * ```
   */
  async readline(size: number = -1): Promise<T> {
    this.#check("readline", "r");
    checkSize(size, "readline");
    while (true) {
      const end = this.#lineEnd();
      if (end >= 0) return this.#take(size >= 0 ? Math.min(size, end) : end);
      if (size >= 0 && this.#buffered() >= size) return this.#take(size);
      if (!(await this.#fill()) && this.#eof) {
        const end = this.#lineEnd();
        const n = end >= 0 ? end : this.#buffered();
        return this.#take(size >= 0 ? Math.min(size, n) : n);
      }
    }
  }

  /**
   * Reads `size` characters (bytes in binary mode), fewer only at end of
   * stream, as Python's `read`; with no size, everything to the end.
   *
   * @param size How much to read; -1 (default) for all until end of stream.
   * @returns What was read; empty at end of stream.
   *
   * @example Read a fixed-size header
   * ```ts
   * import * as socket from "@socketkit/socket/socket";
   * import assert from "node:assert/strict";
   *
   * const [a, b] = socket.socketpair();
   * await using _a = a;
   * await using _b = b;
   * await a.sendall("HDR:payload");
   * await a.shutdown(socket.SHUT_WR);
   * const f = b.makefile("r");
   * assert.equal(await f.read(4), "HDR:");
   * assert.equal(await f.read(), "payload");
   * assert.equal(await f.read(), "");
   * ```
   */
  async read(size: number = -1): Promise<T> {
    this.#check("read", "r");
    checkSize(size, "read");
    while (size < 0 || this.#buffered() < size) {
      if (!(await this.#fill()) && this.#eof) break;
    }
    return this.#take(
      size < 0 ? this.#buffered() : Math.min(size, this.#buffered()),
    );
  }

  /**
   * Reads every line to the end of the stream, as Python's `readlines`.
   *
   * @returns The lines, each with its ending.
   *
   * @example All the lines
   * ```ts
   * import * as socket from "@socketkit/socket/socket";
   * import assert from "node:assert/strict";
   *
   * const [a, b] = socket.socketpair();
   * await using _a = a;
   * await using _b = b;
   * await a.sendall("a\r\nb\n");
   * await a.shutdown(socket.SHUT_WR);
   * assert.deepEqual(await b.makefile("r").readlines(), ["a\n", "b\n"]);
   * ```
   */
  async readlines(): Promise<T[]> {
    const lines: T[] = [];
    for await (const line of this) lines.push(line);
    return lines;
  }

  /**
   * Writes all of `data` to the socket (`sendall`), as Python's `write`
   * followed by `flush`: text as UTF-8, with `\n` turned into the
   * `newline` given to `makefile`.
   *
   * @param data A string in text mode, bytes in binary mode.
   * @returns How many characters (bytes) were written: all of them.
   *
   * @example Write a line
   * ```ts
   * import * as socket from "@socketkit/socket/socket";
   * import assert from "node:assert/strict";
   *
   * const [a, b] = socket.socketpair();
   * await using _a = a;
   * await using _b = b;
   * const f = a.makefile("w", { newline: "\r\n" });
   * assert.equal(await f.write("HELO x\n"), 7);
   * await f.flush();
   * assert.equal(new TextDecoder().decode(await b.recv(64)), "HELO x\r\n");
   * ```
   */
  async write(data: T): Promise<number> {
    this.#check("write", "w");
    if (this.#binary) {
      if (!(data instanceof Uint8Array)) {
        throw new TypeError(
          `Cannot write as data must be a Uint8Array in binary mode: current value is ${
            show(data)
          }`,
        );
      }
      await this.#sock.sendall(data);
      return data.length;
    }
    if (typeof data !== "string") {
      throw new TypeError(
        `Cannot write as data must be a string in text mode: current value is ${
          show(data)
        }`,
      );
    }
    const nl = this.#newline;
    const text = nl === null || nl === "" || nl === "\n"
      ? data
      : data.replaceAll("\n", nl);
    await this.#sock.sendall(this.#encoder.encode(text));
    return data.length;
  }

  /**
   * Python's `flush`: writes already went out, so this only checks that
   * the file is open.
   *
   * @example Nothing to do
   * ```ts
   * import * as socket from "@socketkit/socket/socket";
   *
   * const [a, b] = socket.socketpair();
   * await using _a = a;
   * await using _b = b;
   * await a.makefile("wb").flush();
   * ```
   */
  flush(): Promise<void> {
    try {
      this.#check("flush", "w");
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Closes the file, not the socket, as Python's (the socket closes with its
   * own `close`). Bytes read ahead and not yet read are dropped. Idempotent.
   *
   * @example Close the file, keep the socket
   * ```ts
   * import * as socket from "@socketkit/socket/socket";
   * import assert from "node:assert/strict";
   *
   * const [a, b] = socket.socketpair();
   * await using _a = a;
   * await using _b = b;
   * const f = b.makefile("r");
   * await f.close();
   * assert.equal(f.closed, true);
   * assert.equal(b.closed, false);
   * ```
   */
  close(): Promise<void> {
    this.#closed = true;
    this.#bytes = new Uint8Array(0);
    this.#text = "";
    return Promise.resolve();
  }

  /** Closes the file; same as {@linkcode SocketFile.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** The lines to the end of the stream, as Python's `for line in f`. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    while (true) {
      const line = await this.readline();
      if (line.length === 0) return;
      yield line;
    }
  }
}

function checkSize(size: unknown, action: string): void {
  if (typeof size !== "number" || !Number.isInteger(size)) {
    throw new TypeError(
      `Cannot ${action} as size must be an integer: current value is ${
        show(size)
      }`,
    );
  }
}
