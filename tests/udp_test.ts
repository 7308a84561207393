// Copyright 2026 the socketkit authors. MIT license.
// udp.ts on both backends: every behaviour test runs once with
// Deno.listenDatagram ("deno") and once with node:dgram ("node").

import assert from "node:assert/strict";
import * as udp from "../udp.ts";
import { setQueueLimitsForTesting } from "../_udp_node.ts";
import {
  bytes,
  canListenOnIpv6Loopback,
  pseudoRandomBytes,
  sha256,
  text,
  within,
} from "./_util.ts";

const BACKENDS = ["deno", "node"] as const;
type Kind = typeof BACKENDS[number];

/** Whether this machine has IPv6 loopback. */
const HAS_IPV6 = canListenOnIpv6Loopback;

/**
 * Whether an IPv4 multicast datagram sent from 127.0.0.1 reaches a member
 * that joined on the loopback interface (Linux allows it; some kernels and
 * sandboxes do not). Probed once, before any test, with the raw Deno API.
 */
const MULTICAST_V4_ON_LOOPBACK = await (async () => {
  const listenDatagram =
    (Deno as { listenDatagram?: typeof Deno.listenDatagram })
      .listenDatagram;
  if (typeof listenDatagram !== "function") return false;
  const member = listenDatagram({
    transport: "udp",
    hostname: "0.0.0.0",
    port: 0,
  });
  const sender = listenDatagram({
    transport: "udp",
    hostname: "127.0.0.1",
    port: 0,
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await member.joinMulticastV4("239.255.77.1", "127.0.0.1");
    await sender.send(new Uint8Array([1]), {
      transport: "udp",
      hostname: "239.255.77.1",
      port: (member.addr as Deno.NetAddr).port,
    });
    const received = member.receive().then(() => true, () => false);
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), 500);
    });
    return await Promise.race([received, late]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    member.close();
    sender.close();
  }
})();

function test(
  name: string,
  fn: (backend: Kind, t: Deno.TestContext) => Promise<void>,
  options: { ignore?: boolean } = {},
): void {
  for (const backend of BACKENDS) {
    Deno.test({
      name: `${name} (${backend} backend)`,
      ignore: options.ignore ?? false,
      fn: (t) => fn(backend, t),
    });
  }
}

function bindLoopback(
  backend: Kind,
  hostname = "127.0.0.1",
  extra: udp.BindOptions = {},
): Promise<udp.UdpSocket> {
  return udp.bind({ hostname, port: 0, backend, ...extra });
}

const WAIT = { timeout: 5_000 };

// ---- sending and receiving ----

test("sendTo() and recvFrom() exchange datagrams over IPv4 with the sender's address", async (backend) => {
  await using server = await bindLoopback(backend);
  await using client = await bindLoopback(backend);
  assert.equal(server.backend, backend);
  assert.equal(server.localAddr.transport, "udp");
  assert.equal(server.localAddr.hostname, "127.0.0.1");
  assert.ok(server.localAddr.port > 0);
  assert.equal(server.remoteAddr, null);

  assert.equal(await udp.sendTo(client, "ping", server.localAddr), 4);
  const [data, from] = await udp.recvFrom(server, WAIT);
  assert.equal(text(data), "ping");
  assert.deepEqual(from, client.localAddr);
  assert.deepEqual(from, {
    transport: "udp",
    hostname: "127.0.0.1",
    port: client.localAddr.port,
  });

  await udp.sendTo(server, bytes("pong"), `127.0.0.1:${from.port}`);
  const [reply, replier] = await udp.recvFrom(client, WAIT);
  assert.deepEqual(reply, bytes("pong"));
  assert.deepEqual(replier, server.localAddr);
});

test(
  "sendTo() and recvFrom() exchange datagrams over IPv6",
  async (backend) => {
    await using server = await bindLoopback(backend, "::1");
    await using client = await udp.bind({ hostname: "::1", backend });
    assert.equal(server.localAddr.hostname, "::1");
    await udp.sendTo(client, "over six", `[::1]:${server.localAddr.port}`);
    const [data, from] = await udp.recvFrom(server, WAIT);
    assert.equal(text(data), "over six");
    assert.deepEqual(from, {
      transport: "udp",
      hostname: "::1",
      port: client.localAddr.port,
    });
  },
  { ignore: !HAS_IPV6 },
);

