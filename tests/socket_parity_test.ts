// Copyright 2026 the socketkit authors. MIT license.
//
// The Python-style facade against CPython's socket module: each test pins an
// edge case where a program translated line by line from Python must behave
// as CPython 3 does on Linux (the values asserted were read from python3 on
// this machine; the comments give the Python line and its result).

import assert from "node:assert/strict";
import * as socket from "../socket.ts";
import * as tcp from "../tcp.ts";
import { assertClosedByPeer, canListenOnIpv6Any, within } from "./_util.ts";

const decoder = new TextDecoder();
const decode = (data: Uint8Array) => decoder.decode(data);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function tcpServer(): Promise<socket.Socket> {
  const s = socket.socket();
  await s.bind(["127.0.0.1", 0]);
  await s.listen(5);
  s.settimeout(5);
  return s;
}

function portOf(s: socket.Socket): number {
  return (s.getsockname() as socket.InetAddress)[1];
}

/** A port nothing listens on (bound, read, closed). */
async function closedPort(): Promise<number> {
  const s = await tcpServer();
  const port = portOf(s);
  await s.close();
  return port;
}

/** Calls `step` every 10 ms until it returns something other than `skip`, for at most 5 s. */
async function until<T>(step: () => Promise<T>, skip: T): Promise<T> {
  let got = skip;
  for (let i = 0; i < 500 && got === skip; i++) {
    got = await step();
    if (got === skip) await sleep(10);
  }
  return got;
}

// ---- close ----

Deno.test("close() resolves, as Python's close(), when a send the peer reset is still unreported", async () => {
  await using server = await tcpServer();
  const a = await socket.create_connection(["127.0.0.1", portOf(server)], 5);
  const [b] = await server.accept();
  await b.close();
  // Python: a.send(b"x") -> 1 (the peer answers with a reset); then
  // a.send(b"x") -> 1 or BrokenPipeError; a.close() -> None.
  assert.equal(await a.send("x"), 1);
  await sleep(100); // the reset comes back over loopback
  await a.send("x").catch((e) => e);
  await within(a.close(), 5_000, "close");
});

Deno.test("close() of a socket whose peer does not read resolves without error, as Python's", async () => {
  await using server = await tcpServer();
  const a = await socket.create_connection(["127.0.0.1", portOf(server)]);
  const [b] = await server.accept();
  await using _b = b;
  // Python: a.setblocking(False); send until BlockingIOError; a.close() -> None.
  a.settimeout(0.2);
  const chunk = new Uint8Array(1 << 16);
  let full = false;
  for (let i = 0; i < 1000 && !full; i++) {
    full = await a.send(chunk).then(() => false, (e) => {
      if (e instanceof socket.TimeoutError) return true;
      throw e;
    });
  }
  assert.ok(full, "the peer's window never filled");
  await within(a.close(), 5_000, "close");
});

// ---- recv(0) ----

Deno.test("recv(0) returns b'' at once and leaves the next datagram, as Python's", async () => {
  await using server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  await server.bind(["127.0.0.1", 0]);
  await using client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  client.settimeout(5);
  await client.connect(server.getsockname());
  await server.sendto("one", client.getsockname());
  // Python: client.recv(0) -> b''; client.recv(10) -> b'one'.
  assert.equal((await client.recv(0)).length, 0);
  assert.equal(decode(await client.recv(10)), "one");
  // Python: recv(0) on an unconnected socket is b'' too.
  await using lone = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  assert.equal((await lone.recv(0)).length, 0);
  await using tcp = socket.socket();
  assert.equal((await tcp.recv(0)).length, 0);
});

// ---- non-blocking connect, connect_ex and SO_ERROR ----

Deno.test("connect_ex() on a non-blocking socket gives 115, then 0 once connected, then 106, as Python", async () => {
  await using server = await tcpServer();
  await using s = socket.socket();
  s.setblocking(false);
  const address: socket.InetAddress = ["127.0.0.1", portOf(server)];
  assert.equal(await s.connect_ex(address), 115); // EINPROGRESS
  assert.equal(await until(() => s.connect_ex(address), 114), 0); // EALREADY while in progress
  assert.equal(await s.connect_ex(address), 106); // EISCONN
  const err = await s.connect(address).catch((e) => e);
  assert.equal(err.code, "EISCONN");
  assert.match(err.message, /already connected/);
  const [conn] = await server.accept();
  await conn.close();
});

