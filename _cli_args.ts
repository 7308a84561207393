// Copyright 2026 the socketkit authors. MIT license.
// The command line of cli.ts: usage texts and parsing with node:util
// parseArgs. Pure: no I/O. Internal.

import { parseArgs, type ParseArgsOptionsConfig } from "node:util";

/** The name the tool calls itself in messages. */
export const PROGRAM = "socketkit";

/** The commands the tool knows. */
export type CommandName = "connect" | "listen" | "scan" | "send" | "recv";

/** A parsed command line, ready to run. */
export interface CommandLine {
  command: CommandName;
  transport: "tcp" | "udp" | "unix";
  /** --udp: datagrams (over UDP, or over a Unix socket with --unix). */
  datagram: boolean;
  /** The host (TCP and UDP); `""` with --unix. */
  hostname: string;
  /**
   * Whether listen or recv left HOST out: then `hostname` is `"::"`, every
   * interface for IPv6 and IPv4 both (dual stack), or `"0.0.0.0"` with -4.
   */
  anyHost: boolean;
  /** The port (TCP and UDP); 0 with --unix and for scan. */
  port: number;
  /** The socket path with --unix, else `""`. */
  path: string;
  /** The file of send and recv (`"-"`: standard input or output), else `""`. */
  file: string;
  /** The ports of scan, sorted, each once. */
  ports: number[];
  /** 4 or 6 with -4 or -6, else 0. */
  family: 0 | 4 | 6;
  /** --timeout in milliseconds, or null. */
  timeout: number | null;
  /** --idle-timeout in milliseconds, or null. */
  idleTimeout: number | null;
  /** -q, --quit-after: milliseconds to go on after the end of standard input (0: quit at once), or null. */
  quitAfter: number | null;
  /** --exec CMD: the shell command each connection runs with, or `""`. */
  exec: string;
  /** --concurrency of scan. */
  concurrency: number;
  keepOpen: boolean;
  echo: boolean;
  /** recv --force: replace an existing FILE. */
  force: boolean;
  verbose: boolean;
  /** The hidden --progress: draw the progress line even when standard error is not a terminal. */
  progress: boolean;
  /** --tls and its files, or null without it. */
  tls: TlsArgs | null;
}

/** What --tls comes with: --ca and --servername (clients), --cert and --key (listen, recv). */
export interface TlsArgs {
  /** --ca FILE: a PEM file of CA certificates trusted besides the system's, or `""`. */
  ca: string;
  /** --servername NAME: the name the certificate must carry, or `""` for HOST. */
  serverName: string;
  /** --cert FILE and --key FILE of a listening command, or `""`. */
  cert: string;
  key: string;
}

/** What parsing asks for: run a command, or print a help text and exit 0. */
export type Parsed = CommandLine | { help: string };

/** Bad arguments: print the message and the usage, exit 2. */
export class UsageError extends Error {
  /** The usage lines of the command (or of the tool). */
  readonly usage: string;

  constructor(message: string, usage: string) {
    super(message);
    this.name = "UsageError";
    this.usage = usage;
  }
}

/** The default per-port timeout of scan. */
export const DEFAULT_SCAN_TIMEOUT = 1_000;
/** The default number of ports scan tries at once. */
export const DEFAULT_CONCURRENCY = 100;
/** The most ports scan tries at once. */
export const MAX_CONCURRENCY = 4_096;

const DURATION_REGEXP = /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)?$/;
const PORT_REGEXP = /^\d{1,5}$/;
const RANGE_REGEXP = /^(\d{1,5})(?:-(\d{1,5}))?$/;
const IPV4_REGEXP = /^\d{1,3}(?:\.\d{1,3}){3}$/;

const DURATION_NOTE =
  "DURATION is seconds (5, 0.5) or a number with a unit (500ms, 5s, 2m).";

const USAGE: Record<CommandName, string> = {
  connect: `usage: ${PROGRAM} connect [options] HOST PORT
       ${PROGRAM} connect [options] --unix PATH`,
  listen: `usage: ${PROGRAM} listen [options] [HOST] PORT
       ${PROGRAM} listen [options] --unix PATH`,
  scan: `usage: ${PROGRAM} scan [options] HOST PORTS...`,
  send: `usage: ${PROGRAM} send [options] HOST PORT FILE
       ${PROGRAM} send [options] --unix PATH FILE`,
  recv: `usage: ${PROGRAM} recv [options] [HOST] PORT FILE
       ${PROGRAM} recv [options] --unix PATH FILE`,
};

