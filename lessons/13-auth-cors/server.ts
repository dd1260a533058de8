// Lesson 13: who may listen: auth and CORS. Read docs/13-auth-cors.md first.
// This is the reference solution of lesson 12, plus auth.ts and cors.ts to fill in.
// Check your work with: npm test lesson-13
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
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
  const app = express();
  // TODO 5: read the options of this lesson (safe defaults: nobody may sign in,
  //   a random secret, tokens valid for 60 s, no other origin allowed) and put
  //   allowOrigins (cors.ts) in front of every route.
  //   (docs/13-auth-cors.md#cors-which-pages-may-read-the-stream)

  // TODO 6: POST /login with {"user", "password"}: 200 {"token"} for a user of
  //   the users option, 401 otherwise. (docs/13-auth-cors.md#who-is-asking-a-short-lived-token)

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

  // TODO 7: only a client with a valid token may listen: from ?token= (the
  //   browser's EventSource cannot send headers) or Authorization: Bearer.
  //   Refuse the others with 401 before anything of the stream is sent.
  //   (docs/13-auth-cors.md#refuse-before-the-stream-starts)
  // TODO 8: the same stream for POST /events with a JSON body {"name": "..."},
  //   for clients that send the token in a header. (docs/13-auth-cors.md#a-stream-that-answers-a-post)
  app.get('/events', (req, res) => {
    // 204 No Content tells an EventSource to stop reconnecting: there is
    // nothing more to come. Any other end of a stream makes it come back.
    if (over) {
      res.status(204).end();
      return;
    }

    // Whoever connects chooses the name, so it may hold anything, line breaks
    // included. (?name=a&name=b gives an array: greet a stranger then.)
    const name = typeof req.query.name === 'string' ? req.query.name : 'stranger';

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
    res.on('close', () => {
      hub.unsubscribe(res);
      clearInterval(heartbeat);
    });
  });

  // Anyone may publish a chat message: POST /messages with {"text": "..."}.
  // Every connected client gets it as a "chat" event. The text may hold line
  // breaks: formatEvent turns them into data lines, so no text can forge a field.
  // TODO 9: only signed-in users publish (a token, as for the stream).
  //   (docs/13-auth-cors.md#who-is-asking-a-short-lived-token)
  app.post('/messages', express.json(), (req, res) => {
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
