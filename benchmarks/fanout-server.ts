// One broadcaster of the fan-out benchmark, in a process of its own (run by
// benchmarks/fanout.ts over IPC): `capstone` (lesson 14's app and its hub),
// `raw` (node:http, one Buffer written to every response) or `better-sse`
// (0.16.1: a Channel of sessions, behind Express). Every one sends the same
// event: "event: chat", an id, and the same JSON data.
//   node --expose-gc --import tsx benchmarks/fanout-server.ts <kind> <host>
// It answers with the port and the path its clients open.
// Each kind loads only what it uses (imported when it starts), so that starting
// the three processes costs no more than it must.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatEvent } from '../solutions/14-capstone/sse-format.ts';
import { KINDS, type Kind } from './fanout-report.ts';

type Command = { op: 'broadcast'; seq: number } | { op: 'cpu' } | { op: 'heap' } | { op: 'connected' };

const gc = (globalThis as { gc?: () => void }).gc;

/** The data of broadcast number `seq`, the size of a chat message. */
const payload = (seq: number) => JSON.stringify({ user: 'alice', text: `message ${seq} to everyone in the room`, sentAt: Date.now() });

interface Broadcaster {
  handler: http.RequestListener;
  broadcast(seq: number): void;
  /** What a client opens, once the server listens on `origin`. */
  eventsPath(origin: string): Promise<string>;
}

async function capstone(): Promise<Broadcaster> {
  // The capstone as shipped, with a login (lesson 13) when it has one. Heartbeats
  // and the slow-client limit stay on, far enough away not to fire during a run.
  const options = {
    users: { bench: 'bench-password' },
    tokenTtlMs: 24 * 3_600_000,
    heartbeatMs: 3_600_000,
    maxQueuedBytes: 64 * 1024 * 1024,
  };
  const { createApp } = await import('../solutions/14-capstone/server.ts');
  const app = await createApp(options);
  return {
    handler: app,
    // Through the capstone's feed: it numbers the event and hands it to the hub.
    broadcast: (seq) => void app.feed.publish({ event: 'chat', data: payload(seq) }),
    eventsPath: async (origin) => {
      const login = await fetch(`${origin}/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ user: 'bench', password: 'bench-password' }),
      });
      if (login.status === 404) return '/events'; // a capstone without a login
      const { token } = (await login.json()) as { token?: string };
      if (!login.ok || typeof token !== 'string') throw new Error(`POST /login answered ${login.status}`);
      return `/events?token=${encodeURIComponent(token)}`;
    },
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
    eventsPath: async () => '/events',
  };
}

async function betterSse(): Promise<Broadcaster> {
  const { default: express } = await import('express');
  const { createChannel, createSession } = await import('better-sse');
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
    eventsPath: async () => '/events',
  };
}

const [kind, host = '127.0.0.1'] = process.argv.slice(2) as [Kind, string?];
if (!KINDS.includes(kind)) {
  console.error(`fanout-server: unknown kind ${JSON.stringify(kind)} (one of ${KINDS.join(', ')})`);
  process.exit(1);
}
const broadcaster = kind === 'capstone' ? await capstone() : kind === 'raw' ? raw() : await betterSse();
const server = http.createServer(broadcaster.handler);
server.maxConnections = 20_000;
server.listen({ port: 0, host, backlog: 4096 }, async () => {
  const { port } = server.address() as AddressInfo;
  try {
    process.send?.({ port, path: await broadcaster.eventsPath(`http://${host}:${port}`) });
  } catch (error) {
    process.send?.({ failed: `${kind}: ${(error as Error).message}` });
  }
});

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
      // Open connections, the same count for every broadcaster (their clients keep one stream each).
      return server.getConnections((_error, count) => process.send?.({ connected: count }));
    case 'broadcast': {
      cpuStart = process.cpuUsage();
      // The machine's monotonic clock, which the readers' process reads too.
      const sentAt = Number(process.hrtime.bigint()) / 1e6;
      broadcaster.broadcast(command.seq);
      return process.send?.({ sentAt });
    }
    case 'cpu': {
      // Asked once every client got the event: the writes, and what Node did afterwards to send them.
      const used = process.cpuUsage(cpuStart);
      return process.send?.({ cpuMicros: used.user + used.system });
    }
  }
});
process.on('disconnect', () => process.exit(0));
