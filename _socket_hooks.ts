// Copyright 2026 the socketkit authors. MIT license.
// The one hook ssl.ts needs into the socket.ts facade. Internal.

import type { StreamSocket } from "./_stream.ts";

/**
 * Turns a connected plain stream into a TLS one (consuming it), within
 * `timeout` milliseconds (`null`: no limit).
 */
export type TlsUpgrade = (
  sock: StreamSocket,
  timeout: number | null,
) => Promise<StreamSocket>;

/** Filled in by socket.ts when it loads. */
export const facadeHooks: {
  /**
   * Makes a facade socket speak TLS: a connected one now; a listening one
   * on each connection it accepts; a new one once it connects.
   */
  startTls?: (socket: object, upgrade: TlsUpgrade) => Promise<void>;
} = {};