Deno.test("a non-blocking connect() refused is reported once by the next connect_ex(), which then starts again, as Python", async () => {
  const port = await closedPort();
  await using s = socket.socket();
  s.setblocking(false);
  const address: socket.InetAddress = ["127.0.0.1", port];
  assert.equal(await s.connect_ex(address), 115);
  // Python: 111 once the refusal is in, then 115 for a new attempt.
  assert.equal(await until(() => s.connect_ex(address), 114), 111);
  assert.equal(await s.connect_ex(address), 115);
});

Deno.test("getsockopt(SO_ERROR) reports a failed non-blocking connect once, then 0, as Python", async () => {
  const port = await closedPort();
  await using s = socket.socket();
  assert.equal(s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR), 0);
  s.setblocking(false);
  await assert.rejects(s.connect(["127.0.0.1", port]), socket.BlockingIOError);
  // Python: select() for writing, then SO_ERROR -> 111, then 0.
  const code = await until(
    () => Promise.resolve(s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)),
    0,
  );
  assert.equal(code, 111);
  assert.equal(s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR), 0);
  await assert.rejects(
    s.setsockopt(socket.SOL_SOCKET, socket.SO_ERROR, 0),
    { name: "NotSupported", message: /SO_ERROR can only be read/ },
  );
});

Deno.test("connect() on a connected or listening socket is EISCONN, and connect_ex() gives 106", async () => {
  await using server = await tcpServer();
  await using s = socket.socket();
  await s.connect(["127.0.0.1", portOf(server)]);
  // Python: OSError(106, 'Transport endpoint is already connected').
  const err = await s.connect(["127.0.0.1", portOf(server)]).catch((e) => e);
  assert.equal(err.code, "EISCONN");
  assert.equal(await s.connect_ex(["127.0.0.1", portOf(server)]), 106);
  assert.equal(await server.connect_ex(["127.0.0.1", portOf(server)]), 106);
  const [conn] = await server.accept();
  await conn.close();
});

// ---- closed sockets ----

Deno.test("settimeout() and setblocking() on a closed socket raise BadResource (EBADF), gettimeout() still answers", async () => {
  const s = socket.socket();
  s.settimeout(1);
  await s.close();
  // Python: OSError(9, 'Bad file descriptor'); gettimeout() -> 1.0.
  assert.throws(() => s.settimeout(2), Deno.errors.BadResource);
  assert.throws(() => s.setblocking(false), Deno.errors.BadResource);
  assert.equal(s.gettimeout(), 1);
});

Deno.test("fileno() of a closed socket is -1, as Python's", async () => {
  const s = socket.socket();
  assert.throws(() => s.fileno(), Deno.errors.NotSupported);
  await s.close();
  assert.equal(s.fileno(), -1);
});

// ---- addresses ----

Deno.test("AF_INET6 addresses take 2, 3 or 4 items, and flowinfo is checked, as Python's", async () => {
  await using s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM);
  // Python: s.bind(("::1", 0, 0)) works; ("::1", 0, 1 << 20) -> OverflowError.
  await assert.rejects(s.bind(["::1", 0, 1 << 20] as never), {
    name: "RangeError",
    message: /flowinfo must be an integer from 0 to 1048575/,
  });
  await assert.rejects(s.bind(["::1", 0, 0, 0, 0] as never), TypeError);
  await s.bind(["::1", 0, 0]);
  const [host, port, flowinfo, scope] = s.getsockname() as socket.Inet6Address;
  assert.deepEqual([host, flowinfo, scope], ["::1", 0, 0]);
  assert.ok(port > 0);
});

Deno.test("create_connection() takes a wildcard source_address with port 0, as connect() after bind(('', 0))", async () => {
  await using server = await tcpServer();
  await using c = await socket.create_connection(
    ["127.0.0.1", portOf(server)],
    5,
    ["", 0],
  );
  assert.deepEqual(c.getpeername(), server.getsockname());
  const [conn] = await server.accept();
  await conn.close();
  await assert.rejects(
    socket.create_connection(["127.0.0.1", portOf(server)], 5, [
      "127.0.0.1",
      0,
    ]),
    Deno.errors.NotSupported,
  );
});

// ---- options ----

