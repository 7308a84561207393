// Copyright 2026 the socketkit authors. MIT license.
//
// cli.ts driven as a subprocess (`deno run -A cli.ts ...`) against
// in-process servers and clients, Python, nc and socat, over loopback.

import assert from "node:assert/strict";
import {
  ipVersion,
  parseCommandLine,
  parseDuration,
  parsePorts,
  parseQuitAfter,
  UsageError,
} from "../_cli_args.ts";
import { isMappedIpv4, isSelfConnection, unmapped } from "../_cli_io.ts";
import { formatAddr } from "../_addr.ts";
import {
  cli,
  closedPort,
  type Finished,
  Proc,
  readAll,
  runCli,
  stderrLines,
} from "./_cli_util.ts";
import * as tcp from "../tcp.ts";
import * as udp from "../udp.ts";
import * as unix from "../unix.ts";
import {
  canListenOnIpv6Loopback,
  concat,
  hasCommand,
  pseudoRandomBytes,
  resetBeforeAccept,
  run as runCommand,
  sha256,
  text,
  within,
} from "./_util.ts";

const CLI = new URL("../cli.ts", import.meta.url).pathname;
const decoder = new TextDecoder();
const windows = Deno.build.os === "windows";
const linux = Deno.build.os === "linux";

/** How many unread datagrams a Unix datagram socket queues (Linux). */
function maxDatagramQueue(): number {
  try {
    return Number(
      Deno.readTextFileSync("/proc/sys/net/unix/max_dgram_qlen").trim(),
    );
  } catch {
    return 10;
  }
}

const HAS_PYTHON = hasCommand("python3");
const HAS_NC = hasCommand("nc");
const HAS_SOCAT = hasCommand("socat");
const HAS_BASH = hasCommand("bash");
/** Whether "::" takes IPv4 clients too (Linux's net.ipv6.bindv6only 0). */
const DUAL_STACK = (() => {
  try {
    return Deno.readTextFileSync("/proc/sys/net/ipv6/bindv6only").trim() ===
      "0";
  } catch {
    return false;
  }
})();
const HAS_IPV6 = canListenOnIpv6Loopback;

async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "skcli" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

// ---- arguments, in process ----

Deno.test("parsePorts() reads lists and ranges, sorted and without repeats", () => {
  assert.deepEqual(parsePorts("80,22,8000-8003,22"), [
    22,
    80,
    8000,
    8001,
    8002,
    8003,
  ]);
  assert.deepEqual(parsePorts("65535"), [65535]);
  assert.equal(parsePorts("1-65535").length, 65535);
  for (const bad of ["", "0", "70000", "80-70", "a", "1,,2", "1-2-3", "-5"]) {
    assert.throws(() => parsePorts(bad), RangeError, bad);
  }
});

Deno.test("parseDuration() takes seconds or a unit and rejects the rest", () => {
  assert.equal(parseDuration("5", "--timeout"), 5_000);
  assert.equal(parseDuration("0.5", "--timeout"), 500);
  assert.equal(parseDuration("250ms", "--timeout"), 250);
  assert.equal(parseDuration("2m", "--timeout"), 120_000);
  for (const bad of ["0", "-1", "abc", "5x", "", "1e3"]) {
    assert.throws(
      () => parseDuration(bad, "--timeout"),
      /^RangeError: --timeout must be a positive duration/,
    );
  }
});

Deno.test("parseCommandLine() fills in defaults and the optional host", () => {
  const listen = parseCommandLine(["listen", "9000"]);
  assert.ok(!("help" in listen));
  // Every interface, IPv6 and IPv4 (dual stack); -4 only IPv4.
  assert.equal(listen.hostname, "::");
  assert.equal(listen.anyHost, true);
  assert.equal(listen.port, 9000);
  const listen4 = parseCommandLine(["listen", "-4", "0"]);
  assert.ok(!("help" in listen4));
  assert.equal(listen4.hostname, "0.0.0.0");
  const listen6 = parseCommandLine(["listen", "-6", "0"]);
  assert.ok(!("help" in listen6));
  assert.equal(listen6.hostname, "::");
  const recv = parseCommandLine(["recv", "[::1]", "0", "out.bin"]);
  assert.ok(!("help" in recv));
  assert.deepEqual([recv.hostname, recv.port, recv.file], [
    "::1",
    0,
    "out.bin",
  ]);
  const scan = parseCommandLine(["scan", "-c", "7", "localhost", "22,80"]);
  assert.ok(!("help" in scan));
  assert.deepEqual([scan.ports, scan.concurrency, scan.timeout], [
    [22, 80],
    7,
    1_000,
  ]);
  const unixSend = parseCommandLine(["send", "--unix", "/tmp/s", "-"]);
  assert.ok(!("help" in unixSend));
  assert.deepEqual([unixSend.transport, unixSend.path, unixSend.file], [
    "unix",
    "/tmp/s",
    "-",
  ]);
  assert.throws(
    () => parseCommandLine(["connect", "-k", "h", "1"]),
    (err: unknown) =>
      err instanceof UsageError && err.message === 'unknown option "-k"' &&
      err.usage.startsWith("usage: socketkit connect"),
  );
  assert.equal(ipVersion("10.0.0.1"), 4);
  assert.equal(ipVersion("fe80::1"), 6);
  assert.equal(ipVersion("example.com"), 0);
});

// ---- help and usage errors ----

Deno.test("--help prints the usage of the tool and of each command on standard output", async () => {
  const runs = await Promise.all([
    runCli(["--help"]),
    ...["connect", "listen", "scan", "send", "recv"].map((command) =>
      runCli([command, "--help"])
    ),
  ]);
  const [tool, ...commands] = runs;
  assert.equal(tool!.code, 0);
  assert.equal(tool!.stderr, "");
  assert.match(decoder.decode(tool!.stdout), /^socketkit: a netcat for Deno/);
  for (
    const [i, name] of ["connect", "listen", "scan", "send", "recv"].entries()
  ) {
    const run = commands[i]!;
    assert.equal(run.code, 0, name);
    assert.equal(run.stderr, "");
    const help = decoder.decode(run.stdout);
    assert.ok(help.startsWith(`usage: socketkit ${name} [options]`), help);
    assert.match(help, /-h, --help/);
    assert.doesNotMatch(help, /--progress/);
  }
});

