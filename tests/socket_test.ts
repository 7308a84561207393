// Copyright 2026 the socketkit authors. MIT license.
// The ports keep the tutorials' Python names (client_socket, msg_length) so
// they read line by line against the originals.
// deno-lint-ignore-file camelcase
//
// The Python-style facade. Part one ports every program of the tutorials in
// ../shared/seeds/ with socket.ts and runs each pair over loopback, then each
// ported server against the original Python client and each ported client
// against the original Python server (converted to Python 3, ports given on
// the command line instead of fixed ones). Part two tests each call.

import assert from "node:assert/strict";
import * as socket from "../socket.ts";
import * as tcp from "../tcp.ts";
import {
  assertClosedByPeer,
  canListenOnIpv6Any,
  pseudoRandomBytes,
  sha256,
  within,
} from "./_util.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const decode = (data: Uint8Array) => decoder.decode(data);
const encode = (text: string) => encoder.encode(text);
const linux = Deno.build.os === "linux";
const hasPython = await new Deno.Command("python3", { args: ["--version"] })
  .output().then((out) => out.success, () => false);

// ---- Python peers ----

/** Python 3 output of a finished script. */
interface PythonResult {
  code: number;
  stdout: string;
  stderr: string;
}

const PY_ENV = { PYTHONIOENCODING: "utf-8", PYTHONUNBUFFERED: "1" };

