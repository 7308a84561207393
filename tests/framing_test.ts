// Copyright 2026 the socketkit authors. MIT license.

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodeDelimited,
  decodeFrame,
  DEFAULT_MAX_FRAME_BYTES,
  DelimitedDecoder,
  DelimitedDecoderStream,
  DelimitedEncoderStream,
  encodeDelimited,
  encodeFrame,
  FrameDecoder,
  FrameDecoderStream,
  FrameEncoderStream,
  type FrameHeader,
  frames,
  messages,
  recvDelimited,
  recvFrame,
  sendDelimited,
  sendFrame,
} from "../framing.ts";
import * as tcp from "../tcp.ts";
import {
  bytes,
  concat,
  pseudoRandomBytes,
  sha256,
  tcpPair,
  text,
  within,
} from "./_util.ts";

const HEADERS: FrameHeader[] = [
  { kind: "binary", bytes: 1 },
  { kind: "binary", bytes: 2 },
  { kind: "binary", bytes: 2, littleEndian: true },
  { kind: "binary" },
  { kind: "binary", bytes: 4, littleEndian: true },
  { kind: "binary", bytes: 8 },
  { kind: "binary", bytes: 8, littleEndian: true },
  { kind: "text", width: 64 },
  { kind: "text", width: 3 },
];

/** Cuts `data` at the given points (taken modulo its length, sorted). */
function cut(data: Uint8Array, points: number[]): Uint8Array[] {
  const at = [...new Set(points.map((p) => p % (data.length + 1)))].sort((
    a,
    b,
  ) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of [...at, data.length]) {
    chunks.push(data.subarray(from, p));
    from = p;
  }
  return chunks;
}

/** A fake connection that records each write, to count them. */
function recordingSocket(): { sock: tcp.TcpSocket; writes: Uint8Array[] } {
  const writes: Uint8Array[] = [];
  const addr: Deno.NetAddr = {
    transport: "tcp",
    hostname: "127.0.0.1",
    port: 9,
  };
  const conn = {
    localAddr: addr,
    remoteAddr: addr,
    read: () => Promise.resolve(null),
    write: (p: Uint8Array) => {
      writes.push(p.slice());
      return Promise.resolve(p.length);
    },
    close() {},
    closeWrite: () => Promise.resolve(),
  } as unknown as Deno.TcpConn;
  return { sock: tcp.wrap(conn), writes };
}

// ---- pure frames ----

Deno.test("encodeFrame() writes a 4-byte big-endian length by default", () => {
  assert.deepEqual(
    encodeFrame("abc"),
    new Uint8Array([0, 0, 0, 3, 97, 98, 99]),
  );
  assert.deepEqual(
    encodeFrame(new Uint8Array(300)).subarray(0, 4),
    new Uint8Array([0, 0, 1, 44]),
  );
});

Deno.test("encodeFrame() writes every binary header size in both byte orders", () => {
  const payload = new Uint8Array(258);
  const cases: [FrameHeader, number[]][] = [
    [{ kind: "binary", bytes: 2 }, [1, 2]],
    [{ kind: "binary", bytes: 2, littleEndian: true }, [2, 1]],
    [{ kind: "binary", bytes: 4, littleEndian: true }, [2, 1, 0, 0]],
    [{ kind: "binary", bytes: 8 }, [0, 0, 0, 0, 0, 0, 1, 2]],
    [
      { kind: "binary", bytes: 8, littleEndian: true },
      [2, 1, 0, 0, 0, 0, 0, 0],
    ],
  ];
  for (const [header, expected] of cases) {
    const frame = encodeFrame(payload, { header });
    assert.deepEqual([...frame.subarray(0, expected.length)], expected);
    assert.equal(frame.length, expected.length + 258);
  }
  assert.deepEqual(
    encodeFrame("x", { header: { kind: "binary", bytes: 1 } }),
    new Uint8Array([1, 120]),
  );
});

Deno.test("encodeFrame() writes the tutorial's text header byte for byte", () => {
  // Python: str(len(message)).encode() + b' ' * (64 - len(...)), then message.
  const frame = encodeFrame("Hello World!", {
    header: { kind: "text", width: 64 },
  });
  assert.equal(frame.length, 76);
  assert.equal(text(frame), "12" + " ".repeat(62) + "Hello World!");
  // The width defaults to 64.
  assert.deepEqual(
    encodeFrame("é", { header: { kind: "text" } }),
    concat([bytes("2".padEnd(64)), bytes("é")]),
  );
});