Deno.test("options Deno cannot read or set are NotSupported naming the option", async () => {
  await using s = socket.socket();
  for (
    const [name, opt] of [
      ["SO_RCVBUF", socket.SO_RCVBUF],
      ["SO_SNDBUF", socket.SO_SNDBUF],
    ] as const
  ) {
    assert.throws(() => s.getsockopt(socket.SOL_SOCKET, opt), {
      name: "NotSupported",
      message: new RegExp(`^Cannot getsockopt ${name}: `),
    });
    await assert.rejects(s.setsockopt(socket.SOL_SOCKET, opt, 65536), {
      name: "NotSupported",
      message: new RegExp(`^Cannot setsockopt ${name}: `),
    });
  }
});

Deno.test("connect() after bind(('', 0)) leaves no listener on the port bind reserved", async () => {
  await using server = await tcpServer();
  await using s = socket.socket();
  await s.bind(["", 0]);
  const reserved = portOf(s);
  await s.connect(["127.0.0.1", portOf(server)]);
  const [conn] = await server.accept();
  await conn.close();
  // Python: nothing listens there; a connection is refused.
  await using probe = socket.socket();
  probe.settimeout(5);
  assert.equal(await probe.connect_ex(["127.0.0.1", reserved]), 111);
});

Deno.test("connect_ex() raises gaierror for a name that does not resolve, as Python's", async () => {
  await using s = socket.socket();
  // Python: socket.gaierror [Errno -2], not a return value.
  const name = `${"x".repeat(64)}.invalid`;
  await assert.rejects(s.connect_ex([name, 80]), socket.gaierror);
});

// ---- datagram recv without a peer ----

Deno.test("recv() and recv_into() on a bound UDP socket without a peer take the next datagram from anyone, as Python's", async () => {
  // Python's multicast and UDP server examples: s.bind(...); s.recv(1024).
  await using server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  await server.bind(["127.0.0.1", 0]);
  server.settimeout(5);
  await using client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  await client.sendto("hello", server.getsockname());
  await client.sendto("again", server.getsockname());
  assert.equal(decode(await server.recv(3)), "hel"); // truncated, as the system does
  const buf = new Uint8Array(8);
  assert.equal(await server.recv_into(buf), 5);
  assert.equal(decode(buf.subarray(0, 5)), "again");
  // And send() still needs a peer: Python's OSError EDESTADDRREQ.
  await assert.rejects(server.send("x"), Deno.errors.NotConnected);
});

Deno.test({
  name:
    "recv() on a bound AF_UNIX datagram socket takes the next datagram, as Python's",
  ignore: Deno.build.os === "windows",
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      await using server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM);
      await server.bind(`${dir}/server`);
      server.settimeout(5);
      await using client = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM);
      await client.bind(`${dir}/client`);
      await client.sendto("ping", `${dir}/server`);
      assert.equal(decode(await server.recv(1024)), "ping");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

// ---- AF_UNIX stream bind ----

Deno.test({
  name:
    "bind() on an AF_UNIX stream socket takes the path at once, as Python's: a path in use raises from bind()",
  ignore: Deno.build.os === "windows",
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const path = `${dir}/server`;
      await using server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM);
      await server.bind(path);
      // Python: the file exists after bind, before listen.
      assert.ok((await Deno.stat(path)).isSocket);
      await server.listen(1);
      server.settimeout(5);
      await using client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM);
      client.settimeout(5);
      await client.connect(path);
      const [conn, address] = await server.accept();
      await using _conn = conn;
      assert.equal(address, "");
      await client.sendall("ping");
      assert.equal(decode(await conn.recv(16)), "ping");
      await using other = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM);
      // Python: OSError(98, 'Address already in use') from bind.
      await assert.rejects(other.bind(path), Deno.errors.AddrInUse);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

// ---- getaddrinfo ----

const hasPython = await new Deno.Command("python3", { args: ["--version"] })
  .output().then((out) => out.success, () => false);

