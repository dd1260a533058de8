// Lesson 02: res.write versus res.end. Read docs/02-write-vs-end.md first.
// Check your work with: npm test lesson-02
import express from 'express';

export function createApp() {
  const app = express();

  app.get('/events', (req, res) => {
    // From lesson 01: the three headers of an event stream, sent right away.
    res.set({
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });
    res.flushHeaders();

    // TODO 1: send one event whose data is hello: a data field, then the
    // empty line that ends the event. (docs/02-write-vs-end.md#what-an-event-looks-like)

    // TODO 2: send it so that the response stays open for more events.
    // (docs/02-write-vs-end.md#reswrite-keeps-the-response-open)
  });

  return app;
}
