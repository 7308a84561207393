// Copyright 2026 the socketkit authors. MIT license.
//
// cli.ts --tls driven as a subprocess against in-process TLS servers and
// clients, over loopback, with certificates made by openssl at test time.

import assert from "node:assert/strict";
import { parseCommandLine, UsageError } from "../_cli_args.ts";
import * as tcp from "../tcp.ts";
import * as tls from "../tls.ts";
import {
  HAS_OPENSSL,
  listenTls,
  NO_OPENSSL_NOTE,
  type Peer,
  spawnPeer,
  testPki,
} from "./_tls_util.ts";
import {
  canListenOnIpv6Any,
  pseudoRandomBytes,
  sha256,
  within,
} from "./_util.ts";

const CLI = new URL("../cli.ts", import.meta.url).pathname;
const LOOPBACK = "127.0.0.1";
const T = 10_000;
const ignore = !HAS_OPENSSL;
// deno-lint-ignore no-console
if (ignore) console.warn(NO_OPENSSL_NOTE);

function cli(...args: string[]): Peer {
  return spawnPeer(Deno.execPath(), ["run", "-A", "--quiet", CLI, ...args]);
}

/**
 * Waits at most `T` for what the CLI process does: a failing test then
 * ends in seconds, and disposing the process kills it.
 */
function bounded<T>(promise: Promise<T>, what: string): Promise<T> {
  return within(promise, T, what);
}

/** Reads standard error lines until `listening on HOST:PORT`; returns the port. */
function listeningPort(proc: Peer): Promise<number> {
  return bounded(
    (async () => {
      for (let line; (line = await proc.readErrLine()) !== null;) {
        const match = /^listening on .*:(\d+)$/.exec(line);
        if (match) return Number(match[1]);
      }
      const out = await proc.finish();
      throw new Error(`no "listening on" line: ${out.stderr}`);
    })(),
    'the "listening on" line',
  );
}

Deno.test(
  "connect --tls --ca talks to a TLS server and half-closes at the end of input",
  {
    ignore,
  },
  async () => {
    const pki = await testPki();
    await using server = await listenTls();
    const accepted = tls.accept(server, { timeout: T });
    await using proc = cli(
      "connect",
      "--tls",
      "--ca",
      pki.caPath,
      "--servername",
      "localhost",
      LOOPBACK,
      String(server.addr.port),
    );
    await using conn = await accepted;
    await proc.write("hello over tls\n");
    assert.equal(await tls.recvLine(conn, { timeout: T }), "hello over tls");
    await tls.sendAll(conn, "and back\n");
    assert.equal(await bounded(proc.readLine(), "the reply"), "and back");
    const finishing = bounded(proc.finish(), "the exit");
    assert.equal(await tls.recv(conn, 100, { timeout: T }), null);
    await tls.close(conn);
    const out = await finishing;
    assert.equal(out.code, 0, out.stderr);
  },
);

Deno.test(
  "connect --tls to an untrusted certificate prints one line and exits 1",
  {
    ignore,
  },
  async () => {
    await using server = await listenTls();
    const accepted = tls.accept(server, { timeout: T }).catch((err) => err);
    await using proc = cli(
      "connect",
      "--tls",
      "localhost",
      String(server.addr.port),
    );
    const out = await bounded(proc.finish(), "the exit");
    assert.equal(out.code, 1);
    const lines = out.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, out.stderr);
    assert.match(
      lines[0]!,
      /^error: Cannot handshake with ".*": invalid peer certificate: UnknownIssuer$/,
    );
    assert.ok(await accepted instanceof Error);
  },
);

Deno.test("connect --tls with a --servername the certificate lacks exits 1", {
  ignore,
}, async () => {
  const pki = await testPki();
  await using server = await listenTls();
  const accepted = tls.accept(server, { timeout: T }).catch((err) => err);
  await using proc = cli(
    "connect",
    "--tls",
    "--ca",
    pki.caPath,
    "--servername",
    "imap.example.test",
    LOOPBACK,
    String(server.addr.port),
  );
  const out = await bounded(proc.finish(), "the exit");
  assert.equal(out.code, 1);
  assert.match(
    out.stderr,
    /^error: Cannot handshake with "127\.0\.0\.1:\d+": invalid peer certificate: certificate not valid for name "imap\.example\.test"[^\n]*\n$/,
  );
  assert.ok(await accepted instanceof Error);
});