/** Queries with no DNS in them: IP literals, null, and localhost (/etc/hosts). */
const GAI_QUERIES: [
  string | null,
  number | string | null,
  number,
  number,
  number,
  number,
][] = [
  ["127.0.0.1", 80, 0, 0, 0, 0],
  ["127.0.0.1", "8080", socket.AF_INET, socket.SOCK_STREAM, 0, 0],
  ["::1", 8080, 0, socket.SOCK_DGRAM, 0, 0],
  ["127.0.0.1", null, socket.AF_INET, socket.SOCK_STREAM, 0, 0],
  ["127.0.0.1", 80, socket.AF_INET, 0, socket.IPPROTO_UDP, 0],
  ["127.0.0.1", 80, 0, 0, 0, socket.AI_CANONNAME],
  [null, 80, 0, socket.SOCK_STREAM, 0, 0],
  [null, 80, 0, socket.SOCK_STREAM, 0, socket.AI_PASSIVE],
  [null, 0, socket.AF_INET6, socket.SOCK_DGRAM, 0, socket.AI_PASSIVE],
  ["localhost", 80, socket.AF_INET, socket.SOCK_STREAM, 0, 0],
  ["::1", 80, socket.AF_INET, socket.SOCK_STREAM, 0, 0],
  ["127.0.0.1", 80, socket.AF_INET6, 0, 0, 0],
  ["localhost", 80, 0, socket.SOCK_STREAM, 0, socket.AI_NUMERICHOST],
];

const GAI_PYTHON = `
import json, socket, sys
out = []
for host, port, family, type_, proto, flags in json.loads(sys.argv[1]):
    try:
        out.append([[int(f), int(t), p, c, list(a)] for f, t, p, c, a in
                    socket.getaddrinfo(host, port, family, type_, proto, flags)])
    except socket.gaierror:
        out.append("gaierror")
print(json.dumps(out))
`;

