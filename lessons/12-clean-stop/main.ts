// Runs the app as a real process: `node --import tsx main.ts`, or in production
// under a process manager (systemd, Docker, Kubernetes) that stops it with
// SIGTERM before it starts the next version.
import { createApp } from './server.ts';

const port = Number(process.env.PORT ?? 3000);
const app = createApp();
const server = app.listen(port, () => {
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  console.log(`Listening on http://localhost:${actual}`);
});

// TODO 6: when SIGTERM arrives, stop cleanly: no new connections, every open
//   stream ended (app.stop(), TODO 4), the connections closed, and the process
//   exits by itself within a few seconds, even with many streams open.
//   (docs/12-clean-stop.md#sigterm-the-polite-way-to-stop-a-process,
//   docs/12-clean-stop.md#what-serverclose-waits-for)
