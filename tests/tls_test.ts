// Copyright 2026 the socketkit authors. MIT license.

import assert from "node:assert/strict";
import { recvFrame, sendFrame } from "../framing.ts";
import { serve, type ServeTlsOptions } from "../server.ts";
import * as tcp from "../tcp.ts";
import * as tls from "../tls.ts";
import {
  HAS_OPENSSL,
  listenTls,
  NO_OPENSSL_NOTE,
  testPki,
} from "./_tls_util.ts";
import {
  bytes,
  canListenOnIpv6Any,
  pseudoRandomBytes,
  sha256,
  tcpPair,
  text,
  within,
} from "./_util.ts";

const LOOPBACK = "127.0.0.1";
const T = 5_000;
const ignore = !HAS_OPENSSL;
// deno-lint-ignore no-console
if (ignore) console.warn(NO_OPENSSL_NOTE);

/** A TLS server, a verified client and the accepted peer; `await using` closes all. */
interface TlsPair extends AsyncDisposable {
  server: tls.TlsServer;
  client: tls.TlsSocket;
  peer: tls.TlsSocket;
}

async function tlsPair(
  listenExtra: Partial<tls.ListenOptions> = {},
  connectExtra: tls.ConnectOptions = {},
): Promise<TlsPair> {
  const pki = await testPki();
  const server = await listenTls(listenExtra);
  const accepted = tls.accept(server, { timeout: T });
  const client = await tls.connect(
    { hostname: LOOPBACK, port: server.addr.port },
    { caCerts: [pki.ca], timeout: T, ...connectExtra },
  );
  const peer = await accepted;
  return {
    server,
    client,
    peer,
    async [Symbol.asyncDispose]() {
      await tls.close(client);
      await tls.close(peer);
      await tls.close(server);
    },
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

Deno.test(
  "tls.connect() and tls.accept() echo bytes over a verified connection",
  {
    ignore,
  },
  async () => {
    await using pair = await tlsPair();
    assert.equal(pair.client.remoteAddr.port, pair.server.addr.port);
    assert.equal(pair.peer.remoteAddr.port, pair.client.localAddr.port);
    await tls.sendAll(pair.client, "hello");
    assert.equal(
      text(await tls.recvExact(pair.peer, 5, { timeout: T })),
      "hello",
    );
    await tls.sendAll(pair.peer, bytes("back"));
    assert.equal(
      text(await tls.recv(pair.client, 100, { timeout: T })),
      "back",
    );
    assert.equal(pair.client.bytesWritten, 5);
    assert.equal(pair.peer.bytesRead, 5);
  },
);

Deno.test('tls.connect() takes "host:port" and checks the name in it', {
  ignore,
}, async () => {
  const pki = await testPki();
  await using server = await listenTls();
  const accepted = tls.accept(server, { timeout: T });
  await using client = await tls.connect(`localhost:${server.addr.port}`, {
    caCerts: [pki.ca],
    timeout: T,
  });
  await using peer = await accepted;
  await tls.sendAll(peer, "by name\n");
  assert.equal(await tls.recvLine(client, { timeout: T }), "by name");
});

Deno.test("tls.connect() reaches a server on ::1", { ignore }, async () => {
  const pki = await testPki();
  let server: tls.TlsServer;
  try {
    server = await tls.listen({
      hostname: "::1",
      port: 0,
      cert: pki.cert,
      key: pki.key,
    });
  } catch {
    return; // No IPv6 loopback on this machine.
  }
  await using _server = server;
  const accepted = tls.accept(server, { timeout: T });
  await using client = await tls.connect(`[::1]:${server.addr.port}`, {
    caCerts: [pki.ca],
    timeout: T,
  });
  await using peer = await accepted;
  await tls.sendAll(client, "six\n");
  assert.equal(await tls.recvLine(peer, { timeout: T }), "six");
});

Deno.test("TLS carries lines, frames and a 4 MiB transfer intact", {
  ignore,
}, async () => {
  await using pair = await tlsPair();
  const lines = Array.from(
    { length: 500 },
    (_, i) => `line ${i} ${"x".repeat(i)}`,
  );
  const sending = tls.sendAll(pair.client, lines.join("\r\n") + "\n");
  for (const line of lines) {
    assert.equal(await tls.recvLine(pair.peer, { timeout: T }), line);
  }
  await sending;
  for (const size of [0, 1, 1_000, 100_000]) {
    const frame = pseudoRandomBytes(size, size + 1);
    await sendFrame(pair.peer, frame);
    assert.deepEqual(await recvFrame(pair.client, { timeout: T }), frame);
  }
  const big = pseudoRandomBytes(4 * 1024 * 1024, 7);
  const sent = tls.sendAll(pair.client, big, { timeout: T }).then(() =>
    tls.shutdown(pair.client)
  );
  const parts: Uint8Array[] = [];
  for (
    let chunk;
    (chunk = await tls.recv(pair.peer, 65_536, { timeout: T })) !== null;
  ) {
    parts.push(chunk);
  }
  await within(sent, T);
  const got = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    got.set(p, at);
    at += p.length;
  }
  assert.equal(await sha256(got), await sha256(big));
});

Deno.test(
  "a timed-out recv on TLS loses nothing: the next recv gets every byte",
  {
    ignore,
  },
  async () => {
    await using pair = await tlsPair();
    await assert.rejects(
      tls.recv(pair.client, 100, { timeout: 30 }),
      Deno.errors.TimedOut,
    );
    await tls.sendAll(pair.peer, "first");
    assert.equal(
      text(await tls.recvExact(pair.client, 5, { timeout: T })),
      "first",
    );
    // A recvExact that times out part-way keeps what it read.
    await tls.sendAll(pair.peer, "abc");
    await assert.rejects(
      tls.recvExact(pair.client, 6, { timeout: 100 }),
      Deno.errors.TimedOut,
    );
    await tls.sendAll(pair.peer, "def");
    assert.equal(
      text(await tls.recvExact(pair.client, 6, { timeout: T })),
      "abcdef",
    );
    // A recvLine aborted by a signal, then finished.
    const controller = new AbortController();
    const line = tls.recvLine(pair.client, { signal: controller.signal });
    await tls.sendAll(pair.peer, "half ");
    await delay(20);
    controller.abort(new Error("enough"));
    await assert.rejects(line, /enough/);
    await tls.sendAll(pair.peer, "a line\n");
    assert.equal(
      await tls.recvLine(pair.client, { timeout: T }),
      "half a line",
    );
  },
);

Deno.test(
  'shutdown("write") on TLS sends end of stream and the peer can still answer',
  {
    ignore,
  },
  async () => {
    await using pair = await tlsPair();
    await tls.sendAll(pair.client, "question");
    await tls.shutdown(pair.client, "write");
    assert.equal(
      text(await tls.recvExact(pair.peer, 8, { timeout: T })),
      "question",
    );
    assert.equal(await tls.recv(pair.peer, 100, { timeout: T }), null);
    await tls.sendAll(pair.peer, "answer\n");
    assert.equal(await tls.recvLine(pair.client, { timeout: T }), "answer");
    await tls.shutdown(pair.peer, "write");
    assert.equal(await tls.recv(pair.client, 100, { timeout: T }), null);
  },
);

Deno.test(
  "tls.connect() refuses a certificate from an untrusted CA, and accept names the peer",
  {
    ignore,
  },
  async () => {
    const pki = await testPki();
    await using server = await tls.listen({
      hostname: LOOPBACK,
      port: 0,
      cert: pki.otherCert,
      key: pki.otherKey,
    });
    const accepted = tls.accept(server, { timeout: T }).then(
      () => assert.fail("accepted"),
      (err: Error) => err,
    );
    const err = await tls.connect(
      { hostname: LOOPBACK, port: server.addr.port },
      { caCerts: [pki.ca], timeout: T },
    ).then(() => assert.fail("connected"), (err: Error) => err);
    assert.ok(err instanceof Deno.errors.InvalidData, String(err));
    assert.match(
      err.message,
      /^Cannot handshake with "127\.0\.0\.1:\d+": .*UnknownIssuer/,
    );
    const serverErr = await accepted;
    assert.match(
      serverErr.message,
      /^Cannot handshake with "127\.0\.0\.1:\d+"/,
    );
    // The server goes on.
    const next = tls.accept(server, { timeout: T });
    await using client = await tls.connect(`localhost:${server.addr.port}`, {
      caCerts: [pki.ca, await Deno.readTextFile(`${pki.dir}/other_ca.pem`)],
      timeout: T,
    });
    await using peer = await next;
    await tls.sendAll(client, "ok\n");
    assert.equal(await tls.recvLine(peer, { timeout: T }), "ok");
  },
);

Deno.test("tls.connect() refuses a certificate for another name", {
  ignore,
}, async () => {
  const pki = await testPki();
  await using server = await listenTls();
  const accepted = tls.accept(server, { timeout: T }).catch((err) => err);
  await assert.rejects(
    tls.connect({
      hostname: LOOPBACK,
      port: server.addr.port,
      caCerts: [pki.ca],
      serverName: "db.example.test",
      timeout: T,
    }),
    (err: Error) =>
      err instanceof Deno.errors.InvalidData &&
      /NotValidForName|not valid for name/i.test(err.message),
  );
  assert.ok(await accepted instanceof Error);
});

Deno.test(
  "tls.accept() with a timeout rejects a client that never speaks TLS, naming it, and accepts the next",
  {
    ignore,
  },
  async () => {
    const pki = await testPki();
    await using server = await listenTls();
    using silent = await Deno.connect({
      hostname: LOOPBACK,
      port: server.addr.port,
    });
    const err = await tls.accept(server, { timeout: 150 }).then(
      () => assert.fail("accepted"),
      (err: Error) => err,
    );
    assert.ok(err instanceof Deno.errors.TimedOut, String(err));
    assert.ok(
      err.message.includes(`"127.0.0.1:${silent.localAddr.port}"`),
      err.message,
    );
    // Deno finishes a TLS handshake before it shuts the TCP connection down
    // (denoland/deno#14547), so the silent client learns nothing until it
    // speaks; the server has dropped it all the same.
    const next = tls.accept(server, { timeout: T });
    await using client = await tls.connect(`localhost:${server.addr.port}`, {
      caCerts: [pki.ca],
      timeout: T,
    });
    await using peer = await next;
    await tls.sendAll(peer, "served\n");
    assert.equal(await tls.recvLine(client, { timeout: T }), "served");
  },
);

Deno.test(
  "tls.accept() bounds the handshake by handshakeTimeout when it has no timeout",
  {
    ignore,
  },
  async () => {
    await using server = await listenTls();
    using _silent = await Deno.connect({
      hostname: LOOPBACK,
      port: server.addr.port,
    });
    await assert.rejects(
      tls.accept(server, { handshakeTimeout: 100 }),
      Deno.errors.TimedOut,
    );
  },
);

Deno.test(
  "tls.accept() rejects a client that speaks plain text with InvalidData",
  {
    ignore,
  },
  async () => {
    await using server = await listenTls();
    await using plain = await tcp.connect(server.addr);
    await tcp.sendAll(plain, "GET / HTTP/1.0\r\n\r\n");
    await assert.rejects(
      tls.accept(server, { timeout: T }),
      (err: Error) =>
        err instanceof Deno.errors.InvalidData &&
        err.message.includes(`"127.0.0.1:${plain.localAddr.port}"`),
    );
  },
);

Deno.test(
  "ALPN: the agreed protocol is readable on both sides, null when none was offered",
  {
    ignore,
  },
  async () => {
    {
      await using pair = await tlsPair(
        { alpnProtocols: ["h2", "echo/1"] },
        { alpnProtocols: ["echo/1", "h2"] },
      );
      assert.equal(tls.alpnProtocol(pair.client), "h2");
      assert.equal(tls.alpnProtocol(pair.peer), "h2");
      assert.deepEqual(await tls.handshake(pair.client), {
        alpnProtocol: "h2",
      });
    }
    {
      await using pair = await tlsPair({ alpnProtocols: ["h2"] });
      assert.equal(tls.alpnProtocol(pair.client), null);
      assert.equal(tls.alpnProtocol(pair.peer), null);
    }
  },
);

Deno.test(
  "tls.connect() and tls.accept() take timeout Infinity as no timeout, as every operation does",
  { ignore },
  async () => {
    // Regression: Infinity reached setTimeout, which fires at once for it,
    // so the handshake timed out after 1 ms.
    const pki = await testPki();
    await using server = await listenTls();
    const accepted = within(
      tls.accept(server, { timeout: Infinity, handshakeTimeout: Infinity }),
      T,
    );
    await using client = await within(
      tls.connect(`localhost:${server.addr.port}`, {
        caCerts: [pki.ca],
        timeout: Infinity,
      }),
      T,
    );
    await using peer = await accepted;
    await tls.sendAll(client, "no limit\n");
    assert.equal(await tls.recvLine(peer, { timeout: T }), "no limit");
  },
);

Deno.test(
  "tls.handshake() completes a wrapped Deno.connectTls connection; plain sockets are refused",
  {
    ignore,
  },
  async () => {
    const pki = await testPki();
    await using server = await listenTls({ alpnProtocols: ["x"] });
    const accepted = tls.accept(server, { timeout: T });
    await using sock = tls.wrap(
      await Deno.connectTls({
        hostname: "localhost",
        port: server.addr.port,
        caCerts: [pki.ca],
        alpnProtocols: ["x"],
      }),
    );
    assert.equal(tls.alpnProtocol(sock), null);
    assert.deepEqual(await tls.handshake(sock, { timeout: T }), {
      alpnProtocol: "x",
    });
    assert.equal(tls.alpnProtocol(sock), "x");
    await using _peer = await accepted;
    await using plain = await tcp.connect(server.addr);
    await assert.rejects(tls.handshake(plain), TypeError);
  },
);

Deno.test("tls.startTls() upgrades a plain client after a STARTTLS exchange", {
  ignore,
}, async () => {
  const pki = await testPki();
  // The server answers STARTTLS, then hands the TCP connection to TLS.
  using listener = Deno.listen({ hostname: LOOPBACK, port: 0 });
  const serverSide = (async () => {
    const conn = await listener.accept();
    const sock = tcp.wrap(conn);
    assert.equal(await tcp.recvLine(sock, { timeout: T }), "STARTTLS");
    await tcp.sendAll(sock, "220 ready\r\n");
    const secure = await tls.startTls(sock, {
      serverSide: true,
      cert: pki.cert,
      key: pki.key,
      timeout: T,
    });
    const line = await tls.recvLine(secure, { timeout: T });
    await tls.sendAll(secure, `secret ${line}\n`);
    await tls.shutdown(secure);
    assert.equal(await tls.recv(secure, 10, { timeout: T }), null);
    await tls.close(secure);
  })();
  const plain = await tcp.connect(listener.addr);
  await tcp.sendAll(plain, "STARTTLS\r\n");
  assert.equal(await tcp.recvLine(plain, { timeout: T }), "220 ready");
  await using secure = await tls.startTls(plain, {
    hostname: "localhost",
    caCerts: [pki.ca],
    timeout: T,
  });
  assert.ok(plain.closed);
  await tls.sendAll(secure, "hello\n");
  assert.equal(await tls.recvLine(secure, { timeout: T }), "secret hello");
  assert.equal(await tls.recv(secure, 10, { timeout: T }), null);
  await tls.shutdown(secure);
  await serverSide;
});

Deno.test("tls.startTls() refuses bytes that arrived before the handshake", {
  ignore,
}, async () => {
  const pki = await testPki();
  await using server = await tcp.listen({ hostname: LOOPBACK, port: 0 });
  const accepted = tcp.accept(server);
  const plain = await tcp.connect(server.addr);
  await using peer = await accepted;
  // The reply and an injected command arrive in one read.
  await tcp.sendAll(peer, "220 ready\r\nINJECTED\r\n");
  assert.equal(await tcp.recvLine(plain, { timeout: T }), "220 ready");
  await assert.rejects(
    tls.startTls(plain, {
      hostname: "localhost",
      caCerts: [pki.ca],
      timeout: T,
    }),
    (err: Error) =>
      err instanceof Deno.errors.InvalidData &&
      /10 bytes buffered/.test(err.message),
  );
  assert.ok(plain.closed);
  // The server sees the connection closed, not a handshake.
  const rest = await tcp.recv(peer, 1_000, { timeout: T });
  assert.ok(rest === null || rest[0] === 0x16, "a ClientHello at most");
});

Deno.test(
  "tls.startTls() rejects with Busy while a receive is in flight, and the socket stays usable",
  {
    ignore,
  },
  async () => {
    await using server = await tcp.listen({ hostname: LOOPBACK, port: 0 });
    const accepted = tcp.accept(server);
    await using plain = await tcp.connect(server.addr);
    await using peer = await accepted;
    await assert.rejects(
      tcp.recv(plain, 10, { timeout: 20 }),
      Deno.errors.TimedOut,
    );
    await assert.rejects(
      tls.startTls(plain, { hostname: "localhost", timeout: T }),
      Deno.errors.Busy,
    );
    await tcp.sendAll(peer, "still here");
    assert.equal(
      text(await tcp.recv(plain, 100, { timeout: T })),
      "still here",
    );
  },
);

Deno.test(
  "tls.startTls() on the server side feeds buffered bytes to TLS first",
  {
    ignore,
  },
  async () => {
    const pki = await testPki();
    await using server = await tcp.listen({ hostname: LOOPBACK, port: 0 });
    const accepted = tcp.accept(server);
    // A client that pipelines: STARTTLS and its ClientHello without waiting.
    const raw = await Deno.connect({
      hostname: LOOPBACK,
      port: server.addr.port,
    });
    await raw.write(bytes("STARTTLS\r\n"));
    await using client = tls.wrap(
      await Deno.startTls(raw, { hostname: "localhost", caCerts: [pki.ca] }),
    );
    const clientHandshake = tls.handshake(client, { timeout: T });
    await using plainPeer = await accepted;
    await delay(100); // Both in the kernel's buffer: one read takes them.
    assert.equal(await tcp.recvLine(plainPeer, { timeout: T }), "STARTTLS");
    await using secure = await tls.startTls(plainPeer, {
      serverSide: true,
      cert: pki.cert,
      key: pki.key,
      timeout: T,
    });
    await clientHandshake;
    await tls.sendAll(client, "over tls\n");
    assert.equal(await tls.recvLine(secure, { timeout: T }), "over tls");
  },
);

Deno.test("tls functions check their arguments before any I/O", async () => {
  await assert.rejects(tls.connect(42 as unknown as string), TypeError);
  await assert.rejects(tls.connect("nohost"), TypeError);
  await assert.rejects(tls.connect({ port: 70_000 }), RangeError);
  await assert.rejects(
    tls.connect({ port: 1, caCerts: "pem" as unknown as string[] }),
    /caCerts must be an array of PEM strings/,
  );
  await assert.rejects(
    tls.connect({ port: 1, alpnProtocols: [""] }),
    /alpnProtocols must be an array of non-empty strings/,
  );
  await assert.rejects(tls.connect({ port: 1, serverName: "" }), /serverName/);
  await assert.rejects(tls.connect({ port: 1, timeout: -1 }), RangeError);
  await assert.rejects(
    tls.listen({ port: 0, cert: "nope", key: "nope" }),
    /cert must be a PEM string/,
  );
  await assert.rejects(
    tls.listen(null as unknown as tls.ListenOptions),
    TypeError,
  );
  await assert.rejects(
    tls.listen({ port: -1, cert: "-----BEGIN", key: "-----BEGIN" }),
    RangeError,
  );
  await assert.rejects(
    tls.startTls({} as tls.TlsSocket, { hostname: "x" }),
    /sock must be a connected StreamSocket/,
  );
  await assert.rejects(
    tls.accept({} as tls.TlsServer),
    /server must be a server from tls.listen/,
  );
});

/**
 * Connects to `port` of a server on "::" with ipv6Only: first from
 * 127.0.0.1, which must be closed unserved, then from ::1, returned.
 * Deno completes closing a TLS connection only after its handshake, so the
 * IPv4 client's handshake finishes, then its stream ends.
 */
async function connectV6Only(
  port: number,
  ca: string,
): Promise<tls.TlsSocket> {
  const options = { caCerts: [ca], serverName: "localhost", timeout: T };
  {
    await using v4 = await tls.connect({ hostname: LOOPBACK, port }, options);
    const ended = await tls.recv(v4, 1, { timeout: T }).catch((e) => e);
    assert.ok(
      ended === null || ended instanceof Deno.errors.ConnectionReset ||
        ended instanceof Deno.errors.UnexpectedEof,
      String(ended),
    );
  }
  return await tls.connect({ hostname: "::1", port }, options);
}

Deno.test(
  'tls.listen({ hostname: "::", ipv6Only: true }) serves ::1 clients and closes 127.0.0.1 ones unserved',
  { ignore: ignore || !canListenOnIpv6Any },
  async () => {
    const pki = await testPki();
    await using server = await listenTls({ hostname: "::", ipv6Only: true });
    const accepted = tls.accept(server, { timeout: T });
    await using v6 = await connectV6Only(server.addr.port, pki.ca);
    await using peer = await accepted;
    assert.equal(peer.remoteAddr.hostname, "::1");
    assert.equal(peer.remoteAddr.port, v6.localAddr.port);
    await tls.sendAll(v6, "six\n", { timeout: T });
    assert.equal(await tls.recvLine(peer, { timeout: T }), "six");
  },
);

Deno.test(
  'serve({ hostname: "::", ipv6Only: true, tls }) serves ::1 clients and never runs the handler for 127.0.0.1 ones',
  { ignore: ignore || !canListenOnIpv6Any },
  async () => {
    const pki = await testPki();
    const peers: string[] = [];
    await using server = await serve({
      hostname: "::",
      port: 0,
      ipv6Only: true,
      tls: { cert: pki.cert, key: pki.key },
    }, async (sock) => {
      peers.push(sock.remoteAddr.hostname);
      await tls.sendAll(sock, "hi", { timeout: T });
    });
    await using v6 = await connectV6Only(server.addr.port, pki.ca);
    assert.equal(
      new TextDecoder().decode(await tls.recvExact(v6, 2, { timeout: T })),
      "hi",
    );
    assert.deepEqual(peers, ["::1"]);
  },
);

Deno.test(
  "tls.listen() refuses a bad ipv6Only before any I/O, as tcp.listen does",
  { ignore },
  async () => {
    const pki = await testPki();
    // The port is taken: a check after listening would say AddrInUse.
    await using taken = await listenTls();
    const base = { port: taken.addr.port, cert: pki.cert, key: pki.key };
    await assert.rejects(
      tls.listen({ ...base, hostname: LOOPBACK, ipv6Only: true }),
      /^TypeError: Cannot listen as ipv6Only needs an IPv6 hostname such as "::": current value is "127\.0\.0\.1"$/,
    );
    await assert.rejects(
      tls.listen({ ...base, ipv6Only: true }),
      /^TypeError: Cannot listen as ipv6Only needs an IPv6 hostname such as "::": current value is "0\.0\.0\.0"$/,
    );
    await assert.rejects(
      tls.listen({
        ...base,
        hostname: "::",
        ipv6Only: "yes" as unknown as boolean,
      }),
      /^TypeError: Cannot listen as ipv6Only must be a boolean: current value is "yes"$/,
    );
  },
);

Deno.test(
  "tls.listen() reports a certificate it cannot use",
  { ignore },
  async () => {
    const pki = await testPki();
    await assert.rejects(
      tls.listen({
        hostname: LOOPBACK,
        port: 0,
        cert: pki.cert,
        key: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
      }),
      (err: Error) =>
        err instanceof TypeError &&
        /^Cannot listen on "127\.0\.0\.1:0" as cert and key/.test(err.message),
    );
  },
);

Deno.test(
  "tls.listen() checks its address as tcp.listen does",
  { ignore },
  async () => {
    const pki = await testPki();
    const listen = (address: object) =>
      tls.listen({ ...address, cert: pki.cert, key: pki.key });
    await assert.rejects(
      listen({ hostname: "a b", port: 0 }),
      (err: Error) =>
        err instanceof TypeError &&
        /^Cannot listen as hostname must be a host name or an IP address \(.*\): current value is "a b"$/
          .test(err.message),
    );
    await assert.rejects(
      listen({ hostname: null, port: 0 }),
      /^TypeError: Cannot listen as hostname must be a string: current value is null$/,
    );
    await assert.rejects(
      listen({ hostname: LOOPBACK, port: null }),
      /^TypeError: Cannot listen as port must be a number: current value is null$/,
    );
    // An empty hostname means every IPv4 interface, as for tcp.listen.
    await using server = await listen({ hostname: "", port: 0 });
    assert.equal(server.addr.hostname, "0.0.0.0");
  },
);

Deno.test(
  "serve() with tls echoes for verified clients, the handler getting a handshaken socket",
  {
    ignore,
  },
  async () => {
    const pki = await testPki();
    let alpn: (string | null)[] = [];
    await using server = await serve({
      hostname: LOOPBACK,
      port: 0,
      tls: { cert: pki.cert, key: pki.key, alpnProtocols: ["echo/1"] },
    }, async (sock) => {
      alpn.push(tls.alpnProtocol(sock));
      for (let msg; (msg = await recvFrame(sock)) !== null;) {
        await sendFrame(sock, msg);
      }
    });
    const clients = await Promise.all(
      Array.from(
        { length: 20 },
        () =>
          tls.connect(`localhost:${server.addr.port}`, {
            caCerts: [pki.ca],
            alpnProtocols: ["echo/1"],
            timeout: T,
          }),
      ),
    );
    try {
      await Promise.all(clients.map(async (client, i) => {
        const msg = pseudoRandomBytes(1_000 + i, i + 1);
        await sendFrame(client, msg);
        assert.deepEqual(await recvFrame(client, { timeout: T }), msg);
        await tls.shutdown(client);
        assert.equal(await recvFrame(client, { timeout: T }), null);
      }));
    } finally {
      await Promise.all(clients.map((c) => tls.close(c)));
    }
    assert.equal(alpn.length, 20);
    assert.ok(alpn.every((p) => p === "echo/1"));
    alpn = [];
  },
);

Deno.test(
  "serve() with tls drops a client that never finishes its handshake and serves others meanwhile",
  {
    ignore,
  },
  async () => {
    const pki = await testPki();
    const errors: unknown[] = [];
    await using server = await serve({
      hostname: LOOPBACK,
      port: 0,
      maxConnections: 2,
      tls: { cert: pki.cert, key: pki.key, handshakeTimeout: 300 },
      onError: (err) => errors.push(err),
    }, async (sock) => {
      await tls.sendAll(sock, "welcome\n");
    });
    using _stall1 = await Deno.connect({
      hostname: LOOPBACK,
      port: server.addr.port,
    });
    using _stall2 = await Deno.connect({
      hostname: LOOPBACK,
      port: server.addr.port,
    });
    // Both slots are held by stalled handshakes until their timeout.
    await using client = await tls.connect(`localhost:${server.addr.port}`, {
      caCerts: [pki.ca],
      timeout: T,
    });
    assert.equal(await tls.recvLine(client, { timeout: T }), "welcome");
    // The second stalled client's timeout may land just after the first's.
    for (let i = 0; i < 200 && errors.length < 2; i++) await delay(25);
    assert.equal(errors.length, 2);
    for (const err of errors) {
      assert.ok(err instanceof Deno.errors.TimedOut, String(err));
      assert.match(
        (err as Error).message,
        /^Cannot handshake with "127\.0\.0\.1:\d+"/,
      );
    }
  },
);

Deno.test("serve() with tls refuses bad tls options before listening", async () => {
  await assert.rejects(
    serve({ port: 0, tls: null as unknown as ServeTlsOptions }, () => {}),
    /tls must be an object/,
  );
  await assert.rejects(
    serve({ port: 0, tls: { cert: "x", key: "y" } }, () => {}),
    /cert must be a PEM string/,
  );
  await assert.rejects(
    serve({
      port: 0,
      tls: { cert: "-----BEGIN", key: "-----BEGIN", handshakeTimeout: 0 },
    }, () => {}),
    RangeError,
  );
  await assert.rejects(
    serve({ path: "/tmp/x", tls: { cert: "", key: "" } } as never, () => {}),
    /tls is for TCP/,
  );
});

Deno.test(
  "tls.startTls() on the server side rejects a client that is not TLS with InvalidData naming it",
  {
    ignore,
  },
  async () => {
    const pki = await testPki();
    await using server = await tcp.listen({ hostname: LOOPBACK, port: 0 });
    const accepted = tcp.accept(server);
    await using client = await tcp.connect(server.addr);
    const plainPeer = await accepted;
    await tcp.sendAll(client, "EHLO plain text\r\n");
    await assert.rejects(
      tls.startTls(plainPeer, {
        serverSide: true,
        cert: pki.cert,
        key: pki.key,
        timeout: T,
      }),
      (err: Error) =>
        err instanceof Deno.errors.InvalidData &&
        err.message.startsWith(
          `Cannot handshake with "127.0.0.1:${client.localAddr.port}"`,
        ),
    );
    assert.ok(plainPeer.closed);
  },
);

Deno.test(
  "tls.startTls() on the server side times out on a silent client and leaves nothing running",
  {
    ignore,
  },
  async () => {
    const pki = await testPki();
    await using server = await tcp.listen({ hostname: LOOPBACK, port: 0 });
    const accepted = tcp.accept(server);
    await using client = await tcp.connect(server.addr);
    const plainPeer = await accepted;
    await assert.rejects(
      tls.startTls(plainPeer, {
        serverSide: true,
        cert: pki.cert,
        key: pki.key,
        timeout: 100,
      }),
      Deno.errors.TimedOut,
    );
    assert.ok(plainPeer.closed);
    // The server side closed the TCP connection.
    assert.equal(await tcp.recv(client, 100, { timeout: T }), null);
  },
);

/**
 * Runs `body` with the timers of `DEFAULT_HANDSHAKE_TIMEOUT` ms shortened
 * to 50 ms, so a test can see the default applied without waiting 10 s:
 * the error still names the limit the code asked for. Other timers run as
 * asked. Returns how many default timers were started.
 */
async function withShortDefaultTimers(
  body: () => Promise<void>,
): Promise<number> {
  const original = globalThis.setTimeout;
  let started = 0;
  globalThis.setTimeout = ((
    fn: (...args: unknown[]) => void,
    ms?: number,
    ...args: unknown[]
  ) => {
    if (ms === tls.DEFAULT_HANDSHAKE_TIMEOUT) {
      started++;
      return original(fn, 50, ...args);
    }
    return original(fn, ms, ...args);
  }) as typeof setTimeout;
  try {
    await body();
  } finally {
    globalThis.setTimeout = original;
  }
  return started;
}

Deno.test(
  "tls.accept() bounds the handshake by DEFAULT_HANDSHAKE_TIMEOUT when given no handshakeTimeout",
  { ignore },
  async () => {
    await using server = await listenTls();
    using _silent = await Deno.connect({
      hostname: LOOPBACK,
      port: server.addr.port,
    });
    const started = await withShortDefaultTimers(async () => {
      await within(
        assert.rejects(
          tls.accept(server),
          (err: Error) =>
            err instanceof Deno.errors.TimedOut &&
            err.message.endsWith(
              `timed out after ${tls.DEFAULT_HANDSHAKE_TIMEOUT} ms`,
            ),
        ),
        T,
        "the accept with no timeout",
      );
    });
    assert.equal(started, 1);
  },
);

Deno.test(
  "tls.startTls() on the server side bounds the handshake by DEFAULT_HANDSHAKE_TIMEOUT when neither the call nor the socket has a timeout",
  { ignore },
  async () => {
    // Regression: with no timeout anywhere, a silent client held the
    // caller for ever, where tls.accept() gives up after the default.
    const pki = await testPki();
    await using pair = await tcpPair();
    const started = await withShortDefaultTimers(async () => {
      await within(
        assert.rejects(
          tls.startTls(pair.peer, {
            serverSide: true,
            cert: pki.cert,
            key: pki.key,
          }),
          (err: Error) =>
            err instanceof Deno.errors.TimedOut &&
            err.message.endsWith(
              `timed out after ${tls.DEFAULT_HANDSHAKE_TIMEOUT} ms`,
            ),
        ),
        T,
        "the server-side startTls with no timeout",
      );
    });
    assert.equal(started, 1);
    assert.ok(pair.peer.closed);
  },
);

Deno.test(
  "tls.startTls() on the server side rejects with UnexpectedEof when the client leaves during the handshake",
  { ignore },
  async () => {
    // Regression: node:tls saw the end of the stream and stayed waiting,
    // so the handshake settled only at its timeout.
    const pki = await testPki();
    await using pair = await tcpPair();
    const upgrading = tls.startTls(pair.peer, {
      serverSide: true,
      cert: pki.cert,
      key: pki.key,
      timeout: T,
    });
    await tcp.close(pair.client);
    await within(
      assert.rejects(upgrading, Deno.errors.UnexpectedEof),
      T / 2,
      "the handshake",
    );
    assert.ok(pair.peer.closed);
  },
);

Deno.test(
  "tls.startTls() on the server side takes the socket's timeout, and timeout null as no limit",
  { ignore },
  async () => {
    const pki = await testPki();
    {
      await using pair = await tcpPair();
      tcp.setTimeout(pair.peer, 100);
      await within(
        assert.rejects(
          tls.startTls(pair.peer, {
            serverSide: true,
            cert: pki.cert,
            key: pki.key,
          }),
          (err: Error) =>
            err instanceof Deno.errors.TimedOut &&
            err.message.endsWith("timed out after 100 ms"),
        ),
        T,
      );
    }
    for (const timeout of [null, Infinity]) {
      await using pair = await tcpPair();
      const started = await withShortDefaultTimers(async () => {
        const upgrading = tls.startTls(pair.peer, {
          serverSide: true,
          cert: pki.cert,
          key: pki.key,
          timeout,
        });
        // Well past the shortened default: still waiting.
        const early = await Promise.race([
          upgrading.then(() => "resolved", () => "rejected"),
          delay(300).then(() => "waiting"),
        ]);
        assert.equal(early, "waiting", `timeout ${timeout}`);
        // The client leaving ends it, with its own error, not a timeout.
        await tcp.close(pair.client);
        await within(
          assert.rejects(
            upgrading,
            (err: Error) => !(err instanceof Deno.errors.TimedOut),
          ),
          T,
        );
      });
      assert.equal(started, 0, `timeout ${timeout}`);
    }
  },
);

Deno.test(
  "tls.startTls() on the server side carries 1 MiB both ways and half-closes",
  {
    ignore,
  },
  async () => {
    const pki = await testPki();
    await using server = await tcp.listen({ hostname: LOOPBACK, port: 0 });
    const accepted = tcp.accept(server);
    const plainClient = await tcp.connect(server.addr);
    const plainPeer = await accepted;
    const [client, peer] = await Promise.all([
      tls.startTls(plainClient, {
        hostname: "localhost",
        caCerts: [pki.ca],
        timeout: T,
      }),
      tls.startTls(plainPeer, {
        serverSide: true,
        cert: pki.cert,
        key: pki.key,
        timeout: T,
      }),
    ]);
    await using _client = client;
    await using _peer = peer;
    const data = pseudoRandomBytes(1024 * 1024, 3);
    const sending = tls.sendAll(client, data, { timeout: T }).then(() =>
      tls.shutdown(client)
    );
    assert.deepEqual(
      await tls.recvExact(peer, data.length, { timeout: T }),
      data,
    );
    assert.equal(await tls.recv(peer, 10, { timeout: T }), null);
    await within(sending, T);
    // Sent while the client reads: 1 MiB need not fit in the socket buffers.
    const replying = tls.sendAll(peer, data, { timeout: T });
    assert.deepEqual(
      await tls.recvExact(client, data.length, { timeout: T }),
      data,
    );
    await replying;
    await tls.shutdown(peer);
    assert.equal(await tls.recv(client, 10, { timeout: T }), null);
  },
);

Deno.test("mod.ts exports tls as a namespace", async () => {
  const mod = await import("../mod.ts");
  assert.equal(mod.tls.connect, tls.connect);
  assert.equal(mod.tls.startTls, tls.startTls);
  assert.equal(mod.tls.recvLine, tcp.recvLine);
});