Deno.test({
  name:
    "getaddrinfo() answers as Python's for IP addresses, null and localhost",
  ignore: !hasPython,
  async fn() {
    const out = await new Deno.Command("python3", {
      args: ["-c", GAI_PYTHON, JSON.stringify(GAI_QUERIES)],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(out.success, decoder.decode(out.stderr));
    const expected = JSON.parse(decoder.decode(out.stdout));
    const actual = [];
    for (const query of GAI_QUERIES) {
      actual.push(
        await socket.getaddrinfo(...query).catch((e) => {
          if (e instanceof socket.gaierror) return "gaierror";
          throw e;
        }),
      );
    }
    assert.deepEqual(actual, expected);
  },
});

Deno.test("getaddrinfo() takes Python's keywords as an object and checks its arguments", async () => {
  assert.deepEqual(
    await socket.getaddrinfo("127.0.0.1", 80, { type: socket.SOCK_STREAM }),
    [[socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", [
      "127.0.0.1",
      80,
    ]]],
  );
  await assert.rejects(socket.getaddrinfo("127.0.0.1", 70000), RangeError);
  await assert.rejects(
    socket.getaddrinfo("127.0.0.1", 80, socket.AF_UNIX),
    RangeError,
  );
  await assert.rejects(
    socket.getaddrinfo("127.0.0.1", "http"),
    Deno.errors.NotSupported,
  );
  await assert.rejects(
    socket.getaddrinfo(`${"x".repeat(64)}.invalid`, 80),
    socket.gaierror,
  );
});

// ---- errno ----

Deno.test("errors carry the code of Python's errno, and connect_ex() on a closed socket gives 9", async () => {
  const codeOf = (p: Promise<unknown>) =>
    p.then(() => "resolved", (e) => `${e.name} ${e.code}`);
  await using server = await tcpServer();
  await using a = await socket.create_connection(
    ["127.0.0.1", portOf(server)],
    5,
  );
  const [b] = await server.accept();
  await using _b = b;
  a.setblocking(false);
  // Python: BlockingIOError errno 11.
  assert.equal(await codeOf(a.recv(10)), "BlockingIOError EAGAIN");
  a.setblocking(true);
  await a.shutdown(socket.SHUT_WR);
  // Python: BrokenPipeError errno 32.
  assert.equal(await codeOf(a.send("x")), "BrokenPipe EPIPE");
  const lone = socket.socket();
  // Python: OSError errno 107, then errno 9 once closed.
  assert.equal(await codeOf(lone.recv(1)), "NotConnected ENOTCONN");
  await lone.close();
  assert.equal(await codeOf(lone.recv(1)), "BadResource EBADF");
  assert.equal(await lone.connect_ex(["127.0.0.1", portOf(server)]), 9);
  await using udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  // Python: OSError errno 89 (EDESTADDRREQ).
  assert.equal(await codeOf(udp.send("x")), "NotConnected EDESTADDRREQ");
  a.settimeout(0.05);
  // Python: TimeoutError has no errno.
  assert.equal(await codeOf(a.recv(10)), "TimeoutError undefined");
});

Deno.test("connect() to port 0 is refused, as on Linux, so a scan from port 0 goes on", async () => {
  // Python: for port in range(0, n): s.connect_ex((host, port)) -> 111 at 0.
  await using s = socket.socket();
  assert.equal(await s.connect_ex(["127.0.0.1", 0]), 111);
  await using t = socket.socket();
  const err = await t.connect(["127.0.0.1", 0]).catch((e) => e);
  assert.ok(err instanceof socket.ConnectionRefusedError, String(err));
  assert.equal((err as { code?: string }).code, "ECONNREFUSED");
});

Deno.test("create_server() refuses an address of the other family, as Python's", () => {
  // Python: OSError "Address family for hostname not supported" for both.
  assert.throws(() => socket.create_server(["::1", 0]), {
    name: "TypeError",
    message: /host must be an IPv4 address or a name for AF_INET/,
  });
  assert.throws(
    () => socket.create_server(["127.0.0.1", 0], { family: socket.AF_INET6 }),
    { name: "TypeError", message: /IPv6 address or a name for AF_INET6/ },
  );
});

// ---- calls from several tasks at once (Python's threads) ----

Deno.test("recv() and accept() called from several tasks at once are served in turn, as Python's threads are", async () => {
  await using server = await tcpServer();
  const address: socket.InetAddress = ["127.0.0.1", portOf(server)];
  // A thread pool accepting on one listener.
  const accepts = [server.accept(), server.accept()] as const;
  await using c1 = await socket.create_connection(address, 5);
  await using c2 = await socket.create_connection(address, 5);
  const accepted = await within(Promise.all(accepts), 5_000, "accepts");
  await using _a = accepted[0][0];
  await using _b = accepted[1][0];
  // Two readers on one connection: each gets a message.
  c1.settimeout(5);
  const reads = [c1.recv(10), c1.recv(10)];
  const [conn] = accepted.find(([, addr]) =>
    JSON.stringify(addr) === JSON.stringify(c1.getsockname())
  )!;
  await conn.sendall("one");
  const first = await within(reads[0]!, 5_000, "first recv");
  await conn.sendall("two");
  const second = await within(reads[1]!, 5_000, "second recv");
  assert.deepEqual([decode(first), decode(second)], ["one", "two"]);
  // A queued call keeps its own timeout.
  c2.settimeout(0.1);
  const timed = await Promise.all([
    c2.recv(10).catch((e) => e),
    c2.recv(10).catch((e) => e),
  ]);
  assert.ok(
    timed.every((e) => e instanceof socket.TimeoutError),
    String(timed),
  );
});

Deno.test({
  name:
    "sendto() on an unbound AF_UNIX datagram socket sends, as Python's (a syslog-style client)",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      await using server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM);
      await server.bind(`${dir}/log`);
      server.settimeout(5);
      await using client = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM);
      // Python: client.sendto(b"<14>hello", "/dev/log") with no bind.
      assert.equal(await client.sendto("<14>hello", `${dir}/log`), 9);
      const [data] = await server.recvfrom(1024);
      assert.equal(decode(data), "<14>hello");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("UDP connect() after bind() keeps the bound port, and a second connect() changes the peer, as Python's", async () => {
  await using one = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  await one.bind(["127.0.0.1", 0]);
  one.settimeout(5);
  await using two = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  await two.bind(["127.0.0.1", 0]);
  two.settimeout(5);
  await using s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  s.settimeout(5);
  // Python: s.bind(("127.0.0.1", 0)); s.connect(one.getsockname()).
  await s.bind(["127.0.0.1", 0]);
  const local = s.getsockname();
  await s.connect(one.getsockname());
  assert.deepEqual(s.getsockname(), local);
  assert.deepEqual(s.getpeername(), one.getsockname());
  await s.send("to one");
  const [data, from] = await one.recvfrom(64);
  assert.equal(decode(data), "to one");
  assert.deepEqual(from, local);
  await s.connect(two.getsockname());
  assert.deepEqual(s.getsockname(), local);
  await s.send("to two");
  assert.equal(decode((await two.recvfrom(64))[0]), "to two");
  await two.sendto("back", local);
  assert.equal(decode(await s.recv(64)), "back");
});

Deno.test({
  name:
    "setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 1) before bind() makes the IPv6 wildcard listener IPv6 only, as Python's",
  ignore: !canListenOnIpv6Any,
  async fn() {
    await using server = socket.socket(socket.AF_INET6, socket.SOCK_STREAM);
    // Python: 0 by default on Linux, then what was set.
    assert.equal(server.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY), 0);
    await server.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1);
    assert.equal(server.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY), 1);
    await server.bind(["::", 0]);
    await server.listen();
    server.settimeout(5);
    const port = (server.getsockname() as socket.Inet6Address)[1];
    // Deno cannot set the option: the IPv4 client connects, then is closed.
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
    assert.equal((addr as socket.Inet6Address)[1], v6.localAddr.port);
    await assertClosedByPeer(v4);
    await assert.rejects(
      server.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0),
      Deno.errors.NotSupported,
    );
    await using v4only = socket.socket(socket.AF_INET, socket.SOCK_STREAM);
    // Python: OSError(92, 'Protocol not available').
    await assert.rejects(
      v4only.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1),
      Deno.errors.NotSupported,
    );
  },
});

