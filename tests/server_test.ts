// Copyright 2026 the socketkit authors. MIT license.

import assert from "node:assert/strict";
import { recvFrame, sendFrame } from "../framing.ts";
import { serve, type ServeHandler } from "../server.ts";
import * as tcp from "../tcp.ts";
import * as unix from "../unix.ts";
import {
  assertClosedByPeer,
  canListenOnIpv6Any,
  delay,
  echoFrames,
  hasCommand,
  pseudoRandomBytes,
  resetBeforeAccept,
  run,
  text,
} from "./_util.ts";

const LOOPBACK = "127.0.0.1";

/** Echoes frames until the client finishes. */
const echo: ServeHandler = echoFrames;

/** Sends each message and checks that it comes back; returns how many did. */
async function converse(
  port: number,
  messages: Uint8Array[],
  pause = 0,
): Promise<number> {
  await using sock = await tcp.connect({ hostname: LOOPBACK, port });
  let echoed = 0;
  for (const m of messages) {
    await sendFrame(sock, m);
    const reply = await recvFrame(sock);
    assert.deepEqual(reply, m);
    echoed++;
    if (pause > 0) await delay(pause);
  }
  await tcp.shutdown(sock);
  assert.equal(await recvFrame(sock), null);
  return echoed;
}

function messagesFor(client: number, count: number, size = 64): Uint8Array[] {
  return Array.from(
    { length: count },
    (_, i) => pseudoRandomBytes(size + (i % 7), client * 1000 + i + 1),
  );
}

/** Waits until `check` is true, polling; fails after `ms`. */
async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const end = performance.now() + ms;
  while (!check()) {
    if (performance.now() > end) assert.fail("condition not met in time");
    await delay(5);
  }
}

/** Whether a TCP port can be listened on now. */
function portIsFree(port: number): boolean {
  try {
    Deno.listen({ hostname: LOOPBACK, port }).close();
    return true;
  } catch {
    return false;
  }
}

Deno.test("serve() runs the handler for a connection and reports addr and connections", async () => {
  let listened: Deno.NetAddr | null = null;
  await using server = await serve({
    hostname: LOOPBACK,
    port: 0,
    onListen: (addr) => listened = addr,
  }, echo);
  assert.equal(server.addr.transport, "tcp");
  assert.equal(server.addr.hostname, LOOPBACK);
  assert.ok(server.addr.port > 0);
  assert.deepEqual(listened, server.addr);
  assert.equal(server.connections, 0);
  await using client = await tcp.connect(server.addr);
  await sendFrame(client, "ping");
  assert.equal(text(await recvFrame(client)), "ping");
  assert.equal(server.connections, 1);
  await tcp.close(client);
  await until(() => server.connections === 0);
});

Deno.test("serve() carries 1,000 concurrent clients exchanging framed messages, every message checked", async () => {
  const clients = 1_000;
  const perClient = 5;
  let peak = 0;
  await using server = await serve(
    { hostname: LOOPBACK, port: 0, backlog: 1_024 },
    async (sock) => {
      peak = Math.max(peak, server.connections);
      await echo(sock, { signal: new AbortController().signal });
    },
  );
  const started = performance.now();
  // Connect everyone first, then talk: all 1,000 are open at once.
  const socks = await Promise.all(
    Array.from({ length: clients }, () => tcp.connect(server.addr)),
  );
  try {
    const echoed = await Promise.all(socks.map(async (sock, c) => {
      let n = 0;
      for (const m of messagesFor(c, perClient)) {
        await sendFrame(sock, m);
        assert.deepEqual(await recvFrame(sock), m);
        n++;
      }
      await tcp.shutdown(sock);
      assert.equal(await recvFrame(sock), null);
      return n;
    }));
    assert.equal(echoed.reduce((a, b) => a + b, 0), clients * perClient);
  } finally {
    await Promise.all(socks.map((s) => tcp.close(s)));
  }
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 60_000, `took ${elapsed} ms`);
  assert.equal(peak, clients);
  await until(() => server.connections === 0);
});

