// Copyright 2026 the socketkit authors. MIT license.
// Helpers of the CLI tests: cli.ts as a subprocess. Not a test file.

import * as tcp from "../tcp.ts";
import { bytes } from "./_util.ts";

const CLI = new URL("../cli.ts", import.meta.url).pathname;
const decoder = new TextDecoder();
/** A subprocess still running after this long is killed: no test hangs. */
const KILL_AFTER_MS = 30_000;

/** The outcome of a finished subprocess. */
export interface Finished {
  code: number;
  stdout: Uint8Array;
  stderr: string;
}

/** A running subprocess with piped standard streams. */
export class Proc implements AsyncDisposable {
  readonly child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #stdout: Promise<Uint8Array>;
  readonly #stderr: Promise<string>;
  #errText = "";
  #errWaiters: (() => void)[] = [];
  #stdinClosed = false;
  #exited = false;

  constructor(command: string, args: string[], env?: Record<string, string>) {
    const child = new Deno.Command(command, {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      ...(env !== undefined ? { env } : {}),
    }).spawn();
    this.child = child;
    const killer = setTimeout(() => this.kill("SIGKILL"), KILL_AFTER_MS);
    this.child.status.then(() => {
      this.#exited = true;
      clearTimeout(killer);
    });
    this.#writer = this.child.stdin.getWriter();
    this.#stdout = new Response(this.child.stdout).bytes();
    this.#stderr = (async () => {
      const reader = child.stderr.pipeThrough(new TextDecoderStream())
        .getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        this.#errText += value;
        for (const wake of this.#errWaiters.splice(0)) wake();
      }
      for (const wake of this.#errWaiters.splice(0)) wake();
      return this.#errText;
    })();
  }

  /** Writes to standard input. */
  async write(data: string | Uint8Array): Promise<void> {
    await this.#writer.write(typeof data === "string" ? bytes(data) : data);
  }

  /** Closes standard input (end of input for the tool). */
  async closeStdin(): Promise<void> {
    if (this.#stdinClosed) return;
    this.#stdinClosed = true;
    try {
      await this.#writer.close();
    } catch {
      // The process is gone already.
    }
  }

  /**
   * Waits for a line of standard error that starts with `prefix` and
   * returns the rest of it. Fails if the process ends first.
   */
  async waitForStderr(prefix: string): Promise<string> {
    for (;;) {
      const line = this.#errText.split("\n").find((l) => l.startsWith(prefix));
      if (line !== undefined) return line.slice(prefix.length);
      if (this.#exited) {
        // All of standard error, then one last look. (Waiting on the exit
        // again here would spin in microtasks, starving the reader.)
        await this.#stderr;
        const again = this.#errText.split("\n").find((l) =>
          l.startsWith(prefix)
        );
        if (again !== undefined) return again.slice(prefix.length);
        throw new Error(
          `no "${prefix}" line; standard error: ${
            JSON.stringify(this.#errText)
          }`,
        );
      }
      await new Promise<void>((resolve) => {
        this.#errWaiters.push(resolve);
        this.child.status.then(() => resolve());
      });
    }
  }

  /** The port of the first `listening on HOST:PORT` line. */
  async listeningPort(): Promise<number> {
    const addr = await this.waitForStderr("listening on ");
    return Number(addr.slice(addr.lastIndexOf(":") + 1));
  }

  /** Sends a signal if the process still runs. */
  kill(signal: Deno.Signal): void {
    try {
      this.child.kill(signal);
    } catch {
      // Already exited.
    }
  }

  /** Closes standard input, waits for the exit and collects the output. */
  async finish(): Promise<Finished> {
    await this.closeStdin();
    const { code } = await this.child.status;
    return { code, stdout: await this.#stdout, stderr: await this.#stderr };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#exited) this.kill("SIGKILL");
    await this.finish();
  }
}

/**
 * Starts `deno run -A --unstable-net cli.ts ...args`, as `deno task
 * compile` builds it (Unix datagram sockets need the flag).
 */
export function cli(...args: string[]): Proc {
  return new Proc(Deno.execPath(), [
    "run",
    "-A",
    "--unstable-net",
    "--quiet",
    CLI,
    ...args,
  ]);
}

/** Runs the tool to its end with `input` on standard input. */
export async function runCli(
  args: string[],
  input: string | Uint8Array = "",
): Promise<Finished> {
  await using proc = cli(...args);
  if (input.length > 0) await proc.write(input);
  return await proc.finish();
}

/** A port where nothing listens (bound, then freed). */
export function closedPort(hostname = "127.0.0.1"): number {
  const listener = Deno.listen({ hostname, port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

/** Reads a stream socket to its end. */
export async function readAll(sock: tcp.StreamSocket): Promise<string> {
  let out = "";
  for (;;) {
    const data = await tcp.recv(sock, undefined, { timeout: 10_000 });
    if (data === null) return out;
    out += decoder.decode(data, { stream: true });
  }
}

/** The lines of a standard error text, without empty ones. */
export function stderrLines(stderr: string): string[] {
  return stderr.split("\n").filter((line) => line !== "");
}
