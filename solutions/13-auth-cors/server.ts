import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Request, type Response } from 'express';
import { checkPassword, Tokens } from './auth.ts';
import { allowOrigins } from './cors.ts';
import { Hub } from './hub.ts';
import { formatComment, formatEvent } from './sse-format.ts';

export interface ServerOptions {
  /** How long a client waits before reconnecting, in ms. Default 10000. */
  retryMs?: number;
  /** Time between two tick events, in ms. Default 1000. */
  intervalMs?: number;
  /** How many of the latest events are kept for clients that come back. Default 100. */
  historySize?: number;
  /** Time between two heartbeat comments on each open stream, in ms. Default 15000. */
  heartbeatMs?: number;
  /**
   * How many bytes may wait in memory for one client that does not read fast
   * enough; past that, it is dropped. Default 1048576 (1 MiB).
   */
  maxQueuedBytes?: number;
  /**
   * The count of the last tick: after it the stream is over, every open stream
   * ends, and GET /events answers 204 No Content. Default: no last tick.
   */
  lastTick?: number;
  /** Who may sign in with POST /login: user name to password. Default: nobody. */
  users?: Record<string, string>;
  /** The key that signs tokens. Default: a random one per process (tokens die with it). */
  tokenSecret?: string;
  /** How long a token from POST /login is valid, in ms. Default 60000. */
  tokenTtlMs?: number;
  /** The origins (e.g. "https://chat.example.com") whose pages may use this server. Default: none. */
  allowedOrigins?: string[];
}

/** The Express app, plus the way to stop it cleanly. */
export type App = express.Express & {
  /**
   * Stops the ticks and ends every open stream, with a last event that tells
   * the client to come back later. Call it before closing the HTTP server:
   * server.close() alone waits for every open stream, for ever.
   */
  stop(): void;
};

// The folder of this file, so the page is found wherever the server is started.
const here = path.dirname(fileURLToPath(import.meta.url));

export function createApp(options: ServerOptions = {}): App {
  const retryMs = options.retryMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 1000;
  const historySize = options.historySize ?? 100;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxQueuedBytes = options.maxQueuedBytes ?? 1024 * 1024;
  const lastTick = options.lastTick;
  const users = options.users ?? {};
  const tokens = new Tokens(options.tokenSecret ?? randomBytes(32).toString('hex'), options.tokenTtlMs ?? 60_000);
  const app = express();

  // Every route answers pages of the allowed origins, and only those.
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

  // One source of events for every client: the ticks and the chat messages
  // are published to the hub, which numbers them, keeps the latest ones and
  // sends each to every open stream. Keep the timer: a timer that runs
  // keeps the process alive, so stopping means clearing it.
  const hub = new Hub(historySize, maxQueuedBytes);
  let count = 0;
  let over = false;
  const ticker = setInterval(() => {
    count++;
    hub.publish({ event: 'tick', data: JSON.stringify({ count }) });
    if (count === lastTick) {
      // The stream is over: end every open stream. Clients that come back get 204.
      over = true;
      clearInterval(ticker);
      hub.close();
    }
  }, intervalMs);

  // The browser page that shows the events. Give sendFile the folder as root:
  // with a full path instead, it refuses any file below a folder whose name
  // starts with a dot, such as ~/.code/.
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

  // The stream, for GET /events?token=... (the browser) and for POST /events
  // with an Authorization header and a JSON body {"name": "..."} (fetch clients).
  function stream(req: Request, res: Response, name: string): void {
    // 204 No Content tells an EventSource to stop reconnecting: there is
    // nothing more to come. Any other end of a stream makes it come back.
    if (over) {
      res.status(204).end();
      return;
    }

    res.set({
      'Content-Type': 'text/event-stream',
      // no-transform: nothing on the way may rewrite the stream, so compression
      // middleware and compressing proxies leave it alone instead of holding
      // events back to compress them.
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // nginx buffers what it proxies by default; this turns that off for this response.
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.write(formatComment(`a tick event every ${intervalMs} ms`));
    res.write(formatEvent({ event: 'welcome', data: `Hello, ${name}`, retry: retryMs }));

    // A client that comes back says which event it saw last. Send it what it
    // missed, or, when that is no longer known, tell it to start over.
    const lastEventId = req.get('Last-Event-ID');
    if (lastEventId) {
      const missed = hub.after(lastEventId);
      if (missed === undefined) {
        res.write(formatEvent({ event: 'reset', data: 'Some events you missed are gone: reload your state.' }));
      } else {
        for (const event of missed) {
          res.write(formatEvent(event));
        }
      }
    }

    // Live events from now on. The replay above and this line run without a
    // pause in between, so no event can fall between them, or arrive twice.
    hub.subscribe(res);

    // A comment every heartbeatMs, however quiet the ticks are: a proxy sees
    // traffic and keeps the stream open, and a client that vanished without
    // closing the connection is found out, because writing to it fails.
    const heartbeat = setInterval(() => {
      res.write(formatComment('heartbeat'));
    }, heartbeatMs);

    // "close" fires when the connection is gone, whoever closed it. Stop
    // writing to it, or every tick and heartbeat goes to a dead connection, for ever.
    // On res, never on req: req's "close" fires as soon as a POST's body has been read.
    res.on('close', () => {
      hub.unsubscribe(res);
      clearInterval(heartbeat);
    });
  }

  app.get('/events', (req, res) => {
    // Before anything of the stream is sent: a refused client gets a plain 401.
    if (refused(req, res)) {
      return;
    }
    // Whoever connects chooses the name, so it may hold anything, line breaks
    // included. (?name=a&name=b gives an array: greet a stranger then.)
    stream(req, res, typeof req.query.name === 'string' ? req.query.name : 'stranger');
  });

  app.post('/events', express.json(), (req, res) => {
    if (refused(req, res)) {
      return;
    }
    const name: unknown = req.body?.name;
    stream(req, res, typeof name === 'string' ? name : 'stranger');
  });

  // Signed-in users publish a chat message: POST /messages with {"text": "..."}
  // and an Authorization: Bearer header.
  // Every connected client gets it as a "chat" event. The text may hold line
  // breaks: formatEvent turns them into data lines, so no text can forge a field.
  app.post('/messages', express.json(), (req, res) => {
    if (refused(req, res)) {
      return;
    }
    const text: unknown = req.body?.text;
    if (typeof text !== 'string' || text === '') {
      res.status(400).json({ error: 'Send a JSON body with a non-empty string "text".' });
      return;
    }
    const event = hub.publish({ event: 'chat', data: text });
    res.status(201).json({ id: event.id });
  });

  function stop(): void {
    clearInterval(ticker);
    hub.close({ event: 'bye', data: 'This server is stopping: reconnecting to the next one.' });
  }

  return Object.assign(app, { stop });
}