Deno.test("serve() survives faults: a reset mid-frame, a 4 GiB header, a silent client and a throwing handler cost only their own connection", async () => {
  const reported: [string, boolean][] = [];
  await using server = await serve({
    hostname: LOOPBACK,
    port: 0,
    idleTimeout: 300,
    onError: (err, sock) =>
      reported.push([(err as Error).constructor.name, sock !== null]),
  }, async (sock) => {
    for (let msg; (msg = await recvFrame(sock)) !== null;) {
      if (text(msg) === "boom") throw new Error("the handler failed");
      await sendFrame(sock, msg);
    }
  });
  const port = server.addr.port;

  // Good clients talk throughout, pausing less than the idle timeout.
  const good = Array.from(
    { length: 20 },
    (_, c) => converse(port, messagesFor(c, 20), 5),
  );

  // A client that resets mid-frame: it leaves the echo unread and closes
  // after half a frame, so its kernel answers with RST.
  const reset = (async () => {
    const sock = await tcp.connect(server.addr);
    await sendFrame(sock, "unread echo");
    await delay(50);
    await tcp.sendAll(sock, new Uint8Array([0, 0, 0, 100, 1, 2, 3]));
    await tcp.close(sock);
  })();

  // A header announcing 4 GiB: refused at once, the connection closed.
  const huge = (async () => {
    await using sock = await tcp.connect(server.addr);
    await tcp.sendAll(sock, new Uint8Array([0xff, 0xff, 0xff, 0xff]));
    assert.equal(await tcp.recv(sock, 1, { timeout: 5_000 }), null);
  })();

  // A client that connects and never speaks: closed by the idle timeout.
  const silent = (async () => {
    await using sock = await tcp.connect(server.addr);
    const started = performance.now();
    assert.equal(await tcp.recv(sock, 1, { timeout: 5_000 }), null);
    const waited = performance.now() - started;
    assert.ok(waited >= 250 && waited < 1_500, `closed after ${waited} ms`);
  })();

  // A message that makes the handler throw.
  const boom = (async () => {
    await using sock = await tcp.connect(server.addr);
    await sendFrame(sock, "first");
    assert.equal(text(await recvFrame(sock)), "first");
    await sendFrame(sock, "boom");
    assert.equal(await recvFrame(sock, { timeout: 5_000 }), null);
  })();

  const results = await Promise.all(good);
  await Promise.all([reset, huge, silent, boom]);
  assert.deepEqual(results, Array(20).fill(20));
  await until(() => server.connections === 0);
  const names = reported.map(([name]) => name).sort();
  assert.equal(names.length, 3, JSON.stringify(reported));
  assert.ok(names.includes("Error"));
  assert.ok(names.includes("InvalidData"));
  // The reset shows as ConnectionReset, or UnexpectedEof if the FIN won.
  assert.ok(
    names.includes("ConnectionReset") || names.includes("UnexpectedEof"),
    JSON.stringify(reported),
  );
  assert.ok(reported.every(([, hasSock]) => hasSock));
});

Deno.test("serve() with the tutorial's text header closes a client whose header is not a number, and only that one", async () => {
  const header = { kind: "text", width: 64 } as const;
  const reported: string[] = [];
  await using server = await serve({
    hostname: LOOPBACK,
    port: 0,
    onError: (err) => reported.push((err as Error).message),
  }, async (sock) => {
    while ((await recvFrame(sock, { header })) !== null) {
      await tcp.sendAll(sock, "Msg received");
    }
  });
  const good = (async () => {
    await using sock = await tcp.connect(server.addr);
    for (let i = 0; i < 20; i++) {
      await sendFrame(sock, `message ${i}`, { header });
      assert.equal(text(await tcp.recvExact(sock, 12)), "Msg received");
    }
  })();
  const bad = (async () => {
    await using sock = await tcp.connect(server.addr);
    await tcp.sendAll(sock, "twelve".padEnd(64) + "Hello World!");
    assert.equal(await tcp.recv(sock, 1, { timeout: 5_000 }), null);
  })();
  const huge = (async () => {
    await using sock = await tcp.connect(server.addr);
    await tcp.sendAll(sock, "4294967296".padEnd(64));
    assert.equal(await tcp.recv(sock, 1, { timeout: 5_000 }), null);
  })();
  await Promise.all([good, bad, huge]);
  await until(() => server.connections === 0);
  assert.equal(reported.length, 2);
  assert.ok(
    reported.some((m) =>
      m.endsWith('the frame header is not a decimal length: "twelve"')
    ),
    JSON.stringify(reported),
  );
  assert.ok(reported.some((m) => m.includes("announces 4294967296 bytes")));
});

