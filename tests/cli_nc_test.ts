// Copyright 2026 the socketkit authors. MIT license.
//
// cli.ts side by side with its peers, nc (netcat-openbsd), ncat and socat,
// over loopback: the same input, the same servers, the same verdicts.

import assert from "node:assert/strict";
import * as tcp from "../tcp.ts";
import * as udp from "../udp.ts";
import {
  cli,
  closedPort,
  Proc,
  readAll,
  runCli,
  stderrLines,
} from "./_cli_util.ts";
import { canListenOnIpv6Loopback, hasCommand, text, within } from "./_util.ts";

const HAS_NC = hasCommand("nc");
const HAS_NCAT = hasCommand("ncat");
const HAS_SOCAT = hasCommand("socat");
const HAS_IPV6 = canListenOnIpv6Loopback;
const T = 15_000;

/** The ports and verdicts of `nc -zv` or `socketkit scan -v` lines, sorted by port. */
function verdicts(stderr: string): [number, "open" | "closed"][] {
  const out: [number, "open" | "closed"][] = [];
  for (const line of stderrLines(stderr)) {
    // nc: "Connection to 127.0.0.1 8000 port [tcp/*] succeeded!"
    let match = /^Connection to \S+ (\d+) port .* succeeded!$/.exec(line);
    if (match !== null) out.push([Number(match[1]), "open"]);
    // socketkit: "connect to 127.0.0.1 port 8000 (tcp) succeeded"
    match = /^connect to \S+ port (\d+) \(tcp\) succeeded$/.exec(line);
    if (match !== null) out.push([Number(match[1]), "open"]);
    // both: "[nc: ]connect to 127.0.0.1 port 8001 (tcp) failed: ..."
    match = /^(?:nc: )?connect to \S+ port (\d+) \(tcp\) failed: /.exec(line);
    if (match !== null) out.push([Number(match[1]), "closed"]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

Deno.test(
  "scan -v says what nc -zv says, port by port, with the same exit status",
  { ignore: !HAS_NC },
  async () => {
    await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
    const open = server.addr.port;
    const closed = [closedPort(), closedPort()];
    const ports = [`${closed[0]}`, `${open}`, `${closed[1]}`];
    const [ours, theirs] = await within(
      Promise.all([
        runCli(["scan", "-v", "127.0.0.1", ...ports]),
        new Proc("nc", ["-zv", "127.0.0.1", ...ports]).finish(),
      ]),
      T,
      "the scans",
    );
    assert.equal(ours.code, theirs.code);
    assert.equal(ours.code, 0);
    assert.deepEqual(verdicts(ours.stderr), verdicts(theirs.stderr));
    assert.equal(verdicts(ours.stderr).length, 3, ours.stderr);
    // Only the open port goes to standard output (nc -z prints nothing there).
    assert.equal(text(ours.stdout), `${open}\n`);
    const none = await within(
      Promise.all([
        runCli(["scan", "-v", "127.0.0.1", `${closed[0]}`]),
        new Proc("nc", ["-zv", "127.0.0.1", `${closed[0]}`]).finish(),
      ]),
      T,
      "the scans of a closed port",
    );
    assert.equal(none[0].code, 1);
    assert.equal(none[1].code, 1);
  },
);

Deno.test(
  "listen PORT answers nc -4 and nc -6 clients; listen -4 refuses the nc -6 one",
  { ignore: !HAS_NC || !HAS_IPV6 },
  async () => {
    await using both = cli("listen", "-k", "--echo", "0");
    await using four = cli("listen", "-4", "-k", "--echo", "0");
    const port = await within(both.listeningPort(), T, "listen");
    const port4 = await within(four.listeningPort(), T, "listen -4");
    async function nc(family: string, host: string, p: number) {
      await using client = new Proc("nc", [family, "-N", host, `${p}`]);
      // A refused nc may exit before it reads its input: the write then
      // meets a closed pipe, and its exit status tells the rest.
      await client.write(`via ${host}\n`).catch((err) => {
        if (!(err instanceof Deno.errors.BrokenPipe)) throw err;
      });
      return await within(client.finish(), T, `nc ${family}`);
    }
    assert.equal(
      text((await nc("-4", "127.0.0.1", port)).stdout),
      "via 127.0.0.1\n",
    );
    assert.equal(text((await nc("-6", "::1", port)).stdout), "via ::1\n");
    const refused = await nc("-6", "::1", port4);
    // Refused (nc says nothing without -v, and exits 1).
    assert.equal(refused.code, 1);
    assert.equal(refused.stdout.length, 0);
    both.kill("SIGINT");
    four.kill("SIGINT");
    await within(Promise.all([both.finish(), four.finish()]), T, "exit");
  },
);

Deno.test(
  "connect -u -w 1 ends on its own after the replies, as nc -u -w 1",
  { ignore: !HAS_NC },
  async () => {
    await using server = await udp.bind({ hostname: "127.0.0.1", port: 0 });
    const port = `${server.localAddr.port}`;
    // Answers each of the two clients twice, 300 ms apart.
    const answering = (async () => {
      for (let i = 0; i < 2; i++) {
        const [, from] = await udp.recvFrom(server, { timeout: T });
        await udp.sendTo(server, "one\n", from);
        setTimeout(
          () => udp.sendTo(server, "two\n", from).catch(() => {}),
          300,
        );
      }
    })();
    const [ours, theirs] = await within(
      Promise.all([
        runCli(["connect", "-u", "-w", "1", "127.0.0.1", port], "ping\n"),
        (async () => {
          await using nc = new Proc("nc", ["-u", "-w", "1", "127.0.0.1", port]);
          await nc.write("ping\n");
          return await nc.finish();
        })(),
      ]),
      T,
      "the clients",
    );
    await within(answering, T, "the server");
    // Let the last timer's send settle before the socket closes.
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(ours.code, 0, ours.stderr);
    assert.equal(theirs.code, 0, theirs.stderr);
    assert.equal(text(ours.stdout), "one\ntwo\n");
    assert.equal(text(theirs.stdout), "one\ntwo\n");
  },
);

Deno.test(
  "connect -q 0 quits at the end of input as nc -q 0, though the server stays open",
  { ignore: !HAS_NC },
  async () => {
    await using server = await tcp.listen({ hostname: "127.0.0.1", port: 0 });
    const port = `${server.addr.port}`;
    async function serveOne(): Promise<string> {
      // Reads the input, never closes: only the client's -q ends the run.
      await using conn = await tcp.accept(server, { timeout: T });
      const line = await tcp.recvLine(conn, { timeout: T });
      await tcp.recv(conn, undefined, { timeout: T }).catch(() => null);
      return line ?? "";
    }
    for (const command of [["nc"], [Deno.execPath()]]) {
      const serving = serveOne();
      const client = command[0] === "nc"
        ? new Proc("nc", ["-q", "0", "127.0.0.1", port])
        : cli("connect", "-q", "0", "127.0.0.1", port);
      await using _ = client;
      await client.write("bye\n");
      const done = await within(client.finish(), T, `${command[0]} -q 0`);
      assert.equal(done.code, 0, done.stderr);
      assert.equal(await within(serving, T, "the server"), "bye");
    }
  },
);

/** The answer of a server on `port` to a client that sends `input` and half-closes. */
async function ask(port: number, input: string): Promise<string> {
  await using sock = await tcp.connect({ hostname: "127.0.0.1", port }, {
    timeout: T,
  });
  await tcp.sendAll(sock, input, { timeout: T });
  await tcp.shutdown(sock, "write");
  return await readAll(sock);
}

const SLOW_TAIL = "tr a-z A-Z; sleep 0.3; echo done";

Deno.test(
  "listen --exec keeps the command's output after the client half-closes, as socat SYSTEM: does",
  { ignore: !HAS_SOCAT },
  async () => {
    await using ours = cli("listen", "--exec", SLOW_TAIL, "127.0.0.1", "0");
    const port = await within(ours.listeningPort(), T, "listen");
    assert.equal(
      await within(ask(port, "hello\n"), T, "ours"),
      "HELLO\ndone\n",
    );
    await within(ours.finish(), T, "exit");

    const free = closedPort();
    await using socat = new Proc("socat", [
      "-d",
      "-d",
      `TCP-LISTEN:${free},bind=127.0.0.1,reuseaddr`,
      `SYSTEM:${SLOW_TAIL}`,
    ]);
    await within(socat.waitForStderr(""), T, "socat");
    let answer: string | null = null;
    for (let i = 0; answer === null && i < 50; i++) {
      try {
        answer = await within(ask(free, "hello\n"), T, "socat");
      } catch (err) {
        if (!(err instanceof Deno.errors.ConnectionRefused)) throw err;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    assert.equal(answer, "HELLO\ndone\n");
    await within(socat.finish(), T, "socat exit");
  },
);

Deno.test(
  "listen --keep-open --exec serves what ncat -k --sh-exec serves to a client that stays open",
  { ignore: !HAS_NCAT },
  async () => {
    // ncat 7.93 drops output written after the client half-closes, so the
    // client here waits for the answer before it ends its side.
    const free = closedPort();
    await using ncat = new Proc("ncat", [
      "-k",
      "-l",
      "127.0.0.1",
      `${free}`,
      "--sh-exec",
      "head -n 1 | tr a-z A-Z",
    ]);
    await using ours = cli(
      "listen",
      "-k",
      "--exec",
      "head -n 1 | tr a-z A-Z",
      "127.0.0.1",
      "0",
    );
    const port = await within(ours.listeningPort(), T, "listen");
    async function lineFrom(p: number, retry: boolean): Promise<string> {
      for (let i = 0;; i++) {
        try {
          await using sock = await tcp.connect({
            hostname: "127.0.0.1",
            port: p,
          }, { timeout: T });
          await tcp.sendAll(sock, "first\nsecond\n", { timeout: T });
          return await readAll(sock);
        } catch (err) {
          if (
            !retry || i > 50 || !(err instanceof Deno.errors.ConnectionRefused)
          ) throw err;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    }
    for (let i = 0; i < 2; i++) {
      const theirs = await within(lineFrom(free, true), T, "ncat");
      const mine = await within(lineFrom(port, false), T, "ours");
      assert.equal(theirs, "FIRST\n");
      assert.equal(mine, theirs);
    }
    ncat.kill("SIGTERM");
    ours.kill("SIGINT");
    await within(Promise.all([ncat.finish(), ours.finish()]), T, "exit");
  },
);

Deno.test(
  "listen --unix --udp talks with an nc -Uu client, and connect --unix --udp with an nc -lUu server",
  { ignore: !HAS_NC || Deno.build.os === "windows" },
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "skclinc" });
    try {
      const path = `${dir}/server.sock`;
      await using ours = cli("listen", "--unix", path, "--udp");
      await within(ours.waitForStderr("listening on "), T, "listen");
      await ours.write("answer\n");
      await new Promise((resolve) => setTimeout(resolve, 300));
      await using nc = new Proc("nc", ["-Uu", "-w", "1", path]);
      await nc.write("hello\n");
      const ncDone = await within(nc.finish(), T, "nc -Uu");
      assert.equal(text(ncDone.stdout), "answer\n");
      ours.kill("SIGINT");
      const oursDone = await within(ours.finish(), T, "exit");
      assert.equal(text(oursDone.stdout), "hello\n");

      const path2 = `${dir}/nc.sock`;
      await using server = new Proc("nc", ["-lUu", path2]);
      for (let i = 0; i < 50; i++) {
        try {
          await Deno.lstat(path2);
          break;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      const sent = await within(
        runCli(["connect", "--unix", path2, "--udp", "-w", "0.3"], "to nc\n"),
        T,
        "connect --unix --udp",
      );
      assert.equal(sent.code, 0, sent.stderr);
      server.kill("SIGTERM");
      const serverDone = await within(server.finish(), T, "nc -lUu");
      assert.equal(text(serverDone.stdout), "to nc\n");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

/** A UDP port free a moment ago, for a peer that needs one given. */
async function freeUdpPort(): Promise<number> {
  await using sock = await udp.bind({ hostname: "127.0.0.1", port: 0 });
  return sock.localAddr.port;
}

/** Whether `sock` got no datagram within `ms`. */
async function silent(sock: udp.UdpSocket, ms: number): Promise<boolean> {
  try {
    await udp.recvFrom(sock, { timeout: ms });
    return false;
  } catch (err) {
    if (err instanceof Deno.errors.TimedOut) return true;
    throw err;
  }
}

/** The lines a UDP server on `port` sends to `sock`, `n` of them. */
async function udpLines(
  sock: udp.UdpSocket,
  port: number,
  n: number,
): Promise<string[]> {
  let got = "";
  while (got.split("\n").length <= n) {
    const [data, from] = await udp.recvFrom(sock, { timeout: T });
    assert.equal(from.port, port);
    got += text(data);
  }
  return got.split("\n").slice(0, n);
}

/** Starts `ncat -v -u -l ...args 127.0.0.1 PORT` and waits until it listens. */
async function ncatUdp(
  args: string[],
  cmd: string,
): Promise<{ proc: Proc; port: number }> {
  const port = await freeUdpPort();
  const proc = new Proc("ncat", [
    "-v",
    "-u",
    "-l",
    ...args,
    "127.0.0.1",
    `${port}`,
    "--sh-exec",
    cmd,
  ]);
  await within(proc.waitForStderr("Ncat: Listening on "), T, "ncat");
  return { proc, port };
}

Deno.test(
  "listen --udp --exec answers the first peer, ignores another and exits 0 with the command, as ncat -u -l --sh-exec",
  { ignore: !HAS_NCAT },
  async () => {
    const cmd = 'for i in 1 2; do read -r l; echo "$l" | tr a-z A-Z; done';
    async function talk(proc: Proc, port: number) {
      await using first = await udp.bind({ hostname: "127.0.0.1", port: 0 });
      await using other = await udp.bind({ hostname: "127.0.0.1", port: 0 });
      const to = { hostname: "127.0.0.1", port };
      await udp.sendTo(first, "hello\n", to);
      const one = await within(udpLines(first, port, 1), T, "first answer");
      await udp.sendTo(other, "other\n", to);
      // A command of its own would answer at once.
      const ignored = await silent(other, 500);
      await udp.sendTo(first, "world\n", to);
      const two = await within(udpLines(first, port, 1), T, "second answer");
      const { code } = await within(proc.finish(), T, "exit");
      return { answers: [...one, ...two], ignored, code };
    }
    const theirs = await ncatUdp([], cmd);
    await using _ncat = theirs.proc;
    const ncatResult = await talk(theirs.proc, theirs.port);
    await using ours = cli("listen", "-u", "--exec", cmd, "127.0.0.1", "0");
    const port = await within(ours.listeningPort(), T, "listen");
    const ourResult = await talk(ours, port);
    assert.deepEqual(ncatResult, {
      answers: ["HELLO", "WORLD"],
      ignored: true,
      code: 0,
    });
    assert.deepEqual(ourResult, ncatResult);
  },
);

Deno.test(
  "listen --udp -k --exec gives each peer a command of its own, as ncat -u -l -k --sh-exec",
  { ignore: !HAS_NCAT },
  async () => {
    // The command ends by itself: ncat -k leaves its per-peer children
    // running when it is stopped.
    const cmd = 'echo "pid $$"; read -r l; echo "$$ $l"';
    async function talk(port: number) {
      await using a = await udp.bind({ hostname: "127.0.0.1", port: 0 });
      await using b = await udp.bind({ hostname: "127.0.0.1", port: 0 });
      const to = { hostname: "127.0.0.1", port };
      await udp.sendTo(a, "from a\n", to);
      const linesA = await within(udpLines(a, port, 2), T, "a's lines");
      await udp.sendTo(b, "from b\n", to);
      const linesB = await within(udpLines(b, port, 2), T, "b's lines");
      const pidA = /^pid (\d+)$/.exec(linesA[0]!)?.[1];
      const pidB = /^pid (\d+)$/.exec(linesB[0]!)?.[1];
      return {
        separate: pidA !== undefined && pidB !== undefined && pidA !== pidB,
        answers: [
          linesA[1]!.replace(pidA ?? "?", "PID"),
          linesB[1]!.replace(pidB ?? "?", "PID"),
        ],
      };
    }
    const theirs = await ncatUdp(["-k"], cmd);
    await using _ncat = theirs.proc;
    const ncatResult = await talk(theirs.port);
    await using ours = cli(
      "listen",
      "-u",
      "-k",
      "--exec",
      cmd,
      "127.0.0.1",
      "0",
    );
    const ourResult = await talk(
      await within(ours.listeningPort(), T, "listen"),
    );
    assert.deepEqual(ncatResult, {
      separate: true,
      answers: ["PID from a", "PID from b"],
    });
    assert.deepEqual(ourResult, ncatResult);
    theirs.proc.kill("SIGTERM");
    ours.kill("SIGINT");
    await within(
      Promise.all([theirs.proc.finish(), ours.finish()]),
      T,
      "exit",
    );
  },
);
