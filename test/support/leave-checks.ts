// Lesson 10's check that a client that leaves is forgotten at once, as later
// lessons carry it forward (the capstone too): clients come and go in rounds of
// 20, then the server's own process is measured (host.ts stats): no write to a
// closed response, no timer, socket, response or listener left behind.
import type { RunningServer, Stats } from './lesson-host.ts';
import { pollUntil } from './poll.ts';
import type { Stream } from './sse.ts';
import { check } from './teach.ts';

const timers = (stats: Stats) => stats.resources.Timeout ?? 0;
const sockets = (stats: Stats) => stats.resources.TCPSocketWrap ?? 0;
const statsWhen = (server: RunningServer, done: (stats: Stats) => boolean, withinMs: number): Promise<Stats> =>
  pollUntil(() => server.stats(), done, withinMs);

/**
 * Opens `clients` streams with `join` (20 at a time, each closed once open) on a
 * server whose streams get a heartbeat or an event every few ms, then fails
 * unless nothing of them is left in the server's process. `read` is where
 * forgetting a client is taught.
 */
export async function expectNothingLeftAfter(server: RunningServer, join: () => Promise<Stream>, clients: number, read: string): Promise<void> {
  const before = await statsWhen(server, (stats) => stats.openResponses === 0, 1000);
  for (let round = 0; round < clients / 20; round++) {
    const streams = await Promise.all(Array.from({ length: 20 }, join));
    for (const stream of streams) stream.close();
  }
  await statsWhen(server, (stats) => stats.openResponses <= before.openResponses, 1500);
  // A stream left subscribed gets the next ticks: fail as soon as one write to a closed response shows.
  const after = await statsWhen(server, (stats) => stats.writesAfterClose > before.writesAfterClose, 200);
  const writes = after.writesAfterClose - before.writesAfterClose;
  check(writes === 0, {
    expected: 'no write to a response after its client has gone: a stream that closes leaves the subscribers at once',
    got: `${writes} write(s) to closed responses within 200 ms after ${clients} clients left: something still writes to each of them (a subscription to the events, or a heartbeat), for ever`,
    hint: 'When a stream closes, unsubscribe it as well as stopping its heartbeat.',
    read,
  });
  const settled = await statsWhen(
    server,
    (stats) => timers(stats) <= timers(before) && sockets(stats) <= sockets(before) && stats.openResponses <= before.openResponses,
    1000,
  );
  check(timers(settled) <= timers(before), {
    expected: `no timer left behind by the ${clients} clients`,
    got: `${timers(settled) - timers(before)} more timer(s) running than before they came`,
    hint: 'Each stream\'s heartbeat stops when the stream closes (lesson 09).',
    read,
  });
  check(sockets(settled) <= sockets(before) && settled.openResponses <= before.openResponses, {
    expected: 'every socket and response of those clients closed',
    got: `${settled.openResponses - before.openResponses} response(s) and ${sockets(settled) - sockets(before)} socket(s) still open`,
    read,
  });
  check(settled.processListeners <= before.processListeners && settled.serverListeners <= before.serverListeners, {
    expected: 'no listener added to process or to the server per client',
    got: `${settled.processListeners - before.processListeners} more listener(s) on process and ${settled.serverListeners - before.serverListeners} on the server`,
    hint: 'Listen for the end of a stream on res, which goes away with it.',
    read,
  });
}