Deno.test("serve() reports a handler that throws synchronously and goes on", async () => {
  const reported: unknown[] = [];
  let calls = 0;
  await using server = await serve({
    hostname: LOOPBACK,
    port: 0,
    onError: (err) => reported.push(err),
  }, (sock) => {
    calls++;
    if (calls === 1) throw new TypeError("sync failure");
    return echo(sock, { signal: new AbortController().signal });
  });
  {
    await using first = await tcp.connect(server.addr);
    assert.equal(await tcp.recv(first, 1, { timeout: 5_000 }), null);
  }
  assert.equal(await converse(server.addr.port, messagesFor(1, 3)), 3);
  assert.equal(reported.length, 1);
  assert.ok(reported[0] instanceof TypeError);
});

Deno.test("serve() keeps a connection over maxConnections waiting in the backlog until a slot frees", async () => {
  let peak = 0;
  await using server = await serve({
    hostname: LOOPBACK,
    port: 0,
    maxConnections: 2,
  }, async (sock, info) => {
    peak = Math.max(peak, server.connections);
    await echo(sock, info);
  });
  await using a = await tcp.connect(server.addr);
  await using b = await tcp.connect(server.addr);
  await sendFrame(a, "a");
  await sendFrame(b, "b");
  assert.equal(text(await recvFrame(a)), "a");
  assert.equal(text(await recvFrame(b)), "b");
  // The third connects (the kernel completes the handshake) but is not served.
  await using c = await tcp.connect(server.addr);
  await sendFrame(c, "c");
  await assert.rejects(recvFrame(c, { timeout: 200 }), Deno.errors.TimedOut);
  assert.equal(server.connections, 2);
  await tcp.close(a);
  assert.equal(text(await recvFrame(c, { timeout: 5_000 })), "c");
  assert.equal(peak, 2);
});

Deno.test('serve() closes a connection over maxConnections at once with overflow "close"', async () => {
  await using server = await serve({
    hostname: LOOPBACK,
    port: 0,
    maxConnections: 1,
    overflow: "close",
  }, echo);
  await using a = await tcp.connect(server.addr);
  await sendFrame(a, "a");
  assert.equal(text(await recvFrame(a)), "a");
  {
    await using b = await tcp.connect(server.addr);
    assert.equal(await tcp.recv(b, 1, { timeout: 5_000 }), null);
  }
  assert.equal(server.connections, 1);
  await tcp.close(a);
  await until(() => server.connections === 0);
  assert.equal(await converse(server.addr.port, messagesFor(2, 2)), 2);
});

Deno.test("serve() idle timeout spares connections that keep talking", async () => {
  await using server = await serve(
    { hostname: LOOPBACK, port: 0, idleTimeout: 150 },
    echo,
  );
  // 15 exchanges 50 ms apart: 750 ms in all, far past the idle timeout.
  assert.equal(await converse(server.addr.port, messagesFor(3, 15), 50), 15);
});

Deno.test("shutdown() mid-conversation stops accepting, delivers every reply, frees the port and resolves finished", async () => {
  const clients = 50;
  const rounds = 20;
  let exchanged = 0;
  const server = await serve({ hostname: LOOPBACK, port: 0 }, async (sock) => {
    for (let msg; (msg = await recvFrame(sock)) !== null;) {
      await sendFrame(sock, msg);
      exchanged++;
    }
  });
  const port = server.addr.port;
  const conversations = Array.from(
    { length: clients },
    (_, c) => converse(port, messagesFor(c, rounds), 10),
  );
  await until(() => exchanged >= clients * 3);
  assert.equal(server.connections, clients);
  const stopping = server.shutdown({ timeout: 20_000 });
  // No new connection is served: refused, or reset if it reached the
  // backlog while the listener was closing.
  await assert.rejects(
    (async () => {
      await using sock = await tcp.connect({ hostname: LOOPBACK, port });
      await sendFrame(sock, "late");
      if ((await recvFrame(sock, { timeout: 5_000 })) === null) {
        throw new Deno.errors.ConnectionReset("closed");
      }
    })(),
    (err: Error) =>
      err instanceof Deno.errors.ConnectionRefused ||
      err instanceof Deno.errors.ConnectionReset,
  );
  // Every conversation already under way finishes, nothing lost.
  assert.deepEqual(
    await Promise.all(conversations),
    Array(clients).fill(rounds),
  );
  await stopping;
  await server.finished;
  assert.equal(server.connections, 0);
  assert.equal(exchanged, clients * rounds);
  // The port can be bound again at once.
  using again = Deno.listen({ hostname: LOOPBACK, port });
  assert.equal(again.addr.port, port);
});