Deno.test("bad arguments print one error line and the usage, and exit 2", async () => {
  const cases: [string[], string][] = [
    [[], "error: no command given"],
    [["frobnicate"], 'error: unknown command "frobnicate"'],
    [["connect"], "error: connect takes HOST PORT: given none"],
    [
      ["connect", "127.0.0.1", "99999"],
      'error: PORT must be an integer from 1 to 65535: current value is "99999"',
    ],
    [["connect", "--bogus", "h", "1"], 'error: unknown option "--bogus"'],
    [["connect", "-w"], 'error: option "-w, --timeout" needs a value'],
    [
      ["connect", "-w", "soon", "h", "1"],
      'error: --timeout must be a positive duration such as 5, 0.5, 500ms or 2m: current value is "soon"',
    ],
    [
      ["connect", "-6", "127.0.0.1", "80"],
      'error: -6 asks for IPv6 but HOST is an IPv4 address: current value is "127.0.0.1"',
    ],
    [["listen", "-4", "-6", "0"], "error: -4 and -6 cannot be used together"],
    [
      ["listen", "--exec", "cat", "--echo", "0"],
      "error: --exec and --echo cannot be used together",
    ],
    [
      ["listen", "--exec", "cat", "--udp", "--unix", "/tmp/x.sock"],
      "error: --exec cannot be used with --unix and --udp together: Deno cannot send on a Unix datagram socket while a receive waits, so the command's output would wait for the peer's next datagram",
    ],
    [
      ["connect", "-u", "--unix", "/tmp/x.sock", "--exec", "cat"],
      "error: --exec cannot be used with --unix and --udp together: Deno cannot send on a Unix datagram socket while a receive waits, so the command's output would wait for the peer's next datagram",
    ],
    [
      ["connect", "--exec", " ", "127.0.0.1", "80"],
      "error: --exec CMD must not be empty",
    ],
    [
      ["connect", "-q", "soon", "127.0.0.1", "80"],
      'error: --quit-after must be 0 or a positive duration such as 5, 0.5 or 500ms: current value is "soon"',
    ],
    [
      ["scan", "127.0.0.1", "22", "80-70"],
      'error: PORTS must be ports and ranges from 1 to 65535, such as 22,80,8000-8100: current value is "80-70"',
    ],
    [["listen", "--echo=yes", "0"], 'error: option "--echo" takes no value'],
    [
      ["scan", "127.0.0.1", "80-70"],
      'error: PORTS must be ports and ranges from 1 to 65535, such as 22,80,8000-8100: current value is "80-70"',
    ],
    [
      ["scan", "-c", "0", "127.0.0.1", "80"],
      'error: --concurrency must be an integer from 1 to 4096: current value is "0"',
    ],
    [
      ["send", "127.0.0.1", "80"],
      'error: send takes HOST PORT FILE: given "127.0.0.1" "80"',
    ],
    [
      ["recv", "--unix", "/tmp/s"],
      "error: recv --unix PATH takes FILE: given none",
    ],
    [
      ["connect", "--unix", "/tmp/s", "h"],
      'error: connect --unix PATH takes no arguments: given "h"',
    ],
    // Refused by the library before any I/O.
    [
      ["connect", "--unix", `/tmp/${"x".repeat(200)}`],
      "error: Cannot connect as path",
    ],
    // A value that starts with "-" is the option's value, checked as such.
    [
      ["connect", "--timeout", "-1", "127.0.0.1", "80"],
      'error: --timeout must be a positive duration such as 5, 0.5, 500ms or 2m: current value is "-1"',
    ],
    [
      ["connect", "-w", "-5s", "127.0.0.1", "80"],
      'error: --timeout must be a positive duration such as 5, 0.5, 500ms or 2m: current value is "-5s"',
    ],
    // A host name Deno cannot parse: an argument error, told by its type.
    [
      ["connect", "a b", "80"],
      'error: Cannot connect as hostname must be a host name or an IP address (invalid char found in FQDN): current value is "a b"',
    ],
    [
      ["listen", "bad host", "0"],
      'error: Cannot listen as hostname must be a host name or an IP address (invalid char found in FQDN): current value is "bad host"',
    ],
    [
      ["listen", "-k", "--echo", "bad host", "0"],
      'error: Cannot listen as hostname must be a host name or an IP address (invalid char found in FQDN): current value is "bad host"',
    ],
  ];
  const runs = await Promise.all(cases.map(([args]) => runCli(args)));
  for (const [i, [args, expected]] of cases.entries()) {
    const { code, stdout, stderr } = runs[i]!;
    const lines = stderrLines(stderr);
    assert.equal(code, 2, `${args.join(" ")}: ${stderr}`);
    assert.equal(stdout.length, 0);
    assert.ok(lines[0]!.startsWith(expected), `${lines[0]} <> ${expected}`);
    assert.match(lines[1]!, /^(usage: socketkit|Run "socketkit)/, stderr);
    assert.ok(!stderr.includes("    at "), "no stack trace");
  }
});

// ---- connect ----

Deno.test("connect sends standard input, half-closes at its end, and prints the reply", async () => {
  await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
  await using proc = cli("connect", "127.0.0.1", `${server.addr.port}`);
  await using conn = await tcp.accept(server, { timeout: 10_000 });
  await proc.write("hello ");
  await proc.write("world");
  await proc.closeStdin();
  // The peer sees the end of the stream only after standard input ended...
  assert.equal(await readAll(conn), "hello world");
  // ...and its reply still reaches standard output.
  await tcp.sendAll(conn, "reply after EOF");
  await tcp.close(conn);
  const { code, stdout, stderr } = await proc.finish();
  assert.equal(stderr, "");
  assert.equal(text(stdout), "reply after EOF");
  assert.equal(code, 0);
});

Deno.test("connect keeps sending standard input after the peer half-closes", async () => {
  await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
  await using proc = cli("connect", "-v", "127.0.0.1", `${server.addr.port}`);
  await using conn = await tcp.accept(server, { timeout: 10_000 });
  await tcp.sendAll(conn, "banner\n");
  await tcp.shutdown(conn, "write");
  await proc.write("late input");
  await proc.closeStdin();
  assert.equal(await readAll(conn), "late input");
  await tcp.close(conn);
  const { code, stdout, stderr } = await proc.finish();
  assert.equal(text(stdout), "banner\n");
  assert.equal(
    stderr,
    `connected to 127.0.0.1:${server.addr.port}\n`,
  );
  assert.equal(code, 0);
});

Deno.test("connect to a closed port prints one line and exits 1", async () => {
  const port = closedPort();
  const { code, stdout, stderr } = await runCli([
    "connect",
    "127.0.0.1",
    `${port}`,
  ]);
  assert.equal(code, 1);
  assert.equal(stdout.length, 0);
  assert.equal(
    stderr,
    `error: Cannot connect to "127.0.0.1:${port}": connection refused\n`,
  );
});

Deno.test("connect to a name that does not resolve names it in one line and exits 1", async () => {
  const { code, stdout, stderr } = await runCli([
    "connect",
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.invalid",
    "80",
  ]);
  assert.equal(code, 1, stderr);
  assert.equal(stdout.length, 0);
  assert.equal(stderrLines(stderr).length, 1, stderr);
  assert.match(
    stderr,
    /^error: Cannot connect to "x{64}\.invalid:80": the name does not resolve/,
  );
});

Deno.test(
  "connect piped into head -c 10 exits 0 without a message once head leaves",
  {
    ignore: windows || !HAS_BASH,
  },
  async () => {
    await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
    const serving = (async () => {
      await using sock = await tcp.accept(server, { timeout: 10_000 });
      const chunk = new Uint8Array(65_536).fill(0x61);
      // Sends until the client is gone.
      for (let i = 0; i < 4_096; i++) {
        try {
          await tcp.sendAll(sock, chunk, { timeout: 10_000 });
        } catch {
          return;
        }
      }
    })();
    const out = await runCommand("bash", [
      "-c",
      `"${Deno.execPath()}" run -A --quiet "${CLI}" connect 127.0.0.1 ${server.addr.port} < /dev/null | head -c 10; echo "status \${PIPESTATUS[0]}" >&2`,
    ]);
    await serving;
    assert.equal(out.stdout, "aaaaaaaaaa");
    assert.equal(out.stderr, "status 0\n");
  },
);

Deno.test("connect with --idle-timeout quits when nothing moves", async () => {
  await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
  const started = performance.now();
  await using proc = cli(
    "connect",
    "-i",
    "300ms",
    "127.0.0.1",
    `${server.addr.port}`,
  );
  await using conn = await tcp.accept(server, { timeout: 10_000 });
  await tcp.sendAll(conn, "one");
  // Standard input stays open; only the idle timer can end the run.
  const { code } = await proc.child.status;
  const elapsed = performance.now() - started;
  const { stdout, stderr } = await proc.finish();
  assert.equal(code, 0);
  assert.equal(text(stdout), "one");
  assert.equal(stderr, "");
  assert.ok(elapsed >= 300, `${elapsed} ms`);
  assert.equal(await tcp.recv(conn, undefined, { timeout: 5_000 }), null);
});

Deno.test("connect reports a reset connection in one line and exits 1", {
  ignore: !HAS_PYTHON,
}, async () => {
  // A Python server that closes with SO_LINGER 0, which sends a reset.
  await using py = new Proc("python3", [
    "-c",
    `import socket, struct, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
print("listening on 127.0.0.1:%d" % s.getsockname()[1], file=sys.stderr, flush=True)
c, _ = s.accept()
c.recv(100)
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
c.close()`,
  ]);
  const port = await py.listeningPort();
  await using proc = cli("connect", "127.0.0.1", `${port}`);
  await proc.write("trigger");
  const { code, stderr } = await proc.finish();
  assert.equal(code, 1);
  assert.match(
    stderr,
    new RegExp(
      `^error: Cannot (recv from|sendAll to) 127\\.0\\.0\\.1:${port}: connection reset by peer\\n$`,
    ),
  );
  assert.equal((await py.finish()).code, 0);
});

Deno.test("connect -4 resolves a host name to an IPv4 address", async () => {
  await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
  await using proc = cli(
    "connect",
    "-4",
    "-v",
    "localhost",
    `${server.addr.port}`,
  );
  await using conn = await tcp.accept(server, { timeout: 10_000 });
  await proc.closeStdin();
  assert.equal(await readAll(conn), "");
  await tcp.close(conn);
  const { code, stderr } = await proc.finish();
  assert.equal(code, 0);
  assert.equal(stderr, `connected to 127.0.0.1:${server.addr.port}\n`);
});

Deno.test("connect -6 talks to an IPv6 server", {
  ignore: !HAS_IPV6,
}, async () => {
  await using server = await tcp.listen({ hostname: "::1", port: 0 });
  await using proc = cli("connect", "-6", "::1", `${server.addr.port}`);
  await using conn = await tcp.accept(server, { timeout: 10_000 });
  await proc.write("v6");
  await proc.closeStdin();
  assert.equal(await readAll(conn), "v6");
  await tcp.sendAll(conn, "ok");
  await tcp.close(conn);
  const { code, stdout } = await proc.finish();
  assert.equal(code, 0);
  assert.equal(text(stdout), "ok");
});

Deno.test("connect --unix talks to a Unix socket with the same half-close", {
  ignore: windows,
}, async () => {
  await inTempDir(async (dir) => {
    const path = `${dir}/s.sock`;
    await using server = await unix.listen({ path });
    await using proc = cli("connect", "--unix", path);
    await using conn = await unix.accept(server, { timeout: 10_000 });
    await proc.write("over unix");
    await proc.closeStdin();
    assert.equal(await readAll(conn), "over unix");
    await unix.sendAll(conn, "answer");
    await unix.close(conn);
    const { code, stdout, stderr } = await proc.finish();
    assert.equal(stderr, "");
    assert.equal(text(stdout), "answer");
    assert.equal(code, 0);
  });
});

Deno.test("connect --udp sends each input chunk as a datagram and prints the replies", async () => {
  await using server = await udp.bind({ hostname: "127.0.0.1", port: 0 });
  await using proc = cli(
    "connect",
    "--udp",
    "--idle-timeout",
    "1",
    "127.0.0.1",
    `${server.localAddr.port}`,
  );
  await proc.write("ping");
  const [data, from] = await udp.recvFrom(server, { timeout: 10_000 });
  assert.equal(text(data), "ping");
  await udp.sendTo(server, "pong", from);
  await proc.closeStdin();
  const { code, stdout, stderr } = await proc.finish();
  assert.equal(stderr, "");
  assert.equal(text(stdout), "pong");
  assert.equal(code, 0);
});

Deno.test("connect --udp works without --unstable-net, on the node:dgram backend", async () => {
  await using server = await udp.bind({ hostname: "127.0.0.1", port: 0 });
  // As `deno run -A jsr:@socketkit/socket/cli`: no project config, no flag.
  await using proc = new Proc(Deno.execPath(), [
    "run",
    "-A",
    "--quiet",
    "--no-config",
    CLI,
    "connect",
    "-u",
    "-v",
    "-i",
    "1",
    "127.0.0.1",
    `${server.localAddr.port}`,
  ]);
  await proc.write("via node");
  const [data, from] = await udp.recvFrom(server, { timeout: 10_000 });
  assert.equal(text(data), "via node");
  await udp.sendTo(server, "back", from);
  const { code, stdout, stderr } = await proc.finish();
  assert.equal(code, 0, stderr);
  assert.equal(text(stdout), "back");
  assert.match(stderrLines(stderr)[0]!, /\(node backend\)$/);
});

Deno.test("connect exits 130 on Ctrl-C without a message", {
  ignore: windows,
}, async () => {
  await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
  await using proc = cli("connect", "127.0.0.1", `${server.addr.port}`);
  await using conn = await tcp.accept(server, { timeout: 10_000 });
  // Connected: the tool listens for SIGINT since before it connected.
  proc.kill("SIGINT");
  const { code, stderr } = await proc.finish();
  assert.equal(code, 130);
  assert.equal(stderr, "");
  assert.equal(await tcp.recv(conn, undefined, { timeout: 5_000 }), null);
});

// ---- listen ----

Deno.test("listen prints its address on standard error and relays one connection", async () => {
  await using proc = cli("listen", "127.0.0.1", "0");
  const port = await proc.listeningPort();
  assert.ok(port > 0);
  await using client = await tcp.connect({ hostname: "127.0.0.1", port });
  await tcp.sendAll(client, "ping");
  await tcp.shutdown(client, "write");
  await proc.write("pong");
  await proc.closeStdin();
  assert.equal(await readAll(client), "pong");
  const { code, stdout, stderr } = await proc.finish();
  assert.equal(text(stdout), "ping");
  assert.equal(stderr, `listening on 127.0.0.1:${port}\n`);
  assert.equal(code, 0);
  // One connection only: the port is free again.
  await assert.rejects(
    tcp.connect({ hostname: "127.0.0.1", port }),
    Deno.errors.ConnectionRefused,
  );
});

Deno.test(
  "listen --echo --keep-open answers every client at once until Ctrl-C",
  {
    ignore: windows,
  },
  async () => {
    await using proc = cli("listen", "--echo", "-k", "127.0.0.1", "0");
    const port = await proc.listeningPort();
    const clients = await Promise.all(
      [0, 1, 2].map(() => tcp.connect({ hostname: "127.0.0.1", port })),
    );
    try {
      // All three are connected before any finishes: served concurrently.
      for (const [i, client] of clients.entries()) {
        await tcp.sendAll(client, `line ${i}\n`);
      }
      for (const [i, client] of clients.entries()) {
        assert.equal(
          await tcp.recvLine(client, { timeout: 10_000 }),
          `line ${i}`,
        );
        await tcp.sendAll(client, "bye");
        await tcp.shutdown(client, "write");
        assert.equal(await readAll(client), "bye");
      }
    } finally {
      await Promise.all(clients.map((c) => tcp.close(c)));
    }
    proc.kill("SIGINT");
    const { code, stdout, stderr } = await proc.finish();
    assert.equal(code, 130);
    assert.equal(stdout.length, 0);
    assert.equal(stderr, `listening on 127.0.0.1:${port}\n`);
  },
);

Deno.test(
  "listen --keep-open relays one client after another, each until it ends its side",
  {
    ignore: windows,
  },
  async () => {
    await using proc = cli("listen", "-k", "-v", "127.0.0.1", "0");
    const port = await proc.listeningPort();
    for (const name of ["first", "second"]) {
      await using client = await tcp.connect({ hostname: "127.0.0.1", port });
      const greeting = `to the ${name}`;
      await proc.write(greeting);
      assert.equal(
        text(await tcp.recvExact(client, greeting.length, { timeout: 10_000 })),
        greeting,
      );
      await tcp.sendAll(client, `from the ${name}\n`);
      await tcp.shutdown(client, "write");
      // Standard input is still open: the client's end ends the connection.
      assert.equal(await readAll(client), "");
    }
    await proc.closeStdin();
    {
      // Standard input has ended, so the next client is half-closed at once.
      await using client = await tcp.connect({ hostname: "127.0.0.1", port });
      assert.equal(
        await tcp.recv(client, undefined, { timeout: 10_000 }),
        null,
      );
      await tcp.sendAll(client, "from the third\n");
      await tcp.shutdown(client, "write");
      assert.equal(await readAll(client), "");
    }
    {
      // Clients are served one after another: once a fourth one is served,
      // the third is done with.
      await using client = await tcp.connect({ hostname: "127.0.0.1", port });
      assert.equal(
        await tcp.recv(client, undefined, { timeout: 10_000 }),
        null,
      );
    }
    proc.kill("SIGINT");
    const { code, stdout, stderr } = await proc.finish();
    assert.equal(code, 130);
    assert.equal(
      text(stdout),
      "from the first\nfrom the second\nfrom the third\n",
    );
    const lines = stderrLines(stderr);
    assert.equal(lines.length, 5, stderr);
    assert.match(lines[1]!, /^connection from 127\.0\.0\.1:\d+$/);
  },
);

Deno.test(
  "listen --keep-open --echo goes on serving after clients that reset before they are accepted",
  { ignore: windows || !HAS_PYTHON },
  async () => {
    await using proc = cli("listen", "--echo", "-k", "127.0.0.1", "0");
    const port = await proc.listeningPort();
    await resetBeforeAccept(port, 50);
    await using client = await tcp.connect({ hostname: "127.0.0.1", port });
    await tcp.sendAll(client, "still here\n");
    assert.equal(await tcp.recvLine(client, { timeout: 10_000 }), "still here");
    await tcp.close(client);
    proc.kill("SIGINT");
    const { code, stderr } = await proc.finish();
    assert.equal(code, 130, stderr);
    assert.doesNotMatch(stderr, /Uncaught|NotConnected/);
  },
);

Deno.test(
  "listen --keep-open goes on relaying after clients that reset before they are accepted",
  { ignore: windows || !HAS_PYTHON },
  async () => {
    await using proc = cli("listen", "-k", "127.0.0.1", "0");
    const port = await proc.listeningPort();
    await resetBeforeAccept(port, 50);
    await using client = await tcp.connect({ hostname: "127.0.0.1", port });
    await tcp.sendAll(client, "after the resets\n");
    await tcp.shutdown(client, "write");
    assert.equal(await readAll(client), "");
    await proc.closeStdin();
    proc.kill("SIGINT");
    const { code, stdout, stderr } = await proc.finish();
    assert.equal(code, 130, stderr);
    assert.match(text(stdout)!, /after the resets\n$/);
    assert.doesNotMatch(stderr, /Uncaught|NotConnected/);
  },
);

Deno.test("connect --timeout gives up on a server that does not answer", {
  ignore: Deno.build.os !== "linux",
}, async () => {
  // A full accept queue: Linux drops the next SYN, so connecting hangs.
  await using server = await tcp.listen({
    hostname: "127.0.0.1",
    port: 0,
    backlog: 0,
  });
  await using _filler = await tcp.connect(server.addr, { timeout: 5_000 });
  const port = server.addr.port;
  const connect = await runCli([
    "connect",
    "-w",
    "300ms",
    "127.0.0.1",
    `${port}`,
  ]);
  assert.equal(connect.code, 1);
  assert.equal(
    connect.stderr,
    `error: Cannot connect to "127.0.0.1:${port}": timed out after 300 ms\n`,
  );
  // scan counts such a port as not open.
  const scan = await runCli(["scan", "-w", "200ms", "127.0.0.1", `${port}`]);
  assert.equal(scan.code, 1);
  assert.equal(scan.stdout.length, 0);
  assert.equal(scan.stderr, `port ${port} is not open on 127.0.0.1\n`);
});

Deno.test("listen --timeout gives up when nobody connects", async () => {
  const { code, stdout, stderr } = await runCli([
    "listen",
    "--timeout",
    "200ms",
    "127.0.0.1",
    "0",
  ]);
  assert.equal(code, 1);
  assert.equal(stdout.length, 0);
  assert.match(
    stderr,
    /^listening on 127\.0\.0\.1:(\d+)\nerror: Cannot accept on 127\.0\.0\.1:\1: timed out after 200 ms\n$/,
  );
});

Deno.test("listen on a taken port prints one line and exits 1", async () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { code, stderr } = await runCli([
    "listen",
    "127.0.0.1",
    `${taken.addr.port}`,
  ]);
  assert.equal(code, 1);
  assert.match(
    stderr,
    new RegExp(
      `^error: Cannot listen on "?127\\.0\\.0\\.1:${taken.addr.port}"?: address already in use\n$`,
    ),
  );
});

Deno.test("listen -6 listens on ::1", { ignore: !HAS_IPV6 }, async () => {
  await using proc = cli("listen", "-6", "--echo", "::1", "0");
  const addr = await proc.waitForStderr("listening on ");
  assert.match(addr, /^\[::1\]:\d+$/);
  const port = Number(addr.slice(addr.lastIndexOf(":") + 1));
  await using client = await tcp.connect({ hostname: "::1", port });
  await tcp.sendAll(client, "six");
  await tcp.shutdown(client, "write");
  assert.equal(await readAll(client), "six");
  assert.equal((await proc.finish()).code, 0);
});

Deno.test("listen --unix relays a connection and removes its socket file", {
  ignore: windows,
}, async () => {
  await inTempDir(async (dir) => {
    const path = `${dir}/l.sock`;
    await using proc = cli("listen", "--unix", path);
    assert.equal(await proc.waitForStderr("listening on "), path);
    await using client = await unix.connect(path);
    await unix.sendAll(client, "hi there");
    await unix.shutdown(client, "write");
    await proc.write("back");
    await proc.closeStdin();
    assert.equal(await readAll(client), "back");
    const { code, stdout } = await proc.finish();
    assert.equal(code, 0);
    assert.equal(text(stdout), "hi there");
    assert.equal(await exists(path), false);
  });
});

Deno.test("listen --unix removes its socket file on Ctrl-C", {
  ignore: windows,
}, async () => {
  await inTempDir(async (dir) => {
    const path = `${dir}/k.sock`;
    await using proc = cli("listen", "--unix", path, "--keep-open", "--echo");
    await proc.waitForStderr("listening on ");
    assert.equal(await exists(path), true);
    proc.kill("SIGINT");
    const { code } = await proc.finish();
    assert.equal(code, 130);
    assert.equal(await exists(path), false);
  });
});

Deno.test("listen exits 143 on SIGTERM", { ignore: windows }, async () => {
  await using proc = cli("listen", "127.0.0.1", "0");
  const port = await proc.listeningPort();
  proc.kill("SIGTERM");
  const { code, stderr } = await proc.finish();
  assert.equal(code, 143);
  assert.equal(stderr, `listening on 127.0.0.1:${port}\n`);
});

Deno.test("listen --udp prints the first sender's datagrams and answers it", async () => {
  await using proc = cli("listen", "--udp", "-i", "1", "127.0.0.1", "0");
  const port = await proc.listeningPort();
  await using client = await udp.bind({ hostname: "127.0.0.1", port: 0 });
  await using other = await udp.bind({ hostname: "127.0.0.1", port: 0 });
  // Standard input goes to the first sender once it is known.
  await proc.write("reply");
  await udp.sendTo(client, "hello", { hostname: "127.0.0.1", port });
  const [answer, from] = await udp.recvFrom(client, { timeout: 10_000 });
  assert.equal(text(answer), "reply");
  assert.equal(from.port, port);
  // Without --keep-open another sender is not heard.
  await udp.sendTo(other, "ignored", { hostname: "127.0.0.1", port });
  await udp.sendTo(client, " again", { hostname: "127.0.0.1", port });
  await proc.closeStdin();
  const { code, stdout, stderr } = await proc.finish();
  assert.equal(code, 0);
  assert.equal(text(stdout), "hello again");
  assert.equal(stderr, `listening on 127.0.0.1:${port}\n`);
});

Deno.test("listen --udp --echo sends each datagram back to its sender", async () => {
  await using proc = cli("listen", "-u", "--echo", "-i", "1", "127.0.0.1", "0");
  const port = await proc.listeningPort();
  await using a = await udp.connect({ hostname: "127.0.0.1", port });
  await using b = await udp.connect({ hostname: "127.0.0.1", port });
  await udp.send(a, "from a");
  await udp.send(b, "from b");
  assert.equal(text(await udp.recv(a, { timeout: 10_000 })), "from a");
  assert.equal(text(await udp.recv(b, { timeout: 10_000 })), "from b");
  const { code, stdout } = await proc.finish();
  assert.equal(code, 0);
  assert.equal(stdout.length, 0);
});

// ---- scan ----

Deno.test("scan prints the open ports, sorted, and leaves out closed ones", async () => {
  await using a = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
  await using b = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
  const closed = [closedPort(), closedPort()];
  const open = [a.addr.port, b.addr.port].sort((x, y) => x - y);
  const list = [open[1], closed[0], `${open[0]}-${open[0]}`, closed[1]].join(
    ",",
  );
  const { code, stdout, stderr } = await runCli([
    "scan",
    "-v",
    "-c",
    "2",
    "-w",
    "2s",
    "127.0.0.1",
    list,
  ]);
  assert.equal(code, 0);
  assert.equal(text(stdout), `${open[0]}\n${open[1]}\n`);
  // -v: a line for each port, in order, then the summary.
  const lines = stderrLines(stderr);
  assert.equal(lines.length, 5, stderr);
  assert.match(lines[4]!, /^2 of 4 ports open on 127\.0\.0\.1 in [\d.]+ m?s$/);
});

Deno.test("scan exits 1 when no port is open", async () => {
  const closed = [closedPort(), closedPort()];
  const { code, stdout, stderr } = await runCli([
    "scan",
    "127.0.0.1",
    closed.join(","),
  ]);
  assert.equal(code, 1);
  assert.equal(stdout.length, 0);
  assert.equal(stderr, "none of the 2 ports is open on 127.0.0.1\n");
});

// ---- send and recv ----

const SUMMARY_REGEXP =
  /^(sent|received) (\d+) bytes \([\d.]+ [KMG]?i?B\) (to|from) (\S+) in [\d.]+ m?s, [\d.]+ [KMG]?i?B\/s$/;

Deno.test("send and recv move a file, with progress lines and summaries", async () => {
  await inTempDir(async (dir) => {
    const data = pseudoRandomBytes(3 * 1024 * 1024 + 17, 7);
    await Deno.writeFile(`${dir}/in.bin`, data);
    await using receiver = cli(
      "recv",
      "--progress",
      "127.0.0.1",
      "0",
      `${dir}/out.bin`,
    );
    const port = await receiver.listeningPort();
    const sender = await runCli([
      "send",
      "--progress",
      "127.0.0.1",
      `${port}`,
      `${dir}/in.bin`,
    ]);
    const received = await receiver.finish();
    assert.equal(sender.code, 0, sender.stderr);
    assert.equal(received.code, 0, received.stderr);
    assert.equal(
      await sha256(await Deno.readFile(`${dir}/out.bin`)),
      await sha256(data),
    );
    // Progress: redrawn in place with "\r", percent when the size is known.
    const sent = sender.stderr.split(/\r|\n/).filter((l) => l !== "");
    assert.match(sent[0]!, /^sent [\d.]+ [KMG]?i?B of 3\.0 MiB \(\d+%\), /);
    assert.ok(sender.stderr.includes("(100%)"), sender.stderr);
    const sentSummary = SUMMARY_REGEXP.exec(sent.at(-1)!.replace("\x1b[K", ""));
    assert.ok(sentSummary, sender.stderr);
    assert.equal(sentSummary[2], `${data.length}`);
    assert.equal(sentSummary[4], `127.0.0.1:${port}`);
    const got = received.stderr.split(/\r|\n/).filter((l) => l !== "");
    assert.equal(got[0], `listening on 127.0.0.1:${port}`);
    assert.match(got[1]!, /^received [\d.]+ [KMG]?i?B, [\d.]+ [KMG]?i?B\/s/);
    const gotSummary = SUMMARY_REGEXP.exec(got.at(-1)!.replace("\x1b[K", ""));
    assert.ok(gotSummary, received.stderr);
    assert.equal(gotSummary[2], `${data.length}`);
  });
});

Deno.test("send prints only the summary when standard error is not a terminal, and the peer's answer on standard output", async () => {
  await inTempDir(async (dir) => {
    const data = pseudoRandomBytes(200_000, 3);
    await Deno.writeFile(`${dir}/in.bin`, data);
    await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
    const port = server.addr.port;
    const serving = (async () => {
      await using conn = await tcp.accept(server, { timeout: 10_000 });
      const got = await tcp.recvExact(conn, data.length, { timeout: 10_000 });
      assert.equal(await tcp.recv(conn, undefined, { timeout: 10_000 }), null);
      await tcp.sendAll(conn, `thanks for ${got.length} bytes\n`);
      return await sha256(got);
    })();
    const { code, stdout, stderr } = await runCli([
      "send",
      "127.0.0.1",
      `${port}`,
      `${dir}/in.bin`,
    ]);
    assert.equal(await serving, await sha256(data));
    assert.equal(code, 0);
    assert.equal(text(stdout), "thanks for 200000 bytes\n");
    assert.ok(!stderr.includes("\r"));
    const lines = stderrLines(stderr);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, SUMMARY_REGEXP);
    assert.ok(
      lines[0]!.startsWith(
        `sent 200000 bytes (195.3 KiB) to 127.0.0.1:${port} in `,
      ),
    );
  });
});