/** Runs a Python script to the end, feeding `stdin`; killed after 20 s. */
async function runPython(
  script: string,
  args: string[],
  stdin = "",
): Promise<PythonResult> {
  const child = new Deno.Command("python3", {
    args: ["-c", script, ...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: PY_ENV,
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  try {
    const writer = child.stdin.getWriter();
    await writer.write(encode(stdin));
    await writer.close();
    const out = await child.output();
    return {
      code: out.code,
      stdout: decode(out.stdout),
      stderr: decode(out.stderr),
    };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs one of the tutorials' interactive Python clients against `port`,
 * typing each of `inputs` on its own line, and asserts it exits 0; returns
 * what it printed after each `prompt`, trimmed, without the empty ones.
 */
async function pythonClientReplies(
  script: string,
  port: number,
  inputs: string[],
  prompt: string,
): Promise<string[]> {
  const out = await runPython(script, [String(port)], inputs.join("\n") + "\n");
  assert.equal(out.code, 0, out.stderr);
  return out.stdout.split(prompt).map((s) => s.trim()).filter((s) => s !== "");
}

/** The prompt of seed 000's Python echo clients. */
const ECHO_PROMPT = "请输入要发送的消息 (输入 'exit' 退出): ";

/** A Python server running until stopped; its first line is its port. */
interface PythonServer extends AsyncDisposable {
  port: number;
  /** Reads its output until `pattern` matches (it is killed after 20 s). */
  waitFor(pattern: RegExp): Promise<string>;
  /** Kills it (if still running) and returns everything it printed. */
  stop(): Promise<PythonResult>;
}

async function startPython(script: string): Promise<PythonServer> {
  const child = new Deno.Command("python3", {
    args: ["-c", script],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: PY_ENV,
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream())
    .getReader();
  let seen = "";
  while (!seen.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += value;
  }
  async function waitFor(pattern: RegExp): Promise<string> {
    while (!pattern.test(seen)) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += value;
    }
    return seen;
  }
  let stopped: Promise<PythonResult> | undefined;
  const stop = () =>
    stopped ??= (async () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already exited.
      }
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += value;
      }
      const status = await child.status;
      clearTimeout(timer);
      return { code: status.code, stdout: seen, stderr: await stderr };
    })();
  const port = Number(seen.split("\n")[0]);
  if (!Number.isInteger(port) || port <= 0) {
    const out = await stop();
    throw new Error(`Python server did not print its port: ${out.stderr}`);
  }
  return {
    port,
    waitFor,
    stop,
    [Symbol.asyncDispose]: async () => void await stop(),
  };
}

// ---- the ports of the tutorials' programs ----

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(" ");

/** Python's `time.ctime()`. */
function ctime(d = new Date()): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${
    String(d.getDate()).padStart(2, " ")
  } ${two(d.getHours())}:${two(d.getMinutes())}:${
    two(d.getSeconds())
  } ${d.getFullYear()}`;
}
const CTIME_REPLY = /^\[\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\] /;

/** Runs a ported server loop until its listening socket is closed. */
async function untilClosed(
  server: socket.Socket,
  loop: () => Promise<void>,
): Promise<void> {
  try {
    await loop();
  } catch (err) {
    if (!server.closed) throw err;
  }
}

/** Seed 000, "支持协议": accept one client, read once, thank it, close. */
async function simpleServer(
  server_socket: socket.Socket,
  log: string[],
): Promise<void> {
  log.push("服务器正在监听...");
  const [client_socket, addr] = await server_socket.accept();
  log.push(`连接来自 ${addr}`);
  const data = await client_socket.recv(1024);
  log.push(`接收到的数据: ${decode(data)}`);
  await client_socket.send(encode("谢谢你!"));
  await client_socket.close();
  await server_socket.close();
}

/** Seed 000, its client. */
async function simpleClient(port: number): Promise<string> {
  const client_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM);
  await client_socket.connect(["localhost", port]);
  await client_socket.send(encode("你好,服务器!"));
  const data = await client_socket.recv(1024);
  await client_socket.close();
  return `接收到的数据: ${decode(data)}`;
}

/**
 * Seed 000, "TCP 示例": an echo server serving clients one after another.
 * The seed's reply line is cut short (`response = f"你好,`); it is
 * completed as its UDP twin's: `你好,客户端!你发送了:{data}`.
 */
async function tcpEchoServer(
  server_socket: socket.Socket,
  log: string[],
): Promise<void> {
  await untilClosed(server_socket, async () => {
    while (true) {
      const [client_socket, client_address] = await server_socket.accept();
      log.push(`接受来自 ${client_address} 的连接`);
      while (true) {
        const data = await client_socket.recv(1024);
        if (data.length === 0) break;
        const text = decode(data);
        log.push(`接收到来自客户端的数据: ${text}`);
        const response = `你好,客户端!你发送了:${text}`;
        await client_socket.send(encode(response));
      }
      await client_socket.close();
    }
  });
}

/** Seed 000, its client: `input()` is the list of messages. */
async function tcpEchoClient(
  port: number,
  inputs: string[],
): Promise<string[]> {
  const out: string[] = [];
  const client_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM);
  const server_address: socket.InetAddress = ["localhost", port];
  await client_socket.connect(server_address);
  for (const message of inputs) {
    if (message === "exit") break;
    await client_socket.send(encode(message));
    const data = await client_socket.recv(1024);
    out.push(`接收到服务器的响应: ${decode(data)}`);
  }
  await client_socket.close();
  return out;
}

/** Seed 000, "UDP 示例": the UDP echo server. */
async function udpEchoServer(
  server_socket: socket.Socket,
  log: string[],
): Promise<void> {
  log.push("UDP 服务器启动,等待数据...");
  await untilClosed(server_socket, async () => {
    while (true) {
      const [data, client_address] = await server_socket.recvfrom(1024);
      const text = decode(data);
      log.push(`接收到来自 ${client_address} 的数据: ${text}`);
      const response = `你好,客户端!你发送了:${text}`;
      await server_socket.sendto(encode(response), client_address);
    }
  });
}

/** Seed 000, the UDP client. */
async function udpEchoClient(
  port: number,
  inputs: string[],
): Promise<string[]> {
  const out: string[] = [];
  const client_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  client_socket.settimeout(10); // The seed waits for ever; a test may not.
  let server_address: socket.Address = ["localhost", port];
  for (const message of inputs) {
    if (message === "exit") break;
    await client_socket.sendto(encode(message), server_address);
    let data: Uint8Array;
    [data, server_address] = await client_socket.recvfrom(1024);
    out.push(`接收到服务器的响应: ${decode(data)}`);
  }
  await client_socket.close();
  return out;
}

/**
 * Seeds 001 and 002, the TCP server: each piece of data comes back as
 * `[ctime] data`. (Seed 001 reads from the listening socket and sends a
 * Python 2 str; this is the intended program, as seed 002 writes it.)
 */
async function ctimeServer(
  tcpSerSock: socket.Socket,
  log: string[],
): Promise<void> {
  const BUFSIZ = 1024;
  await untilClosed(tcpSerSock, async () => {
    while (true) {
      log.push("waiting for connecting...");
      const [tcpCliSock, addr] = await tcpSerSock.accept();
      log.push(`...connected from: ${addr}`);
      while (true) {
        const data = decode(await tcpCliSock.recv(BUFSIZ));
        if (!data) break;
        log.push(`[${ctime()}] ${data}`);
        await tcpCliSock.send(encode(`[${ctime()}] ${data}`));
      }
      await tcpCliSock.close();
    }
  });
}

/** Seed 002, the TCP client: stops at an empty input. */
async function ctimeClient(port: number, inputs: string[]): Promise<string[]> {
  const out: string[] = [];
  const ADDR: socket.InetAddress = ["localhost", port];
  const tcpCliSock = socket.socket(socket.AF_INET, socket.SOCK_STREAM);
  await tcpCliSock.connect(ADDR);
  for (const line of inputs) {
    let data: Uint8Array = encode(line);
    if (data.length === 0) break;
    await tcpCliSock.send(data);
    data = await tcpCliSock.recv(1024);
    if (data.length === 0) break;
    out.push(decode(data));
  }
  await tcpCliSock.close();
  return out;
}

/** Seed 002, the UDP server. */
async function udpCtimeServer(
  udpSerSock: socket.Socket,
  log: string[],
): Promise<void> {
  await untilClosed(udpSerSock, async () => {
    while (true) {
      log.push("waiting for message...");
      const [raw, addr] = await udpSerSock.recvfrom(1024);
      const data = decode(raw);
      await udpSerSock.sendto(encode(`[${ctime()}] ${data}`), addr);
      log.push(`...received from and returned to: ${addr}`);
    }
  });
}

/** Seed 002, the UDP client. */
async function udpCtimeClient(
  port: number,
  inputs: string[],
): Promise<string[]> {
  const out: string[] = [];
  const ADDR: socket.InetAddress = ["localhost", port];
  const udpCliSock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  udpCliSock.settimeout(10);
  for (const line of inputs) {
    let data: Uint8Array = encode(line);
    if (data.length === 0) break;
    await udpCliSock.sendto(data, ADDR);
    [data] = await udpCliSock.recvfrom(1024);
    if (data.length === 0) break;
    out.push(decode(data));
  }
  await udpCliSock.close();
  return out;
}

/** Seed 003: each client gets the time, then the connection closes. */
async function timeServer(s: socket.Socket, log: string[]): Promise<void> {
  await untilClosed(s, async () => {
    while (true) {
      const [conn, addr] = await s.accept();
      log.push(`Client ${addr} connected!`);
      const message = `Current time is ${
        new Date().toISOString().replace("T", " ").replace("Z", "")
      }`;
      await conn.send(encode(message));
      log.push(`Sent: ${message}`);
      await conn.close();
    }
  });
}

/** Seed 003, the TCP client. */
async function timeClient(port: number): Promise<string> {
  const HOST = "127.0.0.1";
  const s = socket.socket(socket.AF_INET, socket.SOCK_STREAM);
  await s.connect([HOST, port]);
  const data = await s.recv(1024);
  await s.close();
  return decode(data);
}

/** Seed 003, the UDP server: prints what it receives. */
async function udpPrintServer(s: socket.Socket, log: string[]): Promise<void> {
  await untilClosed(s, async () => {
    while (true) {
      const [data, addr] = await s.recvfrom(1024);
      log.push(`Received: ${decode(data)} ${addr}`);
    }
  });
}

/** Seed 003, the UDP client: one datagram, no answer. */
async function udpHelloClient(port: number): Promise<string> {
  const HOST = "127.0.0.1";
  const s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  const data = "Hello UDP!";
  await s.sendto(data, [HOST, port]);
  await s.close();
  return `Sent: ${data} to ${HOST}:${port}`;
}

const HEADER = 64;
const FORMAT = "utf-8";
const DISCONNECT_MESSAGE = "!DISCONNECT";

/**
 * Seed 004: a 64-byte length header, then the message; one handler per
 * client (a thread in Python, a task here).
 */
async function headerServer(
  server: socket.Socket,
  log: string[],
): Promise<void> {
  const handlers = new Set<Promise<void>>();
  async function handle_client(conn: socket.Socket, addr: socket.Address) {
    log.push(`[NEW CONNECTION] ${addr} connected.`);
    let connected = true;
    while (connected) {
      const msg_length = new TextDecoder(FORMAT).decode(
        await conn.recv(HEADER),
      );
      if (msg_length) {
        const length = parseInt(msg_length);
        const msg = decode(await conn.recv(length));
        if (msg === DISCONNECT_MESSAGE) connected = false;
        log.push(`[${addr}] ${msg}`);
        await conn.send(encode("Msg received"));
      } else {
        break; // The seed spins on an empty header; stop at end of stream.
      }
    }
    await conn.close();
  }
  log.push("[STARTING] Server is starting...");
  await server.listen();
  log.push(`[LISTENING] Server is listening on ${server.getsockname()}`);
  await untilClosed(server, async () => {
    while (true) {
      const [conn, addr] = await server.accept();
      const thread = handle_client(conn, addr);
      handlers.add(thread);
      thread.finally(() => handlers.delete(thread));
      log.push(`[ACTIVE CONNECTIONS] ${handlers.size}`);
    }
  });
  await Promise.all(handlers);
}

/** Seed 004, the client. */
async function headerClient(port: number): Promise<string[]> {
  const out: string[] = [];
  const SERVER = await socket.gethostbyname("localhost");
  const client = socket.socket(socket.AF_INET, socket.SOCK_STREAM);
  await client.connect([SERVER, port]);
  async function send(msg: string) {
    const message = encode(msg);
    const send_length = encode(String(message.length).padEnd(HEADER, " "));
    await client.send(send_length);
    await client.send(message);
    out.push(decode(await client.recv(2048)));
  }
  await send("Hello World!");
  await send(DISCONNECT_MESSAGE);
  await client.close();
  return out;
}

// ---- the original Python programs, in Python 3 ----

/** Seed 000 server (one client); binds a free port and prints it first. */
const PY_SIMPLE_SERVER = `
import socket
server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server_socket.bind(('localhost', 0))
server_socket.listen(5)
print(server_socket.getsockname()[1])
print("服务器正在监听...")
client_socket, addr = server_socket.accept()
print(f"连接来自 {addr}")
data = client_socket.recv(1024)
print(f"接收到的数据: {data.decode('utf-8')}")
client_socket.send("谢谢你!".encode('utf-8'))
client_socket.close()
server_socket.close()
`;

const PY_SIMPLE_CLIENT = `
import socket, sys
client_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client_socket.connect(('localhost', int(sys.argv[1])))
client_socket.send("你好,服务器!".encode('utf-8'))
data = client_socket.recv(1024)
print(f"接收到的数据: {data.decode('utf-8')}")
client_socket.close()
`;

const PY_TCP_ECHO_SERVER = `
import socket
server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server_address = ('localhost', 0)
server_socket.bind(server_address)
server_socket.listen(5)
print(server_socket.getsockname()[1])
print("TCP 服务器启动,等待连接...")
while True:
    client_socket, client_address = server_socket.accept()
    print(f"接受来自 {client_address} 的连接")
    while True:
        data = client_socket.recv(1024)
        if not data:
            break
        data = data.decode('utf-8')
        print(f"接收到来自客户端的数据: {data}")
        response = f"你好,客户端!你发送了:{data}"
        client_socket.send(response.encode('utf-8'))
    client_socket.close()
`;

const PY_TCP_ECHO_CLIENT = `
import socket, sys
client_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server_address = ('localhost', int(sys.argv[1]))
client_socket.connect(server_address)
while True:
    message = input("请输入要发送的消息 (输入 'exit' 退出): ")
    if message == 'exit':
        break
    client_socket.send(message.encode('utf-8'))
    data = client_socket.recv(1024)
    data = data.decode('utf-8')
    print(f"接收到服务器的响应: {data}")
client_socket.close()
`;

const PY_UDP_ECHO_SERVER = `
import socket
server_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
server_address = ('localhost', 0)
server_socket.bind(server_address)
print(server_socket.getsockname()[1])
print("UDP 服务器启动,等待数据...")
while True:
    data, client_address = server_socket.recvfrom(1024)
    data = data.decode('utf-8')
    print(f"接收到来自 {client_address} 的数据: {data}")
    response = f"你好,客户端!你发送了:{data}"
    server_socket.sendto(response.encode('utf-8'), client_address)
server_socket.close()
`;

const PY_UDP_ECHO_CLIENT = `
import socket, sys
client_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
client_socket.settimeout(10)
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

const PY_CTIME_SERVER = `
from socket import *
from time import ctime
HOST = '127.0.0.1'
PORT = 0
BUFSIZ = 1024
ADDR = (HOST, PORT)
tcpSerSock = socket(AF_INET, SOCK_STREAM)
tcpSerSock.bind(ADDR)
tcpSerSock.listen(5)
print(tcpSerSock.getsockname()[1])
while True:
    print("waiting for connecting...")
    tcpCliSock, addr = tcpSerSock.accept()
    print('...connected from: ', addr)
    while True:
        data = tcpCliSock.recv(BUFSIZ).decode('utf8')
        if not data:
            break
        print('[%s] %s' % (ctime(), data))
        tcpCliSock.send(('[%s] %s' % (ctime(), data)).encode('utf8'))
    tcpCliSock.close()
tcpSerSock.close()
`;

const PY_CTIME_CLIENT = `
from socket import *
import sys
HOST = 'localhost'
PORT = int(sys.argv[1])
BUFSIZ = 1024
ADDR = (HOST, PORT)
tcpCliSock = socket(AF_INET, SOCK_STREAM)
tcpCliSock.connect(ADDR)
while True:
    data = input('> ').encode('utf8')
    if not data:
        break
    tcpCliSock.send(data)
    data = tcpCliSock.recv(BUFSIZ)
    if not data:
        break
    print(data.decode('utf8'))
tcpCliSock.close()
`;

const PY_UDP_CTIME_SERVER = `
from socket import *
from time import ctime
HOST = '127.0.0.1'
PORT = 0
BUFSIZ = 1024
ADDR = (HOST, PORT)
udpSerSock = socket(AF_INET, SOCK_DGRAM)
udpSerSock.bind(ADDR)
print(udpSerSock.getsockname()[1])
while True:
    print('waiting for message...')
    data, addr = udpSerSock.recvfrom(BUFSIZ)
    data = data.decode('utf8')
    udpSerSock.sendto(('[%s] %s' % (ctime(), data)).encode('utf8'), addr)
    print('...received from and returned to:', addr)
udpSerSock.close()
`;

const PY_UDP_CTIME_CLIENT = `
from socket import *
import sys
HOST = 'localhost'
PORT = int(sys.argv[1])
BUFSIZ = 1024
ADDR = (HOST, PORT)
udpCliSock = socket(AF_INET, SOCK_DGRAM)
udpCliSock.settimeout(10)
while True:
    data = input('> ').encode('utf8')
    if not data:
        break
    udpCliSock.sendto(data, ADDR)
    data, ADDR = udpCliSock.recvfrom(BUFSIZ)
    if not data:
        break
    print(data.decode('utf8'))
udpCliSock.close()
`;

const PY_TIME_SERVER = `
import socket
import datetime
HOST = '127.0.0.1'
PORT = 0
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind((HOST, PORT))
s.listen(1)
print(s.getsockname()[1])
while True:
    conn, addr = s.accept()
    print('Client %s connected!' % str(addr))
    dt = datetime.datetime.now()
    message = "Current time is " + str(dt)
    conn.send(message.encode())
    print("Sent: ", message)
    conn.close()
`;

const PY_TIME_CLIENT = `
import socket, sys
HOST = '127.0.0.1'
PORT = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect((HOST, PORT))
print('Connect %s:%d OK!' % (HOST, PORT))
data = s.recv(1024)
print('Received: ', data.decode())
s.close()
`;

const PY_UDP_PRINT_SERVER = `
import socket
HOST = '127.0.0.1'
PORT = 0
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((HOST, PORT))
print(s.getsockname()[1])
while True:
    data, addr = s.recvfrom(1024)
    print('Received: %s %s' % (data.decode(), str(addr)))
s.close()
`;

const PY_UDP_HELLO_CLIENT = `
import socket, sys
HOST = '127.0.0.1'
PORT = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
data = "Hello UDP!"
s.sendto(data.encode(), (HOST, PORT))
print("Sent: %s to %s:%d" % (data, HOST, PORT))
s.close()
`;

/** Seed 004's server binds gethostbyname(gethostname()); tests stay on loopback. */
const PY_HEADER_SERVER = `
import socket
import threading
HEADER = 64
PORT = 0
SERVER = '127.0.0.1'
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
    print(server.getsockname()[1])
    print(f"[LISTENING] Server is listening on {SERVER}")
    while True:
        conn, addr = server.accept()
        thread = threading.Thread(target=handle_client, args=(conn, addr), daemon=True)
        thread.start()
        print(f"[ACTIVE CONNECTIONS] {threading.active_count() - 1}")
start()
`;

const PY_HEADER_CLIENT = `
import socket, sys
HEADER = 64
PORT = int(sys.argv[1])
FORTAM = 'utf-8'
DISCONNECT_MESSAGE = "!DISCONNECT"
SERVER = socket.gethostbyname('localhost')
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

/** A loopback TCP server socket of the facade, bound and listening. */
async function tcpServer(host = "127.0.0.1"): Promise<socket.Socket> {
  const family = host.includes(":") ? socket.AF_INET6 : socket.AF_INET;
  const s = socket.socket(family, socket.SOCK_STREAM);
  await s.bind([host, 0]);
  await s.listen(5);
  return s;
}

async function udpServer(): Promise<socket.Socket> {
  const s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  await s.bind(["127.0.0.1", 0]);
  return s;
}

function portOf(s: socket.Socket): number {
  return (s.getsockname() as socket.InetAddress)[1];
}

/** Waits until `check` holds, for at most 5 s. */
async function eventually(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.ok(check(), "condition not met within 5 s");
}

// ---- seed 000: the simple pair ----

Deno.test("seed 000 simple server and client talk over loopback", async () => {
  const server = await tcpServer();
  const log: string[] = [];
  const serving = simpleServer(server, log);
  const reply = await simpleClient(portOf(server));
  await serving;
  assert.equal(reply, "接收到的数据: 谢谢你!");
  assert.match(log[1]!, /^连接来自 127\.0\.0\.1,\d+$/);
  assert.equal(log[2], "接收到的数据: 你好,服务器!");
  assert.equal(server.closed, true);
});

Deno.test({
  name: "seed 000 ported simple server answers the Python client",
  ignore: !hasPython,
  async fn() {
    const server = await tcpServer();
    const log: string[] = [];
    const serving = simpleServer(server, log);
    const out = await runPython(PY_SIMPLE_CLIENT, [String(portOf(server))]);
    await serving;
    assert.equal(out.stdout, "接收到的数据: 谢谢你!\n", out.stderr);
    assert.equal(log[2], "接收到的数据: 你好,服务器!");
  },
});

Deno.test({
  name: "seed 000 ported simple client talks to the Python server",
  ignore: !hasPython,
  async fn() {
    await using py = await startPython(PY_SIMPLE_SERVER);
    assert.equal(await simpleClient(py.port), "接收到的数据: 谢谢你!");
    const out = await py.stop();
    assert.match(out.stdout, /接收到的数据: 你好,服务器!\n/);
  },
});

// ---- seed 000: TCP echo ----

const ECHO_INPUTS = ["hello", "你好", "a b c", "exit", "never sent"];
const ECHO_REPLIES = [
  "接收到服务器的响应: 你好,客户端!你发送了:hello",
  "接收到服务器的响应: 你好,客户端!你发送了:你好",
  "接收到服务器的响应: 你好,客户端!你发送了:a b c",
];

Deno.test("seed 000 TCP echo server serves two clients in turn", async () => {
  await using server = await tcpServer();
  const log: string[] = [];
  const serving = tcpEchoServer(server, log);
  assert.deepEqual(
    await tcpEchoClient(portOf(server), ECHO_INPUTS),
    ECHO_REPLIES,
  );
  assert.deepEqual(await tcpEchoClient(portOf(server), ["again", "exit"]), [
    "接收到服务器的响应: 你好,客户端!你发送了:again",
  ]);
  await eventually(() => log.length === 6);
  await server.close();
  await serving;
  assert.equal(log[1], "接收到来自客户端的数据: hello");
  assert.equal(log[5], "接收到来自客户端的数据: again");
});

Deno.test({
  name: "seed 000 ported TCP echo server answers the Python client",
  ignore: !hasPython,
  async fn() {
    await using server = await tcpServer();
    const log: string[] = [];
    const serving = tcpEchoServer(server, log);
    const replies = await pythonClientReplies(
      PY_TCP_ECHO_CLIENT,
      portOf(server),
      ECHO_INPUTS,
      ECHO_PROMPT,
    );
    assert.deepEqual(replies, ECHO_REPLIES);
    await eventually(() => log.length === 4);
    await server.close();
    await serving;
  },
});

Deno.test({
  name: "seed 000 ported TCP echo client talks to the Python server",
  ignore: !hasPython,
  async fn() {
    await using py = await startPython(PY_TCP_ECHO_SERVER);
    assert.deepEqual(await tcpEchoClient(py.port, ECHO_INPUTS), ECHO_REPLIES);
    const out = await py.stop();
    assert.match(out.stdout, /接收到来自客户端的数据: a b c\n/);
  },
});

// ---- seed 000: UDP echo ----

Deno.test("seed 000 UDP echo server and client talk over loopback", async () => {
  await using server = await udpServer();
  const log: string[] = [];
  const serving = udpEchoServer(server, log);
  assert.deepEqual(
    await udpEchoClient(portOf(server), ECHO_INPUTS),
    ECHO_REPLIES,
  );
  await server.close();
  await serving;
  assert.match(log[1]!, /^接收到来自 127\.0\.0\.1,\d+ 的数据: hello$/);
});

Deno.test({
  name: "seed 000 ported UDP echo server answers the Python client",
  ignore: !hasPython,
  async fn() {
    await using server = await udpServer();
    const log: string[] = [];
    const serving = udpEchoServer(server, log);
    const replies = await pythonClientReplies(
      PY_UDP_ECHO_CLIENT,
      portOf(server),
      ECHO_INPUTS,
      ECHO_PROMPT,
    );
    assert.deepEqual(replies, ECHO_REPLIES);
    await server.close();
    await serving;
  },
});

Deno.test({
  name: "seed 000 ported UDP echo client talks to the Python server",
  ignore: !hasPython,
  async fn() {
    await using py = await startPython(PY_UDP_ECHO_SERVER);
    assert.deepEqual(await udpEchoClient(py.port, ECHO_INPUTS), ECHO_REPLIES);
    const out = await py.stop();
    assert.match(out.stdout, /的数据: 你好\n/);
  },
});

// ---- seeds 001 and 002: the ctime servers ----

const CTIME_INPUTS = ["Python编程", "second", ""];

Deno.test("seeds 001 and 002 ctime TCP server and client talk over loopback", async () => {
  await using server = await tcpServer();
  const log: string[] = [];
  const serving = ctimeServer(server, log);
  const replies = await ctimeClient(portOf(server), CTIME_INPUTS);
  assert.equal(replies.length, 2);
  assert.match(replies[0]!, CTIME_REPLY);
  assert.ok(replies[0]!.endsWith("] Python编程"));
  assert.ok(replies[1]!.endsWith("] second"));
  await eventually(() => log.length >= 5);
  await server.close();
  await serving;
  assert.match(log[1]!, /^\.\.\.connected from: 127\.0\.0\.1,\d+$/);
});

Deno.test({
  name: "seed 002 ported ctime TCP server answers the Python client",
  ignore: !hasPython,
  async fn() {
    await using server = await tcpServer();
    const serving = ctimeServer(server, []);
    const lines = await pythonClientReplies(
      PY_CTIME_CLIENT,
      portOf(server),
      CTIME_INPUTS,
      "> ",
    );
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, CTIME_REPLY);
    assert.ok(lines[0]!.endsWith("] Python编程"));
    await server.close();
    await serving;
  },
});