Deno.test("TCP keep-alive tuning and SO_LINGER are NotSupported naming the option", async () => {
  await using s = socket.socket();
  for (
    const [name, level, opt] of [
      ["TCP_KEEPIDLE", socket.IPPROTO_TCP, socket.TCP_KEEPIDLE],
      ["TCP_KEEPINTVL", socket.IPPROTO_TCP, socket.TCP_KEEPINTVL],
      ["TCP_KEEPCNT", socket.IPPROTO_TCP, socket.TCP_KEEPCNT],
      ["SO_LINGER", socket.SOL_SOCKET, socket.SO_LINGER],
    ] as const
  ) {
    await assert.rejects(s.setsockopt(level, opt, 1), {
      name: "NotSupported",
      message: new RegExp(`^Cannot setsockopt ${name}: `),
    });
  }
});

// ---- makefile ----

/** Sent in these pieces, a pause between them: endings split across reads. */
const FILE_CHUNKS = [
  "one\r",
  "\ntwo\rthr",
  "ee\nf\u00fc",
  "nf\r\nh\u00e9",
  "\u00e9 last",
];

const MAKEFILE_PYTHON = `
import json, socket, sys, threading, time
chunks = json.loads(sys.argv[1])
out = {}
for name, mode, newline in [("text", "r", None), ("keep", "r", ""), ("crlf", "r", "\\r\\n"), ("binary", "rb", None)]:
    a, b = socket.socketpair()
    def feed():
        for c in chunks:
            a.sendall(c.encode())
            time.sleep(0.02)
        a.shutdown(socket.SHUT_WR)
    t = threading.Thread(target=feed); t.start()
    f = b.makefile(mode, newline=newline) if newline is not None else b.makefile(mode)
    lines = []
    while True:
        line = f.readline()
        if not line:
            break
        lines.append(list(line) if mode == "rb" else line)
    out[name] = lines
    t.join(); a.close(); b.close()
print(json.dumps(out))
`;

