// Copyright 2026 the socketkit authors. MIT license.

import assert from "node:assert/strict";
import * as socket from "../socket.ts";
import * as ssl from "../ssl.ts";
import * as tls from "../tls.ts";
import {
  HAS_OPENSSL,
  listenTls,
  NO_OPENSSL_NOTE,
  spawnPeer,
  testPki,
} from "./_tls_util.ts";
import { hasCommand, run, text } from "./_util.ts";

const LOOPBACK = "127.0.0.1";
const T = 5_000;
const ignore = !HAS_OPENSSL;
const HAS_PYTHON = hasCommand("python3");
// deno-lint-ignore no-console
if (ignore) console.warn(NO_OPENSSL_NOTE);

Deno.test(
  "wrap_socket() on a connected client speaks TLS to a tls.listen server",
  {
    ignore,
  },
  async () => {
    const pki = await testPki();
    await using server = await listenTls();
    const accepted = tls.accept(server, { timeout: T });
    const ctx = ssl.create_default_context();
    ctx.load_verify_locations(pki.caPath);
    await using sock = await socket.create_connection([
      LOOPBACK,
      server.addr.port,
    ], 5);
    const ssock = await ctx.wrap_socket(sock, { server_hostname: "localhost" });
    assert.equal(ssock, sock);
    await using conn = await accepted;
    await ssock.sendall("hello from python-style code\n");
    assert.equal(
      await tls.recvLine(conn, { timeout: T }),
      "hello from python-style code",
    );
    await tls.sendAll(conn, "reply");
    assert.equal(text(await ssock.recv(1024)), "reply");
  },
);

Deno.test("wrap_socket() before connect upgrades when the socket connects", {
  ignore,
}, async () => {
  const pki = await testPki();
  await using server = await listenTls();
  const accepted = tls.accept(server, { timeout: T });
  const ctx = ssl.create_default_context({ cafile: pki.caPath });
  await using sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM);
  sock.settimeout(5);
  await ctx.wrap_socket(sock, { server_hostname: "localhost" });
  await sock.connect([LOOPBACK, server.addr.port]);
  await using conn = await accepted;
  await tls.sendAll(conn, "after connect");
  assert.equal(text(await sock.recv(1024)), "after connect");
});

Deno.test("a wrapped listening socket hands out TLS connections from accept", {
  ignore,
}, async () => {
  const pki = await testPki();
  const ctx = new ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER);
  ctx.load_cert_chain(pki.certPath, pki.keyPath);
  await using server = socket.create_server([LOOPBACK, 0]);
  server.settimeout(5);
  await ctx.wrap_socket(server, { server_side: true });
  const [, port] = server.getsockname() as socket.InetAddress;
  const client = tls.connect(`localhost:${port}`, {
    caCerts: [pki.ca],
    timeout: T,
  });
  const [conn, addr] = await server.accept();
  await using _conn = conn;
  await using c = await client;
  assert.deepEqual(addr, [LOOPBACK, c.localAddr.port]);
  await tls.sendAll(c, "ping");
  const data = await conn.recv(1024);
  await conn.sendall(data);
  assert.equal(text(await tls.recvExact(c, 4, { timeout: T })), "ping");
});

Deno.test("wrap_socket(server_side) upgrades an accepted connection", {
  ignore,
}, async () => {
  const pki = await testPki();
  const ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH);
  ctx.load_cert_chain(pki.certPath, pki.keyPath);
  await using server = socket.create_server([LOOPBACK, 0]);
  server.settimeout(5);
  const [, port] = server.getsockname() as socket.InetAddress;
  const client = tls.connect(`localhost:${port}`, {
    caCerts: [pki.ca],
    timeout: T,
  });
  const [conn] = await server.accept();
  await using sconn = await ctx.wrap_socket(conn, { server_side: true });
  await using c = await client;
  await sconn.sendall("upgraded\n");
  assert.equal(await tls.recvLine(c, { timeout: T }), "upgraded");
});

Deno.test(
  "an untrusted certificate raises SSLError, which is also Deno.errors.InvalidData",
  {
    ignore,
  },
  async () => {
    await using server = await listenTls();
    const accepted = tls.accept(server, { timeout: T }).catch((err) => err);
    const ctx = ssl.create_default_context();
    await using sock = await socket.create_connection([
      LOOPBACK,
      server.addr.port,
    ], 5);
    const err = await ctx.wrap_socket(sock, { server_hostname: "localhost" })
      .then(() => assert.fail("wrapped"), (err: Error) => err);
    assert.ok(err instanceof ssl.SSLError, String(err));
    assert.ok(err instanceof Deno.errors.InvalidData);
    assert.match(err.message, /UnknownIssuer/);
    assert.ok(await accepted instanceof Error);
  },
);