Deno.test("send - reads standard input and recv - writes standard output", async () => {
  await using receiver = cli("recv", "127.0.0.1", "0", "-");
  const port = await receiver.listeningPort();
  const sender = await runCli(
    ["send", "127.0.0.1", `${port}`, "-"],
    "piped through\n",
  );
  const received = await receiver.finish();
  assert.equal(sender.code, 0);
  assert.equal(received.code, 0);
  assert.equal(text(received.stdout), "piped through\n");
  assert.match(stderrLines(sender.stderr)[0]!, /^sent 14 bytes \(14 B\) to /);
  assert.match(
    stderrLines(received.stderr)[1]!,
    /^received 14 bytes \(14 B\) from /,
  );
});

Deno.test("send and recv over --unix", { ignore: windows }, async () => {
  await inTempDir(async (dir) => {
    const data = pseudoRandomBytes(100_000, 11);
    await Deno.writeFile(`${dir}/in.bin`, data);
    const path = `${dir}/f.sock`;
    await using receiver = cli("recv", "--unix", path, `${dir}/out.bin`);
    assert.equal(await receiver.waitForStderr("listening on "), path);
    const sender = await runCli(["send", "--unix", path, `${dir}/in.bin`]);
    const received = await receiver.finish();
    assert.equal(sender.code, 0, sender.stderr);
    assert.equal(received.code, 0, received.stderr);
    assert.ok(
      stderrLines(sender.stderr)[0]!.startsWith(
        `sent 100000 bytes (97.7 KiB) to ${path} in `,
      ),
    );
    assert.equal(
      await sha256(await Deno.readFile(`${dir}/out.bin`)),
      await sha256(data),
    );
    assert.equal(await exists(path), false);
  });
});

