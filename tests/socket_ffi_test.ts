// Copyright 2026 the socketkit authors. MIT license.
// The facade's sockets made through libc: SOCK_RAW, SOCK_SEQPACKET,
// socketpair, and the options applied to them for real.

import assert from "node:assert/strict";
import * as socket from "../socket.ts";
import {
  assertNoFdLeakIn,
  hasPython,
  linux,
  needsRoot,
  python,
  root,
  str,
  within,
} from "./_ffi_util.ts";

async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The tutorial's checksum, written as the Python programs write it. */
function tutorialChecksum(source: Uint8Array): number {
  let sum = 0;
  const countTo = Math.floor(source.length / 2) * 2;
  for (let count = 0; count < countTo; count += 2) {
    sum += source[count + 1]! * 256 + source[count]!;
    sum &= 0xffffffff;
  }
  if (countTo < source.length) sum += source[source.length - 1]!;
  sum = (sum >> 16) + (sum & 0xffff);
  sum += sum >> 16;
  let answer = ~sum & 0xffff;
  answer = (answer >> 8) | ((answer << 8) & 0xff00);
  return answer;
}

Deno.test({
  name:
    "a hand-built ICMP echo over socket(AF_INET, SOCK_RAW, IPPROTO_ICMP), as the tutorials write it" +
    needsRoot,
  ignore: !root,
  async fn() {
    // my_socket = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.getprotobyname("icmp"))
    await using mySocket = socket.socket(
      socket.AF_INET,
      socket.SOCK_RAW,
      socket.IPPROTO_ICMP,
    );
    mySocket.settimeout(2);
    const id = (Deno.pid ^ 0x4d2) & 0xffff;
    // header = struct.pack("bbHHh", ICMP_ECHO_REQUEST, 0, 0, id, 1)
    const header = new Uint8Array(8);
    const view = new DataView(header.buffer);
    header[0] = 8;
    view.setUint16(4, id, true);
    view.setInt16(6, 1, true);
    // data = struct.pack("d", time.time()) + 192 * b"Q"
    const data = new Uint8Array(8 + 192).fill(0x51);
    new DataView(data.buffer).setFloat64(0, Date.now() / 1000, true);
    let packet = new Uint8Array([...header, ...data]);
    // header = struct.pack("bbHHh", ICMP_ECHO_REQUEST, 0, socket.htons(my_checksum), id, 1)
    const myChecksum = tutorialChecksum(packet);
    view.setUint16(2, ((myChecksum & 0xff) << 8) | (myChecksum >> 8), true);
    packet = new Uint8Array([...header, ...data]);
    // my_socket.sendto(packet, (dest_addr, 1))
    assert.equal(await mySocket.sendto(packet, ["127.0.0.1", 1]), 208);
    // rec_packet, addr = my_socket.recvfrom(1024); icmp_header = rec_packet[20:28]
    for (let i = 0; i < 10; i++) {
      const [recPacket, addr] = await within(mySocket.recvfrom(1024));
      const icmp = new DataView(recPacket.buffer, 20, 8);
      const type = icmp.getUint8(0);
      const packetId = icmp.getUint16(4, true);
      if (type === 0 && packetId === id) {
        assert.deepEqual(addr, ["127.0.0.1", 0]);
        assert.equal(recPacket.length, 20 + 208);
        assert.equal(icmp.getInt16(6, true), 1);
        return;
      }
    }
    assert.fail("no echo reply with our identifier");
  },
});

Deno.test({
  name:
    "the same tutorial program in Python gets its reply too (the facade's peer check)" +
    needsRoot,
  ignore: !root || !hasPython,
  async fn() {
    const out = await python(`
import os, socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.settimeout(2)
ident = (os.getpid() ^ 0x1111) & 0xffff
def checksum(b):
    s = sum(b[i] * 256 + b[i + 1] for i in range(0, len(b) - 1, 2))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
pkt = struct.pack("!BBHHH", 8, 0, 0, ident, 1) + b"Q" * 56
pkt = pkt[:2] + struct.pack("!H", checksum(pkt)) + pkt[4:]
s.sendto(pkt, ("127.0.0.1", 1))
while True:
    data, addr = s.recvfrom(1024)
    t, _, _, i, seq = struct.unpack("!BBHHH", data[20:28])
    if t == 0 and i == ident:
        print(addr, seq, len(data)); break
`);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout.trim(), "('127.0.0.1', 0) 1 84");
  },
});

