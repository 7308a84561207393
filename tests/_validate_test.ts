// Copyright 2026 the socketkit authors. MIT license.

import assert from "node:assert/strict";
import { checkCount, checkOptions, toBytes } from "../_validate.ts";

Deno.test("toBytes() returns a Uint8Array itself and a string as UTF-8", () => {
  const bytes = new Uint8Array([1, 2, 3]);
  assert.equal(toBytes(bytes, "send"), bytes);
  assert.deepEqual(
    toBytes("héllo", "send"),
    new Uint8Array([104, 195, 169, 108, 108, 111]),
  );
  assert.deepEqual(toBytes("", "send"), new Uint8Array(0));
});

Deno.test("toBytes() names the action, the argument and the value", () => {
  assert.throws(() => toBytes(42, "send"), {
    name: "TypeError",
    message:
      "Cannot send as data must be a Uint8Array or a string: current value is 42",
  });
  assert.throws(() => toBytes([1], "sendFrame", "payload"), {
    name: "TypeError",
    message:
      "Cannot sendFrame as payload must be a Uint8Array or a string: current value is an array",
  });
});

Deno.test("checkOptions() returns valid options, building no message when it has nothing to check", () => {
  let calls = 0;
  const action = () => {
    calls++;
    return "recv";
  };
  const empty = {};
  assert.equal(checkOptions(empty, action), empty);
  assert.equal(calls, 0);
  const signal = new AbortController().signal;
  for (const options of [{ timeout: 0 }, { timeout: null }, { signal }]) {
    assert.equal(checkOptions(options, action), options);
  }
});

Deno.test("checkOptions() rejects a non-object, a bad timeout and a bad signal", () => {
  const action = () => "recv from 127.0.0.1:1";
  assert.throws(() => checkOptions(null as never, action), {
    name: "TypeError",
    message:
      "Cannot recv from 127.0.0.1:1 as options must be an object: current value is null",
  });
  assert.throws(() => checkOptions(5 as never, action), {
    name: "TypeError",
    message:
      "Cannot recv from 127.0.0.1:1 as options must be an object: current value is 5",
  });
  assert.throws(() => checkOptions({ timeout: -1 }, action), {
    name: "RangeError",
    message:
      "Cannot recv from 127.0.0.1:1 as timeout must be a number of milliseconds from 0 up: current value is -1",
  });
  assert.throws(
    () => checkOptions({ timeout: "1" } as never, action),
    TypeError,
  );
  assert.throws(() => checkOptions({ signal: {} } as never, action), {
    name: "TypeError",
    message:
      "Cannot recv from 127.0.0.1:1 as signal must be an AbortSignal: current value is an object",
  });
});

Deno.test("checkOptions() throws an aborted signal's reason unchanged", () => {
  const controller = new AbortController();
  const reason = new Error("stop");
  controller.abort(reason);
  assert.throws(
    () => checkOptions({ signal: controller.signal }, () => "recv"),
    (err: unknown) => err === reason,
  );
});

Deno.test("checkCount() accepts integers from min up", () => {
  assert.equal(checkCount(0, "n", "recvExact", 0), 0);
  assert.equal(checkCount(1, "max", "recv", 1), 1);
  assert.equal(checkCount(2 ** 40, "max", "recv", 1), 2 ** 40);
});

Deno.test("checkCount() names the rule: RangeError for numbers, TypeError otherwise", () => {
  assert.throws(() => checkCount(-1, "n", "recvExact", 0), {
    name: "RangeError",
    message:
      "Cannot recvExact as n must be a non-negative integer: current value is -1",
  });
  assert.throws(() => checkCount(0, "max", "recv", 1), {
    name: "RangeError",
    message:
      "Cannot recv as max must be an integer from 1 up: current value is 0",
  });
  assert.throws(() => checkCount(1.5, "max", "recv", 1), RangeError);
  assert.throws(() => checkCount(NaN, "max", "recv", 1), RangeError);
  assert.throws(() => checkCount("4", "max", "recv", 1), {
    name: "TypeError",
    message:
      'Cannot recv as max must be an integer from 1 up: current value is "4"',
  });
});
