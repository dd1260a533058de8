// Lesson 07: event names, ids and framing that cannot be forged. Read docs/07-framing.md first.
// This is the reference solution of lesson 06, with TODOs. Start with sse-format.ts (TODO 1).
// Check your work with: npm test lesson-07
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
// TODO 3: import formatEvent and formatComment from ./sse-format.ts and write
//   everything /events sends with them, no hand-written "data: ..." any more.
//   (docs/07-framing.md#one-function-for-every-event)

export interface ServerOptions {
  /** How long a client waits before reconnecting, in ms. Default 10000. */
  retryMs?: number;
  /** Time between two counter events, in ms. Default 1000. */
  intervalMs?: number;
}

// The folder of this file, so the page is found wherever the server is started.
const here = path.dirname(fileURLToPath(import.meta.url));

export function createApp(options: ServerOptions = {}) {
  const retryMs = options.retryMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 1000;
  const app = express();

  // The browser page that shows the events. Give sendFile the folder as root:
  // with a full path instead, it refuses any file below a folder whose name
  // starts with a dot, such as ~/.code/.
  app.get('/', (req, res) => {
    res.sendFile('index.html', { root: path.join(here, 'public') });
  });

  app.get('/events', (req, res) => {
    res.set({
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });
    res.flushHeaders();
    // TODO 4: start the stream with a comment that says what it is, for whoever
    //   reads it with curl. (docs/07-framing.md#comments)
    // TODO 5: greet the caller: an event named welcome whose data is "Hello, "
    //   and the name from the query string (?name=Ada), or "stranger" when
    //   there is not exactly one. Whoever connects chooses that name, line
    //   breaks included. Keep the retry field. (docs/07-framing.md#your-task)
    res.write(`retry: ${retryMs}\n\n`);

    let count = 0;
    const timer = setInterval(() => {
      count++;
      // TODO 6: make each tick an event named tick, with the count as its id
      //   and JSON data such as {"count":3}.
      //   (docs/07-framing.md#named-events-and-addeventlistener, #ids, #json-payloads)
      res.write(`data: ${count}\n\n`);
    }, intervalMs);

    // "close" fires when the connection is gone, whoever closed it. Stop the
    // timer, or it writes to a dead connection for as long as the server runs.
    res.on('close', () => {
      clearInterval(timer);
    });
  });

  return app;
}
