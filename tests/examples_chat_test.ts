// Copyright 2026 the socketkit authors. MIT license.
// The chat examples, driven as subprocesses, against each other and the
// tutorial's Python client and server (seed 004), byte for byte.

import assert from "node:assert/strict";
import { encodeFrame, recvFrame, sendFrame } from "../framing.ts";
import * as tcp from "../tcp.ts";
import {
  concat,
  hasCommand,
  type Output,
  portOf,
  run,
  runExample,
  type RunningExample,
  startExample,
} from "./_util.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const NET = ["--allow-net"];
const HEADER = { kind: "text", width: 64 } as const;

const HAS_PYTHON = hasCommand("python3");

/**
 * The tutorial's client.py, as published but for the address: the server
 * is 127.0.0.1 and the port comes from the command line (the tutorial
 * hard-codes gethostbyname(gethostname()) and 5050).
 */
const PYTHON_CLIENT = `
import socket
import sys

HEADER = 64
PORT = int(sys.argv[1])
FORTAM = 'utf-8'
DISCONNECT_MESSAGE = "!DISCONNECT"
SERVER = "127.0.0.1"
ADDR = (SERVER, PORT)

client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect(ADDR)

def send(msg):
    message = msg.encode(FORTAM)
    msg_length = len(message)
    send_length = str(msg_length).encode(FORTAM)
    send_length += b' ' * (HEADER - len(send_length))
    client.send(send_length)
    client.send(message)
    print(client.recv(2048).decode(FORTAM))

send("Hello World!")
send(DISCONNECT_MESSAGE)
`;

/**
 * The tutorial's server.py, as published but for the address (127.0.0.1,
 * port from the command line, 0 for a free one) and one added first line,
 * "listening on HOST:PORT", so the test learns the port.
 */
const PYTHON_SERVER = `
import socket
import sys
import threading

HEADER = 64
PORT = int(sys.argv[1])
SERVER = "127.0.0.1"
ADDR = (SERVER, PORT)
FORMAT = 'utf-8'
DISCONNECT_MESSAGE = "!DISCONNECT"

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind(ADDR)

def handle_client(conn, addr):
    print(f"[NEW CONNECTION] {addr} connected.")
    connected = True
    while connected:
        msg_length = conn.recv(HEADER).decode(FORMAT)
        if msg_length:
            msg_length = int(msg_length)
            msg = conn.recv(msg_length).decode(FORMAT)
            if msg == DISCONNECT_MESSAGE:
                connected = False
            print(f"[{addr}] {msg}")
            conn.send("Msg received".encode(FORMAT))
    conn.close()

def start():
    server.listen()
    print(f"listening on {SERVER}:{server.getsockname()[1]}")
    print(f"[LISTENING] Server is listening on {SERVER}")
    while True:
        conn, addr = server.accept()
        thread = threading.Thread(target=handle_client, args=(conn, addr))
        thread.daemon = True
        thread.start()
        print(f"[ACTIVE CONNECTIONS] {threading.active_count() - 1}")

start()
`;

function runClient(args: string[]): Promise<Output> {
  return runExample("chat_client.ts", NET, args);
}

async function runPython(source: string, args: string[]): Promise<Output> {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/script.py`;
    await Deno.writeTextFile(path, source);
    return await run("python3", ["-u", path, ...args]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The tutorial's Python server, running; `await using` kills it. */
interface PythonServer extends AsyncDisposable {
  port: number;
  /** Everything it printed, once it is stopped. */
  stop(): Promise<string>;
}

async function startPythonServer(): Promise<PythonServer> {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/server.py`;
  await Deno.writeTextFile(path, PYTHON_SERVER);
  const child = new Deno.Command("python3", {
    args: ["-u", path, "0"],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream())
    .getReader();
  let printed = "";
  let stopped: Promise<string> | undefined;
  const stop = (): Promise<string> =>
    stopped ??= (async () => {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
      await child.status;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        printed += value;
      }
      await stderr;
      await Deno.remove(dir, { recursive: true });
      return printed;
    })();
  while (!/listening on .*:(\d+)\n/.test(printed)) {
    const { value, done } = await reader.read();
    if (done) {
      await stop();
      throw new Error(`server.py did not start: ${printed} ${await stderr}`);
    }
    printed += value;
  }
  const port = Number(/listening on .*:(\d+)\n/.exec(printed)![1]);
  return { port, stop, [Symbol.asyncDispose]: async () => void await stop() };
}

