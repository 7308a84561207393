// Copyright 2026 the socketkit authors. MIT license.
// What importing mod.ts loads, in fresh processes: what the library only
// needs on first use (libc through FFI, node:tls, node:dgram, node:dns,
// node:buffer for ping) must stay out of the import, and a first use must
// still load it. bench/import_memory.ts measures what the import costs.

import assert from "node:assert/strict";
import { type Output, run } from "./_util.ts";

const MOD = new URL("../mod.ts", import.meta.url).href;
const linux = Deno.build.os === "linux";

/** Runs `source` as a module in a fresh `deno run` (killed after 30 s). */
async function runModule(flags: string[], source: string): Promise<Output> {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/main.js`;
    await Deno.writeTextFile(path, source);
    return await run(Deno.execPath(), [
      "run",
      "--no-config",
      "--no-prompt",
      ...flags,
      path,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * The modules a child compiled, from Deno's debug log (a line per module
 * whose V8 code cache is read or written): `file:` URLs and `ext:` names.
 */
function compiled(stderr: string, root = MOD): Set<string> {
  const found = new Set<string>();
  for (const line of stderr.split("\n")) {
    const match = /code cache.*?((?:file|ext):\S+?),? \[/.exec(line);
    if (match) found.add(match[1]!);
  }
  // If Deno's log stops naming modules, this test must say so, not pass.
  assert.ok(
    found.has(root),
    `Deno's debug log no longer names the modules it compiles:\n${stderr}`,
  );
  return found;
}

Deno.test({
  name:
    "importing mod.ts needs no allow-ffi; the first socketpair() opens libc",
  ignore: !linux,
  async fn() {
    const source = `import * as kit from ${JSON.stringify(MOD)};
try {
  const [a, b] = kit.socketpair();
  await Promise.all([kit.tcp.close(a), kit.tcp.close(b)]);
  console.log("opened");
} catch (err) {
  console.log(err.constructor.name);
}
`;
    const denied = await runModule([], source);
    assert.equal(denied.code, 0, denied.stderr);
    assert.equal(denied.stdout, "NotCapable\n");
    const allowed = await runModule(["--allow-ffi"], source);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.equal(allowed.stdout, "opened\n");
  },
});

Deno.test("importing mod.ts compiles neither node:tls, node:dgram nor node:dns", async () => {
  const { code, stderr } = await runModule(
    ["--log-level=debug"],
    `import ${JSON.stringify(MOD)};\n`,
  );
  assert.equal(code, 0);
  const found = compiled(stderr);
  for (const name of found) {
    assert.doesNotMatch(name, /^ext:deno_node\/(tls|dgram|dns)/);
    assert.doesNotMatch(name, /\/_(tls|udp)_node\.ts$/);
  }
});

Deno.test("lookup() loads node:dns on first use", async () => {
  const { code, stderr } = await runModule(
    ["--log-level=debug", "--allow-net", "--allow-sys", "--allow-read"],
    `import { lookup } from ${JSON.stringify(MOD)};
await lookup("localhost");
`,
  );
  assert.equal(code, 0);
  assert.ok(
    [...compiled(stderr)].some((m) => m.startsWith("ext:deno_node/dns")),
  );
});

Deno.test("importing raw.ts leaves node:buffer to the first ping()", async () => {
  const raw = new URL("../raw.ts", import.meta.url).href;
  const { code, stderr } = await runModule(
    ["--log-level=debug"],
    `import ${JSON.stringify(raw)};\n`,
  );
  assert.equal(code, 0);
  const found = compiled(stderr, raw);
  assert.ok(
    !found.has("ext:deno_node/internal/buffer.mjs"),
    [...found].join("\n"),
  );
});