Deno.test("connect --tls --ca with a missing file exits 1 naming it", {
  ignore,
}, async () => {
  await using proc = cli(
    "connect",
    "--tls",
    "--ca",
    "/nonexistent/ca.pem",
    LOOPBACK,
    "1",
  );
  const out = await bounded(proc.finish(), "the exit");
  assert.equal(out.code, 1);
  assert.match(out.stderr, /^error: .*--ca "\/nonexistent\/ca\.pem".*\n$/);
});

Deno.test(
  "listen --tls --cert --key serves a verified client; a client that fails its handshake costs only itself",
  {
    ignore,
  },
  async () => {
    const pki = await testPki();
    await using proc = cli(
      "listen",
      "--tls",
      "--cert",
      pki.certPath,
      "--key",
      pki.keyPath,
      LOOPBACK,
      "0",
    );
    const port = await listeningPort(proc);
    // A plain client speaking HTTP: its handshake fails, listen goes on.
    {
      await using plain = await tcp.connect({ hostname: LOOPBACK, port });
      await tcp.sendAll(plain, "GET / HTTP/1.0\r\n\r\n");
      const line = await bounded(proc.readErrLine(), "the error line");
      assert.match(
        line ?? "",
        /^error: Cannot handshake with "127\.0\.0\.1:\d+"/,
      );
    }
    await using client = await tls.connect(`localhost:${port}`, {
      caCerts: [pki.ca],
      timeout: T,
    });
    await tls.sendAll(client, "to the cli\n");
    assert.equal(await bounded(proc.readLine(), "the line"), "to the cli");
    await proc.write("from the cli\n");
    assert.equal(await tls.recvLine(client, { timeout: T }), "from the cli");
    await tls.shutdown(client, "write", { timeout: T });
    const out = await bounded(proc.finish(), "the exit");
    assert.equal(out.code, 0, out.stderr);
    assert.equal(await tls.recv(client, 100, { timeout: T }), null);
  },
);

/**
 * Asserts that a verified TLS client of 127.0.0.1:`port` is closed
 * unserved: its handshake completes (Deno closes a TLS connection only
 * after it), then its stream ends.
 */
async function assertTurnedAway(port: number, ca: string): Promise<void> {
  await using v4 = await tls.connect(
    { hostname: LOOPBACK, port },
    { caCerts: [ca], serverName: "localhost", timeout: T },
  );
  const ended = await tls.recv(v4, 1, { timeout: T }).catch((e) => e);
  assert.ok(
    ended === null || ended instanceof Deno.errors.ConnectionReset ||
      ended instanceof Deno.errors.UnexpectedEof,
    String(ended),
  );
}

Deno.test(
  "listen -6 --tls closes a 127.0.0.1 client unserved and serves a ::1 one",
  { ignore: ignore || !canListenOnIpv6Any },
  async () => {
    const pki = await testPki();
    await using proc = cli(
      "listen",
      "-6",
      "--tls",
      "--cert",
      pki.certPath,
      "--key",
      pki.keyPath,
      "0",
    );
    const port = await listeningPort(proc);
    await assertTurnedAway(port, pki.ca);
    await using client = await tls.connect(
      { hostname: "::1", port },
      { caCerts: [pki.ca], serverName: "localhost", timeout: T },
    );
    await tls.sendAll(client, "six\n");
    assert.equal(await bounded(proc.readLine(), "the line"), "six");
    await tls.shutdown(client, "write", { timeout: T });
    const out = await bounded(proc.finish(), "the exit");
    assert.equal(out.code, 0, out.stderr);
  },
);

