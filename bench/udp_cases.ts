// Copyright 2026 the socketkit authors. MIT license.
// Side-by-side cases for udp; bench/compare.ts runs them.
//
// Each case does the same work on raw Deno.listenDatagram and on socketkit,
// once with the deno backend and once with the node:dgram backend (the
// fallback without --unstable-net), so the table shows both ratios.
//
// "The same work" is receiving datagrams whose bytes the caller owns. The
// raw side is the fastest way to get that from Deno: one reused 64 KiB
// buffer and a copy of each datagram (`conn.receive()` with no buffer
// allocates 64 KiB per call and is slower).

import dgram from "node:dgram";
import type { Case } from "./_harness.ts";
import * as udp from "../udp.ts";

const LOOPBACK = "127.0.0.1";
const PING_BYTES = 64;
const ROUND_TRIPS = 2_000;
const FLOOD_DATAGRAMS = 20_000;
/** Datagrams in flight at most during a flood, so the kernel never drops any. */
const FLOOD_WINDOW = 64;

function rawSocket(): Deno.DatagramConn {
  return Deno.listenDatagram({ transport: "udp", hostname: LOOPBACK, port: 0 });
}

async function rawPingPong(): Promise<number> {
  const a = rawSocket();
  const b = rawSocket();
  try {
    const ping = new Uint8Array(PING_BYTES);
    const bufA = new Uint8Array(65_536);
    const bufB = new Uint8Array(65_536);
    const echo = (async () => {
      for (let i = 0; i < ROUND_TRIPS; i++) {
        const [data, from] = await b.receive(bufB);
        await b.send(data.slice(), from);
      }
    })();
    for (let i = 0; i < ROUND_TRIPS; i++) {
      await a.send(ping, b.addr);
      const [data] = await a.receive(bufA);
      if (data.slice().length !== PING_BYTES) throw new Error("short reply");
    }
    await echo;
  } finally {
    a.close();
    b.close();
  }
  return ROUND_TRIPS;
}

async function kitPingPong(backend: "deno" | "node"): Promise<number> {
  await using a = await udp.bind({ hostname: LOOPBACK, backend });
  await using b = await udp.bind({ hostname: LOOPBACK, backend });
  const ping = new Uint8Array(PING_BYTES);
  const echo = (async () => {
    for (let i = 0; i < ROUND_TRIPS; i++) {
      const [data, from] = await udp.recvFrom(b);
      await udp.sendTo(b, data, from);
    }
  })();
  for (let i = 0; i < ROUND_TRIPS; i++) {
    await udp.sendTo(a, ping, b.localAddr);
    const [data] = await udp.recvFrom(a);
    if (data.length !== PING_BYTES) throw new Error("short reply");
  }
  await echo;
  return ROUND_TRIPS;
}

/** A node:dgram socket bound to an ephemeral loopback port. */
function nodeSocket(): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket("udp4");
    socket.once("error", reject);
    socket.bind(0, LOOPBACK, () => resolve(socket));
  });
}

function closeNode(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => socket.close(() => resolve()));
}

/** Sends one datagram on a node:dgram socket, resolving when it has gone. */
function nodeSend(
  socket: dgram.Socket,
  data: Uint8Array,
  port: number,
): Promise<void> {
  return new Promise((resolve, reject) =>
    socket.send(data, port, LOOPBACK, (err) => err ? reject(err) : resolve())
  );
}

/**
 * The node:dgram ping-pong a careful hand writes: the echo side answers from
 * its event handler, the pinging side awaits each send and each reply.
 */
async function rawNodePingPong(): Promise<number> {
  const a = await nodeSocket();
  const b = await nodeSocket();
  try {
    b.on("message", (msg, from) => b.send(msg, from.port, from.address));
    let wake: ((msg: Uint8Array) => void) | null = null;
    a.on("message", (msg) => {
      const resolve = wake;
      wake = null;
      resolve?.(msg);
    });
    const ping = new Uint8Array(PING_BYTES);
    const port = b.address().port;
    for (let i = 0; i < ROUND_TRIPS; i++) {
      const reply = new Promise<Uint8Array>((resolve) => wake = resolve);
      await nodeSend(a, ping, port);
      if ((await reply).length !== PING_BYTES) throw new Error("short reply");
    }
  } finally {
    await closeNode(a);
    await closeNode(b);
  }
  return ROUND_TRIPS;
}

