// Copyright 2026 the socketkit authors. MIT license.
// The stream functions every stream transport exports (tcp.ts, unix.ts,
// tls.ts), in one list. A transport's own function of the same name (tls's
// accept, unix's close) takes precedence over the one here. Internal.

export {
  accept,
  close,
  DEFAULT_MAX_LINE_BYTES,
  DEFAULT_RECV_BYTES,
  lines,
  recv,
  recvExact,
  recvInto,
  recvLine,
  recvUntil,
  send,
  sendAll,
  setBlocking,
  setTimeout,
  shutdown,
  StreamServer,
  StreamSocket,
} from "./_stream.ts";
export type {
  AcceptOptions,
  Data,
  IoOptions,
  RecvExactOptions,
  RecvLineOptions,
  RecvOptions,
  RecvUntilOptions,
  SendAllOptions,
  SendOptions,
  ShutdownHow,
  ShutdownOptions,
} from "./_stream.ts";
export type { AddressInput } from "./_addr.ts";
export { readable, writable } from "./_stream_web.ts";
export type { ReadableOptions } from "./_stream_web.ts";
