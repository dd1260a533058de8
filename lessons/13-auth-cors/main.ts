// Runs the app as a real process: `node --import tsx main.ts`, or in production
// under a process manager (systemd, Docker, Kubernetes) that stops it with
// SIGTERM before it starts the next version.
import { createApp } from './server.ts';

/** How long the stop may take before the remaining connections are cut. */
const GRACE_MS = 5000;

const port = Number(process.env.PORT ?? 3000);
const app = createApp();
const server = app.listen(port, () => {
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  console.log(`Listening on http://localhost:${actual}`);
});

process.once('SIGTERM', () => {
  console.log('SIGTERM: ending every stream and closing the server');
  // No new connections from now on; the callback runs once every connection has closed.
  server.close(() => {
    console.log('Stopped cleanly');
  });
  // Without this, server.close() waits for every open stream, for ever.
  app.stop();
  // An ended stream leaves its connection open and idle, ready for the next
  // request (keep-alive): close those as soon as the last bytes are sent.
  setImmediate(() => server.closeIdleConnections());
  // A client that does not read its last bytes must not hold the stop up.
  setTimeout(() => server.closeAllConnections(), GRACE_MS).unref();
});
