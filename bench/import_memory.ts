// Copyright 2026 the socketkit authors. MIT license.
// deno-lint-ignore-file no-console

/**
 * The memory that importing the library adds to a process: for each public
 * entry point, the resident size of a fresh process that imports it, less
 * that of a process that does not, after a full collection.
 *
 * ```sh
 * deno run -A bench/import_memory.ts [rounds]
 * ```
 *
 * Every measurement is its own child process (`deno run -A
 * --v8-flags=--expose-gc`), started from a small script written to a
 * temporary directory: it imports one entry point (or nothing, or one tiny
 * local module), collects garbage three times, reads `/proc/self/smaps`
 * and prints what it found. Rounds alternate every script; the first round
 * only warms Deno's caches (the transpiled sources and V8's code cache) and
 * is not counted. Each delta is taken within a round, then the median and
 * the spread (least to greatest) over the rounds are reported.
 *
 * Baselines: (a) an empty script; (b) a script that imports one tiny local
 * module, so that the machinery of a module graph (the loader, the
 * transpiler, Deno's caches) is paid on both sides and the delta is what
 * the library's own modules cost. Columns:
 *
 * - RSS: the resident size (`Rss` summed over the mappings);
 * - anon: anonymous memory, what the process allocated: V8's heap and
 *   the native (malloc) memory of the runtime;
 * - file: file-backed pages, not allocated memory: the Deno binary's code
 *   touched while loading, Deno's memory-mapped caches;
 * - heap: V8's heap in use (`Deno.memoryUsage().heapUsed`), part of anon.
 *
 * Then the idle resident size of an echo server on the raw Deno API and of
 * the same server on socketkit (`serve()` with `tcp.recv` and
 * `tcp.sendAll`), each listening with no connection, measured the same
 * way. The file-backed memory needs Linux (`/proc/self/smaps`); elsewhere
 * only the resident size (`Deno.memoryUsage().rss`) is reported.
 *
 * @module
 */

import { median } from "./_harness.ts";

const ROOT = new URL("../", import.meta.url);
const ENTRIES = [
  "mod.ts",
  "tcp.ts",
  "udp.ts",
  "unix.ts",
  "framing.ts",
  "server.ts",
  "tls.ts",
  "socket.ts",
  "raw.ts",
  "seqpacket.ts",
  "socketpair.ts",
] as const;
/** How many one-line modules the per-module overhead is measured with. */
const MODULE_CHAIN = 40;
/**
 * The public modules beyond `tcp.ts`'s graph. The floor row imports a copy
 * of `mod.ts` in which each of these is reduced to its comments alone: what
 * a split into documented fronts, with the code loaded on first use, could
 * at best reach.
 */
const DOCS_ONLY = [
  "udp.ts",
  "unix.ts",
  "tls.ts",
  "framing.ts",
  "server.ts",
  "raw.ts",
  "seqpacket.ts",
  "socketpair.ts",
];
const FLOOR = "mod.ts, docs only beyond tcp.ts (the floor of a lazy split)";
const PIECES = [
  FLOOR,
  "node:buffer",
  "web streams (TransformStream touched)",
  `${MODULE_CHAIN} one-line modules`,
];

/** What one child process measured, in bytes. */
interface Sample {
  rss: number;
  anon: number;
  file: number;
  heap: number;
  /** File-backed resident bytes by what is mapped. */
  files: Record<string, number>;
}

/**
 * The measurement each child runs once its imports are evaluated. Its
 * source is copied into every child script (`Function.prototype.toString`
 * gives the transpiled JavaScript), so that the baselines import nothing.
 */
async function probe(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("Cannot measure: run with --expose-gc");
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const usage = Deno.memoryUsage();
  const sample = {
    rss: usage.rss,
    anon: usage.rss,
    file: 0,
    heap: usage.heapUsed,
    files: {} as Record<string, number>,
  };
  if (Deno.build.os === "linux") {
    const exe = Deno.execPath();
    sample.rss = sample.anon = 0;
    let name = "";
    const smaps = await Deno.readTextFile("/proc/self/smaps");
    for (const line of smaps.split("\n")) {
      const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
      if (header) {
        const path = header[1]!;
        name = path === exe
          ? "deno binary"
          : path.includes("/deno/")
          ? path.slice(path.lastIndexOf("/") + 1)
          : path.startsWith("/")
          ? "other files"
          : "";
        continue;
      }
      const field = /^(Rss|Anonymous):\s+(\d+) kB/.exec(line);
      if (!field) continue;
      const bytes = Number(field[2]) * 1024;
      if (field[1] === "Rss") {
        sample.rss += bytes;
        if (name) sample.files[name] = (sample.files[name] ?? 0) + bytes;
      } else {
        sample.anon += bytes;
        if (name) sample.files[name] = (sample.files[name] ?? 0) - bytes;
      }
    }
    sample.file = sample.rss - sample.anon;
  }
  console.log(JSON.stringify(sample));
  Deno.exit(0);
}