Deno.test({
  name: "seed 002 ported ctime TCP client talks to the Python server",
  ignore: !hasPython,
  async fn() {
    await using py = await startPython(PY_CTIME_SERVER);
    const replies = await ctimeClient(py.port, CTIME_INPUTS);
    assert.equal(replies.length, 2);
    assert.match(replies[1]!, CTIME_REPLY);
    assert.ok(replies[1]!.endsWith("] second"));
  },
});

Deno.test("seed 002 ctime UDP server and client talk over loopback", async () => {
  await using server = await udpServer();
  const log: string[] = [];
  const serving = udpCtimeServer(server, log);
  const replies = await udpCtimeClient(portOf(server), CTIME_INPUTS);
  assert.equal(replies.length, 2);
  assert.match(replies[0]!, CTIME_REPLY);
  assert.ok(replies[0]!.endsWith("] Python编程"));
  await server.close();
  await serving;
  assert.match(log[1]!, /^\.\.\.received from and returned to: 127\.0\.0\.1,/);
});

Deno.test({
  name: "seed 002 ported ctime UDP server answers the Python client",
  ignore: !hasPython,
  async fn() {
    await using server = await udpServer();
    const serving = udpCtimeServer(server, []);
    const lines = await pythonClientReplies(
      PY_UDP_CTIME_CLIENT,
      portOf(server),
      CTIME_INPUTS,
      "> ",
    );
    assert.equal(lines.length, 2);
    assert.ok(lines[1]!.endsWith("] second"));
    await server.close();
    await serving;
  },
});