Deno.test('bind() accepts a "host:port" string', async () => {
  await using sock = await udp.bind("127.0.0.1:0");
  assert.equal(sock.localAddr.hostname, "127.0.0.1");
  if (!HAS_IPV6) return;
  await using sock6 = await udp.bind("[::1]:0");
  assert.equal(sock6.localAddr.hostname, "::1");
});

test("an empty datagram arrives as zero bytes", async (backend) => {
  await using server = await bindLoopback(backend);
  await using client = await bindLoopback(backend);
  assert.equal(
    await udp.sendTo(client, new Uint8Array(0), server.localAddr),
    0,
  );
  await udp.sendTo(client, "", server.localAddr);
  await udp.sendTo(client, "after", server.localAddr);
  const [first, from] = await udp.recvFrom(server, WAIT);
  assert.equal(first.length, 0);
  assert.ok(first instanceof Uint8Array);
  assert.equal(from.port, client.localAddr.port);
  assert.equal((await udp.recvFrom(server, WAIT))[0].length, 0);
  assert.equal(text((await udp.recvFrom(server, WAIT))[0]), "after");
});

test("a datagram of the maximum IPv4 size arrives whole", async (backend) => {
  await using server = await bindLoopback(backend);
  await using client = await bindLoopback(backend);
  const big = pseudoRandomBytes(udp.MAX_DATAGRAM_BYTES_IPV4, 7);
  assert.equal(
    await udp.sendTo(client, big, server.localAddr),
    udp.MAX_DATAGRAM_BYTES_IPV4,
  );
  await udp.sendTo(client, "small", server.localAddr);
  const [data] = await udp.recvFrom(server, WAIT);
  assert.equal(data.length, udp.MAX_DATAGRAM_BYTES_IPV4);
  assert.equal(await sha256(data), await sha256(big));
  // The next receive must not overwrite the bytes handed out before.
  const [small] = await udp.recvFrom(server, WAIT);
  assert.equal(text(small), "small");
  assert.equal(await sha256(data), await sha256(big));
});

test("a datagram of the maximum IPv6 size arrives whole", async (backend) => {
  await using server = await bindLoopback(backend, "::1");
  await using client = await bindLoopback(backend, "::1");
  const big = pseudoRandomBytes(udp.MAX_DATAGRAM_BYTES_IPV6, 9);
  await udp.sendTo(client, big, server.localAddr);
  const [data] = await udp.recvFrom(server, WAIT);
  assert.equal(data.length, udp.MAX_DATAGRAM_BYTES_IPV6);
  assert.equal(await sha256(data), await sha256(big));
}, { ignore: !HAS_IPV6 });

test("sendTo() rejects an oversized datagram with RangeError before sending", async (backend) => {
  await using server = await bindLoopback(backend);
  await using client = await bindLoopback(backend);
  await assert.rejects(
    udp.sendTo(
      client,
      new Uint8Array(udp.MAX_DATAGRAM_BYTES_IPV4 + 1),
      server.localAddr,
    ),
    {
      name: "RangeError",
      message:
        `Cannot sendTo "127.0.0.1:${server.localAddr.port}" as data must be at most 65507 bytes over IPv4: current value is 65508 bytes`,
    },
  );
  await udp.sendTo(client, "next", server.localAddr);
  const [data] = await udp.recvFrom(server, WAIT);
  assert.equal(text(data), "next", "the oversized datagram was not sent");
});

test("sendTo() allows 65527 bytes over IPv6 but not 65528", async (backend) => {
  await using sock = await bindLoopback(backend, "::1");
  await assert.rejects(
    udp.sendTo(sock, new Uint8Array(65_528), sock.localAddr),
    /at most 65527 bytes over IPv6: current value is 65528 bytes/,
  );
  // An IPv4-mapped destination is IPv4, with IPv4's limit.
  await assert.rejects(
    udp.sendTo(sock, new Uint8Array(65_508), "[::ffff:127.0.0.1]:9"),
    /at most 65507 bytes over IPv4/,
  );
}, { ignore: !HAS_IPV6 });