Deno.test("send of a missing file prints one line and exits 1 before connecting", async () => {
  await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
  await inTempDir(async (dir) => {
    const { code, stdout, stderr } = await runCli([
      "send",
      "127.0.0.1",
      `${server.addr.port}`,
      `${dir}/nope.bin`,
    ]);
    assert.equal(code, 1);
    assert.equal(stdout.length, 0);
    assert.equal(
      stderr,
      `error: Cannot open "${dir}/nope.bin": no such file or directory\n`,
    );
  });
  // Nobody connected.
  await assert.rejects(
    tcp.accept(server, { timeout: 50 }),
    Deno.errors.TimedOut,
  );
});

Deno.test("send to a closed port prints one line and exits 1", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/f.txt`, "x");
    const port = closedPort();
    const { code, stderr } = await runCli([
      "send",
      "127.0.0.1",
      `${port}`,
      `${dir}/f.txt`,
    ]);
    assert.equal(code, 1);
    assert.equal(
      stderr,
      `error: Cannot connect to "127.0.0.1:${port}": connection refused\n`,
    );
  });
});

Deno.test("recv refuses to replace an existing FILE without --force, before listening", async () => {
  await inTempDir(async (dir) => {
    const path = `${dir}/keep.txt`;
    await Deno.writeTextFile(path, "original");
    // -w bounds the wait, should it listen.
    const { code, stderr } = await runCli([
      "recv",
      "-w",
      "5s",
      "127.0.0.1",
      "0",
      path,
    ]);
    assert.equal(code, 1);
    assert.equal(
      stderr,
      `error: Cannot recv into "${path}": the file exists (add --force to replace it)\n`,
    );
    assert.equal(await Deno.readTextFile(path), "original");
  });
});

Deno.test({
  name:
    "recv --force keeps the original FILE when the sender dies mid-transfer, and replaces it when a transfer ends well",
  ignore: !HAS_PYTHON,
  async fn() {
    await inTempDir(async (dir) => {
      const path = `${dir}/data.bin`;
      await Deno.writeTextFile(path, "original");
      await Deno.chmod(path, 0o640);
      {
        await using receiver = cli("recv", "--force", "127.0.0.1", "0", path);
        const port = await receiver.listeningPort();
        // A sender that sends a little, then resets.
        const out = await runCommand("python3", [
          "-c",
          `import socket, struct, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"partial data")
