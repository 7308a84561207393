// Copyright 2026 the socketkit authors. MIT license.
// The TCP examples, driven as subprocesses: our clients, the tutorials'
// Python clients and nc against our servers.

import assert from "node:assert/strict";
import * as tcp from "../tcp.ts";
import {
  canListenOnIpv6Loopback,
  concat,
  CTIME_PREFIX_REGEXP,
  hasCommand,
  portOf,
  resetBeforeAccept,
  run,
  runExample,
  startExample,
} from "./_util.ts";

const decoder = new TextDecoder();
const NET = ["--allow-net"];
const CTIME_PREFIX_GLOBAL_REGEXP = new RegExp(CTIME_PREFIX_REGEXP.source, "g");
const REPLY_REGEXP = new RegExp(`^${CTIME_PREFIX_REGEXP.source}(.*)$`, "s");
const TIME_REGEXP =
  /^Current time is (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\n$/;

const HAS_PYTHON = hasCommand("python3");
const HAS_NC = hasCommand("nc");
const HAS_IPV6 = canListenOnIpv6Loopback;

/** Lines of output without the final empty one. */
function linesOf(output: string): string[] {
  const lines = output.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

/** Asserts `line` is `[ctime] <text>`. */
function assertReply(line: string | undefined, text: string): void {
  const match = REPLY_REGEXP.exec(line ?? "");
  assert.ok(match !== null, `not a ctime reply: ${JSON.stringify(line)}`);
  assert.equal(match[1], text);
}

/** Asserts that a connection can listen on the port again. */
function assertPortFree(hostname: string, port: number): void {
  using listener = Deno.listen({ hostname, port });
  assert.equal(listener.addr.port, port);
}

/** Reads from `sock` until `done(received)` says so or the stream ends. */
async function readUntil(
  sock: tcp.TcpSocket,
  done: (received: string) => boolean,
): Promise<string> {
  let received = "";
  const bytes: Uint8Array[] = [];
  while (!done(received)) {
    const data = await tcp.recv(sock, 65_536, { timeout: 10_000 });
    if (data === null) break;
    bytes.push(data);
    received = decoder.decode(concat(bytes));
  }
  return received;
}

// ---- the echo pair ----

Deno.test("tcp_client sends each --message value and prints each ctime-prefixed reply", async () => {
  await using server = await startExample("tcp_server.ts", NET, [
    "--port",
    "0",
  ]);
  assert.match(server.listening, /^127\.0\.0\.1:\d+$/);
  const out = await runExample("tcp_client.ts", NET, [
    "--port",
    String(portOf(server.listening)),
    "--message",
    "hello",
    "--message",
    "你好, 服务器!",
    "--message",
    "",
  ]);
  assert.equal(out.stderr, "");
  assert.equal(out.code, 0);
  const lines = linesOf(out.stdout);
  assert.equal(lines.length, 3, out.stdout);
  assertReply(lines[0], "hello");
  assertReply(lines[1], "你好, 服务器!");
  assertReply(lines[2], "");
});

Deno.test("tcp_client sends each line of piped standard input, without a prompt", async () => {
  await using server = await startExample("tcp_server.ts", NET, [
    "--port",
    "0",
  ]);
  const out = await runExample(
    "tcp_client.ts",
    NET,
    ["--port", String(portOf(server.listening))],
    "one\ntwo\r\nthree",
  );
  assert.equal(out.stderr, "");
  assert.equal(out.code, 0);
  const lines = linesOf(out.stdout);
  assert.equal(lines.length, 3, out.stdout);
  assert.ok(!out.stdout.includes("> "), out.stdout);
  assertReply(lines[0], "one");
  assertReply(lines[1], "two");
  assertReply(lines[2], "three");
});

Deno.test("tcp_client stops at the line exit and sends nothing after it", async () => {
  await using server = await startExample("tcp_server.ts", NET, [
    "--port",
    "0",
  ]);
  const port = String(portOf(server.listening));
  const piped = await runExample(
    "tcp_client.ts",
    NET,
    ["--port", port],
    "first\nexit\nnever\n",
  );
  assert.equal(piped.code, 0);
  assert.equal(linesOf(piped.stdout).length, 1, piped.stdout);
  assertReply(linesOf(piped.stdout)[0], "first");
  const messages = await runExample("tcp_client.ts", NET, [
    "--port",
    port,
    "--message",
    "exit",
    "--message",
    "never",
  ]);
  assert.equal(messages.code, 0);
  assert.equal(messages.stdout, "");
});

Deno.test("tcp_server answers each 1024-byte read with its own ctime prefix", async () => {
  await using server = await startExample("tcp_server.ts", NET, [
    "--port",
    "0",
  ]);
  await using sock = await tcp.connect({
    hostname: "127.0.0.1",
    port: portOf(server.listening),
  });
  const payload = "x".repeat(3000);
  await tcp.sendAll(sock, payload);
  const received = await readUntil(
    sock,
    (r) => r.replace(CTIME_PREFIX_GLOBAL_REGEXP, "").length >= 3000,
  );
  // Each piece is a prefix and then at most 1024 bytes of the data.
  const pieces = received.split(CTIME_PREFIX_GLOBAL_REGEXP);
  assert.equal(pieces.shift(), "");
  assert.ok(pieces.length >= 3, `${pieces.length} pieces`);
  for (const piece of pieces) assert.ok(piece.length <= 1024, piece);
  assert.equal(pieces.join(""), payload);
});

Deno.test("tcp_server keeps the bytes it echoes exactly, whatever they are", async () => {
  await using server = await startExample("tcp_server.ts", NET, [
    "--port",
    "0",
  ]);
  await using sock = await tcp.connect({
    hostname: "127.0.0.1",
    port: portOf(server.listening),
  });
  const data = new Uint8Array([0, 1, 0xff, 0xfe, 0x0a, 0xe4, 0xbd]);
  await tcp.sendAll(sock, data);
  const reply = await tcp.recvExact(sock, 27 + data.length, {
    timeout: 10_000,
  });
  assert.match(decoder.decode(reply.subarray(0, 27)), CTIME_PREFIX_REGEXP);
  assert.deepEqual(reply.subarray(27), data);
});

Deno.test("tcp_server serves 100 concurrent connections, each reply to its own sender", async () => {
  await using server = await startExample("tcp_server.ts", NET, [
    "--port",
    "0",
  ]);
  const port = portOf(server.listening);
  const socks = await Promise.all(
    Array.from(
      { length: 100 },
      () => tcp.connect({ hostname: "127.0.0.1", port }),
    ),
  );
  try {
    await Promise.all(socks.map(async (sock, i) => {
      for (let round = 0; round < 5; round++) {
        const message = `client ${i} round ${round}\n`;
        await tcp.sendAll(sock, message);
        const line = await tcp.recvLine(sock, { timeout: 10_000 });
        assertReply(line ?? undefined, message.trimEnd());
      }
    }));
  } finally {
    await Promise.all(socks.map((sock) => tcp.close(sock)));
  }
});

Deno.test("tcp_server serves several tcp_client processes at once", async () => {
  await using server = await startExample("tcp_server.ts", NET, [
    "--port",
    "0",
  ]);
  const port = String(portOf(server.listening));
  const outs = await Promise.all(
    Array.from({ length: 4 }, (_, i) =>
      runExample("tcp_client.ts", NET, [
        "--port",
        port,
        "--message",
        `client ${i} a`,
        "--message",
        `client ${i} b`,
      ])),
  );
  outs.forEach((out, i) => {
    assert.equal(out.code, 0, out.stderr);
    const lines = linesOf(out.stdout);
    assert.equal(lines.length, 2, out.stdout);
    assertReply(lines[0], `client ${i} a`);
    assertReply(lines[1], `client ${i} b`);
  });
});

Deno.test("tcp_client prints a reply that arrives in several pieces as one reply", async () => {
  await using listener = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    await using conn = await tcp.accept(listener);
    // A reply split in two writes 30 ms apart, ended by the newline.
    assert.equal(await tcp.recvLine(conn), "split");
    await tcp.sendAll(conn, "part one, ");
    await new Promise((resolve) => setTimeout(resolve, 30));
    await tcp.sendAll(conn, "part two\n");
    // A reply without a newline ends when the server pauses.
    assert.equal(await tcp.recvLine(conn), "bare");
    await tcp.sendAll(conn, "no newline");
    assert.equal(await tcp.recvLine(conn), "last");
    await tcp.sendAll(conn, "done\n");
    assert.equal(await tcp.recv(conn), null);
  })();
  const out = await runExample("tcp_client.ts", NET, [
    "--port",
    String(listener.addr.port),
    "--message",
    "split",
    "--message",
    "bare",
    "--message",
    "last",
  ]);
  await serving;
  assert.equal(out.stderr, "");
  assert.equal(out.code, 0);
  assert.deepEqual(linesOf(out.stdout), [
    "part one, part two",
    "no newline",
    "done",
  ]);
});