Deno.test({
  name: "an ICMPv6 echo over socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6)" +
    needsRoot,
  ignore: !root,
  async fn() {
    await using s = socket.socket(
      socket.AF_INET6,
      socket.SOCK_RAW,
      socket.IPPROTO_ICMPV6,
    );
    s.settimeout(2);
    const id = (Deno.pid ^ 0x6666) & 0xffff;
    const packet = new Uint8Array(16);
    packet[0] = 128; // echo request; the kernel fills in the checksum
    new DataView(packet.buffer).setUint16(4, id);
    new DataView(packet.buffer).setUint16(6, 7);
    await s.sendto(packet, ["::1", 0]);
    for (let i = 0; i < 10; i++) {
      const [data, addr] = await within(s.recvfrom(1024));
      if (data[0] === 129 && new DataView(data.buffer).getUint16(4) === id) {
        assert.deepEqual(addr, ["::1", 0, 0, 0]);
        assert.equal(new DataView(data.buffer).getUint16(6), 7);
        return;
      }
    }
    assert.fail("no ICMPv6 echo reply with our identifier");
  },
});

Deno.test({
  name:
    "setsockopt() and getsockopt() apply SO_RCVBUF, SO_SNDBUF, IP_TTL and read SO_TYPE for real" +
    needsRoot,
  ignore: !root,
  async fn() {
    await using s = socket.socket(
      socket.AF_INET,
      socket.SOCK_RAW,
      socket.IPPROTO_ICMP,
    );
    await s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65_536);
    await s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 32_768);
    await s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 33);
    // Linux doubles the buffer sizes it is given, as Python shows too.
    assert.equal(s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF), 131_072);
    assert.equal(s.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF), 65_536);
    assert.equal(s.getsockopt(socket.IPPROTO_IP, socket.IP_TTL), 33);
    assert.equal(
      s.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE),
      socket.SOCK_RAW,
    );
    assert.equal(s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR), 0);
    await assert.rejects(
      s.setsockopt(socket.IPPROTO_IP, 9999, 1),
      (err: Error & { code?: string }) =>
        err instanceof Deno.errors.NotSupported && err.code === "ENOPROTOOPT",
    );
    assert.throws(
      () => s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8),
      Deno.errors.NotSupported,
    );
  },
});

Deno.test({
  name:
    "SOCK_SEQPACKET through the facade: bind, listen, accept, connect, boundaries and Python's recv truncation",
  ignore: !linux,
  async fn() {
    await inTempDir(async (dir) => {
      const path = `${dir}/seq.sock`;
      await using server = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET);
      assert.equal(server.type, socket.SOCK_SEQPACKET);
      await server.bind(path);
      await server.listen(1);
      assert.equal(server.getsockname(), path);
      await using client = socket.socket(
        socket.AF_UNIX,
        socket.SOCK_SEQPACKET,
      );
      const accepting = server.accept();
      await within(client.connect(path));
      const [conn, addr] = await within(accepting);
      await using _conn = conn;
      assert.equal(addr, "");
      assert.equal(client.getpeername(), path);
      await client.send("first");
      await client.sendall(new Uint8Array(0));
      await client.send("truncated message");
      assert.equal(str(await within(conn.recv(1024))), "first");
      assert.equal((await within(conn.recv(1024))).length, 0);
      // Python: a message longer than bufsize is cut, the rest discarded.
      assert.equal(str(await within(conn.recv(9))), "truncated");
      await client.send("peeked");
      assert.equal(
        str(await within(conn.recv(1024, socket.MSG_PEEK))),
        "peeked",
      );
      assert.equal(str(await within(conn.recv(1024))), "peeked");
      await client.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 50_000);
      assert.equal(
        client.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF),
        100_000,
      );
      const other = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET);
      await assert.rejects(
        other.bind(path),
        (err: Error) =>
          err instanceof Deno.errors.AddrInUse &&
          err.message ===
            `Cannot bind "${path}": address already in use (EADDRINUSE)`,
      );
      await other.close();
    });
  },
});

