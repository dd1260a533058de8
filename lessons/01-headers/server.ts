// Lesson 01: headers and flushHeaders. Read docs/01-headers.md first.
// Check your work with: npm test lesson-01
import express from 'express';

export function createApp() {
  const app = express();

  app.get('/events', (req, res) => {
    // TODO 1: set the three headers of an event stream:
    //   Content-Type: text/event-stream
    //   Cache-Control: no-cache
    //   Connection: keep-alive
    // (docs/01-headers.md#the-three-headers)

    // TODO 2: send the headers to the client now, before any event.
    // (docs/01-headers.md#flushheaders)
  });

  return app;
}
