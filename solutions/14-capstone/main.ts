// Runs the chat as a real process: `node --import tsx main.ts`, or in
// production under a process manager (systemd, Docker, Kubernetes) that stops
// it with SIGTERM before it starts the next version. Run several, with the same
// REDIS_URL and TOKEN_SECRET, behind a load balancer:
//   PORT=3000 REDIS_URL=redis://127.0.0.1:6379 TOKEN_SECRET=... USERS='{"ada":"correct horse"}' node --import tsx main.ts
import { createApp } from './server.ts';

/** How long the stop may take before the remaining connections are cut. */
const GRACE_MS = 5000;

const port = Number(process.env.PORT ?? 3000);
const app = await createApp({
  // Who may sign in, as JSON: {"user": "password"}. A real chat asks its user database.
  users: process.env.USERS ? (JSON.parse(process.env.USERS) as Record<string, string>) : {},
  // Shared by every process, so a token from one is good on all of them.
  tokenSecret: process.env.TOKEN_SECRET,
});
const server = app.listen(port, () => {
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  console.log(`Listening on http://localhost:${actual}`);
});

process.once('SIGTERM', () => {
  console.log('SIGTERM: ending every stream, closing the server and the feed');
  // No new connections from now on; the callback runs once every connection has closed.
  server.close(() => {
    console.log('Stopped cleanly');
  });
  // Ends every stream and closes the Redis connections: without it, the
  // open streams and the Redis clients keep the process alive.
  void app.stop();
  // An ended stream leaves its connection open and idle, ready for the next
  // request (keep-alive): close those as soon as the last bytes are sent.
  setImmediate(() => server.closeIdleConnections());
  // A client that does not read its last bytes must not hold the stop up.
  setTimeout(() => server.closeAllConnections(), GRACE_MS).unref();
});
