// Lesson 12: stopping cleanly. Read docs/12-clean-stop.md first.
// This is the reference solution of lesson 11, plus main.ts, which runs it as a process.
// Check your work with: npm test lesson-12
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
  // TODO 1: a lastTick option: the count of the tick after which the stream is
  //   over. Then every open stream ends, and a client that comes back must be
  //   told to stop reconnecting for good. No last tick when it is not given.
  //   (docs/12-clean-stop.md#a-stream-that-is-over-204-no-content)
}

// The folder of this file, so the page is found wherever the server is started.
const here = path.dirname(fileURLToPath(import.meta.url));

export function createApp(options: ServerOptions = {}) {
  const retryMs = options.retryMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 1000;
  const historySize = options.historySize ?? 100;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxQueuedBytes = options.maxQueuedBytes ?? 1024 * 1024;
  const app = express();

  // One source of events for every client: the ticks and the chat messages
  // are published to the hub, which numbers them, keeps the latest ones and
  // sends each to every open stream. The timer runs as long as the process.
  // TODO 2: the ticks must stop after lastTick (TODO 1) and when the app is
  //   stopped (TODO 4). (docs/12-clean-stop.md#a-timer-keeps-the-process-alive)
  const hub = new Hub(historySize, maxQueuedBytes);
  let count = 0;
  setInterval(() => {
    count++;
    hub.publish({ event: 'tick', data: JSON.stringify({ count }) });
  }, intervalMs);

  // The browser page that shows the events. Give sendFile the folder as root:
  // with a full path instead, it refuses any file below a folder whose name
  // starts with a dot, such as ~/.code/.
  app.get('/', (req, res) => {
    res.sendFile('index.html', { root: path.join(here, 'public') });
  });

  app.get('/events', (req, res) => {
    // TODO 3: once the stream is over, answer so that an EventSource stops
    //   reconnecting, with no stream headers and no body.
    //   (docs/12-clean-stop.md#a-stream-that-is-over-204-no-content)

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
  app.post('/messages', express.json(), (req, res) => {
    const text: unknown = req.body?.text;
    if (typeof text !== 'string' || text === '') {
      res.status(400).json({ error: 'Send a JSON body with a non-empty string "text".' });
      return;
    }
    const event = hub.publish({ event: 'chat', data: text });
    res.status(201).json({ id: event.id });
  });

  // TODO 4: give the app a stop() method (app.stop()) that stops the ticks and
  //   ends every open stream, after a last event that tells the client it will
  //   reconnect. It does not close the HTTP server: main.ts owns that.
  //   (docs/12-clean-stop.md#stopping-the-app)
  return app;
}
