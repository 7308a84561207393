// Copyright 2026 the socketkit authors. MIT license.
// The CLI tests' subprocess helper itself.

import assert from "node:assert/strict";
import { Proc } from "./_cli_util.ts";
import { within } from "./_util.ts";

Deno.test("Proc.waitForStderr() fails, and does not spin, when the process ends without the line", async () => {
  // The process is still running when the wait starts, then exits while a
  // child of its keeps standard error open a while: the exit is known
  // before the end of standard error (the old helper spun on that).
  await using proc = new Proc("sh", [
    "-c",
    "(sleep 1 >&2 &); sleep 0.3; echo nope >&2",
  ]);
  await assert.rejects(
    within(proc.waitForStderr("listening on "), 10_000, "waitForStderr"),
    /^Error: no "listening on " line; standard error: "nope\\n"$/,
  );
});
