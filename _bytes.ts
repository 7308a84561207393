// Copyright 2026 the socketkit authors. MIT license.
// Byte searches shared by the stream core and framing. Internal.

/**
 * Finds `delim` (not empty) in `buf[from, to)`; -1 if absent. No per-byte
 * JS loop over the data: the native `indexOf` finds each candidate.
 */
export function indexOfBytes(
  buf: Uint8Array,
  delim: Uint8Array,
  from: number,
  to: number,
): number {
  const first = delim[0]!;
  const last = to - delim.length;
  // Search only the filled part: the stale tail of a large buffer may be long.
  const view = to === buf.length ? buf : buf.subarray(0, to);
  let i = from;
  while (i <= last) {
    i = view.indexOf(first, i);
    if (i < 0 || i > last) return -1;
    let j = 1;
    while (j < delim.length && buf[i + j] === delim[j]) j++;
    if (j === delim.length) return i;
    i++;
  }
  return -1;
}
