// Copyright 2026 the socketkit authors. MIT license.
// The side-by-side benchmark harness: each case measures socketkit and the
// raw Deno API doing the same work, alternating, and reports the ratio.

/** One comparison. Each function does the work once and returns how much it did. */
export interface Case {
  /** Shown in the table, e.g. "tcp bulk 1 GiB in 64 KiB writes". */
  name: string;
  /** The unit of the amount the functions return, e.g. "MiB" or "round trips". */
  unit: string;
  /** The work on the raw Deno API. Resolves to the amount done. */
  raw: () => Promise<number>;
  /** The same work with socketkit. Resolves to the amount done. */
  kit: () => Promise<number>;
  /** Rounds of each (alternating raw, kit). @default {5} */
  rounds?: number;
}

/** The result of one case: median rates per second and kit/raw. */
export interface Result {
  name: string;
  unit: string;
  raw: number;
  kit: number;
  ratio: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? sorted[mid]!
    : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function rate(work: () => Promise<number>): Promise<number> {
  const start = performance.now();
  const amount = await work();
  const seconds = (performance.now() - start) / 1000;
  return amount / seconds;
}

/** Runs one case: a warm-up of each, then alternating rounds; medians compared. */
export async function runCase(c: Case): Promise<Result> {
  await c.raw();
  await c.kit();
  const raw: number[] = [];
  const kit: number[] = [];
  const rounds = c.rounds ?? 5;
  for (let i = 0; i < rounds; i++) {
    raw.push(await rate(c.raw));
    kit.push(await rate(c.kit));
  }
  const r = median(raw);
  const k = median(kit);
  return { name: c.name, unit: c.unit, raw: r, kit: k, ratio: k / r };
}

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(2);
}

/** Formats results as a Markdown table. */
export function table(results: Result[]): string {
  const rows = results.map((r) =>
    `| ${r.name} | ${fmt(r.raw)} ${r.unit}/s | ${fmt(r.kit)} ${r.unit}/s | ${
      r.ratio.toFixed(2)
    }× |`
  );
  return [
    "| case | raw Deno | socketkit | socketkit / raw |",
    "| --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}
