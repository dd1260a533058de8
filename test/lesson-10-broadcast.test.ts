// Lesson 10: one source of events, many clients. Judged on the wire and by the
// server's own process, never by reading code: every connected client gets every
// event (ticks and chat messages POSTed to /messages) once, in order, the same
// for all; a chat text cannot forge a field; a client that leaves is forgotten at
// once (after 200 join/leave cycles no timer, socket, listener or write to a
// closed response is left). Then, briefly, what lessons 01-09 built.
import fs from 'node:fs';
import { createParser } from 'eventsource-parser';
import request from 'supertest';
import { describe, test } from 'vitest';
import { chatChecks, chats, live, showEvents, ticks } from './support/chat-checks.ts';
import { connect, expectSseHeaders } from './support/expect-sse.ts';
import { expectNothingLeftAfter } from './support/leave-checks.ts';
import { useLesson, type RunningServer, type Stats } from './support/lesson-host.ts';
import { pollUntil, until } from './support/poll.ts';
import type { ReceivedEvent } from './support/sse.ts';
import { shown, targetFile } from './support/target.ts';
import { check, showBytes } from './support/teach.ts';

const lesson = useLesson('10', 'docs/10-broadcast.md');

const DOC = 'docs/10-broadcast.md';
const READ = {
  hub: `${DOC}#one-source-many-subscribers`,
  publish: `${DOC}#publishing-from-outside-post-messages`,
  framing: `${DOC}#a-message-is-data-not-fields`,
  sequence: `${DOC}#one-sequence-for-ticks-and-messages`,
  leave: `${DOC}#forget-a-client-at-once`,
  carried: `${DOC}#what-you-start-from`,
};

/** No heartbeat during a test about something else. */
const NO_HEARTBEAT = 60_000;
/** No tick during a test about chat messages alone. */
const NO_TICK = 60_000;

const { join, say, post, expectChats } = chatChecks({ publish: READ.publish, hub: READ.hub, carried: READ.carried });

const statsWhen = (server: RunningServer, done: (stats: Stats) => boolean, withinMs: number): Promise<Stats> =>
  pollUntil(() => server.stats(), done, withinMs);

