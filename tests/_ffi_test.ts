// Copyright 2026 the socketkit authors. MIT license.

import assert from "node:assert/strict";
import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  decodeAddr,
  encodeAddr,
  errnoName,
  formatIpv6,
  IPPROTO_ICMP,
  SO_SNDBUF,
  SOCK_DGRAM,
  SOCK_RDM,
  SOCK_SEQPACKET,
  SOCK_STREAM,
  type SockAddr,
  SOL_SOCKET,
} from "../_ffi.ts";
import { FdSocket } from "../_ffi_socket.ts";
import {
  assertNoFdLeakIn,
  linux,
  pingGroupExcludesUs,
  str,
  utf8,
  within,
} from "./_ffi_util.ts";
import { run } from "./_util.ts";

const FOREVER = { timeout: null };

Deno.test("encodeAddr() and decodeAddr() round-trip IPv4, IPv6 and Unix addresses", () => {
  const cases: SockAddr[] = [
    { family: AF_INET, hostname: "127.0.0.1", port: 8080 },
    { family: AF_INET, hostname: "0.0.0.0", port: 0 },
    {
      family: AF_INET6,
      hostname: "::1",
      port: 443,
      flowinfo: 0,
      scopeId: 0,
    },
    {
      family: AF_INET6,
      hostname: "fe80::1:2",
      port: 1,
      flowinfo: 7,
      scopeId: 2,
    },
    { family: AF_UNIX, path: "/tmp/x.sock" },
    { family: AF_UNIX, path: "\0abstract" },
  ];
  for (const addr of cases) {
    const raw = encodeAddr(addr);
    assert.deepEqual(decodeAddr(raw, raw.length), addr);
  }
  const v4 = encodeAddr({ family: AF_INET, hostname: "10.1.2.3", port: 258 });
  assert.deepEqual([...v4.subarray(0, 8)], [2, 0, 1, 2, 10, 1, 2, 3]);
  const mapped = encodeAddr({
    family: AF_INET6,
    hostname: "::ffff:1.2.3.4",
    port: 0,
    flowinfo: 0,
    scopeId: 0,
  });
  assert.deepEqual([...mapped.subarray(18, 24)], [0xff, 0xff, 1, 2, 3, 4]);
  assert.throws(
    () => encodeAddr({ family: AF_INET, hostname: "256.1.1.1", port: 0 }),
    TypeError,
  );
});

Deno.test("decodeAddr() gives each IPv4 address its own text when addresses alternate", () => {
  const hosts = ["127.0.0.1", "10.0.0.1", "127.0.0.1", "127.0.0.2", "0.0.0.0"];
  for (const hostname of [...hosts, ...hosts.reverse()]) {
    const raw = encodeAddr({ family: AF_INET, hostname, port: 7 });
    assert.deepEqual(decodeAddr(raw, raw.length), {
      family: AF_INET,
      hostname,
      port: 7,
    });
  }
});

Deno.test("formatIpv6() writes the shortest form", () => {
  const bytes = (groups: number[]) => {
    const out = new Uint8Array(16);
    groups.forEach((g, i) => {
      out[2 * i] = g >> 8;
      out[2 * i + 1] = g & 0xff;
    });
    return out;
  };
  assert.equal(formatIpv6(bytes([0, 0, 0, 0, 0, 0, 0, 1])), "::1");
  assert.equal(formatIpv6(bytes([0, 0, 0, 0, 0, 0, 0, 0])), "::");
  assert.equal(formatIpv6(bytes([0xfe80, 0, 0, 0, 0, 0, 0, 1])), "fe80::1");
  assert.equal(
    formatIpv6(bytes([1, 0, 2, 0, 0, 3, 0, 4])),
    "1:0:2::3:0:4",
  );
});

Deno.test("errnoName() names Linux errno values", () => {
  assert.equal(errnoName(13), "EACCES");
  assert.equal(errnoName(94), "ESOCKTNOSUPPORT");
  assert.equal(errnoName(98), "EADDRINUSE");
  assert.equal(errnoName(9999), "E9999");
});