const MAIN_USAGE =
  `usage: ${PROGRAM} <connect|listen|scan|send|recv> [options] ARGS...
Run "${PROGRAM} --help" for more.`;

/** The help of the tool as a whole. */
export const MAIN_HELP =
  `${PROGRAM}: a netcat for Deno, built on @socketkit/socket.

Usage:
  ${PROGRAM} connect [options] HOST PORT      pipe standard input and output through a socket
  ${PROGRAM} listen [options] [HOST] PORT     the same, with a client that connects here
  ${PROGRAM} scan [options] HOST PORTS...     print the ports that accept a connection
  ${PROGRAM} send [options] HOST PORT FILE    send a file, with progress
  ${PROGRAM} recv [options] [HOST] PORT FILE  receive a file, with progress

Transports: TCP by default, --udp for UDP, --unix PATH for a Unix socket
(with --udp a Unix datagram socket); --tls for TLS over TCP.
Standard output carries only data; messages go to standard error.
Run "${PROGRAM} COMMAND --help" for a command's options.

Exit status: 0 done, 1 network or file error (or no open port for scan),
2 bad arguments, 130 interrupted.`;

const COMMON_HELP = `  -4, -6                       use IPv4 or IPv6 only
  -v, --verbose                say on standard error what happens
  -h, --help                   print this help`;

const HELP: Record<CommandName, string> = {
  connect: `${USAGE.connect}

Connects, then copies standard input to the socket and the socket to standard
output until both are done. When standard input ends, the socket's write side
is shut down and what the peer still sends reaches standard output.

Options:
  -u, --udp                    use UDP: each read of standard input is sent as
                               one datagram; UDP has no end of stream, so after
                               the end of input the tool waits for replies
                               until -w, -q, --idle-timeout or Ctrl-C
      --unix PATH              connect to a Unix socket instead (with --udp, a
                               Unix datagram socket: replies come to a socket
                               in a temporary directory, as nc -Uu)
      --exec CMD               run "sh -c CMD" with its standard input and
                               output on the socket, instead of the tool's;
                               with --udp, each write of its output goes to
                               the server as a datagram and each reply to its
                               input, until it exits (not with --unix --udp)
      --tls                    speak TLS, checking the server's certificate
      --ca FILE                trust the CA certificates in FILE (PEM) too
      --servername NAME        the name the certificate must carry (default HOST)
  -w, --timeout DURATION       give up connecting after DURATION; with --udp,
                               also quit when no reply comes for DURATION
                               after the end of input (as nc -u -w)
  -q, --quit-after DURATION    quit DURATION after the end of input even if
                               the peer goes on (0: at once), as nc -q
  -i, --idle-timeout DURATION  quit when nothing moves for DURATION
${COMMON_HELP}

${DURATION_NOTE}`,
  listen: `${USAGE.listen}

Listens (on every interface, IPv6 and IPv4, when HOST is left out; port 0
picks a free port), prints "listening on HOST:PORT" on standard error, accepts
one connection and copies standard input to it and it to standard output
until both are done.

Options:
  -k, --keep-open              accept connections until Ctrl-C: one at a time,
                               each ending when the client ends its side, or
                               all at once with --echo or --exec
      --echo                   answer each client with what it sent
      --exec CMD               run "sh -c CMD" for each connection with its
                               standard input and output on the socket; when the
                               client ends its side the command's input ends,
                               its output still goes to the client, and its exit
                               closes the connection (with -k, an inetd); the
                               command finds the client's address in
                               SOCKETKIT_REMOTE_ADDR and SOCKETKIT_REMOTE_PORT.
                               With --udp, as ncat -u -e: a command per sender,
                               started by its first datagram (the first sender
                               only, whose command's exit ends the run; with -k
                               every sender, 100 at once); the sender's
                               datagrams go to the command's input and each
                               write of its output goes back as a datagram (a
                               command that holds its output when it is not on a
                               terminal, as tr does, answers only when its input
                               ends: use stdbuf -oL, or -i); -i closes an idle
                               command's input, and stops the command after as
                               long again. Not with --unix --udp: Deno cannot
                               send on a Unix datagram socket while a receive
                               waits
  -u, --udp                    use UDP: datagrams from the first sender go to
                               standard output (from every sender with -k) and
                               standard input goes back to it; with --unix, a
                               Unix datagram socket (replies go to senders
                               that bound a path)
      --unix PATH              listen on a Unix socket instead
      --tls                    speak TLS, with --cert FILE and --key FILE (PEM)
  -w, --timeout DURATION       give up when nobody connects within DURATION
  -q, --quit-after DURATION    quit DURATION after the end of input even if
                               the client goes on (0: at once), as nc -q
  -i, --idle-timeout DURATION  close a connection when nothing moves for DURATION
  -4, -6                       listen on IPv4 or IPv6 only (without HOST: every
                               IPv4 interface, or every IPv6 one, where IPv4
                               clients are refused)
  -v, --verbose                say on standard error what happens
  -h, --help                   print this help

${DURATION_NOTE}`,
  scan: `${USAGE.scan}

Tries to connect to each port and prints, one a line and in order, the ports
that accept. PORTS are ports and ranges, as separate arguments or joined with
commas: 22 80 8000-8100 or 22,80,8000-8100. With -v, a line on standard error
for each port, as nc -zv. A connection of the tool's socket to itself (TCP
self-connect, possible on the machine's own ephemeral ports) is not an open
port. Exits 0 when a port is open, 1 when none is.

Options:
      --tls                    list only ports that complete a verified TLS handshake
      --ca FILE                trust the CA certificates in FILE (PEM) too
      --servername NAME        the name the certificate must carry (default HOST)
  -w, --timeout DURATION       give up on a port after DURATION (default 1s)
  -c, --concurrency N          try N ports at once (default ${DEFAULT_CONCURRENCY})
${COMMON_HELP}

${DURATION_NOTE}`,
  send: `${USAGE.send}

Connects and sends FILE ("-" for standard input), then shuts down the write
side and waits for the peer to close; what the peer sends back goes to
standard output. Draws a progress line when standard error is a terminal and
prints a summary at the end.

Options:
      --unix PATH              connect to a Unix socket instead
      --tls                    speak TLS, checking the server's certificate
      --ca FILE                trust the CA certificates in FILE (PEM) too
      --servername NAME        the name the certificate must carry (default HOST)
  -w, --timeout DURATION       give up connecting after DURATION
  -i, --idle-timeout DURATION  fail when nothing moves for DURATION
${COMMON_HELP}

${DURATION_NOTE}`,
  recv: `${USAGE.recv}

Listens (on every interface when HOST is left out), prints "listening on
HOST:PORT" on standard error, accepts one connection and writes what it sends
to FILE ("-" for standard output) until it closes. The data goes to a new file
beside FILE that takes FILE's name only once the transfer has ended well, so
a failed transfer leaves no FILE behind, and never a half-written one. Draws
a progress line when standard error is a terminal and prints a summary at the
end.

Options:
  -f, --force                  replace FILE if it exists (refused otherwise)
      --unix PATH              listen on a Unix socket instead
      --tls                    speak TLS, with --cert FILE and --key FILE (PEM)
  -w, --timeout DURATION       give up when nobody connects within DURATION
  -i, --idle-timeout DURATION  fail when nothing moves for DURATION
${COMMON_HELP}

${DURATION_NOTE}`,
};