describe('lesson 10: broadcast to many clients', () => {
  test('a message POSTed to /messages reaches every connected client as a "chat" event, once, in order', async () => {
    const server = await lesson.start({ intervalMs: NO_TICK, heartbeatMs: NO_HEARTBEAT });
    const streams = await Promise.all(Array.from({ length: 5 }, () => join(server, READ.publish)));
    const texts = ['hello, everyone', 'second', 'third'];
    for (const text of texts) await post(server, text);
    await expectChats(server, streams, texts, 2000, READ.hub);
    const posted = await say(server, { text: 'one more' });
    check(posted.status >= 200 && posted.status < 300, {
      expected: 'a fourth POST /messages to be accepted too',
      got: `status ${posted.status}`,
      read: READ.publish,
    });
    await expectChats(server, streams, [...texts, 'one more'], 2000, READ.hub);
  });

  test('POST /messages answers 400 when the body has no text, and then nobody gets anything', async () => {
    const server = await lesson.start({ intervalMs: NO_TICK, heartbeatMs: NO_HEARTBEAT });
    const stream = await join(server, READ.publish);
    const bad: [string, unknown][] = [
      ['{}', {}],
      ['{"text": 42}', { text: 42 }],
      ['{"text": ""}', { text: '' }],
      ['not JSON at all', '{not json'],
    ];
    for (const [shownBody, body] of bad) {
      const response = await say(server, body);
      check(response.status === 400, {
        expected: `POST /messages with the body ${shownBody} to answer 400 Bad Request: there is no text to send`,
        got: `status ${response.status}${response.status === 404 ? ' (no route answers POST /messages yet)' : ''}`,
        hint: response.status === 404 ? undefined : 'Check that text is a string with something in it before publishing; answer 400 when it is not.',
        read: READ.publish,
      });
    }
    await post(server, 'after the bad ones');
    await until(() => chats(stream.events).length >= 1, 1500);
    const got = chats(stream.events);
    check(got.length === 1 && got[0]!.data === 'after the bad ones', {
      expected: 'no chat event for the rejected bodies, then one for the good one',
      got: `the chat events ${showEvents(got)}`,
      read: READ.publish,
    });
  });

  test('a text with line breaks arrives whole, and cannot forge an event or a field', async () => {
    const server = await lesson.start({ intervalMs: NO_TICK, heartbeatMs: NO_HEARTBEAT });
    const streams = await Promise.all(Array.from({ length: 2 }, () => join(server, READ.framing)));
    const texts = ['first line\nsecond line', 'x\n\nevent: admin\nid: 999\ndata: you have been hacked', 'retry: 1\nlast'];
    for (const text of texts) await post(server, text);
    await until(() => streams.every((stream) => chats(stream.events).length >= texts.length || live(stream.events).length > texts.length + 2), 2000);
    for (const stream of streams) {
      const stray = live(stream.events).filter((event) => event.type !== 'chat');
      check(stray.length === 0 && !stream.retries.includes(1), {
        expected: 'each text to arrive as one chat event, whatever it holds: no other event and no field chosen by whoever posted it',
        got: stray.length
          ? `a client received ${showEvents(stray)}: a posted text wrote fields of its own`
          : `a client received retry: 1 from a posted text`,
        hint: 'Every line of the text must become a data: line. Lesson 07 wrote the function that does exactly that.',
        read: READ.framing,
      });
      check(!chats(stream.events).some((event) => event.id === '999'), {
        expected: 'the id of a chat event to be the server\'s, never one written in a posted text',
        got: `a chat event with id 999: ${showEvents(chats(stream.events))}`,
        read: READ.framing,
      });
    }
    await expectChats(server, streams, texts, 500, READ.framing);
  });

  test('ticks and chat messages share one sequence of ids: every client sees the same events, each once, in order', async () => {
    const server = await lesson.start({ intervalMs: 25, heartbeatMs: NO_HEARTBEAT });
    const streams = await Promise.all(Array.from({ length: 4 }, () => join(server, READ.sequence)));
    await until(() => streams.every((stream) => ticks(stream.events).length >= 1), 1500);
    const texts = ['a', 'b', 'c', 'd', 'e'];
    for (const text of texts) await post(server, text);
    await expectChats(server, streams, texts, 2000, READ.hub);
    // A few more ticks after the last message, so every client has the same window.
    await until(() => streams.every((stream) => ticks(stream.events).length >= 8), 2000);
    for (const stream of streams) stream.close();
    const fewest = Math.min(...streams.map((stream) => ticks(stream.events).length));
    if (fewest < 8) await server.assertResponsive(READ.sequence);
    check(fewest >= 8, {
      expected: 'a tick every 25 ms (intervalMs) to every client, between the chat messages',
      got: `a client got ${fewest} tick(s) in all: ${showEvents(live(streams.find((stream) => ticks(stream.events).length === fewest)!.events))}`,
      hint: 'The ticks are published to every subscriber, like the chat messages.',
      read: READ.hub,
    });

    const views = streams.map((stream) => live(stream.events));
    for (const [i, events] of views.entries()) {
      const missing = events.filter((event) => !event.id);
      check(missing.length === 0, {
        expected: 'every tick and every chat event to carry an id, so that a client that comes back can say what it saw last',
        got: `client ${i + 1} got ${showEvents(missing)} without an id`,
        hint: 'A chat message is an event of the stream like a tick: it gets the next id of the server\'s one sequence.',
        read: READ.sequence,
      });
      const ids = events.map((event) => Number(event.id));
      const ordered = ids.every((id, k) => Number.isFinite(id) && (k === 0 || id > ids[k - 1]!));
      check(ordered, {
        expected: 'the ids of the stream, ticks and chat messages together, to go up with every event and never repeat',
        got: `client ${i + 1} got ${events.slice(0, 12).map((event) => `${event.type} #${event.id}`).join(', ')}`,
        hint: 'One counter for the whole server numbers every event, whoever published it.',
        read: READ.sequence,
      });
    }
    // Where their views overlap, all clients saw exactly the same events.
    const from = Math.max(...views.map((events) => Number(events[0]?.id)));
    const to = Math.min(...views.map((events) => Number(events.at(-1)?.id)));
    const windowOf = (events: ReceivedEvent[]) =>
      events.filter((event) => Number(event.id) >= from && Number(event.id) <= to).map((event) => `${event.type} #${event.id} ${event.data}`);
    const first = windowOf(views[0]!);
    for (const [i, events] of views.entries()) {
      const mine = windowOf(events);
      check(mine.join('\n') === first.join('\n'), {
        expected: `every client to get the same events between ids ${from} and ${to}`,
        got: `client 1 got ${first.slice(0, 8).join(', ')}; client ${i + 1} got ${mine.slice(0, 8).join(', ')}`,
        hint: 'Publish each event once, to all subscribers, with the same id and data.',
        read: READ.hub,
      });
    }
  });

  test('a client that comes back with the Last-Event-ID of a chat message gets what it missed, messages included', async () => {
    const server = await lesson.start({ intervalMs: NO_TICK, heartbeatMs: NO_HEARTBEAT, historySize: 50 });
    const first = await join(server, READ.sequence);
    await post(server, 'before you left');
    await until(() => chats(first.events).length >= 1, 1500);
    const seen = chats(first.events)[0];
    first.close();
    check(seen?.id, {
      expected: 'the chat event to carry an id',
      got: seen ? `a chat event without an id: ${showEvents([seen])}` : 'no chat event within 1.5 s',
      read: READ.sequence,
    });
    await post(server, 'while you were away');
    await post(server, 'and again');
    const back = await join(server, READ.sequence, 2000, { 'Last-Event-ID': seen.id! });
    await post(server, 'welcome back');
    await until(() => chats(back.events).length >= 3, 1500);
    const got = chats(back.events).map((event) => event.data);
    check(got.join('|') === 'while you were away|and again|welcome back', {
      expected: `after Last-Event-ID: ${seen.id}, the two messages posted while away, then the live one, each once: "while you were away", "and again", "welcome back"`,
      got: `the chat events ${showEvents(chats(back.events))}${live(back.events).some((event) => event.type === 'reset') ? ' and a reset' : ''}`,
      hint: 'A published message goes into the same history as the ticks, so that it can be replayed.',
      read: READ.sequence,
    });
  });

  test('after 200 clients came and went, nothing of them is left: no write to a closed response, no timer, socket or listener', async () => {
    const server = await lesson.start({ intervalMs: 15, heartbeatMs: 30 });
    await expectNothingLeftAfter(server, () => join(server, READ.leave, 4000), 200, READ.leave);
  });

  test('one client leaving does not stop the others, and a client that joins gets live events from then on', async () => {
    const server = await lesson.start({ intervalMs: NO_TICK, heartbeatMs: NO_HEARTBEAT });
    const [a, b] = await Promise.all([join(server, READ.leave), join(server, READ.leave)]);
    await post(server, 'one');
    await expectChats(server, [a!, b!], ['one'], 1500, READ.hub);
    a!.close();
    await statsWhen(server, (stats) => stats.openResponses <= 1, 1000);
    const c = await join(server, READ.hub);
    await post(server, 'two');
    await until(() => chats(b!.events).length >= 2 && chats(c.events).length >= 1, 1500);
    check(chats(b!.events).map((event) => event.data).join() === 'one,two', {
      expected: 'the client that stayed to get "one", then "two", after another client left',
      got: `it got ${showEvents(chats(b!.events))}`,
      hint: 'When one stream closes, remove that stream only.',
      read: READ.leave,
    });
    check(chats(c.events).map((event) => event.data).join() === 'two', {
      expected: 'a client that joined after "one" was posted (without Last-Event-ID) to get only "two"',
      got: `it got ${showEvents(chats(c.events))}`,
      hint: 'A new client gets live events only; the history is for clients that come back with Last-Event-ID.',
      read: READ.hub,
    });
  });
});