Deno.test({
  name:
    "FdSocket.open() reports the kernel's answer as NotSupported with the errno name",
  ignore: !linux,
  fn() {
    assert.throws(
      () =>
        FdSocket.open(AF_INET, SOCK_RDM, 0, "create AF_INET SOCK_RDM socket"),
      (err: Error & { code?: string }) =>
        err instanceof Deno.errors.NotSupported &&
        err.code === "ESOCKTNOSUPPORT" &&
        err.message ===
          "Cannot create AF_INET SOCK_RDM socket: socket type not supported (ESOCKTNOSUPPORT)" &&
        (err.cause as Error).message.includes("os error 94"),
    );
    for (const family of [AF_INET6, AF_UNIX]) {
      assert.throws(
        () => FdSocket.open(family, SOCK_RDM, 0, "create socket"),
        { name: "NotSupported", code: "ESOCKTNOSUPPORT" },
      );
    }
    // AF_TIPC is not in this kernel.
    assert.throws(
      () => FdSocket.open(30, SOCK_SEQPACKET, 0, "create AF_TIPC socket"),
      { name: "NotSupported", code: "EAFNOSUPPORT" },
    );
  },
});

Deno.test({
  name:
    "FdSocket.open() maps EACCES to PermissionDenied (ICMP outside ping_group_range)",
  ignore: !linux || !pingGroupExcludesUs(),
  fn() {
    assert.throws(
      () =>
        FdSocket.open(AF_INET, SOCK_DGRAM, IPPROTO_ICMP, "open ICMP socket"),
      (err: Error & { code?: string }) =>
        err instanceof Deno.errors.PermissionDenied && err.code === "EACCES" &&
        err.message === "Cannot open ICMP socket: permission denied (EACCES)",
    );
  },
});

