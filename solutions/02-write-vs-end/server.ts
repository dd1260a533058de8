import express from 'express';

export function createApp() {
  const app = express();

  app.get('/events', (req, res) => {
    res.set({
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });
    res.flushHeaders();

    // One event: a "data:" line, then an empty line that ends the event.
    // res.write sends it and leaves the response open for more.
    res.write('data: hello\n\n');
  });

  return app;
}
