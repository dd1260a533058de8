// Lesson 06: when a client goes away, its timer goes too. The server's process
// reports its timers, sockets, listeners and any write to a response whose
// client had already gone (stats()), so a leak shows up as numbers.
import fs from 'node:fs';
import { describe, test } from 'vitest';
import { expectPageServed, probeDefaults } from './support/earlier-lessons.ts';
import { connect, expectSseHeaders } from './support/expect-sse.ts';
import { useLesson, type RunningServer, type Stats } from './support/lesson-host.ts';
import { expectClientStillWorks, nodeClientChecks } from './support/node-client.ts';
import { pollUntil } from './support/poll.ts';
import type { Stream } from './support/sse.ts';
import { targetFile } from './support/target.ts';
import { check, type Teaching } from './support/teach.ts';

const lesson = useLesson('06', 'docs/06-disconnect.md');
const expectDefaults = probeDefaults(lesson);
const client = nodeClientChecks(lesson);

/** A fast counter, so a few intervals pass in a fraction of a second. */
const INTERVAL_MS = 20;
/** How long after a client's close its timer may still be pending: a loop asleep for an interval, on a busy machine. */
const LEFTOVER_GRACE_MS = 15 * INTERVAL_MS;

const READ = {
  counter: 'docs/06-disconnect.md#one-timer-per-connection',
  close: 'docs/06-disconnect.md#the-close-event',
  leak: 'docs/06-disconnect.md#what-happens-when-a-client-leaves',
  block: 'docs/06-disconnect.md#never-block-the-event-loop',
  wrongEvent: 'docs/06-disconnect.md#listening-for-the-wrong-event',
};

/**
 * The usual ways of listening for the wrong thing. The tests decide pass or
 * fail on what the server does; when it leaks, this picks the explanation.
 */
