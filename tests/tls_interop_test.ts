// Copyright 2026 the socketkit authors. MIT license.
// tls.ts against other TLS stacks, each direction: openssl s_server and
// s_client, Python's ssl, ncat --ssl.

import assert from "node:assert/strict";
import * as tls from "../tls.ts";
import {
  freePort,
  HAS_OPENSSL,
  listenTls,
  NO_OPENSSL_NOTE,
  spawnPeer,
  testPki,
} from "./_tls_util.ts";
import { hasCommand, within } from "./_util.ts";

const LOOPBACK = "127.0.0.1";
const T = 10_000;
const HAS_PYTHON = hasCommand("python3");
const HAS_NCAT = hasCommand("ncat");
// deno-lint-ignore no-console
if (!HAS_OPENSSL) console.warn(NO_OPENSSL_NOTE);

/**
 * Waits at most `T` for what a peer process does: a failing test then ends
 * in seconds, and disposing the peer kills it.
 */
function bounded<T>(promise: Promise<T>, what: string): Promise<T> {
  return within(promise, T, what);
}

/** Connects until the peer process listens (it cannot report port 0). */
async function connectWhenUp(port: number, ca: string): Promise<tls.TlsSocket> {
  for (let attempt = 0;; attempt++) {
    try {
      return await tls.connect(`localhost:${port}`, {
        caCerts: [ca],
        timeout: T,
      });
    } catch (err) {
      if (!(err instanceof Deno.errors.ConnectionRefused) || attempt >= 100) {
        throw err;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

Deno.test("tls.connect() talks to openssl s_server", {
  ignore: !HAS_OPENSSL,
}, async () => {
  const pki = await testPki();
  await using server = spawnPeer("openssl", [
    "s_server",
    "-accept",
    `${LOOPBACK}:0`,
    "-cert",
    pki.certPath,
    "-key",
    pki.keyPath,
    "-rev",
  ]);
  const port = await bounded(
    (async () => {
      for (let line; (line = await server.readLine()) !== null;) {
        const match = /^ACCEPT .*:(\d+)$/.exec(line);
        if (match) return Number(match[1]);
      }
      return 0;
    })(),
    "the ACCEPT line of openssl s_server",
  );
  assert.ok(port > 0, "openssl s_server did not say where it listens");
  await using sock = await tls.connect(`localhost:${port}`, {
    caCerts: [pki.ca],
    timeout: T,
  });
  await tls.sendAll(sock, "hello\n", { timeout: T });
  assert.equal(await tls.recvLine(sock, { timeout: T }), "olleh");
});

Deno.test("openssl s_client talks to tls.listen and verifies it", {
  ignore: !HAS_OPENSSL,
}, async () => {
  const pki = await testPki();
  await using server = await listenTls({ alpnProtocols: ["echo/1"] });
  const accepted = tls.accept(server, { timeout: T });
  await using client = spawnPeer("openssl", [
    "s_client",
    "-connect",
    `${LOOPBACK}:${server.addr.port}`,
    "-CAfile",
    pki.caPath,
    "-servername",
    "localhost",
    "-verify_hostname",
    "localhost",
    "-verify_return_error",
    "-alpn",
    "echo/1",
    "-quiet",
  ]);
  await using conn = await accepted;
  assert.equal(tls.alpnProtocol(conn), "echo/1");
  await client.write("from openssl\n");
  assert.equal(await tls.recvLine(conn, { timeout: T }), "from openssl");
  await tls.sendAll(conn, "from deno\n", { timeout: T });
  assert.equal(await bounded(client.readLine(), "the line"), "from deno");
  await tls.close(conn);
  const out = await bounded(client.finish(), "the exit of openssl s_client");
  assert.equal(out.code, 0, out.stderr);
});

const PY_SERVER = `
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
ctx.set_alpn_protocols(["x/1"])
with socket.create_server(("127.0.0.1", 0)) as s:
    print(s.getsockname()[1], flush=True)
    conn, _ = s.accept()
    with ctx.wrap_socket(conn, server_side=True) as ss:
        f = ss.makefile("rb")
        line = f.readline()
        ss.sendall(line.upper() + ss.selected_alpn_protocol().encode() + b"\\n")
`;

Deno.test("tls.connect() talks to Python's ssl server, agreeing on ALPN", {
  ignore: !HAS_OPENSSL || !HAS_PYTHON,
}, async () => {
  const pki = await testPki();
  await using py = spawnPeer("python3", [
    "-c",
    PY_SERVER,
    pki.certPath,
    pki.keyPath,
  ]);
  const port = Number(await bounded(py.readLine(), "the port"));
  await using sock = await tls.connect(`localhost:${port}`, {
    caCerts: [pki.ca],
    alpnProtocols: ["x/1"],
    timeout: T,
  });
  assert.equal(tls.alpnProtocol(sock), "x/1");
  await tls.sendAll(sock, "shout\n", { timeout: T });
  assert.equal(await tls.recvLine(sock, { timeout: T }), "SHOUT");
  assert.equal(await tls.recvLine(sock, { timeout: T }), "x/1");
  const out = await bounded(py.finish(), "the exit of the Python server");
  assert.equal(out.code, 0, out.stderr);
});

const PY_CLIENT = `
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[1])
with socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=10) as s:
    with ctx.wrap_socket(s, server_hostname="localhost") as ss:
        ss.sendall(b"x" * 100000)
        total = 0
        while total < 100000:
            data = ss.recv(65536)
            if not data:
                break
            total += len(data)
        print(total)
`;

Deno.test("Python's ssl client talks to tls.listen, 100 kB each way", {
  ignore: !HAS_OPENSSL || !HAS_PYTHON,
}, async () => {
  const pki = await testPki();
  await using server = await listenTls();
  await using client = spawnPeer("python3", [
    "-c",
    PY_CLIENT,
    pki.caPath,
    String(server.addr.port),
  ]);
  await using conn = await tls.accept(server, { timeout: T });
  const data = await tls.recvExact(conn, 100_000, { timeout: T });
  await tls.sendAll(conn, data, { timeout: T });
  const out = await bounded(client.finish(), "the exit of the Python client");
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout.trim(), "100000");
});

Deno.test("tls.connect() talks to ncat --ssl -l", {
  ignore: !HAS_OPENSSL || !HAS_NCAT,
}, async () => {
  const pki = await testPki();
  const port = freePort();
  await using ncat = spawnPeer("ncat", [
    "--ssl",
    "--ssl-cert",
    pki.certPath,
    "--ssl-key",
    pki.keyPath,
    "-l",
    LOOPBACK,
    String(port),
  ]);
  await using sock = await connectWhenUp(port, pki.ca);
  await tls.sendAll(sock, "to ncat\n", { timeout: T });
  assert.equal(await bounded(ncat.readLine(), "the line"), "to ncat");
  await ncat.write("to deno\n");
  assert.equal(await tls.recvLine(sock, { timeout: T }), "to deno");
});

Deno.test("ncat --ssl --ssl-verify talks to tls.listen", {
  ignore: !HAS_OPENSSL || !HAS_NCAT,
}, async () => {
  const pki = await testPki();
  await using server = await listenTls();
  const accepted = tls.accept(server, { timeout: T });
  await using ncat = spawnPeer("ncat", [
    "--ssl",
    "--ssl-verify",
    "--ssl-trustfile",
    pki.caPath,
    // ncat checks the name given here, and does not match IP addresses.
    "--ssl-servername",
    "localhost",
    LOOPBACK,
    String(server.addr.port),
  ]);
  await using conn = await accepted;
  await ncat.write("from ncat\n");
  assert.equal(await tls.recvLine(conn, { timeout: T }), "from ncat");
  await tls.sendAll(conn, "from deno\n", { timeout: T });
  assert.equal(await bounded(ncat.readLine(), "the line"), "from deno");
  await tls.close(conn);
  const out = await bounded(ncat.finish(), "the exit of ncat");
  assert.equal(out.code, 0, out.stderr);
});
