// Copyright 2026 the socketkit authors. MIT license.
// The TLS examples, driven as subprocesses with the narrowest permissions,
// with a CA and certificate made by openssl at test time.

import assert from "node:assert/strict";
import * as tcp from "../tcp.ts";
import { HAS_OPENSSL, NO_OPENSSL_NOTE, testPki } from "./_tls_util.ts";
import {
  CTIME_PREFIX_REGEXP,
  hasCommand,
  portOf,
  run,
  runExample,
  startExample,
} from "./_util.ts";

const ignore = !HAS_OPENSSL;
const HAS_PYTHON = hasCommand("python3");
// deno-lint-ignore no-console
if (ignore) console.warn(NO_OPENSSL_NOTE);
const REPLY_REGEXP = new RegExp(`^${CTIME_PREFIX_REGEXP.source}(.*)$`);

/** The server's flags and arguments: net on loopback, read of the two files only. */
async function startServer(extra: string[] = []) {
  const pki = await testPki();
  return await startExample(
    "tls_server.ts",
    ["--allow-net=127.0.0.1", `--allow-read=${pki.certPath},${pki.keyPath}`],
    ["--cert", pki.certPath, "--key", pki.keyPath, "--port", "0", ...extra],
  );
}

async function client(port: number, args: string[], withCa = true) {
  const pki = await testPki();
  return await runExample(
    "tls_client.ts",
    withCa
      ? ["--allow-net=127.0.0.1", `--allow-read=${pki.caPath}`]
      : ["--allow-net=127.0.0.1"],
    [
      "--port",
      String(port),
      ...(withCa ? ["--ca", pki.caPath] : []),
      ...args,
    ],
  );
}

Deno.test(
  "tls_client sends each --message over TLS and prints each ctime-prefixed reply",
  {
    ignore,
  },
  async () => {
    await using server = await startServer();
    assert.match(server.listening, /^127\.0\.0\.1:\d+$/);
    const out = await client(portOf(server.listening), [
      "--servername",
      "localhost",
      "--message",
      "hello",
      "--message",
      "你好",
    ]);
    assert.equal(out.stderr, "");
    assert.equal(out.code, 0);
    const lines = out.stdout.trimEnd().split("\n");
    assert.equal(lines.length, 2, out.stdout);
    assert.equal(REPLY_REGEXP.exec(lines[0]!)?.[1], "hello");
    assert.equal(REPLY_REGEXP.exec(lines[1]!)?.[1], "你好");
    const status = await server.stop();
    assert.equal(status.code, 0);
  },
);

Deno.test(
  "tls_client without the CA prints one line and exits 1; the server goes on",
  {
    ignore,
  },
  async () => {
    await using server = await startServer();
    const port = portOf(server.listening);
    const refused = await client(port, ["--message", "x"], false);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /^error: Cannot handshake with "127\.0\.0\.1:\d+": invalid peer certificate: UnknownIssuer\n$/,
    );
    const ok = await client(port, ["--message", "still here"]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(REPLY_REGEXP.exec(ok.stdout.trimEnd())?.[1], "still here");
  },
);

Deno.test(
  "tls_server drops a client that never speaks TLS after --handshake-timeout and serves others meanwhile",
  {
    ignore,
  },
  async () => {
    // Long enough for a fresh client process on a loaded machine to
    // finish its own handshake (300 ms was not, under the parallel suite).
    await using server = await startServer(["--handshake-timeout", "2000"]);
    const port = portOf(server.listening);
    await using silent = await tcp.connect({ hostname: "127.0.0.1", port });
    const ok = await client(port, ["--message", "served"]);
    assert.equal(ok.code, 0, ok.stderr);
    // The server closes the silent connection once its handshake times out
    // and the peer speaks: Deno finishes a handshake before it shuts down.
    await tcp.sendAll(silent, "\n");
    // At most a TLS alert record (type 21), then the end of the stream.
    for (
      let data;
      (data = await tcp.recv(silent, 100, { timeout: 10_000 })) !== null;
    ) {
      assert.equal(data[0], 21);
    }
  },
);

Deno.test("tls_server answers Python's ssl client", {
  ignore: ignore || !HAS_PYTHON,
}, async () => {
  const pki = await testPki();
  await using server = await startServer();
  const out = await run("python3", [
    "-c",
    `
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[1])
with socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=10) as s:
    with ctx.wrap_socket(s, server_hostname="localhost") as ss:
        ss.sendall("hello from python".encode())
        print(ss.recv(1024).decode())
`,
    pki.caPath,
    String(portOf(server.listening)),
  ]);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(
    REPLY_REGEXP.exec(out.stdout.trimEnd())?.[1],
    "hello from python",
  );
});

Deno.test("tls_server without --cert prints the usage and exits 2", async () => {
  const out = await runExample("tls_server.ts", ["--allow-net=127.0.0.1"], [
    "--port",
    "0",
  ]);
  assert.equal(out.code, 2);
  assert.match(out.stderr, /^error: --cert is required\nusage: /);
});

Deno.test("tls_server with an unreadable --cert prints one line and exits 1", async () => {
  const out = await runExample("tls_server.ts", [
    "--allow-net=127.0.0.1",
    "--allow-read=/nonexistent",
  ], ["--cert", "/nonexistent/c.pem", "--key", "/nonexistent/k.pem"]);
  assert.equal(out.code, 1);
  assert.match(out.stderr, /^error: .*\n$/);
});
