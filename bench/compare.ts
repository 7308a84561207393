// Copyright 2026 the socketkit authors. MIT license.
// deno task bench: every side-by-side case in one run, with ratios.
// Usage: deno task bench [filter] [--svg FILE]
//   filter: a substring of case names; --svg: also draw the ratios there.

import { parseArgs } from "node:util";
import { chart, type Result, runCase, table } from "./_harness.ts";
import { cases as tcpCases } from "./tcp_cases.ts";
import { cases as tlsCases } from "./tls_cases.ts";
import { cases as udpCases } from "./udp_cases.ts";
import { cases as unixCases } from "./unix_cases.ts";
import { cases as framingCases } from "./framing_cases.ts";
import { cases as rawCases } from "./raw_cases.ts";
import { cases as bufferCases } from "./buffer_cases.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: { svg: { type: "string" } },
  allowPositionals: true,
});
const filter = positionals[0] ?? "";
const all = [
  ...tcpCases(),
  ...tlsCases(),
  ...udpCases(),
  ...unixCases(),
  ...framingCases(),
  ...rawCases(),
  ...bufferCases(),
].filter((c) => c.name.includes(filter));
const results: Result[] = [];
for (const c of all) {
  const result = await runCase(c);
  results.push(result);
  // deno-lint-ignore no-console
  console.error(
    `${c.name}: ${result.ratio.toFixed(2)}× (${result.low.toFixed(2)}–${
      result.high.toFixed(2)
    })`,
  );
}
const machine =
  `Deno ${Deno.version.deno}, ${Deno.build.target}, ${navigator.hardwareConcurrency} CPUs`;
// deno-lint-ignore no-console
console.log(`${table(results)}\n\n${machine}`);
if (values.svg !== undefined) {
  await Deno.writeTextFile(
    values.svg,
    chart(results, `${machine}; medians of alternating rounds`),
  );
}