/**
 * Copies the library's modules into `dir/floor/`, each of {@linkcode
 * DOCS_ONLY} reduced to its comments (a loose match: a `//` in a string
 * only keeps more text), and returns the copy of `mod.ts`, less its
 * re-exports of values from those modules.
 */
async function writeFloor(dir: string): Promise<string> {
  const floor = `${dir}/floor`;
  await Deno.mkdir(floor);
  for await (const entry of Deno.readDir(ROOT)) {
    if (!entry.isFile || !entry.name.endsWith(".ts")) continue;
    let text = await Deno.readTextFile(new URL(entry.name, ROOT));
    if (DOCS_ONLY.includes(entry.name)) {
      const comments = text.match(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g) ?? [];
      text = `${comments.join("\n")}\nexport {};\n`;
    } else if (entry.name === "mod.ts") {
      text = text.split("\n").filter((line) =>
        !DOCS_ONLY.some((name) =>
          new RegExp(`^export \\{.*\\} from "\\./${name}";$`).test(line)
        )
      ).join("\n");
    }
    await Deno.writeTextFile(`${floor}/${entry.name}`, text);
  }
  return `${floor}/mod.ts`;
}

/** The child scripts, by label, written to `dir`. */
async function writeScripts(dir: string): Promise<Map<string, string>> {
  const run = `${probe.toString()}\nawait probe();\n`;
  const scripts = new Map<string, string>();
  async function script(label: string, file: string, head: string) {
    const path = `${dir}/${file}`;
    await Deno.writeTextFile(path, `${head}\n${run}`);
    scripts.set(label, path);
  }
  await Deno.writeTextFile(`${dir}/_tiny.js`, "export const tiny = 1;\n");
  await script("(a) empty script", "empty.js", "");
  await script("(b) one tiny module", "tiny.js", `import "./_tiny.js";`);
  for (const entry of ENTRIES) {
    await script(
      entry,
      `import_${entry}.js`,
      `import "${new URL(entry, ROOT)}";`,
    );
  }
  // Pieces of the cost, for scale.
  await script(FLOOR, "floor.js", `import "${await writeFloor(dir)}";`);
  await script("node:buffer", "node_buffer.js", `import "node:buffer";`);
  await script(
    "web streams (TransformStream touched)",
    "web_streams.js",
    "globalThis.TransformStream;",
  );
  for (let i = 0; i < MODULE_CHAIN; i++) {
    await Deno.writeTextFile(
      `${dir}/_chain_${i}.js`,
      i + 1 < MODULE_CHAIN
        ? `import "./_chain_${i + 1}.js";\nexport const x = ${i};\n`
        : `export const x = ${i};\n`,
    );
  }
  await script(
    `${MODULE_CHAIN} one-line modules`,
    "chain.js",
    `import "./_chain_0.js";`,
  );
  await script(
    "raw Deno echo server",
    "server_raw.js",
    `const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
(async () => {
  for await (const conn of listener) {
    (async () => {
      const buf = new Uint8Array(65536);
      try {
        for (let n; (n = await conn.read(buf)) !== null;) {
          for (let at = 0; at < n;) at += await conn.write(buf.subarray(at, n));
        }
      } finally {
        conn.close();
      }
    })();
  }
})();`,
  );
  await script(
    "socketkit echo server",
    "server_kit.js",
    `import { serve, tcp } from "${new URL("mod.ts", ROOT)}";
await serve({ hostname: "127.0.0.1", port: 0 }, async (sock) => {
  for (let d; (d = await tcp.recv(sock)) !== null;) await tcp.sendAll(sock, d);
});`,
  );
  return scripts;
}

/** What importing `entry` evaluates: local modules, their source, `node:` modules. */
interface Graph {
  modules: number;
  bytes: number;
  builtins: string[];
}

interface InfoModule {
  specifier: string;
  size?: number;
  dependencies?: {
    code?: { specifier: string };
    isDynamic?: boolean;
  }[];
}

/** The static import graph of `entry` (`deno info --json`, dynamic imports left out). */
async function staticGraph(entry: string): Promise<Graph> {
  const { stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", new URL(entry, ROOT).href],
    stdout: "piped",
    stderr: "null",
  }).output();
  const info = JSON.parse(new TextDecoder().decode(stdout)) as {
    modules: InfoModule[];
  };
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const pending = [new URL(entry, ROOT).href];
  for (let next; (next = pending.pop()) !== undefined;) {
    if (seen.has(next)) continue;
    seen.add(next);
    for (const dep of bySpecifier.get(next)?.dependencies ?? []) {
      if (dep.code && !dep.isDynamic) pending.push(dep.code.specifier);
    }
  }
  const local = [...seen].filter((s) => s.startsWith("file:"));
  return {
    modules: local.length,
    bytes: local.reduce((sum, s) => sum + (bySpecifier.get(s)?.size ?? 0), 0),
    builtins: [...seen].filter((s) => s.startsWith("node:")).sort(),
  };
}

async function sample(path: string): Promise<Sample> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", path],
    cwd: path.slice(0, path.lastIndexOf("/")),
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(
      `Cannot measure ${path}: exit ${code}\n${
        new TextDecoder().decode(stderr)
      }`,
    );
  }
  return JSON.parse(new TextDecoder().decode(stdout));
}

