// Copyright 2026 the socketkit authors. MIT license.

import assert from "node:assert/strict";
import { AF_UNIX, SOCK_SEQPACKET } from "../_ffi.ts";
import { FdSocket } from "../_ffi_socket.ts";
import * as seqpacket from "../seqpacket.ts";
import { socketpair } from "../socketpair.ts";
import * as unix from "../unix.ts";
import {
  assertNoFdLeakIn,
  hasPython,
  linux,
  python,
  str,
  utf8,
  within,
} from "./_ffi_util.ts";
import { pseudoRandomBytes } from "./_util.ts";

/** A temp directory removed after `fn`. */
async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A listening server at `${dir}/s`, a client and the accepted peer. */
async function connected(dir: string) {
  const server = await seqpacket.listen({ path: `${dir}/s` });
  const accepted = seqpacket.accept(server);
  const client = await within(seqpacket.connect(`${dir}/s`));
  const peer = await within(accepted);
  return {
    server,
    client,
    peer,
    async [Symbol.asyncDispose]() {
      await seqpacket.close(client);
      await seqpacket.close(peer);
      await seqpacket.close(server);
    },
  };
}

Deno.test({
  name:
    "send() and recv() keep the boundaries of 0-byte, 1-byte and 64 KiB messages",
  ignore: !linux,
  async fn() {
    await inTempDir(async (dir) => {
      await using c = await connected(dir);
      const big = pseudoRandomBytes(65_536, 7);
      await seqpacket.send(c.client, new Uint8Array(0));
      await seqpacket.send(c.client, "x");
      await seqpacket.send(c.client, big);
      await seqpacket.send(c.client, new Uint8Array(0));
      assert.deepEqual(await within(seqpacket.recv(c.peer)), new Uint8Array(0));
      assert.equal(str(await within(seqpacket.recv(c.peer))), "x");
      assert.deepEqual(await within(seqpacket.recv(c.peer)), big);
      assert.deepEqual(await within(seqpacket.recv(c.peer)), new Uint8Array(0));
      assert.equal(c.client.messagesWritten, 4);
      assert.equal(c.peer.messagesRead, 4);
      // And the other way.
      await seqpacket.send(c.peer, big.subarray(0, 1000));
      assert.deepEqual(
        await within(seqpacket.recv(c.client)),
        big.subarray(0, 1000),
      );
    });
  },
});

Deno.test({
  name:
    "recv() resolves to null once the peer has closed or shut down writing, and never for a 0-byte message",
  ignore: !linux,
  async fn() {
    await inTempDir(async (dir) => {
      await using c = await connected(dir);
      await seqpacket.send(c.client, "last");
      seqpacket.shutdown(c.client, "write");
      assert.equal(str(await within(seqpacket.recv(c.peer))), "last");
      assert.equal(await within(seqpacket.recv(c.peer)), null);
      assert.equal(await within(seqpacket.recv(c.peer)), null);
      await seqpacket.close(c.peer);
      assert.equal(await within(seqpacket.recv(c.client)), null);
      await assert.rejects(
        seqpacket.send(c.client, "anyone?"),
        (err: Error & { code?: string }) =>
          err instanceof Deno.errors.BrokenPipe && err.code === "EPIPE",
      );
    });
    // A 0-byte message sent just before the close is a message, not the end.
    const [a, b] = socketpair("seqpacket");
    await seqpacket.send(a, new Uint8Array(0));
    await seqpacket.send(a, new Uint8Array(0));
    await seqpacket.close(a);
    assert.deepEqual(await within(seqpacket.recv(b)), new Uint8Array(0));
    assert.deepEqual(await within(seqpacket.recv(b)), new Uint8Array(0));
    assert.equal(await within(seqpacket.recv(b)), null);
    await seqpacket.close(b);
  },
});