Deno.test({
  name: "seed 002 ported ctime UDP client talks to the Python server",
  ignore: !hasPython,
  async fn() {
    await using py = await startPython(PY_UDP_CTIME_SERVER);
    const replies = await udpCtimeClient(py.port, CTIME_INPUTS);
    assert.equal(replies.length, 2);
    assert.match(replies[0]!, CTIME_REPLY);
    const out = await py.stop();
    assert.match(out.stdout, /received from and returned to: \('127\.0\.0\.1'/);
  },
});

// ---- seed 003: the time server and the one-way UDP pair ----

const TIME_REPLY = /^Current time is \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+$/;

Deno.test("seed 003 time server and client talk over loopback", async () => {
  await using server = await tcpServer();
  const log: string[] = [];
  const serving = timeServer(server, log);
  assert.match(await timeClient(portOf(server)), TIME_REPLY);
  assert.match(await timeClient(portOf(server)), TIME_REPLY);
  await eventually(() => log.length === 4);
  await server.close();
  await serving;
  assert.match(log[0]!, /^Client 127\.0\.0\.1,\d+ connected!$/);
});

Deno.test({
  name: "seed 003 ported time server answers the Python client",
  ignore: !hasPython,
  async fn() {
    await using server = await tcpServer();
    const serving = timeServer(server, []);
    const port = portOf(server);
    const out = await runPython(PY_TIME_CLIENT, [String(port)]);
    assert.equal(out.code, 0, out.stderr);
    const [connected, received] = out.stdout.split("\n");
    assert.equal(connected, `Connect 127.0.0.1:${port} OK!`);
    assert.match(received!.replace("Received:  ", ""), TIME_REPLY);
    await server.close();
    await serving;
  },
});

Deno.test({
  name: "seed 003 ported time client talks to the Python server",
  ignore: !hasPython,
  async fn() {
    await using py = await startPython(PY_TIME_SERVER);
    assert.match(await timeClient(py.port), TIME_REPLY);
    const out = await py.stop();
    assert.match(out.stdout, /Client \('127\.0\.0\.1', \d+\) connected!/);
  },
});

Deno.test("seed 003 UDP client's datagram reaches the UDP server", async () => {
  await using server = await udpServer();
  const log: string[] = [];
  const serving = udpPrintServer(server, log);
  const port = portOf(server);
  assert.equal(
    await udpHelloClient(port),
    `Sent: Hello UDP! to 127.0.0.1:${port}`,
  );
  await eventually(() => log.length === 1);
  await server.close();
  await serving;
  assert.match(log[0]!, /^Received: Hello UDP! 127\.0\.0\.1,\d+$/);
});

Deno.test({
  name: "seed 003 ported UDP server receives the Python client's datagram",
  ignore: !hasPython,
  async fn() {
    await using server = await udpServer();
    const log: string[] = [];
    const serving = udpPrintServer(server, log);
    const port = portOf(server);
    const out = await runPython(PY_UDP_HELLO_CLIENT, [String(port)]);
    assert.equal(out.stdout, `Sent: Hello UDP! to 127.0.0.1:${port}\n`);
    await eventually(() => log.length === 1);
    await server.close();
    await serving;
    assert.match(log[0]!, /^Received: Hello UDP! 127\.0\.0\.1,\d+$/);
  },
});

Deno.test({
  name: "seed 003 ported UDP client's datagram reaches the Python server",
  ignore: !hasPython,
  async fn() {
    await using py = await startPython(PY_UDP_PRINT_SERVER);
    await udpHelloClient(py.port);
    const pattern = /Received: Hello UDP! \('127\.0\.0\.1', \d+\)/;
    assert.match(await py.waitFor(pattern), pattern);
  },
});

// ---- seed 004: the threaded 64-byte-header server ----

Deno.test("seed 004 header server and client talk over loopback, two clients at once", async () => {
  const server = socket.socket(socket.AF_INET, socket.SOCK_STREAM);
  await server.bind(["127.0.0.1", 0]);
  const log: string[] = [];
  const serving = headerServer(server, log);
  await eventually(() => log.length === 2);
  const port = portOf(server);
  const [a, b] = await Promise.all([headerClient(port), headerClient(port)]);
  assert.deepEqual(a, ["Msg received", "Msg received"]);
  assert.deepEqual(b, ["Msg received", "Msg received"]);
  await server.close();
  await serving;
  assert.equal(log.filter((l) => l.endsWith("] Hello World!")).length, 2);
  assert.equal(log.filter((l) => l.endsWith("] !DISCONNECT")).length, 2);
  assert.match(log[1]!, /^\[LISTENING\] Server is listening on 127\.0\.0\.1,/);
});

Deno.test({
  name: "seed 004 ported header server answers the Python client",
  ignore: !hasPython,
  async fn() {
    const server = socket.socket(socket.AF_INET, socket.SOCK_STREAM);
    await server.bind(["127.0.0.1", 0]);
    const log: string[] = [];
    const serving = headerServer(server, log);
    await eventually(() => log.length === 2);
    const out = await runPython(PY_HEADER_CLIENT, [String(portOf(server))]);
    assert.equal(out.stdout, "Msg received\nMsg received\n", out.stderr);
    await eventually(() => log.some((l) => l.endsWith("] !DISCONNECT")));
    await server.close();
    await serving;
    assert.ok(log.some((l) => l.endsWith("] Hello World!")));
  },
});

Deno.test({
  name: "seed 004 ported header client talks to the Python server",
  ignore: !hasPython,
  async fn() {
    await using py = await startPython(PY_HEADER_SERVER);
    assert.deepEqual(await headerClient(py.port), [
      "Msg received",
      "Msg received",
    ]);
    // No "\n" after it: the server's threads print at once, and Python's
    // print writes the text and its newline separately, so another line
    // ("[ACTIVE CONNECTIONS] 1") may come between them.
    assert.match(await py.waitFor(/!DISCONNECT\n/), /\] Hello World!/);
  },
});

// ---- unit tests: constants, construction, errors ----

Deno.test("constants have Python's Linux values", () => {
  assert.deepEqual(
    [socket.AF_UNSPEC, socket.AF_UNIX, socket.AF_INET, socket.AF_INET6],
    [0, 1, 2, 10],
  );
  assert.deepEqual(
    [
      socket.SOCK_STREAM,
      socket.SOCK_DGRAM,
      socket.SOCK_RAW,
      socket.SOCK_RDM,
      socket.SOCK_SEQPACKET,
      socket.SOCK_NONBLOCK,
      socket.SOCK_CLOEXEC,
    ],
    [1, 2, 3, 4, 5, 2048, 524288],
  );
  assert.deepEqual(
    [
      socket.SOL_SOCKET,
      socket.IPPROTO_IP,
      socket.IPPROTO_TCP,
      socket.IPPROTO_UDP,
      socket.IPPROTO_IPV6,
    ],
    [1, 0, 6, 17, 41],
  );
  assert.deepEqual(
    [
      socket.SO_REUSEADDR,
      socket.SO_TYPE,
      socket.SO_BROADCAST,
      socket.SO_KEEPALIVE,
      socket.SO_REUSEPORT,
      socket.TCP_NODELAY,
      socket.IP_MULTICAST_TTL,
      socket.IP_MULTICAST_LOOP,
      socket.IP_ADD_MEMBERSHIP,
      socket.IP_DROP_MEMBERSHIP,
    ],
    [2, 3, 6, 9, 15, 1, 33, 34, 35, 36],
  );
  assert.deepEqual([socket.SHUT_RD, socket.SHUT_WR, socket.SHUT_RDWR], [
    0,
    1,
    2,
  ]);
  assert.equal(socket.INADDR_ANY, 0);
  assert.equal(socket.SOMAXCONN, 4096);
});

Deno.test({
  name: "constants match the local Python's socket module",
  ignore: !hasPython || !linux,
  async fn() {
    const names = [
      "AF_UNIX",
      "AF_INET",
      "AF_INET6",
      "SOCK_STREAM",
      "SOCK_DGRAM",
      "SOCK_RAW",
      "SOCK_SEQPACKET",
      "SOCK_NONBLOCK",
      "SOCK_CLOEXEC",
      "SOL_SOCKET",
      "IPPROTO_TCP",
      "IPPROTO_IP",
      "SO_REUSEADDR",
      "SO_REUSEPORT",
      "SO_KEEPALIVE",
      "SO_BROADCAST",
      "TCP_NODELAY",
      "IP_ADD_MEMBERSHIP",
      "IP_DROP_MEMBERSHIP",
      "IP_MULTICAST_TTL",
      "IP_MULTICAST_LOOP",
      "SHUT_RD",
      "SHUT_WR",
      "SHUT_RDWR",
    ];
    const out = await runPython(
      `import socket, json\nprint(json.dumps({n: int(getattr(socket, n)) for n in ${
        JSON.stringify(names)
      }}))`,
      [],
    );
    const ours = Object.fromEntries(
      names.map((n) => [n, (socket as unknown as Record<string, number>)[n]]),
    );
    assert.deepEqual(JSON.parse(out.stdout), ours);
  },
});

Deno.test("socket() defaults to AF_INET and SOCK_STREAM and records them", async () => {
  await using s = socket.socket();
  assert.equal(s.family, socket.AF_INET);
  assert.equal(s.type, socket.SOCK_STREAM);
  assert.equal(s.proto, 0);
  assert.equal(s.gettimeout(), null);
  assert.equal(s.getblocking(), true);
  assert.deepEqual(s.getsockname(), ["0.0.0.0", 0]);
  await using six = new socket.Socket(socket.AF_INET6, socket.SOCK_DGRAM, 17);
  assert.equal(six.type, socket.SOCK_DGRAM);
  assert.equal(six.proto, socket.IPPROTO_UDP);
  assert.deepEqual(six.getsockname(), ["::", 0, 0, 0]);
  await using u = socket.socket(socket.AF_UNIX);
  assert.equal(u.getsockname(), "");
});

Deno.test("socket() takes SOCK_NONBLOCK and SOCK_CLOEXEC flags in the type", async () => {
  await using s = socket.socket(
    socket.AF_INET,
    socket.SOCK_STREAM | socket.SOCK_NONBLOCK | socket.SOCK_CLOEXEC,
  );
  assert.equal(s.type, socket.SOCK_STREAM);
  assert.equal(s.gettimeout(), 0);
  assert.equal(s.getblocking(), false);
});

Deno.test("socket() rejects what the kernel cannot open with NotSupported naming it", () => {
  assert.throws(
    () => socket.socket(socket.AF_INET, socket.SOCK_RDM),
    (err: Error) =>
      err instanceof Deno.errors.NotSupported &&
      err.message.includes("SOCK_RDM") &&
      err.message.includes("ESOCKTNOSUPPORT"),
  );
  assert.throws(
    () => socket.socket(17),
    (err: Error) =>
      err instanceof Deno.errors.NotSupported &&
      err.message.includes("address family 17"),
  );
  assert.throws(
    () => socket.socket(socket.AF_INET, socket.SOCK_STREAM, 17),
    (err: Error) =>
      err instanceof Deno.errors.NotSupported &&
      err.message.includes("protocol 17"),
  );
});

Deno.test({
  name:
    "socket() says that SOCK_RAW and SOCK_SEQPACKET need --allow-ffi without it",
  permissions: { ffi: false, read: true, net: true },
  fn() {
    for (
      const [family, type] of [
        [socket.AF_INET, socket.SOCK_RAW],
        [socket.AF_UNIX, socket.SOCK_SEQPACKET],
      ]
    ) {
      assert.throws(
        () => socket.socket(family, type),
        (err: Error) =>
          err instanceof Deno.errors.NotCapable &&
          err.message.includes("--allow-ffi"),
      );
    }
  },
});

Deno.test("socket() rejects arguments that are not integers with TypeError", () => {
  assert.throws(
    () => socket.socket("AF_INET" as unknown as number),
    {
      name: "TypeError",
      message:
        'Cannot create socket as family must be an integer: current value is "AF_INET"',
    },
  );
  assert.throws(() => socket.socket(socket.AF_INET, 1.5), {
    name: "TypeError",
    message:
      "Cannot create socket as type must be an integer: current value is 1.5",
  });
});

Deno.test("error classes keep Deno's classes under Python's names", () => {
  const timeout = new socket.TimeoutError("x");
  assert.ok(timeout instanceof Deno.errors.TimedOut);
  assert.equal(timeout.name, "TimeoutError");
  assert.equal(socket.timeout, socket.TimeoutError);
  const block = new socket.BlockingIOError("x");
  assert.ok(block instanceof Deno.errors.WouldBlock);
  assert.equal(block.name, "BlockingIOError");
  assert.ok(new socket.gaierror("x") instanceof Deno.errors.NotFound);
  assert.equal(socket.ConnectionRefusedError, Deno.errors.ConnectionRefused);
  assert.equal(socket.ConnectionResetError, Deno.errors.ConnectionReset);
  assert.equal(socket.ConnectionAbortedError, Deno.errors.ConnectionAborted);
  assert.equal(socket.BrokenPipeError, Deno.errors.BrokenPipe);
});

