// Copyright 2026 the socketkit authors. MIT license.
//
// The Python-style facade. Part one ports every program of the tutorials in
// ../shared/seeds/ with socket.ts and runs each pair over loopback, then each
// ported server against the original Python client and each ported client
// against the original Python server (converted to Python 3, ports given on
// the command line instead of fixed ones). Part two tests each call.

import assert from "node:assert/strict";
import * as socket from "../socket.ts";
import { pseudoRandomBytes, sha256 } from "./_util.ts";

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
    const out = await runPython(
      PY_TCP_ECHO_CLIENT,
      [String(portOf(server))],
      ECHO_INPUTS.join("\n") + "\n",
    );
    assert.equal(out.code, 0, out.stderr);
    const replies = out.stdout.split("请输入要发送的消息 (输入 'exit' 退出): ")
      .map((s) => s.trim()).filter((s) => s !== "");
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
    const out = await runPython(
      PY_UDP_ECHO_CLIENT,
      [String(portOf(server))],
      ECHO_INPUTS.join("\n") + "\n",
    );
    assert.equal(out.code, 0, out.stderr);
    const replies = out.stdout.split("请输入要发送的消息 (输入 'exit' 退出): ")
      .map((s) => s.trim()).filter((s) => s !== "");
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
    const out = await runPython(
      PY_CTIME_CLIENT,
      [String(portOf(server))],
      CTIME_INPUTS.join("\n") + "\n",
    );
    assert.equal(out.code, 0, out.stderr);
    const lines = out.stdout.split("> ").map((s) => s.trim()).filter(Boolean);
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
    const out = await runPython(
      PY_UDP_CTIME_CLIENT,
      [String(portOf(server))],
      CTIME_INPUTS.join("\n") + "\n",
    );
    assert.equal(out.code, 0, out.stderr);
    const lines = out.stdout.split("> ").map((s) => s.trim()).filter(Boolean);
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
    assert.match(await py.waitFor(/!DISCONNECT\n/), /\] Hello World!\n/);
  },
});