test("datagrams from several senders are each attributed to their sender", async (backend) => {
  await using server = await bindLoopback(backend);
  const senders: udp.UdpSocket[] = [];
  try {
    for (let i = 0; i < 4; i++) senders.push(await bindLoopback(backend));
    const perSender = 25;
    const expected = senders.length * perSender;
    const got = new Map<number, number[]>(); // port -> sequence numbers
    const receiving = (async () => {
      for (let n = 0; n < expected; n++) {
        const [data, from] = await udp.recvFrom(server, WAIT);
        const [id, seq] = text(data)!.split(":").map(Number);
        assert.equal(
          from.port,
          senders[id!]!.localAddr.port,
          `datagram ${text(data)} came from sender ${id}`,
        );
        assert.equal(from.hostname, "127.0.0.1");
        const list = got.get(from.port) ?? [];
        list.push(seq!);
        got.set(from.port, list);
      }
    })();
    for (let seq = 0; seq < perSender; seq++) {
      for (let id = 0; id < senders.length; id++) {
        await udp.sendTo(senders[id]!, `${id}:${seq}`, server.localAddr);
      }
    }
    await receiving;
    assert.equal(got.size, senders.length);
    for (const sender of senders) {
      assert.deepEqual(
        got.get(sender.localAddr.port),
        Array.from({ length: perSender }, (_, i) => i),
      );
    }
  } finally {
    for (const sender of senders) await udp.close(sender);
  }
});

// ---- timeouts, signals, blocking ----

test("recvFrom() times out, then still receives the late datagram", async (backend) => {
  await using server = await bindLoopback(backend);
  await using client = await bindLoopback(backend);
  await assert.rejects(udp.recvFrom(server, { timeout: 30 }), {
    name: "TimedOut",
    message:
      `Cannot recvFrom on 127.0.0.1:${server.localAddr.port}: timed out after 30 ms`,
  });
  await assert.rejects(
    udp.recvFrom(server, { timeout: 10 }),
    Deno.errors.TimedOut,
  );
  await udp.sendTo(client, "late 1", server.localAddr);
  await udp.sendTo(client, "late 2", server.localAddr);
  assert.equal(text((await udp.recvFrom(server, WAIT))[0]), "late 1");
  assert.equal(text((await udp.recvFrom(server, WAIT))[0]), "late 2");
});

test("a datagram arriving just after a timeout goes to the next call", async (backend) => {
  await using server = await bindLoopback(backend);
  await using client = await bindLoopback(backend);
  for (let i = 0; i < 20; i++) {
    const attempt = udp.recvFrom(server, { timeout: 1 }).then(
      ([data]) => text(data),
      (err) => {
        assert.ok(err instanceof Deno.errors.TimedOut);
        return null;
      },
    );
    await udp.sendTo(client, `n${i}`, server.localAddr);
    const first = await attempt;
    const got = first ?? text((await udp.recvFrom(server, WAIT))[0]);
    assert.equal(got, `n${i}`);
  }
});

test("setTimeout() sets the default timeout of recvFrom()", async (backend) => {
  await using sock = await bindLoopback(backend);
  assert.equal(sock.timeout, null);
  udp.setTimeout(sock, 20);
  assert.equal(sock.timeout, 20);
  await assert.rejects(udp.recvFrom(sock), Deno.errors.TimedOut);
  udp.setTimeout(sock, null);
  assert.equal(sock.timeout, null);
});

test("recvFrom() rejects with the signal's reason and loses nothing", async (backend) => {
  await using server = await bindLoopback(backend);
  await using client = await bindLoopback(backend);
  const controller = new AbortController();
  const receiving = udp.recvFrom(server, { signal: controller.signal });
  const reason = new Error("stop waiting");
  controller.abort(reason);
  await assert.rejects(receiving, (err) => err === reason);

  const aborted = AbortSignal.abort(new Error("already"));
  await assert.rejects(udp.recvFrom(server, { signal: aborted }), {
    message: "already",
  });

  await udp.sendTo(client, "kept", server.localAddr);
  const [data] = await udp.recvFrom(server, WAIT);
  assert.equal(text(data), "kept");
});