Deno.test(
  "listen -6 -k --tls --echo closes 127.0.0.1 clients unserved and echoes to ::1 ones",
  { ignore: ignore || !canListenOnIpv6Any },
  async () => {
    const pki = await testPki();
    await using proc = cli(
      "listen",
      "-6",
      "-k",
      "--echo",
      "--tls",
      "--cert",
      pki.certPath,
      "--key",
      pki.keyPath,
      "0",
    );
    const port = await listeningPort(proc);
    for (let i = 0; i < 2; i++) {
      await assertTurnedAway(port, pki.ca);
      await using client = await tls.connect(
        { hostname: "::1", port },
        { caCerts: [pki.ca], serverName: "localhost", timeout: T },
      );
      await tls.sendAll(client, `six ${i}\n`);
      assert.equal(await tls.recvLine(client, { timeout: T }), `six ${i}`);
    }
    proc.child.kill("SIGINT");
    const out = await bounded(proc.finish(), "the exit");
    assert.equal(out.code, 130, out.stderr);
  },
);

Deno.test("send --tls and recv --tls move a file intact", {
  ignore,
}, async () => {
  const pki = await testPki();
  const dir = await Deno.makeTempDir();
  try {
    const data = pseudoRandomBytes(300_000, 5);
    await Deno.writeFile(`${dir}/in.bin`, data);
    await using receiver = cli(
      "recv",
      "--tls",
      "--cert",
      pki.certPath,
      "--key",
      pki.keyPath,
      LOOPBACK,
      "0",
      `${dir}/out.bin`,
    );
    const port = await listeningPort(receiver);
    await using sender = cli(
      "send",
      "--tls",
      "--ca",
      pki.caPath,
      "--servername",
      "localhost",
      LOOPBACK,
      String(port),
      `${dir}/in.bin`,
    );
    const sent = await bounded(sender.finish(), "the sender's exit");
    assert.equal(sent.code, 0, sent.stderr);
    const received = await bounded(receiver.finish(), "the receiver's exit");
    assert.equal(received.code, 0, received.stderr);
    assert.equal(
      await sha256(await Deno.readFile(`${dir}/out.bin`)),
      await sha256(data),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test(
  "scan --tls lists only the ports that complete a verified handshake",
  {
    ignore,
  },
  async () => {
    const pki = await testPki();
    await using server = await listenTls();
    // A plain server that answers garbage to the ClientHello.
    await using plain = await tcp.listen({ hostname: LOOPBACK, port: 0 });
    const answering = (async () => {
      await using sock = await tcp.accept(plain, { timeout: T });
      await tcp.sendAll(sock, "220 plain text here\r\n");
      await tcp.recv(sock, 4096, { timeout: T }).catch(() => null);
    })();
    const serving = (async () => {
      await using _sock = await tls.accept(server, { timeout: T });
    })();
    const ports = [server.addr.port, plain.addr.port].sort((a, b) => a - b);
    await using proc = cli(
      "scan",
      "--tls",
      "--ca",
      pki.caPath,
      "--servername",
      "localhost",
      "-w",
      "5s",
      LOOPBACK,
      ports.join(","),
    );
    const out = await bounded(proc.finish(), "the scan");
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, `${server.addr.port}\n`);
    await bounded(answering, "the plain server");
    await bounded(serving, "the TLS server");
  },
);

Deno.test("--tls options are checked with the other arguments", () => {
  const usage = (args: string[]) => {
    try {
      parseCommandLine(args);
    } catch (err) {
      assert.ok(err instanceof UsageError);
      return err.message;
    }
    return assert.fail("parsed");
  };
  assert.equal(
    usage(["connect", "--ca", "x", "h", "1"]),
    "--ca goes with --tls",
  );
  assert.equal(
    usage(["listen", "--tls", "0"]),
    "listen --tls needs --cert FILE and --key FILE",
  );
  assert.equal(
    usage(["connect", "--tls", "--udp", "h", "1"]),
    "--tls and --udp cannot be used together",
  );
  assert.match(
    usage(["listen", "--tls", "--ca", "x", "0"]),
    /unknown option "--ca"/,
  );
  assert.equal(
    usage(["connect", "--tls", "--servername", "", "h", "1"]),
    "--servername must not be empty",
  );
  const line = parseCommandLine([
    "connect",
    "--tls",
    "--ca",
    "ca.pem",
    "--servername",
    "db",
    "10.0.0.1",
    "5432",
  ]);
  assert.ok(!("help" in line));
  assert.deepEqual(line.tls, {
    ca: "ca.pem",
    serverName: "db",
    cert: "",
    key: "",
  });
});