Deno.test("encodeFrame() rejects payloads over maxBytes or the header's capacity with RangeError", () => {
  assert.throws(
    () => encodeFrame(new Uint8Array(11), { maxBytes: 10 }),
    (err: Error) =>
      err instanceof RangeError &&
      err.message ===
        "Cannot encodeFrame as the payload must be at most maxBytes (10 bytes): current length is 11",
  );
  assert.throws(
    () =>
      encodeFrame(new Uint8Array(256), {
        header: { kind: "binary", bytes: 1 },
      }),
    /Cannot encodeFrame as the payload must fit the 1-byte header \(255 bytes at most\): current length is 256/,
  );
  assert.throws(
    () =>
      encodeFrame(new Uint8Array(100), { header: { kind: "text", width: 2 } }),
    RangeError,
  );
  assert.equal(
    encodeFrame(new Uint8Array(99), { header: { kind: "text", width: 2 } })
      .length,
    101,
  );
});

Deno.test("frame functions reject malformed options with TypeError or RangeError", () => {
  assert.throws(
    () => encodeFrame("x", { header: { kind: "binary", bytes: 3 as 4 } }),
    (err: Error) =>
      err instanceof RangeError &&
      err.message ===
        "Cannot encodeFrame as header.bytes must be 1, 2, 4 or 8: current value is 3",
  );
  assert.throws(
    () =>
      encodeFrame("x", { header: { kind: "json" } as unknown as FrameHeader }),
    /Cannot encodeFrame as header.kind must be "binary" or "text": current value is "json"/,
  );
  assert.throws(
    () => decodeFrame(new Uint8Array(), { header: { kind: "text", width: 0 } }),
    /Cannot decodeFrame as header.width must be an integer from 1 to 1024: current value is 0/,
  );
  assert.throws(() => encodeFrame("x", { maxBytes: -1 }), RangeError);
  assert.throws(
    () => encodeFrame("x", { maxBytes: "1" as unknown as number }),
    TypeError,
  );
  assert.throws(() => encodeFrame(42 as unknown as string), TypeError);
  assert.throws(() => new FrameDecoder(null as unknown as object), TypeError);
});

Deno.test("decodeFrame() returns null until a frame is complete, then a view and its length", () => {
  const frame = encodeFrame("hello");
  for (let n = 0; n < frame.length; n++) {
    assert.equal(decodeFrame(frame.subarray(0, n)), null);
  }
  const decoded = decodeFrame(concat([frame, bytes("extra")]))!;
  assert.equal(text(decoded.payload), "hello");
  assert.equal(decoded.byteLength, 9);
  assert.deepEqual(decodeFrame(new Uint8Array(4)), {
    payload: new Uint8Array(0),
    byteLength: 4,
  });
});

Deno.test("decodeFrame() rejects a header announcing 4 GiB at once with InvalidData", () => {
  assert.throws(
    () => decodeFrame(new Uint8Array([0xff, 0xff, 0xff, 0xff])),
    (err: Error) =>
      err instanceof Deno.errors.InvalidData &&
      err.message ===
        `Cannot decodeFrame: the frame header announces 4294967295 bytes, over the limit of ${DEFAULT_MAX_FRAME_BYTES} bytes (raise maxBytes to accept more)`,
  );
  // Exactly the limit is fine (incomplete, so null).
  assert.equal(decodeFrame(new Uint8Array([0, 0x80, 0, 0])), null);
  assert.throws(
    () => decodeFrame(new Uint8Array([0, 0x80, 0, 1])),
    Deno.errors.InvalidData,
  );
});

Deno.test("decodeFrame() checks an 8-byte header against the limit without losing precision", () => {
  const header = { kind: "binary", bytes: 8 } as const;
  assert.throws(
    () =>
      decodeFrame(new Uint8Array(8).fill(0xff), { header, maxBytes: Infinity }),
    /announces 18446744073709551615 bytes/,
  );
  const big = new Uint8Array(8);
  new DataView(big.buffer).setBigUint64(0, 2n ** 53n + 1n);
  assert.throws(
    () => decodeFrame(big, { header, maxBytes: Infinity }),
    Deno.errors.InvalidData,
  );
  const ok = new Uint8Array(8);
  ok[7] = 2;
  assert.equal(decodeFrame(ok, { header }), null);
});