/** Reads the server's stdout until a line matches; returns the lines read. */
async function readUntil(
  server: RunningExample,
  last: RegExp,
): Promise<string[]> {
  const lines: string[] = [];
  for (;;) {
    const line = await server.readLine();
    if (line === null) assert.fail(`no line matched ${last}: ${lines}`);
    lines.push(line);
    if (last.test(line)) return lines;
  }
}

/** A fake server that records every byte a client sends, replying as the tutorial's. */
async function recordClient(
  runIt: (port: number) => Promise<Output>,
): Promise<{ bytes: Uint8Array; output: Output }> {
  await using listener = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    await using sock = await tcp.accept(listener, { timeout: 30_000 });
    const parts: Uint8Array[] = [];
    for (;;) {
      const head = await tcp.recvExact(sock, 64);
      const length = Number(decoder.decode(head).trim());
      const payload = await tcp.recvExact(sock, length);
      parts.push(head, payload);
      await tcp.sendAll(sock, "Msg received");
      if (decoder.decode(payload) === "!DISCONNECT") break;
    }
    // Anything more the client sends is recorded too.
    for (let more; (more = await tcp.recv(sock)) !== null;) parts.push(more);
    return concat(parts);
  })();
  const output = await runIt(listener.addr.port);
  return { bytes: await serving, output };
}

const TUTORIAL_BYTES = "12".padEnd(64) + "Hello World!" + "11".padEnd(64) +
  "!DISCONNECT";

Deno.test({
  name: "chat_server serves the tutorial's Python client",
  ignore: !HAS_PYTHON,
  async fn() {
    await using server = await startExample("chat_server.ts", NET, [
      "--port",
      "0",
    ]);
    assert.match(server.listening, /^127\.0\.0\.1:\d+$/);
    const out = await runPython(PYTHON_CLIENT, [
      String(portOf(server.listening)),
    ]);
    assert.equal(out.stderr, "");
    assert.equal(out.code, 0);
    assert.equal(out.stdout, "Msg received\nMsg received\n");
    const lines = await readUntil(server, /^\[ACTIVE CONNECTIONS\] 0$/);
    const addr = /^\[NEW CONNECTION\] (127\.0\.0\.1:\d+) connected\.$/.exec(
      lines[0]!,
    )?.[1];
    assert.ok(addr !== undefined, lines.join("\n"));
    assert.deepEqual(lines, [
      `[NEW CONNECTION] ${addr} connected.`,
      "[ACTIVE CONNECTIONS] 1",
      `[${addr}] Hello World!`,
      `[${addr}] !DISCONNECT`,
      "[ACTIVE CONNECTIONS] 0",
    ]);
    const status = await server.stop();
    assert.equal(status.code, 0);
  },
});

Deno.test({
  name: "chat_client talks to the tutorial's Python server",
  ignore: !HAS_PYTHON,
  async fn() {
    await using server = await startPythonServer();
    const out = await runClient([
      "--port",
      String(server.port),
      "--message",
      "你好, 服务器!",
    ]);
    assert.equal(out.stderr, "");
    assert.equal(out.code, 0);
    assert.equal(out.stdout, "Msg received\nMsg received\n");
    const printed = await server.stop();
    assert.match(printed, /\[\('127\.0\.0\.1', \d+\)\] 你好, 服务器!\n/);
    assert.match(printed, /\[\('127\.0\.0\.1', \d+\)\] !DISCONNECT\n/);
  },
});

