// Copyright 2026 the socketkit authors. MIT license.

import assert from "node:assert/strict";
import fc from "fast-check";
import { formatAddr, parseAddr, validatePort } from "../_addr.ts";

Deno.test('parseAddr() reads "host:port", "[v6]:port" and objects', () => {
  assert.deepEqual(parseAddr("127.0.0.1:8080"), {
    hostname: "127.0.0.1",
    port: 8080,
  });
  assert.deepEqual(parseAddr("localhost:0"), {
    hostname: "localhost",
    port: 0,
  });
  assert.deepEqual(parseAddr("[::1]:53"), { hostname: "::1", port: 53 });
  assert.deepEqual(parseAddr("[fe80::1:2]:65535"), {
    hostname: "fe80::1:2",
    port: 65535,
  });
  assert.deepEqual(parseAddr("example.com:080"), {
    hostname: "example.com",
    port: 80,
  });
  assert.deepEqual(parseAddr({ hostname: "::1", port: 1 }), {
    hostname: "::1",
    port: 1,
  });
});

Deno.test("parseAddr() fills in the default host name when it is missing or empty", () => {
  assert.deepEqual(parseAddr({ port: 0 }), { hostname: "127.0.0.1", port: 0 });
  assert.deepEqual(parseAddr({ hostname: "", port: 5 }), {
    hostname: "127.0.0.1",
    port: 5,
  });
  assert.deepEqual(parseAddr(":80", "listen", "0.0.0.0"), {
    hostname: "0.0.0.0",
    port: 80,
  });
  assert.deepEqual(parseAddr("[]:80", "listen", "::"), {
    hostname: "::",
    port: 80,
  });
  assert.deepEqual(parseAddr({ port: 9 }, "listen", "0.0.0.0"), {
    hostname: "0.0.0.0",
    port: 9,
  });
});

Deno.test("parseAddr() rejects malformed strings with a TypeError naming the value", () => {
  const bad = [
    "",
    "x",
    "127.0.0.1",
    "127.0.0.1:",
    ":",
    "::1:80",
    "[::1]",
    "[::1]80",
    "[::1]:80x",
    "host:-1",
    "host:1.5",
    "host: 80",
    "host:123456",
    "[::1:80",
    "a:b:80",
  ];
  for (const input of bad) {
    assert.throws(
      () => parseAddr(input, "connect"),
      (err: unknown) => {
        assert.ok(err instanceof TypeError, input);
        assert.equal(
          err.message,
          `Cannot connect as address must be "host:port" or "[ipv6]:port": current value is ${
            JSON.stringify(input)
          }`,
        );
        return true;
      },
    );
  }
});

Deno.test("parseAddr() rejects ports over 65535 with a RangeError", () => {
  for (const input of ["host:65536", "[::1]:99999"]) {
    assert.throws(
      () => parseAddr(input, "connect"),
      (err: unknown) => {
        assert.ok(err instanceof RangeError, input);
        assert.match(
          err.message,
          /^Cannot connect as port must be an integer from 0 to 65535: current value is \d+$/,
        );
        return true;
      },
    );
  }
});

Deno.test("parseAddr() rejects bad objects and other types", () => {
  const cases: [unknown, ErrorConstructor, string][] = [
    [
      { port: -1 },
      RangeError,
      "port must be an integer from 0 to 65535: current value is -1",
    ],
    [
      { port: 70000 },
      RangeError,
      "port must be an integer from 0 to 65535: current value is 70000",
    ],
    [
      { port: 1.5 },
      RangeError,
      "port must be an integer from 0 to 65535: current value is 1.5",
    ],
    [{ port: "80" }, TypeError, 'port must be a number: current value is "80"'],
    [{}, TypeError, "port must be a number: current value is undefined"],
    [
      { hostname: 1, port: 1 },
      TypeError,
      "hostname must be a string: current value is 1",
    ],
    [
      null,
      TypeError,
      'address must be a "host:port" string, a { hostname, port } object or a port number: current value is null',
    ],
    [
      70000,
      RangeError,
      "port must be an integer from 0 to 65535: current value is 70000",
    ],
    [
      1.5,
      RangeError,
      "port must be an integer from 0 to 65535: current value is 1.5",
    ],
  ];
  for (const [input, Err, detail] of cases) {
    assert.throws(
      () => parseAddr(input as string, "connect"),
      (err: unknown) => {
        assert.ok(err instanceof Err, `${Deno.inspect(input)}: ${err}`);
        assert.equal((err as Error).message, `Cannot connect as ${detail}`);
        return true;
      },
    );
  }
});

Deno.test("validatePort() accepts 0 to 65535 and names the value otherwise", () => {
  assert.equal(validatePort(0, "bind"), 0);
  assert.equal(validatePort(65535, "bind"), 65535);
  for (const port of [-1, 65536, 1.5, NaN, Infinity, -Infinity]) {
    assert.throws(
      () => validatePort(port, "bind"),
      (err: unknown) =>
        err instanceof RangeError &&
        err.message ===
          `Cannot bind as port must be an integer from 0 to 65535: current value is ${port}`,
    );
  }
  for (const port of ["80", null, undefined, 80n, {}]) {
    assert.throws(
      () => validatePort(port, "bind"),
      (err: unknown) =>
        err instanceof TypeError &&
        /^Cannot bind as port must be a number: current value is /.test(
          err.message,
        ),
    );
  }
});

Deno.test("formatAddr() writes TCP, UDP and Unix addresses for people", () => {
  assert.equal(
    formatAddr({ transport: "tcp", hostname: "127.0.0.1", port: 80 }),
    "127.0.0.1:80",
  );
  assert.equal(
    formatAddr({ transport: "udp", hostname: "::1", port: 53 }),
    "[::1]:53",
  );
  assert.equal(
    formatAddr({ transport: "unix", path: "/tmp/app.sock" }),
    "/tmp/app.sock",
  );
  assert.equal(
    formatAddr({ transport: "unixpacket", path: "\0abstract" }),
    "@abstract",
  );
  assert.equal(formatAddr({ transport: "unix", path: "" }), "(unnamed)");
  assert.equal(
    formatAddr({ transport: "unix", path: null as unknown as string }),
    "(unnamed)",
  );
});

Deno.test("formatAddr() and parseAddr() round-trip every IPv4 and IPv6 address and port", () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.ipV4(), fc.ipV6(), fc.domain()),
      fc.integer({ min: 0, max: 65535 }),
      (hostname, port) => {
        const text = formatAddr({ transport: "tcp", hostname, port });
        assert.deepEqual(parseAddr(text), { hostname, port });
      },
    ),
    { numRuns: 500 },
  );
});