/** The node:dgram flood: the same window, counted in the event handler. */
async function rawNodeFlood(): Promise<number> {
  const tx = await nodeSocket();
  const rx = await nodeSocket();
  try {
    const data = new Uint8Array(PING_BYTES);
    const window = new Window();
    const received = new Promise<void>((resolve, reject) => {
      rx.on("message", (msg) => {
        if (msg.length !== PING_BYTES) reject(new Error("short"));
        window.got();
        if (window.received === FLOOD_DATAGRAMS) resolve();
      });
    });
    const port = rx.address().port;
    for (let sent = 0; sent < FLOOD_DATAGRAMS; sent++) {
      if (sent - window.received >= FLOOD_WINDOW) await window.room(sent);
      await nodeSend(tx, data, port);
    }
    await received;
  } finally {
    await closeNode(tx);
    await closeNode(rx);
  }
  return FLOOD_DATAGRAMS;
}

/**
 * Flow control for a one-way flood: the sender waits while `FLOOD_WINDOW`
 * datagrams are in flight, so the kernel never drops one on loopback.
 */
class Window {
  received = 0;
  #wake: (() => void) | null = null;

  /** Counts one received datagram, waking the sender if it waits. */
  got(): void {
    this.received++;
    const wake = this.#wake;
    if (wake !== null) {
      this.#wake = null;
      wake();
    }
  }

  /** Resolves once the sender may send datagram number `sent`. */
  async room(sent: number): Promise<void> {
    while (sent - this.received >= FLOOD_WINDOW) {
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
  }
}

async function rawFlood(): Promise<number> {
  const tx = rawSocket();
  const rx = rawSocket();
  try {
    const data = new Uint8Array(PING_BYTES);
    const buf = new Uint8Array(65_536);
    const window = new Window();
    const receiving = (async () => {
      while (window.received < FLOOD_DATAGRAMS) {
        const [got] = await rx.receive(buf);
        if (got.slice().length !== PING_BYTES) throw new Error("short");
        window.got();
      }
    })();
    const to = rx.addr;
    for (let sent = 0; sent < FLOOD_DATAGRAMS; sent++) {
      if (sent - window.received >= FLOOD_WINDOW) await window.room(sent);
      await tx.send(data, to);
    }
    await receiving;
  } finally {
    tx.close();
    rx.close();
  }
  return FLOOD_DATAGRAMS;
}

async function kitFlood(backend: "deno" | "node"): Promise<number> {
  await using tx = await udp.bind({ hostname: LOOPBACK, backend });
  await using rx = await udp.bind({ hostname: LOOPBACK, backend });
  const data = new Uint8Array(PING_BYTES);
  const window = new Window();
  const receiving = (async () => {
    while (window.received < FLOOD_DATAGRAMS) {
      const [got] = await udp.recvFrom(rx);
      if (got.length !== PING_BYTES) throw new Error("short");
      window.got();
    }
  })();
  const to = rx.localAddr;
  for (let sent = 0; sent < FLOOD_DATAGRAMS; sent++) {
    if (sent - window.received >= FLOOD_WINDOW) await window.room(sent);
    await udp.sendTo(tx, data, to);
  }
  await receiving;
  return FLOOD_DATAGRAMS;
}

/** The udp comparisons. */
export function cases(): Case[] {
  return [
    {
      name: "udp ping-pong 64 B (deno backend)",
      unit: "round trips",
      raw: rawPingPong,
      kit: () => kitPingPong("deno"),
    },
    {
      name: "udp ping-pong 64 B (node backend)",
      unit: "round trips",
      raw: rawPingPong,
      kit: () => kitPingPong("node"),
    },
    {
      name: "udp flood 64 B one-way (deno backend)",
      unit: "datagrams",
      raw: rawFlood,
      kit: () => kitFlood("deno"),
    },
    {
      name: "udp flood 64 B one-way (node backend)",
      unit: "datagrams",
      raw: rawFlood,
      kit: () => kitFlood("node"),
    },
    // The node backend's own cost: the same work on raw node:dgram, which is
    // what the backend runs on (Deno's node:dgram is what makes it slower
    // than Deno.listenDatagram, not the layer above it).
    {
      name: "udp ping-pong 64 B (node backend; raw = node:dgram)",
      unit: "round trips",
      raw: rawNodePingPong,
      kit: () => kitPingPong("node"),
    },
    {
      name: "udp flood 64 B one-way (node backend; raw = node:dgram)",
      unit: "datagrams",
      raw: rawNodeFlood,
      kit: () => kitFlood("node"),
    },
  ];
}