Deno.test({
  name: "a timed-out recv() or accept() loses nothing: the next call gets it",
  ignore: !linux,
  async fn() {
    await inTempDir(async (dir) => {
      await using server = await seqpacket.listen(`${dir}/s`);
      await assert.rejects(
        seqpacket.accept(server, { timeout: 20 }),
        (err: Error) =>
          err instanceof Deno.errors.TimedOut &&
          err.message ===
            `Cannot accept on "${dir}/s": timed out after 20 ms`,
      );
      await using client = await within(seqpacket.connect(`${dir}/s`));
      await using peer = await within(seqpacket.accept(server));
      const controller = new AbortController();
      const aborted = seqpacket.recv(peer, { signal: controller.signal });
      controller.abort(new Error("enough"));
      await assert.rejects(aborted, { message: "enough" });
      await assert.rejects(
        seqpacket.recv(peer, { timeout: 20 }),
        Deno.errors.TimedOut,
      );
      seqpacket.setTimeout(peer, 0);
      await assert.rejects(seqpacket.recv(peer), Deno.errors.WouldBlock);
      seqpacket.setTimeout(peer, null);
      await seqpacket.send(client, "one");
      await seqpacket.send(client, "two");
      assert.equal(str(await within(seqpacket.recv(peer))), "one");
      assert.equal(str(await within(seqpacket.recv(peer))), "two");
    });
  },
});

Deno.test({
  name: "a timed-out send() on a full queue loses and repeats nothing",
  ignore: !linux,
  async fn() {
    const [a, b] = socketpair("seqpacket");
    try {
      let sent = 0;
      for (;;) {
        try {
          await seqpacket.send(a, utf8(String(sent).padEnd(1000, ".")), {
            timeout: 0,
          });
          sent++;
        } catch (err) {
          assert.ok(err instanceof Deno.errors.WouldBlock);
          break;
        }
      }
      await assert.rejects(
        seqpacket.send(a, "late", { timeout: 20 }),
        Deno.errors.TimedOut,
      );
      for (let i = 0; i < sent; i++) {
        const got = str(await within(seqpacket.recv(b)))!;
        assert.equal(got.slice(0, got.indexOf(".")), String(i));
      }
      await assert.rejects(
        seqpacket.recv(b, { timeout: 0 }),
        Deno.errors.WouldBlock,
      );
    } finally {
      await seqpacket.close(a);
      await seqpacket.close(b);
    }
  },
});

Deno.test({
  name: "close() interrupts a pending recv() and accept() at once",
  ignore: !linux,
  async fn() {
    await inTempDir(async (dir) => {
      const server = await seqpacket.listen(`${dir}/s`);
      const accepting = assert.rejects(
        seqpacket.accept(server),
        Deno.errors.BadResource,
      );
      await within(seqpacket.close(server), 2_000, "closing the server");
      await within(accepting, 2_000, "the interrupted accept");
      const [a, b] = socketpair("seqpacket");
      const receiving = assert.rejects(
        seqpacket.recv(b),
        Deno.errors.BadResource,
      );
      await within(seqpacket.close(b), 2_000, "closing the socket");
      await within(receiving, 2_000, "the interrupted recv");
      await seqpacket.close(a);
      await assert.rejects(seqpacket.recv(b), Deno.errors.BadResource);
    });
  },
});

Deno.test({
  name:
    "a second recv() while one waits is Busy, and the first still gets the message",
  ignore: !linux,
  async fn() {
    const [a, b] = socketpair("seqpacket");
    await using _a = a;
    await using _b = b;
    const first = seqpacket.recv(b);
    await assert.rejects(seqpacket.recv(b), Deno.errors.Busy);
    await seqpacket.send(a, "one");
    assert.equal(str(await within(first)), "one");
  },
});

Deno.test({
  name:
    "recv() rejects a message over maxBytes with InvalidData and stays usable",
  ignore: !linux,
  async fn() {
    const [a, b] = socketpair("seqpacket");
    await using _a = a;
    await using _b = b;
    await seqpacket.send(a, new Uint8Array(100));
    await seqpacket.send(a, "ok");
    await assert.rejects(
      seqpacket.recv(b, { maxBytes: 10 }),
      (err: Error) =>
        err instanceof Deno.errors.InvalidData &&
        err.message.includes("a message of 100 bytes is over the limit of 10"),
    );
    assert.equal(str(await within(seqpacket.recv(b, { maxBytes: 10 }))), "ok");
  },
});