Deno.test("decodeFrame() reads text headers with spaces on either side and rejects others with InvalidData", () => {
  const header = { kind: "text", width: 8 } as const;
  for (const head of ["3       ", "   3    ", "       3", "00000003"]) {
    const decoded = decodeFrame(bytes(head + "abc"), { header });
    assert.equal(text(decoded!.payload), "abc", head);
  }
  for (
    const head of [
      "abc     ",
      "        ",
      "-3      ",
      "3 3     ",
      "0x10    ",
      "3\t      ",
      "+3      ",
    ]
  ) {
    assert.throws(
      () => decodeFrame(bytes(head + "abc"), { header }),
      (err: Error) =>
        err instanceof Deno.errors.InvalidData &&
        err.message.startsWith(
          "Cannot decodeFrame: the frame header is not a decimal length: ",
        ),
      head,
    );
  }
  assert.throws(
    () => decodeFrame(bytes("9".repeat(64)), { header: { kind: "text" } }),
    /announces 9{64} bytes, over the limit/,
  );
});

Deno.test("FrameDecoder decodes any messages cut at any points, for every header kind", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...HEADERS),
      fc.array(fc.uint8Array({ maxLength: 255 }), { maxLength: 20 }),
      fc.array(fc.nat(), { maxLength: 30 }),
      (header, messages, points) => {
        const stream = concat(messages.map((m) => encodeFrame(m, { header })));
        const decoder = new FrameDecoder({ header });
        const out: Uint8Array[] = [];
        for (const chunk of cut(stream, points)) {
          out.push(...decoder.push(chunk));
        }
        decoder.end();
        assert.deepEqual(out, messages);
        assert.equal(decoder.buffered, 0);
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("FrameDecoder never hangs or crashes on garbage: it yields frames or a clear error", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...HEADERS),
      fc.oneof(
        fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 10 }),
        // Text-like garbage: digits and spaces, sometimes valid.
        fc.array(
          fc.uint8Array({ maxLength: 200 }).map((b) =>
            b.map((x) => (x % 11 === 10 ? 0x20 : 0x30 + (x % 11)))
          ),
          { maxLength: 10 },
        ),
      ),
      fc.integer({ min: 0, max: 1000 }),
      (header, chunks, maxBytes) => {
        const decoder = new FrameDecoder({ header, maxBytes });
        let failed: Error | null = null;
        for (const chunk of chunks) {
          try {
            for (const frame of decoder.push(chunk)) {
              assert.ok(frame.length <= maxBytes);
            }
          } catch (err) {
            assert.ok(err instanceof Deno.errors.InvalidData, String(err));
            failed = err;
            break;
          }
        }
        if (failed !== null) {
          // Unusable from then on, and says so.
          assert.throws(
            () => decoder.push(new Uint8Array(1)),
            Deno.errors.InvalidData,
          );
          assert.throws(() => decoder.end(), Deno.errors.InvalidData);
          return;
        }
        try {
          decoder.end();
          assert.equal(decoder.buffered, 0);
        } catch (err) {
          assert.ok(err instanceof Deno.errors.UnexpectedEof, String(err));
        }
      },
    ),
    { numRuns: 1000 },
  );
});

Deno.test("FrameDecoder rejects an oversized header before buffering its payload", () => {
  const decoder = new FrameDecoder({ maxBytes: 100 });
  assert.deepEqual(decoder.push(encodeFrame(new Uint8Array(100))).length, 1);
  assert.throws(
    () => decoder.push(new Uint8Array([0, 0, 0, 101])),
    /announces 101 bytes, over the limit of 100 bytes/,
  );
});

Deno.test("FrameDecoder.end() rejects with UnexpectedEof inside a frame", () => {
  const decoder = new FrameDecoder();
  decoder.push(encodeFrame("hello").subarray(0, 6));
  assert.throws(
    () => decoder.end(),
    (err: Error) =>
      err instanceof Deno.errors.UnexpectedEof &&
      err.message ===
        "Cannot decode frame: the stream ended inside a frame of 5 bytes, after 2 of them",
  );
});

Deno.test("FrameEncoderStream and FrameDecoderStream carry messages through web streams", async () => {
  const messages = ["one", "", "three", "é".repeat(1000)];
  const payloads = await Array.fromAsync(
    ReadableStream.from(messages)
      .pipeThrough(
        new FrameEncoderStream({ header: { kind: "text", width: 10 } }),
      )
      .pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          // Re-chunk into 3-byte pieces.
          transform(chunk, controller) {
            for (let i = 0; i < chunk.length; i += 3) {
              controller.enqueue(chunk.slice(i, i + 3));
            }
          },
        }),
      )
      .pipeThrough(
        new FrameDecoderStream({ header: { kind: "text", width: 10 } }),
      ),
  );
  assert.deepEqual(payloads.map((p) => text(p)), messages);
});