Deno.test({
  name:
    "makefile() reads lines as Python's, in text, newline='' , newline='\\r\\n' and binary modes",
  ignore: !hasPython,
  async fn() {
    const out = await new Deno.Command("python3", {
      args: ["-c", MAKEFILE_PYTHON, JSON.stringify(FILE_CHUNKS)],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(out.success, decoder.decode(out.stderr));
    const expected = JSON.parse(decoder.decode(out.stdout));
    const actual: Record<string, unknown[]> = {};
    for (
      const [name, mode, newline] of [
        ["text", "r", null],
        ["keep", "r", ""],
        ["crlf", "r", "\r\n"],
        ["binary", "rb", null],
      ] as const
    ) {
      const [a, b] = socket.socketpair();
      await using _a = a;
      await using _b = b;
      b.settimeout(5);
      const feeding = (async () => {
        for (const chunk of FILE_CHUNKS) {
          await a.sendall(chunk);
          await sleep(20);
        }
        await a.shutdown(socket.SHUT_WR);
      })();
      const f = b.makefile(mode, { newline });
      const lines: unknown[] = [];
      while (true) {
        const line = await f.readline();
        if (line.length === 0) break;
        lines.push(typeof line === "string" ? line : [...line]);
      }
      actual[name] = lines;
      await feeding;
    }
    assert.deepEqual(actual, expected);
  },
});

Deno.test("makefile() reads with limits, writes, and checks its mode", async () => {
  const [a, b] = socket.socketpair();
  await using _a = a;
  await using _b = b;
  b.settimeout(5);
  const w = a.makefile("wb");
  assert.equal(await w.write(new TextEncoder().encode("abcdef\nxyz")), 10);
  await a.shutdown(socket.SHUT_WR);
  await using r = b.makefile("rb");
  // Python: readline(3) -> b"abc", read(2) -> b"de", readline() -> b"f\n".
  assert.equal(decode(await r.readline(3)), "abc");
  assert.equal(decode(await r.read(2)), "de");
  assert.equal(decode(await r.readline()), "f\n");
  assert.equal(decode(await r.read()), "xyz");
  assert.equal((await r.read()).length, 0);
  await assert.rejects(r.write(new Uint8Array(1)), Deno.errors.NotSupported);
  assert.throws(() => b.makefile("x"), TypeError);
  await r.close();
  await assert.rejects(r.readline(), Deno.errors.BadResource);
});

// ---- address and byte-order helpers ----

const PTON_CASES: [number, string][] = [
  [socket.AF_INET, "1.2.3.4"],
  [socket.AF_INET, "0.0.0.0"],
  [socket.AF_INET, "01.2.3.4"],
  [socket.AF_INET, "1.2.3"],
  [socket.AF_INET, "256.1.1.1"],
  ...[
    "::1",
    "::",
    "1:0:2:3:4:5:6:7",
    "1:0:0:2:0:0:0:3",
    "::ffff:1.2.3.4",
    "::1.2.3.4",
    "fe80::1",
    "2001:db8::",
    "1::",
    "::ffff:0:1.2.3.4",
    "0:0:0:0:0:1:0:0",
    "FE80::A",
    "::ffff:102:304",
    "1:2:3:4:5:6:7:8",
    "1:2:3:4:5:6:7::",
    "1:2:3:4:5:6:1.2.3.4",
    "fe80::1%lo",
    ":::",
    "1::2::3",
    "1.2.3.4",
    "12345::",
    "",
  ].map((ip): [number, string] => [socket.AF_INET6, ip]),
];

const PTON_PYTHON = `
import json, socket, sys
out = []
for family, ip in json.loads(sys.argv[1]):
    try:
        packed = socket.inet_pton(family, ip)
        out.append([list(packed), socket.inet_ntop(family, packed)])
    except OSError:
        out.append("illegal")
print(json.dumps([out, [socket.htons(1), socket.ntohs(258), socket.htonl(1), socket.ntohl(0x01020304)], socket.has_dualstack_ipv6()]))
`;

Deno.test({
  name:
    "inet_pton(), inet_ntop(), htons() and has_dualstack_ipv6() answer as Python's",
  ignore: !hasPython,
  async fn() {
    const out = await new Deno.Command("python3", {
      args: ["-c", PTON_PYTHON, JSON.stringify(PTON_CASES)],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(out.success, decoder.decode(out.stderr));
    const expected = JSON.parse(decoder.decode(out.stdout));
    const conversions = PTON_CASES.map(([family, ip]) => {
      try {
        const packed = socket.inet_pton(family, ip);
        return [[...packed], socket.inet_ntop(family, packed)];
      } catch (err) {
        if (err instanceof TypeError) return "illegal";
        throw err;
      }
    });
    assert.deepEqual([
      conversions,
      [
        socket.htons(1),
        socket.ntohs(258),
        socket.htonl(1),
        socket.ntohl(0x01020304),
      ],
      socket.has_dualstack_ipv6(),
    ], expected);
    assert.throws(() => socket.htons(70000), RangeError);
    assert.throws(
      () => socket.inet_ntop(socket.AF_INET6, new Uint8Array(4)),
      TypeError,
    );
  },
});

Deno.test("recvfrom_into() fills the buffer and gives the sender, as Python's", async () => {
  await using server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  await server.bind(["127.0.0.1", 0]);
  server.settimeout(5);
  await using client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  await client.sendto("hello world", server.getsockname());
  const buf = new Uint8Array(16);
  // Python: recvfrom_into(buf, 5) -> (5, addr), the rest of the datagram dropped.
  const [n, from] = await server.recvfrom_into(buf, 5);
  assert.equal(n, 5);
  assert.equal(decode(buf.subarray(0, n)), "hello");
  // The client was bound to 0.0.0.0 by sendto; the datagram came from loopback.
  assert.deepEqual(from, [
    "127.0.0.1",
    (client.getsockname() as socket.InetAddress)[1],
  ]);
  await assert.rejects(server.recvfrom_into(buf, 17), RangeError);
});

// ---- printing ----

Deno.test("a socket prints as Python's repr(), in console.log and in a template string", async () => {
  await using server = await tcpServer();
  const port = portOf(server);
  await using c = await socket.create_connection(["127.0.0.1", port], 5);
  const [conn] = await server.accept();
  const local = (c.getsockname() as socket.InetAddress)[1];
  // Python: <socket.socket fd=5, family=2, type=1, proto=6, laddr=(...), raddr=(...)>
  assert.equal(
    `${c}`,
    `<socket.socket family=2, type=1, proto=6, laddr=('127.0.0.1', ${local}), raddr=('127.0.0.1', ${port})>`,
  );
  assert.equal(
    Deno.inspect(server),
    `<socket.socket family=2, type=1, proto=0, laddr=('127.0.0.1', ${port})>`,
  );
  await conn.close();
  // Python: <socket.socket [closed] fd=-1, family=2, type=1, proto=0>
  assert.equal(
    `${conn}`,
    "<socket.socket [closed] fd=-1, family=2, type=1, proto=0>",
  );
});

Deno.test("gethostbyname() of an IPv6 address raises gaierror, as Python's", async () => {
  // Python: socket.gaierror [Errno -9] Address family for hostname not supported.
  await assert.rejects(socket.gethostbyname("::1"), socket.gaierror);
  assert.equal(await socket.gethostbyname("127.1"), "127.0.0.1");
});

// ---- received bytes ----

Deno.test("recv() returns bytes of its own, as Python's bytes: new DataView(data.buffer) reads them", async () => {
  // Python: struct.unpack("!H", s.recv(1024)) -> the natural port reads data.buffer.
  const [a, b] = socket.socketpair();
  await using _a = a;
  await using _b = b;
  b.settimeout(5);
  await a.sendall(new Uint8Array([0, 7, 0, 42]));
  const first = await b.recv(2);
  const second = await b.recv(1024);
  assert.equal(new DataView(first.buffer).getUint16(0), 7);
  assert.equal(second.buffer.byteLength, 2);
  assert.equal(new DataView(second.buffer).getUint16(0), 42);
  await using server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  await server.bind(["127.0.0.1", 0]);
  server.settimeout(5);
  await using client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  await client.sendto(new Uint8Array([1, 2, 3, 4, 5]), server.getsockname());
  const [data] = await server.recvfrom(3);
  assert.equal(data.buffer.byteLength, 3);
});

// ---- shutdown from another task ----

Deno.test("shutdown(SHUT_RDWR) wakes a recv() waiting in another task with b'', as Python's reader thread", async () => {
  await using server = await tcpServer();
  await using c = await socket.create_connection(
    ["127.0.0.1", portOf(server)],
  );
  const [conn] = await server.accept();
  await using _conn = conn;
  const reading = c.recv(100);
  await sleep(20);
  await c.shutdown(socket.SHUT_RDWR);
  assert.equal((await within(reading, 5_000, "the waiting recv")).length, 0);
  assert.equal((await c.recv(100)).length, 0);
});

Deno.test("shutdown() on a listening socket wakes a waiting accept() with EINVAL, as Python's", async () => {
  await using server = await tcpServer();
  const accepting = server.accept().catch((e) => e);
  await sleep(20);
  // Python: srv.shutdown(SHUT_RDWR) -> None; the accept raises OSError 22.
  await server.shutdown(socket.SHUT_RDWR);
  const err = await within(accepting, 5_000, "the waiting accept");
  assert.equal(err.code, "EINVAL");
  await assert.rejects(server.accept(), { code: "EINVAL" });
  await server.shutdown(socket.SHUT_WR); // Python: None
});
