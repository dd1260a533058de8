// Lesson 09: heartbeats, proxies and compression. Read docs/09-heartbeats.md first.
// This is the reference solution of lesson 08, so that everyone starts from the
// same place. Only this file changes. Check your work with: npm test lesson-09
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
  // TODO 1: a heartbeatMs option: the time between two heartbeats on each open
  //   stream, in ms; 15000 when it is not given.
  //   (docs/09-heartbeats.md#idle-timeouts-and-heartbeats)
}

// The folder of this file, so the page is found wherever the server is started.
const here = path.dirname(fileURLToPath(import.meta.url));

export function createApp(options: ServerOptions = {}) {
  const retryMs = options.retryMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 1000;
  const historySize = options.historySize ?? 100;
  const app = express();

  // One sequence of events for the whole server, whoever is connected: each
  // tick gets the next id, goes into the history, then to every open stream.
  // The timer runs as long as the process; lesson 12 stops it cleanly.
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
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
      // TODO 2: in production a buffering proxy (nginx) and compression middleware
      //   can sit between this server and the browser, and both hold events back.
      //   Say in the response headers that neither may: no buffering, no transforming.
      //   (docs/09-heartbeats.md#buffering-proxies-and-x-accel-buffering,
      //   docs/09-heartbeats.md#compression-and-no-transform)
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
    streams.add(res);

    // TODO 3: every heartbeatMs, write this stream a line that keeps it alive
    //   through proxies however quiet the ticks are, and that no client ever
    //   sees as an event. (docs/09-heartbeats.md#idle-timeouts-and-heartbeats)

    // "close" fires when the connection is gone, whoever closed it. Stop
    // writing to it, or every tick goes to a dead connection, for ever.
    res.on('close', () => {
      streams.delete(res);
      // TODO 4: stop this stream's heartbeat too.
      //   (docs/09-heartbeats.md#one-heartbeat-per-stream-stopped-with-it)
    });
  });

  return app;
}
