// Copyright 2026 the socketkit authors. MIT license.

import assert from "node:assert/strict";
import * as unix from "../unix.ts";
import {
  bytes,
  hasCommand,
  pseudoRandomBytes,
  run,
  sha256,
  text,
  within,
} from "./_util.ts";

const ignore = Deno.build.os === "windows";
const linux = Deno.build.os === "linux";
const decoder = new TextDecoder();

/** Runs `fn` with a fresh temporary directory, removed afterwards. */
async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "sk" });
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

/** Leaves a stale socket file at `path`: bound once, nobody listening now. */
function makeStaleSocket(path: string): void {
  const listener = Deno.listen({ transport: "unix", path });
  const keep = `${path}.stale`;
  Deno.linkSync(path, keep);
  listener.close(); // Deno removes `path`; the second link survives.
  Deno.renameSync(keep, path);
}

function abstractName(): string {
  return `\0socketkit-test-${crypto.randomUUID()}`;
}

const hasPython = await new Deno.Command("python3", { args: ["--version"] })
  .output().then((out) => out.success, () => false);

async function python(
  script: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command("python3", {
    args: ["-c", script, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
}

// ---- stream sockets ----

Deno.test({
  name: "listen() and connect() echo bytes over a Unix socket file",
  ignore,
  async fn() {
    await inTempDir(async (dir) => {
      const path = `${dir}/echo.sock`;
      await using server = await unix.listen({ path });
      assert.deepEqual(server.addr, { transport: "unix", path });
      const accepted = unix.accept(server);
      await using client = await unix.connect(path);
      await using conn = await accepted;
      assert.equal(client.remoteAddr.path, path);
      assert.equal(conn.localAddr.path, path);

      const payload = pseudoRandomBytes(300_000, 7);
      const sending = unix.sendAll(client, payload);
      const received = await unix.recvExact(conn, payload.length);
      await sending;
      assert.equal(await sha256(received), await sha256(payload));
      await unix.sendAll(conn, "done\n");
      assert.equal(await unix.recvLine(client), "done");
      assert.equal(client.bytesWritten, 300_000);
      assert.equal(conn.bytesRead, 300_000);
    });
  },
});

Deno.test({
  name: "listen() takes a plain path string",
  ignore,
  async fn() {
    await inTempDir(async (dir) => {
      await using server = await unix.listen(`${dir}/s.sock`);
      assert.equal(server.addr.path, `${dir}/s.sock`);
      assert.equal((await Deno.lstat(`${dir}/s.sock`)).isSocket, true);
    });
  },
});

Deno.test({
  name: "shutdown() half-closes a Unix stream and the peer can still answer",
  ignore,
  async fn() {
    await inTempDir(async (dir) => {
      await using server = await unix.listen(`${dir}/h.sock`);
      const accepted = unix.accept(server);
      await using client = await unix.connect(`${dir}/h.sock`);
      await using conn = await accepted;
      await unix.sendAll(client, "question");
      await unix.shutdown(client, "write");
      assert.equal(text(await unix.recvExact(conn, 8)), "question");
      assert.equal(await unix.recv(conn), null);
      await unix.sendAll(conn, "answer");
      await unix.shutdown(conn);
      assert.equal(text(await unix.recv(client)), "answer");
      assert.equal(await unix.recv(client), null);
    });
  },
});

Deno.test({
  name: "recv() that timed out on a Unix stream loses no bytes",
  ignore,
  async fn() {
    await inTempDir(async (dir) => {
      await using server = await unix.listen(`${dir}/t.sock`);
      const accepted = unix.accept(server);
      await using client = await unix.connect(`${dir}/t.sock`);
      await using conn = await accepted;
      await assert.rejects(
        unix.recv(conn, 100, { timeout: 20 }),
        Deno.errors.TimedOut,
      );
      await unix.sendAll(client, "late");
      assert.equal(text(await unix.recv(conn, 100)), "late");
    });
  },
});

Deno.test({
  name: "listen() replaces a stale socket file",
  ignore,
  async fn() {
    await inTempDir(async (dir) => {
      const path = `${dir}/stale.sock`;
      makeStaleSocket(path);
      // A second name keeps the stale inode alive, so its number is not reused.
      await Deno.link(path, `${dir}/second-name`);
      const before = await Deno.lstat(path);
      assert.equal(before.isSocket, true);
      await assert.rejects(
        Deno.connect({ transport: "unix", path }),
        Deno.errors.ConnectionRefused,
      );
      await using server = await unix.listen(path);
      assert.notEqual((await Deno.lstat(path)).ino, before.ino);
      const accepted = unix.accept(server);
      await using client = await unix.connect(path);
      await using conn = await accepted;
      await unix.sendAll(client, "x");
      assert.equal(text(await unix.recv(conn)), "x");
    });
  },
});

Deno.test({
  name: "listen() refuses a live socket file with AddrInUse naming the path",
  ignore,
  async fn() {
    await inTempDir(async (dir) => {
      const path = `${dir}/live.sock`;
      await using first = await unix.listen(path);
      const ino = (await Deno.lstat(path)).ino;
      await assert.rejects(unix.listen(path), (err: Error) => {
        assert.ok(err instanceof Deno.errors.AddrInUse);
        assert.match(err.message, /^Cannot listen on ".*live\.sock": /);
        assert.ok(err.message.includes(path));
        return true;
      });
      // The live server and its file are untouched.
      assert.equal((await Deno.lstat(path)).ino, ino);
      const probe = await unix.accept(first, { timeout: 5_000 });
      await unix.close(probe);
      const accepted = unix.accept(first);
      await using client = await unix.connect(path);
      await using conn = await accepted;
      await unix.sendAll(conn, "still here\n");
      assert.equal(await unix.recvLine(client), "still here");
    });
  },
});

Deno.test({
  name: "listen() refuses a path that exists and is not a socket",
  ignore,
  async fn() {
    await inTempDir(async (dir) => {
      const file = `${dir}/config.txt`;
      await Deno.writeTextFile(file, "keep me");
      await assert.rejects(unix.listen(file), (err: Error) => {
        assert.ok(err instanceof Deno.errors.AlreadyExists);
        assert.equal(
          err.message,
          `Cannot listen on "${file}": the path exists and is not a socket (remove it or choose another path)`,
        );
        return true;
      });
      assert.equal(await Deno.readTextFile(file), "keep me");
      await Deno.mkdir(`${dir}/sub`);
      await assert.rejects(
        unix.listen(`${dir}/sub`),
        Deno.errors.AlreadyExists,
      );
      assert.equal((await Deno.lstat(`${dir}/sub`)).isDirectory, true);
    });
  },
});

Deno.test({
  name: "listen() sets the socket file's permission bits from mode",
  ignore,
  async fn() {
    await inTempDir(async (dir) => {
      for (const mode of [0o600, 0o660, 0o777]) {
        const path = `${dir}/m${mode.toString(8)}.sock`;
        await using _server = await unix.listen({ path, mode });
        assert.equal((await Deno.lstat(path)).mode! & 0o777, mode);
      }
    });
  },
});

/** A Python any user may run (a root's pyenv shim is not). */
const SYSTEM_PYTHON = "/usr/bin/python3";
const AS_ROOT_WITH_SETPRIV = !ignore && Deno.uid() === 0 &&
  hasCommand("setpriv") && (() => {
    try {
      return (Deno.statSync(SYSTEM_PYTHON).mode! & 0o001) !== 0;
    } catch {
      return false;
    }
  })();
/** Runs a command as the unprivileged user nobody. */
const AS_NOBODY = [
  "--reuid=nobody",
  "--regid=nogroup",
  "--clear-groups",
];

Deno.test({
  name:
    "listen() with mode never lets another user connect, even for a moment, whatever the umask (root only: tries as nobody)",
  ignore: !AS_ROOT_WITH_SETPRIV,
  async fn() {
    await inTempDir(async (dir) => {
      await Deno.chmod(dir, 0o777);
      const path = `${dir}/private.sock`;
      const stop = `${dir}/stop`;
      // nobody connects in a tight loop while root listens 300 times.
      const intruder = new Deno.Command("setpriv", {
        args: [
          ...AS_NOBODY,
          SYSTEM_PYTHON,
          "-c",
          `import os, socket, sys
path, stop = sys.argv[1], sys.argv[2]
connected = tries = 0
while not os.path.exists(stop):
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(path)
        connected += 1
    except OSError:
        pass
    s.close()
    tries += 1
print(connected, tries)
`,
          path,
          stop,
        ],
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const old = Deno.umask(0);
      try {
        for (let i = 0; i < 300; i++) {
          const server = await unix.listen({ path, mode: 0o600 });
          await new Promise((resolve) => setTimeout(resolve, 1));
          await unix.close(server);
        }
      } finally {
        Deno.umask(old);
        await Deno.writeTextFile(stop, "");
      }
      const out = await intruder.output();
      const [connected, tries] = new TextDecoder().decode(out.stdout).trim()
        .split(" ").map(Number);
      assert.ok(tries! > 0, new TextDecoder().decode(out.stderr));
      assert.equal(connected, 0, `nobody connected ${connected} times`);
    });
  },
});

Deno.test({
  name:
    "listen() with mode creates the socket file with those bits, not the umask's wider ones",
  ignore,
  async fn() {
    await inTempDir(async (dir) => {
      const old = Deno.umask(0);
      try {
        const path = `${dir}/narrow.sock`;
        await using _server = await unix.listen({ path, mode: 0o600 });
        assert.equal((await Deno.lstat(path)).mode! & 0o777, 0o600);
        // The umask is back as it was.
        assert.equal(Deno.umask(), 0);
      } finally {
        Deno.umask(old);
      }
    });
  },
});

Deno.test({
  name:
    "listen() with mode and without sys permission for umask refuses with NotCapable saying which flag",
  ignore,
  permissions: { read: true, write: true, net: true, sys: false },
  async fn() {
    await inTempDir(async (dir) => {
      const path = `${dir}/m.sock`;
      await assert.rejects(
        unix.listen({ path, mode: 0o600 }),
        {
          name: "NotCapable",
          message:
            `Cannot listen on "${path}" with mode 0o600: the mode is set as the socket is created, which needs sys access to "umask" (--allow-sys)`,
        },
      );
      assert.equal(await exists(path), false);
    });
  },
});

Deno.test({
  name:
    "closing a server listening on a relative path removes its file after a chdir, and nothing in the new directory",
  ignore,
  async fn() {
    await inTempDir(async (dir) => {
      const home = Deno.cwd();
      await Deno.mkdir(`${dir}/a`);
      await Deno.mkdir(`${dir}/b`);
      Deno.chdir(`${dir}/a`);
      try {
        const server = await unix.listen({ path: "rel.sock" });
        assert.equal(server.addr.path, "rel.sock");
        Deno.chdir(`${dir}/b`);
        await Deno.writeTextFile(`${dir}/b/rel.sock`, "not ours");
        await unix.close(server);
      } finally {
        Deno.chdir(home);
      }
      assert.equal(await exists(`${dir}/a/rel.sock`), false);
      assert.equal(await Deno.readTextFile(`${dir}/b/rel.sock`), "not ours");
    });
  },
});

Deno.test({
  name:
    "listen() over a socket file it may not connect to reports PermissionDenied, not a live socket (root only: listens as nobody)",
  ignore: !AS_ROOT_WITH_SETPRIV,
  async fn() {
    await inTempDir(async (dir) => {
      await Deno.chmod(dir, 0o777);
      const path = `${dir}/root.sock`;
      makeStaleSocket(path);
      await Deno.chmod(path, 0o600);
      const script = `${dir}/listen.ts`;
      await Deno.writeTextFile(
        script,
        `import * as unix from "${new URL("../unix.ts", import.meta.url).href}";
try {
  await unix.listen({ path: ${JSON.stringify(path)} });
  console.log("listening");
} catch (err) {
  console.log(JSON.stringify({ name: err.name, message: err.message, cause: err.cause?.name }));
}
`,
      );
      const out = await run("setpriv", [
        ...AS_NOBODY,
        "env",
        `DENO_DIR=${dir}/deno`,
        `HOME=${dir}`,
        Deno.execPath(),
        "run",
        "-A",
        "--quiet",
        script,
      ]);
      assert.equal(out.code, 0, out.stderr);
      assert.deepEqual(JSON.parse(out.stdout), {
        name: "PermissionDenied",
        message:
          `Cannot listen on "${path}": a socket file is there that this user may not connect to, so whether it is live is unknown (remove it or choose another path)`,
        cause: "PermissionDenied",
      });
      // The file is left alone.
      assert.equal((await Deno.lstat(path)).isSocket, true);
    });
  },
});

Deno.test({
  name:
    'listen() and connect() refuse the bare abstract name "\\0", which would get a name the kernel picks',
  ignore: !linux,
  async fn() {
    await assert.rejects(
      unix.listen({ path: "\0" }),
      /^RangeError: Cannot listen as an abstract name must have a character after its leading NUL/,
    );
    await assert.rejects(
      unix.connect("\0"),
      /^RangeError: Cannot connect as an abstract name must have a character after its leading NUL/,
    );
  },
});

Deno.test({
  name:
    "closing a Unix server removes its socket file, with or without a pending accept",
  ignore,
  async fn() {
    await inTempDir(async (dir) => {
      const idle = await unix.listen(`${dir}/idle.sock`);
      await unix.close(idle);
      assert.equal(await exists(`${dir}/idle.sock`), false);

      const busy = await unix.listen(`${dir}/busy.sock`);
      const accepting = unix.accept(busy).catch((err) => err);
      await unix.close(busy);
      assert.ok((await accepting) instanceof Deno.errors.BadResource);
      assert.equal(await exists(`${dir}/busy.sock`), false);
      // The path can be used again at once.
      await using again = await unix.listen(`${dir}/busy.sock`);
      assert.equal(again.addr.path, `${dir}/busy.sock`);
    });
  },
});

Deno.test({
  name: "closing a Unix server leaves alone a socket that replaced its file",
  ignore,
  async fn() {
    await inTempDir(async (dir) => {
      const path = `${dir}/shared.sock`;
      const old = await unix.listen(path);
      await Deno.remove(path); // as a new instance of a service would
      await using replacement = await unix.listen(path);
      const ino = (await Deno.lstat(path)).ino;
      const accepting = unix.accept(old).catch((err) => err);
      await unix.close(old);
      assert.ok((await accepting) instanceof Deno.errors.BadResource);
      assert.equal((await Deno.lstat(path)).ino, ino);
      const accepted = unix.accept(replacement);
      await using client = await unix.connect(path);
      await using conn = await accepted;
      await unix.sendAll(conn, "new server\n");
      assert.equal(await unix.recvLine(client), "new server");
      // No leftover second link.
      assert.deepEqual(
        (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name),
        ["shared.sock"],
      );
    });
  },
});

Deno.test({
  name:
    "closing a Unix server leaves alone a regular file that replaced its socket",
  ignore,
  async fn() {
    await inTempDir(async (dir) => {
      const path = `${dir}/s.sock`;
      const server = await unix.listen(path);
      await Deno.remove(path);
      await Deno.writeTextFile(path, "someone else's");
      await unix.close(server);
      assert.equal(await Deno.readTextFile(path), "someone else's");
      assert.equal((await Array.fromAsync(Deno.readDir(dir))).length, 1);
    });
  },
});

Deno.test({
  name:
    "listen() and connect() work with a Linux abstract name and create no file",
  ignore: !linux,
  async fn() {
    const name = abstractName();
    await using server = await unix.listen({ path: name });
    assert.equal(server.addr.path, name);
    const accepted = unix.accept(server);
    await using client = await unix.connect(name);
    await using conn = await accepted;
    assert.equal(client.remoteAddr.path, name);
    await unix.sendAll(client, "abstract\n");
    assert.equal(await unix.recvLine(conn), "abstract");
    await assert.rejects(
      unix.listen(name),
      /^AddrInUse: Cannot listen on "@socketkit-test-.*": another socket is bound to this abstract name$/,
    );
    await using byAddr = await unix.connect(server.addr);
    assert.equal(byAddr.remoteAddr.path, name);
    await unix.close(await unix.accept(server));
    await assert.rejects(
      unix.listen({ path: name, mode: 0o600 }),
      TypeError,
    );
  },
});

Deno.test({
  name: "connect() reports a missing path and a file that is not a socket",
  ignore,
  async fn() {
    await inTempDir(async (dir) => {
      await assert.rejects(unix.connect(`${dir}/none.sock`), (err: Error) => {
        assert.ok(err instanceof Deno.errors.NotFound);
        assert.equal(
          err.message,
          `Cannot connect to "${dir}/none.sock": no such file or directory`,
        );
        return true;
      });
      await Deno.writeTextFile(`${dir}/plain`, "");
      await assert.rejects(
        unix.connect(`${dir}/plain`),
        Deno.errors.ConnectionRefused,
      );
      makeStaleSocket(`${dir}/stale.sock`);
      await assert.rejects(
        unix.connect(`${dir}/stale.sock`),
        Deno.errors.ConnectionRefused,
      );
    });
  },
});

Deno.test({
  name: "a Unix server is iterable with for await until closed",
  ignore,
  async fn() {
    await inTempDir(async (dir) => {
      const server = await unix.listen(`${dir}/it.sock`);
      const clients = [
        await unix.connect(`${dir}/it.sock`),
        await unix.connect(`${dir}/it.sock`),
      ];
      let n = 0;
      for await (const conn of server) {
        await unix.sendAll(conn, `${n}\n`);
        await unix.close(conn);
        if (++n === 2) break;
      }
      assert.equal(await unix.recvLine(clients[0]!), "0");
      assert.equal(await unix.recvLine(clients[1]!), "1");
      for (const c of clients) await unix.close(c);
      await unix.close(server);
    });
  },
});

// ---- paths and arguments ----

Deno.test({
  name:
    "a path of 107 bytes is accepted and one of 108 is a RangeError naming it",
  ignore: !linux,
  async fn() {
    await inTempDir(async (dir) => {
      const fit = `${dir}/${"a".repeat(107 - dir.length - 1)}`;
      assert.equal(fit.length, 107);
      await using server = await unix.listen(fit);
      assert.equal(server.addr.path, fit);
      const long = `${fit}b`;
      for (
        const attempt of [
          () => unix.listen(long),
          () => unix.connect(long),
          () => unix.bind(long),
        ]
      ) {
        await assert.rejects(attempt(), (err: Error) => {
          assert.ok(err instanceof RangeError);
          assert.match(
            err.message,
            /^Cannot (listen|connect|bind) as path must be at most 107 bytes in UTF-8 on linux: current value is ".*" \(108 bytes\)$/,
          );
          assert.ok(err.message.includes(long));
          return true;
        });
      }
      assert.equal(await exists(long), false);
    });
  },
});

Deno.test({
  name: "path length is measured in UTF-8 bytes, not characters",
  ignore: !linux,
  async fn() {
    const dir = "/tmp/";
    const path = dir + "é".repeat(52); // 5 + 104 bytes, 57 characters
    await assert.rejects(unix.listen(path), (err: Error) => {
      assert.ok(err instanceof RangeError);
      assert.ok(err.message.endsWith("(109 bytes)"));
      return true;
    });
    const name = "\0" + "é".repeat(54); // 109 bytes
    await assert.rejects(unix.listen(name), RangeError);
    await assert.rejects(unix.connect("\0" + "z".repeat(108)), RangeError);
  },
});

Deno.test({
  name: "an empty path is a RangeError before any I/O",
  ignore,
  permissions: { read: false, write: false, net: false },
  async fn() {
    for (
      const attempt of [
        () => unix.listen(""),
        () => unix.listen({ path: "" }),
        () => unix.connect(""),
        () => unix.bind(""),
      ]
    ) {
      await assert.rejects(attempt(), (err: Error) => {
        assert.ok(err instanceof RangeError);
        assert.match(
          err.message,
          /^Cannot (listen|connect|bind) as path must not be empty: current value is ""$/,
        );
        return true;
      });
    }
  },
});

Deno.test({
  name: "bad arguments are TypeError or RangeError naming the value",
  ignore,
  permissions: { read: false, write: false, net: false },
  async fn() {
    await assert.rejects(
      unix.listen(42 as unknown as string),
      /^TypeError: Cannot listen as options must be a path or an object with a path: current value is 42$/,
    );
    await assert.rejects(
      unix.listen({} as unix.ListenOptions),
      /^TypeError: Cannot listen as path must be a string: current value is undefined$/,
    );
    await assert.rejects(
      unix.listen({ path: "/tmp/x.sock", mode: 0o1000 }),
      /^RangeError: Cannot listen as mode must be an integer from 0 to 0o777: current value is 512$/,
    );
    await assert.rejects(
      unix.listen({ path: "/tmp/x.sock", mode: "600" as unknown as number }),
      TypeError,
    );
    await assert.rejects(unix.listen("/tmp/a\0b"), TypeError);
    await assert.rejects(unix.connect(5 as unknown as string), TypeError);
    await assert.rejects(
      unix.connect("/tmp/x.sock", { timeout: -1 }),
      RangeError,
    );
    await assert.rejects(
      unix.bind({ path: "/tmp/x.sock", maxBytes: -1 }),
      /^RangeError: Cannot bind as maxBytes must be an integer/,
    );
    await assert.rejects(
      unix.recvFrom({} as unix.UnixDatagramSocket),
      /^TypeError: Cannot recvFrom as sock must be a UnixDatagramSocket from bind: current value is an object$/,
    );
    await assert.rejects(
      unix.sendTo(null as unknown as unix.UnixDatagramSocket, "x", "/tmp/y"),
      TypeError,
    );
    await assert.rejects(
      unix.recv({} as unix.UnixSocket),
      TypeError,
    );
    assert.throws(
      () => unix.setBlocking({} as unix.UnixSocket, "no" as unknown as boolean),
      TypeError,
    );
  },
});

Deno.test({
  name: "Unix sockets need read, write and net permissions",
  ignore,
  permissions: { read: true, write: true, net: false },
  async fn() {
    await inTempDir(async (dir) => {
      await assert.rejects(unix.listen(`${dir}/p.sock`), (err: Error) => {
        assert.ok(err instanceof Deno.errors.NotCapable);
        assert.match(err.message, /^Cannot listen on ".*p\.sock": /);
        return true;
      });
      assert.equal(await exists(`${dir}/p.sock`), false);
    });
  },
});

Deno.test({
  name: "operations on closed Unix sockets reject with BadResource",
  ignore,
  async fn() {
    await inTempDir(async (dir) => {
      const server = await unix.listen(`${dir}/c.sock`);
      const accepted = unix.accept(server);
      const client = await unix.connect(`${dir}/c.sock`);
      const conn = await accepted;
      await unix.close(client);
      await unix.close(client);
      await assert.rejects(unix.recv(client), Deno.errors.BadResource);
      await assert.rejects(unix.sendAll(client, "x"), Deno.errors.BadResource);
      assert.equal(await unix.recv(conn), null);
      await unix.close(conn);
      await unix.close(server);
      await assert.rejects(unix.accept(server), Deno.errors.BadResource);

      const dgram = await unix.bind(`${dir}/d.sock`);
      await unix.close(dgram);
      await unix.close(dgram);
      assert.equal(dgram.closed, true);
      await assert.rejects(unix.recvFrom(dgram), Deno.errors.BadResource);
      await assert.rejects(
        unix.sendTo(dgram, "x", `${dir}/d.sock`),
        Deno.errors.BadResource,
      );
    });
  },
});

// ---- datagram sockets ----

Deno.test({
  name:
    "bind(), sendTo() and recvFrom() exchange datagrams with their boundaries",
  ignore,
  async fn() {
    await inTempDir(async (dir) => {
      await using a = await unix.bind(`${dir}/a.sock`);
      await using b = await unix.bind({ path: `${dir}/b.sock` });
      assert.deepEqual(a.localAddr, {
        transport: "unixpacket",
        path: `${dir}/a.sock`,
      });
      assert.equal(await unix.sendTo(a, "one", `${dir}/b.sock`), 3);
      assert.equal(await unix.sendTo(a, new Uint8Array(0), b.localAddr), 0);
      assert.equal(await unix.sendTo(a, bytes("three"), b.localAddr.path), 5);
      const got = [];
      for (let i = 0; i < 3; i++) {
        const [data, from] = await unix.recvFrom(b, { timeout: 5_000 });
        assert.equal(from.path, `${dir}/a.sock`);
        got.push(decoder.decode(data));
      }
      assert.deepEqual(got, ["one", "", "three"]);
      assert.equal(b.bytesRead, 8);
      assert.equal(a.bytesWritten, 8);
    });
  },
});

Deno.test({
  name: "recvFrom() attributes each datagram to the sender's path",
  ignore,
  async fn() {
    await inTempDir(async (dir) => {
      await using server = await unix.bind(`${dir}/server.sock`);
      const senders = [];
      for (let i = 0; i < 4; i++) {
        senders.push(await unix.bind(`${dir}/c${i}.sock`));
      }
      try {
        for (let round = 0; round < 5; round++) {
          for (let i = 0; i < senders.length; i++) {
            await unix.sendTo(senders[i]!, `c${i}:${round}`, server.localAddr);
            const [data, from] = await unix.recvFrom(server, {
              timeout: 5_000,
            });
            const [who] = decoder.decode(data).split(":");
            assert.equal(from.path, `${dir}/${who}.sock`);
            // Reply to the address as received.
            await unix.sendTo(server, data, from);
            const [echo] = await unix.recvFrom(senders[i]!, { timeout: 5_000 });
            assert.equal(decoder.decode(echo), `c${i}:${round}`);
          }
        }
      } finally {
        for (const s of senders) await unix.close(s);
      }
    });
  },
});

Deno.test({
  name:
    "recvFrom() that timed out keeps its place and the late datagram is received",
  ignore,
  async fn() {
    await inTempDir(async (dir) => {
      await using server = await unix.bind(`${dir}/s.sock`);
      await using client = await unix.bind(`${dir}/c.sock`);
      await assert.rejects(
        unix.recvFrom(server, { timeout: 20 }),
        (err: Error) => {
          assert.ok(err instanceof Deno.errors.TimedOut);
          assert.match(
            err.message,
            /^Cannot recvFrom on ".*s\.sock": timed out after 20 ms$/,
          );
          return true;
        },
      );
      const controller = new AbortController();
      const aborted = unix.recvFrom(server, { signal: controller.signal });
      controller.abort(new Error("stop"));
      await assert.rejects(aborted, /stop/);
      await unix.sendTo(client, "late 1", server.localAddr);
      await unix.sendTo(client, "late 2", server.localAddr);
      assert.equal(decoder.decode((await unix.recvFrom(server))[0]), "late 1");
      assert.equal(decoder.decode((await unix.recvFrom(server))[0]), "late 2");
    });
  },
});

Deno.test({
  name:
    "sendTo() during a receive in flight is Busy (a Deno limitation) and works after it",
  ignore,
  async fn() {
    await inTempDir(async (dir) => {
      await using a = await unix.bind(`${dir}/a.sock`);
      await using b = await unix.bind(`${dir}/b.sock`);
      await assert.rejects(unix.recvFrom(a, { timeout: 10 }));
      await assert.rejects(unix.sendTo(a, "x", b.localAddr), (err: Error) => {
        assert.ok(err instanceof Deno.errors.Busy);
        assert.match(err.message, /a receive is in flight/);
        return true;
      });
      await unix.sendTo(b, "wake", a.localAddr);
      assert.equal(decoder.decode((await unix.recvFrom(a))[0]), "wake");
      assert.equal(await unix.sendTo(a, "now", b.localAddr), 3);
      assert.equal(decoder.decode((await unix.recvFrom(b))[0]), "now");
      // Concurrent sends take turns instead of failing.
      const sends = [];
      for (let i = 0; i < 8; i++) {
        sends.push(unix.sendTo(a, `${i}`, b.localAddr));
      }
      assert.deepEqual(await Promise.all(sends), Array(8).fill(1));
      const got = [];
      for (let i = 0; i < 8; i++) {
        got.push(decoder.decode((await unix.recvFrom(b))[0]));
      }
      assert.deepEqual(got, ["0", "1", "2", "3", "4", "5", "6", "7"]);
      // Two receives at once are refused.
      const first = unix.recvFrom(b);
      await assert.rejects(unix.recvFrom(b), Deno.errors.Busy);
      await unix.sendTo(a, "end", b.localAddr);
      assert.equal(decoder.decode((await first)[0]), "end");
    });
  },
});

Deno.test({
  name:
    "recvFrom() returns a 200,000-byte datagram whole and refuses one over maxBytes",
  ignore,
  async fn() {
    await inTempDir(async (dir) => {
      await using big = await unix.bind(`${dir}/big.sock`);
      await using small = await unix.bind({
        path: `${dir}/small.sock`,
        maxBytes: 100,
      });
      await using sender = await unix.bind(`${dir}/sender.sock`);
      assert.equal(small.maxBytes, 100);
      const payload = pseudoRandomBytes(200_000, 3);
      await unix.sendTo(sender, payload, big.localAddr);
      const [data] = await unix.recvFrom(big);
      assert.equal(await sha256(data), await sha256(payload));

      await unix.sendTo(sender, new Uint8Array(100), small.localAddr);
      await unix.sendTo(sender, new Uint8Array(101), small.localAddr);
      await unix.sendTo(sender, "after", small.localAddr);
      assert.equal((await unix.recvFrom(small))[0].length, 100);
      await assert.rejects(unix.recvFrom(small), (err: Error) => {
        assert.ok(err instanceof Deno.errors.InvalidData);
        assert.match(err.message, /larger than maxBytes \(100\)/);
        return true;
      });
      assert.equal(decoder.decode((await unix.recvFrom(small))[0]), "after");

      await assert.rejects(
        unix.sendTo(sender, new Uint8Array(4_000_000), big.localAddr),
        RangeError,
      );
    });
  },
});

Deno.test({
  name:
    "bind() handles socket files as listen() does and close() removes its file",
  ignore,
  async fn() {
    await inTempDir(async (dir) => {
      const path = `${dir}/d.sock`;
      makeStaleSocket(path);
      const sock = await unix.bind({ path, mode: 0o600 });
      assert.equal((await Deno.lstat(path)).mode! & 0o777, 0o600);
      await assert.rejects(unix.bind(path), Deno.errors.AddrInUse);
      await using _stream = await unix.listen(`${dir}/stream.sock`);
      await assert.rejects(
        unix.bind(`${dir}/stream.sock`),
        Deno.errors.AddrInUse,
      );
      await Deno.writeTextFile(`${dir}/file`, "");
      await assert.rejects(unix.bind(`${dir}/file`), Deno.errors.AlreadyExists);
      await unix.close(sock);
      assert.equal(await exists(path), false);
      // A socket that replaced ours is left alone.
      const old = await unix.bind(path);
      await Deno.remove(path);
      await using replacement = await unix.bind(path);
      await unix.close(old);
      assert.equal(await exists(path), true);
      assert.equal(replacement.closed, false);
    });
  },
});

Deno.test({
  name: "datagram sockets work with a Linux abstract name",
  ignore: !linux,
  async fn() {
    const name = abstractName();
    await using server = await unix.bind(name);
    await using client = await unix.bind(abstractName());
    await unix.sendTo(client, "hi", name);
    const [data, from] = await unix.recvFrom(server, { timeout: 5_000 });
    assert.equal(decoder.decode(data), "hi");
    assert.equal(from.path, client.localAddr.path);
  },
});

Deno.test({
  name:
    "a datagram socket is iterable with for await and setTimeout applies to it",
  ignore,
  async fn() {
    await inTempDir(async (dir) => {
      const server = await unix.bind(`${dir}/s.sock`);
      await using client = await unix.bind(`${dir}/c.sock`);
      for (const word of ["a", "b", "c"]) {
        await unix.sendTo(client, word, server.localAddr);
      }
      const got = [];
      for await (const [data] of server) {
        got.push(decoder.decode(data));
        if (got.length === 3) break;
      }
      assert.deepEqual(got, ["a", "b", "c"]);
      unix.setTimeout(server, 15);
      assert.equal(server.timeout, 15);
      await assert.rejects(unix.recvFrom(server), Deno.errors.TimedOut);
      unix.setBlocking(server, true);
      assert.equal(server.timeout, null);
      await unix.close(server);
      assert.equal(await exists(`${dir}/s.sock`), false);
    });
  },
});

Deno.test({
  name: "sendTo() reports a missing and a stale destination",
  ignore,
  async fn() {
    await inTempDir(async (dir) => {
      await using a = await unix.bind(`${dir}/a.sock`);
      await assert.rejects(
        unix.sendTo(a, "x", `${dir}/none.sock`),
        (err: Error) => {
          assert.ok(err instanceof Deno.errors.NotFound);
          assert.equal(
            err.message,
            `Cannot sendTo "${dir}/none.sock": no such file or directory`,
          );
          return true;
        },
      );
      makeStaleSocket(`${dir}/stale.sock`);
      await assert.rejects(
        unix.sendTo(a, "x", `${dir}/stale.sock`),
        Deno.errors.ConnectionRefused,
      );
      await assert.rejects(
        unix.sendTo(a, "x", {
          transport: "unixpacket",
          path: null as unknown as string,
        }),
        /the address is unnamed/,
      );
    });
  },
});

/** Resolves after `ms` milliseconds. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Fills the queue of `receiver` (which must not read meanwhile) from
 * `filler`: sends until a send does not go within 200 ms. Returns the
 * datagrams that went, in order, and the one left pending (Deno cannot take
 * a send back: it goes once the receiver makes room).
 */
async function fillQueue(
  filler: unix.UnixDatagramSocket,
  receiver: unix.UnixDatagramSocket,
): Promise<{ sent: string[]; pending: string }> {
  const sent: string[] = [];
  unix.setTimeout(filler, 200);
  try {
    for (let i = 0; i < 1_000; i++) {
      try {
        await within(
          unix.sendTo(filler, `fill ${i}`, receiver.localAddr),
          5_000,
          "a send while filling the queue",
        );
        sent.push(`fill ${i}`);
      } catch (err) {
        assert.ok(err instanceof Deno.errors.TimedOut, String(err));
        return { sent, pending: `fill ${i}` };
      }
    }
  } finally {
    unix.setTimeout(filler, null);
  }
  throw new Error("the receiver's queue never filled");
}

/** Receives datagrams as text until every one of `wanted` came. */
async function receiveUntil(
  receiver: unix.UnixDatagramSocket,
  wanted: string[],
  most: number,
): Promise<string[]> {
  const got: string[] = [];
  while (!wanted.every((w) => got.includes(w))) {
    assert.ok(got.length < most, `too many datagrams: ${got.join(", ")}`);
    const [data] = await unix.recvFrom(receiver, { timeout: 5_000 });
    got.push(decoder.decode(data));
  }
  return got;
}

/** Waits until `sock` counts `bytes` written: its pending send settled. */
async function writtenBy(
  sock: unix.UnixDatagramSocket,
  bytes: number,
): Promise<void> {
  for (let i = 0; sock.bytesWritten < bytes; i++) {
    assert.ok(i < 500, `bytesWritten stayed at ${sock.bytesWritten}`);
    await sleep(10);
  }
  assert.equal(sock.bytesWritten, bytes);
}

Deno.test({
  name:
    "sendTo() to a full queue rejects on its timeout or signal and the datagram still goes when there is room",
  // Linux: a send to a full queue waits (other systems may fail).
  ignore: !linux,
  async fn() {
    await inTempDir(async (dir) => {
      // The receiver is closed first: a send still waiting then fails.
      await using filler = await unix.bind(`${dir}/f.sock`);
      await using sender = await unix.bind(`${dir}/s.sock`);
      await using aborter = await unix.bind(`${dir}/a.sock`);
      await using receiver = await unix.bind(`${dir}/r.sock`);
      const { sent, pending } = await fillQueue(filler, receiver);

      // The send itself waits for room, and its timeout cuts the wait short.
      const started = Date.now();
      await assert.rejects(
        within(
          unix.sendTo(sender, "timed", receiver.localAddr, { timeout: 100 }),
          5_000,
          "sendTo with a timeout",
        ),
        (err: Error) => {
          assert.ok(err instanceof Deno.errors.TimedOut, String(err));
          assert.match(
            err.message,
            /^Cannot sendTo ".*r\.sock": timed out after 100 ms$/,
          );
          return true;
        },
      );
      assert.ok(Date.now() - started >= 90);
      assert.equal(sender.bytesWritten, 0);

      // An abort rejects with the signal's reason, unchanged.
      const controller = new AbortController();
      const reason = new Error("stop sending");
      const aborted = unix.sendTo(aborter, "aborted", receiver.localAddr, {
        signal: controller.signal,
      });
      await sleep(50);
      controller.abort(reason);
      await assert.rejects(
        within(aborted, 5_000, "sendTo with a signal"),
        (err: unknown) => err === reason,
      );

      // A later send on the same socket waits for the one cut short.
      const after = unix.sendTo(sender, "after", receiver.localAddr, {
        timeout: 10_000,
      });
      const got = await receiveUntil(
        receiver,
        ["after", "timed", "aborted", pending],
        sent.length + 10,
      );
      assert.equal(await within(after, 5_000, "the send after"), 5);
      // Nothing lost, nothing reordered from one sender.
      assert.deepEqual(got.filter((d) => d.startsWith("fill ")), [
        ...sent,
        pending,
      ]);
      assert.ok(got.indexOf("timed") < got.indexOf("after"));
      assert.equal(got.length, sent.length + 4);
      await writtenBy(sender, "timed".length + "after".length);
      await writtenBy(aborter, "aborted".length);
      // The sockets still work both ways.
      await unix.sendTo(receiver, "back", sender.localAddr);
      const [back] = await unix.recvFrom(sender, { timeout: 5_000 });
      assert.equal(decoder.decode(back), "back");
    });
  },
});

Deno.test({
  name:
    "sendTo() refuses bad options and an aborted signal before any I/O, even to a full queue",
  // Linux: a send to a full queue waits (other systems may fail).
  ignore: !linux,
  async fn() {
    await inTempDir(async (dir) => {
      await using filler = await unix.bind(`${dir}/f.sock`);
      await using sender = await unix.bind(`${dir}/s.sock`);
      await using receiver = await unix.bind(`${dir}/r.sock`);
      const { sent, pending } = await fillQueue(filler, receiver);
      const to = receiver.localAddr;
      const refused = (options: unknown) =>
        within(
          unix.sendTo(sender, "bad", to, options as unix.SendToOptions),
          2_000,
          `sendTo with ${String(options)}`,
        );
      await assert.rejects(refused({ timeout: -1 }), (err: Error) => {
        assert.ok(err instanceof RangeError);
        assert.match(
          err.message,
          /^Cannot sendTo ".*r\.sock" as timeout must be a number of milliseconds from 0 up: current value is -1$/,
        );
        return true;
      });
      await assert.rejects(refused({ timeout: NaN }), RangeError);
      await assert.rejects(refused({ timeout: "5" }), TypeError);
      await assert.rejects(refused({ signal: "stop" }), TypeError);
      await assert.rejects(refused(5), /options must be an object/);
      const reason = new Error("already aborted");
      await assert.rejects(
        refused({ signal: AbortSignal.abort(reason) }),
        (err: unknown) => err === reason,
      );
      assert.equal(sender.bytesWritten, 0);
      // Nothing of those went: the receiver gets the queue and the next send only.
      const next = unix.sendTo(sender, "next", to, { timeout: 10_000 });
      const got = await receiveUntil(
        receiver,
        ["next", pending],
        sent.length + 5,
      );
      assert.equal(await within(next, 5_000, "the next send"), 4);
      assert.deepEqual(got.toSorted(), [...sent, pending, "next"].toSorted());
      await writtenBy(filler, [...sent, pending].join("").length);
    });
  },
});

Deno.test({
  name:
    "close() does not wait for a send cut short on a full queue, which still goes when there is room",
  // Linux: a send to a full queue waits (other systems may fail).
  ignore: !linux,
  async fn() {
    await inTempDir(async (dir) => {
      await using filler = await unix.bind(`${dir}/f.sock`);
      await using receiver = await unix.bind(`${dir}/r.sock`);
      const sender = await unix.bind(`${dir}/s.sock`);
      const { sent, pending } = await fillQueue(filler, receiver);
      unix.setTimeout(sender, 50);
      await assert.rejects(
        within(
          unix.sendTo(sender, "cut short", receiver.localAddr),
          5_000,
          "sendTo with a timeout",
        ),
        Deno.errors.TimedOut,
      );
      await within(unix.close(sender), 2_000, "close");
      assert.equal(await exists(`${dir}/s.sock`), false);
      await assert.rejects(
        unix.sendTo(sender, "closed", receiver.localAddr),
        Deno.errors.BadResource,
      );
      const got = await receiveUntil(
        receiver,
        ["cut short", pending],
        sent.length + 5,
      );
      assert.equal(got.length, sent.length + 2);
      await writtenBy(sender, "cut short".length);
    });
  },
});

Deno.test({
  name:
    "bind() without --unstable-net is NotSupported and says to use the flag",
  ignore,
  async fn() {
    await inTempDir(async (dir) => {
      const script = `${dir}/no_flag.ts`;
      const module = new URL("../unix.ts", import.meta.url).href;
      await Deno.writeTextFile(
        script,
        `import * as unix from ${JSON.stringify(module)};
try { await unix.bind(${
          JSON.stringify(`${dir}/x.sock`)
        }); console.log("bound"); }
catch (err) { console.log(err.name, err instanceof Deno.errors.NotSupported, err.message); }
`,
      );
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--no-config", "--quiet", "-A", script],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = decoder.decode(out.stdout);
      assert.equal(out.code, 0, decoder.decode(out.stderr));
      assert.match(stdout, /^NotSupported true Cannot bind ".*x\.sock": /);
      assert.match(stdout, /--unstable-net/);
      assert.doesNotMatch(stdout, /is not a function/);
    });
  },
});

// ---- interop with Python's socket module ----

Deno.test({
  name: "a Python AF_UNIX stream client talks to a socketkit Unix server",
  ignore: ignore || !hasPython,
  async fn() {
    await inTempDir(async (dir) => {
      const path = `${dir}/py.sock`;
      await using server = await unix.listen(path);
      const client = python(
        `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b"hello from python\\n")
s.shutdown(socket.SHUT_WR)
data = b""
while True:
    chunk = s.recv(1024)
    if not chunk: break
    data += chunk
print(data.decode(), end="")
s.close()
`,
        [path],
      );
      await using conn = await unix.accept(server, { timeout: 10_000 });
      const line = await unix.recvLine(conn);
      assert.equal(await unix.recv(conn), null);
      await unix.sendAll(conn, `[deno] ${line}\n`);
      await unix.shutdown(conn);
      const out = await client;
      assert.equal(out.code, 0, out.stderr);
      assert.equal(out.stdout, "[deno] hello from python\n");
    });
  },
});

Deno.test({
  name:
    "Deno's unixpacket is SOCK_DGRAM: it talks to Python's SOCK_DGRAM and refuses SOCK_SEQPACKET",
  ignore: !linux || !hasPython,
  async fn() {
    await inTempDir(async (dir) => {
      const path = `${dir}/dgram.sock`;
      await using sock = await unix.bind(path);
      const peer = python(
        `
import socket, sys, os
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path + ".py")
s.sendto(b"from python", path)
s.settimeout(10)
data, addr = s.recvfrom(1024)
print(data.decode(), addr)
for kind in ("SOCK_SEQPACKET", "SOCK_STREAM"):
    q = socket.socket(socket.AF_UNIX, getattr(socket, kind))
    try:
        q.connect(path)
        print(kind, "connected")
    except OSError as e:
        print(kind, "errno", e.errno)
    q.close()
s.close()
os.unlink(path + ".py")
`,
        [path],
      );
      const [data, from] = await unix.recvFrom(sock, { timeout: 10_000 });
      assert.equal(decoder.decode(data), "from python");
      assert.equal(from.path, `${path}.py`);
      await unix.sendTo(sock, "from deno", from);
      const out = await peer;
      assert.equal(out.code, 0, out.stderr);
      assert.equal(
        out.stdout,
        `from deno ${path}\nSOCK_SEQPACKET errno 91\nSOCK_STREAM errno 91\n`,
      );
    });
  },
});

Deno.test({
  name: "listen() replaces the stale file a Python server left behind",
  ignore: ignore || !hasPython,
  async fn() {
    await inTempDir(async (dir) => {
      const path = `${dir}/left.sock`;
      const out = await python(
        `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1); s.close()
`,
        [path],
      );
      assert.equal(out.code, 0, out.stderr);
      assert.equal((await Deno.lstat(path)).isSocket, true);
      await using server = await unix.listen(path);
      const accepted = unix.accept(server);
      await using client = await unix.connect(path);
      await using _conn = await accepted;
      assert.equal(client.remoteAddr.path, path);
    });
  },
});
