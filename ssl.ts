// Copyright 2026 the socketkit authors. MIT license.

/**
 * Python's `ssl` module for the `socket` facade, so the tutorials'
 * programs wrapped in TLS port line by line:
 * {@linkcode create_default_context}, {@linkcode SSLContext} with
 * `load_verify_locations`, `load_cert_chain` and `wrap_socket`, and
 * {@linkcode SSLError}.
 *
 * Differences from Python, all from Deno's TLS (rustls):
 * - `wrap_socket` is async (`await ctx.wrap_socket(sock, {...})`), takes
 *   Python's keyword arguments as an options object, and returns the same
 *   socket, now speaking TLS (Python returns a new `SSLSocket` and detaches
 *   the old one).
 * - The client always verifies the certificate and the host name
 *   (`check_hostname` is true and `verify_mode` is `CERT_REQUIRED`; setting
 *   them otherwise raises `Deno.errors.NotSupported`: trust a self-signed
 *   certificate with `load_verify_locations` instead); the system's roots
 *   are trusted besides the files loaded. Client certificates are neither
 *   sent nor asked for. TLS 1.2 and 1.3 are spoken, and neither can be
 *   refused (`minimum_version`, `maximum_version`).
 * - A peer that closes without TLS `close_notify` (Python's own `close()`
 *   sends none) reads as end of stream, `b""`, as with Python's default
 *   `suppress_ragged_eofs=True`; there is no way to make it raise.
 * - The server side of a wrapped socket runs node:tls over the connection
 *   (Deno's own TLS upgrade is client-only), slower than `tls.listen` or
 *   `serve({ tls })`: use those for busy servers.
 *
 * Requires `allow-net` permission, and `allow-read` for the PEM files.
 *
 * @example A TLS echo, as in the tutorials (the test certificate is in `tests/fixtures/`)
 * ```ts
 * import * as socket from "@socketkit/socket/socket";
 * import * as ssl from "@socketkit/socket/ssl";
 * import assert from "node:assert/strict";
 *
 * const serverCtx = new ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER);
 * serverCtx.load_cert_chain("tests/fixtures/localhost.pem", "tests/fixtures/localhost.key");
 * await using server = socket.create_server(["127.0.0.1", 0]);
 * await serverCtx.wrap_socket(server, { server_side: true });
 *
 * const ctx = ssl.create_default_context();
 * ctx.load_verify_locations("tests/fixtures/ca.pem");
 * await using client = socket.socket(socket.AF_INET, socket.SOCK_STREAM);
 * client.settimeout(5);
 * await ctx.wrap_socket(client, { server_hostname: "localhost" });
 * const [[conn]] = await Promise.all([server.accept(), client.connect(server.getsockname())]);
 * await using _conn = conn;
 *
 * await client.sendall("hello");
 * const data = await conn.recv(1024);
 * await conn.sendall(data);
 * assert.equal(new TextDecoder().decode(await client.recv(1024)), "hello");
 * ```
 *
 * @module
 */

import { show } from "./_errors.ts";
import { facadeHooks, type TlsUpgrade } from "./_socket_hooks.ts";
import { Socket, TimeoutError } from "./socket.ts";
import {
  startTls,
  type StartTlsOptions,
  type StartTlsServerOptions,
  type StreamSocket,
} from "./tls.ts";

export type { Socket } from "./socket.ts";

/**
 * A TLS failure: a certificate refused, a name that does not match, a
 * peer that does not speak TLS. A subclass of `Deno.errors.InvalidData`,
 * so both `err instanceof ssl.SSLError` and
 * `err instanceof Deno.errors.InvalidData` catch it.
 *
 * @example Catch a refused certificate both ways
 * ```ts
 * import * as ssl from "@socketkit/socket/ssl";
 * import assert from "node:assert/strict";
 *
 * const err = new ssl.SSLError("certificate verify failed");
 * assert.ok(err instanceof ssl.SSLError);
 * assert.ok(err instanceof Deno.errors.InvalidData);
 * ```
 */