describe('lesson 10: what lessons 01-09 built still works', () => {
  test('headers (with X-Accel-Buffering and no-transform), retryMs, the welcome with ?name=, heartbeats, and a reset for an unknown id', async () => {
    const server = await lesson.start({ retryMs: 1234, intervalMs: NO_TICK, heartbeatMs: 40 });
    const stream = await connect(server, READ.carried, { path: '/events?name=Ada' });
    expectSseHeaders(stream, READ.carried);
    check(String(stream.headers['x-accel-buffering'] ?? '').toLowerCase() === 'no' && /no-transform/i.test(String(stream.headers['cache-control'] ?? '')), {
      expected: 'X-Accel-Buffering: no and Cache-Control: no-cache, no-transform (lesson 09)',
      got: `X-Accel-Buffering: ${stream.headers['x-accel-buffering'] ?? '(none)'}, Cache-Control: ${stream.headers['cache-control'] ?? '(none)'}`,
      read: READ.carried,
    });
    let comments = 0;
    const countComments = () => {
      comments = 0;
      createParser({ onEvent: () => {}, onComment: () => comments++ }).feed(stream.raw());
      return comments;
    };
    await until(() => countComments() >= 3 || stream.ended(), 1500);
    check(stream.retries[0] === 1234 && stream.events[0]?.type === 'welcome' && stream.events[0].data === 'Hello, Ada', {
      expected: 'retry: 1234 for createApp({ retryMs: 1234 }) and a welcome event "Hello, Ada" for ?name=Ada (lessons 03 and 07)',
      got: `retry ${stream.retries[0] ?? '(none)'}, then ${showEvents(stream.events)}`,
      read: READ.carried,
    });
    check(countComments() >= 3, {
      expected: 'a heartbeat comment every heartbeatMs (40 ms here), as in lesson 09',
      got: `${comments} comment line(s) in 1.5 s`,
      read: READ.carried,
    });
    stream.close();
    const unknown = await join(server, READ.carried, 2000, { 'Last-Event-ID': 'no-such-id' });
    await until(() => unknown.events.length >= 2, 1000);
    check(unknown.events[1]?.type === 'reset', {
      expected: 'a reset event for a Last-Event-ID the server does not know (lesson 08)',
      got: `the events ${showEvents(unknown.events)}`,
      read: READ.carried,
    });
  });

  test('createApp() without options: retry 10000, a tick every second, no heartbeat in the first second', async () => {
    const server = await lesson.start();
    const stream = await join(server, READ.carried);
    await until(() => ticks(stream.events).length >= 1, 2500);
    const first = ticks(stream.events)[0];
    await until(() => ticks(stream.events).length > 1, 300);
    let comments = 0;
    createParser({ onEvent: () => {}, onComment: () => comments++ }).feed(stream.raw());
    check(stream.retries[0] === 10_000 && first !== undefined && ticks(stream.events).length === 1 && comments <= 1, {
      expected: 'retry: 10000, one tick a second and a heartbeat every 15 s when no option is given (lessons 03, 04 and 09)',
      got: `retry ${stream.retries[0] ?? '(none)'}, ${first ? `${ticks(stream.events).length} tick(s) within 300 ms of the first` : 'no tick within 2.5 s'}, ${comments} comment line(s)`,
      read: READ.carried,
    });
    check(first!.data === JSON.stringify({ count: 1 }), {
      expected: 'the first tick to carry {"count":1} (lesson 07)',
      got: `the first tick carried ${showBytes(first!.data)}`,
      read: READ.carried,
    });
  });

  test('GET / still serves the page, and the Node client of client.ts passes on ticks and chat messages', async () => {
    const server = await lesson.start({ intervalMs: 30, heartbeatMs: NO_HEARTBEAT });
    const file = targetFile('10', 'public/index.html');
    const response = await request(server.url).get('/').timeout(2000);
    check(response.status === 200 && response.text === fs.readFileSync(file, 'utf8'), {
      expected: `GET / to answer 200 with ${shown(file)}, unchanged (lesson 05)`,
      got: `status ${response.status}, a body of ${response.text?.length ?? 0} chars`,
      read: READ.carried,
    });
    const client = await lesson.subscribe(`${server.url}/events`);
    try {
      const parse = () => client.received().map((json) => JSON.parse(json) as { type: string; id: string; data: string });
      await pollUntil(parse, (events) => events.some((event) => event.type === 'tick'), 2000);
      await post(server, 'to the Node client');
      const received = await pollUntil(parse, (events) => events.some((event) => event.type === 'chat'), 2000);
      const tick = received.find((event) => event.type === 'tick');
      const chat = received.find((event) => event.type === 'chat');
      check(tick !== undefined && /^\{"count":\d+\}$/.test(tick.data) && chat?.data === 'to the Node client' && chat.id !== '', {
        expected: 'the client of client.ts to pass on each tick and chat event with its type, id and data',
        got: received.length ? `it passed on ${received.slice(0, 5).map((event) => JSON.stringify(event)).join(', ')}` : 'it passed on nothing in 2 s',
        read: READ.carried,
      });
    } finally {
      await client.stop();
    }
  });
});