Deno.test({
  name: "chat_client sends the same bytes as the tutorial's Python client",
  ignore: !HAS_PYTHON,
  async fn() {
    const ours = await recordClient((port) =>
      runClient(["--port", String(port)])
    );
    const theirs = await recordClient((port) =>
      runPython(PYTHON_CLIENT, [String(port)])
    );
    assert.equal(ours.output.code, 0, ours.output.stderr);
    assert.equal(theirs.output.code, 0, theirs.output.stderr);
    assert.equal(decoder.decode(theirs.bytes), TUTORIAL_BYTES);
    assert.deepEqual(ours.bytes, theirs.bytes);
    assert.equal(ours.output.stdout, theirs.output.stdout);
  },
});

Deno.test("chat_client and chat_server talk, and the server prints each message", async () => {
  await using server = await startExample("chat_server.ts", NET, [
    "--port",
    "0",
  ]);
  const out = await runClient([
    "--port",
    String(portOf(server.listening)),
    "--message",
    "first",
    "--message",
    "",
    "--message",
    "é".repeat(40),
  ]);
  assert.equal(out.stderr, "");
  assert.equal(out.code, 0);
  assert.equal(out.stdout, "Msg received\n".repeat(4));
  const lines = await readUntil(server, /^\[ACTIVE CONNECTIONS\] 0$/);
  assert.deepEqual(
    lines.map((l) => l.replace(/127\.0\.0\.1:\d+/, "ADDR")),
    [
      "[NEW CONNECTION] ADDR connected.",
      "[ACTIVE CONNECTIONS] 1",
      "[ADDR] first",
      "[ADDR] ",
      `[ADDR] ${"é".repeat(40)}`,
      "[ADDR] !DISCONNECT",
      "[ACTIVE CONNECTIONS] 0",
    ],
  );
});

Deno.test("chat_server replies with the raw bytes Msg received, reads split headers exactly and closes after !DISCONNECT", async () => {
  await using server = await startExample("chat_server.ts", NET, [
    "--port",
    "0",
  ]);
  await using sock = await tcp.connect({
    hostname: "127.0.0.1",
    port: portOf(server.listening),
  });
  // A frame in three pieces: part of the header, the rest, the payload.
  const frame = encodeFrame("split up", { header: HEADER });
  await tcp.sendAll(sock, frame.subarray(0, 10));
  await new Promise((r) => setTimeout(r, 50));
  await tcp.sendAll(sock, frame.subarray(10, 64));
  await new Promise((r) => setTimeout(r, 50));
  await tcp.sendAll(sock, frame.subarray(64));
  assert.deepEqual(
    await tcp.recvExact(sock, 12, { timeout: 10_000 }),
    encoder.encode("Msg received"),
  );
  // Two frames in one write.
  await tcp.sendAll(
    sock,
    new Uint8Array([
      ...encodeFrame("a", { header: HEADER }),
      ...encodeFrame("!DISCONNECT", { header: HEADER }),
    ]),
  );
  assert.equal(
    decoder.decode(await tcp.recvExact(sock, 24, { timeout: 10_000 })),
    "Msg receivedMsg received",
  );
  assert.equal(await tcp.recv(sock, 1, { timeout: 10_000 }), null);
  const lines = await readUntil(server, /^\[ACTIVE CONNECTIONS\] 0$/);
  assert.ok(lines.some((l) => l.endsWith("] split up")), lines.join("\n"));
});

Deno.test("chat_server drops a client whose header is not a number and goes on serving", async () => {
  await using server = await startExample("chat_server.ts", NET, [
    "--port",
    "0",
  ]);
  const port = portOf(server.listening);
  {
    await using bad = await tcp.connect({ hostname: "127.0.0.1", port });
    await tcp.sendAll(bad, "hello".padEnd(64) + "world");
    assert.equal(await tcp.recv(bad, 1, { timeout: 10_000 }), null);
  }
  const out = await runClient(["--port", String(port)]);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, "Msg received\nMsg received\n");
});