export class SSLError extends Deno.errors.InvalidData {
  /**
   * Makes the error.
   *
   * @param message What failed.
   * @param options The cause.
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SSLError";
  }
}

/** `PROTOCOL_TLS_CLIENT`: a context for clients, verifying the server. */
export const PROTOCOL_TLS_CLIENT = 16;
/** `PROTOCOL_TLS_SERVER`: a context for servers. */
export const PROTOCOL_TLS_SERVER = 17;

/** `verify_mode`: no certificate is asked for or checked (a server's default). */
export const CERT_NONE = 0;
/** `verify_mode`: a certificate is checked if the peer sends one. */
export const CERT_OPTIONAL = 1;
/** `verify_mode`: the peer's certificate is required and checked (a client's default). */
export const CERT_REQUIRED = 2;

/**
 * Python's `ssl.TLSVersion`, for `minimum_version` and `maximum_version`.
 * Deno's TLS speaks TLS 1.2 and 1.3 only.
 */
export const TLSVersion: {
  readonly MINIMUM_SUPPORTED: -2;
  readonly MAXIMUM_SUPPORTED: -1;
  readonly SSLv3: 768;
  readonly TLSv1: 769;
  readonly TLSv1_1: 770;
  readonly TLSv1_2: 771;
  readonly TLSv1_3: 772;
} = Object.freeze({
  MINIMUM_SUPPORTED: -2,
  MAXIMUM_SUPPORTED: -1,
  SSLv3: 768,
  TLSv1: 769,
  TLSv1_1: 770,
  TLSv1_2: 771,
  TLSv1_3: 772,
});

/** `Purpose.SERVER_AUTH` makes a client context; `CLIENT_AUTH` a server one. */
export const Purpose: {
  readonly SERVER_AUTH: "SERVER_AUTH";
  readonly CLIENT_AUTH: "CLIENT_AUTH";
} = Object.freeze({
  SERVER_AUTH: "SERVER_AUTH",
  CLIENT_AUTH: "CLIENT_AUTH",
});

/** Python's `cafile`/`cadata` keywords of {@linkcode SSLContext.load_verify_locations}. */
export interface LoadVerifyLocationsOptions {
  /**
   * A PEM file of trusted CA certificates.
   *
   * @default {none}
   */
  cafile?: string;
  /**
   * Trusted CA certificates as PEM text.
   *
   * @default {none}
   */
  cadata?: string;
}

/** Python's keyword arguments of {@linkcode SSLContext.wrap_socket}. */
export interface WrapSocketOptions {
  /**
   * Take the server side of the handshake.
   *
   * @default {false}
   */
  // deno-lint-ignore camelcase
  server_side?: boolean;
  /**
   * The server's name (client side): checked against its certificate and
   * sent as SNI. Required on the client, as Python requires it when
   * `check_hostname` is on.
   *
   * @default {none}
   */
  // deno-lint-ignore camelcase
  server_hostname?: string;
}

function readPem(path: unknown, name: string, action: string): string {
  if (typeof path !== "string" || path === "") {
    throw new TypeError(
      `Cannot ${action} as ${name} must be a file path: current value is ${
        show(path)
      }`,
    );
  }
  return Deno.readTextFileSync(path);
}

const TLS_VERSIONS: ReadonlySet<number> = new Set(Object.values(TLSVersion));

function checkVersion(value: unknown, name: string): void {
  if (typeof value !== "number" || !TLS_VERSIONS.has(value)) {
    throw new TypeError(
      `Cannot set ${name} as value must be a TLSVersion: current value is ${
        show(value)
      }`,
    );
  }
}

/** Errors of the TLS layer as Python raises them. */
function sslError(err: unknown): unknown {
  if (err instanceof Deno.errors.InvalidData && !(err instanceof SSLError)) {
    return new SSLError(err.message, { cause: err });
  }
  if (err instanceof Deno.errors.TimedOut && !(err instanceof TimeoutError)) {
    return new TimeoutError(err.message, { cause: err });
  }
  return err;
}

/**
 * Python's `ssl.SSLContext`: trusted roots, a certificate chain, ALPN
 * protocols, and {@linkcode SSLContext.wrap_socket}.
 *
 * @example A server context
 * ```ts
 * import * as ssl from "@socketkit/socket/ssl";
 * import assert from "node:assert/strict";
 *
 * const ctx = new ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER);
 * ctx.load_cert_chain("tests/fixtures/localhost.pem", "tests/fixtures/localhost.key");
 * assert.equal(ctx.protocol, ssl.PROTOCOL_TLS_SERVER);
 * ```
 */
export class SSLContext {
  readonly #protocol: number;
  readonly #caCerts: string[] = [];
  #cert: string | null = null;
  #key: string | null = null;
  #alpn: string[] | undefined;