Deno.test("tcp_client reports a server that closes before replying and exits 1", async () => {
  await using listener = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    await using conn = await tcp.accept(listener);
    assert.equal(await tcp.recvLine(conn), "hello");
  })();
  const out = await runExample("tcp_client.ts", NET, [
    "--port",
    String(listener.addr.port),
    "--message",
    "hello",
    "--message",
    "never answered",
  ]);
  await serving;
  assert.equal(out.code, 1);
  assert.equal(out.stdout, "");
  assert.equal(out.stderr, "error: the server closed the connection\n");
});

// ---- the time pair ----

Deno.test("time_client prints the Current time line that time_server sends", async () => {
  await using server = await startExample("time_server.ts", NET, [
    "--port",
    "0",
  ]);
  const before = Date.now();
  const out = await runExample("time_client.ts", NET, [
    "--port",
    String(portOf(server.listening)),
  ]);
  assert.equal(out.stderr, "");
  assert.equal(out.code, 0);
  const match = TIME_REGEXP.exec(out.stdout);
  assert.ok(match !== null, out.stdout);
  const sent = Date.parse(match[1]!);
  assert.ok(sent >= before - 1000 && sent <= Date.now() + 1000, match[1]);
});

Deno.test("time_server answers 50 concurrent connections and closes each", async () => {
  await using server = await startExample("time_server.ts", NET, [
    "--port",
    "0",
  ]);
  const port = portOf(server.listening);
  const texts = await Promise.all(
    Array.from({ length: 50 }, async () => {
      await using sock = await tcp.connect({ hostname: "127.0.0.1", port });
      return await readUntil(sock, () => false);
    }),
  );
  for (const text of texts) assert.match(text, TIME_REGEXP);
});