Deno.test("shutdown() closes what is left at its deadline, aborts info.signal and reports nothing", async () => {
  const reported: unknown[] = [];
  let aborted = 0;
  const server = await serve({
    hostname: LOOPBACK,
    port: 0,
    onError: (err) => reported.push(err),
  }, async (sock, info) => {
    info.signal.addEventListener("abort", () => aborted++);
    // Ignores the signal: keeps waiting for a client that never finishes.
    await echo(sock, info);
  });
  const port = server.addr.port;
  const socks = await Promise.all(
    Array.from({ length: 5 }, () => tcp.connect(server.addr)),
  );
  try {
    for (const s of socks) await sendFrame(s, "hi");
    for (const s of socks) assert.equal(text(await recvFrame(s)), "hi");
    const started = performance.now();
    await server.shutdown({ timeout: 100 });
    const took = performance.now() - started;
    assert.ok(took >= 90 && took < 2_000, `took ${took} ms`);
    assert.equal(aborted, 5);
    assert.equal(server.connections, 0);
    for (const s of socks) assert.equal(await recvFrame(s), null);
    assert.deepEqual(reported, []);
    assert.ok(portIsFree(port));
  } finally {
    await Promise.all(socks.map((s) => tcp.close(s)));
  }
});

Deno.test("shutdown() at its deadline still delivers the replies already written", async () => {
  const server = await serve({ hostname: LOOPBACK, port: 0 }, async (sock) => {
    const msg = await recvFrame(sock);
    await sendFrame(sock, msg!);
    await sendFrame(sock, pseudoRandomBytes(100_000, 5));
    // Then stall, leaving the client's next frame unread.
    await new Promise<void>((resolve) => setTimeout(resolve, 300));
  });
  await using client = await tcp.connect(server.addr);
  await sendFrame(client, "question");
  await delay(50);
  await sendFrame(client, "unread");
  await delay(50);
  await server.shutdown({ timeout: 0 });
  assert.equal(text(await recvFrame(client)), "question");
  assert.deepEqual(await recvFrame(client), pseudoRandomBytes(100_000, 5));
  await server.finished;
  // Let the handler's timer end (the handler outlives its closed socket).
  await delay(300);
});

Deno.test("a handler that uses info.signal leaves promptly at shutdown", async () => {
  const server = await serve(
    { hostname: LOOPBACK, port: 0 },
    async (sock, { signal }) => {
      try {
        for (let msg; (msg = await recvFrame(sock, { signal })) !== null;) {
          await sendFrame(sock, msg);
        }
      } catch (err) {
        if (!signal.aborted) throw err;
      }
    },
  );
  await using client = await tcp.connect(server.addr);
  await sendFrame(client, "x");
  assert.equal(text(await recvFrame(client)), "x");
  const started = performance.now();
  await server.shutdown({ timeout: 10_000 });
  assert.ok(performance.now() - started < 1_000);
  assert.equal(await recvFrame(client), null);
});

Deno.test("serve() shuts down when its signal aborts, and await using shuts down too", async () => {
  const controller = new AbortController();
  const server = await serve(
    { hostname: LOOPBACK, port: 0, signal: controller.signal },
    echo,
  );
  const port = server.addr.port;
  assert.equal(await converse(port, messagesFor(4, 2)), 2);
  controller.abort();
  await server.finished;
  assert.ok(portIsFree(port));

  let port2 = 0;
  {
    await using server2 = await serve({ hostname: LOOPBACK, port: 0 }, echo);
    port2 = server2.addr.port;
  }
  assert.ok(portIsFree(port2));
});

Deno.test("shutdown() is idempotent and finished stays pending until it is called", async () => {
  const server = await serve({ hostname: LOOPBACK, port: 0 }, echo);
  let done = false;
  server.finished.then(() => done = true);
  await delay(20);
  assert.equal(done, false);
  const a = server.shutdown();
  const b = server.shutdown({ timeout: 0 });
  assert.equal(a, b);
  await a;
  assert.equal(done, true);
});