Deno.test({
  name: "listen() replaces a stale socket file and refuses a live one",
  ignore: !linux,
  async fn() {
    await inTempDir(async (dir) => {
      const path = `${dir}/s`;
      // A socket file nobody listens on (its process died without unlinking).
      const dead = FdSocket.open(AF_UNIX, SOCK_SEQPACKET, 0, "open");
      dead.bind({ family: AF_UNIX, path }, "bind");
      await dead.close();
      assert.ok((await Deno.lstat(path)).isSocket);
      {
        await using server = await seqpacket.listen({ path });
        await assert.rejects(
          seqpacket.listen({ path }),
          (err: Error) =>
            err instanceof Deno.errors.AddrInUse &&
            err.message ===
              `Cannot listen on "${path}": another process is listening on this socket`,
        );
        await assert.rejects(
          seqpacket.listen({ path, mode: 0o600 }),
          Deno.errors.AddrInUse,
        );
        const accepted = seqpacket.accept(server);
        await using client = await within(seqpacket.connect(path));
        await using _peer = await within(accepted);
        await seqpacket.send(client, "still mine");
      }
      // Closing the server removed its file.
      await assert.rejects(Deno.lstat(path), Deno.errors.NotFound);
      // A live stream socket is AddrInUse too; a plain file is AlreadyExists.
      await using _stream = await unix.listen({ path });
      await assert.rejects(
        seqpacket.listen({ path }),
        (err: Error) =>
          err instanceof Deno.errors.AddrInUse &&
          err.message.includes("a live socket of another kind"),
      );
      await Deno.writeTextFile(`${dir}/file`, "data");
      await assert.rejects(
        seqpacket.listen(`${dir}/file`),
        Deno.errors.AlreadyExists,
      );
      assert.equal(await Deno.readTextFile(`${dir}/file`), "data");
    });
  },
});

Deno.test({
  name: "listen() with a mode never shows the socket with wider permissions",
  ignore: !linux,
  async fn() {
    await inTempDir(async (dir) => {
      for (const mode of [0o600, 0o660, 0o777]) {
        const path = `${dir}/m${mode.toString(8)}`;
        // A stale file with open permissions is replaced atomically.
        const dead = FdSocket.open(AF_UNIX, SOCK_SEQPACKET, 0, "open");
        dead.bind({ family: AF_UNIX, path }, "bind");
        await dead.close();
        await Deno.chmod(path, 0o777);
        const staleIno = (await Deno.lstat(path)).ino;
        // Every state of the path while listen() runs: the stale file, or
        // the new socket with its final mode; never missing, never wider.
        const seen: string[] = [];
        let watching = true;
        const watcher = (async () => {
          while (watching) {
            try {
              const info = await Deno.lstat(path);
              if (info.ino !== staleIno) {
                seen.push((info.mode! & 0o777).toString(8));
              }
            } catch {
              seen.push("missing");
            }
          }
        })();
        const listening = seqpacket.listen({ path, mode });
        await using server = await listening;
        watching = false;
        await watcher;
        for (const m of seen) assert.equal(m, mode.toString(8));
        assert.equal((await Deno.lstat(path)).mode! & 0o777, mode);
        // Still a working listener.
        const accepted = seqpacket.accept(server);
        await using client = await within(seqpacket.connect(path));
        await using _peer = await within(accepted);
        assert.equal(client.remoteAddr.path, path);
      }
      // No private directory is left behind.
      const left = (await Array.fromAsync(Deno.readDir(dir))).map((e) =>
        e.name
      );
      assert.ok(left.every((name) => !name.startsWith(".sk")), String(left));
    });
  },
});

Deno.test("listen(), connect(), send() and recv() reject bad arguments before any I/O", async () => {
  await assert.rejects(seqpacket.listen(""), {
    name: "RangeError",
    message: 'Cannot listen as path must not be empty: current value is ""',
  });
  await assert.rejects(
    seqpacket.listen({ path: "/tmp/x", mode: 0o1000 }),
    {
      name: "RangeError",
      message:
        'Cannot listen on "/tmp/x" as mode must be an integer from 0 to 0o777: current value is 512',
    },
  );
  await assert.rejects(seqpacket.listen("/tmp/" + "x".repeat(200)), RangeError);
  await assert.rejects(
    seqpacket.connect(42 as unknown as string),
    {
      name: "TypeError",
      message: "Cannot connect as path must be a string: current value is 42",
    },
  );
  await assert.rejects(
    seqpacket.send({} as seqpacket.MessageSocket, "x"),
    TypeError,
  );
  await assert.rejects(
    seqpacket.recv({} as seqpacket.MessageSocket),
    TypeError,
  );
});