Deno.test("time_client prints what a server sends over several writes, with a final newline", async () => {
  await using listener = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    await using conn = await tcp.accept(listener);
    await tcp.sendAll(conn, "Current ");
    await new Promise((resolve) => setTimeout(resolve, 50));
    await tcp.sendAll(conn, "time is whenever");
  })();
  const out = await runExample("time_client.ts", NET, [
    "--port",
    String(listener.addr.port),
  ]);
  await serving;
  assert.equal(out.code, 0);
  assert.equal(out.stdout, "Current time is whenever\n");
});

// ---- both servers: Ctrl-C, addresses, arguments ----

for (const name of ["tcp_server.ts", "time_server.ts"]) {
  Deno.test(`${name} exits 0 on Ctrl-C, closes its connections and frees its port`, async () => {
    const server = await startExample(name, NET, ["--port", "0"]);
    const port = portOf(server.listening);
    await using sock = await tcp.connect({ hostname: "127.0.0.1", port });
    // Wait until the server has the connection: it answers.
    let answer: string;
    if (name === "tcp_server.ts") {
      await tcp.sendAll(sock, "ping\n");
      answer = await readUntil(sock, (r) => r.endsWith("\n"));
      assertReply(answer.trimEnd(), "ping");
    } else {
      answer = await readUntil(sock, () => false);
      assert.match(answer, TIME_REGEXP);
    }
    const status = await server.stop();
    assert.equal(status.code, 0);
    assert.equal(status.signal, null);
    assertPortFree("127.0.0.1", port);
    // The server closed the connection.
    assert.equal(await tcp.recv(sock, 1024, { timeout: 10_000 }), null);
  });

  Deno.test(`${name} logs to standard error without a stack trace when stopped by Ctrl-C`, async () => {
    const script = new URL(`../examples/${name}`, import.meta.url).pathname;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", ...NET, script, "--port", "0"],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stdout = child.stdout.pipeThrough(new TextDecoderStream());
    const reader = stdout.getReader();
    let first = "";
    while (!first.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      first += value;
    }
    assert.match(first, /^listening on 127\.0\.0\.1:\d+\n$/);
    {
      await using sock = await tcp.connect({
        hostname: "127.0.0.1",
        port: portOf(first.trim()),
      });
      await tcp.sendAll(sock, "hi\n");
      await readUntil(sock, (r) => r.endsWith("\n"));
    }
    child.kill("SIGINT");
    const [status, rest, log] = await Promise.all([
      child.status,
      (async () => {
        let text = "";
        for (let r; !(r = await reader.read()).done;) text += r.value;
        return text;
      })(),
      new Response(child.stderr).text(),
    ]);
    assert.equal(status.code, 0);
    assert.equal(rest, "");
    assert.doesNotMatch(log, /error|\n\s+at /i, log);
    const lines = linesOf(log);
    assert.ok(lines.includes("stopping"), log);
    assert.equal(lines.at(-1), "stopped");
  });
}

