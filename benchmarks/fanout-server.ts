// One broadcaster of the fan-out benchmark, in a process of its own (run by
// benchmarks/fanout.ts over IPC): `capstone` (lesson 14's app and its hub),
// `raw` (node:http, one Buffer written to every response) or `better-sse`
// (0.16.1: a Channel of sessions, behind Express). Every one sends the same
// event: "event: chat", an id, and the same JSON data.
//   node --expose-gc --import tsx benchmarks/fanout-server.ts <kind>
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createChannel, createSession } from 'better-sse';
import { createApp } from '../solutions/14-capstone/server.ts';
import { formatEvent } from '../solutions/14-capstone/sse-format.ts';
import { KINDS, type Kind } from './fanout-report.ts';


type Command = { op: 'broadcast'; seq: number } | { op: 'heap' } | { op: 'cpu' } | { op: 'connected' };

const gc = (globalThis as { gc?: () => void }).gc;

/** The data of broadcast number `seq`: when it was sent (for the latency), padded to a chat message's size. */
const payload = (seq: number) => JSON.stringify({ user: 'alice', text: `message ${seq} to everyone in the room`, sentAt: Date.now() });

interface Broadcaster {
  handler: http.RequestListener;
  broadcast(seq: number): void;
  connected(): number;
}

async function capstone(): Promise<Broadcaster> {
  const app = await createApp({ heartbeatMs: 3_600_000, maxQueuedBytes: 64 * 1024 * 1024 });
  let clients = 0;
  return {
    handler: (req, res) => {
      if (req.url === '/events') {
        clients++;
        res.once('close', () => clients--);
      }
      app(req, res);
    },
    // Through the capstone's feed: it numbers the event and hands it to the hub.
    broadcast: (seq) => void app.feed.publish({ event: 'chat', data: payload(seq) }),
    connected: () => clients,
  };
}

function raw(): Broadcaster {
  const responses = new Set<http.ServerResponse>();
  let lastId = 0;
  return {
    handler: (req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache, no-transform', 'X-Accel-Buffering': 'no' });
      res.write(formatEvent({ event: 'welcome', data: 'Hello', retry: 10_000 }));
      responses.add(res);
      res.on('close', () => responses.delete(res));
    },
    broadcast: (seq) => {
      lastId++;
      const bytes = Buffer.from(formatEvent({ event: 'chat', id: String(lastId), data: payload(seq) }));
      for (const res of responses) res.write(bytes);
    },
    connected: () => responses.size,
  };
}

function betterSse(): Broadcaster {
  const app = express();
  const channel = createChannel();
  let lastId = 0;
  app.get('/events', async (req, res) => {
    // No keep-alive comments during the measure; data sent as it is (not JSON-encoded again).
    const session = await createSession(req, res, { keepAlive: null, serializer: (data) => String(data) });
    channel.register(session);
  });
  return {
    handler: app,
    broadcast: (seq) => {
      lastId++;
      channel.broadcast(payload(seq), 'chat', { eventId: String(lastId) });
    },
    connected: () => channel.sessionCount,
  };
}

const kind = process.argv[2] as Kind;
if (!KINDS.includes(kind)) {
  console.error(`fanout-server: unknown kind ${JSON.stringify(kind)} (one of ${KINDS.join(', ')})`);
  process.exit(1);
}
const broadcaster = kind === 'capstone' ? await capstone() : kind === 'raw' ? raw() : betterSse();
const server = http.createServer(broadcaster.handler);
server.maxConnections = 20_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));

const heap = () => {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
};
let cpuStart: NodeJS.CpuUsage | undefined;

process.on('message', (command: Command) => {
  switch (command.op) {
    case 'heap':
      return process.send?.({ heap: heap() });
    case 'connected':
      return process.send?.({ connected: broadcaster.connected() });
    case 'broadcast': {
      cpuStart ??= process.cpuUsage();
      const sentAt = performance.timeOrigin + performance.now();
      broadcaster.broadcast(command.seq);
      return process.send?.({ sentAt });
    }
    case 'cpu': {
      // The CPU since the first broadcast: the writes, and everything Node does afterwards to send them.
      const used = process.cpuUsage(cpuStart);
      cpuStart = undefined;
      return process.send?.({ cpuMicros: used.user + used.system });
    }
  }
});
process.on('disconnect', () => process.exit(0));