  /**
   * Makes a context.
   *
   * @param protocol `PROTOCOL_TLS_CLIENT` (default) or `PROTOCOL_TLS_SERVER`.
   */
  constructor(protocol: number = PROTOCOL_TLS_CLIENT) {
    if (protocol !== PROTOCOL_TLS_CLIENT && protocol !== PROTOCOL_TLS_SERVER) {
      throw new TypeError(
        `Cannot create SSLContext as protocol must be PROTOCOL_TLS_CLIENT or PROTOCOL_TLS_SERVER: current value is ${
          show(protocol)
        }`,
      );
    }
    this.#protocol = protocol;
  }

  /** `PROTOCOL_TLS_CLIENT` or `PROTOCOL_TLS_SERVER`. */
  get protocol(): number {
    return this.#protocol;
  }

  /**
   * Whether the server's name is checked: always on a client context, as
   * Deno does; never on a server one. Setting the value it has is allowed,
   * so Python's `ctx.check_hostname = True` ports as is.
   *
   * @example A client always checks the name
   * ```ts
   * import * as ssl from "@socketkit/socket/ssl";
   * import assert from "node:assert/strict";
   *
   * const ctx = ssl.create_default_context();
   * ctx.check_hostname = true;
   * assert.throws(() => { ctx.check_hostname = false; }, Deno.errors.NotSupported);
   * ```
   */
  get check_hostname(): boolean {
    return this.#protocol === PROTOCOL_TLS_CLIENT;
  }

  /**
   * Python's setter; only the value the context has is accepted.
   *
   * @throws {TypeError} If `value` is not a boolean.
   * @throws {Deno.errors.NotSupported} For another value: Deno's TLS client
   * always checks the name, and its server never asks for a client
   * certificate.
   */
  set check_hostname(value: boolean) {
    if (typeof value !== "boolean") {
      throw new TypeError(
        `Cannot set check_hostname as value must be a boolean: current value is ${
          show(value)
        }`,
      );
    }
    if (value !== this.check_hostname) throw this.#fixed("check_hostname");
  }

  /**
   * How the peer's certificate is checked: `CERT_REQUIRED` on a client
   * context (always, as Deno does), `CERT_NONE` on a server one (client
   * certificates are not asked for). Setting the value it has is allowed.
   *
   * @example A client requires the server's certificate
   * ```ts
   * import * as ssl from "@socketkit/socket/ssl";
   * import assert from "node:assert/strict";
   *
   * const ctx = ssl.create_default_context();
   * assert.equal(ctx.verify_mode, ssl.CERT_REQUIRED);
   * assert.throws(() => { ctx.verify_mode = ssl.CERT_NONE; }, Deno.errors.NotSupported);
   * ```
   */
  get verify_mode(): number {
    return this.#protocol === PROTOCOL_TLS_CLIENT ? CERT_REQUIRED : CERT_NONE;
  }

  /**
   * Python's setter; only the value the context has is accepted.
   *
   * @throws {TypeError} If `value` is not `CERT_NONE`, `CERT_OPTIONAL` or
   * `CERT_REQUIRED`.
   * @throws {Deno.errors.NotSupported} For another mode than the
   * context's.
   */
  set verify_mode(value: number) {
    if (
      value !== CERT_NONE && value !== CERT_OPTIONAL && value !== CERT_REQUIRED
    ) {
      throw new TypeError(
        `Cannot set verify_mode as value must be CERT_NONE, CERT_OPTIONAL or CERT_REQUIRED: current value is ${
          show(value)
        }`,
      );
    }
    if (value !== this.verify_mode) throw this.#fixed("verify_mode");
  }

