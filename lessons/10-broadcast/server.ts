// Lesson 10: broadcast to many clients. Read docs/10-broadcast.md first.
// This is the reference solution of lesson 09, so that everyone starts from the
// same place, plus hub.ts (fill that in first); the page and client.ts already
// show chat events. Check your work with: npm test lesson-10
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Response } from 'express';
import { EventHistory } from './history.ts';
import { formatComment, formatEvent, type SseEvent } from './sse-format.ts';

export interface ServerOptions {
  /** How long a client waits before reconnecting, in ms. Default 10000. */
  retryMs?: number;
  /** Time between two tick events, in ms. Default 1000. */
  intervalMs?: number;
  /** How many of the latest events are kept for clients that come back. Default 100. */
  historySize?: number;
  /** Time between two heartbeat comments on each open stream, in ms. Default 15000. */
  heartbeatMs?: number;
}

// The folder of this file, so the page is found wherever the server is started.
const here = path.dirname(fileURLToPath(import.meta.url));

export function createApp(options: ServerOptions = {}) {
  const retryMs = options.retryMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 1000;
  const historySize = options.historySize ?? 100;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const app = express();

  // One sequence of events for the whole server, whoever is connected: each
  // tick gets the next id, goes into the history, then to every open stream.
  // The timer runs as long as the process; lesson 12 stops it cleanly.
  // TODO 6: hand all of this to a Hub (hub.ts): the ticks are published to it,
  //   and so are chat messages (TODO 9). (docs/10-broadcast.md#one-source-many-subscribers)
  const history = new EventHistory(historySize);
  const streams = new Set<Response>();
  let count = 0;
  setInterval(() => {
    count++;
    const tick: SseEvent = { event: 'tick', id: String(count), data: JSON.stringify({ count }) };
    history.add(tick);
    for (const res of streams) {
      res.write(formatEvent(tick));
    }
  }, intervalMs);

  // The browser page that shows the events. Give sendFile the folder as root:
  // with a full path instead, it refuses any file below a folder whose name
  // starts with a dot, such as ~/.code/.
  app.get('/', (req, res) => {
    res.sendFile('index.html', { root: path.join(here, 'public') });
  });

  app.get('/events', (req, res) => {
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
      const missed = history.after(lastEventId);
      if (missed === undefined) {
        res.write(formatEvent({ event: 'reset', data: 'Some events you missed are gone: reload your state.' }));
      } else {
        for (const event of missed) {
          res.write(formatEvent(event));
        }
      }
    }

    // Live events from now on. The replay above and this line run without a
    // pause in between, so no tick can fall between them, or arrive twice.
    // TODO 7: subscribe the stream to the hub instead.
    streams.add(res);

    // A comment every heartbeatMs, however quiet the ticks are: a proxy sees
    // traffic and keeps the stream open, and a client that vanished without
    // closing the connection is found out, because writing to it fails.
    const heartbeat = setInterval(() => {
      res.write(formatComment('heartbeat'));
    }, heartbeatMs);

    // "close" fires when the connection is gone, whoever closed it. Stop
    // writing to it, or every tick and heartbeat goes to a dead connection, for ever.
    res.on('close', () => {
      // TODO 8: and unsubscribe it from the hub. (docs/10-broadcast.md#forget-a-client-at-once)
      streams.delete(res);
      clearInterval(heartbeat);
    });
  });

  // TODO 9: anyone may publish a chat message: POST /messages with a JSON body
  //   {"text": "..."}. Every connected client gets the text as an event named
  //   "chat", with the next id; a body without a non-empty string text gets a
  //   400. (docs/10-broadcast.md#publishing-from-outside-post-messages,
  //   docs/10-broadcast.md#a-message-is-data-not-fields)

  return app;
}
