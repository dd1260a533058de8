import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Request, type Response } from 'express';
import { checkPassword, Tokens } from './auth.ts';
import { allowOrigins } from './cors.ts';
import type { Feed } from './feed.ts';
import { Hub } from './hub.ts';
import { MemoryFeed } from './memory-feed.ts';
import { RedisFeed } from './redis-feed.ts';
import { formatEvent, type SseEvent } from './sse-format.ts';

export interface ServerOptions {
  /** How long a client waits before reconnecting, in ms. Default 10000. */
  retryMs?: number;
  /** How many of the latest events are kept for clients that come back. Default 100. */
  historySize?: number;
  /** Time between two heartbeat comments on each open stream, in ms. Default 15000. */
  heartbeatMs?: number;
  /** How many bytes may wait for one slow client before it is dropped. Default 1 MiB. */
  maxQueuedBytes?: number;
  /** Who may sign in with POST /login: user name to password. Default: nobody. */
  users?: Record<string, string>;
  /**
   * The key that signs tokens. Default: a random one per process. Several
   * processes of one chat must share it, or a token from one is refused by the others.
   */
  tokenSecret?: string;
  /** How long a token from POST /login is valid, in ms. Default 60000. */
  tokenTtlMs?: number;
  /** The origins (e.g. "https://chat.example.com") whose pages may use this server. Default: none. */
  allowedOrigins?: string[];
  /**
   * redis://host:port shared by every process of the chat. Default: the
   * REDIS_URL environment variable; without either, one process in memory.
   */
  redisUrl?: string;
}

/** The Express app, with its feed and the way to stop it cleanly. */
export type App = express.Express & {
  /** Where events are published and kept (the fan-out benchmark publishes through it). */
  feed: Feed;
  /**
   * Ends every open stream, with a last event that tells the client to come
   * back later, and closes the feed (its Redis connections). Call it before
   * closing the HTTP server: server.close() alone waits for every open stream.
   */
  stop(): Promise<void>;
};

// The folder of this file, so the page is found wherever the server is started.
const here = path.dirname(fileURLToPath(import.meta.url));

export async function createApp(options: ServerOptions = {}): Promise<App> {
  const retryMs = options.retryMs ?? 10_000;
  const historySize = options.historySize ?? 100;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxQueuedBytes = options.maxQueuedBytes ?? 1024 * 1024;
  const users = options.users ?? {};
  const tokens = new Tokens(options.tokenSecret ?? randomBytes(32).toString('hex'), options.tokenTtlMs ?? 60_000);
  const redisUrl = options.redisUrl ?? process.env.REDIS_URL;
  const app = express();

  // Every route answers pages of the allowed origins, and only those (lesson 13).
  app.use(allowOrigins(options.allowedOrigins ?? []));

  /**
   * The user of the request's token, from an Authorization: Bearer header or,
   * for the browser's EventSource (which cannot send headers), ?token= in the URL.
   */
  function userOf(req: Request): string | undefined {
    const header = req.get('Authorization');
    const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : req.query.token;
    return tokens.verify(token);
  }

  /** Answers 401 when the request has no valid token; the caller stops then. */
  function refused(req: Request, res: Response): boolean {
    if (userOf(req) !== undefined) {
      return false;
    }
    res.status(401).json({ error: 'Sign in first: POST /login, then send the token.' });
    return true;
  }

  // The hub writes to this process's streams; the feed numbers, keeps and
  // delivers every event to the hub of every process (one, without Redis).
  const hub = new Hub({ maxQueuedBytes, heartbeatMs });
  const deliver = (event: SseEvent) => hub.broadcast(event);
  const feed: Feed = redisUrl
    ? await RedisFeed.connect({ url: redisUrl, historySize }, deliver)
    : new MemoryFeed(historySize, deliver);

  app.get('/', (req, res) => {
    res.sendFile('index.html', { root: path.join(here, 'public') });
  });

  // Sign in: {"user": "...", "password": "..."} gives {"token": "..."}, short-lived.
  app.post('/login', express.json(), (req, res) => {
    const { user, password } = (req.body ?? {}) as { user?: unknown; password?: unknown };
    if (!checkPassword(users, user, password)) {
      res.status(401).json({ error: 'Unknown user or wrong password.' });
      return;
    }
    res.json({ token: tokens.issue(user) });
  });

  app.get('/events', async (req, res) => {
    // Before anything of the stream is sent: a refused client gets a plain 401.
    if (refused(req, res)) {
      return;
    }
    const name = typeof req.query.name === 'string' ? req.query.name : 'stranger';
    res.set({
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.write(formatEvent({ event: 'welcome', data: `Hello, ${name}`, retry: retryMs }));

    // The hub sends this stream its heartbeats too, with one timer for every stream.
    res.on('close', () => {
      hub.unsubscribe(res);
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

  // POST /messages with a token and {"text": "..."}: the token, not the body,
  // says who speaks. Every client of every process gets it.
  app.post('/messages', express.json(), async (req, res) => {
    if (refused(req, res)) {
      return;
    }
    const user = userOf(req);
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

  // The clean stop of lesson 12: every stream ends with a last event (the
  // heartbeat stops with them), and the feed lets go of Redis, so that nothing
  // keeps the process alive.
  async function stop(): Promise<void> {
    hub.close({ event: 'bye', data: 'This server is stopping: reconnecting to the next one.' });
    await feed.close();
  }

  return Object.assign(app, { feed, stop });
}