Deno.test("serve() listens on a Unix socket and removes the file at shutdown", {
  ignore: Deno.build.os === "windows",
}, async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/serve.sock`;
    const server = await serve({ path, mode: 0o600 }, echo);
    assert.equal(server.addr.transport, "unix");
    assert.equal(server.addr.path, path);
    const clients = await Promise.all(
      Array.from({ length: 10 }, () => unix.connect(path)),
    );
    for (const [i, sock] of clients.entries()) {
      await sendFrame(sock, `hello ${i}`);
    }
    for (const [i, sock] of clients.entries()) {
      assert.equal(text(await recvFrame(sock)), `hello ${i}`);
    }
    assert.equal(server.connections, 10);
    await Promise.all(clients.map((s) => unix.close(s)));
    await server.shutdown();
    await assert.rejects(Deno.lstat(path), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serve() rejects with AddrInUse when the port is taken", async () => {
  using taken = Deno.listen({ hostname: LOOPBACK, port: 0 });
  await assert.rejects(
    serve({ hostname: LOOPBACK, port: taken.addr.port }, echo),
    Deno.errors.AddrInUse,
  );
});

Deno.test("serve() rejects bad arguments before listening", async () => {
  const options = { hostname: LOOPBACK, port: 0 };
  await assert.rejects(
    serve(options, "echo" as unknown as ServeHandler<Deno.NetAddr>),
    /^TypeError: Cannot serve as handler must be a function: current value is "echo"$/,
  );
  await assert.rejects(
    serve({ ...options, maxConnections: 0 }, echo),
    /^RangeError: Cannot serve as maxConnections must be an integer from 1 up or Infinity: current value is 0$/,
  );
  await assert.rejects(
    serve({ ...options, overflow: "drop" as "close" }, echo),
    /^TypeError: Cannot serve as overflow must be "wait" or "close": current value is "drop"$/,
  );
  await assert.rejects(
    serve({ ...options, idleTimeout: -5 }, echo),
    /^RangeError: Cannot serve as idleTimeout must be a finite number of milliseconds from 1 up: current value is -5$/,
  );
  await assert.rejects(
    serve({ ...options, port: 70_000 }, echo),
    /^RangeError: Cannot listen as port must be an integer from 0 to 65535: current value is 70000$/,
  );
  await assert.rejects(
    serve({ path: "/tmp/x.sock", port: 1 } as never, echo),
    /^TypeError: Cannot serve as port is for TCP and path for Unix sockets/,
  );
  await assert.rejects(
    serve({ ...options, signal: AbortSignal.abort(new Error("no")) }, echo),
    /^Error: no$/,
  );
});

// ---- one client must not stop a server ----

const HAS_PYTHON = hasCommand("python3");

Deno.test({
  name:
    "serve() skips clients that reset before they are accepted: no accept error, no pause, the next client is answered at once",
  ignore: !HAS_PYTHON,
  async fn() {
    const reported: [string, boolean][] = [];
    let release = () => {};
    const held = new Promise<void>((resolve) => release = resolve);
    let first = true;
    await using server = await serve({
      hostname: LOOPBACK,
      port: 0,
      maxConnections: 1,
      onError: (err, sock) =>
        reported.push([(err as Error).name, sock !== null]),
    }, async (sock) => {
      if (first) {
        first = false;
        await held; // Holds the only slot: the next clients wait unaccepted.
      }
      await echo(sock, { signal: new AbortController().signal });
    });
    const port = server.addr.port;
    const holder = await tcp.connect(server.addr);
    await until(() => server.connections === 1);
    // Twenty clients connect and reset while the server is not accepting.
    await resetBeforeAccept(port, 20);
    release();
    await tcp.close(holder);
    // 0.1.0 reported each one and paused 5 ms, 10 ms, ... 1 s: 13.3 s.
    const started = performance.now();
    assert.equal(await converse(port, messagesFor(1, 3)), 3);
    const took = performance.now() - started;
    assert.ok(took < 3_000, `the next client waited ${took} ms`);
    assert.deepEqual(reported.filter(([, hasSock]) => !hasSock), []);
  },
});

Deno.test(
  "serve() reports running out of file descriptors as Cannot accept on its address, keeps the code, and serves again once some are free",
  {
    ignore: Deno.build.os !== "linux",
  },
  async () => {
    const dir = await Deno.makeTempDir();
    try {
      const script = `${dir}/emfile.ts`;
      const root = new URL("..", import.meta.url).href;
      await Deno.writeTextFile(
        script,
        `import { serve } from "${root}server.ts";
import * as tcp from "${root}tcp.ts";
const reports = [];
const server = await serve({
  hostname: "127.0.0.1",
  port: 0,
  onError: (err, sock) => reports.push({ name: err.name, message: err.message, code: err.code, sock: sock !== null, cause: err.cause?.message }),
}, (sock) => tcp.sendAll(sock, "hi\\n"));
const files = [];
try {
  for (;;) files.push(Deno.openSync("/dev/null"));
} catch {
  // Out of descriptors.
}
files.pop().close(); // One for the client; the server's accept has none.
const client = await tcp.connect(server.addr);
while (reports.length === 0) await new Promise((r) => setTimeout(r, 5));
for (const f of files) f.close();
const line = await tcp.recvLine(client, { timeout: 10_000 });
await tcp.close(client);
await server.shutdown();
console.log(JSON.stringify({ first: reports[0], line, port: server.addr.port }));
`,
      );
      const out = await run("sh", [
        "-c",
        `ulimit -n 64 && exec "${Deno.execPath()}" run -A --quiet "${script}"`,
      ]);
      assert.equal(out.code, 0, out.stderr);
      const { first, line, port } = JSON.parse(out.stdout);
      assert.equal(line, "hi");
      assert.deepEqual(first, {
        name: "Error",
        message: `Cannot accept on 127.0.0.1:${port}: too many open files`,
        code: "EMFILE",
        sock: false,
        cause: "Too many open files (os error 24)",
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test("shutdown() reports nothing for a receive that info.signal ended, as in the README's example", async () => {
  const reported: unknown[] = [];
  const server = await serve({
    hostname: LOOPBACK,
    port: 0,
    onError: (err) => reported.push(err),
  }, async (sock, { signal }) => {
    for (let msg; (msg = await recvFrame(sock, { signal })) !== null;) {
      await sendFrame(sock, msg);
    }
  });
  await using client = await tcp.connect(server.addr);
  await sendFrame(client, "ping");
  assert.equal(text(await recvFrame(client, { timeout: 5_000 })), "ping");
  await server.shutdown();
  assert.equal(await recvFrame(client, { timeout: 5_000 }), null);
  assert.deepEqual(reported, []);
});

Deno.test("shutdown() lets a handler answer the request it read before shutdown began, and reports nothing", async () => {
  const reported: unknown[] = [];
  let read = false;
  const server = await serve({
    hostname: LOOPBACK,
    port: 0,
    onError: (err) => reported.push(err),
  }, async (sock, { signal }) => {
    for (let msg; (msg = await recvFrame(sock, { signal })) !== null;) {
      read = true;
      await delay(200); // Working on it as shutdown begins.
      await sendFrame(sock, `answer to ${text(msg)}`);
    }
  });
  await using client = await tcp.connect(server.addr);
  await sendFrame(client, "question");
  await until(() => read);
  const shutdown = server.shutdown();
  assert.equal(
    text(await recvFrame(client, { timeout: 5_000 })),
    "answer to question",
  );
  assert.equal(await recvFrame(client, { timeout: 5_000 }), null);
  await shutdown;
  assert.deepEqual(reported, []);
});

Deno.test({
  name:
    "serve() holds 1,000 connections, echoes each, answers a new client promptly meanwhile, and a resetting or flooding client costs only its own connection",
  ignore: !HAS_PYTHON,
  async fn() {
    const reported: [string, boolean][] = [];
    await using server = await serve({
      hostname: LOOPBACK,
      port: 0,
      backlog: 1_024,
      onError: (err, sock) =>
        reported.push([(err as Error).name, sock !== null]),
    }, async (sock, { signal }) => {
      for (let msg; (msg = await recvFrame(sock, { signal })) !== null;) {
        // A client that does not read its replies holds a send only so long.
        await sendFrame(sock, msg, { timeout: 1_000 });
      }
    });
    const port = server.addr.port;
    const held = await Promise.all(
      Array.from({ length: 1_000 }, () => tcp.connect(server.addr)),
    );
    try {
      await Promise.all(held.map(async (sock, i) => {
        const m = pseudoRandomBytes(32 + (i % 17), i + 1);
        await sendFrame(sock, m);
        assert.deepEqual(await recvFrame(sock, { timeout: 30_000 }), m);
      }));
      assert.equal(server.connections, 1_000);

      // A flooder sends and never reads: the server's send times out and
      // closes it.
      const flood = (async () => {
        await using sock = await tcp.connect(server.addr);
        const big = new Uint8Array(1 << 20);
        const err = await (async () => {
          for (let i = 0; i < 256; i++) {
            await sendFrame(sock, big, { timeout: 10_000 });
          }
        })().then(() => null, (e) => e);
        assert.ok(
          err instanceof Deno.errors.ConnectionReset ||
            err instanceof Deno.errors.BrokenPipe,
          String(err),
        );
      })();
      await resetBeforeAccept(port, 20);

      // A new client, while the 1,000 are held and the flood goes on.
      const started = performance.now();
      assert.equal(await converse(port, messagesFor(7, 3)), 3);
      const took = performance.now() - started;
      assert.ok(took < 5_000, `the new client waited ${took} ms`);
      await flood;

      // The held connections are all still served.
      await Promise.all(held.map(async (sock, i) => {
        const m = pseudoRandomBytes(8, 5_000 + i);
        await sendFrame(sock, m);
        assert.deepEqual(await recvFrame(sock, { timeout: 30_000 }), m);
      }));
    } finally {
      await Promise.all(held.map((s) => tcp.close(s)));
    }
    // Nothing failed but the flooder (and resets the server saw after
    // accepting them); never the listener.
    assert.ok(reported.every(([, hasSock]) => hasSock), String(reported));
    assert.ok(
      reported.some(([name]) => name === "TimedOut"),
      JSON.stringify(reported),
    );
  },
});

Deno.test({
  name:
    "serve({ dualStack: true }) serves IPv4 and IPv6 clients on one socket; dualStack with path is refused",
  ignore: !canListenOnIpv6Any,
  async fn() {
    const peers: string[] = [];
    await using server = await serve(
      { port: 0, dualStack: true },
      async (sock) => {
        peers.push(sock.remoteAddr.hostname);
        await tcp.sendAll(sock, "hi");
      },
    );
    assert.equal(server.addr.hostname, "::");
    for (const hostname of ["127.0.0.1", "::1"]) {
      await using client = await tcp.connect(
        { hostname, port: server.addr.port },
        { timeout: 5_000 },
      );
      assert.equal(
        text(await tcp.recvExact(client, 2, { timeout: 5_000 })),
        "hi",
      );
    }
    assert.equal(peers.length, 2);
    assert.match(peers[0]!, /^::ffff:127\.0\.0\.1$/i);
    assert.equal(peers[1], "::1");
    await assert.rejects(
      serve({ path: "/tmp/x.sock", dualStack: true } as never, () => {}),
      /^TypeError: Cannot serve as dualStack is for TCP and path for Unix sockets: current value has both$/,
    );
  },
});

Deno.test({
  name:
    'serve({ hostname: "::", ipv6Only: true }) runs the handler for ::1 clients only',
  ignore: !canListenOnIpv6Any,
  async fn() {
    const peers: string[] = [];
    await using server = await serve(
      { hostname: "::", port: 0, ipv6Only: true },
      async (sock) => {
        peers.push(sock.remoteAddr.hostname);
        await tcp.sendAll(sock, "hi");
      },
    );
    await using v4 = await tcp.connect(
      { hostname: "127.0.0.1", port: server.addr.port },
      { timeout: 5_000 },
    );
    await assertClosedByPeer(v4);
    await using v6 = await tcp.connect(
      { hostname: "::1", port: server.addr.port },
      { timeout: 5_000 },
    );
    assert.equal(text(await tcp.recvExact(v6, 2, { timeout: 5_000 })), "hi");
    assert.deepEqual(peers, ["::1"]);
    await assert.rejects(
      serve({
        hostname: "::",
        port: 0,
        dualStack: true,
        tls: { cert: "x", key: "y" },
      }, () => {}),
      /reusePort, backlog and dualStack are for plain TCP/,
    );
  },
});
