// Lesson 05: the client, EventSource in Node and in the browser. Read docs/05-client.md first.
// This lesson has three files: server.ts (this one), public/index.html and client.ts.
// Check your work with: npm test lesson-05
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

  // TODO 1: answer GET / with the page public/index.html, found from the folder
  //   of this file (here), wherever Node was started from.
  //   (docs/05-client.md#serve-the-page)

  app.get('/events', (req, res) => {
    res.set({
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });
    res.flushHeaders();
    res.write(`retry: ${retryMs}\n\n`);

    let count = 0;
    setInterval(() => {
      count++;
      res.write(`data: ${count}\n\n`);
    }, intervalMs);
  });

  return app;
}