// ---- bind, listen, accept ----

Deno.test("bind() checks the address before any I/O", async () => {
  await using s = socket.socket();
  await assert.rejects(s.bind("127.0.0.1:80" as unknown as socket.Address), {
    name: "TypeError",
    message:
      'Cannot bind as address must be a [host, port] array for AF_INET: current value is "127.0.0.1:80"',
  });
  await assert.rejects(s.bind(["127.0.0.1", 70000]), {
    name: "RangeError",
    message:
      "Cannot bind as port must be an integer from 0 to 65535: current value is 70000",
  });
  await assert.rejects(
    s.bind([80, 80] as unknown as socket.Address),
    /host must be a string: current value is 80/,
  );
  await assert.rejects(s.bind(["::1", 0]), {
    name: "TypeError",
    message:
      'Cannot bind as host must be an IPv4 address or a name for AF_INET: current value is "::1"',
  });
  await using u = socket.socket(socket.AF_UNIX);
  await assert.rejects(u.bind(["x", 1]), /must be a path string for AF_UNIX/);
  await assert.rejects(u.bind(""), /non-empty path/);
});

Deno.test("bind() on a stream socket reserves the port as Python does: getsockname() answers it and AddrInUse comes from bind()", async () => {
  await using s = socket.socket();
  await s.bind(["localhost", 0]);
  const [host, port] = s.getsockname() as socket.InetAddress;
  assert.equal(host, "127.0.0.1");
  assert.ok(port > 0);
  // The port is held: another socket cannot bind it.
  await using other = socket.socket();
  const err = await other.bind(["127.0.0.1", port]).catch((e) => e);
  assert.ok(err instanceof Deno.errors.AddrInUse, String(err));
  assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
  await assert.rejects(s.bind(["127.0.0.1", 0]), Deno.errors.NotSupported);
  // listen(backlog) keeps the address.
  await s.listen(5);
  assert.deepEqual(s.getsockname(), ["127.0.0.1", port]);
  await using _client = await socket.create_connection(["127.0.0.1", port]);
  const [conn] = await s.accept();
  await conn.close();
  await assert.rejects(s.listen(), /already listening/);
});

Deno.test("a client connecting between bind() and listen() is accepted after listen()", async () => {
  await using s = socket.socket();
  await s.bind(["127.0.0.1", 0]);
  const [, port] = s.getsockname() as socket.InetAddress;
  await using client = await socket.create_connection(["127.0.0.1", port]);
  await s.listen();
  const [conn, from] = await s.accept();
  assert.deepEqual(from, client.getsockname());
  await conn.close();
});

Deno.test("bind() reports an address in use as AddrInUse", async () => {
  await using a = await tcpServer();
  await using b = socket.socket();
  await assert.rejects(
    b.bind(["127.0.0.1", portOf(a)]),
    Deno.errors.AddrInUse,
  );
});

Deno.test("listen() and accept() on a datagram socket are NotSupported", async () => {
  await using s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  await assert.rejects(s.listen(), Deno.errors.NotSupported);
  await assert.rejects(s.accept(), Deno.errors.NotSupported);
  await assert.rejects(s.listen(1.5), TypeError);
});

Deno.test("accept() before listen() is BadResource", async () => {
  await using s = socket.socket();
  await assert.rejects(s.accept(), {
    name: "BadResource",
    message:
      "Cannot accept as the AF_INET SOCK_STREAM socket is not listening: call listen first",
  });
});

Deno.test("accept() resolves to the connection and the peer's [host, port]", async () => {
  await using server = await tcpServer();
  await using client = socket.socket();
  await client.connect(["127.0.0.1", portOf(server)]);
  const [conn, addr] = await server.accept();
  await using _conn = conn;
  assert.deepEqual(addr, client.getsockname());
  assert.deepEqual(conn.getpeername(), client.getsockname());
  assert.deepEqual(conn.getsockname(), client.getpeername());
  assert.equal(conn.family, socket.AF_INET);
  assert.equal(conn.type, socket.SOCK_STREAM);
});

Deno.test("accept() over IPv6 gives Python's four-item addresses", async () => {
  await using server = await tcpServer("::1");
  await using client = socket.socket(socket.AF_INET6);
  await client.connect(["::1", portOf(server)]);
  const [conn, addr] = await server.accept();
  await using _conn = conn;
  assert.equal((addr as socket.Inet6Address).length, 4);
  assert.deepEqual(addr, client.getsockname());
  assert.equal((addr as socket.Inet6Address)[0], "::1");
});

// ---- connect ----

Deno.test("connect() to a closed port is ConnectionRefused, and connect_ex gives 111", async () => {
  const server = await tcpServer();
  const port = portOf(server);
  await server.close();
  await using s = socket.socket();
  const err = await s.connect(["127.0.0.1", port]).catch((e) => e);
  assert.ok(err instanceof socket.ConnectionRefusedError);
  assert.match(err.message, /connection refused/i);
  await using t = socket.socket();
  assert.equal(await t.connect_ex(["127.0.0.1", port]), 111);
});

Deno.test("connect_ex() resolves to 0 on success and still raises for bad arguments", async () => {
  await using server = await tcpServer();
  await using s = socket.socket();
  assert.equal(await s.connect_ex(["127.0.0.1", portOf(server)]), 0);
  await using t = socket.socket();
  await assert.rejects(t.connect_ex(["127.0.0.1", -1]), RangeError);
});

Deno.test("connect() after a specific bind is NotSupported, after bind to any port 0 it works", async () => {
  await using server = await tcpServer();
  await using s = socket.socket();
  await s.bind(["127.0.0.1", 0]);
  await assert.rejects(s.connect(["127.0.0.1", portOf(server)]), {
    name: "NotSupported",
    message:
      "Cannot connect after bind: Deno cannot choose the local address of an outgoing stream connection",
  });
  await using t = socket.socket();
  await t.bind(["", 0]);
  await t.connect(["127.0.0.1", portOf(server)]);
  assert.deepEqual(t.getpeername(), server.getsockname());
});

Deno.test("connect() twice is NotSupported", async () => {
  await using server = await tcpServer();
  await using s = socket.socket();
  await s.connect(["127.0.0.1", portOf(server)]);
  await assert.rejects(
    s.connect(["127.0.0.1", portOf(server)]),
    /already connected/,
  );
});

Deno.test("connect() raises gaierror for a name that does not resolve", async () => {
  await using s = socket.socket();
  const err = await s.connect([
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.invalid",
    80,
  ]).catch((e) => e);
  assert.ok(err instanceof socket.gaierror);
  assert.ok(err instanceof Deno.errors.NotFound);
  assert.match(err.message, /"x{64}\.invalid" cannot be resolved/);
});

Deno.test("connect() times out with TimeoutError when the backlog is full", async () => {
  await using server = socket.socket();
  await server.bind(["127.0.0.1", 0]);
  await server.listen(0);
  const port = portOf(server);
  // Linux queues one connection at backlog 0, then drops new SYNs.
  const held: socket.Socket[] = [];
  let timedOut: unknown;
  for (let i = 0; i < 4 && timedOut === undefined; i++) {
    const c = socket.socket();
    held.push(c);
    c.settimeout(0.2);
    timedOut = await c.connect(["127.0.0.1", port]).then(
      () => undefined,
      (e) => e,
    );
  }
  for (const c of held) await c.close();
  assert.ok(timedOut instanceof socket.TimeoutError);
  assert.ok(timedOut instanceof Deno.errors.TimedOut);
  assert.match((timedOut as Error).message, /timed out after 200 ms/);
});