Deno.test("FrameDecoderStream errors with UnexpectedEof when the bytes end inside a frame", async () => {
  const frame = encodeFrame("hello");
  await assert.rejects(
    Array.fromAsync(
      ReadableStream.from([frame, frame.subarray(0, 7)]).pipeThrough(
        new FrameDecoderStream(),
      ),
    ),
    Deno.errors.UnexpectedEof,
  );
  await assert.rejects(
    Array.fromAsync(
      ReadableStream.from([new Uint8Array([0xff, 0, 0, 0])]).pipeThrough(
        new FrameDecoderStream(),
      ),
    ),
    Deno.errors.InvalidData,
  );
});

// ---- pure delimited messages ----

Deno.test("encodeDelimited() appends the delimiter and refuses a message that contains it", () => {
  assert.equal(text(encodeDelimited("hi")), "hi\n");
  assert.equal(text(encodeDelimited("hi", { delimiter: "\r\n" })), "hi\r\n");
  assert.throws(
    () => encodeDelimited("a\nb"),
    (err: Error) =>
      err instanceof TypeError &&
      err.message.startsWith(
        "Cannot encodeDelimited as the message must not contain the delimiter",
      ),
  );
  // "ba" + "aa" would decode as "b": refused too.
  assert.throws(() => encodeDelimited("ba", { delimiter: "aa" }), TypeError);
  assert.throws(() => encodeDelimited("x", { delimiter: "" }), TypeError);
  assert.throws(
    () => encodeDelimited("abc", { maxBytes: 2 }),
    /Cannot encodeDelimited as the message must be at most maxBytes \(2 bytes\): current length is 3/,
  );
});

Deno.test("decodeDelimited() finds the first message and enforces the limit", () => {
  const decoded = decodeDelimited(bytes("ab\r\ncd\r\n"), {
    delimiter: "\r\n",
  })!;
  assert.equal(text(decoded.message), "ab");
  assert.equal(decoded.byteLength, 4);
  assert.equal(decodeDelimited(bytes("abc\r")), null);
  assert.equal(
    text(decodeDelimited(bytes("abc\n"), { maxBytes: 3 })!.message),
    "abc",
  );
  assert.throws(
    () => decodeDelimited(bytes("abcd"), { maxBytes: 3 }),
    (err: Error) =>
      err instanceof Deno.errors.InvalidData &&
      err.message ===
        "Cannot decodeDelimited: no delimiter within the limit of 3 bytes (raise maxBytes to accept more)",
  );
  assert.throws(
    () => decodeDelimited(bytes("abcd\n"), { maxBytes: 3 }),
    Deno.errors.InvalidData,
  );
});

Deno.test("DelimitedDecoder decodes any messages cut at any points, for any delimiter", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 3 }),
      fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 20 }),
      fc.array(fc.nat(), { maxLength: 30 }),
      (delimiter, candidates, points) => {
        const messages: Uint8Array[] = [];
        const encoded: Uint8Array[] = [];
        for (const m of candidates) {
          try {
            encoded.push(encodeDelimited(m, { delimiter }));
            messages.push(m);
          } catch (err) {
            assert.ok(err instanceof TypeError);
          }
        }
        const decoder = new DelimitedDecoder({ delimiter, maxBytes: 40 });
        const out: Uint8Array[] = [];
        for (const chunk of cut(concat(encoded), points)) {
          out.push(...decoder.push(chunk));
        }
        decoder.end();
        assert.deepEqual(out, messages);
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("DelimitedDecoder never hangs or crashes on garbage: it yields messages or a clear error", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 3 }),
      fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 10 }),
      fc.integer({ min: 0, max: 50 }),
      (delimiter, chunks, maxBytes) => {
        const decoder = new DelimitedDecoder({ delimiter, maxBytes });
        for (const chunk of chunks) {
          try {
            for (const m of decoder.push(chunk)) {
              assert.ok(m.length <= maxBytes);
            }
          } catch (err) {
            assert.ok(err instanceof Deno.errors.InvalidData, String(err));
            assert.throws(() => decoder.push(chunk), Deno.errors.InvalidData);
            return;
          }
        }
        try {
          decoder.end();
        } catch (err) {
          assert.ok(err instanceof Deno.errors.UnexpectedEof, String(err));
        }
      },
    ),
    { numRuns: 1000 },
  );
});

