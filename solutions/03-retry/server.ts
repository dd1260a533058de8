import express from 'express';

export interface ServerOptions {
  /** How long a client waits before reconnecting, in ms. Default 10000. */
  retryMs?: number;
}

export function createApp(options: ServerOptions = {}) {
  const retryMs = options.retryMs ?? 10_000;
  const app = express();

  app.get('/events', (req, res) => {
    res.set({
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });
    res.flushHeaders();

    // Tell the client how long to wait before reconnecting if the stream drops.
    res.write(`retry: ${retryMs}\n\n`);
    res.write('data: hello\n\n');
  });

  return app;
}