for (const name of ["tcp_server.ts", "time_server.ts"]) {
  Deno.test({
    name:
      `${name} goes on serving after clients that reset before they are accepted`,
    ignore: !HAS_PYTHON,
    async fn() {
      await using server = await startExample(name, NET, ["--port", "0"]);
      const port = portOf(server.listening);
      await resetBeforeAccept(port, 50);
      await using sock = await tcp.connect({ hostname: "127.0.0.1", port });
      if (name === "tcp_server.ts") {
        await tcp.sendAll(sock, "after\n");
        assertReply(
          (await readUntil(sock, (r) => r.endsWith("\n"))).trimEnd(),
          "after",
        );
      } else {
        assert.match(await readUntil(sock, () => false), TIME_REGEXP);
      }
      const status = await server.stop();
      assert.equal(status.code, 0);
    },
  });
}

Deno.test({
  name: "tcp_server and tcp_client talk over IPv6 loopback",
  ignore: !HAS_IPV6,
  async fn() {
    await using server = await startExample("tcp_server.ts", NET, [
      "--hostname",
      "::1",
      "--port",
      "0",
    ]);
    assert.match(server.listening, /^\[::1\]:\d+$/);
    const out = await runExample("tcp_client.ts", NET, [
      "--hostname",
      "::1",
      "--port",
      String(portOf(server.listening)),
      "--message",
      "over v6",
    ]);
    assert.equal(out.code, 0, out.stderr);
    assertReply(linesOf(out.stdout)[0], "over v6");
  },
});

Deno.test("time_server and time_client talk over IPv6 loopback", {
  ignore: !HAS_IPV6,
}, async () => {
  await using server = await startExample("time_server.ts", NET, [
    "--hostname",
    "::1",
    "--port",
    "0",
  ]);
  assert.match(server.listening, /^\[::1\]:\d+$/);
  const out = await runExample("time_client.ts", NET, [
    "--hostname",
    "::1",
    "--port",
    String(portOf(server.listening)),
  ]);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, TIME_REGEXP);
});

