// Copyright 2026 the socketkit authors. MIT license.
// A throwaway CA and certificates made with the openssl command at test
// time, for the TLS test files. Not a test file.

import * as tls from "../tls.ts";
import { hasCommand, run } from "./_util.ts";

/** Whether the openssl command is here; TLS tests are ignored without it. */
export const HAS_OPENSSL: boolean = hasCommand("openssl");

/** Why TLS tests are skipped, printed once by each TLS test file. */
export const NO_OPENSSL_NOTE =
  "TLS tests skipped: they need the openssl command to make test certificates";

/** A test CA and a leaf certificate it signed, as files and PEM text. */
export interface TestPki {
  /** The directory holding the files. */
  dir: string;
  /** The CA certificate's path and PEM. */
  caPath: string;
  ca: string;
  /** The leaf certificate (for `localhost`, `127.0.0.1`, `::1`) and key. */
  certPath: string;
  cert: string;
  keyPath: string;
  key: string;
  /** A second CA, trusted by nobody, and a leaf for `localhost` it signed. */
  otherCertPath: string;
  otherCert: string;
  otherKeyPath: string;
  otherKey: string;
}

async function openssl(args: string[]): Promise<void> {
  const out = await run("openssl", args);
  if (out.code !== 0) {
    throw new Error(`openssl ${args.join(" ")} failed: ${out.stderr}`);
  }
}

async function makeCa(dir: string, name: string): Promise<void> {
  await openssl([
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    `${dir}/${name}.key`,
    "-out",
    `${dir}/${name}.pem`,
    "-days",
    "2",
    "-subj",
    `/CN=socketkit throwaway ${name}`,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
}

async function makeLeaf(dir: string, ca: string, name: string): Promise<void> {
  await openssl([
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    `${dir}/${name}.key`,
    "-out",
    `${dir}/${name}.csr`,
    "-subj",
    "/CN=localhost",
  ]);
  await Deno.writeTextFile(
    `${dir}/${name}.ext`,
    "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n" +
      "extendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n",
  );
  await openssl([
    "x509",
    "-req",
    "-in",
    `${dir}/${name}.csr`,
    "-CA",
    `${dir}/${ca}.pem`,
    "-CAkey",
    `${dir}/${ca}.key`,
    "-set_serial",
    String(Date.now()),
    "-days",
    "2",
    "-extfile",
    `${dir}/${name}.ext`,
    "-out",
    `${dir}/${name}.pem`,
  ]);
}

let made: Promise<TestPki> | undefined;

/**
 * Makes (once per test file) a CA and a leaf certificate for localhost in
 * a temporary directory, valid for two days.
 */
export function testPki(): Promise<TestPki> {
  return made ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "socketkit_tls_" });
    globalThis.addEventListener("unload", () => {
      Deno.removeSync(dir, { recursive: true });
    });
    await makeCa(dir, "ca");
    await makeLeaf(dir, "ca", "server");
    await makeCa(dir, "other_ca");
    await makeLeaf(dir, "other_ca", "other");
    const read = (name: string) => Deno.readTextFile(`${dir}/${name}`);
    return {
      dir,
      caPath: `${dir}/ca.pem`,
      ca: await read("ca.pem"),
      certPath: `${dir}/server.pem`,
      cert: await read("server.pem"),
      keyPath: `${dir}/server.key`,
      key: await read("server.key"),
      otherCertPath: `${dir}/other.pem`,
      otherCert: await read("other.pem"),
      otherKeyPath: `${dir}/other.key`,
      otherKey: await read("other.key"),
    };
  })();
}

/**
 * A TLS server on a free loopback port with the test leaf certificate
 * ({@linkcode testPki}); `extra` adds to or overrides the options.
 */
export async function listenTls(
  extra: Partial<tls.ListenOptions> = {},
): Promise<tls.TlsServer> {
  const pki = await testPki();
  return await tls.listen({
    hostname: "127.0.0.1",
    port: 0,
    cert: pki.cert,
    key: pki.key,
    ...extra,
  });
}

/** A port that was free a moment ago (for peers that cannot listen on port 0). */
export function freePort(): number {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  return listener.addr.port;
}

/** Reads lines of a byte stream. */
function lineReader(
  stream: ReadableStream<Uint8Array>,
): () => Promise<string | null> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let pending = "";
  let done = false;
  return async () => {
    for (;;) {
      const nl = pending.indexOf("\n");
      if (nl >= 0) {
        const line = pending.slice(0, nl).replace(/\r$/, "");
        pending = pending.slice(nl + 1);
        return line;
      }
      if (done) {
        const rest = pending;
        pending = "";
        return rest === "" ? null : rest;
      }
      const { value, done: end } = await reader.read();
      if (end) done = true;
      else pending += value;
    }
  };
}

/** A peer process (openssl, python3, ncat, the CLI) talking to the code under test. */
export interface Peer extends AsyncDisposable {
  /** The process. */
  child: Deno.ChildProcess;
  /** The next line of standard output, or null at its end. */
  readLine(): Promise<string | null>;
  /** The next line of standard error, or null at its end. */
  readErrLine(): Promise<string | null>;
  /** Writes to standard input. */
  write(text: string): Promise<void>;
  /** Closes standard input, waits for the exit, returns the code and the rest of stdout and stderr. */
  finish(): Promise<{ code: number; stdout: string; stderr: string }>;
}

/**
 * Starts a peer process with piped standard streams; it is killed after
 * 30 s, and when disposed (a no-op once it exited), so a test that failed
 * while waiting for it (see `within`) ends it and reads its streams to
 * their end.
 */
export function spawnPeer(command: string, args: string[]): Peer {
  const child = new Deno.Command(command, {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { PYTHONIOENCODING: "utf-8", PYTHONUNBUFFERED: "1", NO_COLOR: "1" },
  }).spawn();
  const kill = () => {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  };
  const timer = setTimeout(kill, 30_000);
  const readLine = lineReader(child.stdout);
  const readErrLine = lineReader(child.stderr);
  const writer = child.stdin.getWriter();
  let finished:
    | Promise<{ code: number; stdout: string; stderr: string }>
    | undefined;
  function finish() {
    return finished ??= (async () => {
      await writer.close().catch(() => {});
      const rest = async (read: () => Promise<string | null>) => {
        let text = "";
        for (let line; (line = await read()) !== null;) text += line + "\n";
        return text;
      };
      const [stdout, stderr] = await Promise.all([
        rest(readLine),
        rest(readErrLine),
      ]);
      const status = await child.status;
      clearTimeout(timer);
      return { code: status.code, stdout, stderr };
    })();
  }
  return {
    child,
    readLine,
    readErrLine,
    write: (text) => writer.write(new TextEncoder().encode(text)),
    finish,
    async [Symbol.asyncDispose]() {
      kill();
      await finish();
    },
  };
}
