import express from 'express';

export function createApp() {
  const app = express();

  app.get('/events', (req, res) => {
    // The three headers that make this response an event stream.
    res.set({
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });

    // Node keeps headers back until the first body byte. Nothing is written
    // yet, so send them now: the client knows at once that the stream is open.
    res.flushHeaders();
  });

  return app;
}