test("a non-blocking recvFrom() rejects with WouldBlock, then returns a ready datagram", async (backend) => {
  await using server = await bindLoopback(backend);
  await using client = await bindLoopback(backend);
  udp.setBlocking(server, false);
  assert.equal(server.timeout, 0);
  await assert.rejects(udp.recvFrom(server), {
    name: "WouldBlock",
    message:
      `Cannot recvFrom on 127.0.0.1:${server.localAddr.port}: it would block and the socket is non-blocking`,
  });
  await udp.sendTo(client, "ready", server.localAddr);
  let data: Uint8Array | null = null;
  for (let i = 0; i < 100 && data === null; i++) {
    try {
      [data] = await udp.recvFrom(server);
    } catch (err) {
      assert.ok(err instanceof Deno.errors.WouldBlock);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  assert.equal(text(data), "ready");
  udp.setBlocking(server, true);
  assert.equal(server.timeout, null);
  await udp.sendTo(client, "blocking", server.localAddr);
  assert.equal(
    text(
      (await udp.recvFrom(server, { timeout: 0 }).catch(() =>
        udp.recvFrom(server, WAIT)
      ))[0],
    ),
    "blocking",
  );
});

test("sendTo() on a non-blocking socket never rejects with WouldBlock", async (backend) => {
  await using server = await bindLoopback(backend);
  await using client = await bindLoopback(backend);
  udp.setBlocking(client, false);
  assert.equal(await udp.sendTo(client, "x", server.localAddr), 1);
  assert.equal(text((await udp.recvFrom(server, WAIT))[0]), "x");
});

test("a second concurrent recvFrom() rejects with Busy", async (backend) => {
  await using server = await bindLoopback(backend);
  await using client = await bindLoopback(backend);
  const first = udp.recvFrom(server, WAIT);
  await assert.rejects(udp.recvFrom(server), Deno.errors.Busy);
  await udp.sendTo(client, "one", server.localAddr);
  assert.equal(text((await first)[0]), "one");
});

test("for await yields each datagram until the socket is closed", async (backend) => {
  const server = await bindLoopback(backend);
  await using client = await bindLoopback(backend);
  for (const word of ["a", "b", "c"]) {
    await udp.sendTo(client, word, server.localAddr);
  }
  const got: string[] = [];
  for await (const [data, from] of server) {
    assert.equal(from.port, client.localAddr.port);
    got.push(text(data)!);
    if (got.length === 3) udp.close(server);
  }
  assert.deepEqual(got, ["a", "b", "c"]);
  assert.equal(server.closed, true);
});

// ---- connected sockets ----

test("a connected socket talks to its peer and ignores strangers", async (backend) => {
  await using peer = await bindLoopback(backend);
  await using stranger = await bindLoopback(backend);
  await using sock = await udp.connect(peer.localAddr, { backend });
  assert.equal(sock.backend, backend);
  assert.deepEqual(sock.remoteAddr, peer.localAddr);
  assert.equal(sock.localAddr.hostname, "127.0.0.1");

  assert.equal(await udp.send(sock, "hello"), 5);
  const [data, from] = await udp.recvFrom(peer, WAIT);
  assert.equal(text(data), "hello");
  assert.deepEqual(from, sock.localAddr);

  for (let i = 0; i < 3; i++) {
    await udp.sendTo(stranger, `noise ${i}`, sock.localAddr);
  }
  await udp.sendTo(peer, "signal", sock.localAddr);
  assert.equal(text(await udp.recv(sock, WAIT)), "signal");
  assert.equal(sock.droppedDatagrams, 3);

  await udp.sendTo(stranger, "more noise", sock.localAddr);
  await udp.sendTo(peer, "again", sock.localAddr);
  const [again, sender] = await udp.recvFrom(sock, WAIT);
  assert.equal(text(again), "again");
  assert.deepEqual(sender, peer.localAddr);
  assert.equal(sock.droppedDatagrams, 4);

  await udp.sendTo(stranger, "only noise", sock.localAddr);
  await assert.rejects(udp.recv(sock, { timeout: 50 }), Deno.errors.TimedOut);
});

test('connect() takes "host:port", localhost and IPv6 peers', async (backend) => {
  await using peer = await bindLoopback(backend);
  await using byName = await udp.connect(`localhost:${peer.localAddr.port}`, {
    backend,
  });
  assert.deepEqual(byName.remoteAddr, peer.localAddr);
  await udp.send(byName, "by name");
  assert.equal(text((await udp.recvFrom(peer, WAIT))[0]), "by name");

  if (!HAS_IPV6) return;
  await using peer6 = await bindLoopback(backend, "::1");
  await using sock6 = await udp.connect(`[::1]:${peer6.localAddr.port}`, {
    backend,
  });
  assert.equal(sock6.localAddr.hostname, "::1");
  await udp.send(sock6, "six");
  const [data, from] = await udp.recvFrom(peer6, WAIT);
  assert.equal(text(data), "six");
  await udp.sendTo(peer6, "back", from);
  assert.equal(text(await udp.recv(sock6, WAIT)), "back");
});

test("connect() binds the local address and port it is given", async (backend) => {
  await using peer = await bindLoopback(backend);
  await using probe = await bindLoopback(backend);
  const port = probe.localAddr.port;
  await udp.close(probe);
  await using sock = await udp.connect(peer.localAddr, {
    backend,
    hostname: "127.0.0.1",
    port,
  });
  assert.deepEqual(sock.localAddr, {
    transport: "udp",
    hostname: "127.0.0.1",
    port,
  });
});

test("send() and recv() reject with NotConnected on a bound socket", async (backend) => {
  await using sock = await bindLoopback(backend);
  await assert.rejects(udp.send(sock, "x"), {
    name: "NotConnected",
    message:
      `Cannot send on 127.0.0.1:${sock.localAddr.port}: the socket has no peer; use sendTo and recvFrom, or make it with connect`,
  });
  await assert.rejects(udp.recv(sock), Deno.errors.NotConnected);
});

// ---- multicast and broadcast ----

test(
  "joinMulticast() on loopback receives the group's datagrams until leaveMulticast()",
  async (backend, t) => {
    await t.step({
      name: "IPv4 group 239.255.x.y on 127.0.0.1",
      ignore: !MULTICAST_V4_ON_LOOPBACK,
      fn: async () => {
        const group = backend === "deno" ? "239.255.77.2" : "239.255.77.3";
        await using member = await bindLoopback(backend, "0.0.0.0");
        await using sender = await bindLoopback(backend);
        const to = { hostname: group, port: member.localAddr.port };
        await udp.joinMulticast(member, group, "127.0.0.1");
        await udp.sendTo(sender, "to the group", to);
        const [data, from] = await udp.recvFrom(member, WAIT);
        assert.equal(text(data), "to the group");
        assert.deepEqual(from, sender.localAddr);
        await assert.rejects(
          udp.joinMulticast(member, group, "127.0.0.1"),
          Deno.errors.AlreadyExists,
        );
        await udp.leaveMulticast(member, group, "127.0.0.1");
        await udp.sendTo(sender, "after leaving", to);
        await assert.rejects(
          udp.recvFrom(member, { timeout: 100 }),
          Deno.errors.TimedOut,
        );
        await assert.rejects(
          udp.leaveMulticast(member, group, "127.0.0.1"),
          Deno.errors.NotFound,
        );
      },
    });
    await t.step({
      name: "IPv6 group ff02::… on interface 1 (join and leave only)",
      ignore: !HAS_IPV6,
      fn: async () => {
        // Delivery is not checked: Linux's lo has no IPv6 multicast route.
        await using member = await bindLoopback(backend, "::");
        await udp.joinMulticast(member, "ff02::1:77", 1);
        await udp.leaveMulticast(member, "ff02::1:77", 1);
        await udp.joinMulticast(member, "ff02::1:77", "1");
        await udp.leaveMulticast(member, "ff02::1:77", "1");
      },
    });
  },
);

test("setMulticastTtl() and setMulticastLoopback() apply where the backend can", async (backend) => {
  await using sock = await bindLoopback(backend, "0.0.0.0");
  if (backend === "deno") {
    await assert.rejects(udp.setMulticastTtl(sock, 2), {
      name: "NotSupported",
      message:
        /setMulticastTtl on the deno backend before joining an IPv4 group/,
    });
    await assert.rejects(
      udp.setMulticastLoopback(sock, false),
      /setMulticastLoopback on the deno backend before joining a group/,
    );
  }
  await udp.joinMulticast(sock, "239.255.77.9", "127.0.0.1");
  await udp.setMulticastTtl(sock, 2);
  if (backend === "deno") {
    await udp.setMulticastTtl(sock, 0);
  } else {
    await assert.rejects(udp.setMulticastTtl(sock, 0), {
      name: "NotSupported",
      message: /Deno's node:dgram refuses a TTL of 0/,
    });
  }
  await udp.setMulticastLoopback(sock, false);
  await udp.setMulticastLoopback(sock, true);
  await assert.rejects(udp.setMulticastTtl(sock, 256), {
    name: "RangeError",
    message:
      "Cannot setMulticastTtl as ttl must be an integer from 0 to 255: current value is 256",
  });
  await udp.leaveMulticast(sock, "239.255.77.9", "127.0.0.1");
});

test(
  "setMulticastTtl() on an IPv6 socket is NotSupported on the deno backend only",
  async (backend) => {
    await using sock = await bindLoopback(backend, "::");
    await udp.joinMulticast(sock, "ff02::1:78", 1);
    if (backend === "deno") {
      await assert.rejects(
        udp.setMulticastTtl(sock, 3),
        Deno.errors.NotSupported,
      );
    } else {
      await udp.setMulticastTtl(sock, 3);
    }
    await udp.leaveMulticast(sock, "ff02::1:78", 1);
  },
  { ignore: !HAS_IPV6 },
);

test(
  "joinMulticast() with an IPv6 interface name works on node and is NotSupported on deno",
  async (backend) => {
    await using sock = await bindLoopback(backend, "::");
    if (backend === "deno") {
      await assert.rejects(udp.joinMulticast(sock, "ff02::1:79", "lo"), {
        name: "NotSupported",
        message: /takes an interface index for IPv6 groups/,
      });
    } else {
      await udp.joinMulticast(sock, "ff02::1:79", "lo");
      await udp.leaveMulticast(sock, "ff02::1:79", "lo");
    }
  },
  { ignore: !HAS_IPV6 || Deno.build.os !== "linux" },
);

test("broadcast to 127.255.255.255 is allowed by default", async (backend) => {
  await using listener = await bindLoopback(backend, "0.0.0.0");
  await using sender = await bindLoopback(backend);
  await udp.setBroadcast(sender, true);
  await udp.sendTo(sender, "all", {
    hostname: "127.255.255.255",
    port: listener.localAddr.port,
  });
  const [data, from] = await udp.recvFrom(listener, WAIT);
  assert.equal(text(data), "all");
  assert.equal(from.port, sender.localAddr.port);
}, { ignore: Deno.build.os !== "linux" });

test(
  "broadcast can be turned off on node and says NotSupported on deno",
  async (backend) => {
    if (backend === "deno") {
      await assert.rejects(
        udp.bind({ hostname: "127.0.0.1", backend, broadcast: false }),
        { name: "NotSupported", message: /always allows broadcast/ },
      );
      await using sock = await bindLoopback(backend);
      await assert.rejects(udp.setBroadcast(sock, false), {
        name: "NotSupported",
        message: /Cannot setBroadcast\(false\) on the deno backend/,
      });
      return;
    }
    await using sock = await bindLoopback(backend, "127.0.0.1", {
      broadcast: false,
    });
    await assert.rejects(
      udp.sendTo(sock, "all", "127.255.255.255:9"),
      /^Error: Cannot sendTo "127.255.255.255:9"/,
    );
    await udp.setBroadcast(sock, true);
    await udp.sendTo(sock, "all", "127.255.255.255:9");
  },
  { ignore: Deno.build.os !== "linux" },
);

// ---- the node backend's queue ----

Deno.test("the node backend queues datagrams up to its bound and counts the ones it drops", async () => {
  const restore = setQueueLimitsForTesting(5, 1_000);
  try {
    await using sock = await udp.bind({
      hostname: "127.0.0.1",
      backend: "node",
    });
    await using sender = await udp.bind({ hostname: "127.0.0.1" });
    for (let i = 0; i < 8; i++) {
      await udp.sendTo(sender, `d${i}`, sock.localAddr);
    }
    // Wait until node:dgram has seen all eight (five queued, three dropped).
    for (let i = 0; i < 200 && sock.droppedDatagrams < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.equal(sock.droppedDatagrams, 3);
    const got: string[] = [];
    for (let i = 0; i < 5; i++) {
      got.push(text((await udp.recvFrom(sock, { timeout: 0 }))[0])!);
    }
    assert.deepEqual(got, ["d0", "d1", "d2", "d3", "d4"]);
    await assert.rejects(
      udp.recvFrom(sock, { timeout: 0 }),
      Deno.errors.WouldBlock,
    );
    // The byte bound. The first datagram goes to the receive left in flight
    // by the WouldBlock above; then 400 + 400 fit in 1,000 bytes, a third
    // 400 does not.
    const big = new Uint8Array(400);
    for (let i = 0; i < 4; i++) await udp.sendTo(sender, big, sock.localAddr);
    for (let i = 0; i < 200 && sock.droppedDatagrams < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.equal(sock.droppedDatagrams, 4);
    for (let i = 0; i < 3; i++) {
      assert.equal((await udp.recvFrom(sock, { timeout: 0 }))[0].length, 400);
    }
    await assert.rejects(
      udp.recvFrom(sock, { timeout: 0 }),
      Deno.errors.WouldBlock,
    );
  } finally {
    restore();
  }
});

// ---- binding ----

test("bind() rejects a taken address with AddrInUse unless reuseAddress is set", async (backend) => {
  await using first = await bindLoopback(backend);
  const address = { hostname: "127.0.0.1", port: first.localAddr.port };
  await assert.rejects(udp.bind({ ...address, backend }), {
    name: "AddrInUse",
    message: new RegExp(`^Cannot bind on 127\\.0\\.0\\.1:${address.port}: `),
  });
  await using a = await udp.bind({
    ...address,
    port: 0,
    backend,
    reuseAddress: true,
  });
  await using b = await udp.bind({
    ...address,
    port: a.localAddr.port,
    backend,
    reuseAddress: true,
  });
  assert.equal(b.localAddr.port, a.localAddr.port);
});

test("the port is free again as soon as close() resolves", async (backend) => {
  const sock = await bindLoopback(backend);
  const port = sock.localAddr.port;
  const receiving = udp.recvFrom(sock).catch((err) => err);
  await udp.close(sock);
  assert.ok(await receiving instanceof Deno.errors.BadResource);
  await using again = await udp.bind({ hostname: "127.0.0.1", port, backend });
  assert.equal(again.localAddr.port, port);
});

Deno.test("bind() picks the deno backend when Deno.listenDatagram exists", async () => {
  await using sock = await udp.bind({ hostname: "127.0.0.1" });
  assert.equal(sock.backend, "deno");
  assert.ok(sock.conn !== null);
  await using other = await udp.bind({
    hostname: "127.0.0.1",
    backend: "node",
  });
  assert.equal(other.conn, null);
});

Deno.test('without --unstable-net, auto uses node and backend "deno" is NotSupported', async () => {
  const script = new URL("../udp.ts", import.meta.url).href;
  const code = `
    import * as udp from ${JSON.stringify(script)};
    const sock = await udp.bind({ hostname: "127.0.0.1" });
    console.log(sock.backend);
    await udp.close(sock);
    try {
      await udp.bind({ hostname: "127.0.0.1", backend: "deno" });
    } catch (err) {
      console.log(err.name + ": " + err.message);
    }
  `;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-config", "--quiet", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const lines = new TextDecoder().decode(output.stdout).trim().split("\n");
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  assert.equal(lines[0], "node");
  assert.equal(
    lines[1],
    'NotSupported: Cannot bind on 127.0.0.1:0 with backend "deno": Deno.listenDatagram is not available; run with --unstable-net or use backend "node" or "auto"',
  );
});

for (const backend of BACKENDS) {
  Deno.test({
    name:
      `bind() without net permission rejects with NotCapable (${backend} backend)`,
    permissions: { net: false },
    fn: async () => {
      await assert.rejects(
        udp.bind({ hostname: "127.0.0.1", backend }),
        {
          name: "NotCapable",
          message:
            /^Cannot bind on 127\.0\.0\.1:0: requires net access to "127\.0\.0\.1:0"/,
        },
      );
    },
  });
}

// ---- bad arguments and closed sockets ----

test("bad arguments are TypeError or RangeError before any I/O", async (backend) => {
  await assert.rejects(udp.bind({ port: 70000, backend }), {
    name: "RangeError",
    message:
      "Cannot bind as port must be an integer from 0 to 65535: current value is 70000",
  });
  await assert.rejects(
    // deno-lint-ignore no-explicit-any
    udp.bind({ hostname: 7 as any, backend }),
    {
      name: "TypeError",
      message: "Cannot bind as hostname must be a string: current value is 7",
    },
  );
  await assert.rejects(
    // deno-lint-ignore no-explicit-any
    udp.bind({ backend: "tcp" as any }),
    /Cannot bind as backend must be "auto", "deno" or "node": current value is "tcp"/,
  );
  await assert.rejects(
    // deno-lint-ignore no-explicit-any
    udp.bind({ backend, reuseAddress: "yes" as any }),
    /Cannot bind as reuseAddress must be a boolean: current value is "yes"/,
  );
  await assert.rejects(udp.connect("127.0.0.1:0", { backend }), {
    name: "RangeError",
    message:
      "Cannot connect as port must be an integer from 1 to 65535: current value is 0",
  });
  await assert.rejects(udp.connect("nonsense", { backend }), TypeError);

  await using sock = await bindLoopback(backend);
  await assert.rejects(
    // deno-lint-ignore no-explicit-any
    udp.sendTo(sock, 42 as any, sock.localAddr),
    {
      name: "TypeError",
      message:
        "Cannot sendTo as data must be a Uint8Array or a string: current value is 42",
    },
  );
  await assert.rejects(udp.sendTo(sock, "x", "127.0.0.1:0"), {
    name: "RangeError",
    message:
      "Cannot sendTo as port must be an integer from 1 to 65535: current value is 0",
  });
  await assert.rejects(udp.sendTo(sock, "x", "127.0.0.1"), TypeError);
  await assert.rejects(udp.recvFrom(sock, { timeout: -1 }), {
    name: "RangeError",
    message:
      `Cannot recvFrom on 127.0.0.1:${sock.localAddr.port} as timeout must be a number of milliseconds from 0 up: current value is -1`,
  });
  await assert.rejects(
    // deno-lint-ignore no-explicit-any
    udp.recvFrom(sock, { signal: "stop" as any }),
    /as signal must be an AbortSignal: current value is "stop"/,
  );
  assert.throws(() => udp.setTimeout(sock, -5), RangeError);
  // deno-lint-ignore no-explicit-any
  assert.throws(() => udp.setBlocking(sock, 0 as any), TypeError);
  // deno-lint-ignore no-explicit-any
  await assert.rejects(udp.setBroadcast(sock, 1 as any), TypeError);
  await assert.rejects(udp.joinMulticast(sock, "10.0.0.1"), {
    name: "RangeError",
    message:
      'Cannot joinMulticast as group must be a multicast address (224.0.0.0/4 or ff00::/8): current value is "10.0.0.1"',
  });
  await assert.rejects(udp.joinMulticast(sock, "not an ip"), TypeError);
  await assert.rejects(
    udp.joinMulticast(sock, "239.1.2.3", "lo"),
    /iface must be the IPv4 address of a local interface for an IPv4 group: current value is "lo"/,
  );
  await assert.rejects(
    udp.joinMulticast(sock, "ff02::1:2"),
    /an IPv6 group needs a socket bound to an IPv6 address/,
  );
  await assert.rejects(
    // deno-lint-ignore no-explicit-any
    udp.setMulticastTtl(sock, "1" as any),
    { name: "TypeError" },
  );
  await assert.rejects(
    // deno-lint-ignore no-explicit-any
    udp.recvFrom({} as any),
    {
      name: "TypeError",
      message:
        "Cannot recvFrom as sock must be a UdpSocket from bind or connect: current value is an object",
    },
  );
});

test("a closed socket rejects every operation with BadResource", async (backend) => {
  const sock = await bindLoopback(backend);
  await udp.close(sock);
  await udp.close(sock);
  await sock[Symbol.asyncDispose]();
  assert.equal(sock.closed, true);
  const where = `127.0.0.1:${sock.localAddr.port}`;
  await assert.rejects(udp.sendTo(sock, "x", "127.0.0.1:9"), {
    name: "BadResource",
    message: 'Cannot sendTo "127.0.0.1:9": the socket is closed',
  });
  await assert.rejects(udp.recvFrom(sock), {
    name: "BadResource",
    message: `Cannot recvFrom on ${where}: the socket is closed`,
  });
  await assert.rejects(
    udp.joinMulticast(sock, "239.1.2.3"),
    Deno.errors.BadResource,
  );
  await assert.rejects(udp.setBroadcast(sock, true), Deno.errors.BadResource);
  const iterated: unknown[] = [];
  for await (const datagram of sock) iterated.push(datagram);
  assert.deepEqual(iterated, []);
});

test("bytesRead and bytesWritten count the datagrams' bytes, fast path and timed path alike", async (backend) => {
  await using a = await bindLoopback(backend);
  await using b = await bindLoopback(backend);
  assert.equal(a.bytesWritten, 0);
  assert.equal(b.bytesRead, 0);
  await udp.sendTo(a, "four", b.localAddr);
  await udp.sendTo(a, "sixsix", b.localAddr, WAIT);
  // The fast path (no options), bounded by the test itself.
  await within(udp.recvFrom(b), 5_000, "recvFrom");
  await udp.recvFrom(b, WAIT);
  assert.equal(a.bytesWritten, 10);
  assert.equal(b.bytesRead, 10);
  assert.equal(a.bytesRead, 0);
  assert.equal(b.bytesWritten, 0);
});

test("using closes a socket at the end of its block", async (backend) => {
  let sock: udp.UdpSocket;
  {
    using s = await bindLoopback(backend);
    sock = s;
  }
  assert.equal(sock.closed, true);
  await udp.close(sock);
});

Deno.test("bind() takes a port number alone, on every IPv4 interface", async () => {
  await using sock = await udp.bind(0);
  assert.equal(sock.localAddr.hostname, "0.0.0.0");
  assert.ok(sock.localAddr.port > 0);
});

Deno.test("a UdpSocket cannot be constructed directly, only by bind or connect", () => {
  assert.throws(
    () => new udp.UdpSocket(),
    /^TypeError: Cannot construct a UdpSocket directly: use bind or connect$/,
  );
});
