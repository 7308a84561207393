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
  /** Rounds of each (alternating raw, kit). @default {9} */
  rounds?: number;
}

/**
 * The result of one case: median rates per second, their ratio kit/raw,
 * and the least and greatest of the rounds' own ratios. The ratio is of
 * the medians, not the median of the rounds' ratios: on a shared machine
 * a round of either side now and then runs at a third of its speed (the
 * TCP bulk case does, raw and kit alike, in about one round of five), and
 * the median of each side leaves those rounds out where a round's ratio
 * cannot.
 */
export interface Result {
  name: string;
  unit: string;
  raw: number;
  kit: number;
  ratio: number;
  low: number;
  high: number;
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: number[]): number {
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

/** Runs one case: a warm-up of each, then alternating rounds. */
export async function runCase(c: Case): Promise<Result> {
  await c.raw();
  await c.kit();
  const raw: number[] = [];
  const kit: number[] = [];
  const ratios: number[] = [];
  const rounds = c.rounds ?? 9;
  for (let i = 0; i < rounds; i++) {
    raw.push(await rate(c.raw));
    kit.push(await rate(c.kit));
    ratios.push(kit[i]! / raw[i]!);
  }
  return {
    name: c.name,
    unit: c.unit,
    raw: median(raw),
    kit: median(kit),
    ratio: median(kit) / median(raw),
    low: Math.min(...ratios),
    high: Math.max(...ratios),
  };
}

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(2);
}

/** Formats results as a Markdown table. */
export function table(results: Result[]): string {
  const rows = results.map((r) =>
    `| ${r.name} | ${fmt(r.raw)} ${r.unit}/s | ${fmt(r.kit)} ${r.unit}/s | ${
      r.ratio.toFixed(2)
    }× | ${r.low.toFixed(2)}–${r.high.toFixed(2)} |`
  );
  return [
    "| case | raw Deno | socketkit | socketkit / raw | rounds' spread |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(
    />/g,
    "&gt;",
  );
}

/**
 * Draws the ratios as an SVG bar chart: one bar per case, a whisker from
 * its rounds' least to greatest ratio, and the 1.0× line (parity with the
 * raw Deno API) marked.
 */
export function chart(results: Result[], caption: string): string {
  const rowHeight = 22;
  const labelWidth = 520;
  const barWidth = 360;
  const top = 30;
  const max = Math.max(1.5, ...results.map((r) => r.high));
  const scale = barWidth / max;
  const height = top + results.length * rowHeight + 30;
  const width = labelWidth + barWidth + 70;
  const rows = results.map((r, i) => {
    const y = top + i * rowHeight;
    const w = Math.max(1, r.ratio * scale);
    const color = r.ratio >= 0.95 ? "#2e7d32" : "#c62828";
    const mid = y + rowHeight / 2;
    return [
      `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${
        escapeXml(r.name)
      }</text>`,
      `<rect x="${labelWidth}" y="${y + 4}" width="${w.toFixed(1)}" height="${
        rowHeight - 8
      }" fill="${color}"/>`,
      `<line x1="${(labelWidth + r.low * scale).toFixed(1)}" y1="${mid}" x2="${
        (labelWidth + r.high * scale).toFixed(1)
      }" y2="${mid}" stroke="#222"/>`,
      `<text x="${
        (labelWidth + Math.max(w, r.high * scale) + 6).toFixed(1)
      }" y="${y + 15}">${r.ratio.toFixed(2)}×</text>`,
    ].join("");
  });
  const parity = labelWidth + scale;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="8" y="18" font-weight="bold">socketkit / raw Deno (higher is better; the dashed line is parity, whiskers the rounds' spread)</text>`,
    ...rows,
    `<line x1="${parity}" y1="${top}" x2="${parity}" y2="${
      height - 26
    }" stroke="#333" stroke-dasharray="4 3"/>`,
    `<text x="8" y="${height - 8}" fill="#555">${escapeXml(caption)}</text>`,
    `</svg>`,
  ].join("\n") + "\n";
}

/** A child process's output, line by line. */
export interface LineReader {
  /** The next line without its `\n`; throws if the output ends first. */
  line(): Promise<string>;
  /** Stops reading. */
  cancel(): Promise<void>;
}

/** Reads `stream` (a child's standard output) line by line. */
export function lineReader(stream: ReadableStream<Uint8Array>): LineReader {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  return {
    async line(): Promise<string> {
      for (;;) {
        const nl = buffered.indexOf("\n");
        if (nl >= 0) {
          const out = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          return out;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error("the server exited");
        buffered += value;
      }
    },
    cancel: () => reader.cancel(),
  };
}

/**
 * The lines of `stream` until it ends: a child's commands from its parent
 * on standard input.
 */
export async function* commandLines(
  stream: ReadableStream<Uint8Array> = Deno.stdin.readable,
): AsyncGenerator<string> {
  const reader = lineReader(stream);
  for (;;) {
    let line: string;
    try {
      line = await reader.line();
    } catch {
      return;
    }
    yield line;
  }
}

/**
 * Three full collections 50 ms apart (needs `--expose-gc`; does nothing
 * without it), so a resident size read next holds only what is live.
 */
export async function collectGarbage(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
}