const COMMON: ParseArgsOptionsConfig = {
  help: { type: "boolean", short: "h" },
  verbose: { type: "boolean", short: "v" },
  "4": { type: "boolean", short: "4" },
  "6": { type: "boolean", short: "6" },
};
const TIMEOUTS: ParseArgsOptionsConfig = {
  timeout: { type: "string", short: "w" },
  "idle-timeout": { type: "string", short: "i" },
};
const STDIN: ParseArgsOptionsConfig = {
  "quit-after": { type: "string", short: "q" },
  exec: { type: "string" },
};

const TLS_CLIENT: ParseArgsOptionsConfig = {
  tls: { type: "boolean" },
  ca: { type: "string" },
  servername: { type: "string" },
};
const TLS_SERVER: ParseArgsOptionsConfig = {
  tls: { type: "boolean" },
  cert: { type: "string" },
  key: { type: "string" },
};

const OPTIONS: Record<CommandName, ParseArgsOptionsConfig> = {
  connect: {
    ...COMMON,
    ...TIMEOUTS,
    ...STDIN,
    ...TLS_CLIENT,
    udp: { type: "boolean", short: "u" },
    unix: { type: "string" },
  },
  listen: {
    ...COMMON,
    ...TIMEOUTS,
    ...STDIN,
    ...TLS_SERVER,
    udp: { type: "boolean", short: "u" },
    unix: { type: "string" },
    "keep-open": { type: "boolean", short: "k" },
    echo: { type: "boolean" },
  },
  scan: {
    ...COMMON,
    ...TLS_CLIENT,
    timeout: { type: "string", short: "w" },
    concurrency: { type: "string", short: "c" },
  },
  send: {
    ...COMMON,
    ...TIMEOUTS,
    ...TLS_CLIENT,
    unix: { type: "string" },
    progress: { type: "boolean" },
  },
  recv: {
    ...COMMON,
    ...TIMEOUTS,
    ...TLS_SERVER,
    unix: { type: "string" },
    progress: { type: "boolean" },
    force: { type: "boolean", short: "f" },
  },
};