time.sleep(0.2)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
`,
          String(port),
        ]);
        assert.equal(out.code, 0, out.stderr);
        const { code, stderr } = await receiver.finish();
        assert.equal(code, 1, stderr);
        assert.match(stderr, /connection reset/i);
      }
      assert.equal(await Deno.readTextFile(path), "original");
      assert.deepEqual(
        (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name),
        ["data.bin"],
      );
      {
        await using receiver = cli("recv", "-f", "127.0.0.1", "0", path);
        const port = await receiver.listeningPort();
        await using sock = await tcp.connect({ hostname: "127.0.0.1", port });
        await tcp.sendAll(sock, "the new content");
        await tcp.shutdown(sock, "write");
        assert.equal(await readAll(sock), "");
        const { code, stderr } = await receiver.finish();
        assert.equal(code, 0, stderr);
      }
      assert.equal(await Deno.readTextFile(path), "the new content");
      assert.equal((await Deno.stat(path)).mode! & 0o777, 0o640);
      assert.deepEqual(
        (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name),
        ["data.bin"],
      );
    });
  },
});

Deno.test("recv with --idle-timeout fails when the sender stalls", async () => {
  await inTempDir(async (dir) => {
    await using receiver = cli(
      "recv",
      "-i",
      "300ms",
      "127.0.0.1",
      "0",
      `${dir}/out.bin`,
    );
    const port = await receiver.listeningPort();
    await using client = await tcp.connect({ hostname: "127.0.0.1", port });
    await tcp.sendAll(client, "partial");
    const { code, stderr } = await receiver.finish();
    assert.equal(code, 1);
    const lines = stderrLines(stderr);
    assert.equal(lines.length, 2);
    assert.match(
      lines[1]!,
      /^error: Cannot recv ".*out\.bin" from 127\.0\.0\.1:\d+: nothing moved for 300 ms$/,
    );
    // A failed transfer leaves no file behind, not even a part file.
    assert.deepEqual(await Array.fromAsync(Deno.readDir(dir)), []);
  });
});

// ---- real peers ----

Deno.test(
  "connect works against a Python server",
  { ignore: !HAS_PYTHON },
  async () => {
    await using py = new Proc("python3", [
      "-c",
      `import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
print("listening on 127.0.0.1:%d" % s.getsockname()[1], file=sys.stderr, flush=True)
c, _ = s.accept()
data = b""
while True:
    d = c.recv(1024)
    if not d:
        break
    data += d
c.sendall(b"python got " + data)
c.close()`,
    ]);
    const port = await py.listeningPort();
    const { code, stdout, stderr } = await runCli(
      ["connect", "127.0.0.1", `${port}`],
      "hello from deno",
    );
    assert.equal(stderr, "");
    assert.equal(code, 0);
    assert.equal(text(stdout), "python got hello from deno");
    assert.equal((await py.finish()).code, 0);
  },
);

Deno.test(
  "recv takes a file from a Python client",
  { ignore: !HAS_PYTHON },
  async () => {
    await inTempDir(async (dir) => {
      const data = pseudoRandomBytes(500_000, 5);
      await Deno.writeFile(`${dir}/in.bin`, data);
      await using receiver = cli("recv", "127.0.0.1", "0", `${dir}/out.bin`);
      const port = await receiver.listeningPort();
      const py = await runPython(`import socket
