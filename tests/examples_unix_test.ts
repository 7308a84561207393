// Copyright 2026 the socketkit authors. MIT license.
// The Unix examples, run as subprocesses with the exact flags their headers give.

import assert from "node:assert/strict";
import * as unix from "../unix.ts";
import {
  CTIME_PREFIX_REGEXP,
  type Output,
  runExample,
  startExample,
} from "./_util.ts";

const ignore = Deno.build.os === "windows";
const decoder = new TextDecoder();
const REPLY_REGEXP = new RegExp(`^${CTIME_PREFIX_REGEXP.source}`);

/** The scoped flags the examples' headers document for one socket path. */
function flagsFor(path: string): string[] {
  return [
    `--allow-read=${path}`,
    `--allow-write=${path}`,
    `--allow-net=unix:${path}`,
  ];
}

function runClient(
  flags: string[],
  args: string[],
  stdin = "",
): Promise<Output> {
  return runExample("unix_client.ts", flags, args, stdin);
}

Deno.test({
  name:
    "examples/unix_server.ts echoes with the time and removes its socket file on SIGINT",
  ignore,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "skx" });
    try {
      const path = `${dir}/echo.sock`;
      await using server = await startExample(
        "unix_server.ts",
        [...flagsFor(path), "--allow-sys"],
        ["--path", path, "--mode", "600"],
      );
      assert.equal(server.listening, path);
      assert.equal((await Deno.lstat(path)).mode! & 0o777, 0o600);

      await using sock = await unix.connect(path);
      await unix.sendAll(sock, "hello");
      const reply = decoder.decode((await unix.recv(sock))!);
      assert.match(reply, REPLY_REGEXP);
      assert.ok(reply.endsWith("] hello"));
      await unix.close(sock);

      const status = await server.stop();
      assert.equal(status.code, 0);
      await assert.rejects(Deno.lstat(path), Deno.errors.NotFound);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "examples/unix_client.ts sends stdin lines until exit and --message values",
  ignore,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "skx" });
    try {
      const path = `${dir}/echo.sock`;
      await using server = await startExample(
        "unix_server.ts",
        flagsFor(path),
        ["--path", path],
      );
      const piped = await runClient(
        flagsFor(path),
        ["--path", path],
        "first line\nsecond\nexit\nnever sent\n",
      );
      assert.equal(piped.code, 0, piped.stderr);
      const lines = piped.stdout.split("\n");
      assert.equal(lines.length, 3); // two replies, no prompt on a pipe
      assert.match(lines[0]!, REPLY_REGEXP);
      assert.ok(lines[0]!.endsWith("] first line"));
      assert.ok(lines[1]!.endsWith("] second"));
      assert.equal(lines[2], "");

      const messages = await runClient(
        flagsFor(path),
        ["--path", path, "--message", "one", "--message", "two"],
      );
      assert.equal(messages.code, 0, messages.stderr);
      assert.deepEqual(
        messages.stdout.trimEnd().split("\n").map((l) =>
          l.replace(REPLY_REGEXP, "")
        ),
        ["one", "two"],
      );
      assert.equal((await server.stop()).code, 0);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "examples/unix_server.ts replaces a stale socket file and refuses a live one",
  ignore,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "skx" });
    try {
      const path = `${dir}/echo.sock`;
      // A stale file, as a server killed with SIGKILL leaves behind.
      const listener = Deno.listen({ transport: "unix", path });
      Deno.linkSync(path, `${path}.keep`);
      listener.close();
      Deno.renameSync(`${path}.keep`, path);

      await using server = await startExample(
        "unix_server.ts",
        flagsFor(path),
        ["--path", path],
      );
      assert.equal(server.listening, path);

      const second = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--quiet",
          ...flagsFor(path),
          new URL("../examples/unix_server.ts", import.meta.url).pathname,
          "--path",
          path,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(second.code, 1);
      assert.equal(
        decoder.decode(second.stderr),
        `error: Cannot listen on "${path}": another process is listening on this socket\n`,
      );
      assert.equal((await server.stop()).code, 0);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "the Unix examples report a missing --path and a missing server",
  ignore,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "skx" });
    try {
      const path = `${dir}/none.sock`;
      const noPath = await runClient(flagsFor(path), []);
      assert.equal(noPath.code, 2);
      assert.match(noPath.stderr, /^error: --path is required\nusage: /);
      const noServer = await runClient(flagsFor(path), ["--path", path]);
      assert.equal(noServer.code, 1);
      assert.equal(
        noServer.stderr,
        `error: Cannot connect to "${path}": no such file or directory\n`,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