Deno.test({
  name:
    "a Python SOCK_SEQPACKET server talks to connect() with boundaries kept both ways",
  ignore: !linux || !hasPython,
  async fn() {
    await inTempDir(async (dir) => {
      const path = `${dir}/py.sock`;
      const script = `
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind(sys.argv[1]); s.listen(1)
print("ready", flush=True)
conn, _ = s.accept()
got = [len(conn.recv(70000)) for _ in range(4)]
for m in [b"", b"x", b"y" * 65536]:
    conn.send(m)
conn.close()
print(json.dumps(got), flush=True)
`;
      const child = new Deno.Command("python3", {
        args: ["-c", script, path],
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const lines = child.stdout.pipeThrough(new TextDecoderStream())
        .getReader();
      let out = "";
      while (!out.includes("ready\n")) {
        const { value, done } = await within(lines.read(), 10_000, "python");
        if (done) break;
        out += value;
      }
      const client = await within(seqpacket.connect(path));
      try {
        for (const n of [0, 1, 5, 65_536]) {
          await within(seqpacket.send(client, new Uint8Array(n).fill(0x61)));
        }
        const lengths: number[] = [];
        for (;;) {
          const m = await within(seqpacket.recv(client));
          if (m === null) break;
          lengths.push(m.length);
        }
        assert.deepEqual(lengths, [0, 1, 65_536]);
      } finally {
        await seqpacket.close(client);
      }
      for (;;) {
        const { value, done } = await within(lines.read(), 10_000, "python");
        if (done) break;
        out += value;
      }
      const status = await within(child.status, 10_000, "python");
      await child.stderr.cancel();
      assert.equal(status.code, 0);
      assert.equal(out.trim().split("\n").at(-1), "[0, 1, 5, 65536]");
    });
  },
});

Deno.test({
  name:
    "a Python SOCK_SEQPACKET client talks to listen() with boundaries kept both ways",
  ignore: !linux || !hasPython,
  async fn() {
    await inTempDir(async (dir) => {
      const path = `${dir}/deno.sock`;
      await using server = await seqpacket.listen({ path, mode: 0o600 });
      const script = `
import json, socket, sys
c = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
c.connect(sys.argv[1])
for m in [b"hello", b"", b"z" * 65536]:
    c.send(m)
got = [c.recv(70000) for _ in range(3)]
print(json.dumps([len(m) for m in got] + [got[0].decode()]))
`;
      const running = python(script, [path]);
      await using peer = await within(seqpacket.accept(server), 10_000);
      const lengths: number[] = [];
      for (let i = 0; i < 3; i++) {
        const m = (await within(seqpacket.recv(peer)))!;
        lengths.push(m.length);
      }
      assert.deepEqual(lengths, [5, 0, 65_536]);
      await seqpacket.send(peer, "hi python");
      await seqpacket.send(peer, new Uint8Array(0));
      await seqpacket.send(peer, new Uint8Array(40_000));
      const out = await within(running, 30_000, "python");
      assert.equal(out.code, 0, out.stderr);
      assert.deepEqual(JSON.parse(out.stdout), [9, 0, 40_000, "hi python"]);
    });
  },
});

Deno.test({
  name: "seqpacket sockets leave no file descriptor open",
  ignore: !linux,
  async fn() {
    await assertNoFdLeakIn(`
      import assert from "node:assert/strict";
      import * as seqpacket from "@/seqpacket.ts";
      const dir = await Deno.makeTempDir();
      async function round() {
        const server = await seqpacket.listen({ path: dir + "/s", mode: 0o600 });
        const accepted = seqpacket.accept(server);
        const client = await seqpacket.connect(dir + "/s");
        const peer = await accepted;
        await seqpacket.send(client, "x");
        await seqpacket.recv(peer);
        await assert.rejects(
          seqpacket.recv(peer, { timeout: 1 }),
          Deno.errors.TimedOut,
        );
        await assert.rejects(seqpacket.listen(dir + "/s"), Deno.errors.AddrInUse);
        // listen() probed the live server with one connection: take it.
        await seqpacket.close(await seqpacket.accept(server));
        const pending = seqpacket.accept(server).catch((err) => err);
        await seqpacket.close(server);
        assert.ok((await pending) instanceof Deno.errors.BadResource);
        await seqpacket.close(client);
        await seqpacket.close(peer);
      }
    `);
  },
});