  /**
   * The lowest TLS version spoken: `TLSVersion.TLSv1_2`, Deno's. Setting it
   * to that or lower is allowed (Deno speaks no older version anyway).
   *
   * @example Python's hardening line ports as is
   * ```ts
   * import * as ssl from "@socketkit/socket/ssl";
   * import assert from "node:assert/strict";
   *
   * const ctx = ssl.create_default_context();
   * ctx.minimum_version = ssl.TLSVersion.TLSv1_2;
   * assert.equal(ctx.minimum_version, ssl.TLSVersion.TLSv1_2);
   * ```
   */
  get minimum_version(): number {
    return TLSVersion.TLSv1_2;
  }

  /**
   * Python's setter.
   *
   * @throws {TypeError} If `value` is not a `TLSVersion`.
   * @throws {Deno.errors.NotSupported} For `TLSv1_3`: Deno cannot refuse
   * TLS 1.2.
   */
  set minimum_version(value: number) {
    checkVersion(value, "minimum_version");
    if (value === TLSVersion.TLSv1_3) {
      throw new Deno.errors.NotSupported(
        "Cannot set minimum_version to TLSv1_3: Deno's TLS cannot refuse TLS 1.2",
      );
    }
  }

  /**
   * The highest TLS version spoken: `TLSVersion.MAXIMUM_SUPPORTED` (TLS
   * 1.3), as Python's default. Setting it to `TLSv1_3` is allowed.
   *
   * @example The default
   * ```ts
   * import * as ssl from "@socketkit/socket/ssl";
   * import assert from "node:assert/strict";
   *
   * assert.equal(ssl.create_default_context().maximum_version, ssl.TLSVersion.MAXIMUM_SUPPORTED);
   * ```
   */
  get maximum_version(): number {
    return TLSVersion.MAXIMUM_SUPPORTED;
  }

  /**
   * Python's setter.
   *
   * @throws {TypeError} If `value` is not a `TLSVersion`.
   * @throws {Deno.errors.NotSupported} Below `TLSv1_3`: Deno's TLS cannot
   * refuse TLS 1.3.
   */
  set maximum_version(value: number) {
    checkVersion(value, "maximum_version");
    if (
      value !== TLSVersion.TLSv1_3 && value !== TLSVersion.MAXIMUM_SUPPORTED
    ) {
      throw new Deno.errors.NotSupported(
        `Cannot set maximum_version to ${value}: Deno's TLS cannot refuse TLS 1.3`,
      );
    }
  }

  #fixed(name: string): Error {
    return new Deno.errors.NotSupported(
      this.#protocol === PROTOCOL_TLS_CLIENT
        ? `Cannot change ${name}: Deno's TLS client always checks the server's certificate and name (trust a private or self-signed certificate with load_verify_locations, or run Deno with --unsafely-ignore-certificate-errors)`
        : `Cannot change ${name}: Deno's TLS server does not ask for client certificates`,
    );
  }

  /**
   * Python's `load_default_certs()`: the system's roots are always
   * trusted here, so this does nothing.
   *
   * @param _purpose Ignored.
   *
   * @example Port Python's call as is
   * ```ts
   * import * as ssl from "@socketkit/socket/ssl";
   *
   * const ctx = new ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT);
   * ctx.load_default_certs();
   * ```
   */
  load_default_certs(
    _purpose?: typeof Purpose.SERVER_AUTH | typeof Purpose.CLIENT_AUTH,
  ): void {}

