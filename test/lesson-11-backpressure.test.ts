// Lesson 11: one client that stops reading must not grow the server's memory
// without bound. Judged by memory, never by reading code: a raw TCP client
// connects, reads the welcome, and never reads again, while the test publishes
// tens of MB through POST /messages. The server's heap plus Buffers (measured in
// its own process after a full garbage collection) must stay under a stated
// bound; the stalled client must be dropped (its connection closed); a fast
// client on the same server must get every event, in order, on time. Then,
// briefly, what lessons 01-10 built.
import fs from 'node:fs';
import { createParser } from 'eventsource-parser';
import request from 'supertest';
import { describe, test } from 'vitest';
import { chatChecks, chats, live, showEvents, ticks } from './support/chat-checks.ts';
import { connect, expectSseHeaders } from './support/expect-sse.ts';
import { useLesson, type RunningServer, type Stats } from './support/lesson-host.ts';
import { pollUntil, until } from './support/poll.ts';
import { BATCH, KiB, MEMORY_BOUND, MiB, mb, slowClientChecks, TEXT_BYTES } from './support/slow-client-checks.ts';
import { shown, targetFile } from './support/target.ts';
import { check, showBytes } from './support/teach.ts';

const lesson = useLesson('11', 'docs/11-backpressure.md');

const DOC = 'docs/11-backpressure.md';
const READ = {
  bound: `${DOC}#a-bound-per-client`,
  write: `${DOC}#what-write-returns`,
  drain: `${DOC}#waiting-for-drain-is-not-a-policy`,
  drop: `${DOC}#dropping-a-client`,
  carried: `${DOC}#what-you-start-from`,
};
const { join, say, post, expectChats } = chatChecks({
  publish: 'docs/10-broadcast.md#publishing-from-outside-post-messages',
  hub: 'docs/10-broadcast.md#one-source-many-subscribers',
  carried: READ.carried,
});

/** No heartbeat and no tick during the memory tests: only the posted messages flow. */
const QUIET = { intervalMs: 60_000, heartbeatMs: 60_000 };

const timers = (stats: Stats) => stats.resources.Timeout ?? 0;
const statsWhen = (server: RunningServer, done: (stats: Stats) => boolean, withinMs: number): Promise<Stats> =>
  pollUntil(() => server.stats(), done, withinMs);

const { stall, publish, flood, expectDropped, expectDropLogged } = slowClientChecks(READ);

describe('lesson 11: a client that stops reading', () => {
  test('cannot push the server\'s memory past the bound while 24 MB are published; it is dropped, and a fast client gets every event on time', async () => {
    const maxQueuedBytes = 512 * KiB;
    const server = await lesson.start({ ...QUIET, historySize: 2, maxQueuedBytes });
    // The stalled client first: a broadcast that waits for it holds up the one behind it.
    await stall(server);
    const fast = await join(server, READ.carried);
    const before = await server.stats();
    const outputBefore = lesson.output().length;

    const result = await flood(server, fast, 24 * MiB, maxQueuedBytes);
    if (process.env.WORKSHOP_MEMORY_REPORT) {
      process.stderr.write(`lesson 11: bound ${mb(MEMORY_BOUND)}, peak ${mb(result.peak)} after ${mb(result.peakAfter)} published\n`);
    }
    await expectDropped(server, before, result, READ.drop);

    const ids = chats(fast.events).map((event) => Number(event.id));
    check(ids.every((id, i) => i === 0 || id > ids[i - 1]!) && !fast.ended(), {
      expected: 'the reading client to keep its stream, and to get the messages in the order of their ids',
      got: fast.ended() ? 'its stream ended' : `ids ${ids.slice(0, 12).join(', ')}`,
      read: READ.bound,
    });
    expectDropLogged(lesson.output(), outputBefore);
  }, 90_000);

  test('createApp() without maxQueuedBytes still has a bound (1 MiB): the stalled client is dropped, memory stays low', async () => {
    const server = await lesson.start({ ...QUIET, historySize: 2 });
    await stall(server);
    const fast = await join(server, READ.carried);
    const before = await server.stats();
    const result = await flood(server, fast, 12 * MiB, undefined);
    await expectDropped(server, before, result, READ.bound);
  }, 60_000);
});