Deno.test({
  name:
    "facade timeouts on libc sockets raise TimeoutError and BlockingIOError and lose nothing; close interrupts at once",
  ignore: !linux,
  async fn() {
    const [a, b] = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET);
    try {
      b.settimeout(0.02);
      await assert.rejects(b.recv(10), socket.TimeoutError);
      b.setblocking(false);
      await assert.rejects(b.recv(10), socket.BlockingIOError);
      b.setblocking(true);
      await a.send("kept");
      assert.equal(str(await within(b.recv(10))), "kept");
      const pending = assert.rejects(b.recv(10), Deno.errors.BadResource);
      await within(b.close(), 2_000, "close");
      await within(pending, 2_000, "the interrupted recv");
      assert.equal(b.closed, true);
    } finally {
      await a.close();
      await b.close();
    }
  },
});

Deno.test({
  name: "socketpair() makes stream, datagram and seqpacket pairs, as Python's",
  ignore: !linux,
  async fn() {
    const [a, b] = socket.socketpair();
    await using _a = a;
    await using _b = b;
    assert.equal(a.family, socket.AF_UNIX);
    assert.equal(a.type, socket.SOCK_STREAM);
    await a.sendall("hello ");
    await a.sendall("world");
    await a.shutdown(socket.SHUT_WR);
    let got = "";
    for (;;) {
      const chunk = await within(b.recv(4));
      if (chunk.length === 0) break;
      got += str(chunk);
    }
    assert.equal(got, "hello world");
    for (const type of [socket.SOCK_DGRAM, socket.SOCK_SEQPACKET]) {
      const [c, d] = socket.socketpair(socket.AF_UNIX, type);
      await using _c = c;
      await using _d = d;
      assert.equal(c.type, type);
      await c.send("one");
      await c.send("two");
      assert.equal(str(await within(d.recv(100))), "one");
      assert.equal(str(await within(d.recv(100))), "two");
    }
    assert.throws(
      () => socket.socketpair(socket.AF_INET),
      Deno.errors.NotSupported,
    );
    const [e, f] = socket.socketpair(
      socket.AF_UNIX,
      socket.SOCK_SEQPACKET | socket.SOCK_NONBLOCK,
    );
    await using _e = e;
    await using _f = f;
    assert.equal(e.getblocking(), false);
    await assert.rejects(e.recv(10), socket.BlockingIOError);
  },
});

Deno.test({
  name: "SOCK_RDM and AF_TIPC raise NotSupported with the kernel's own answer",
  ignore: !linux,
  fn() {
    for (const family of [socket.AF_INET, socket.AF_INET6, socket.AF_UNIX]) {
      assert.throws(
        () => socket.socket(family, socket.SOCK_RDM),
        (err: Error & { code?: string }) =>
          err instanceof Deno.errors.NotSupported &&
          err.code === "ESOCKTNOSUPPORT" &&
          err.message.endsWith(
            "SOCK_RDM socket: socket type not supported (ESOCKTNOSUPPORT)",
          ),
      );
    }
    const AF_TIPC = 30;
    assert.throws(
      () => socket.socket(AF_TIPC, socket.SOCK_RDM),
      (err: Error & { code?: string }) =>
        err instanceof Deno.errors.NotSupported &&
        err.code === "EAFNOSUPPORT" &&
        err.message ===
          "Cannot create address family 30 SOCK_RDM socket: address family not supported by protocol (EAFNOSUPPORT)",
    );
  },
});

