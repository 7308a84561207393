// Copyright 2026 the socketkit authors. MIT license.
// Unix socket paths and abstract names: the checks before any I/O and the
// way messages show them, for unix.ts and seqpacket.ts. Internal.

import { show } from "./_errors.ts";

/**
 * The longest socket path this platform takes, in UTF-8 bytes: 107 on
 * Linux (`sun_path` is 108 bytes with its terminating NUL), 103 on macOS
 * and the BSDs. An abstract name may use all 108 bytes, its leading NUL
 * included.
 */
export const MAX_PATH_BYTES: number =
  Deno.build.os === "linux" || Deno.build.os === "android" ? 107 : 103;

const ABSTRACT_MAX_BYTES = 108;
const encoder = new TextEncoder();

/** Whether `path` is a Linux abstract name (it starts with a NUL byte). */
export function isAbstract(path: string): boolean {
  return path.startsWith("\0");
}

/** The path as people read it, quoted: `@name` for an abstract name. */
export function display(path: string): string {
  return show(isAbstract(path) ? `@${path.slice(1)}` : path);
}

/** Checks a socket path or abstract name before any I/O. */
export function checkPath(path: unknown, action: string): string {
  if (typeof path !== "string") {
    throw new TypeError(
      `Cannot ${action} as path must be a string: current value is ${
        show(path)
      }`,
    );
  }
  if (path === "") {
    throw new RangeError(
      `Cannot ${action} as path must not be empty: current value is ""`,
    );
  }
  const size = encoder.encode(path).length;
  if (path === "\0") {
    throw new RangeError(
      `Cannot ${action} as an abstract name must have a character after its leading NUL (a bare "\\0" would get a name the kernel picks): current value is "\\0"`,
    );
  }
  if (isAbstract(path)) {
    if (Deno.build.os !== "linux" && Deno.build.os !== "android") {
      throw new Deno.errors.NotSupported(
        `Cannot ${action} on ${
          display(path)
        }: abstract socket names (a path starting with "\\0") exist only on Linux`,
      );
    }
    if (size > ABSTRACT_MAX_BYTES) {
      throw new RangeError(
        `Cannot ${action} as an abstract name must be at most ${ABSTRACT_MAX_BYTES} bytes in UTF-8, its leading NUL included: current value is ${
          display(path)
        } (${size} bytes)`,
      );
    }
    return path;
  }
  if (path.includes("\0")) {
    throw new TypeError(
      `Cannot ${action} as path must not contain a NUL byte except a leading one for an abstract name: current value is ${
        show(path)
      }`,
    );
  }
  if (size > MAX_PATH_BYTES) {
    throw new RangeError(
      `Cannot ${action} as path must be at most ${MAX_PATH_BYTES} bytes in UTF-8 on ${Deno.build.os}: current value is ${
        show(path)
      } (${size} bytes)`,
    );
  }
  return path;
}