function isCommand(name: string | undefined): name is CommandName {
  return name !== undefined && Object.hasOwn(USAGE, name);
}

/** The help text of a command, or of the tool. */
export function helpText(command?: CommandName): string {
  return command === undefined ? MAIN_HELP : HELP[command];
}

/** Rewrites node:util's parseArgs errors as one short line. */
function parseArgsMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  const quoted = /'([^']+)'/.exec(err.message)?.[1]?.replace(" <value>", "");
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && quoted !== undefined) {
    return `unknown option ${JSON.stringify(quoted)}`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && quoted !== undefined) {
    return err.message.includes("argument missing")
      ? `option ${JSON.stringify(quoted)} needs a value`
      : `option ${JSON.stringify(quoted)} takes no value`;
  }
  return err.message.split("\n")[0]!;
}

/**
 * Parses a duration: seconds (`5`, `0.5`) or a number with a unit
 * (`500ms`, `5s`, `2m`, `1h`). Returns milliseconds.
 */
export function parseDuration(text: string, name: string): number {
  const match = DURATION_REGEXP.exec(text);
  const value = match === null ? NaN : Number(match[1]);
  const unit = match?.[2] ?? "s";
  const ms = value *
    (unit === "ms"
      ? 1
      : unit === "s"
      ? 1_000
      : unit === "m"
      ? 60_000
      : 3_600_000);
  if (!(ms > 0) || !Number.isFinite(ms) || ms > 2_147_483_647) {
    throw new RangeError(
      `${name} must be a positive duration such as 5, 0.5, 500ms or 2m: current value is ${
        JSON.stringify(text)
      }`,
    );
  }
  return Math.max(1, Math.round(ms));
}

/** Parses -q: a duration as {@linkcode parseDuration}, or 0 (quit at once). */
export function parseQuitAfter(text: string): number {
  if (/^(?:0+(?:\.0*)?|\.0+)(?:ms|s|m|h)?$/.test(text)) return 0;
  try {
    return parseDuration(text, "--quit-after");
  } catch {
    throw new RangeError(
      `--quit-after must be 0 or a positive duration such as 5, 0.5 or 500ms: current value is ${
        JSON.stringify(text)
      }`,
    );
  }
}

/** Parses a port from `min` to 65535. */
export function parsePort(text: string, min: number, name = "PORT"): number {
  const port = PORT_REGEXP.test(text) ? Number(text) : NaN;
  if (!(port >= min && port <= 65535)) {
    throw new RangeError(
      `${name} must be an integer from ${min} to 65535: current value is ${
        JSON.stringify(text)
      }`,
    );
  }
  return port;
}

/**
 * Parses a list of ports and ranges (`22,80,8000-8100`) into sorted ports,
 * each once.
 */
export function parsePorts(text: string): number[] {
  const seen = new Uint8Array(65_536);
  let count = 0;
  for (const item of text.split(",")) {
    const match = RANGE_REGEXP.exec(item.trim());
    const first = match === null ? NaN : Number(match[1]);
    const last = match?.[2] === undefined ? first : Number(match[2]);
    if (!(first >= 1 && last <= 65535 && first <= last)) {
      throw new RangeError(
        `PORTS must be ports and ranges from 1 to 65535, such as 22,80,8000-8100: current value is ${
          JSON.stringify(text)
        }`,
      );
    }
    for (let port = first; port <= last; port++) {
      if (seen[port] === 0) {
        seen[port] = 1;
        count++;
      }
    }
  }
  const ports = new Array<number>(count);
  let i = 0;
  for (let port = 1; port <= 65535; port++) {
    if (seen[port] === 1) ports[i++] = port;
  }
  return ports;
}

/** The IP version of an address literal (4 or 6), or 0 for a host name. */
export function ipVersion(hostname: string): 0 | 4 | 6 {
  if (hostname.includes(":")) return 6;
  return IPV4_REGEXP.test(hostname) ? 4 : 0;
}

