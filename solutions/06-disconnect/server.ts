import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';

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
    res.write(`retry: ${retryMs}\n\n`);

    let count = 0;
    const timer = setInterval(() => {
      count++;
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
