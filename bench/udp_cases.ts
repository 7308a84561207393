// Copyright 2026 the socketkit authors. MIT license.
// Side-by-side cases for udp; bench/compare.ts runs them.

import type { Case } from "./_harness.ts";

/** The udp comparisons. */
export function cases(): Case[] {
  return [];
}