Deno.test({
  name:
    "connect() and bind() errors keep their Deno classes and name the address",
  ignore: !linux,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const path = `${dir}/s`;
      const a = FdSocket.open(AF_UNIX, SOCK_SEQPACKET, 0, "open");
      try {
        await assert.rejects(
          a.connect({ family: AF_UNIX, path }, FOREVER, `connect to "${path}"`),
          { name: "NotFound", code: "ENOENT" },
        );
      } finally {
        await a.close();
      }
      const server = FdSocket.open(AF_UNIX, SOCK_SEQPACKET, 0, "open");
      server.bind({ family: AF_UNIX, path }, `bind "${path}"`);
      const other = FdSocket.open(AF_UNIX, SOCK_SEQPACKET, 0, "open");
      try {
        assert.throws(
          () => other.bind({ family: AF_UNIX, path }, `bind "${path}"`),
          (err: Error) =>
            err instanceof Deno.errors.AddrInUse &&
            err.message ===
              `Cannot bind "${path}": address already in use (EADDRINUSE)`,
        );
        // Bound but not listening: a connection is refused.
        const c = FdSocket.open(AF_UNIX, SOCK_SEQPACKET, 0, "open");
        await assert.rejects(
          c.connect({ family: AF_UNIX, path }, FOREVER, "connect"),
          { name: "ConnectionRefused", code: "ECONNREFUSED" },
        );
        await c.close();
      } finally {
        await other.close();
        await server.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "connect() to a listener whose queue is full times out, ends at close() and connects once accepted (regression: its retry spun past the deadline)",
  ignore: !linux,
  async fn() {
    const dir = await Deno.makeTempDir();
    const path = `${dir}/s`;
    const server = FdSocket.open(AF_UNIX, SOCK_SEQPACKET, 0, "open");
    const clients: FdSocket[] = [];
    const client = () => {
      const c = FdSocket.open(AF_UNIX, SOCK_SEQPACKET, 0, "open");
      clients.push(c);
      return c;
    };
    const to = { family: AF_UNIX, path } as const;
    try {
      server.bind(to, "bind");
      server.listen(0, "listen");
      // Fill the queue: a backlog of 0 holds one connection.
      for (let i = 0; i < 4; i++) {
        await client().connect(to, { timeout: 0 }, "fill").catch(() => {});
      }
      await within(
        assert.rejects(
          client().connect(to, { timeout: 100 }, "connect"),
          {
            name: "TimedOut",
            message: "Cannot connect: timed out after 100 ms",
          },
        ),
        5_000,
        "the connect to a full queue",
      );
      const interrupted = client();
      const pending = interrupted.connect(to, FOREVER, "connect");
      await within(interrupted.close(), 2_000, "close");
      await within(
        assert.rejects(pending, { name: "BadResource" }),
        2_000,
        "the interrupted connect",
      );
      // Accepting frees the queue: a waiting connect gets in.
      const waiting = client().connect(to, { timeout: 5_000 }, "connect");
      const [peer] = await within(server.accept(FOREVER, "accept"));
      clients.push(peer);
      await within(waiting, 5_000, "the connect after accept");
    } finally {
      for (const c of clients) await c.close();
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "close() makes a pending receive reject at once with BadResource",
  ignore: !linux,
  async fn() {
    const [a, b] = FdSocket.pair(SOCK_SEQPACKET, "socketpair");
    const pending = b.recv(new Uint8Array(10), 0, FOREVER, "recv");
    const started = performance.now();
    const closed = b.close();
    await within(
      assert.rejects(pending, {
        name: "BadResource",
        message: "Cannot recv: the socket is closed",
      }),
      2_000,
      "the interrupted receive",
    );
    await within(closed, 2_000, "close");
    assert.ok(performance.now() - started < 2_000);
    await a.close();
  },
});

Deno.test({
  name:
    "an aborted signal rejects a pending receive with its reason and takes nothing",
  ignore: !linux,
  async fn() {
    const [a, b] = FdSocket.pair(SOCK_SEQPACKET, "socketpair");
    try {
      const controller = new AbortController();
      const reason = new Error("stop waiting");
      const pending = b.recv(
        new Uint8Array(10),
        0,
        { timeout: null, signal: controller.signal },
        "recv",
      );
      controller.abort(reason);
      await within(
        assert.rejects(pending, (err) => err === reason),
        2_000,
        "the aborted receive",
      );
      await a.send(new Uint8Array([42]), null, FOREVER, "send");
      const buf = new Uint8Array(10);
      assert.equal(await within(b.recv(buf, 0, FOREVER, "recv")), 1);
      assert.equal(buf[0], 42);
    } finally {
      await a.close();
      await b.close();
    }
  },
});

Deno.test({
  name:
    "a timed-out receive rejects with TimedOut and the next one gets the message",
  ignore: !linux,
  async fn() {
    const [a, b] = FdSocket.pair(SOCK_DGRAM, "socketpair");
    try {
      await assert.rejects(
        b.recv(new Uint8Array(10), 0, { timeout: 20 }, "recv"),
        (err: Error) =>
          err instanceof Deno.errors.TimedOut &&
          err.message === "Cannot recv: timed out after 20 ms",
      );
      await assert.rejects(
        b.recv(new Uint8Array(10), 0, { timeout: 0 }, "recv"),
        Deno.errors.WouldBlock,
      );
      await a.send(new Uint8Array([1, 2, 3]), null, FOREVER, "send");
      assert.equal(
        await within(b.recv(new Uint8Array(10), 0, FOREVER, "recv")),
        3,
      );
    } finally {
      await a.close();
      await b.close();
    }
  },
});

Deno.test({
  name:
    "send() to two addresses in turn reaches each, and a send that waits keeps its address while one to the other goes out",
  ignore: !linux,
  async fn() {
    const dir = await Deno.makeTempDir();
    const toA = { family: AF_UNIX, path: `${dir}/a` } as const;
    const toB = () => ({ family: AF_UNIX, path: `${dir}/b` }) as const;
    const a = FdSocket.open(AF_UNIX, SOCK_DGRAM, 0, "open");
    const b = FdSocket.open(AF_UNIX, SOCK_DGRAM, 0, "open");
    const sender = FdSocket.open(AF_UNIX, SOCK_DGRAM, 0, "open");
    const buffer = new Uint8Array(2_000);
    const next = async (sock: FdSocket) => {
      const n = await within(sock.recv(buffer, 0, { timeout: 2_000 }, "recv"));
      return str(buffer.subarray(0, n))!;
    };
    const empty = (sock: FdSocket) =>
      assert.rejects(
        sock.recv(buffer, 0, { timeout: 0 }, "recv"),
        Deno.errors.WouldBlock,
      );
    try {
      a.bind(toA, "bind");
      b.bind(toB(), "bind");
      // In turn, with a new object for each send to b: each gets its own.
      for (let i = 0; i < 4; i++) {
        await within(sender.send(utf8(`a${i}`), toA, FOREVER, "send"));
        await within(sender.send(utf8(`b${i}`), toB(), FOREVER, "send"));
      }
      for (let i = 0; i < 4; i++) {
        assert.equal(await next(a), `a${i}`);
        assert.equal(await next(b), `b${i}`);
      }
      await empty(a);
      await empty(b);
      // The sender's smallest send buffer fills with a few messages to a
      // (which reads none yet): the next sends wait for room.
      sender.setOption(SOL_SOCKET, SO_SNDBUF, 1, "shrink the send buffer");
      const filler = new Uint8Array(1_000).fill(0x2e);
      let queued = 0;
      for (; queued < 1_000; queued++) {
        try {
          await sender.send(filler, toA, { timeout: 0 }, "fill");
        } catch (err) {
          assert.ok(err instanceof Deno.errors.WouldBlock);
          break;
        }
      }
      assert.ok(queued > 0 && queued < 1_000, `${queued} messages queued`);
      const late = sender.send(utf8("late for a"), toA, FOREVER, "send");
      // Meanwhile a send to b (it waits too) makes b the last address.
      const now = sender.send(utf8("now for b"), toB(), FOREVER, "send");
      for (let i = 0; i < queued; i++) {
        assert.equal((await next(a)).length, 1_000);
      }
      assert.equal(await within(late, 2_000, "the send to a"), 10);
      assert.equal(await within(now, 2_000, "the send to b"), 9);
      assert.equal(await next(a), "late for a");
      assert.equal(await next(b), "now for b");
      await empty(a);
      await empty(b);
    } finally {
      await sender.close();
      await a.close();
      await b.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "a read and a write can be in flight at once on one socket",
  ignore: !linux,
  async fn() {
    const [a, b] = FdSocket.pair(SOCK_STREAM, "socketpair");
    try {
      // Fill a's send queue so the next write must wait.
      const chunk = new Uint8Array(65_536);
      let queued = 0;
      for (;;) {
        try {
          queued += await a.send(chunk, null, { timeout: 0 }, "send");
        } catch (err) {
          assert.ok(err instanceof Deno.errors.WouldBlock);
          break;
        }
      }
      const reading = a.recv(new Uint8Array(10), 0, FOREVER, "recv");
      const writing = a.send(chunk, null, FOREVER, "send");
      // Drain b so the write completes, then answer the read.
      const sink = new Uint8Array(1 << 20);
      let drained = 0;
      while (drained < queued + 1) {
        drained += await within(b.recv(sink, 0, FOREVER, "drain"));
      }
      assert.ok((await within(writing, 5_000, "the write")) > 0);
      await b.send(new Uint8Array([7]), null, FOREVER, "send");
      assert.equal(await within(reading, 5_000, "the read"), 1);
    } finally {
      await a.close();
      await b.close();
    }
  },
});

Deno.test({
  name: "sockets, waits and wake-up descriptors leave no file descriptor open",
  ignore: !linux,
  async fn() {
    await assertNoFdLeakIn(`
      import assert from "node:assert/strict";
      import { FdSocket } from "@/_ffi_socket.ts";
      async function round() {
        const [a, b] = FdSocket.pair(5, "socketpair");
        await assert.rejects(
          b.recv(new Uint8Array(1), 0, { timeout: 1 }, "recv"),
          Deno.errors.TimedOut,
        );
        const pending = b.recv(new Uint8Array(1), 0, { timeout: null }, "recv");
        await b.close();
        await assert.rejects(pending, Deno.errors.BadResource);
        await a.close();
        assert.throws(() => FdSocket.open(2, 4, 0, "open"));
      }
    `);
  },
});

Deno.test({
  name:
    "importing mod.ts, tcp.ts and socket.ts needs no --allow-ffi; using a libc socket says it does",
  ignore: !linux,
  async fn() {
    const root = new URL("..", import.meta.url).href;
    const script = `
      import * as mod from "${root}mod.ts";
      import * as socket from "${root}socket.ts";
      import * as tcp from "${root}tcp.ts";
      import "${root}raw.ts";
      import "${root}seqpacket.ts";
      import "${root}socketpair.ts";
      await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
      let message = "";
      try {
        mod.socketpair();
      } catch (err) {
        message = err.name + ": " + err.message;
      }
      try {
        socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP);
      } catch (err) {
        message += "\\n" + err.name + ": " + err.message;
      }
      console.log(message);
    `;
    const result = await run(Deno.execPath(), [
      "run",
      "--quiet",
      "--no-prompt",
      "--allow-net",
      "--allow-read",
      "-",
    ], script);
    const stdout = result.stdout;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      stdout.trim(),
      [
        "NotCapable: Cannot socketpair: this socket type is made through libc, which requires --allow-ffi",
        "NotCapable: Cannot create AF_INET SOCK_RAW socket: this socket type is made through libc, which requires --allow-ffi",
      ].join("\n"),
    );
  },
});
