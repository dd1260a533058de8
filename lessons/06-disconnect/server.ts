// Lesson 06: disconnect handling. Read docs/06-disconnect.md first.
// client.ts and public/index.html are copies of lesson 05's reference solution and
// must keep working; only this file changes.
// Check your work with: npm test lesson-06
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
    // TODO 1: keep hold of this connection's timer, so that it can be stopped
    //   later. (docs/06-disconnect.md#one-timer-per-connection)
    setInterval(() => {
      count++;
      res.write(`data: ${count}\n\n`);
    }, intervalMs);

    // TODO 2: when this client goes away, stop its timer, and only its own.
    //   (docs/06-disconnect.md#the-close-event)
  });

  return app;
}
