// Copyright 2026 the socketkit authors. MIT license.
// The libc layer for the socket types Deno cannot create (SOCK_RAW,
// SOCK_SEQPACKET, socketpair). Internal.
//
// Nothing here runs at import: the library is opened by the first socket
// (`acquireLibc`) and closed when the last one is closed, so importing a
// module that imports this one needs no `--allow-ffi`, and a test that
// closes its sockets leaves no dynamic library open behind it.
//
// errno is read right after each call through `__errno_location()` (the
// calling thread's errno). So every call whose errno matters is a plain,
// synchronous symbol: the sockets are non-blocking, which makes those calls
// quick. Only `poll` runs off the main thread (`nonblocking: true`); its
// failures are never told apart (it is simply called again).
//
// Linux (glibc or musl) is supported; other systems get
// `Deno.errors.NotSupported`. A macOS port would need: the library
// `libSystem.B.dylib`; `__error` for `__errno_location`; a pipe for the
// eventfd; no SOCK_NONBLOCK/SOCK_CLOEXEC or accept4 (socket + fcntl
// O_NONBLOCK/FD_CLOEXEC instead); SO_NOSIGPIPE for MSG_NOSIGNAL; a length
// byte before the family in every sockaddr (AF_INET6 is 30, sun_path 104
// bytes); other numbers for errno (EAGAIN 35, EADDRINUSE 48, ...), SOL_SOCKET
// (0xffff), SO_RCVBUF (0x1002), IP_TTL (4) and the rest; and no
// ping_group_range (ICMP datagram sockets are open to every user).

import { setCode } from "./_errors.ts";

const SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  socketpair: {
    parameters: ["i32", "i32", "i32", "buffer"],
    result: "i32",
  },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  listen: { parameters: ["i32", "i32"], result: "i32" },
  accept4: {
    parameters: ["i32", "buffer", "buffer", "i32"],
    result: "i32",
  },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  send: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  sendto: {
    parameters: ["i32", "buffer", "usize", "i32", "buffer", "u32"],
    result: "isize",
  },
  recv: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  recvfrom: {
    parameters: ["i32", "buffer", "usize", "i32", "buffer", "buffer"],
    result: "isize",
  },
  setsockopt: {
    parameters: ["i32", "i32", "i32", "buffer", "u32"],
    result: "i32",
  },
  getsockopt: {
    parameters: ["i32", "i32", "i32", "buffer", "buffer"],
    result: "i32",
  },
  recvmsg: { parameters: ["i32", "buffer", "i32"], result: "isize" },
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  getpeername: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  shutdown: { parameters: ["i32", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  eventfd: { parameters: ["u32", "i32"], result: "i32" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  strerror: { parameters: ["i32"], result: "pointer" },
  clock_gettime: { parameters: ["i32", "buffer"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
  /** Waits off the main thread. */
  poll: {
    parameters: ["buffer", "u64", "i32"],
    result: "i32",
    nonblocking: true,
  },
  /** Asks without waiting (timeout 0), on the main thread. */
  pollNow: {
    name: "poll",
    parameters: ["buffer", "u64", "i32"],
    result: "i32",
  },
} as const;

/** The libc functions, as Deno binds them. */
export type Libc = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

// ---- constants (Linux) ----

export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export const SOCK_RDM = 4;
export const SOCK_SEQPACKET = 5;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
export const SOL_SOCKET = 1;
export const SO_ERROR = 4;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_TIMESTAMPNS = 35;
export const IPPROTO_IP = 0;
export const IPPROTO_ICMP = 1;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_RAW = 255;
export const IP_TTL = 2;
export const IPV6_UNICAST_HOPS = 16;
export const IP_RECVTTL = 12;
export const IPV6_RECVHOPLIMIT = 51;
export const IPV6_HOPLIMIT = 52;
export const MSG_PEEK = 2;
export const MSG_TRUNC = 0x20;
export const MSG_NOSIGNAL = 0x4000;
export const SHUT_RD = 0;
export const SHUT_WR = 1;
export const SHUT_RDWR = 2;
export const CLOCK_REALTIME = 0;
export const POLLIN = 0x1;
export const POLLOUT = 0x4;
export const POLLERR = 0x8;
export const POLLHUP = 0x10;
export const POLLNVAL = 0x20;
export const POLLRDHUP = 0x2000;
const EFD_CLOEXEC = 0o2000000;
const EFD_NONBLOCK = 0o4000;

export const EINTR = 4;
export const EAGAIN = 11;
export const EINPROGRESS = 115;
export const ECONNREFUSED = 111;
export const ENOENT = 2;

/** errno numbers and names on Linux. */
const ERRNO_NAMES: Record<number, string> = {
  1: "EPERM",
  2: "ENOENT",
  4: "EINTR",
  5: "EIO",
  9: "EBADF",
  11: "EAGAIN",
  12: "ENOMEM",
  13: "EACCES",
  14: "EFAULT",
  16: "EBUSY",
  17: "EEXIST",
  20: "ENOTDIR",
  21: "EISDIR",
  22: "EINVAL",
  23: "ENFILE",
  24: "EMFILE",
  28: "ENOSPC",
  30: "EROFS",
  32: "EPIPE",
  36: "ENAMETOOLONG",
  40: "ELOOP",
  88: "ENOTSOCK",
  89: "EDESTADDRREQ",
  90: "EMSGSIZE",
  91: "EPROTOTYPE",
  92: "ENOPROTOOPT",
  93: "EPROTONOSUPPORT",
  94: "ESOCKTNOSUPPORT",
  95: "EOPNOTSUPP",
  96: "EPFNOSUPPORT",
  97: "EAFNOSUPPORT",
  98: "EADDRINUSE",
  99: "EADDRNOTAVAIL",
  100: "ENETDOWN",
  101: "ENETUNREACH",
  102: "ENETRESET",
  103: "ECONNABORTED",
  104: "ECONNRESET",
  105: "ENOBUFS",
  106: "EISCONN",
  107: "ENOTCONN",
  110: "ETIMEDOUT",
  111: "ECONNREFUSED",
  112: "EHOSTDOWN",
  113: "EHOSTUNREACH",
  114: "EALREADY",
  115: "EINPROGRESS",
};

type ErrorClass = new (message?: string, options?: ErrorOptions) => Error;

/** Which `Deno.errors` class an errno becomes (plain `Error` otherwise). */
const ERRNO_CLASSES: Record<string, ErrorClass> = {
  EPERM: Deno.errors.PermissionDenied,
  EACCES: Deno.errors.PermissionDenied,
  ENOENT: Deno.errors.NotFound,
  EINTR: Deno.errors.Interrupted,
  EBADF: Deno.errors.BadResource,
  EAGAIN: Deno.errors.WouldBlock,
  EEXIST: Deno.errors.AlreadyExists,
  ENOTDIR: Deno.errors.NotADirectory,
  EISDIR: Deno.errors.IsADirectory,
  ELOOP: Deno.errors.FilesystemLoop,
  EPIPE: Deno.errors.BrokenPipe,
  EBUSY: Deno.errors.Busy,
  EPROTOTYPE: Deno.errors.NotSupported,
  ENOPROTOOPT: Deno.errors.NotSupported,
  EPROTONOSUPPORT: Deno.errors.NotSupported,
  ESOCKTNOSUPPORT: Deno.errors.NotSupported,
  EOPNOTSUPP: Deno.errors.NotSupported,
  EPFNOSUPPORT: Deno.errors.NotSupported,
  EAFNOSUPPORT: Deno.errors.NotSupported,
  EADDRINUSE: Deno.errors.AddrInUse,
  EADDRNOTAVAIL: Deno.errors.AddrNotAvailable,
  ENETDOWN: Deno.errors.NetworkUnreachable,
  ENETUNREACH: Deno.errors.NetworkUnreachable,
  EHOSTUNREACH: Deno.errors.NetworkUnreachable,
  EHOSTDOWN: Deno.errors.NetworkUnreachable,
  ECONNABORTED: Deno.errors.ConnectionAborted,
  ECONNRESET: Deno.errors.ConnectionReset,
  ENETRESET: Deno.errors.ConnectionReset,
  ENOTCONN: Deno.errors.NotConnected,
  ETIMEDOUT: Deno.errors.TimedOut,
  ECONNREFUSED: Deno.errors.ConnectionRefused,
};

/** The name of an errno number, such as `EACCES` (`E123` when unknown). */
export function errnoName(errno: number): string {
  return ERRNO_NAMES[errno] ?? `E${errno}`;
}

/** The errno number of a name such as `ECONNREFUSED` (Linux), if known. */
export function errnoNumber(name: string): number | undefined {
  for (const [code, known] of Object.entries(ERRNO_NAMES)) {
    if (known === name) return Number(code);
  }
  return undefined;
}

// ---- the library, opened by the first socket and closed by the last ----

let library: Deno.DynamicLibrary<typeof SYMBOLS> | null = null;
let users = 0;
let errnoView: Deno.UnsafePointerView | null = null;

/**
 * Opens libc (once) and counts one more user; pair each call with
 * {@linkcode releaseLibc}.
 *
 * @throws {Deno.errors.NotCapable} Without `--allow-ffi`, saying so.
 * @throws {Deno.errors.NotSupported} On a system other than Linux.
 */
export function acquireLibc(action: string): Libc {
  if (library === null) {
    library = openLibc(action);
    errnoView = new Deno.UnsafePointerView(
      library.symbols.__errno_location()!,
    );
  }
  users++;
  return library.symbols;
}

function openLibc(action: string): Deno.DynamicLibrary<typeof SYMBOLS> {
  if (Deno.build.os !== "linux") {
    throw new Deno.errors.NotSupported(
      `Cannot ${action}: raw, sequenced-packet and socketpair sockets need Linux (this is ${Deno.build.os})`,
    );
  }
  // glibc's name, then musl's.
  let failure: unknown;
  for (const name of ["libc.so.6", "libc.so"]) {
    try {
      return Deno.dlopen(name, SYMBOLS);
    } catch (err) {
      if (err instanceof Deno.errors.NotCapable) {
        throw new Deno.errors.NotCapable(
          `Cannot ${action}: this socket type is made through libc, which requires --allow-ffi`,
          { cause: err },
        );
      }
      failure ??= err;
    }
  }
  throw new Deno.errors.NotSupported(
    `Cannot ${action}: the C library could not be opened`,
    { cause: failure },
  );
}

/** Counts one user less; the last one closes the library. */
export function releaseLibc(): void {
  users--;
  if (users === 0 && library !== null) {
    library.close();
    library = null;
    errnoView = null;
  }
}

/** The calling thread's errno: read it right after the call that failed. */
export function errno(): number {
  return errnoView!.getInt32();
}

/** The system's description of an errno, such as `Connection refused`. */
export function strerror(lib: Libc, code: number): string {
  const ptr = lib.strerror(code);
  return ptr === null
    ? errnoName(code)
    : Deno.UnsafePointerView.getCString(ptr);
}

/**
 * The error for a failed call: the `Deno.errors` class of the errno, the
 * message `Cannot <action>: <reason>`, `code` set to the errno's name, and
 * as `cause` the system's own words with the errno number.
 */
export function errnoError(lib: Libc, action: string, code: number): Error {
  const name = errnoName(code);
  const text = strerror(lib, code);
  const cause = setCode(new Error(`${text} (os error ${code}, ${name})`), name);
  const Class = ERRNO_CLASSES[name] ?? Error;
  const reason = text.length === 0
    ? name
    : text[0]!.toLowerCase() + text.slice(1);
  return setCode(
    new Class(`Cannot ${action}: ${reason} (${name})`, { cause }),
    name,
  );
}

// ---- wake-up file descriptors ----

/** A new eventfd (non-blocking, close-on-exec), or throws. */
export function openEventFd(lib: Libc, action: string): number {
  const fd = lib.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) throw errnoError(lib, action, errno());
  return fd;
}

const ONE = new Uint8Array(new BigUint64Array([1n]).buffer);
const DRAIN = new Uint8Array(8);

/** Makes a poll on the eventfd return. */
export function wake(lib: Libc, fd: number): void {
  lib.write(fd, ONE, 8n);
}

/** Empties the eventfd's counter. */
export function drain(lib: Libc, fd: number): void {
  lib.read(fd, DRAIN, 8n);
}

// ---- times ----

/**
 * A `struct timespec` (64-bit seconds and nanoseconds, little-endian) at
 * `at` in `bytes`, in milliseconds (to the microsecond for times of this
 * era, as a double holds them).
 */
export function timespecMs(bytes: Uint8Array, at = 0): number {
  return int64At(bytes, at) * 1000 + int64At(bytes, at + 8) / 1e6;
}

/** A little-endian 32-bit signed integer at `at`. */
export function int32At(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) |
    (bytes[at + 3]! << 24);
}

/** A little-endian 64-bit signed integer at `at` (exact to 2^53). */
export function int64At(bytes: Uint8Array, at: number): number {
  return (int32At(bytes, at) >>> 0) + int32At(bytes, at + 4) * 0x1_0000_0000;
}

// ---- socket addresses ----

/** A socket address, decoded. */
export type SockAddr =
  | { family: typeof AF_UNIX; path: string }
  | { family: typeof AF_INET; hostname: string; port: number }
  | {
    family: typeof AF_INET6;
    hostname: string;
    port: number;
    flowinfo: number;
    scopeId: number;
  };

/** Room for any socket address (`sockaddr_storage`). */
export const SOCKADDR_SIZE = 128;
/** The longest Unix socket path, in bytes, without its NUL. */
export const MAX_UNIX_PATH_BYTES = 107;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Encodes an address as the C struct; returns the bytes (their length is the
 * socklen). The fields are written byte by byte: a `DataView` and a split
 * of the dotted address took most of the time of a send to a new address.
 */
export function encodeAddr(addr: SockAddr): Uint8Array {
  if (addr.family === AF_UNIX) {
    const path = encoder.encode(addr.path);
    // An abstract name (leading NUL) has no terminating NUL.
    const out = new Uint8Array(2 + path.length + (path[0] === 0 ? 0 : 1));
    out[0] = AF_UNIX;
    out.set(path, 2);
    return out;
  }
  if (addr.family === AF_INET) {
    const out = new Uint8Array(16);
    out[0] = AF_INET;
    out[2] = addr.port >> 8;
    out[3] = addr.port;
    writeIpv4(addr.hostname, out, 4);
    return out;
  }
  const out = new Uint8Array(28);
  out[0] = AF_INET6;
  out[2] = addr.port >> 8;
  out[3] = addr.port;
  const flowinfo = addr.flowinfo;
  out[4] = flowinfo >>> 24;
  out[5] = flowinfo >>> 16;
  out[6] = flowinfo >>> 8;
  out[7] = flowinfo;
  out.set(ipv6Bytes(addr.hostname), 8);
  const scopeId = addr.scopeId;
  out[24] = scopeId;
  out[25] = scopeId >>> 8;
  out[26] = scopeId >>> 16;
  out[27] = scopeId >>> 24;
  return out;
}

/** Decodes the first `length` bytes of a C socket address. */
export function decodeAddr(bytes: Uint8Array, length: number): SockAddr {
  // Read byte by byte: a DataView per address cost more than the rest.
  const family = length >= 2 ? bytes[0]! | (bytes[1]! << 8) : AF_UNIX;
  if (family === AF_INET) {
    return {
      family,
      hostname: ipv4Text(bytes),
      port: (bytes[2]! << 8) | bytes[3]!,
    };
  }
  if (family === AF_INET6) {
    return {
      family,
      hostname: formatIpv6(bytes.subarray(8, 24)),
      port: (bytes[2]! << 8) | bytes[3]!,
      flowinfo: ((bytes[4]! << 24) | (bytes[5]! << 16) | (bytes[6]! << 8) |
        bytes[7]!) >>> 0,
      scopeId: (bytes[24]! | (bytes[25]! << 8) | (bytes[26]! << 16) |
        (bytes[27]! << 24)) >>> 0,
    };
  }
  let end = Math.min(length, bytes.length);
  const nul = bytes.subarray(2, end).indexOf(0);
  if (nul >= 0 && bytes[2] !== 0) end = 2 + nul;
  return { family: AF_UNIX, path: decoder.decode(bytes.subarray(2, end)) };
}

/** The IPv4 address last written out by {@linkcode ipv4Text}, and its text. */
let lastIpv4 = -1;
let lastIpv4Text = "";

/**
 * The dotted text of the IPv4 address at bytes 4-7 of a `sockaddr_in`.
 * Packets mostly come from one address after another: the last text is
 * kept and given again while the address is the same.
 */
function ipv4Text(bytes: Uint8Array): string {
  const value = ((bytes[4]! << 24) | (bytes[5]! << 16) | (bytes[6]! << 8) |
    bytes[7]!) >>> 0;
  if (value !== lastIpv4) {
    lastIpv4Text = `${bytes[4]}.${bytes[5]}.${bytes[6]}.${bytes[7]}`;
    lastIpv4 = value;
  }
  return lastIpv4Text;
}

const IPV4_REGEXP = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Whether `text` is a dotted IPv4 address. */
export function isIpv4(text: string): boolean {
  const m = IPV4_REGEXP.exec(text);
  return m !== null && Number(m[1]) <= 255 && Number(m[2]) <= 255 &&
    Number(m[3]) <= 255 && Number(m[4]) <= 255;
}

/** Whether `text` is an IPv6 address. */
export function isIpv6(text: string): boolean {
  try {
    ipv6Bytes(text);
    return true;
  } catch {
    return false;
  }
}

/** Writes a dotted IPv4 address as 4 bytes at `at`, or throws. */
function writeIpv4(text: string, out: Uint8Array, at: number): void {
  const m = IPV4_REGEXP.exec(text);
  if (m !== null) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    const c = Number(m[3]);
    const d = Number(m[4]);
    if (a <= 255 && b <= 255 && c <= 255 && d <= 255) {
      out[at] = a;
      out[at + 1] = b;
      out[at + 2] = c;
      out[at + 3] = d;
      return;
    }
  }
  throw new TypeError(
    `Cannot use address as it must be a dotted IPv4 address: current value is ${
      JSON.stringify(text)
    }`,
  );
}

function ipv4Bytes(text: string): Uint8Array {
  const out = new Uint8Array(4);
  writeIpv4(text, out, 0);
  return out;
}

function ipv6Bytes(text: string): Uint8Array {
  const bad = () =>
    new TypeError(
      `Cannot use address as it must be an IPv6 address: current value is ${
        JSON.stringify(text)
      }`,
    );
  let groups = text.replace(/%.*$/, "");
  const out = new Uint8Array(16);
  const tail4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(groups);
  if (tail4 !== null) {
    const v4 = ipv4Bytes(tail4[1]!);
    groups = groups.slice(0, -tail4[1]!.length) +
      `${((v4[0]! << 8) | v4[1]!).toString(16)}:${
        ((v4[2]! << 8) | v4[3]!).toString(16)
      }`;
  }
  const halves = groups.split("::");
  if (halves.length > 2) throw bad();
  const head = halves[0] === "" ? [] : halves[0]!.split(":");
  const tail = halves.length === 2
    ? (halves[1] === "" ? [] : halves[1]!.split(":"))
    : [];
  const fill = 8 - head.length - tail.length;
  if ((halves.length === 1 && fill !== 0) || fill < 0) throw bad();
  const all = [
    ...head,
    ...Array(halves.length === 2 ? fill : 0).fill("0"),
    ...tail,
  ];
  all.forEach((group, i) => {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) throw bad();
    const value = parseInt(group, 16);
    out[2 * i] = value >> 8;
    out[2 * i + 1] = value & 0xff;
  });
  return out;
}

/** An IPv6 address in the short form (`::1`). */
export function formatIpv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestAt < 0) return hex.join(":");
  return `${hex.slice(0, bestAt).join(":")}::${
    hex.slice(bestAt + bestLen).join(":")
  }`;
}

/** `"/path"`, `"127.0.0.1:80"` or `"[::1]:80"`, for messages. */
export function showAddr(addr: SockAddr): string {
  if (addr.family === AF_UNIX) {
    return JSON.stringify(addr.path === "" ? "(unnamed)" : addr.path);
  }
  if (addr.port === 0) return JSON.stringify(addr.hostname);
  const host = addr.family === AF_INET6 ? `[${addr.hostname}]` : addr.hostname;
  return JSON.stringify(`${host}:${addr.port}`);
}
