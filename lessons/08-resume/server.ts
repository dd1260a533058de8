// Lesson 08: resume with Last-Event-ID. Read docs/08-resume.md first.
// This is the reference solution of lesson 07, so that everyone starts from the
// same place, plus history.ts (fill that in first). Check your work with: npm test lesson-08
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { formatComment, formatEvent } from './sse-format.ts';
// TODO: you will need the EventHistory of ./history.ts here.

export interface ServerOptions {
  /** How long a client waits before reconnecting, in ms. Default 10000. */
  retryMs?: number;
  /** Time between two tick events, in ms. Default 1000. */
  intervalMs?: number;
}

// The folder of this file, so the page is found wherever the server is started.
const here = path.dirname(fileURLToPath(import.meta.url));

export function createApp(options: ServerOptions = {}) {
  const retryMs = options.retryMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 1000;
  const app = express();

  // TODO 1: one sequence of ticks for the whole server, whoever is connected.
  //   Move the count and the timer out of the /events handler to here. Keep
  //   each tick in an EventHistory of options.historySize events (default 100,
  //   add it to ServerOptions), and write it to every open stream.
  //   (docs/08-resume.md#one-sequence-for-the-whole-server)

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
    });
    res.flushHeaders();
    res.write(formatComment(`a tick event every ${intervalMs} ms`));
    res.write(formatEvent({ event: 'welcome', data: `Hello, ${name}`, retry: retryMs }));

    // TODO 2: a client that comes back says, in a request header, which event
    //   it got last. Write the ticks it missed, from the history; when the
    //   history does not know that id, an event named reset instead.
    //   (docs/08-resume.md#the-last-event-id-header, docs/08-resume.md#when-the-id-is-unknown-or-too-old)

    // TODO 3: from then on, this stream gets the live ticks of TODO 1, until it
    //   closes, with nothing lost or sent twice in between.
    //   (docs/08-resume.md#replay-then-live)
    let count = 0;
    const timer = setInterval(() => {
      count++;
      res.write(formatEvent({ event: 'tick', id: String(count), data: JSON.stringify({ count }) }));
    }, intervalMs);

    // "close" fires when the connection is gone, whoever closed it. Stop the
    // timer, or it writes to a dead connection for as long as the server runs.
    res.on('close', () => {
      clearInterval(timer);
    });
  });

  return app;
}
