// Lesson 01: headers and flushHeaders. Read docs/01-headers.md first.
// Check your work with: npm test lesson-01
import express from 'express';

export function createApp() {
  const app = express();

  app.get('/events', (req, res) => {
    // TODO 1: make this response an event stream: status 200 and the three
    // headers in the table of docs/01-headers.md#the-three-headers.

    // TODO 2: the client must get the status line and those headers now,
    // before any event exists. Setting headers does not send them.
    // (docs/01-headers.md#flushheaders)

    // Keep the response open: do not end it here.
    // (docs/01-headers.md#keep-the-response-open)
  });

  return app;
}