Deno.test("a non-blocking connect() raises BlockingIOError and completes in the background", async () => {
  await using server = await tcpServer();
  await using s = socket.socket();
  s.setblocking(false);
  await assert.rejects(
    s.connect(["127.0.0.1", portOf(server)]),
    socket.BlockingIOError,
  );
  let sent = 0;
  for (let i = 0; i < 500 && sent === 0; i++) {
    sent = await s.send("early").catch((err) => {
      if (err instanceof socket.BlockingIOError) return 0;
      throw err;
    });
    if (sent === 0) await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(sent, 5);
  server.settimeout(5);
  const [conn] = await server.accept();
  await using _conn = conn;
  conn.settimeout(5);
  assert.equal(decode(await conn.recv(1024)), "early");
});

Deno.test("a non-blocking connect() to a closed port reports the refusal on the next call", async () => {
  const server = await tcpServer();
  const port = portOf(server);
  await server.close();
  await using s = socket.socket();
  s.setblocking(false);
  await assert.rejects(s.connect(["127.0.0.1", port]), socket.BlockingIOError);
  let err: unknown = null;
  for (let i = 0; i < 500; i++) {
    err = await s.recv(10).catch((e) => e);
    if (!(err instanceof socket.BlockingIOError)) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(err instanceof Deno.errors.ConnectionRefused);
});

// ---- send, sendall, recv ----

/** A connected pair of facade sockets; `await using` closes all three. */
async function pair(): Promise<
  & { server: socket.Socket; a: socket.Socket; b: socket.Socket }
  & AsyncDisposable
> {
  const server = await tcpServer();
  const a = await socket.create_connection(
    server.getsockname() as socket.InetAddress,
  );
  const [b] = await server.accept();
  return {
    server,
    a,
    b,
    async [Symbol.asyncDispose]() {
      await a.close();
      await b.close();
      await server.close();
    },
  };
}

Deno.test('send() returns the count and recv() returns b"" at end of stream', async () => {
  await using p = await pair();
  assert.equal(await p.a.send("hello"), 5);
  assert.equal(await p.a.send(new Uint8Array(0)), 0);
  assert.equal(decode(await p.b.recv(1024)), "hello");
  await p.a.close();
  const end = await p.b.recv(1024);
  assert.ok(end instanceof Uint8Array);
  assert.equal(end.length, 0);
  assert.equal((await p.b.recv(1024)).length, 0);
});

Deno.test("sendall() delivers every byte of a large buffer in order", async () => {
  await using p = await pair();
  const data = pseudoRandomBytes(3_000_000, 7);
  const sending = p.a.sendall(data);
  const parts: Uint8Array[] = [];
  let got = 0;
  while (got < data.length) {
    const chunk = await p.b.recv(65536);
    assert.ok(chunk.length > 0 && chunk.length <= 65536);
    parts.push(chunk);
    got += chunk.length;
  }
  await sending;
  const all = new Uint8Array(got);
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  assert.equal(await sha256(all), await sha256(data));
});

Deno.test("recv() returns at most bufsize bytes and recv(0) returns empty", async () => {
  await using p = await pair();
  await p.a.sendall("abcdef");
  assert.equal((await p.b.recv(0)).length, 0);
  assert.equal(decode(await p.b.recv(2)), "ab");
  assert.equal(decode(await p.b.recv(100)), "cdef");
});

Deno.test("recv() and send() check their arguments", async () => {
  await using p = await pair();
  await assert.rejects(p.b.recv(-1), {
    name: "RangeError",
    message:
      "Cannot recv as bufsize must be a non-negative integer: current value is -1",
  });
  await assert.rejects(p.b.recv("1" as unknown as number), TypeError);
  await assert.rejects(p.b.recv(10, 2), {
    name: "NotSupported",
    message: "Cannot recv: Deno has no message flags: current value is 2",
  });
  await assert.rejects(p.a.send(42 as unknown as string), TypeError);
  await assert.rejects(p.a.sendall("x", 1), Deno.errors.NotSupported);
});

Deno.test("recv_into() fills the buffer and counts", async () => {
  await using p = await pair();
  await p.a.sendall("abcdef");
  const buf = new Uint8Array(4);
  assert.equal(await p.b.recv_into(buf), 4);
  assert.equal(decode(buf), "abcd");
  assert.equal(await p.b.recv_into(buf, 1), 1);
  assert.equal(decode(buf.subarray(0, 1)), "e");
  await assert.rejects(p.b.recv_into(buf, 5), RangeError);
  await assert.rejects(
    p.b.recv_into("x" as unknown as Uint8Array),
    TypeError,
  );
});

Deno.test("send(), recv() and getpeername() on an unconnected socket are NotConnected", async () => {
  await using s = socket.socket();
  await assert.rejects(s.send("x"), {
    name: "NotConnected",
    message: "Cannot send: the AF_INET SOCK_STREAM socket is not connected",
  });
  await assert.rejects(s.recv(1), Deno.errors.NotConnected);
  assert.throws(() => s.getpeername(), Deno.errors.NotConnected);
});

Deno.test("sendto() and recvfrom() on a stream socket are NotSupported", async () => {
  await using p = await pair();
  await assert.rejects(
    p.a.sendto("x", ["127.0.0.1", 1]),
    Deno.errors.NotSupported,
  );
  await assert.rejects(p.a.recvfrom(10), Deno.errors.NotSupported);
});

// ---- timeouts and blocking ----

Deno.test("settimeout() makes recv() raise TimeoutError and loses no data", async () => {
  await using p = await pair();
  p.b.settimeout(0.05);
  assert.equal(p.b.gettimeout(), 0.05);
  assert.equal(p.b.timeout, 0.05);
  const err = await p.b.recv(1024).catch((e) => e);
  assert.ok(err instanceof socket.TimeoutError);
  assert.ok(err instanceof Deno.errors.TimedOut);
  assert.ok(err instanceof socket.timeout);
  assert.match(err.message, /timed out after 50 ms/);
  await p.a.sendall("late bytes");
  p.b.settimeout(5);
  assert.equal(decode(await p.b.recv(1024)), "late bytes");
});

Deno.test("settimeout() checks its argument", async () => {
  await using s = socket.socket();
  assert.throws(() => s.settimeout(-1), {
    name: "RangeError",
    message:
      "Cannot settimeout as timeout must be a finite number of seconds from 0 up: current value is -1",
  });
  assert.throws(() => s.settimeout(NaN), RangeError);
  assert.throws(() => s.settimeout("5" as unknown as number), {
    name: "TypeError",
    message:
      'Cannot settimeout as timeout must be a number of seconds or null: current value is "5"',
  });
  s.settimeout(null);
  assert.equal(s.gettimeout(), null);
});

Deno.test("setblocking(false) raises BlockingIOError and keeps what was in flight", async () => {
  await using p = await pair();
  p.b.setblocking(false);
  assert.equal(p.b.gettimeout(), 0);
  assert.equal(p.b.getblocking(), false);
  const err = await p.b.recv(1024).catch((e) => e);
  assert.ok(err instanceof socket.BlockingIOError);
  assert.ok(err instanceof Deno.errors.WouldBlock);
  await p.a.sendall("now");
  let data: Uint8Array = new Uint8Array(0);
  for (let i = 0; i < 500 && data.length === 0; i++) {
    data = await p.b.recv(1024).catch((e) => {
      if (e instanceof socket.BlockingIOError) return new Uint8Array(0);
      throw e;
    });
    if (data.length === 0) await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(decode(data), "now");
  p.b.setblocking(1);
  assert.equal(p.b.gettimeout(), null);
  p.b.setblocking(0);
  assert.equal(p.b.getblocking(), false);
  assert.throws(
    () => p.b.setblocking("no" as unknown as boolean),
    TypeError,
  );
});

Deno.test("a non-blocking accept() raises BlockingIOError, then returns the connection", async () => {
  await using server = await tcpServer();
  server.setblocking(false);
  await assert.rejects(server.accept(), socket.BlockingIOError);
  await using client = socket.socket();
  await client.connect(server.getsockname());
  server.settimeout(5);
  const [conn, addr] = await server.accept();
  await using _conn = conn;
  assert.deepEqual(addr, client.getsockname());
});

Deno.test("accepted sockets take the default timeout, not the listener's", async () => {
  await using server = await tcpServer();
  server.settimeout(5);
  socket.setdefaulttimeout(3);
  try {
    assert.equal(socket.getdefaulttimeout(), 3);
    await using client = socket.socket();
    assert.equal(client.gettimeout(), 3);
    await client.connect(server.getsockname());
    const [conn] = await server.accept();
    await using _conn = conn;
    assert.equal(conn.gettimeout(), 3);
  } finally {
    socket.setdefaulttimeout(null);
  }
  assert.throws(() => socket.setdefaulttimeout(-2), RangeError);
});

// ---- shutdown, close, fileno ----

Deno.test("shutdown(SHUT_WR) ends the peer's stream while replies still arrive", async () => {
  await using p = await pair();
  await p.a.sendall("request");
  await p.a.shutdown(socket.SHUT_WR);
  assert.equal(decode(await p.b.recv(1024)), "request");
  assert.equal((await p.b.recv(1024)).length, 0);
  await p.b.sendall("reply");
  assert.equal(decode(await p.a.recv(1024)), "reply");
  await assert.rejects(p.a.send("more"), Deno.errors.BrokenPipe);
});

Deno.test("shutdown(SHUT_RD) makes recv() return empty, SHUT_RDWR does both", async () => {
  await using p = await pair();
  await p.a.shutdown(socket.SHUT_RD);
  assert.equal((await p.a.recv(10)).length, 0);
  await p.b.shutdown(socket.SHUT_RDWR);
  assert.equal((await p.b.recv(10)).length, 0);
  assert.equal((await p.a.recv(10)).length, 0);
});

Deno.test("shutdown() checks how and the socket's state", async () => {
  await using s = socket.socket();
  await assert.rejects(s.shutdown(3), {
    name: "RangeError",
    message:
      "Cannot shutdown as how must be SHUT_RD (0), SHUT_WR (1) or SHUT_RDWR (2): current value is 3",
  });
  await assert.rejects(s.shutdown("wr" as unknown as number), TypeError);
  await assert.rejects(s.shutdown(socket.SHUT_WR), Deno.errors.NotConnected);
  await using d = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  await assert.rejects(d.shutdown(socket.SHUT_WR), Deno.errors.NotSupported);
});

Deno.test("close() is idempotent, frees the port at once, and later calls are BadResource", async () => {
  const server = await tcpServer();
  const port = portOf(server);
  const accepting = server.accept().catch((e) => e);
  await server.close();
  await server.close();
  assert.equal(server.closed, true);
  assert.ok(await accepting instanceof Deno.errors.BadResource);
  await assert.rejects(server.accept(), Deno.errors.BadResource);
  assert.throws(() => server.getsockname(), Deno.errors.BadResource);
  await using again = socket.socket();
  await again.bind(["127.0.0.1", port]);
  await again.listen();
  assert.equal(portOf(again), port);
});

Deno.test("SO_REUSEADDR is truly on for listeners: a port in TIME_WAIT binds again", async () => {
  const server = await tcpServer();
  const port = portOf(server);
  const client = socket.socket();
  await client.connect(["127.0.0.1", port]);
  const [conn] = await server.accept();
  await conn.close(); // The server side closes first, so it holds TIME_WAIT.
  assert.equal((await client.recv(10)).length, 0);
  await client.close();
  assert.equal(server.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR), 1);
  await server.close();
  await using again = socket.socket();
  await again.bind(["127.0.0.1", port]);
  await again.listen();
  assert.equal(portOf(again), port);
});

Deno.test("fileno() is NotSupported", async () => {
  await using s = socket.socket();
  assert.throws(() => s.fileno(), {
    name: "NotSupported",
    message: "Cannot fileno: Deno does not expose file descriptors",
  });
});

// ---- options ----

Deno.test("TCP_NODELAY and SO_KEEPALIVE apply to a connected socket and read back", async () => {
  await using p = await pair();
  assert.equal(p.a.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY), 0);
  await p.a.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1);
  await p.a.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, true);
  assert.equal(p.a.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY), 1);
  assert.equal(p.a.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE), 1);
  await p.a.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 0);
  assert.equal(p.a.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY), 0);
  await p.a.sendall("still works");
  assert.equal(decode(await p.b.recv(100)), "still works");
});

Deno.test("options set before connect or on a listener reach the connection", async () => {
  await using server = socket.socket();
  await server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1);
  await server.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1);
  await server.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1);
  await server.bind(["127.0.0.1", 0]);
  await server.listen();
  await using client = socket.socket();
  await client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1);
  await client.connect(server.getsockname());
  assert.equal(client.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY), 1);
  assert.equal(client.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR), 0);
  const [conn] = await server.accept();
  await using _conn = conn;
  assert.equal(conn.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE), 1);
  assert.equal(conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY), 1);
  assert.equal(conn.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR), 1);
});

Deno.test("SO_REUSEADDR cannot be cleared on a TCP listener, since Deno always sets it", async () => {
  await using s = socket.socket();
  await s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 0);
  await assert.rejects(s.bind(["127.0.0.1", 0]), {
    name: "NotSupported",
    message:
      "Cannot bind with SO_REUSEADDR cleared: Deno always sets SO_REUSEADDR on TCP listeners",
  });
  await assert.rejects(s.listen(), {
    name: "NotSupported",
    message:
      "Cannot listen with SO_REUSEADDR cleared: Deno always sets SO_REUSEADDR on TCP listeners",
  });
  await using server = await tcpServer();
  await server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1);
  await assert.rejects(
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 0),
    /Deno always sets SO_REUSEADDR on TCP listeners/,
  );
});

