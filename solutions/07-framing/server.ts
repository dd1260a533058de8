import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { formatComment, formatEvent } from './sse-format.ts';

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