Deno.test("chat_server drops a client that drips a message a byte at a time once --message-timeout passes, and serves others meanwhile", async () => {
  await using server = await startExample("chat_server.ts", NET, [
    "--port",
    "0",
    "--message-timeout",
    "1",
    "--max-connections",
    "1",
  ]);
  const port = portOf(server.listening);
  const dripper = await tcp.connect({ hostname: "127.0.0.1", port });
  const started = performance.now();
  // One byte every 100 ms: each byte would reset an idle timeout.
  const dripping = (async () => {
    const message = "5".padEnd(64) + "hello";
    for (const ch of message) {
      try {
        await tcp.sendAll(dripper, ch, { timeout: 10_000 });
      } catch {
        return; // The server closed it.
      }
      const closed = await tcp.recv(dripper, 1, { timeout: 100 }).then(
        (data) => data === null,
        (err) => !(err instanceof Deno.errors.TimedOut),
      );
      if (closed) return;
    }
  })();
  // The only slot is the dripper's; the client waits, then gets it.
  const out = await runClient(["--port", String(port)]);
  const waited = performance.now() - started;
  await dripping;
  await tcp.close(dripper);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, "Msg received\nMsg received\n");
  assert.ok(waited >= 900 && waited < 15_000, `waited ${waited} ms`);
});

Deno.test("chat_server rejects a bad --message-timeout with status 2", async () => {
  const out = await runExample("chat_server.ts", NET, [
    "--port",
    "0",
    "--message-timeout",
    "soon",
  ]);
  assert.equal(out.code, 2);
  assert.match(
    out.stderr,
    /^error: --message-timeout must be a positive number of seconds: current value is "soon"\n/,
  );
});

Deno.test("chat_server counts many clients at once", async () => {
  await using server = await startExample("chat_server.ts", NET, [
    "--port",
    "0",
  ]);
  const port = portOf(server.listening);
  const socks = await Promise.all(
    Array.from(
      { length: 10 },
      () => tcp.connect({ hostname: "127.0.0.1", port }),
    ),
  );
  try {
    // One round trip each proves all ten are being served.
    for (const [i, s] of socks.entries()) {
      await sendFrame(s, `client ${i}`, { header: HEADER });
    }
    for (const s of socks) {
      assert.equal(
        decoder.decode(await tcp.recvExact(s, 12, { timeout: 10_000 })),
        "Msg received",
      );
    }
    const lines = await readUntil(server, /^\[ACTIVE CONNECTIONS\] 10$/);
    assert.equal(
      lines.filter((l) => l.startsWith("[NEW CONNECTION]")).length,
      10,
    );
    for (const s of socks) {
      await sendFrame(s, "!DISCONNECT", { header: HEADER });
      await tcp.recvExact(s, 12, { timeout: 10_000 });
      assert.equal(await recvFrame(s, { timeout: 10_000 }), null);
    }
    await readUntil(server, /^\[ACTIVE CONNECTIONS\] 0$/);
  } finally {
    await Promise.all(socks.map((s) => tcp.close(s)));
  }
});

Deno.test("chat_server exits 0 on SIGINT with clients connected, closing them", async () => {
  await using server = await startExample("chat_server.ts", NET, [
    "--port",
    "0",
  ]);
  const port = portOf(server.listening);
  await using idle = await tcp.connect({ hostname: "127.0.0.1", port });
  await readUntil(server, /^\[ACTIVE CONNECTIONS\] 1$/);
  const started = performance.now();
  const status = await server.stop();
  assert.equal(status.code, 0);
  assert.ok(performance.now() - started < 5_000);
  assert.equal(await tcp.recv(idle, 1, { timeout: 10_000 }), null);
  // The port is free again.
  using again = Deno.listen({ hostname: "127.0.0.1", port });
  assert.equal(again.addr.port, port);
});

Deno.test("chat examples reject bad arguments with status 2 and fail to connect with status 1", async () => {
  const script = new URL("../examples/chat_server.ts", import.meta.url)
    .pathname;
  const bad = await run(Deno.execPath(), [
    "run",
    "--quiet",
    ...NET,
    script,
    "--port",
    "70000",
  ]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^error: --port must be an integer from 0 to 65535/);
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = closed.addr.port;
  closed.close();
  const refused = await runClient(["--port", String(port)]);
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    /^error: Cannot connect to .*connection refused/,
  );
});