Deno.test({
  name: "SO_REUSEPORT before bind lets two sockets listen on one port",
  ignore: !linux,
  async fn() {
    await using a = socket.socket();
    await a.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1);
    await a.bind(["127.0.0.1", 0]);
    await a.listen();
    await using b = socket.socket();
    await b.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1);
    await b.bind(["127.0.0.1", portOf(a)]);
    await b.listen();
    assert.equal(portOf(b), portOf(a));
    assert.equal(b.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT), 1);
    await assert.rejects(
      b.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 0),
      /set it before bind/,
    );
  },
});

Deno.test("options Deno cannot apply are NotSupported naming the option", async () => {
  await using s = socket.socket();
  await assert.rejects(
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1),
    {
      name: "NotSupported",
      message:
        "Cannot setsockopt SO_BROADCAST: it applies to SOCK_DGRAM sockets and this is an AF_INET SOCK_STREAM socket",
    },
  );
  await assert.rejects(
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 2),
    /IP_MULTICAST_TTL: it applies to SOCK_DGRAM/,
  );
  await assert.rejects(s.setsockopt(socket.SOL_SOCKET, 99, 1), {
    name: "NotSupported",
    message: "Cannot setsockopt: option 99 at level 1 is not supported by Deno",
  });
  assert.throws(
    () => s.getsockopt(socket.SOL_SOCKET, 99),
    /option 99 at level 1/,
  );
  await assert.rejects(
    s.setsockopt(socket.SOL_SOCKET, socket.SO_TYPE, 1),
    /SO_TYPE can only be read/,
  );
  assert.throws(
    () => s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 4),
    /raw option bytes/,
  );
  await using d = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  await assert.rejects(
    d.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1),
    /TCP_NODELAY: it applies to SOCK_STREAM/,
  );
  await assert.rejects(
    d.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1),
    /SO_REUSEPORT: Deno.listenDatagram has no SO_REUSEPORT/,
  );
  await using u = socket.socket(socket.AF_UNIX);
  await assert.rejects(
    u.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1),
    /Deno takes no options for Unix sockets/,
  );
});

Deno.test("setsockopt() and getsockopt() check their arguments", async () => {
  await using s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  await assert.rejects(
    s.setsockopt("1" as unknown as number, socket.SO_BROADCAST, 1),
    {
      name: "TypeError",
      message:
        'Cannot setsockopt as level must be an integer: current value is "1"',
    },
  );
  await assert.rejects(
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, "yes" as never),
    /SO_BROADCAST as value must be an integer or a boolean/,
  );
  await assert.rejects(
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 256),
    {
      name: "RangeError",
      message:
        "Cannot setsockopt IP_MULTICAST_TTL as value must be an integer from 0 to 255: current value is 256",
    },
  );
  await assert.rejects(
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, 1),
    /8 bytes of ip_mreq/,
  );
  assert.equal(s.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE), 2);
});

// ---- UDP ----

Deno.test("UDP bind() creates the socket at once and reports AddrInUse", async () => {
  await using a = await udpServer();
  const [host, port] = a.getsockname() as socket.InetAddress;
  assert.equal(host, "127.0.0.1");
  assert.ok(port > 0);
  await using b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  await assert.rejects(b.bind(["127.0.0.1", port]), Deno.errors.AddrInUse);
});

Deno.test("sendto() on an unbound UDP socket binds it to an ephemeral port", async () => {
  await using server = await udpServer();
  await using client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  assert.deepEqual(client.getsockname(), ["0.0.0.0", 0]);
  assert.equal(await client.sendto("ping", server.getsockname()), 4);
  const [, port] = client.getsockname() as socket.InetAddress;
  assert.ok(port > 0);
  server.settimeout(5);
  const [data, from] = await server.recvfrom(1024);
  assert.equal(decode(data), "ping");
  assert.equal((from as socket.InetAddress)[1], port);
});

Deno.test("recvfrom() truncates to bufsize, and sendto() takes Python's flags form", async () => {
  await using server = await udpServer();
  await using client = await udpServer();
  await client.sendto("0123456789", 0, server.getsockname());
  server.settimeout(5);
  const [data] = await server.recvfrom(4);
  assert.equal(decode(data), "0123");
  await assert.rejects(
    client.sendto("x", 4, server.getsockname()),
    /Deno has no message flags: current value is 4/,
  );
  await assert.rejects(server.recvfrom(-1), RangeError);
  await assert.rejects(
    client.sendto("x", "127.0.0.1:80" as unknown as socket.Address),
    /must be a \[host, port\] array/,
  );
});

Deno.test("recvfrom() times out with TimeoutError and the later datagram is not lost", async () => {
  await using server = await udpServer();
  await using client = await udpServer();
  server.settimeout(0.05);
  const err = await server.recvfrom(1024).catch((e) => e);
  assert.ok(err instanceof socket.TimeoutError);
  await client.sendto("after", server.getsockname());
  server.settimeout(5);
  const [data, from] = await server.recvfrom(1024);
  assert.equal(decode(data), "after");
  assert.deepEqual(from, client.getsockname());
  server.setblocking(false);
  await assert.rejects(server.recvfrom(1024), socket.BlockingIOError);
});

Deno.test("UDP connect() gives a default peer for send() and recv()", async () => {
  await using server = await udpServer();
  await using client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  await client.connect(["localhost", portOf(server)]);
  assert.deepEqual(client.getpeername(), server.getsockname());
  assert.equal(await client.send("hi"), 2);
  server.settimeout(5);
  const [data, from] = await server.recvfrom(100);
  assert.equal(decode(data), "hi");
  await server.sendto("back at you", from);
  client.settimeout(5);
  assert.equal(decode(await client.recv(4)), "back");
  await client.sendall("all");
  assert.equal(decode((await server.recvfrom(100))[0]), "all");
});

Deno.test("UDP send() without a peer is NotConnected", async () => {
  await using s = await udpServer();
  await assert.rejects(s.send("x"), Deno.errors.NotConnected);
  assert.throws(() => s.getpeername(), Deno.errors.NotConnected);
});

Deno.test("UDP over IPv6 loopback uses four-item addresses", async () => {
  await using server = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM);
  await server.bind(["::1", 0]);
  await using client = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM);
  await client.bind(["::1", 0]);
  await client.sendto("six", server.getsockname());
  server.settimeout(5);
  const [data, from] = await server.recvfrom(10);
  assert.equal(decode(data), "six");
  assert.deepEqual(from, client.getsockname());
  assert.equal((from as socket.Inet6Address).length, 4);
});

Deno.test("UDP options: SO_REUSEADDR before bind shares a port, others read back", async () => {
  await using a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  await a.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1);
  await a.bind(["127.0.0.1", 0]);
  await using b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  await b.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1);
  await b.bind(["127.0.0.1", portOf(a)]);
  assert.equal(portOf(b), portOf(a));
  assert.equal(a.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR), 1);
  await assert.rejects(
    a.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 0),
    /set it before bind/,
  );
  assert.equal(a.getsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST), 1);
  await a.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1);
  assert.equal(a.getsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL), 1);
  assert.equal(a.getsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP), 1);
});

Deno.test("IP_ADD_MEMBERSHIP and IP_DROP_MEMBERSHIP join and leave a group with ip_mreq bytes", async () => {
  const mreq = new Uint8Array(8);
  mreq.set(socket.inet_aton("239.255.42.1"));
  mreq.set(socket.inet_aton("127.0.0.1"), 4);
  // Recorded before bind, applied at bind.
  await using s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  await s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq);
  await s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1);
  await s.bind(["127.0.0.1", 0]);
  assert.equal(s.getsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL), 1);
  await s.setsockopt(socket.IPPROTO_IP, socket.IP_DROP_MEMBERSHIP, mreq);
  assert.throws(
    () => s.getsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP),
    /can only be set/,
  );
  await using t = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  await assert.rejects(
    t.setsockopt(socket.IPPROTO_IP, socket.IP_DROP_MEMBERSHIP, mreq),
    Deno.errors.AddrNotAvailable,
  );
});

// ---- Unix ----

/** Runs `fn` with a fresh temporary directory, removed afterwards. */
async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "sk" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "AF_UNIX stream sockets bind, listen, accept and connect by path",
  ignore: Deno.build.os === "windows",
  async fn() {
    await inTempDir(async (dir) => {
      const path = `${dir}/s.sock`;
      {
        await using server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM);
        await server.bind(path);
        assert.equal(server.getsockname(), path);
        await server.listen(1);
        await using client = socket.socket(socket.AF_UNIX);
        await client.connect(path);
        const [conn, addr] = await server.accept();
        await using _conn = conn;
        assert.equal(addr, "");
        assert.equal(client.getpeername(), path);
        await client.sendall("over unix");
        assert.equal(decode(await conn.recv(100)), "over unix");
        await client.shutdown(socket.SHUT_WR);
        assert.equal((await conn.recv(100)).length, 0);
      }
      await assert.rejects(Deno.lstat(path), Deno.errors.NotFound);
    });
  },
});

Deno.test({
  name: "AF_UNIX listen() without bind and connect() to nothing are errors",
  ignore: Deno.build.os === "windows",
  async fn() {
    await inTempDir(async (dir) => {
      await using s = socket.socket(socket.AF_UNIX);
      await assert.rejects(s.listen(), /must be bound to a path first/);
      await using c = socket.socket(socket.AF_UNIX);
      await assert.rejects(c.connect(`${dir}/none.sock`), Deno.errors.NotFound);
    });
  },
});

Deno.test({
  name: "AF_UNIX datagram sockets sendto and recvfrom by path",
  ignore: Deno.build.os === "windows",
  async fn() {
    await inTempDir(async (dir) => {
      await using a = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM);
      await a.bind(`${dir}/a.sock`);
      await using b = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM);
      await b.bind(`${dir}/b.sock`);
      assert.equal(await a.sendto("ping", `${dir}/b.sock`), 4);
      b.settimeout(5);
      const [data, from] = await b.recvfrom(2);
      assert.equal(decode(data), "pi");
      assert.equal(from, `${dir}/a.sock`);
      b.settimeout(0.05);
      await assert.rejects(b.recvfrom(10), socket.TimeoutError);
      await using c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM);
      if (Deno.build.os !== "linux") {
        // On Linux an unbound socket takes an abstract name to send from.
        await assert.rejects(
          c.sendto("x", `${dir}/b.sock`),
          /bound to a path only: bind it first/,
        );
      }
      await assert.rejects(
        c.connect(`${dir}/b.sock`),
        Deno.errors.NotSupported,
      );
    });
  },
});