/**
 * Parses the tool's arguments.
 *
 * @throws {UsageError} If they are wrong; the message is one line.
 */
export function parseCommandLine(args: readonly string[]): Parsed {
  const name = args[0];
  if (name === undefined) throw new UsageError("no command given", MAIN_USAGE);
  if (name === "-h" || name === "--help" || name === "help") {
    const topic = args[1];
    if (name === "help" && isCommand(topic)) return { help: HELP[topic] };
    return { help: MAIN_HELP };
  }
  if (!isCommand(name)) {
    throw new UsageError(
      name.startsWith("-")
        ? `the command must come first: current first argument is ${
          JSON.stringify(name)
        }`
        : `unknown command ${JSON.stringify(name)}`,
      MAIN_USAGE,
    );
  }
  const usage = `${USAGE[name]}
Run "${PROGRAM} ${name} --help" for more.`;
  try {
    return parseCommand(name, args.slice(1));
  } catch (err) {
    if (err instanceof UsageError) throw err;
    if (err instanceof Error) throw new UsageError(err.message, usage);
    throw err;
  }
}

/**
 * Joins each option that takes a value with the argument after it
 * (`--timeout -1` → `--timeout=-1`), as getopt does: node:util would take
 * `-1` for an option of its own and report that --timeout "takes no
 * value". The value is then checked as any other.
 */
