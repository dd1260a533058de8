import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { DEMO_TOKENS, userOf } from './auth.ts';
import type { Feed } from './feed.ts';
import { Hub } from './hub.ts';
import { MemoryFeed } from './memory-feed.ts';
import { RedisFeed } from './redis-feed.ts';
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
  const redisUrl = options.redisUrl ?? process.env.REDIS_URL;
  const app = express();

  // The hub writes to this process's streams; the feed numbers, keeps and
  // delivers every event to the hub of every process (one, without Redis).
  const hub = new Hub(maxQueuedBytes);
  const deliver = (event: SseEvent) => hub.broadcast(event);
  const feed: Feed = redisUrl
    ? await RedisFeed.connect({ url: redisUrl, historySize }, deliver)
    : new MemoryFeed(historySize, deliver);

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

  // POST /messages with "Authorization: Bearer <token>" and {"text": "..."}.
  // Authentication comes first: an unknown caller learns nothing else.
  app.post('/messages', express.json(), async (req, res) => {
    const user = userOf(req, tokens);
    if (user === undefined) {
      res.set('WWW-Authenticate', 'Bearer').status(401).json({ error: 'Send "Authorization: Bearer <token>" with a known token.' });
      return;
    }
    const text: unknown = req.body?.text;
    if (typeof text !== 'string' || text === '') {
      res.status(400).json({ error: 'Send a JSON body with a non-empty string "text".' });
      return;
    }
    try {
      const event = await feed.publish({ event: 'chat', data: JSON.stringify({ user, text }) });
      res.status(201).json({ id: event.id });
    } catch (error) {
      // Redis is unreachable: say so, and keep serving everything else.
      res.status(503).json({ error: `The message could not be shared with the other processes: ${(error as Error).message}` });
    }
  });

  // The feed goes with the app, for whoever runs it: a clean stop closes it
  // (lesson 12), the fan-out benchmark publishes through it.
  return Object.assign(app, { feed });
}