Deno.test({
  name:
    "AF_UNIX datagram sendto() honours settimeout while the receiver's queue is full",
  // Linux: a send to a full queue waits (other systems may fail).
  ignore: Deno.build.os !== "linux",
  async fn() {
    await inTempDir(async (dir) => {
      await using a = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM);
      await a.bind(`${dir}/a.sock`);
      // Closed first: a send still waiting then fails.
      await using b = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM);
      await b.bind(`${dir}/b.sock`);
      a.settimeout(0.1);
      let sent = 0;
      for (; sent < 1_000; sent++) {
        try {
          await within(a.sendto(`${sent}`, `${dir}/b.sock`), 5_000, "sendto");
        } catch (err) {
          assert.ok(err instanceof socket.TimeoutError, String(err));
          break;
        }
      }
      assert.ok(sent < 1_000, "the queue never filled");
      // The datagram cut short goes once there is room: nothing is lost.
      b.settimeout(5);
      for (let i = 0; i <= sent; i++) {
        const [data] = await b.recvfrom(100);
        assert.equal(decode(data), `${i}`);
      }
      a.settimeout(5);
      assert.equal(await a.sendto("after", `${dir}/b.sock`), 5);
      assert.equal(decode((await b.recvfrom(100))[0]), "after");
    });
  },
});

// ---- module functions ----

Deno.test("create_connection() connects with a timeout and returns the socket", async () => {
  await using server = await tcpServer();
  const [, port] = server.getsockname() as socket.InetAddress;
  await using s = await socket.create_connection(["localhost", port], 2.5);
  assert.equal(s.gettimeout(), 2.5);
  assert.deepEqual(s.getpeername(), ["127.0.0.1", port]);
  await using s6 = await socket.create_connection(["127.0.0.1", port]);
  assert.equal(s6.gettimeout(), null);
  await assert.rejects(
    socket.create_connection(["127.0.0.1", port], null, ["127.0.0.1", 0]),
    Deno.errors.NotSupported,
  );
  await assert.rejects(
    socket.create_connection(["127.0.0.1", port], -1),
    RangeError,
  );
});

Deno.test("create_connection() to a closed port is ConnectionRefused", async () => {
  const server = await tcpServer();
  const port = portOf(server);
  await server.close();
  await assert.rejects(
    socket.create_connection(["127.0.0.1", port], 5),
    socket.ConnectionRefusedError,
  );
});

Deno.test("create_server() raises gaierror naming the host for a name that does not resolve, and TypeError for one with a space", () => {
  assert.throws(
    () =>
      socket.create_server([
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.invalid",
        0,
      ]),
    (err: unknown) =>
      err instanceof socket.gaierror &&
      err.message.startsWith(
        'Cannot listen on "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.invalid:0": the name does not resolve',
      ),
  );
  assert.throws(
    () => socket.create_server(["a b", 0]),
    /^TypeError: Cannot listen as hostname must be a host name or an IP address \(.*\): current value is "a b"$/,
  );
});

Deno.test("create_server() listens, and checks family and dual stack", async () => {
  await using server = socket.create_server(["127.0.0.1", 0], { backlog: 3 });
  assert.equal(server.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR), 1);
  await using six = socket.create_server(["::1", 0], {
    family: socket.AF_INET6,
  });
  assert.equal((six.getsockname() as socket.Inet6Address)[0], "::1");
  assert.throws(
    () => socket.create_server(["127.0.0.1", 0], { dualstack_ipv6: true }),
    /needs family AF_INET6/,
  );
  assert.throws(
    () => socket.create_server(["127.0.0.1", 0], { family: socket.AF_UNIX }),
    Deno.errors.NotSupported,
  );
  assert.throws(() => socket.create_server(["127.0.0.1", 65536]), RangeError);
});

Deno.test({
  name: "create_server() with reuse_port shares a port",
  ignore: !linux,
  async fn() {
    await using a = socket.create_server(["127.0.0.1", 0], {
      reuse_port: true,
    });
    await using b = socket.create_server(["127.0.0.1", portOf(a)], {
      reuse_port: true,
    });
    assert.equal(portOf(a), portOf(b));
    assert.throws(
      () => socket.create_server(["127.0.0.1", portOf(a)]),
      Deno.errors.AddrInUse,
    );
  },
});

Deno.test("gethostname() and gethostbyname() resolve without the network", async () => {
  assert.equal(socket.gethostname(), Deno.hostname());
  assert.equal(await socket.gethostbyname("localhost"), "127.0.0.1");
  assert.equal(await socket.gethostbyname("10.1.2.3"), "10.1.2.3");
  assert.equal(await socket.gethostbyname(""), "0.0.0.0");
  assert.match(
    await socket.gethostbyname(socket.gethostname()),
    /^\d+\.\d+\.\d+\.\d+$/,
  );
  await assert.rejects(
    socket.gethostbyname(42 as unknown as string),
    TypeError,
  );
  await assert.rejects(socket.gethostbyname("::1"), /IPv4 address or a name/);
  await assert.rejects(
    socket.gethostbyname(
      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.invalid",
    ),
    socket.gaierror,
  );
});

Deno.test("inet_aton() and inet_ntoa() convert dotted IPv4 addresses", () => {
  assert.deepEqual(
    socket.inet_aton("224.0.0.251"),
    new Uint8Array([224, 0, 0, 251]),
  );
  assert.equal(socket.inet_ntoa(new Uint8Array([10, 0, 0, 1])), "10.0.0.1");
  assert.throws(() => socket.inet_aton("256.0.0.1"), {
    name: "TypeError",
    message:
      'Cannot inet_aton as ip must be a dotted IPv4 address: current value is "256.0.0.1"',
  });
  assert.throws(() => socket.inet_ntoa(new Uint8Array(3)), TypeError);
});

// ---- Core v2 regressions (issue 9) ----

/**
 * Python's retry loop: send() until everything is sent, catching the
 * socket's timeout or BlockingIOError and resending what send() did not
 * report as sent.
 */
async function sendWithRetries(
  s: socket.Socket,
  data: Uint8Array,
): Promise<{ retries: number }> {
  let sent = 0;
  let retries = 0;
  while (sent < data.length) {
    try {
      sent += await s.send(data.subarray(sent));
    } catch (err) {
      if (
        !(err instanceof socket.BlockingIOError ||
          err instanceof socket.TimeoutError)
      ) throw err;
      retries++;
      await new Promise((r) => setTimeout(r, 1));
    }
  }
  return { retries };
}

for (const timeout of [0, 0.005]) {
  Deno.test(`Python's send() retry loop with settimeout(${timeout}) delivers exactly the 10 MiB meant, no duplicates (issue 9)`, async () => {
    await using p = await pair();
    const data = pseudoRandomBytes(10 << 20, 21);
    p.a.settimeout(timeout);
    p.b.settimeout(20);
    const received: Uint8Array[] = [];
    let total = 0;
    // Read slowly at first, so the sender's buffers fill and sends fail.
    const reading = (async () => {
      await new Promise((r) => setTimeout(r, 200));
      for (;;) {
        const chunk = await p.b.recv(65_536);
        if (chunk.length === 0) break;
        received.push(chunk);
        total += chunk.length;
      }
    })();
    const { retries } = await within(
      sendWithRetries(p.a, data),
      30_000,
      "the retry loop",
    );
    assert.ok(
      retries > 0,
      "some sends timed out (else the test proves nothing)",
    );
    p.a.settimeout(10);
    await p.a.shutdown(socket.SHUT_WR);
    await within(reading, 30_000, "reading to the end");
    assert.equal(total, data.length);
    const all = new Uint8Array(total);
    let at = 0;
    for (const chunk of received) {
      all.set(chunk, at);
      at += chunk.length;
    }
    assert.equal(await sha256(all), await sha256(data));
  });
}

Deno.test("connect_ex() resolves to 11 (EAGAIN, as Python) when the connection times out", async () => {
  await using server = socket.socket();
  await server.bind(["127.0.0.1", 0]);
  await server.listen(0);
  const port = portOf(server);
  // Linux queues one connection at backlog 0, then drops new SYNs.
  const held: socket.Socket[] = [];
  let code = 0;
  try {
    for (let i = 0; i < 4 && code === 0; i++) {
      const c = socket.socket();
      held.push(c);
      c.settimeout(0.2);
      code = await within(c.connect_ex(["127.0.0.1", port]), 5_000);
    }
  } finally {
    for (const c of held) await c.close();
  }
  assert.equal(code, 11);
});

Deno.test("getblocking() is false only for a timeout of 0, as Python", async () => {
  await using s = socket.socket();
  assert.equal(s.getblocking(), true);
  s.settimeout(0);
  assert.equal(s.getblocking(), false);
  s.settimeout(0.5);
  assert.equal(s.getblocking(), true, "a timeout still blocks");
  s.setblocking(false);
  assert.equal(s.getblocking(), false);
  assert.equal(s.gettimeout(), 0);
  s.setblocking(true);
  assert.equal(s.getblocking(), true);
  assert.equal(s.gettimeout(), null);
  await using p = await pair();
  assert.equal(p.b.getblocking(), true);
  p.b.setblocking(false);
  await assert.rejects(
    within(p.b.recv(10), 1_000),
    socket.BlockingIOError,
  );
});

Deno.test({
  name:
    "create_server() on the IPv6 wildcard serves IPv6 only, as Python's IPV6_V6ONLY; dualstack_ipv6 takes IPv4 too",
  ignore: !canListenOnIpv6Any,
  async fn() {
    {
      await using server = socket.create_server(["", 0], {
        family: socket.AF_INET6,
      });
      server.settimeout(5);
      const port = (server.getsockname() as socket.Inet6Address)[1];
      // The IPv4 client connects (the kernel takes it), then is closed.
      await using v4 = await tcp.connect(
        { hostname: "127.0.0.1", port },
        { timeout: 5_000 },
      );
      await using v6 = await tcp.connect(
        { hostname: "::1", port },
        { timeout: 5_000 },
      );
      const [conn, addr] = await server.accept();
      await using _conn = conn;
      assert.equal((addr as socket.Inet6Address)[0], "::1");
      assert.equal((addr as socket.Inet6Address)[1], v6.localAddr.port);
      await assertClosedByPeer(v4);
    }
    await using both = socket.create_server(["::", 0], {
      family: socket.AF_INET6,
      dualstack_ipv6: true,
    });
    both.settimeout(5);
    const port = (both.getsockname() as socket.Inet6Address)[1];
    await using v4 = await tcp.connect(
      { hostname: "127.0.0.1", port },
      { timeout: 5_000 },
    );
    const [conn, addr] = await both.accept();
    await using _conn = conn;
    assert.match((addr as socket.Inet6Address)[0], /^::ffff:127\.0\.0\.1$/i);
    assert.equal((addr as socket.Inet6Address)[1], v4.localAddr.port);
  },
});