describe('lesson 11: the bound is the one given', () => {
  test('with maxQueuedBytes: 64 MiB, a client that stalls while 6 MB are published is still within its bound, and stays', async () => {
    const server = await lesson.start({ ...QUIET, historySize: 2, maxQueuedBytes: 64 * MiB });
    await stall(server);
    const fast = await join(server, READ.carried);
    const before = await server.stats();
    let sent = chats(fast.events).length;
    for (let batch = 0; batch < (6 * MiB) / (TEXT_BYTES * BATCH); batch++) {
      await Promise.all(Array.from({ length: BATCH }, () => publish(server, `${++sent}:${'y'.repeat(TEXT_BYTES - 8)}`)));
      await until(() => chats(fast.events).length >= sent || fast.ended(), 4000);
    }
    const after = await server.stats();
    check(after.openResponses === before.openResponses && !fast.ended(), {
      expected: 'createApp({ maxQueuedBytes: 64 MiB }) to keep a client that has less than 64 MiB waiting for it',
      got: fast.ended()
        ? 'the reading client\'s stream ended'
        : `the stalled client was dropped after 6 MB: ${before.openResponses - after.openResponses} response(s) fewer than before`,
      hint: 'Use options.maxQueuedBytes when it is given; the default is only for when it is not.',
      read: READ.bound,
    });
  }, 60_000);
});