Deno.test("a wrong server_hostname raises SSLError", { ignore }, async () => {
  const pki = await testPki();
  await using server = await listenTls();
  const accepted = tls.accept(server, { timeout: T }).catch((err) => err);
  const ctx = ssl.create_default_context({ cafile: pki.caPath });
  await using sock = await socket.create_connection([
    LOOPBACK,
    server.addr.port,
  ], 5);
  await assert.rejects(
    ctx.wrap_socket(sock, { server_hostname: "mail.example.test" }),
    ssl.SSLError,
  );
  assert.ok(await accepted instanceof Error);
});

Deno.test(
  "a handshake the server never answers raises socket.timeout within the socket's timeout",
  {
    ignore,
  },
  async () => {
    await using server = socket.create_server([LOOPBACK, 0]);
    const ctx = ssl.create_default_context();
    await using sock = await socket.create_connection(
      server.getsockname() as socket.InetAddress,
      0.2,
    );
    const [conn] = await server.accept();
    await using _conn = conn;
    await assert.rejects(
      ctx.wrap_socket(sock, { server_hostname: "localhost" }),
      socket.timeout,
    );
  },
);

Deno.test("ssl checks its arguments before any I/O", async () => {
  const ctx = ssl.create_default_context();
  await using sock = socket.socket();
  await assert.rejects(ctx.wrap_socket(sock), /server_hostname is required/);
  await assert.rejects(
    ctx.wrap_socket({} as socket.Socket, { server_hostname: "x" }),
    /sock must be a socket.Socket/,
  );
  await assert.rejects(
    new ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).wrap_socket(sock, {
      server_side: true,
    }),
    /call load_cert_chain first/,
  );
  await using udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  await assert.rejects(
    ctx.wrap_socket(udp, { server_hostname: "x" }),
    Deno.errors.NotSupported,
  );
  assert.throws(() => new ssl.SSLContext(99), TypeError);
  assert.throws(() => ctx.load_verify_locations({}), TypeError);
  assert.throws(() => ctx.load_cert_chain(""), TypeError);
  assert.throws(() => ctx.set_alpn_protocols([""]), TypeError);
  assert.throws(
    () => ssl.create_default_context("other" as "SERVER_AUTH"),
    TypeError,
  );
});

const PY_SERVER = `
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
with socket.create_server(("127.0.0.1", 0)) as s:
    print(s.getsockname()[1], flush=True)
    with ctx.wrap_socket(s, server_side=True) as ss:
        conn, _ = ss.accept()
        with conn:
            data = conn.recv(1024)
            conn.sendall(b"py got " + data)
`;

Deno.test("the facade's TLS client talks to Python's ssl server", {
  ignore: ignore || !HAS_PYTHON,
}, async () => {
  const pki = await testPki();
  await using py = spawnPeer("python3", [
    "-c",
    PY_SERVER,
    pki.certPath,
    pki.keyPath,
  ]);
  const port = Number(await py.readLine());
  const ctx = ssl.create_default_context({ cafile: pki.caPath });
  await using sock = await socket.create_connection([LOOPBACK, port], 5);
  await ctx.wrap_socket(sock, { server_hostname: "localhost" });
  await sock.sendall("hi");
  assert.equal(text(await sock.recv(1024)), "py got hi");
  const out = await py.finish();
  assert.equal(out.code, 0, out.stderr);
});

const PY_CLIENT = `
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[1])
with socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=10) as s:
    with ctx.wrap_socket(s, server_hostname="localhost") as ss:
        ss.sendall(b"from python")
        print(ss.recv(1024).decode(), ss.version())
`;

Deno.test("Python's ssl client talks to the facade's TLS server", {
  ignore: ignore || !HAS_PYTHON,
}, async () => {
  const pki = await testPki();
  const ctx = new ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER);
  ctx.load_cert_chain(pki.certPath, pki.keyPath);
  await using server = socket.create_server([LOOPBACK, 0]);
  server.settimeout(10);
  await ctx.wrap_socket(server, { server_side: true });
  const [, port] = server.getsockname() as socket.InetAddress;
  const client = run("python3", ["-c", PY_CLIENT, pki.caPath, String(port)]);
  const [conn] = await server.accept();
  await using _conn = conn;
  const data = await conn.recv(1024);
  await conn.sendall(`echo ${text(data)}`);
  const out = await client;
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /^echo from python TLSv1\.[23]\n$/);
});

// Python's close() sends no TLS close_notify, and Python's recv() answers
// b"" to a peer that leaves without one (wrap_socket's suppress_ragged_eofs
// defaults to True): a tutorial reading until b"" must end the same way.
const PY_SERVER_THEN_CLOSE = `
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
with socket.create_server(("127.0.0.1", 0)) as s:
    print(s.getsockname()[1], flush=True)
    with ctx.wrap_socket(s, server_side=True) as ss:
        conn, _ = ss.accept()
        conn.sendall(b"bye")
        conn.close()
`;