const BAD_ARGS: [string, string[], string][] = [
  [
    "tcp_server.ts",
    ["--port", "70000"],
    'error: --port must be an integer from 0 to 65535: current value is "70000"',
  ],
  [
    "tcp_server.ts",
    ["--port", "eighty"],
    'error: --port must be an integer from 0 to 65535: current value is "eighty"',
  ],
  ["tcp_server.ts", ["--bogus"], "error: Unknown option '--bogus'"],
  ["time_server.ts", ["--hostname", ""], "error: --hostname must not be empty"],
  ["tcp_client.ts", [], "error: --port is required"],
  [
    "tcp_client.ts",
    ["--port", "0"],
    'error: --port must be an integer from 1 to 65535: current value is "0"',
  ],
  [
    "tcp_client.ts",
    ["--port", "80", "--message"],
    "error: Option '--message <value>' argument missing",
  ],
  [
    "time_client.ts",
    ["--port", "-1"],
    "error: Option '--port' argument is ambiguous",
  ],
  [
    "time_client.ts",
    ["--port=-1"],
    'error: --port must be an integer from 1 to 65535: current value is "-1"',
  ],
  ["time_client.ts", ["--port", "80", "extra"], "error: Unexpected argument"],
];

for (const [name, args, message] of BAD_ARGS) {
  Deno.test(`${name} ${args.join(" ")} exits 2 with a one-line error and the usage`, async () => {
    const out = await runExample(name, NET, args);
    assert.equal(out.code, 2);
    assert.equal(out.stdout, "");
    const lines = linesOf(out.stderr);
    assert.equal(lines.length, 2, out.stderr);
    assert.ok(lines[0]!.startsWith(message), lines[0]);
    assert.ok(
      lines[1]!.startsWith(`usage: deno run --allow-net examples/${name}`),
      lines[1],
    );
  });
}

Deno.test("servers exit 1 with a one-line error when the port is taken", async () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  for (const name of ["tcp_server.ts", "time_server.ts"]) {
    const out = await runExample(name, NET, [
      "--port",
      String(taken.addr.port),
    ]);
    assert.equal(out.code, 1);
    assert.equal(out.stdout, "");
    assert.equal(linesOf(out.stderr).length, 1, out.stderr);
    // The address may be quoted, as STYLE.md quotes values in messages.
    assert.match(
      out.stderr,
      new RegExp(
        `^error: Cannot listen on "?127\\.0\\.0\\.1:${taken.addr.port}"?: `,
      ),
    );
    assert.match(out.stderr, /address.*in use/i);
  }
});

Deno.test("clients exit 1 with a one-line error when the connection is refused", async () => {
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = closed.addr.port;
  closed.close();
  for (const name of ["tcp_client.ts", "time_client.ts"]) {
    const out = await runExample(name, NET, ["--port", String(port)]);
    assert.equal(out.code, 1);
    assert.equal(out.stdout, "");
    assert.equal(linesOf(out.stderr).length, 1, out.stderr);
    assert.ok(
      out.stderr.startsWith(`error: Cannot connect to "127.0.0.1:${port}"`),
      out.stderr,
    );
  }
});

Deno.test("examples print their usage and exit 0 on --help", async () => {
  for (const name of ["tcp_server.ts", "tcp_client.ts", "time_server.ts"]) {
    const out = await runExample(name, NET, ["--help"]);
    assert.equal(out.code, 0);
    assert.ok(
      out.stdout.startsWith(`usage: deno run --allow-net examples/${name}`),
    );
  }
});

// ---- the tutorials' Python clients and nc ----

/** The echo client of seed 000, as written there (Python 3), aimed at our port. */
function pythonEchoClient(port: number): string {
  return `
import socket

# 步骤1:创建 TCP Socket
client_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)

# 步骤2:连接到服务器的 IP 地址和端口
server_address = ('127.0.0.1', ${port})
client_socket.connect(server_address)

while True:
    # 步骤3:发送数据给服务器
    message = input("请输入要发送的消息 (输入 'exit' 退出): ")

    if message == 'exit':
        break

    client_socket.send(message.encode('utf-8'))

    # 步骤4:接收来自服务器的响应数据
    data = client_socket.recv(1024)

    # 步骤5:处理服务器的响应数据
    data = data.decode('utf-8')
    print(f"接收到服务器的响应: {data}")

# 步骤6:关闭与服务器的连接
client_socket.close()
`;
}

