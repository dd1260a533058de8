// Lesson 03: the retry field. Read docs/03-retry.md first.
// Check your work with: npm test lesson-03
import express from 'express';

export interface ServerOptions {
  /** How long a client waits before reconnecting, in ms. Default 10000. */
  retryMs?: number;
}

export function createApp(options: ServerOptions = {}) {
  // TODO 1: read the reconnection delay from options.retryMs; when it is not
  // given, use 10000 ms. (docs/03-retry.md#options-and-defaults)
  const app = express();

  app.get('/events', (req, res) => {
    // From lesson 01: the three headers of an event stream, sent right away.
    res.set({
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });
    res.flushHeaders();

    // TODO 2: before any event, tell the client that delay with the retry
    // field: a line of its own, then an empty line that closes the block.
    // (docs/03-retry.md#the-retry-field, docs/03-retry.md#retry-comes-first)

    // From lesson 02: one event, data: hello, and the response stays open.
    res.write('data: hello\n\n');
  });

  return app;
}