Deno.test(
  "recv() returns b'' when Python's ssl server closes without close_notify, as Python's client does",
  {
    ignore: ignore || !HAS_PYTHON,
  },
  async () => {
    const pki = await testPki();
    await using py = spawnPeer("python3", [
      "-c",
      PY_SERVER_THEN_CLOSE,
      pki.certPath,
      pki.keyPath,
    ]);
    const port = Number(await py.readLine());
    const ctx = ssl.create_default_context({ cafile: pki.caPath });
    await using sock = await socket.create_connection([LOOPBACK, port], 5);
    await ctx.wrap_socket(sock, { server_hostname: "localhost" });
    let got = "";
    for (let i = 0; i < 10; i++) {
      const data = await sock.recv(1024);
      if (data.length === 0) break;
      got += text(data);
    }
    assert.equal(got, "bye");
    assert.equal((await sock.recv(1024)).length, 0);
    const out = await py.finish();
    assert.equal(out.code, 0, out.stderr);
  },
);

const PY_CLIENT_THEN_CLOSE = `
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[1])
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=10), server_hostname="localhost")
s.sendall(b"from python")
s.close()
`;

Deno.test(
  "the facade's TLS server reads b'' when Python's ssl client closes without close_notify",
  {
    ignore: ignore || !HAS_PYTHON,
  },
  async () => {
    const pki = await testPki();
    const ctx = new ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER);
    ctx.load_cert_chain(pki.certPath, pki.keyPath);
    await using server = socket.create_server([LOOPBACK, 0]);
    server.settimeout(10);
    await ctx.wrap_socket(server, { server_side: true });
    const [, port] = server.getsockname() as socket.InetAddress;
    const client = run("python3", [
      "-c",
      PY_CLIENT_THEN_CLOSE,
      pki.caPath,
      String(port),
    ]);
    const [conn] = await server.accept();
    await using _conn = conn;
    conn.settimeout(10);
    let got = "";
    for (let i = 0; i < 10; i++) {
      const data = await conn.recv(1024);
      if (data.length === 0) break;
      got += text(data);
    }
    assert.equal(got, "from python");
    const out = await client;
    assert.equal(out.code, 0, out.stderr);
  },
);

Deno.test("SSLContext takes Python's settings where they hold, and says NotSupported where Deno cannot", () => {
  const client = ssl.create_default_context();
  // Python: create_default_context() -> CERT_REQUIRED (2), check_hostname True.
  assert.equal(client.verify_mode, ssl.CERT_REQUIRED);
  client.verify_mode = ssl.CERT_REQUIRED;
  client.check_hostname = true;
  client.minimum_version = ssl.TLSVersion.TLSv1_2;
  client.maximum_version = ssl.TLSVersion.TLSv1_3;
  client.load_default_certs();
  assert.equal(client.minimum_version, 771);
  assert.equal(client.maximum_version, ssl.TLSVersion.MAXIMUM_SUPPORTED);
  // The tutorials' self-signed shortcut cannot be honoured: said, not ignored.
  assert.throws(() => {
    client.check_hostname = false;
  }, {
    name: "NotSupported",
    message: /load_verify_locations/,
  });
  assert.throws(() => {
    client.verify_mode = ssl.CERT_NONE;
  }, Deno.errors.NotSupported);
  assert.throws(() => {
    client.minimum_version = ssl.TLSVersion.TLSv1_3;
  }, Deno.errors.NotSupported);
  assert.throws(() => {
    client.verify_mode = 7;
  }, TypeError);
  // Python: a server context is CERT_NONE (0), check_hostname False.
  const server = new ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER);
  assert.equal(server.verify_mode, ssl.CERT_NONE);
  server.check_hostname = false;
  assert.throws(() => {
    server.verify_mode = ssl.CERT_REQUIRED;
  }, Deno.errors.NotSupported);
});

Deno.test("a failed wrap_socket() leaves the socket closed, as Python's detached one", async () => {
  await using server = socket.create_server([LOOPBACK, 0]);
  server.settimeout(5);
  await using client = await socket.create_connection(
    server.getsockname() as socket.InetAddress,
    5,
  );
  const [conn] = await server.accept();
  await using _conn = conn;
  conn.settimeout(5);
  const ctx = ssl.create_default_context();
  const wrapping = ctx.wrap_socket(client, { server_hostname: "localhost" })
    .catch((e) => e);
  await conn.recv(4096); // the ClientHello
  await conn.sendall("HTTP/1.0 400 Bad Request\r\n\r\n");
  assert.ok(await wrapping instanceof ssl.SSLError);
  // Python: <socket.socket [closed] fd=-1, ...>; a send raises EBADF.
  assert.equal(client.closed, true);
  assert.equal(client.fileno(), -1);
  await assert.rejects(client.sendall("secret"), Deno.errors.BadResource);
});