/** The time client of seed 003, written as Python 3, aimed at our port. */
function pythonTimeClient(port: number, host = "127.0.0.1"): string {
  return `
import socket

HOST = '${host}'
PORT = ${port}

#AF_INET说明使用IPV4地址，　SOCK_STREAM指明TCP协议
s = socket.socket(socket.AF_INET6 if ':' in HOST else socket.AF_INET, socket.SOCK_STREAM)

s.connect((HOST, PORT))
print('Connect %s:%d OK!' % (HOST, PORT))
data = s.recv(1024) #接受数据，最大长度为1024
print('Received: ', data.decode())
s.close()
`;
}

Deno.test({
  name: "the tutorial's Python echo client works against tcp_server unchanged",
  ignore: !HAS_PYTHON,
  async fn() {
    await using server = await startExample("tcp_server.ts", NET, [
      "--port",
      "0",
    ]);
    const out = await run(
      "python3",
      ["-c", pythonEchoClient(portOf(server.listening))],
      "你好,服务器!\nsecond message\nexit\n",
    );
    assert.equal(out.code, 0, out.stderr);
    const prompt = "请输入要发送的消息 (输入 'exit' 退出): ";
    const replies = out.stdout.split(prompt).filter((s) => s !== "");
    assert.equal(replies.length, 2, out.stdout);
    const label = "接收到服务器的响应: ";
    assert.ok(replies[0]!.startsWith(label), replies[0]);
    assertReply(replies[0]!.slice(label.length).trimEnd(), "你好,服务器!");
    assertReply(replies[1]!.slice(label.length).trimEnd(), "second message");
  },
});

Deno.test({
  name: "the tutorial's Python time client works against time_server unchanged",
  ignore: !HAS_PYTHON,
  async fn() {
    await using server = await startExample("time_server.ts", NET, [
      "--port",
      "0",
    ]);
    const port = portOf(server.listening);
    const out = await run("python3", ["-c", pythonTimeClient(port)]);
    assert.equal(out.code, 0, out.stderr);
    const lines = linesOf(out.stdout);
    assert.equal(lines[0], `Connect 127.0.0.1:${port} OK!`);
    assert.match(`${lines[1]?.slice("Received:  ".length)}\n`, TIME_REGEXP);
  },
});

Deno.test({
  name: "the tutorial's Python time client works over IPv6 against time_server",
  ignore: !HAS_PYTHON || !HAS_IPV6,
  async fn() {
    await using server = await startExample("time_server.ts", NET, [
      "--hostname",
      "::1",
      "--port",
      "0",
    ]);
    const port = portOf(server.listening);
    const out = await run("python3", ["-c", pythonTimeClient(port, "::1")]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(
      `${linesOf(out.stdout)[1]?.slice("Received:  ".length)}\n`,
      TIME_REGEXP,
    );
  },
});

Deno.test({
  name: "nc talks to tcp_server line by line",
  ignore: !HAS_NC,
  async fn() {
    await using server = await startExample("tcp_server.ts", NET, [
      "--port",
      "0",
    ]);
    // -N: shut down the write side at the end of input, so the server sees
    // end of stream, closes, and nc exits.
    const out = await run(
      "nc",
      ["-N", "127.0.0.1", String(portOf(server.listening))],
      "hello\nfrom nc\n",
    );
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, new RegExp(`^${CTIME_PREFIX_REGEXP.source}`));
    assert.equal(
      out.stdout.replace(CTIME_PREFIX_GLOBAL_REGEXP, ""),
      "hello\nfrom nc\n",
    );
  },
});

Deno.test({
  name: "nc gets the time line from time_server",
  ignore: !HAS_NC,
  async fn() {
    await using server = await startExample("time_server.ts", NET, [
      "--port",
      "0",
    ]);
    const out = await run("nc", [
      "-d",
      "127.0.0.1",
      String(portOf(server.listening)),
    ]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, TIME_REGEXP);
  },
});
