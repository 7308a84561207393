// Copyright 2026 the socketkit authors. MIT license.
// The UDP examples, driven as subprocesses: our client and the tutorials'
// Python clients against our server, with and without --unstable-net.

import assert from "node:assert/strict";
import * as udp from "../udp.ts";
import {
  CTIME_PREFIX_REGEXP,
  hasCommand,
  type Output,
  run,
  runExample,
  startExample,
} from "./_util.ts";

const decoder = new TextDecoder();
const REPLY_REGEXP = new RegExp(`^${CTIME_PREFIX_REGEXP.source}(.*)$`, "s");

/**
 * How each server run gets its backend: without `--unstable-net`,
 * `Deno.listenDatagram` is absent and the library falls back to
 * node:dgram (`--no-config` too, as a user outside this project runs it).
 */
const SERVER_FLAGS = {
  "node (--no-config --allow-net only)": ["--no-config", "--allow-net"],
  "deno (--unstable-net)": ["--unstable-net", "--allow-net"],
} as const;

const HAS_PYTHON = hasCommand("python3");

/** Runs examples/udp_client.ts with --allow-net only (no config, so the node backend). */
function runClient(args: string[], input?: string): Promise<Output> {
  return runExample(
    "udp_client.ts",
    ["--no-config", "--allow-net"],
    args,
    input,
  );
}

function replyText(line: string): string {
  const match = REPLY_REGEXP.exec(line);
  assert.ok(match !== null, `reply ${JSON.stringify(line)} has no time prefix`);
  return match[1]!;
}

for (const [how, flags] of Object.entries(SERVER_FLAGS)) {
  Deno.test(`udp_server.ts answers each datagram with the time prefixed, on ${how}`, async () => {
    await using server = await startExample("udp_server.ts", [...flags]);
    assert.match(server.listening, /^127\.0\.0\.1:\d+$/);
    const port = Number(server.listening.split(":")[1]);
    await using sock = await udp.connect({ hostname: "127.0.0.1", port });
    for (const message of ["hello", "Python编程", ""]) {
      await udp.send(sock, message);
      const reply = decoder.decode(await udp.recv(sock, { timeout: 5_000 }));
      assert.equal(replyText(reply), message);
    }
    const big = "x".repeat(60_000);
    await udp.send(sock, big);
    assert.equal(
      replyText(decoder.decode(await udp.recv(sock, { timeout: 5_000 }))),
      big,
    );
    const status = await server.stop();
    assert.equal(status.code, 0, "Ctrl-C stops the server cleanly");
  });
}

for (
  const [flags, expected] of [
    // In this project's directory as anywhere else: only the flag decides.
    [["--allow-net"], "node backend (node:dgram)"],
    [["--no-config", "--allow-net"], "node backend (node:dgram)"],
    [["--unstable-net", "--allow-net"], "deno backend (Deno.listenDatagram)"],
  ] as const
) {
  Deno.test(`udp_server.ts with ${flags.join(" ")} says it uses the ${expected}`, async () => {
    const script =
      new URL("../examples/udp_server.ts", import.meta.url).pathname;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", ...flags, script],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stdout = child.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
    const stderr = child.stderr.pipeThrough(new TextDecoderStream())
      .getReader();
    let out = "";
    while (!out.includes("\n")) {
      const chunk = await stdout.read();
      if (chunk.done) break;
      out += chunk.value;
    }
    let err = "";
    while (!err.includes("\n")) {
      const chunk = await stderr.read();
      if (chunk.done) break;
      err += chunk.value;
    }
    child.kill("SIGINT");
    const status = await child.status;
    await stdout.cancel();
    await stderr.cancel();
    assert.match(out, /^listening on 127\.0\.0\.1:\d+\n/);
    assert.equal(err, `using the ${expected}\n`);
    assert.equal(status.code, 0);
  });
}

Deno.test("udp_client.ts sends --message values and prints each reply", async () => {
  await using server = await startExample("udp_server.ts", ["--allow-net"]);
  const port = server.listening.split(":")[1]!;
  const out = await runClient([
    "--port",
    port,
    "--message",
    "hello",
    "--message",
    "two words",
  ]);
  assert.equal(out.code, 0, out.stderr);
  const lines = out.stdout.split("\n");
  assert.equal(lines.length, 3);
  assert.equal(replyText(lines[0]!), "hello");
  assert.equal(replyText(lines[1]!), "two words");
  assert.equal(lines[2], "");
});

