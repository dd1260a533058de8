// Lesson 03: the retry field. Read docs/03-retry.md first.
// Check your work with: npm test lesson-03
import express from 'express';

export interface ServerOptions {
  /** How long a client waits before reconnecting, in ms. Default 10000. */
  retryMs?: number;
}

export function createApp(options: ServerOptions = {}) {
  // TODO 1: read the reconnection delay from options.retryMs, with 10000 when
  // it is not given. (docs/03-retry.md#options-and-defaults)
  const app = express();

  app.get('/events', (req, res) => {
    // From lesson 01: the three headers of an event stream, sent right away.
    res.set({
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });
    res.flushHeaders();

    // TODO 2: before any event, write the retry field with that delay: the line
    // "retry: 10000" (with your value) and a line break. Build the string with
    // backticks so that ${...} is replaced by the number.
    // (docs/03-retry.md#the-retry-field)

    // From lesson 02: one event, data: hello, and the response stays open.
    res.write('data: hello\n\n');
  });

  return app;
}
