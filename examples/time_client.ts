// Copyright 2026 the socketkit authors. MIT license.

/**
 * The tutorial's time client: connects, prints everything the server sends
 * until it closes the connection.
 *
 * ```sh
 * deno run --allow-net examples/time_client.ts --port 3434
 * ```
 *
 * Against `examples/time_server.ts` it prints one line,
 * `Current time is 2026-11-21T05:21:01.123Z`.
 *
 * @module
 */

import * as tcp from "../tcp.ts";
import { parseExampleArgs } from "./_args.ts";
import { exitWithError } from "./_common.ts";

const args = parseExampleArgs({
  usage:
    "deno run --allow-net examples/time_client.ts --port PORT [--hostname HOST]",
  addr: "connect",
});

try {
  await using sock = await tcp.connect({
    hostname: args.hostname,
    port: args.port,
  });
  let last = 0x0a;
  for (let data; (data = await tcp.recv(sock)) !== null;) {
    for (let n = 0; n < data.length;) {
      n += await Deno.stdout.write(data.subarray(n));
    }
    last = data[data.length - 1]!;
  }
  // End the output with a newline even if the server did not.
  if (last !== 0x0a) await Deno.stdout.write(new Uint8Array([0x0a]));
} catch (err) {
  exitWithError(err);
}