s = socket.create_connection(("127.0.0.1", ${port}))
s.sendall(open(${JSON.stringify(`${dir}/in.bin`)}, "rb").read())
s.close()`);
      assert.equal(py.code, 0, py.stderr);
      const { code, stderr } = await receiver.finish();
      assert.equal(code, 0, stderr);
      assert.equal(
        await sha256(await Deno.readFile(`${dir}/out.bin`)),
        await sha256(data),
      );
    });
  },
);

async function runPython(script: string): Promise<Finished> {
  await using py = new Proc("python3", ["-c", script]);
  return await py.finish();
}

Deno.test("listen works with an nc client", { ignore: !HAS_NC }, async () => {
  await using proc = cli("listen", "127.0.0.1", "0");
  const port = await proc.listeningPort();
  await proc.write("answer from deno\n");
  await proc.closeStdin();
  // -N: shut down the socket after the end of input, as our connect does.
  await using nc = new Proc("nc", ["-N", "127.0.0.1", `${port}`]);
  await nc.write("hello from nc\n");
  const ncDone = await nc.finish();
  const { code, stdout } = await proc.finish();
  assert.equal(ncDone.code, 0, ncDone.stderr);
  assert.equal(text(ncDone.stdout), "answer from deno\n");
  assert.equal(code, 0);
  assert.equal(text(stdout), "hello from nc\n");
});

Deno.test(
  "listen --echo works with a socat client",
  { ignore: !HAS_SOCAT },
  async () => {
    await using proc = cli("listen", "--echo", "127.0.0.1", "0");
    const port = await proc.listeningPort();
    await using socat = new Proc("socat", ["-", `TCP:127.0.0.1:${port}`]);
    await socat.write("echo me\n");
    const done = await socat.finish();
    assert.equal(done.code, 0, done.stderr);
    assert.equal(text(done.stdout), "echo me\n");
    assert.equal((await proc.finish()).code, 0);
  },
);

Deno.test(
  "listen --udp works with an nc -u client",
  { ignore: !HAS_NC },
  async () => {
    await using proc = cli("listen", "-u", "-i", "1", "127.0.0.1", "0");
    const port = await proc.listeningPort();
    await proc.write("udp answer\n");
    await using nc = new Proc("nc", ["-u", "-w", "1", "127.0.0.1", `${port}`]);
    await nc.write("udp hello\n");
    const ncDone = await nc.finish();
    const { code, stdout } = await proc.finish();
    assert.equal(text(ncDone.stdout), "udp answer\n");
    assert.equal(code, 0);
    assert.equal(text(stdout), "udp hello\n");
  },
);

// ---- fits the hand (issue 13) ----

/** Bounds an await of a test: fails in seconds instead of hanging. */
function bounded<T>(
  promise: Promise<T>,
  what: string,
  ms = 15_000,
): Promise<T> {
  return within(promise, ms, what);
}

Deno.test("parseQuitAfter() takes 0 or a duration; scan takes several PORTS arguments", () => {
  assert.equal(parseQuitAfter("0"), 0);
  assert.equal(parseQuitAfter("0.0s"), 0);
  assert.equal(parseQuitAfter("2"), 2_000);
  assert.equal(parseQuitAfter("150ms"), 150);
  for (const bad of ["", "-1", "soon", "."]) {
    assert.throws(() => parseQuitAfter(bad), /^RangeError: --quit-after/);
  }
  const scan = parseCommandLine(["scan", "h", "22", "80", "8000-8002,7"]);
  assert.ok(!("help" in scan));
  assert.deepEqual(scan.ports, [7, 22, 80, 8000, 8001, 8002]);
  const exec = parseCommandLine(["listen", "-k", "--exec", "tr a-z A-Z", "0"]);
  assert.ok(!("help" in exec));
  assert.equal(exec.exec, "tr a-z A-Z");
  const dgram = parseCommandLine(["connect", "--unix", "/tmp/s", "-u"]);
  assert.ok(!("help" in dgram));
  assert.deepEqual([dgram.transport, dgram.datagram], ["unix", true]);
});

Deno.test("isSelfConnection() tells a socket connected to itself from a connection to a listener", () => {
  const at = (hostname: string, port: number): Deno.NetAddr => ({
    transport: "tcp",
    hostname,
    port,
  });
  assert.equal(
    isSelfConnection(at("127.0.0.1", 40_000), at("127.0.0.1", 40_000)),
    true,
  );
  assert.equal(isSelfConnection(at("::1", 40_000), at("::1", 40_000)), true);
  assert.equal(
    isSelfConnection(at("::ffff:127.0.0.1", 40_000), at("127.0.0.1", 40_000)),
    true,
  );
  assert.equal(
    isSelfConnection(at("127.0.0.1", 40_001), at("127.0.0.1", 40_000)),
    false,
  );
  assert.equal(
    isSelfConnection(at("127.0.0.2", 40_000), at("127.0.0.1", 40_000)),
    false,
  );
  assert.equal(
    isSelfConnection({ transport: "unix", path: "/s" }, {
      transport: "unix",
      path: "/s",
    }),
    false,
  );
  assert.equal(unmapped("::FFFF:10.0.0.1"), "10.0.0.1");
  assert.equal(isMappedIpv4(at("::ffff:127.0.0.1", 1)), true);
  assert.equal(isMappedIpv4(at("127.0.0.1", 1)), false);
  assert.equal(isMappedIpv4(at("::1", 1)), false);
});

/** Sends `message` on a new connection and reads the answer to its end. */
async function echoOnce(hostname: string, port: number, message: string) {
  await using sock = await tcp.connect({ hostname, port }, { timeout: 10_000 });
  await tcp.sendAll(sock, message, { timeout: 10_000 });
  await tcp.shutdown(sock, "write");
  return await readAll(sock);
}

/** Whether a client at `hostname` is turned away: refused, reset or closed unanswered. */
async function turnedAway(hostname: string, port: number): Promise<boolean> {
  try {
    return (await echoOnce(hostname, port, "knock")) === "";
  } catch (err) {
    if (
      err instanceof Deno.errors.ConnectionRefused ||
      err instanceof Deno.errors.ConnectionReset ||
      err instanceof Deno.errors.BrokenPipe
    ) return true;
    throw err;
  }
}

Deno.test(
  "listen PORT takes clients on 127.0.0.1 and on ::1 (every interface, dual stack)",
  { ignore: !HAS_IPV6 || !DUAL_STACK },
  async () => {
    await using proc = cli("listen", "-k", "--echo", "0");
    const addr = await bounded(proc.waitForStderr("listening on "), "listen");
    assert.match(addr, /^\[::\]:\d+$/);
    const port = await proc.listeningPort();
    assert.equal(
      await bounded(echoOnce("127.0.0.1", port, "four"), "v4"),
      "four",
    );
    assert.equal(await bounded(echoOnce("::1", port, "six"), "v6"), "six");
    proc.kill("SIGINT");
    assert.equal((await bounded(proc.finish(), "exit")).code, 130);
  },
);

Deno.test(
  "listen -4 PORT refuses a ::1 client and -6 PORT a 127.0.0.1 client",
  { ignore: !HAS_IPV6 },
  async () => {
    await using four = cli("listen", "-4", "-k", "--echo", "0");
    await using six = cli("listen", "-6", "-k", "--echo", "0");
    const port4 = await bounded(four.listeningPort(), "listen -4");
    const port6 = await bounded(six.listeningPort(), "listen -6");
    assert.equal(
      await bounded(echoOnce("127.0.0.1", port4, "a"), "-4 v4"),
      "a",
    );
    assert.equal(await bounded(turnedAway("::1", port4), "-4 v6"), true);
    assert.equal(await bounded(echoOnce("::1", port6, "b"), "-6 v6"), "b");
    assert.equal(await bounded(turnedAway("127.0.0.1", port6), "-6 v4"), true);
    four.kill("SIGINT");
    six.kill("SIGINT");
    await bounded(Promise.all([four.finish(), six.finish()]), "exit");
  },
);

Deno.test("connect -q quits that long after the end of input though the server stays open", async () => {
  await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
  await using proc = cli(
    "connect",
    "-q",
    "0.3",
    "127.0.0.1",
    `${server.addr.port}`,
  );
  await using conn = await bounded(tcp.accept(server), "accept");
  await tcp.sendAll(conn, "from the server\n", { timeout: 10_000 });
  await proc.write("hi\n");
  await proc.closeStdin();
  assert.equal(await bounded(readAll(conn), "input"), "hi\n");
  // The server never closes: -q ends the run.
  const { code, stdout } = await bounded(proc.finish(), "exit");
  assert.equal(code, 0);
  assert.equal(text(stdout), "from the server\n");
});

Deno.test("scan takes ports as separate arguments and -v says one line per port, as nc -zv", async () => {
  await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
  const open = server.addr.port;
  const closed = closedPort();
  const { code, stdout, stderr } = await bounded(
    runCli(["scan", "-v", "127.0.0.1", `${closed}`, `${open}-${open}`]),
    "scan",
  );
  assert.equal(code, 0);
  assert.equal(text(stdout), `${open}\n`);
  const lines = stderrLines(stderr);
  const byPort = [
    [
      closed,
      `connect to 127.0.0.1 port ${closed} (tcp) failed: connection refused`,
    ],
    [open, `connect to 127.0.0.1 port ${open} (tcp) succeeded`],
  ].sort((a, b) => (a[0] as number) - (b[0] as number)).map((p) => p[1]);
  assert.deepEqual(lines.slice(0, 2), byPort);
  assert.match(lines[2]!, /^1 of 2 ports open on 127\.0\.0\.1/);
});

Deno.test("scan never reports a connection of its socket to itself as an open port (best effort over ephemeral ports)", async () => {
  // Ports next to one the kernel just handed out are in the ephemeral range,
  // where connect() may pick the destination port as the source port.
  const near = closedPort();
  const first = Math.max(1_024, near - 300);
  const last = Math.min(65_535, near + 300);
  const { code, stdout, stderr } = await bounded(
    runCli(["scan", "-v", "-c", "50", "127.0.0.1", `${first}-${last}`]),
    "scan",
    60_000,
  );
  assert.ok(code === 0 || code === 1, stderr);
  const listed = new Set(
    (text(stdout) ?? "").split("\n").filter((l) => l !== "").map(Number),
  );
  for (const line of stderrLines(stderr)) {
    const match = /^connect to 127\.0\.0\.1 port (\d+) \(tcp\) (.*)$/.exec(
      line,
    );
    if (match === null) continue;
    const port = Number(match[1]);
    if (match[2]!.includes("connected to itself")) {
      assert.ok(!listed.has(port), `self-connected port ${port} listed`);
    } else {
      assert.equal(listed.has(port), match[2] === "succeeded", line);
    }
  }
});

Deno.test("connect --udp -w ends on its own when no reply comes within -w after the input", async () => {
  await using server = await udp.bind({ hostname: "127.0.0.1", port: 0 });
  await using proc = cli(
    "connect",
    "-u",
    "-w",
    "0.5",
    "127.0.0.1",
    `${server.localAddr.port}`,
  );
  await proc.write("ping\n");
  const [data, from] = await bounded(udp.recvFrom(server), "datagram");
  assert.equal(text(data), "ping\n");
  await udp.sendTo(server, "pong\n", from);
  await proc.closeStdin();
  const { code, stdout, stderr } = await bounded(proc.finish(), "exit");
  assert.equal(code, 0, stderr);
  assert.equal(text(stdout), "pong\n");
});

Deno.test("listen --exec runs the command with the client; after a half-close its output still arrives", async () => {
  await using proc = cli(
    "listen",
    "--exec",
    "tr a-z A-Z; echo done",
    "127.0.0.1",
    "0",
  );
  const port = await bounded(proc.listeningPort(), "listen");
  const answer = await bounded(
    echoOnce("127.0.0.1", port, "hello\nworld\n"),
    "exec",
  );
  assert.equal(answer, "HELLO\nWORLD\ndone\n");
  assert.equal((await bounded(proc.finish(), "exit")).code, 0);
});

Deno.test("listen --exec: the command's exit closes the connection while the client still has it open", async () => {
  await using proc = cli("listen", "--exec", "echo bye", "127.0.0.1", "0");
  const port = await bounded(proc.listeningPort(), "listen");
  await using sock = await tcp.connect({ hostname: "127.0.0.1", port }, {
    timeout: 10_000,
  });
  // The client never ends its side; the end of the command ends it all.
  assert.equal(await bounded(readAll(sock), "output"), "bye\n");
  assert.equal((await bounded(proc.finish(), "exit")).code, 0);
});

Deno.test("listen --exec tells the command the client's address, IPv4 as such on a dual-stack socket", async () => {
  await using proc = cli(
    "listen",
    "--exec",
    'echo "$SOCKETKIT_REMOTE_ADDR $SOCKETKIT_REMOTE_PORT"',
    "0",
  );
  const port = await bounded(proc.listeningPort(), "listen");
  await using sock = await tcp.connect({ hostname: "127.0.0.1", port }, {
    timeout: 10_000,
  });
  const local = sock.localAddr;
  assert.equal(
    await bounded(readAll(sock), "output"),
    `127.0.0.1 ${local.port}\n`,
  );
  assert.equal((await bounded(proc.finish(), "exit")).code, 0);
});

Deno.test("listen --keep-open --exec serves clients in turn, a command each", async () => {
  await using proc = cli(
    "listen",
    "-k",
    "--exec",
    "tr a-z A-Z",
    "127.0.0.1",
    "0",
  );
  const port = await bounded(proc.listeningPort(), "listen");
  assert.equal(
    await bounded(echoOnce("127.0.0.1", port, "one"), "first"),
    "ONE",
  );
  assert.equal(
    await bounded(echoOnce("127.0.0.1", port, "two"), "second"),
    "TWO",
  );
  proc.kill("SIGINT");
  assert.equal((await bounded(proc.finish(), "exit")).code, 130);
});

Deno.test("listen --exec with a command that does not exist says so in one line and exits 1", async () => {
  const { code, stderr } = await bounded(
    runCli([
      "listen",
      "--exec",
      "no-such-command-here --flag",
      "127.0.0.1",
      "0",
    ]),
    "run",
  );
  assert.equal(code, 1);
  assert.deepEqual(stderrLines(stderr), [
    'error: Cannot run --exec "no-such-command-here --flag": there is no command "no-such-command-here"',
  ]);
});

Deno.test("connect --exec runs the command against the server", async () => {
  await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
  await using proc = cli(
    "connect",
    "--exec",
    'read line; echo "got $line"',
    "127.0.0.1",
    `${server.addr.port}`,
  );
  await using conn = await bounded(tcp.accept(server), "accept");
  await tcp.sendAll(conn, "it\n", { timeout: 10_000 });
  assert.equal(await bounded(readAll(conn), "reply"), "got it\n");
  assert.equal((await bounded(proc.finish(), "exit")).code, 0);
});

// ---- --exec over UDP ----

/** A UDP client of the tool, from {@linkcode udpClient}; disposing closes it. */
interface UdpClient extends AsyncDisposable {
  sock: udp.UdpSocket;
  /** Sends `data` to the tool. */
  send(data: string): Promise<void>;
  /** The next datagram from the tool, as text. */
  reply(): Promise<string>;
  /**
   * The next `n` lines from the tool, over as many datagrams as it took:
   * what a command writes at once may go out as one datagram.
   */
  lines(n: number): Promise<string[]>;
}

/** A UDP client on 127.0.0.1 for the tool at `port`. */
async function udpClient(port: number): Promise<UdpClient> {
  const sock = await udp.bind({ hostname: "127.0.0.1", port: 0 });
  const to = { hostname: "127.0.0.1", port };
  async function reply(): Promise<string> {
    const [data, from] = await udp.recvFrom(sock, { timeout: 10_000 });
    // Only the tool sends here.
    assert.equal(from.port, port);
    return text(data)!;
  }
  return {
    sock,
    [Symbol.asyncDispose]: () => udp.close(sock),
    async send(data) {
      await udp.sendTo(sock, data, to, { timeout: 10_000 });
    },
    reply,
    async lines(n) {
      let got = "";
      while (got.split("\n").length <= n) got += await reply();
      const lines = got.split("\n");
      // Exactly n whole lines, nothing after them.
      assert.deepEqual(lines.slice(n), [""], got);
      return lines.slice(0, n);
    },
  };
}

/** Whether datagram `sock` got nothing within `ms` (nothing was sent to it). */
async function silent(sock: udp.UdpSocket, ms = 300): Promise<boolean> {
  try {
    const [data] = await udp.recvFrom(sock, { timeout: ms });
    assert.fail(`got ${JSON.stringify(text(data))}`);
  } catch (err) {
    if (err instanceof Deno.errors.TimedOut) return true;
    throw err;
  }
}

Deno.test("listen --udp --exec gives the datagrams to tr and sends back what it prints, once -i closes its input", async () => {
  await using proc = cli(
    "listen",
    "--udp",
    "-i",
    "0.5",
    "--exec",
    "tr a-z A-Z",
    "127.0.0.1",
    "0",
  );
  const port = await bounded(proc.listeningPort(), "listen");
  await using client = await udpClient(port);
  await client.send("hello\n");
  await client.send("world\n");
  // tr holds its output until its input ends: -i closes the input after
  // 0.5 s of silence, tr prints and exits, and its exit ends the run.
  assert.equal(await bounded(client.reply(), "reply"), "HELLO\nWORLD\n");
  const { code, stdout, stderr } = await bounded(proc.finish(), "exit");
  assert.equal(code, 0, stderr);
  assert.equal(stdout.length, 0);
});

const LINE_UPPER = 'while read -r l; do echo "$l" | tr a-z A-Z; done';

Deno.test("listen --udp --exec answers each datagram as the command writes, hears only the first peer, and ends with the command", async () => {
  await using proc = cli(
    "listen",
    "-u",
    "-v",
    "--exec",
    // Two lines, then the end of the command ends the run.
    'for i in 1 2; do read -r l; echo "$l" | tr a-z A-Z; done',
    "127.0.0.1",
    "0",
  );
  const port = await bounded(proc.listeningPort(), "listen");
  await using first = await udpClient(port);
  await using other = await udpClient(port);
  await first.send("hello\n");
  assert.equal(await bounded(first.reply(), "first reply"), "HELLO\n");
  // Not heard: a command of its own would answer at once (and had it
  // reached the first one, the next answer there would be OTHER).
  await other.send("other\n");
  assert.ok(await silent(other.sock, 500));
  await first.send("world\n");
  assert.equal(await bounded(first.reply(), "second reply"), "WORLD\n");
  const { code, stderr } = await bounded(proc.finish(), "exit");
  assert.equal(code, 0, stderr);
  assert.ok(
    stderr.includes(`datagrams from ${formatAddr(first.sock.localAddr)}\n`),
    stderr,
  );
  assert.ok(!stderr.includes(formatAddr(other.sock.localAddr)), stderr);
  // The tool has exited: whatever it sent has arrived.
  assert.ok(await silent(other.sock));
});

Deno.test("listen --udp --keep-open --exec runs a command per peer, and a new one for a peer whose command ended", async () => {
  const cmd = 'echo "pid $$"; read -r l; echo "$$ $l"';
  await using proc = cli(
    "listen",
    "-u",
    "-k",
    "-v",
    "--exec",
    cmd,
    "127.0.0.1",
    "0",
  );
  const port = await bounded(proc.listeningPort(), "listen");
  await using a = await udpClient(port);
  await using b = await udpClient(port);
  await a.send("one\n");
  await b.send("two\n");
  const [pidLineA, answerA] = await bounded(a.lines(2), "a's lines");
  const [pidLineB, answerB] = await bounded(b.lines(2), "b's lines");
  const pidA = /^pid (\d+)$/.exec(pidLineA!)?.[1];
  const pidB = /^pid (\d+)$/.exec(pidLineB!)?.[1];
  assert.ok(
    pidA !== undefined && pidB !== undefined,
    `${pidLineA} ${pidLineB}`,
  );
  assert.notEqual(pidA, pidB);
  // Each datagram went to its own peer's command, and the answer to it.
  assert.equal(answerA, `${pidA} one`);
  assert.equal(answerB, `${pidB} two`);
  // a's command exited after its line; a's next datagram starts another.
  await bounded(
    proc.waitForStderr(
      `127.0.0.1:${a.sock.localAddr.port}: ${
        JSON.stringify(cmd)
      } exited with status 0`,
    ),
    "the first command's exit",
  );
  await a.send("three\n");
  const [pidLineC, answerC] = await bounded(a.lines(2), "a's new lines");
  const pidC = /^pid (\d+)$/.exec(pidLineC!)?.[1];
  assert.ok(pidC !== undefined, pidLineC);
  assert.notEqual(pidC, pidA);
  assert.equal(answerC, `${pidC} three`);
  proc.kill("SIGINT");
  const { code, stdout } = await bounded(proc.finish(), "exit");
  assert.equal(code, 130);
  assert.equal(stdout.length, 0);
});

Deno.test(
  "listen --udp --keep-open --exec stops the commands on Ctrl-C and leaves none running",
  {
    ignore: Deno.build.os !== "linux",
  },
  async () => {
    await using proc = cli(
      "listen",
      "-u",
      "-k",
      "--exec",
      `echo "pid $$"; ${LINE_UPPER}`,
      "127.0.0.1",
      "0",
    );
    const port = await bounded(proc.listeningPort(), "listen");
    const pids: string[] = [];
    for (const name of ["a", "b"]) {
      await using client = await udpClient(port);
      await client.send(`from ${name}\n`);
      const [pidLine, answer] = await bounded(client.lines(2), name);
      const pid = /^pid (\d+)$/.exec(pidLine!)?.[1];
      assert.ok(pid !== undefined, pidLine);
      assert.equal(answer, `FROM ${name.toUpperCase()}`);
      pids.push(pid);
    }
    for (const pid of pids) assert.ok(await exists(`/proc/${pid}`));
    proc.kill("SIGINT");
    assert.equal((await bounded(proc.finish(), "exit")).code, 130);
    // Each command was stopped and waited for before the tool exited.
    for (const pid of pids) assert.equal(await exists(`/proc/${pid}`), false);
  },
);

Deno.test("listen --udp --exec -i closes the input of an idle command, whose output still goes out until it exits", async () => {
  await using proc = cli(
    "listen",
    "-u",
    "-v",
    "-i",
    "0.4",
    "--exec",
    "cat; echo input ended",
    "127.0.0.1",
    "0",
  );
  const port = await bounded(proc.listeningPort(), "listen");
  await using client = await udpClient(port);
  await client.send("x\n");
  assert.equal(await bounded(client.reply(), "cat's answer"), "x\n");
  // Without -i, cat would never see the end of its input.
  assert.equal(
    await bounded(client.reply(), "after the input"),
    "input ended\n",
  );
  const { code, stderr } = await bounded(proc.finish(), "exit");
  assert.equal(code, 0, stderr);
  const who = `127.0.0.1:${client.sock.localAddr.port}`;
  assert.ok(
    stderr.includes(
      `${who}: nothing moved for 400 ms: closing the input of "cat; echo input ended"\n`,
    ),
    stderr,
  );
  assert.ok(
    stderr.includes(`${who}: "cat; echo input ended" exited with status 0\n`),
    stderr,
  );
});

Deno.test("listen --udp --keep-open --exec -i stops a command still silent after its input closed; other peers go on", async () => {
  const cmd = "echo hi; exec sleep 60";
  await using proc = cli(
    "listen",
    "-u",
    "-k",
    "-v",
    "-i",
    "0.3",
    "--exec",
    cmd,
    "127.0.0.1",
    "0",
  );
  const port = await bounded(proc.listeningPort(), "listen");
  await using a = await udpClient(port);
  await a.send("x\n");
  assert.equal(await bounded(a.reply(), "a's hi"), "hi\n");
  const who = `127.0.0.1:${a.sock.localAddr.port}`;
  await bounded(
    proc.waitForStderr(`${who}: still silent: stopping "${cmd}"`),
    "the stop",
  );
  await bounded(
    proc.waitForStderr(`${who}: "${cmd}" ended by SIGTERM`),
    "the end of the command",
  );
  // The run goes on for other peers.
  await using b = await udpClient(port);
  await b.send("y\n");
  assert.equal(await bounded(b.reply(), "b's hi"), "hi\n");
  proc.kill("SIGINT");
  assert.equal((await bounded(proc.finish(), "exit")).code, 130);
});

Deno.test(
  "listen --udp --exec sends output larger than a datagram as several, none over the IPv4 limit",
  {
    ignore: !HAS_PYTHON,
  },
  async () => {
    await using proc = cli(
      "listen",
      "-u",
      "--exec",
      // One write of 64 KiB, which Deno reads as one chunk, over the limit.
      "read -r l; python3 -c \"import os; os.write(1, b'a' * 65536)\"",
      "127.0.0.1",
      "0",
    );
    const port = await bounded(proc.listeningPort(), "listen");
    await using client = await udpClient(port);
    await client.send("go\n");
    let total = 0;
    const sizes: number[] = [];
    while (total < 65_536) {
      const [data] = await bounded(
        udp.recvFrom(client.sock, { timeout: 10_000 }),
        "a datagram",
      );
      assert.ok(data.every((byte) => byte === 0x61));
      sizes.push(data.length);
      total += data.length;
    }
    assert.equal(total, 65_536);
    assert.ok(
      sizes.every((n) => n <= udp.MAX_DATAGRAM_BYTES_IPV4),
      `${sizes}`,
    );
    const { code, stderr } = await bounded(proc.finish(), "exit");
    assert.equal(code, 0, stderr);
  },
);

Deno.test("listen --udp --keep-open --exec runs 100 commands at once at most, dropping the datagrams of further senders", async () => {
  await using proc = cli(
    "listen",
    "-u",
    "-k",
    "-v",
    "--exec",
    "echo hi; exec cat >/dev/null",
    "127.0.0.1",
    "0",
  );
  const port = await bounded(proc.listeningPort(), "listen");
  const clients: UdpClient[] = [];
  try {
    for (let i = 0; i < 101; i++) clients.push(await udpClient(port));
    // One at a time, so the 101st is the one over the limit.
    for (const client of clients.slice(0, 100)) {
      await client.send("x\n");
      assert.equal(await bounded(client.reply(), "hi"), "hi\n");
    }
    const last = clients[100]!;
    await last.send("x\n");
    await bounded(
      proc.waitForStderr(
        `dropping a datagram from ${
          formatAddr(last.sock.localAddr)
        }: 100 commands run already`,
      ),
      "the drop",
    );
    assert.ok(await silent(last.sock));
  } finally {
    for (const client of clients) await udp.close(client.sock);
  }
  proc.kill("SIGINT");
  assert.equal((await bounded(proc.finish(), "exit")).code, 130);
});

Deno.test("connect --udp --exec sends the command's output to the server and the replies to its input, until it exits", async () => {
  await using server = await udp.bind({ hostname: "127.0.0.1", port: 0 });
  await using proc = cli(
    "connect",
    "-u",
    "--exec",
    'echo one; read -r l; echo "got $l"; read -r l; echo "got $l" >&2',
    "127.0.0.1",
    `${server.localAddr.port}`,
  );
  // An echo server that answers in capitals.
  const heard: string[] = [];
  for (let i = 0; i < 2; i++) {
    const [data, from] = await bounded(
      udp.recvFrom(server, { timeout: 10_000 }),
      `datagram ${i}`,
    );
    heard.push(text(data)!);
    await udp.sendTo(server, text(data)!.toUpperCase(), from);
  }
  assert.deepEqual(heard, ["one\n", "got ONE\n"]);
  const { code, stdout, stderr } = await bounded(proc.finish(), "exit");
  assert.equal(code, 0, stderr);
  assert.equal(stdout.length, 0);
  // The command's standard error is the tool's.
  assert.equal(stderr, "got GOT ONE\n");
});

Deno.test(
  "listen --unix --udp prints datagrams and answers the sender after each",
  {
    ignore: windows,
  },
  async () => {
    await inTempDir(async (dir) => {
      const path = `${dir}/server.sock`;
      await using proc = cli("listen", "--unix", path, "--udp");
      await bounded(proc.waitForStderr("listening on "), "listen");
      await using client = await unix.bind({ path: `${dir}/client.sock` });
      await proc.write("answer\n");
      // Give the tool time to read its input before the datagram comes.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await unix.sendTo(client, "hello\n", path);
      const [data] = await bounded(unix.recvFrom(client), "answer");
      assert.equal(text(data), "answer\n");
      proc.kill("SIGINT");
      const { code, stdout } = await bounded(proc.finish(), "exit");
      assert.equal(code, 130);
      assert.equal(text(stdout), "hello\n");
    });
  },
);

Deno.test(
  "connect --unix --udp ends on Ctrl-C while a send waits for the peer's full queue",
  {
    // Linux: a send to a full queue waits (other systems may drop or fail).
    ignore: !linux,
  },
  async () => {
    await inTempDir(async (dir) => {
      const path = `${dir}/server.sock`;
      await using proc = cli("connect", "--unix", path, "--udp");
      // Closed first: were the tool still sending, its send would then fail.
      await using server = await unix.bind({ path }); // never reads here
      // More datagrams than the server's queue takes, one input chunk each.
      const lines = maxDatagramQueue() + 30;
      let input = "";
      for (let i = 0; i < lines; i++) {
        const line = `line ${i}\n`;
        input += line;
        await bounded(proc.write(line), "a write");
        await new Promise((resolve) => setTimeout(resolve, 15));
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      proc.kill("SIGINT");
      const { code, stderr } = await bounded(proc.finish(), "exit", 5_000);
      assert.equal(code, 130, stderr);
      // What went, went in order.
      let got = "";
      for (let i = 0; i < lines; i++) {
        let data: Uint8Array;
        try {
          [data] = await unix.recvFrom(server, { timeout: 200 });
        } catch (err) {
          assert.ok(err instanceof Deno.errors.TimedOut, String(err));
          break;
        }
        got += text(data);
      }
      assert.ok(got.length > 0 && got.length < input.length, got);
      assert.equal(got, input.slice(0, got.length));
    });
  },
);

Deno.test(
  "listen --unix --udp stops reading input it holds for a peer past 1 MiB, then sends it in order",
  {
    ignore: !linux,
  },
  async () => {
    await inTempDir(async (dir) => {
      const path = `${dir}/server.sock`;
      await using proc = cli("listen", "--unix", path, "--udp");
      await bounded(proc.waitForStderr("listening on "), "listen");
      // No peer yet: the tool holds its input for the first one.
      const input = pseudoRandomBytes(16 * 1024 * 1024, 11);
      const piece = 65_536;
      let accepted = 0;
      let stalled: Promise<void> | null = null;
      while (accepted < input.length) {
        const writing = proc.write(input.subarray(accepted, accepted + piece));
        writing.catch(() => {}); // The tool is killed at the end.
        try {
          await within(writing, 1_000, "a write");
        } catch {
          stalled = writing;
          break;
        }
        accepted += piece;
      }
      assert.ok(stalled !== null, `all ${accepted} bytes of input were read`);
      // 1 MiB held, plus what the pipe holds (64 KiB) and a chunk or two.
      assert.ok(accepted >= 1024 * 1024, `${accepted} bytes accepted`);
      assert.ok(accepted < 4 * 1024 * 1024, `${accepted} bytes accepted`);

      await using client = await unix.bind({ path: `${dir}/client.sock` });
      await unix.sendTo(client, "go\n", path, { timeout: 5_000 });
      const got: Uint8Array[] = [];
      let total = 0;
      while (total < 512 * 1024) {
        const [data] = await unix.recvFrom(client, { timeout: 5_000 });
        // Each input chunk is one datagram, as before.
        assert.ok(data.length > 0 && data.length <= 16_384, `${data.length}`);
        got.push(data);
        total += data.length;
      }
      const received = concat(got);
      assert.equal(
        await sha256(received),
        await sha256(input.subarray(0, received.length)),
      );
      proc.kill("SIGINT");
      const { code, stdout, stderr } = await bounded(proc.finish(), "exit");
      assert.equal(code, 130, stderr);
      assert.equal(text(stdout), "go\n");
      await bounded(stalled.catch(() => {}), "the stalled write");
    });
  },
);

Deno.test(
  "connect --unix --udp sends the input and prints replies until -w passes",
  {
    ignore: windows,
  },
  async () => {
    await inTempDir(async (dir) => {
      const path = `${dir}/server.sock`;
      await using server = await unix.bind({ path });
      await using proc = cli("connect", "--unix", path, "--udp", "-w", "0.5");
      await proc.write("ping\n");
      await proc.closeStdin();
      const [data, from] = await bounded(unix.recvFrom(server), "datagram");
      assert.equal(text(data), "ping\n");
      await unix.sendTo(server, "pong\n", from);
      const { code, stdout, stderr } = await bounded(proc.finish(), "exit");
      assert.equal(code, 0, stderr);
      assert.equal(text(stdout), "pong\n");
    });
  },
);