  /**
   * Trusts the CA certificates in a PEM file (besides the system's roots).
   *
   * Requires `allow-read` permission.
   *
   * @param cafile A path, or Python's keywords `{ cafile, cadata }`.
   * @throws {TypeError} If neither is given.
   * @throws {Deno.errors.NotFound} If the file does not exist.
   *
   * @example Trust a private CA
   * ```ts
   * import * as ssl from "@socketkit/socket/ssl";
   *
   * const ctx = ssl.create_default_context();
   * ctx.load_verify_locations({ cafile: "tests/fixtures/ca.pem" });
   * ```
   *
   * @tags allow-read
   */
  load_verify_locations(
    cafile: string | LoadVerifyLocationsOptions,
  ): void {
    const options = typeof cafile === "string" ? { cafile } : cafile;
    if (
      options === null || typeof options !== "object" ||
      (options.cafile === undefined && options.cadata === undefined)
    ) {
      throw new TypeError(
        `Cannot load_verify_locations as cafile or cadata must be given: current value is ${
          show(cafile)
        }`,
      );
    }
    if (options.cafile !== undefined) {
      this.#caCerts.push(
        readPem(options.cafile, "cafile", "load_verify_locations"),
      );
    }
    if (options.cadata !== undefined) {
      if (typeof options.cadata !== "string") {
        throw new TypeError(
          `Cannot load_verify_locations as cadata must be PEM text: current value is ${
            show(options.cadata)
          }`,
        );
      }
      this.#caCerts.push(options.cadata);
    }
  }

  /**
   * Loads the certificate chain and private key a server presents.
   *
   * Requires `allow-read` permission.
   *
   * @param certfile A PEM file with the certificate chain (leaf first).
   * @param keyfile A PEM file with the private key; left out, the key is
   * read from `certfile`.
   * @throws {Deno.errors.NotFound} If a file does not exist.
   *
   * @example Load a certificate and key
   * ```ts
   * import * as ssl from "@socketkit/socket/ssl";
   *
   * const ctx = new ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER);
   * ctx.load_cert_chain("tests/fixtures/localhost.pem", "tests/fixtures/localhost.key");
   * ```
   *
   * @tags allow-read
   */
  load_cert_chain(certfile: string, keyfile?: string): void {
    const cert = readPem(certfile, "certfile", "load_cert_chain");
    this.#key = keyfile === undefined
      ? cert
      : readPem(keyfile, "keyfile", "load_cert_chain");
    this.#cert = cert;
  }

  /**
   * Sets the ALPN protocols offered (client) or accepted (server).
   *
   * @param protocols The protocol names, most preferred first.
   *
   * @example Offer HTTP/1.1
   * ```ts
   * import * as ssl from "@socketkit/socket/ssl";
   *
   * ssl.create_default_context().set_alpn_protocols(["http/1.1"]);
   * ```
   */
  set_alpn_protocols(protocols: string[]): void {
    if (
      !Array.isArray(protocols) ||
      protocols.some((p) => typeof p !== "string" || p === "")
    ) {
      throw new TypeError(
        `Cannot set_alpn_protocols as protocols must be an array of non-empty strings: current value is ${
          show(protocols)
        }`,
      );
    }
    this.#alpn = [...protocols];
  }

  /**
   * Makes a facade socket speak TLS and resolves to it: a connected
   * socket at once (handshake included), a listening one on each
   * connection it accepts, an unconnected one when it connects. A
   * handshake failure raises {@linkcode SSLError}; one that takes longer
   * than the socket's timeout raises `socket.TimeoutError`. A connected
   * socket whose handshake failed is closed, as Python's `wrap_socket`
   * leaves the socket it detached.
   *
   * Requires `allow-net` permission.
   *
   * @param sock A `SOCK_STREAM` socket from `@socketkit/socket/socket`.
   * @param options `{ server_side, server_hostname }`.
   * @returns The same socket.
   * @throws {TypeError} If `server_hostname` is missing on the client side,
   * or the server context has no certificate.
   * @throws {SSLError} If the handshake fails.
   *
   * @example Wrap a connection made by create_connection
   * ```ts
   * import * as socket from "@socketkit/socket/socket";
   * import * as ssl from "@socketkit/socket/ssl";
   * import * as tls from "@socketkit/socket/tls";
   * import assert from "node:assert/strict";
   *
   * const cert = await Deno.readTextFile("tests/fixtures/localhost.pem");
   * const key = await Deno.readTextFile("tests/fixtures/localhost.key");
   * await using server = await tls.listen({ hostname: "127.0.0.1", port: 0, cert, key });
   * const accepted = tls.accept(server, { timeout: 5_000 });
   * const ctx = ssl.create_default_context({ cafile: "tests/fixtures/ca.pem" });
   * await using sock = await socket.create_connection(["127.0.0.1", server.addr.port], 5);
   * const ssock = await ctx.wrap_socket(sock, { server_hostname: "localhost" });
   * await using conn = await accepted;
   * await ssock.sendall("over TLS\n");
   * assert.equal(await tls.recvLine(conn), "over TLS");
   * ```
   *
   * @tags allow-net
   */
  async wrap_socket(
    sock: Socket,
    options: WrapSocketOptions = {},
  ): Promise<Socket> {
    if (!(sock instanceof Socket)) {
      throw new TypeError(
        `Cannot wrap_socket as sock must be a socket.Socket: current value is ${
          show(sock)
        }`,
      );
    }
    if (options === null || typeof options !== "object") {
      throw new TypeError(
        `Cannot wrap_socket as options must be an object: current value is ${
          show(options)
        }`,
      );
    }
    if (sock.type !== 1) {
      throw new Deno.errors.NotSupported(
        "Cannot wrap_socket: only SOCK_STREAM sockets speak TLS here (DTLS is not supported)",
      );
    }
    const alpn = this.#alpn !== undefined ? { alpnProtocols: this.#alpn } : {};
    let side: StartTlsOptions | StartTlsServerOptions;
    if (options.server_side === true) {
      const cert = this.#cert;
      const key = this.#key;
      if (cert === null || key === null) {
        throw new TypeError(
          "Cannot wrap_socket as server_side needs a certificate: current value has none (call load_cert_chain first)",
        );
      }
      side = { serverSide: true, cert, key, ...alpn };
    } else {
      const hostname = options.server_hostname;
      if (typeof hostname !== "string" || hostname === "") {
        throw new TypeError(
          `Cannot wrap_socket as server_hostname is required on the client side (check_hostname is on): current value is ${
            show(hostname)
          }`,
        );
      }
      side = { hostname, caCerts: [...this.#caCerts], ...alpn };
    }
    const upgrade: TlsUpgrade = (plain: StreamSocket, timeout: number | null) =>
      startTls(plain, { ...side, timeout }).catch((err) => {
        throw sslError(err);
      });
    await facadeHooks.startTls!(sock, upgrade);
    return sock;
  }
}

/**
 * Python's `ssl.create_default_context()`: a client context (or, with
 * `Purpose.CLIENT_AUTH`, a server one) trusting the system's roots, plus
 * `cafile`/`cadata` when given.
 *
 * @param purpose `Purpose.SERVER_AUTH` (default: a client context) or
 * `Purpose.CLIENT_AUTH` (a server context); or the options.
 * @param options Python's `cafile` and `cadata` keywords.
 * @returns The context.
 *
 * @example A client context trusting a private CA
 * ```ts
 * import * as ssl from "@socketkit/socket/ssl";
 * import assert from "node:assert/strict";
 *
 * const ctx = ssl.create_default_context({ cafile: "tests/fixtures/ca.pem" });
 * assert.equal(ctx.protocol, ssl.PROTOCOL_TLS_CLIENT);
 * assert.equal(ctx.check_hostname, true);
 * ```
 *
 * @tags allow-read
 */
// deno-lint-ignore camelcase
export function create_default_context(
  purpose:
    | typeof Purpose.SERVER_AUTH
    | typeof Purpose.CLIENT_AUTH
    | LoadVerifyLocationsOptions = Purpose.SERVER_AUTH,
  options: LoadVerifyLocationsOptions = {},
): SSLContext {
  if (typeof purpose === "object" && purpose !== null) {
    options = purpose;
    purpose = Purpose.SERVER_AUTH;
  }
  if (purpose !== Purpose.SERVER_AUTH && purpose !== Purpose.CLIENT_AUTH) {
    throw new TypeError(
      `Cannot create_default_context as purpose must be Purpose.SERVER_AUTH or Purpose.CLIENT_AUTH: current value is ${
        show(purpose)
      }`,
    );
  }
  const ctx = new SSLContext(
    purpose === Purpose.SERVER_AUTH ? PROTOCOL_TLS_CLIENT : PROTOCOL_TLS_SERVER,
  );
  if (options.cafile !== undefined || options.cadata !== undefined) {
    ctx.load_verify_locations(options);
  }
  return ctx;
}