describe('lesson 11: what lessons 01-10 built still works', () => {
  test('chat to every client, 400 for a body without text, headers, retryMs, the welcome with ?name= and a reset for an unknown id', async () => {
    const server = await lesson.start({ retryMs: 1234, intervalMs: 60_000, heartbeatMs: 40 });
    const streams = await Promise.all([join(server, READ.carried), join(server, READ.carried)]);
    await post(server, 'hello\nboth');
    await expectChats(server, streams, ['hello\nboth'], 2000, READ.carried);
    const bad = await say(server, { text: 42 });
    check(bad.status === 400, {
      expected: 'POST /messages with {"text": 42} to answer 400 (lesson 10)',
      got: `status ${bad.status}`,
      read: READ.carried,
    });

    const stream = await connect(server, READ.carried, { path: '/events?name=Ada' });
    expectSseHeaders(stream, READ.carried);
    await until(() => {
      let comments = 0;
      createParser({ onEvent: () => {}, onComment: () => comments++ }).feed(stream.raw());
      return comments >= 3;
    }, 1500);
    let comments = 0;
    createParser({ onEvent: () => {}, onComment: () => comments++ }).feed(stream.raw());
    check(
      stream.retries[0] === 1234 && stream.events[0]?.data === 'Hello, Ada' && comments >= 3 &&
        String(stream.headers['x-accel-buffering']).toLowerCase() === 'no' && /no-transform/.test(String(stream.headers['cache-control'])),
      {
        expected: 'retry: 1234, a welcome "Hello, Ada", a heartbeat every 40 ms, X-Accel-Buffering: no and no-transform (lessons 03, 07 and 09)',
        got: `retry ${stream.retries[0] ?? '(none)'}, then ${showEvents(stream.events)}, ${comments} comment line(s) in 1.5 s, X-Accel-Buffering: ${stream.headers['x-accel-buffering'] ?? '(none)'}, Cache-Control: ${stream.headers['cache-control'] ?? '(none)'}`,
        read: READ.carried,
      },
    );
    const unknown = await join(server, READ.carried, 2000, { 'Last-Event-ID': 'no-such-id' });
    await until(() => unknown.events.length >= 2, 1000);
    check(unknown.events[1]?.type === 'reset', {
      expected: 'a reset event for a Last-Event-ID the server does not know (lesson 08)',
      got: `the events ${showEvents(unknown.events)}`,
      read: READ.carried,
    });
  });

  test('ticks and messages share one sequence, a client that comes back gets what it missed, and clients that leave leave nothing behind', async () => {
    const server = await lesson.start({ intervalMs: 20, heartbeatMs: 30, historySize: 50 });
    const before = await statsWhen(server, (stats) => stats.openResponses === 0, 1000);
    const first = await join(server, READ.carried);
    await post(server, 'before you left');
    await until(() => chats(first.events).length >= 1 && ticks(first.events).length >= 2, 1500);
    const seen = chats(first.events)[0];
    first.close();
    await post(server, 'while you were away');
    const back = await join(server, READ.carried, 2000, seen?.id ? { 'Last-Event-ID': seen.id } : undefined);
    await until(() => chats(back.events).length >= 1, 1500);
    const ids = live(back.events).map((event) => Number(event.id));
    check(seen?.id && chats(back.events)[0]?.data === 'while you were away' && ids.every((id, i) => i === 0 || id > ids[i - 1]!), {
      expected: 'after Last-Event-ID of a chat message, the message posted while away, and ids that go up (lesson 10)',
      got: `the events ${showEvents(live(back.events))}`,
      read: READ.carried,
    });
    back.close();

    for (let round = 0; round < 2; round++) {
      const streams = await Promise.all(Array.from({ length: 20 }, () => join(server, READ.carried, 4000)));
      for (const stream of streams) stream.close();
    }
    await statsWhen(server, (stats) => stats.openResponses <= before.openResponses, 1500);
    const after = await statsWhen(server, (stats) => stats.writesAfterClose > before.writesAfterClose, 200);
    const settled = await statsWhen(server, (stats) => timers(stats) <= timers(before), 1000);
    check(after.writesAfterClose === before.writesAfterClose && timers(settled) <= timers(before), {
      expected: 'no write to a closed response and no timer left after 40 clients came and went (lessons 06, 09 and 10)',
      got: `${after.writesAfterClose - before.writesAfterClose} write(s) to closed responses, ${timers(settled) - timers(before)} timer(s) more than before`,
      read: READ.carried,
    });
  });

  test('createApp() without options: retry 10000, a tick every second; GET / serves the page, and the Node client passes on chat messages', async () => {
    const server = await lesson.start();
    const stream = await join(server, READ.carried);
    await until(() => ticks(stream.events).length >= 1, 2500);
    const first = ticks(stream.events)[0];
    await until(() => ticks(stream.events).length > 1, 300);
    check(stream.retries[0] === 10_000 && first?.data === JSON.stringify({ count: 1 }) && ticks(stream.events).length === 1, {
      expected: 'retry: 10000 and one tick a second, the first with {"count":1}, when no option is given (lessons 03, 04 and 07)',
      got: `retry ${stream.retries[0] ?? '(none)'}, ${first ? `${ticks(stream.events).length} tick(s) within 300 ms of the first, which carried ${showBytes(first.data)}` : 'no tick within 2.5 s'}`,
      read: READ.carried,
    });
    const file = targetFile('11', 'public/index.html');
    const response = await request(server.url).get('/').timeout(2000);
    check(response.status === 200 && response.text === fs.readFileSync(file, 'utf8'), {
      expected: `GET / to answer 200 with ${shown(file)}, unchanged (lesson 05)`,
      got: `status ${response.status}, a body of ${response.text?.length ?? 0} chars`,
      read: READ.carried,
    });
    const client = await lesson.subscribe(`${server.url}/events`);
    try {
      const parse = () => client.received().map((json) => JSON.parse(json) as { type: string; data: string });
      await pollUntil(parse, (events) => events.some((event) => event.type === 'welcome'), 2000);
      await post(server, 'to the Node client');
      const received = await pollUntil(parse, (events) => events.some((event) => event.type === 'chat'), 2000);
      check(received.some((event) => event.type === 'chat' && event.data === 'to the Node client'), {
        expected: 'the client of client.ts to pass on chat events (lesson 10)',
        got: received.length ? `it passed on ${received.slice(0, 4).map((event) => JSON.stringify(event)).join(', ')}` : 'it passed on nothing in 2 s',
        read: READ.carried,
      });
    } finally {
      await client.stop();
    }
  });
});