Deno.test("udp_client.ts sends standard input line by line without a prompt and stops at exit", async () => {
  await using server = await startExample("udp_server.ts", ["--allow-net"]);
  const port = server.listening.split(":")[1]!;
  const out = await runClient(
    ["--port", port],
    "first\r\n\nthird\nexit\nnever sent\n",
  );
  assert.equal(out.code, 0, out.stderr);
  const lines = out.stdout.split("\n");
  assert.deepEqual(lines.slice(0, 3).map(replyText), ["first", "", "third"]);
  assert.equal(lines.length, 4);
  assert.ok(!out.stdout.includes("> "), "no prompt when stdin is a pipe");
});

Deno.test("udp_client.ts reports a lost reply on stderr, goes on, and exits 1", async () => {
  // A bound socket that never answers: every reply is lost.
  await using silent = await udp.bind({ hostname: "127.0.0.1", port: 0 });
  const out = await runClient([
    "--port",
    String(silent.localAddr.port),
    "--timeout",
    "100",
    "--message",
    "one",
    "--message",
    "two",
  ]);
  assert.equal(out.code, 1);
  assert.equal(out.stdout, "");
  assert.equal(
    out.stderr,
    'error: no reply to "one" within 100 ms\nerror: no reply to "two" within 100 ms\n',
  );
  const got: string[] = [];
  for (let i = 0; i < 2; i++) {
    got.push(
      decoder.decode((await udp.recvFrom(silent, { timeout: 5_000 }))[0]),
    );
  }
  assert.deepEqual(got, ["one", "two"], "both messages were sent");
});

Deno.test("udp_client.ts rejects a bad --timeout with status 2", async () => {
  const out = await runClient(["--port", "9", "--timeout", "soon"]);
  assert.equal(out.code, 2);
  assert.match(
    out.stderr,
    /^error: --timeout must be a number of milliseconds from 1 up: current value is "soon"\nusage: /,
  );
});

/** The UDP client of tutorial 002, with the port from argv. */
const PYTHON_CLIENT_002 = `
from socket import *
import sys
HOST='localhost'
PORT=int(sys.argv[1])
BUFSIZ=1024
ADDR=(HOST,PORT)
udpCliSock=socket(AF_INET,SOCK_DGRAM)
while True:
    data=input('> ').encode('utf8')
    if not data:
        break
    udpCliSock.sendto(data,ADDR)
    data,ADDR=udpCliSock.recvfrom(BUFSIZ)
    if not data:
        break
    print(data.decode('utf8'))
udpCliSock.close()
`;

/** The UDP client of tutorial 000, with the port from argv. */
const PYTHON_CLIENT_000 = `
import socket, sys
client_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
server_address = ('localhost', int(sys.argv[1]))
while True:
    message = input("请输入要发送的消息 (输入 'exit' 退出): ")
    if message == 'exit':
        break
    client_socket.sendto(message.encode('utf-8'), server_address)
    data, server_address = client_socket.recvfrom(1024)
    data = data.decode('utf-8')
    print(f"接收到服务器的响应: {data}")
client_socket.close()
`;

Deno.test({
  name:
    "the Python UDP clients of tutorials 000 and 002 work against udp_server.ts",
  ignore: !HAS_PYTHON,
  fn: async () => {
    await using server = await startExample("udp_server.ts", [
      "--no-config",
      "--allow-net",
    ]);
    const port = server.listening.split(":")[1]!;

    const out002 = await run(
      "python3",
      ["-c", PYTHON_CLIENT_002, port],
      "Python编程\nagain\n\n",
    );
    assert.equal(out002.code, 0, out002.stderr);
    const replies = out002.stdout.split("> ").filter((s) => s !== "");
    assert.equal(replies.length, 2);
    assert.equal(replyText(replies[0]!.replace(/\n$/, "")), "Python编程");
    assert.equal(replyText(replies[1]!.replace(/\n$/, "")), "again");

    const out000 = await run(
      "python3",
      ["-c", PYTHON_CLIENT_000, port],
      "你好\nexit\n",
    );
    assert.equal(out000.code, 0, out000.stderr);
    const match = /接收到服务器的响应: (.*)\n/.exec(out000.stdout);
    assert.ok(match !== null, out000.stdout);
    assert.equal(replyText(match[1]!), "你好");
  },
});
