// Copyright 2026 the socketkit authors. MIT license.

import assert from "node:assert/strict";
import {
  type AttemptFailure,
  connectFirst,
  interleave,
  lookup,
  type LookupAddress,
} from "../_dns.ts";
import { canListenOnIpv6Loopback, within } from "./_util.ts";

const HAS_IPV6 = canListenOnIpv6Loopback;

function connect(
  port: number,
): (address: string, signal: AbortSignal) => Promise<Deno.TcpConn> {
  return (hostname, signal) => Deno.connect({ hostname, port, signal });
}

Deno.test("lookup() resolves localhost through the system resolver and keeps one family on request", async () => {
  const all = await within(lookup("localhost"), 10_000, "lookup");
  assert.ok(all.some((a) => a.address === "127.0.0.1" && a.family === 4));
  const v4 = await within(
    lookup("localhost", { family: 4 }),
    10_000,
    "lookup",
  );
  assert.ok(v4.length > 0 && v4.every((a) => a.family === 4));
});

Deno.test("lookup() returns an IP address as itself, and refuses one of the other family", async () => {
  assert.deepEqual(await lookup("127.0.0.1"), [
    { address: "127.0.0.1", family: 4 },
  ]);
  assert.deepEqual(await lookup("::1"), [{ address: "::1", family: 6 }]);
  await assert.rejects(
    lookup("127.0.0.1", { family: 6 }),
    /^NotFound: Cannot lookup "127.0.0.1": it is an IPv4 address, not IPv6$/,
  );
});

Deno.test("lookup() rejects bad arguments before any I/O", async () => {
  await assert.rejects(
    lookup(""),
    /^TypeError: Cannot lookup as hostname must be a non-empty string: current value is ""$/,
  );
  await assert.rejects(
    lookup("localhost", { family: 5 as 4 }),
    /^RangeError: Cannot lookup "localhost" as family must be 0, 4 or 6: current value is 5$/,
  );
});

Deno.test("interleave() alternates families, starting with the first address's", () => {
  const a = (address: string): LookupAddress => ({
    address,
    family: address.includes(":") ? 6 : 4,
  });
  assert.deepEqual(
    interleave(["::1", "::2", "::3", "1.1.1.1"].map(a)).map((x) => x.address),
    ["::1", "1.1.1.1", "::2", "::3"],
  );
  assert.deepEqual(
    interleave(["1.1.1.1", "2.2.2.2", "::1"].map(a)).map((x) => x.address),
    ["1.1.1.1", "::1", "2.2.2.2"],
  );
});

Deno.test({
  name: "connectFirst() moves on at once when an address refuses",
  ignore: !HAS_IPV6,
  async fn() {
    using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const accepted = listener.accept();
    // Nothing listens on [::1]:port, so that attempt is refused; a long
    // delay proves the next one did not wait for it.
    const conn = await within(
      connectFirst(
        ["::1", "127.0.0.1"],
        connect(listener.addr.port),
        60_000,
        undefined,
      ),
      10_000,
      "connectFirst",
    );
    conn.close();
    (await accepted).close();
    assert.equal((conn.remoteAddr as Deno.NetAddr).hostname, "127.0.0.1");
  },
});

Deno.test({
  name:
    "connectFirst() starts the next address after the delay when one hangs, and cancels it",
  ignore: !HAS_IPV6 || Deno.build.os !== "linux",
  async fn() {
    // A [::1] listener with a full accept queue drops SYNs: attempts hang.
    using good = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = good.addr.port;
    let stuck: Deno.TcpListener;
    try {
      stuck = Deno.listen(
        { hostname: "::1", port, tcpBacklog: 0 } as Deno.TcpListenOptions,
      );
    } catch {
      return; // The port is taken on ::1 by someone else: nothing to test.
    }
    const queued: Deno.TcpConn[] = [];
    try {
      // Fill the queue.
      for (let i = 0; i < 8; i++) {
        try {
          queued.push(
            await Deno.connect({
              hostname: "::1",
              port,
              signal: AbortSignal.timeout(100),
            }),
          );
        } catch {
          break; // The queue is full: this attempt hung and was cancelled.
        }
      }
      const accepted = good.accept();
      const started = performance.now();
      const conn = await within(
        connectFirst(["::1", "127.0.0.1"], connect(port), 100, undefined),
        10_000,
        "connectFirst",
      );
      const took = performance.now() - started;
      conn.close();
      (await accepted).close();
      assert.equal((conn.remoteAddr as Deno.NetAddr).hostname, "127.0.0.1");
      assert.ok(
        took >= 90,
        `the second attempt waited for the delay (${took} ms)`,
      );
    } finally {
      for (const c of queued) c.close();
      stuck.close();
    }
  },
});

Deno.test("connectFirst() rejects with every address's failure when all fail", async () => {
  // A port nothing listens on: bind one, note it, close it.
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  const addresses = HAS_IPV6 ? ["127.0.0.1", "::1"] : ["127.0.0.1"];
  const failures = await within(
    connectFirst(addresses, connect(port), 50, undefined).then(
      () => assert.fail("connected"),
      (f: AttemptFailure[]) => f,
    ),
    10_000,
    "connectFirst",
  );
  assert.deepEqual(failures.map((f) => f.address), addresses);
  for (const f of failures) {
    assert.ok(
      f.error instanceof Deno.errors.ConnectionRefused,
      String(f.error),
    );
  }
});

Deno.test("connectFirst() rejects with the signal's reason on abort", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const reason = new Error("stop");
  const controller = new AbortController();
  controller.abort(reason);
  await assert.rejects(
    connectFirst(
      ["127.0.0.1"],
      connect(listener.addr.port),
      50,
      controller.signal,
    ),
    (err) => err === reason,
  );
});