Deno.test({
  name:
    "the ICMP datagram socket is refused with PermissionDenied outside ping_group_range, as in Python",
  ignore: !linux || !hasPython,
  async fn() {
    const out = await python(`
import socket
try:
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP).close()
    print("ok")
except PermissionError as e:
    print("EACCES" if e.errno == 13 else e.errno)
`);
    const pythonAnswer = out.stdout.trim();
    let ours = "ok";
    try {
      await socket.socket(
        socket.AF_INET,
        socket.SOCK_DGRAM,
        socket.IPPROTO_ICMP,
      )
        .close();
    } catch (err) {
      assert.ok(err instanceof Deno.errors.PermissionDenied);
      ours = (err as { code?: string }).code!;
    }
    assert.equal(ours, pythonAnswer);
  },
});

Deno.test({
  name:
    "the constants for these sockets match the local Python's socket module",
  ignore: !linux || !hasPython,
  async fn() {
    const names = [
      "SOCK_RAW",
      "SOCK_RDM",
      "SOCK_SEQPACKET",
      "IPPROTO_ICMP",
      "IPPROTO_ICMPV6",
      "IPPROTO_RAW",
      "IP_TTL",
      "IP_HDRINCL",
      "IPV6_UNICAST_HOPS",
      "SO_ERROR",
      "SO_SNDBUF",
      "SO_RCVBUF",
      "MSG_PEEK",
    ];
    const out = await python(
      `import socket, json\nprint(json.dumps({n: int(getattr(socket, n)) for n in ${
        JSON.stringify(names)
      }}))`,
    );
    const ours = Object.fromEntries(
      names.map((n) => [n, (socket as unknown as Record<string, number>)[n]]),
    );
    assert.deepEqual(JSON.parse(out.stdout), ours);
  },
});

Deno.test({
  name: "a Python SOCK_SEQPACKET peer talks to the facade both ways",
  ignore: !linux || !hasPython,
  async fn() {
    await inTempDir(async (dir) => {
      const path = `${dir}/py.sock`;
      await using server = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET);
      await server.bind(path);
      await server.listen();
      const running = python(
        `
import socket, sys
c = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
c.connect(sys.argv[1])
c.send(b"from python"); c.send(b"")
print(repr(c.recv(100)), repr(c.recv(100)))
`,
        [path],
      );
      const [conn] = await within(server.accept(), 10_000);
      await using _conn = conn;
      assert.equal(str(await within(conn.recv(100))), "from python");
      assert.equal((await within(conn.recv(100))).length, 0);
      await conn.send("from deno");
      await conn.send("");
      const out = await within(running, 30_000, "python");
      assert.equal(out.code, 0, out.stderr);
      assert.equal(out.stdout.trim(), "b'from deno' b''");
    });
  },
});

Deno.test({
  name: "fileno() of a libc socket is a real socket descriptor, and none leak",
  ignore: !linux,
  async fn() {
    const [a, b] = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET);
    const fd = a.fileno();
    assert.match(
      await Deno.readLink(`/proc/self/fd/${fd}`),
      /^socket:\[\d+\]$/,
    );
    await a.close();
    await b.close();
    await assertNoFdLeakIn(`
      import assert from "node:assert/strict";
      import * as socket from "@/socket.ts";
      async function round() {
        const [c, d] = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM);
        await c.send("x");
        await d.recv(1);
        await c.close();
        await d.close();
        const [e, f] = socket.socketpair();
        await e.sendall("y");
        await f.recv(1);
        await e.close();
        await f.close();
        if (Deno.uid() === 0) {
          const g = socket.socket(
            socket.AF_INET,
            socket.SOCK_RAW,
            socket.IPPROTO_ICMP,
          );
          g.settimeout(0.001);
          await assert.rejects(g.recvfrom(100), socket.TimeoutError);
          await g.close();
        }
        assert.throws(() => socket.socket(socket.AF_INET, socket.SOCK_RDM));
      }
    `);
  },
});