function wrongSignal(): Pick<Teaching, 'hint' | 'read'> | undefined {
  let source = '';
  try {
    source = fs.readFileSync(targetFile('06'), 'utf8');
  } catch {
    return undefined;
  }
  if (/\.(?:on|once|addListener)\(\s*['"`]finish['"`]/.test(source)) {
    return {
      hint: '"finish" fires only when a response has been sent completely, after res.end(). A client that leaves never finishes the response, so "finish" never fires and the timer runs on.',
      read: READ.wrongEvent,
    };
  }
  if (/\breq\.(?:on|once|addListener)\(\s*['"`]end['"`]/.test(source)) {
    return {
      hint: 'req "end" is about the request body having been read, not about the client leaving: for this GET nothing reads the body, and it never fires.',
      read: READ.wrongEvent,
    };
  }
  if (/writableEnded|writableFinished/.test(source)) {
    return {
      hint: 'res.writableEnded (and writableFinished) only turn true when your code ends the response. A client that leaves does not change them, so a loop that checks them never stops.',
      read: READ.wrongEvent,
    };
  }
  return undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const dataOf = (events: { data: string }[]) => events.map((event) => event.data);
const timers = (stats: Stats) => stats.resources.Timeout ?? 0;
const sockets = (stats: Stats) => stats.resources.TCPSocketWrap ?? 0;

/** True when the data are whole numbers counting up by one, e.g. 4, 5, 6. */
const consecutive = (data: string[]) => data.every((value, i) => i === 0 || Number(value) === Number(data[i - 1]) + 1);

/** Polls the server's stats until `done` holds or `withinMs` passed; returns the last stats. */
const statsWhen = (server: RunningServer, done: (stats: Stats) => boolean, withinMs: number): Promise<Stats> =>
  pollUntil(() => server.stats(), done, withinMs);

/**
 * The server's stats once every connection of earlier tests is closed: the
 * baseline to compare with. The defaults probe shares the server's process, so
 * its connection must be open first, or it would count as a leak.
 */
async function baseline(server: RunningServer): Promise<Stats> {
  await expectDefaults.opened();
  return statsWhen(server, (stats) => stats.openResponses <= expectDefaults.openConnections(), 1000);
}

/**
 * Fails with the lesson's "stuck" message when the server's process no longer
 * answers: a synchronous loop holds it, or it ran out of memory and died.
 */
async function expectResponsive(server: RunningServer): Promise<void> {
  await server.assertResponsive(READ.block);
  await server.stats();
}

/** Opens /events and waits for the first event, so the connection's timer or loop is running. */
async function connectAndWaitForFirstEvent(server: RunningServer, read: string): Promise<Stream> {
  const stream = await connect(server, read);
  const events = await stream.waitForEvents(1, 1500);
  if (events.length === 0) await expectResponsive(server);
  check(events.length > 0, {
    expected: `the counter to send its first event within ${INTERVAL_MS} ms or so`,
    got: stream.ended() ? 'the response ended without an event' : 'no event within 1.5 s',
    hint: 'Each connection needs its own timer sending data: 1, data: 2, ... every intervalMs; when one client leaves, stop only its timer.',
    read: READ.counter,
  });
  return stream;
}

describe('lesson 06: disconnect handling', () => {
  test('after a client disconnects, the server writes nothing more to its response', async () => {
    const server = await lesson.start({ intervalMs: INTERVAL_MS });
    const before = await baseline(server);
    const stream = await connectAndWaitForFirstEvent(server, READ.close);

    stream.close();
    // Once the server has seen the close, give a leaking timer a few intervals to show itself.
    await statsWhen(server, (stats) => stats.openResponses <= before.openResponses, 1000);
    await sleep(INTERVAL_MS * 6);
    const writes = (await server.stats()).writesAfterClose - before.writesAfterClose;
    check(writes === 0, {
      expected: 'no write to a response after its client has gone',
      got: `${writes} write(s) to a closed response in the ${INTERVAL_MS * 6} ms after the client left: its timer (or loop) still runs`,
      hint: 'Nothing stops this connection\'s timer when its client leaves.',
      read: READ.close,
      ...wrongSignal(),
    });
  });

  test('after 200 clients came and went, the server holds no timer, socket or listener for them', async () => {
    const server = await lesson.start({ intervalMs: INTERVAL_MS });
    const before = await baseline(server);

    // 10 rounds of 20 clients at once: each waits for its first event, then leaves.
    const clients = 200;
    for (let round = 0; round < clients / 20; round++) {
      await Promise.all(
        Array.from({ length: 20 }, async () => (await connectAndWaitForFirstEvent(server, READ.leak)).close()),
      );
    }

    // Closing takes a moment to reach the server. Once it has seen every
    // close, a loop may still be asleep for one more interval: a timer still
    // there many intervals later runs for good.
    await statsWhen(server, (stats) => sockets(stats) <= sockets(before) && stats.openResponses <= before.openResponses, 1000);
    const after = await statsWhen(server, (stats) => timers(stats) <= timers(before), LEFTOVER_GRACE_MS);
    const extraTimers = timers(after) - timers(before);
    check(extraTimers <= 0, {
      expected: `no timer left behind by the ${clients} clients that came and left`,
      got: `${extraTimers} more timer(s) running than before they came, ${LEFTOVER_GRACE_MS} ms (${LEFTOVER_GRACE_MS / INTERVAL_MS} intervals) after the server saw the last one leave: about one per client that ever connected`,
      hint: 'A timer (or a loop that sleeps) that nobody stops runs for as long as the server does.',
      read: READ.leak,
      ...wrongSignal(),
    });
    check(after.openResponses <= before.openResponses && sockets(after) <= sockets(before), {
      expected: 'every response and socket of those clients closed',
      got: `${after.openResponses - before.openResponses} response(s) and ${sockets(after) - sockets(before)} socket(s) still open`,
      read: READ.close,
    });
    check(after.processListeners <= before.processListeners && after.serverListeners <= before.serverListeners, {
      expected: 'no listener added to process or to the server per connection',
      got: `${after.processListeners - before.processListeners} more listener(s) on process and ${after.serverListeners - before.serverListeners} more on the server`,
      hint: 'Listen for the end of a connection on res (or req), which goes away with the connection.',
      read: READ.close,
    });
  });

  test('while a client is connected, the counter still sends 1, 2, 3', async () => {
    const server = await lesson.start({ intervalMs: INTERVAL_MS });
    const stream = await connect(server, READ.counter);
    expectSseHeaders(stream, READ.counter);
    const data = dataOf(await stream.waitForEvents(3, 1500)).slice(0, 3);
    await expectResponsive(server);
    check(data.join() === '1,2,3', {
      expected: `events with data 1, 2, 3, one every ${INTERVAL_MS} ms (intervalMs)`,
      got: data.length === 0 ? 'no event within 1.5 s' : `events with data ${data.join(', ')}`,
      read: READ.counter,
    });
  });

  test('two clients count independently, and one leaving does not stop the other', async () => {
    const server = await lesson.start({ intervalMs: INTERVAL_MS });
    const first = await connect(server, READ.counter);
    await first.waitForEvents(2, 1500);
    const second = await connect(server, READ.counter);
    const secondData = dataOf(await second.waitForEvents(3, 1500)).slice(0, 3);
    await expectResponsive(server);
    check(secondData.join() === '1,2,3', {
      expected: 'the second client to get its own count: 1, 2, 3',
      got: `the second client got ${secondData.length ? secondData.join(', ') : 'no event within 1.5 s'}`,
      hint: 'Declare count and the timer inside the /events handler: one of each per connection.',
      read: READ.counter,
    });
    const firstData = dataOf(first.events);
    check(consecutive(firstData), {
      expected: 'the first client to keep counting 1, 2, 3, ... while the second one is connected',
      got: `the first client got ${firstData.join(', ')}`,
      hint: 'Each connection needs its own count and its own timer.',
      read: READ.counter,
    });

    first.close();
    const later = dataOf(await second.collect(INTERVAL_MS * 8));
    check(later.length >= 2 && consecutive(dataOf(second.events)), {
      expected: 'the second client to keep getting events after the first one left',
      got:
        later.length < 2
          ? `${later.length} event(s) in the ${INTERVAL_MS * 8} ms after the first client left`
          : `the second client got ${dataOf(second.events).join(', ')}`,
      hint: 'When one client leaves, stop only its own timer: keep the timer id in a const inside the handler.',
      read: READ.counter,
    });
  });
});

describe('lesson 06: what earlier lessons built', () => {
  test('createApp() without options still sends retry: 10000 and one event per second', async () => {
    await expectDefaults({ retry: 'docs/03-retry.md#options-and-defaults', interval: 'docs/04-counter.md#the-interval-option' });
  });

  test('GET / still serves public/index.html', async () => {
    await expectPageServed(await lesson.start(), '06', 'docs/05-client.md#serve-the-page');
  });

  test('client.ts still passes each message to onData and closes for good', async () => {
    await expectClientStillWorks(client);
  });
});