Deno.test("DelimitedDecoder finds a delimiter split across chunks and rejects an endless message", () => {
  const decoder = new DelimitedDecoder({ delimiter: "\r\n", maxBytes: 5 });
  assert.deepEqual(decoder.push(bytes("abc\r")), []);
  assert.deepEqual(decoder.push(bytes("\nxy")).map(text), ["abc"]);
  assert.throws(
    () => decoder.push(bytes("zzzzz")),
    /no delimiter within the limit of 5 bytes/,
  );
});

Deno.test("DelimitedEncoderStream and DelimitedDecoderStream carry lines through web streams", async () => {
  const lines = await Array.fromAsync(
    ReadableStream.from(["one", "two", ""])
      .pipeThrough(new DelimitedEncoderStream({ delimiter: "\0" }))
      .pipeThrough(new DelimitedDecoderStream({ delimiter: "\0" }))
      .pipeThrough(new TextDecoderStream()),
  );
  assert.deepEqual(lines, ["one", "two"]);
  await assert.rejects(
    Array.fromAsync(
      ReadableStream.from([bytes("done\nhalf")]).pipeThrough(
        new DelimitedDecoderStream(),
      ),
    ),
    Deno.errors.UnexpectedEof,
  );
});

// ---- over sockets ----

Deno.test("sendFrame() writes header and payload in one write", async () => {
  const { sock, writes } = recordingSocket();
  await using _ = sock;
  await sendFrame(sock, "hello");
  await sendFrame(sock, pseudoRandomBytes(1_000_000), {
    header: { kind: "binary", bytes: 8 },
  });
  await sendFrame(sock, "Hello World!", { header: { kind: "text" } });
  assert.equal(writes.length, 3);
  assert.deepEqual(writes[0], encodeFrame("hello"));
  assert.equal(writes[1]!.length, 1_000_008);
  assert.equal(text(writes[2]!), "12".padEnd(64) + "Hello World!");
});

Deno.test("sendFrame() and recvFrame() carry messages over TCP with every header kind", async () => {
  await using pair = await tcpPair();
  for (const header of HEADERS) {
    const messages = ["", "a", "é".repeat(80), "x".repeat(255)];
    for (const m of messages) await sendFrame(pair.client, m, { header });
    for (const m of messages) {
      assert.equal(text(await recvFrame(pair.peer, { header })), m);
    }
  }
});

Deno.test("recvFrame() returns a large frame intact", async () => {
  await using pair = await tcpPair();
  const payload = pseudoRandomBytes(3_000_000, 7);
  const sending = sendFrame(pair.client, payload);
  const got = await recvFrame(pair.peer);
  await sending;
  assert.equal(got!.length, payload.length);
  assert.equal(await sha256(got!), await sha256(payload));
});

Deno.test("recvFrame() decodes frames however the stream is cut", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...HEADERS),
      fc.array(fc.uint8Array({ maxLength: 255 }), { maxLength: 8 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      async (header, messages, points) => {
        await using pair = await tcpPair();
        const stream = concat(messages.map((m) => encodeFrame(m, { header })));
        const writing = (async () => {
          for (const chunk of cut(stream, points)) {
            await tcp.sendAll(pair.client, chunk);
            await new Promise((r) => setTimeout(r, 0));
          }
          await tcp.shutdown(pair.client);
        })();
        const out: Uint8Array[] = [];
        for (let f; (f = await recvFrame(pair.peer, { header })) !== null;) {
          out.push(f);
        }
        await writing;
        assert.deepEqual(out, messages);
      },
    ),
    { numRuns: 30 },
  );
});

Deno.test("recvFrame() on garbage resolves frames or rejects with a clear error, never hangs", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...HEADERS),
      fc.uint8Array({ maxLength: 300 }),
      async (header, garbage) => {
        await using pair = await tcpPair();
        await tcp.sendAll(pair.client, garbage);
        await tcp.shutdown(pair.client);
        for (let i = 0; i < 400; i++) {
          let frame: Uint8Array | null;
          try {
            frame = await recvFrame(pair.peer, { header, maxBytes: 200 });
          } catch (err) {
            assert.ok(
              err instanceof Deno.errors.InvalidData ||
                err instanceof Deno.errors.UnexpectedEof,
              String(err),
            );
            return;
          }
          if (frame === null) return;
        }
        assert.fail("recvFrame() kept returning frames");
      },
    ),
    { numRuns: 40 },
  );
});