function mib(bytes: number): string {
  return (bytes / 1_048_576).toFixed(2);
}

/** "median (least..greatest)" of `values`, in MiB. */
function spread(values: number[]): string {
  return `${mib(median(values))} (${mib(Math.min(...values))}..${
    mib(Math.max(...values))
  })`;
}

/** Per-round deltas of `key`, `label` less `base`, as "median (least..greatest)". */
function deltas(
  own: Sample[],
  base: Sample[],
  key: "rss" | "anon" | "file" | "heap",
): string {
  return spread(own.map((s, i) => s[key] - base[i]![key]));
}

/** One row of absolute sizes. */
function sizes(label: string, list: Sample[]): string {
  return `| ${label} | ${spread(list.map((s) => s.rss))} | ${
    spread(list.map((s) => s.anon))
  } | ${spread(list.map((s) => s.file))} | ${
    spread(list.map((s) => s.heap))
  } |`;
}

function describe(graph: Graph | undefined): string {
  return graph
    ? `${graph.modules} (${Math.round(graph.bytes / 1024)} KiB) | ${
      graph.builtins.join(", ")
    }`
    : " | ";
}

async function main(rounds: number): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "socketkit_import_" });
  try {
    const scripts = await writeScripts(dir);
    const samples = new Map<string, Sample[]>();
    for (let round = 0; round <= rounds; round++) {
      for (const [label, path] of scripts) {
        const s = await sample(path);
        if (round > 0) samples.set(label, [...samples.get(label) ?? [], s]);
      }
      console.error(round === 0 ? "warm-up round done" : `round ${round} done`);
    }
    const empty = samples.get("(a) empty script")!;
    const tiny = samples.get("(b) one tiny module")!;
    const graphs = new Map<string, Graph>();
    for (const entry of ENTRIES) graphs.set(entry, await staticGraph(entry));
    const rows = [...ENTRIES, ...PIECES].map((label) => {
      const own = samples.get(label)!;
      return `| ${label} | ${describe(graphs.get(label))} | ${
        deltas(own, empty, "rss")
      } | ${deltas(own, empty, "anon")} | ${deltas(own, tiny, "rss")} | ${
        deltas(own, tiny, "anon")
      } | ${deltas(own, tiny, "file")} | ${deltas(own, tiny, "heap")} |`;
    });
    // Where mod.ts's file-backed pages are, against baseline (b).
    const mod = samples.get("mod.ts")!;
    const names = new Set(mod.flatMap((s) => Object.keys(s.files)));
    const files = [...names].map((name) =>
      `| ${name} | ${
        spread(mod.map((s, i) =>
          (s.files[name] ?? 0) - (tiny[i]!.files[name] ?? 0)
        ))
      } |`
    );
    const median = (key: "anon" | "heap" | "file") =>
      mib(
        [...mod.map((s, i) => s[key] - tiny[i]![key])].sort((a, b) => a - b)[
          mod.length >> 1
        ]!,
      );
    return [
      `Memory added by importing each entry point, MiB: median (least..greatest) of ${rounds} rounds.`,
      "",
      "| entry | modules evaluated (source) | node: modules | RSS vs (a) | anon vs (a) | RSS vs (b) | anon vs (b) | file vs (b) | heap vs (b) |",
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
      ...rows,
      "",
      "The baselines and idle echo servers (listening, no connection), MiB:",
      "",
      "| script | RSS | anon | file | heap |",
      "| --- | --- | --- | --- | --- |",
      sizes("(a) empty script", empty),
      sizes("(b) one tiny module", tiny),
      sizes("raw Deno echo server", samples.get("raw Deno echo server")!),
      sizes("socketkit echo server", samples.get("socketkit echo server")!),
      "",
      "File-backed pages that mod.ts adds over (b), by mapping, MiB:",
      "",
      "| mapping | delta |",
      "| --- | --- |",
      ...files,
      "",
      `Where it goes, for mod.ts over (b): ${median("anon")} MiB anonymous, ` +
      `of which ${median("heap")} MiB live V8 heap (functions, module ` +
      "records, source strings) and the rest V8 heap pages not yet filled " +
      "and the runtime's native memory for the modules (Deno's module graph " +
      "keeps every source, dynamic-import targets included); plus " +
      `${median("file")} MiB of file-backed pages, not allocated: the Deno ` +
      "binary's code run while loading, and its memory-mapped caches. " +
      "The cost follows the code loaded; comments cost about their own " +
      "size, as V8 keeps each module's source text, comments included. " +
      "The rows below the entries show the " +
      "floor of a lazy split (every module beyond tcp.ts's graph reduced " +
      "to its documentation), pieces every entry pays (node:buffer, via " +
      "_read_buffer.ts) or framing.ts pays (web streams, as its stream " +
      "classes extend TransformStream), and the overhead of modules as such.",
      "",
      `Deno ${Deno.version.deno}, ${Deno.build.target}`,
    ].join("\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

console.log(await main(Number(Deno.args[0] ?? 5)));
