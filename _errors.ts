// Copyright 2026 the socketkit authors. MIT license.
// Error helpers shared by every transport. Internal: not part of the public API.

/** The constructors of `Deno.errors`, used to keep an I/O error's class. */
type ErrorClass = new (message?: string, options?: ErrorOptions) => Error;

function denoErrorClass(err: Error): ErrorClass | undefined {
  for (const ctor of Object.values(Deno.errors) as ErrorClass[]) {
    if (err.constructor === ctor) return ctor;
  }
  return undefined;
}

/** How Deno's message for a failed name lookup begins. */
const LOOKUP_FAILED = "failed to lookup address information";

/** Turns Deno's `Connection refused (os error 111)` into `connection refused`. */
function reasonOf(err: Error): string {
  const text = err.message.replace(/\s*\(os error \d+\)$/, "");
  if (text.length === 0) return err.name;
  return text[0]!.toLowerCase() + text.slice(1);
}

/**
 * Wraps an I/O failure in an error of the same `Deno.errors` class whose
 * message names the operation and the address, keeping the original as
 * `cause` (and its `code`, such as `ECONNREFUSED`).
 *
 * `action` reads as `connect to "127.0.0.1:80"`, giving
 * `Cannot connect to "127.0.0.1:80": connection refused`.
 */
export function ioError(action: string, cause: unknown): Error {
  if (!(cause instanceof Error)) {
    return new Error(`Cannot ${action}: ${String(cause)}`, { cause });
  }
  const ctor = denoErrorClass(cause);
  if (ctor === undefined) {
    if (cause instanceof TypeError || cause instanceof RangeError) {
      const Same = cause.constructor as ErrorClass;
      return new Same(`Cannot ${action}: ${reasonOf(cause)}`, { cause });
    }
    if (cause.constructor !== Error) return cause;
    // Deno reports a failed name lookup as a plain Error with neither a
    // class nor a code; this text is all there is to tell it by.
    if (cause.message.startsWith(LOOKUP_FAILED)) {
      const detail = cause.message.slice(LOOKUP_FAILED.length).replace(
        /^:\s*/,
        "",
      );
      return new Deno.errors.NotFound(
        `Cannot ${action}: the name does not resolve${
          detail === ""
            ? ""
            : ` (${detail[0]!.toLowerCase()}${detail.slice(1)})`
        }`,
        { cause },
      );
    }
    // An OS error Deno has no class for (EMFILE, ENOBUFS, ...): a plain
    // Error with a code.
    const code = (cause as { code?: unknown }).code;
    if (typeof code !== "string") return cause;
    return setCode(
      new Error(`Cannot ${action}: ${reasonOf(cause)}`, { cause }),
      code,
    );
  }
  const err = new ctor(`Cannot ${action}: ${reasonOf(cause)}`, { cause });
  const code = (cause as { code?: unknown }).code;
  if (typeof code === "string") setCode(err, code);
  return err;
}

/**
 * Gives `err` a `code` property (such as `ECONNREFUSED`), as Node's
 * errors have; returns `err`.
 */
export function setCode<E extends Error>(err: E, code: string): E {
  Object.defineProperty(err, "code", {
    value: code,
    enumerable: true,
    configurable: true,
    writable: true,
  });
  return err;
}

/** The error for an operation on a handle that was closed. */
export function closedError(action: string): Error {
  return new Deno.errors.BadResource(`Cannot ${action}: the socket is closed`);
}

/** Quotes a value for an error message: strings in double quotes. */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "symbol") return value.toString();
  if (value === null || typeof value !== "object") return String(value);
  if (Array.isArray(value)) return "an array";
  if (value instanceof Uint8Array) {
    return `a Uint8Array of ${value.length} bytes`;
  }
  return "an object";
}

/**
 * Closes a resource that may be closed already (by us, or underneath us,
 * say by the peer's reset): that is not an error.
 */
export function closeQuietly(resource: { close(): void }): void {
  try {
    resource.close();
  } catch {
    // Already closed.
  }
}
