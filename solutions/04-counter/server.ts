import express from 'express';

export interface ServerOptions {
  /** How long a client waits before reconnecting, in ms. Default 10000. */
  retryMs?: number;
  /** Time between two counter events, in ms. Default 1000. */
  intervalMs?: number;
}

export function createApp(options: ServerOptions = {}) {
  const retryMs = options.retryMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 1000;
  const app = express();

  app.get('/events', (req, res) => {
    res.set({
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });
    res.flushHeaders();
    res.write(`retry: ${retryMs}\n\n`);

    // Each connection counts from 1. Backticks, not quotes: ${count} must be
    // replaced by the number.
    let count = 0;
    setInterval(() => {
      count++;
      res.write(`data: ${count}\n\n`);
    }, intervalMs);
  });

  return app;
}
