// Lesson 04: a counter every intervalMs. Read docs/04-counter.md first.
// Check your work with: npm test lesson-04
import express from 'express';

export interface ServerOptions {
  /** How long a client waits before reconnecting, in ms. Default 10000. */
  retryMs?: number;
  /** Time between two counter events, in ms. Default 1000. */
  intervalMs?: number;
}

export function createApp(options: ServerOptions = {}) {
  const retryMs = options.retryMs ?? 10_000;
  // TODO 1: read the time between two events from options.intervalMs, with
  // 1000 when it is not given. (docs/04-counter.md#the-interval-option)
  const app = express();

  app.get('/events', (req, res) => {
    // From lesson 01: the three headers of an event stream, sent right away.
    res.set({
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });
    res.flushHeaders();

    // From lesson 03: how long to wait before reconnecting if the stream drops.
    res.write(`retry: ${retryMs}\n\n`);

    // TODO 2: replace the hello event with a counter: data: 1, data: 2, ...
    // one event every intervalMs, and each connection counts from 1.
    // (docs/04-counter.md#one-event-per-tick)
    // TODO 3: build each event with backticks, so that ${...} becomes the
    // number. (docs/04-counter.md#quotes-or-backticks)
    res.write('data: hello\n\n');
  });

  return app;
}