Deno.test("recvFrame() returns null at a clean end of stream between frames", async () => {
  await using pair = await tcpPair();
  await sendFrame(pair.client, "last");
  await tcp.shutdown(pair.client);
  assert.equal(text(await recvFrame(pair.peer)), "last");
  assert.equal(await recvFrame(pair.peer), null);
  assert.equal(await recvFrame(pair.peer), null);
});

Deno.test("recvFrame() rejects with UnexpectedEof when the stream ends inside a header", async () => {
  await using pair = await tcpPair();
  await tcp.sendAll(pair.client, new Uint8Array([0, 0]));
  await tcp.shutdown(pair.client);
  await assert.rejects(
    recvFrame(pair.peer),
    (err: Error) =>
      err instanceof Deno.errors.UnexpectedEof &&
      /^Cannot recvFrame from 127\.0\.0\.1:\d+: the stream ended inside a frame header, after 2 of 4 bytes$/
        .test(err.message),
  );
  await assert.rejects(recvFrame(pair.peer), Deno.errors.UnexpectedEof);
});

Deno.test("recvFrame() rejects with UnexpectedEof when the stream ends inside a payload", async () => {
  await using pair = await tcpPair();
  await tcp.sendAll(pair.client, encodeFrame("hello").subarray(0, 7));
  await tcp.shutdown(pair.client);
  await assert.rejects(
    recvFrame(pair.peer),
    /the stream ended inside a frame of 5 bytes/,
  );
  // The stream has ended: every later call says the same.
  await assert.rejects(
    recvFrame(pair.peer),
    /the stream ended inside a frame of 5 bytes, after 3 of them$/,
  );
});

Deno.test("recvFrame() rejects a header announcing 4 GiB at once, without waiting for the payload", async () => {
  await using pair = await tcpPair();
  await tcp.sendAll(
    pair.client,
    new Uint8Array([0xff, 0xff, 0xff, 0xff, 1, 2, 3]),
  );
  const started = performance.now();
  await assert.rejects(
    recvFrame(pair.peer),
    (err: Error) =>
      err instanceof Deno.errors.InvalidData &&
      err.message.endsWith(
        "the frame header announces 4294967295 bytes, over the limit of 8388608 bytes (raise maxBytes to accept more)",
      ),
  );
  assert.ok(performance.now() - started < 1_000);
  await assert.rejects(recvFrame(pair.peer), Deno.errors.InvalidData);
});

Deno.test("recvFrame() rejects a non-numeric text header with InvalidData", async () => {
  await using pair = await tcpPair();
  await tcp.sendAll(pair.client, "hello".padEnd(64) + "world");
  await assert.rejects(
    recvFrame(pair.peer, { header: { kind: "text", width: 64 } }),
    (err: Error) =>
      err instanceof Deno.errors.InvalidData &&
      err.message.endsWith(
        'the frame header is not a decimal length: "hello"',
      ),
  );
});

Deno.test("recvFrame() loses nothing when its timeout fires inside a header or a payload", async () => {
  await using pair = await tcpPair();
  const frame = encodeFrame(pseudoRandomBytes(1000, 3));
  // Inside the header.
  await tcp.sendAll(pair.client, frame.subarray(0, 2));
  await assert.rejects(
    recvFrame(pair.peer, { timeout: 30 }),
    Deno.errors.TimedOut,
  );
  // Inside the payload.
  await tcp.sendAll(pair.client, frame.subarray(2, 500));
  await assert.rejects(
    recvFrame(pair.peer, { timeout: 30 }),
    Deno.errors.TimedOut,
  );
  await tcp.sendAll(pair.client, frame.subarray(500));
  assert.deepEqual(
    await recvFrame(pair.peer, { timeout: 5_000 }),
    frame.subarray(4),
  );
  // And the next frame reads normally.
  await sendFrame(pair.client, "next");
  assert.equal(text(await recvFrame(pair.peer)), "next");
});

Deno.test("recvFrame() gives up with the signal's reason and resumes on the next call", async () => {
  await using pair = await tcpPair();
  await tcp.sendAll(pair.client, encodeFrame("abcdef").subarray(0, 6));
  const controller = new AbortController();
  const receiving = recvFrame(pair.peer, { signal: controller.signal });
  setTimeout(() => controller.abort(new Error("stop")), 20);
  await assert.rejects(receiving, /^Error: stop$/);
  await tcp.sendAll(pair.client, "cdef");
  assert.equal(text(await recvFrame(pair.peer)), "abcdef");
});