function joinValues(
  options: ParseArgsOptionsConfig,
  args: readonly string[],
): string[] {
  const takesValue = new Map<string, string>();
  for (const [long, config] of Object.entries(options)) {
    if (config.type !== "string") continue;
    takesValue.set(`--${long}`, long);
    if (config.short !== undefined) takesValue.set(`-${config.short}`, long);
  }
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      out.push(...args.slice(i));
      break;
    }
    const long = takesValue.get(arg);
    const next = args[i + 1];
    if (long !== undefined && next !== undefined && next.startsWith("-")) {
      out.push(`--${long}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

function parseCommand(name: CommandName, args: string[]): Parsed {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: joinValues(OPTIONS[name], args),
      options: OPTIONS[name],
      strict: true,
      allowPositionals: true,
    }) as {
      values: Record<string, string | boolean | undefined>;
      positionals: string[];
    });
  } catch (err) {
    throw new TypeError(parseArgsMessage(err));
  }
  if (values.help === true) return { help: HELP[name] };

  const unix = values.unix as string | undefined;
  const udp = values.udp === true;
  if (unix === "") throw new TypeError("--unix PATH must not be empty");
  if (values["4"] === true && values["6"] === true) {
    throw new TypeError("-4 and -6 cannot be used together");
  }
  const family = values["4"] === true ? 4 : values["6"] === true ? 6 : 0;
  if (unix !== undefined && family !== 0) {
    throw new TypeError(`-${family} does not apply to --unix`);
  }
  const echo = values.echo === true;
  const keepOpen = values["keep-open"] === true;
  const exec = values.exec as string | undefined;
  if (exec !== undefined) {
    if (exec.trim() === "") throw new TypeError("--exec CMD must not be empty");
    if (echo) throw new TypeError("--exec and --echo cannot be used together");
    if (udp && unix !== undefined) {
      // Deno runs one operation at a time on a Unix datagram socket: with a
      // receive waiting, the command's output could not go out until the
      // peer's next datagram, which may never come.
      throw new TypeError(
        "--exec cannot be used with --unix and --udp together: Deno cannot send on a Unix datagram socket while a receive waits, so the command's output would wait for the peer's next datagram",
      );
    }
    if (values["quit-after"] !== undefined) {
      throw new TypeError(
        "--quit-after goes with standard input, which --exec leaves unused",
      );
    }
  }

  const line: CommandLine = {
    command: name,
    transport: unix !== undefined ? "unix" : udp ? "udp" : "tcp",
    datagram: udp,
    hostname: "",
    anyHost: false,
    port: 0,
    path: unix ?? "",
    file: "",
    ports: [],
    family,
    timeout: values.timeout === undefined
      ? null
      : parseDuration(values.timeout as string, "--timeout"),
    idleTimeout: values["idle-timeout"] === undefined
      ? null
      : parseDuration(values["idle-timeout"] as string, "--idle-timeout"),
    quitAfter: values["quit-after"] === undefined
      ? null
      : parseQuitAfter(values["quit-after"] as string),
    exec: exec ?? "",
    concurrency: DEFAULT_CONCURRENCY,
    keepOpen,
    echo,
    force: values.force === true,
    verbose: values.verbose === true,
    progress: values.progress === true,
    tls: tlsArgs(
      name,
      values,
      unix !== undefined ? "--unix" : udp ? "--udp" : "",
    ),
  };

  // The positionals each command takes, by transport.
  const wanted = positionalNames(name, line.transport);
  const min = wanted.filter((p) => !p.startsWith("[")).length;
  const most = name === "scan" && line.transport !== "unix"
    ? Infinity
    : wanted.length;
  if (positionals.length < min || positionals.length > most) {
    const given = positionals.length === 0
      ? "none"
      : positionals.map((p) => JSON.stringify(p)).join(" ");
    throw new TypeError(
      `${name}${line.transport === "unix" ? " --unix PATH" : ""} takes ${
        wanted.join(" ") || "no arguments"
      }: given ${given}`,
    );
  }
  // Optional leading HOST: present when every argument is given.
  const args2 = [...positionals];
  const hostGiven = wanted[0] === "[HOST]" && args2.length === wanted.length;
  const listening = name === "listen" || name === "recv";
  if (line.transport !== "unix") {
    let host: string | undefined;
    if (wanted[0] === "HOST" || hostGiven) host = args2.shift()!;
    if (host === undefined) {
      // Every interface: "::" takes IPv4 clients too (dual stack), unless -6.
      host = family === 4 ? "0.0.0.0" : "::";
      line.anyHost = true;
    }
    if (host === "") throw new TypeError("HOST must not be empty");
    line.hostname = host.startsWith("[") && host.endsWith("]")
      ? host.slice(1, -1)
      : host;
    const version = ipVersion(line.hostname);
    if (family !== 0 && version !== 0 && version !== family) {
      throw new TypeError(
        `-${family} asks for IPv${family} but HOST is an IPv${version} address: current value is ${
          JSON.stringify(host)
        }`,
      );
    }
    if (name === "scan") {
      // Each argument checked alone, so an error names the one that is wrong.
      const lists = args2.splice(0);
      for (const list of lists) parsePorts(list);
      line.ports = parsePorts(lists.join(","));
    } else {
      line.port = parsePort(args2.shift()!, listening ? 0 : 1);
    }
  }
  if (name === "send" || name === "recv") {
    line.file = args2.shift()!;
    if (line.file === "") throw new TypeError("FILE must not be empty");
  }

  if (name === "scan") {
    line.timeout ??= DEFAULT_SCAN_TIMEOUT;
    if (values.concurrency !== undefined) {
      const text = values.concurrency as string;
      const n = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
      if (!(n >= 1 && n <= MAX_CONCURRENCY)) {
        throw new RangeError(
          `--concurrency must be an integer from 1 to ${MAX_CONCURRENCY}: current value is ${
            JSON.stringify(text)
          }`,
        );
      }
      line.concurrency = n;
    }
  }
  return line;
}

/** Checks --tls and the options that go with it. */
function tlsArgs(
  name: CommandName,
  values: Record<string, string | boolean | undefined>,
  other: string,
): TlsArgs | null {
  const files = ["ca", "servername", "cert", "key"].filter((k) =>
    values[k] !== undefined
  );
  if (values.tls !== true) {
    if (files.length > 0) {
      throw new TypeError(`--${files[0]} goes with --tls`);
    }
    return null;
  }
  if (other !== "") {
    throw new TypeError(`--tls and ${other} cannot be used together`);
  }
  for (const k of files) {
    if (values[k] === "") throw new TypeError(`--${k} must not be empty`);
  }
  const listening = name === "listen" || name === "recv";
  if (listening && (values.cert === undefined || values.key === undefined)) {
    throw new TypeError(`${name} --tls needs --cert FILE and --key FILE`);
  }
  return {
    ca: (values.ca as string | undefined) ?? "",
    serverName: (values.servername as string | undefined) ?? "",
    cert: (values.cert as string | undefined) ?? "",
    key: (values.key as string | undefined) ?? "",
  };
}

function positionalNames(
  name: CommandName,
  transport: CommandLine["transport"],
): string[] {
  if (transport === "unix") {
    return name === "send" || name === "recv" ? ["FILE"] : [];
  }
  switch (name) {
    case "connect":
      return ["HOST", "PORT"];
    case "listen":
      return ["[HOST]", "PORT"];
    case "scan":
      return ["HOST", "PORTS..."];
    case "send":
      return ["HOST", "PORT", "FILE"];
    case "recv":
      return ["[HOST]", "PORT", "FILE"];
  }
}
