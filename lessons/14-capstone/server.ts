import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { DEMO_TOKENS } from './auth.ts';
import type { Feed } from './feed.ts';
import { Hub } from './hub.ts';
import { MemoryFeed } from './memory-feed.ts';
import { formatComment, formatEvent, type SseEvent } from './sse-format.ts';

export interface ServerOptions {
  /** How long a client waits before reconnecting, in ms. Default 10000. */
  retryMs?: number;
  /** How many of the latest events are kept for clients that come back. Default 100. */
  historySize?: number;
  /** Time between two heartbeat comments on each open stream, in ms. Default 15000. */
  heartbeatMs?: number;
  /** How many bytes may wait for one slow client before it is dropped. Default 1 MiB. */
  maxQueuedBytes?: number;
  /** Bearer token → user name: who may publish. Default: the demo accounts in auth.ts. */
  tokens?: Record<string, string>;
  /**
   * redis://host:port shared by every process of the chat. Default: the
   * REDIS_URL environment variable; without either, one process in memory.
   */
  redisUrl?: string;
}

// The folder of this file, so the page is found wherever the server is started.
const here = path.dirname(fileURLToPath(import.meta.url));

export async function createApp(options: ServerOptions = {}) {
  const retryMs = options.retryMs ?? 10_000;
  const historySize = options.historySize ?? 100;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxQueuedBytes = options.maxQueuedBytes ?? 1024 * 1024;
  const tokens = options.tokens ?? DEMO_TOKENS;
  const app = express();

  // The hub writes to this process's streams; the feed numbers, keeps and
  // delivers every event to the hub of every process (one, without Redis).
  const hub = new Hub(maxQueuedBytes);
  const deliver = (event: SseEvent) => hub.broadcast(event);
  // TODO 2: with a Redis URL (options.redisUrl, else the REDIS_URL
  // environment variable), every process must share one RedisFeed
  // (redis-feed.ts); without one, the MemoryFeed below is the embedded default.
  // Read docs/14-capstone.md#many-processes-one-redis
  const feed: Feed = new MemoryFeed(historySize, deliver);

  app.get('/', (req, res) => {
    res.sendFile('index.html', { root: path.join(here, 'public') });
  });

  app.get('/events', async (req, res) => {
    const name = typeof req.query.name === 'string' ? req.query.name : 'stranger';
    res.set({
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.write(formatEvent({ event: 'welcome', data: `Hello, ${name}`, retry: retryMs }));

    const heartbeat = setInterval(() => {
      res.write(formatComment('heartbeat'));
    }, heartbeatMs);
    res.on('close', () => {
      hub.unsubscribe(res);
      clearInterval(heartbeat);
    });

    const lastEventId = req.get('Last-Event-ID');
    if (!lastEventId) {
      hub.subscribe(res);
      return;
    }
    // Reading what was missed takes a moment (Redis is another process): the
    // hub keeps the live events for this stream meanwhile.
    hub.subscribeLater(res);
    let missed: SseEvent[] | undefined;
    try {
      missed = await feed.after(lastEventId);
    } catch {
      missed = undefined;
    }
    if (res.destroyed) return;
    if (missed === undefined) {
      res.write(formatEvent({ event: 'reset', data: 'Some events you missed are gone: reload your state.' }));
      hub.goLive(res, undefined);
      return;
    }
    for (const event of missed) {
      res.write(formatEvent(event));
    }
    hub.goLive(res, missed.at(-1)?.id ?? lastEventId);
  });

  // POST /messages with {"text": "..."}: every client of every process gets it.
  app.post('/messages', express.json(), async (req, res) => {
    // TODO 1: only a known bearer token may publish (userOf in auth.ts): answer
    // 401 before anything else, and publish under the token's user.
    // Read docs/14-capstone.md#who-may-publish
    const user = 'anonymous';
    const text: unknown = req.body?.text;
    if (typeof text !== 'string' || text === '') {
      res.status(400).json({ error: 'Send a JSON body with a non-empty string "text".' });
      return;
    }
    // TODO 5: when the feed cannot publish (Redis is down), answer 503 with a
    // clear error, and keep the process running.
    // Read docs/14-capstone.md#when-redis-is-down
    const event = await feed.publish({ event: 'chat', data: JSON.stringify({ user, text }) });
    res.status(201).json({ id: event.id });
  });

  // The feed goes with the app, for whoever runs it: a clean stop closes it
  // (lesson 12), the fan-out benchmark publishes through it.
  return Object.assign(app, { feed });
}