Deno.test("recvFrame() applies the timeout to the whole frame", async () => {
  await using pair = await tcpPair();
  const frame = encodeFrame("abcdef");
  const writing = (async () => {
    for (const b of frame) {
      await tcp.sendAll(pair.client, new Uint8Array([b]));
      await new Promise((r) => setTimeout(r, 40));
    }
  })();
  const started = performance.now();
  await assert.rejects(
    recvFrame(pair.peer, { timeout: 150 }),
    Deno.errors.TimedOut,
  );
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 300, `took ${elapsed} ms`);
  await writing;
  assert.equal(text(await recvFrame(pair.peer)), "abcdef");
});

Deno.test("frame functions work over Unix sockets and any wrapped Deno.Conn", {
  ignore: Deno.build.os === "windows",
}, async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/s.sock`;
    using listener = Deno.listen({ transport: "unix", path });
    const accepted = listener.accept();
    await using client = tcp.wrap(
      await Deno.connect({ transport: "unix", path }),
    );
    await using peer = tcp.wrap(await accepted);
    await sendFrame(client, "over unix", { header: { kind: "text" } });
    await sendDelimited(client, "a line");
    assert.equal(
      text(await recvFrame(peer, { header: { kind: "text" } })),
      "over unix",
    );
    assert.equal(text(await recvDelimited(peer)), "a line");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("socket frame functions reject bad arguments before any I/O", async () => {
  await using pair = await tcpPair();
  await assert.rejects(
    recvFrame({} as tcp.TcpSocket),
    /^TypeError: Cannot recvFrame as sock must be a StreamSocket from connect, accept or wrap: current value is an object$/,
  );
  await assert.rejects(
    sendFrame(pair.client, "x", { header: { kind: "binary", bytes: 5 as 4 } }),
    RangeError,
  );
  await assert.rejects(
    recvFrame(pair.peer, { timeout: -1 }),
    /^RangeError: Cannot recvFrame from 127\.0\.0\.1:\d+ as timeout must be/,
  );
  await assert.rejects(
    sendFrame(pair.client, new Uint8Array(300), {
      header: { kind: "binary", bytes: 1 },
    }),
    RangeError,
  );
  await assert.rejects(sendDelimited(pair.client, "a\nb"), TypeError);
  // Nothing was sent.
  await tcp.shutdown(pair.client);
  assert.equal(await tcp.recv(pair.peer), null);
});

Deno.test("sendDelimited() and recvDelimited() carry messages, and the limit holds", async () => {
  await using pair = await tcpPair();
  await sendDelimited(pair.client, "one", { delimiter: "\r\n" });
  await sendDelimited(pair.client, "", { delimiter: "\r\n" });
  await tcp.sendAll(pair.client, "x".repeat(100) + "\r\n");
  await tcp.shutdown(pair.client);
  const options = { delimiter: "\r\n", maxBytes: 50 };
  assert.equal(text(await recvDelimited(pair.peer, options)), "one");
  assert.equal(text(await recvDelimited(pair.peer, options)), "");
  await assert.rejects(
    recvDelimited(pair.peer, options),
    Deno.errors.InvalidData,
  );
});

Deno.test("recvDelimited() returns null at a clean end and UnexpectedEof inside a message", async () => {
  await using pair = await tcpPair();
  await tcp.sendAll(pair.client, "whole\nhalf");
  await tcp.shutdown(pair.client);
  assert.equal(text(await recvDelimited(pair.peer)), "whole");
  await assert.rejects(recvDelimited(pair.peer), Deno.errors.UnexpectedEof);
  await using pair2 = await tcpPair();
  await tcp.shutdown(pair2.client);
  assert.equal(await recvDelimited(pair2.peer), null);
});

Deno.test("frames() and messages() iterate until the end and leave the rest with the socket on break", async () => {
  await using pair = await tcpPair();
  for (const word of ["a", "bb", "ccc"]) await sendFrame(pair.client, word);
  await tcp.sendAll(pair.client, "x\0yy\0");
  const sizes: number[] = [];
  for await (const payload of frames(pair.peer, { timeout: 5_000 })) {
    sizes.push(payload.length);
    if (sizes.length === 3) break;
  }
  assert.deepEqual(sizes, [1, 2, 3]);
  await tcp.shutdown(pair.client);
  const seen: string[] = [];
  for await (
    const m of messages(pair.peer, { delimiter: "\0", timeout: 5_000 })
  ) {
    seen.push(text(m)!);
  }
  assert.deepEqual(seen, ["x", "yy"]);
  assert.throws(() => frames(pair.peer, { maxBytes: -1 }), RangeError);
  assert.throws(() => messages(pair.peer, { delimiter: "" }), TypeError);
});

// ---- Core v2 regressions (issue 9) ----

Deno.test("after a sendFrame() cut short by its timeout, later frames are refused and the peer decodes only frames that were sent (issue 9)", async () => {
  await using pair = await tcpPair();
  const options = { maxBytes: Infinity };
  const sent = ["one", "two"].map(bytes);
  for (const payload of sent) await sendFrame(pair.client, payload, options);
  // Nobody reads yet: a large frame fills the buffers and is cut short.
  const big = new Uint8Array(48 << 20).fill(0x42);
  await assert.rejects(
    within(sendFrame(pair.client, big, { ...options, timeout: 50 }), 5_000),
    (err: unknown) => {
      assert.ok(err instanceof Deno.errors.TimedOut, String(err));
      assert.match(err.message, /the write side is now unusable$/);
      return true;
    },
  );
  // The write side is unusable: no frame may follow the cut one.
  for (const payload of ["three", "four"]) {
    await assert.rejects(
      within(sendFrame(pair.client, payload, options), 1_000),
      Deno.errors.InvalidData,
    );
  }
  await assert.rejects(
    within(tcp.sendAll(pair.client, encodeFrame("five")), 1_000),
    Deno.errors.InvalidData,
  );
  const shutting = tcp.shutdown(pair.client, "write", { timeout: 15_000 });
  const decoded: Uint8Array[] = [];
  let ending: unknown = null;
  await within(
    (async () => {
      for (;;) {
        try {
          const frame = await recvFrame(pair.peer, options);
          if (frame === null) break;
          decoded.push(frame);
        } catch (err) {
          ending = err;
          break;
        }
      }
    })(),
    20_000,
    "reading the frames",
  );
  await within(shutting, 16_000, "shutdown");
  assert.deepEqual(decoded, sent, "only whole frames that were sent");
  assert.ok(ending instanceof Deno.errors.UnexpectedEof, String(ending));
  assert.match(
    ending.message,
    new RegExp(`the stream ended inside a frame of ${big.length} bytes`),
  );
});

Deno.test("recvFrame()'s timeout bounds header and payload together, even while bytes keep coming", async () => {
  await using pair = await tcpPair();
  const frame = encodeFrame(new Uint8Array(100).fill(7));
  let stop = false;
  const dripping = (async () => {
    for (let i = 0; i < frame.length && !stop; i++) {
      await tcp.sendAll(pair.client, frame.subarray(i, i + 1));
      await new Promise((r) => setTimeout(r, 30));
    }
  })();
  const started = performance.now();
  await assert.rejects(
    within(recvFrame(pair.peer, { timeout: 200 }), 5_000, "recvFrame"),
    Deno.errors.TimedOut,
  );
  const elapsed = performance.now() - started;
  stop = true;
  await within(dripping, 2_000, "the drip");
  assert.ok(elapsed < 1_000, `rejected after ${elapsed} ms`);
  assert.ok(pair.peer.bytesRead > 4, "bytes kept coming meanwhile");
});

Deno.test("recvFrame() with an 8-byte header near 2^53 and maxBytes Infinity rejects with InvalidData naming the bound, every time", async () => {
  await using pair = await tcpPair();
  const header = new Uint8Array(8);
  new DataView(header.buffer).setBigUint64(0, 2n ** 53n - 1n);
  await tcp.sendAll(pair.client, header);
  const options = {
    header: { kind: "binary", bytes: 8 } as const,
    maxBytes: Infinity,
  };
  for (let i = 0; i < 2; i++) {
    await assert.rejects(
      recvFrame(pair.peer, { ...options, timeout: 5_000 }),
      (err: unknown) => {
        assert.ok(err instanceof Deno.errors.InvalidData, String(err));
        assert.match(
          err.message,
          i === 0
            ? /^Cannot recvFrame from 127\.0\.0\.1:\d+: the frame header announces 9007199254740991 bytes, more than one frame may hold \(4294967296 bytes\)$/
            : /the connection is unusable since an earlier receive failed/,
        );
        return true;
      },
    );
  }
});
