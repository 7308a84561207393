// Copyright 2026 the socketkit authors. MIT license.
// Side-by-side cases for framing; bench/compare.ts runs them.

import type { Case } from "./_harness.ts";

/** The framing comparisons. */
export function cases(): Case[] {
  return [];
}
