// Lesson 09: a stream that survives what sits between the server and the
// browser in production. Judged by when bytes arrive, never by reading code:
// heartbeat comments every heartbeatMs (and none left behind when a client
// goes), the stream through a real nginx (default buffering on, a short
// proxy_read_timeout) and behind the real compression middleware. Then, briefly,
// what lessons 01-08 built.
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createParser } from 'eventsource-parser';
import request from 'supertest';
import { afterEach, describe, test, vi } from 'vitest';
import { openGzipStream } from './support/compression.ts';
import { connect, expectSseHeaders } from './support/expect-sse.ts';
import { useLesson, type RunningServer, type Stats } from './support/lesson-host.ts';
import { nginxPart, startNginx, type Nginx } from './support/nginx.ts';
import { pollUntil, until } from './support/poll.ts';
import { describeWithPart } from './support/real-part.ts';
import { NoResponse, openStream, type ReceivedEvent, type Stream } from './support/sse.ts';
import { shown, targetFile } from './support/target.ts';
import { check, showBytes, teach } from './support/teach.ts';

const lesson = useLesson('09', 'docs/09-heartbeats.md');

// Each test starts the learner's server (two start nginx too); on a busy machine
// the first start alone takes seconds. Every wait inside keeps its own deadline.
vi.setConfig({ testTimeout: 20_000 });

const DOC = 'docs/09-heartbeats.md';
const READ = {
  heartbeat: `${DOC}#idle-timeouts-and-heartbeats`,
  comment: `${DOC}#a-heartbeat-that-is-an-event`,
  stop: `${DOC}#one-heartbeat-per-stream-stopped-with-it`,
  buffering: `${DOC}#buffering-proxies-and-x-accel-buffering`,
  compression: `${DOC}#compression-and-no-transform`,
  carried: `${DOC}#what-you-start-from`,
};

/** nginx's proxy_read_timeout in these tests: a stream silent for longer is cut. */
const READ_TIMEOUT_MS = 800;
/** No heartbeat during a test about something else. */
const NO_HEARTBEAT = 60_000;
/** No tick during a test about heartbeats. */
const NO_TICK = 60_000;

// ---------------------------------------------------------------------------
// Reading the stream

/** How many comment lines (": ...") the bytes hold, read by a real event-stream parser. */
function comments(raw: string): number {
  let count = 0;
  createParser({ onEvent: () => {}, onComment: () => count++ }).feed(raw);
  return count;
}

const ticks = (events: ReceivedEvent[]) => events.filter((event) => event.type === 'tick');
const notTicks = (events: ReceivedEvent[]) => events.filter((event) => event.type !== 'tick' && event.type !== 'welcome');
const showEvents = (events: ReceivedEvent[]) =>
  events
    .slice(0, 5)
    .map((event) => `${event.type}${event.id ? ` #${event.id}` : ''} ${showBytes(event.data, 40)}`)
    .join(', ');

/** Opens /events and waits for the welcome event, so the stream is set up (heartbeat included). */
async function connectAndWelcome(server: RunningServer, read: string, path = '/events', withinMs = 1500): Promise<Stream> {
  const stream = await connect(server, read, { path, withinMs });
  await stream.waitForEvents(1, withinMs);
  if (!stream.events.some((event) => event.type === 'welcome')) {
    await server.assertResponsive(read);
    teach({
      expected: 'GET /events to send its welcome event first, as in lesson 07',
      got: stream.events.length ? `the events ${showEvents(stream.events)}` : `no event within ${withinMs} ms (${stream.ended() ? 'the response ended' : 'it stayed open'}): ${showBytes(stream.raw(), 160)}`,
      read: READ.carried,
    });
  }
  return stream;
}

// ---------------------------------------------------------------------------
// The server's process: timers and writes to closed responses (as in lesson 06)

const timers = (stats: Stats) => stats.resources.Timeout ?? 0;
const statsWhen = (server: RunningServer, done: (stats: Stats) => boolean, withinMs: number): Promise<Stats> =>
  pollUntil(() => server.stats(), done, withinMs);

// ---------------------------------------------------------------------------

describe('lesson 09: heartbeats', () => {
  test('a comment line arrives every heartbeatMs while no tick is due, and no client sees it as an event', async () => {
    const heartbeatMs = 40;
    const server = await lesson.start({ heartbeatMs, intervalMs: NO_TICK });
    // The server cannot send its n-th heartbeat sooner than n × heartbeatMs after the
    // request: timed from before it, a busy test process only makes the time look longer.
    const requested = performance.now();
    const stream = await connectAndWelcome(server, READ.heartbeat);
    check(comments(stream.raw()) >= 1, {
      expected: 'the comment of lesson 07 before the welcome event, as before',
      got: `the stream began with ${showBytes(stream.raw(), 120)}`,
      read: READ.carried,
    });

    const base = comments(stream.raw());
    const bytesBefore = stream.raw().length;
    const wanted = 5;
    const started = performance.now();
    await until(() => comments(stream.raw()) - base >= wanted || notTicks(stream.events).length > 0 || stream.ended(), wanted * heartbeatMs + 1500);
    const elapsed = Math.round(performance.now() - started);
    const got = comments(stream.raw()) - base;
    const after = stream.raw().slice(bytesBefore);

    const stray = notTicks(stream.events);
    check(stray.length === 0, {
      expected: 'heartbeats that no client sees: an EventSource fires nothing for them',
      got: `while no tick was due, the client received the event(s) ${showEvents(stray)}: every page and listener would see them`,
      hint: 'A heartbeat carries no event: the client must read it and throw it away. The format has a kind of line for exactly that.',
      read: READ.comment,
    });
    if (got < wanted) await server.assertResponsive(READ.heartbeat);
    check(got >= wanted, {
      expected: `a comment line every ${heartbeatMs} ms (createApp({ heartbeatMs: ${heartbeatMs} })) while no tick is due`,
      got:
        got > 0
          ? `${got} comment line(s) in ${elapsed} ms`
          : after
            ? `no comment line in ${elapsed} ms; after the welcome the stream sent ${showBytes(after, 160)}`
            : `nothing at all after the welcome event in ${elapsed} ms${stream.ended() ? ', then the response ended' : ''}`,
      hint:
        after && got === 0
          ? 'Those bytes are not a comment: a comment line starts with a colon, and ends like every line.'
          : 'Each open stream needs its own heartbeat, every options.heartbeatMs.',
      read: READ.heartbeat,
    });
    const sinceRequest = Math.round(performance.now() - requested);
    check(sinceRequest >= wanted * heartbeatMs * 0.8, {
      expected: `one comment line every ${heartbeatMs} ms, not more often`,
      got: `${got} comment lines within ${sinceRequest} ms of the request`,
      hint: 'A heartbeat is written by a timer that fires every heartbeatMs, not with every write or in a loop.',
      read: READ.heartbeat,
    });
    check(elapsed <= wanted * heartbeatMs + 1000, {
      expected: `one comment line every ${heartbeatMs} ms (heartbeatMs)`,
      got: `${wanted} comment lines took ${elapsed} ms`,
      hint: 'Use the heartbeatMs the server was given.',
      read: READ.heartbeat,
    });
  });

  test('between heartbeats, ticks still arrive whole, in order, each once', async () => {
    const server = await lesson.start({ heartbeatMs: 10, intervalMs: 35 });
    const stream = await connectAndWelcome(server, READ.heartbeat);
    await until(() => ticks(stream.events).length >= 6 || notTicks(stream.events).length > 0 || stream.ended(), 2500);
    const got = ticks(stream.events);
    const ids = got.map((event) => Number(event.id));
    const whole = got.every((event, i) => event.data === JSON.stringify({ count: ids[i] }) && (i === 0 || ids[i] === ids[i - 1]! + 1));
    if (got.length < 6) await server.assertResponsive(READ.heartbeat);
    check(got.length >= 6 && whole && notTicks(stream.events).length === 0, {
      expected: 'tick events with ids counting up by one and data {"count":n}, while a heartbeat goes out every 10 ms',
      got: stream.events.length > 1
        ? `the events ${showEvents(stream.events.slice(1))}${got.length < 6 ? ` (only ${got.length} tick(s) in 2.5 s)` : ''}`
        : `no tick in 2.5 s; the stream sent ${showBytes(stream.raw().slice(-160), 160)}`,
      hint: 'A heartbeat must be a complete line of its own: a half line joins the next field and the tick is lost.',
      read: READ.comment,
    });
  });

  test('when clients leave, their heartbeats stop: no write to a closed response, no timer left behind', async () => {
    const heartbeatMs = 15;
    const server = await lesson.start({ heartbeatMs, intervalMs: 25 });
    const before = await statsWhen(server, (stats) => stats.openResponses === 0, 1000);

    // Many at once, with room for a busy machine: this test is about leaving, not speed.
    const clients = 20;
    const streams = await Promise.all(Array.from({ length: clients }, () => connectAndWelcome(server, READ.stop, '/events', 4000)));
    // Each stream's heartbeat has run at least once.
    await until(() => streams.every((stream) => comments(stream.raw()) >= 2), 1500);
    for (const stream of streams) stream.close();

    await statsWhen(server, (stats) => stats.openResponses <= before.openResponses, 1500);
    // A heartbeat that goes on writes within a few of its intervals: fail as soon as one does.
    const after = await statsWhen(server, (stats) => stats.writesAfterClose > before.writesAfterClose, heartbeatMs * 8);
    const writes = after.writesAfterClose - before.writesAfterClose;
    check(writes === 0, {
      expected: 'no write to a response after its client has gone',
      got: `${writes} write(s) to closed responses within ${heartbeatMs * 8} ms after ${clients} clients left: a heartbeat (or the ticks) still write to them`,
      hint: 'When the stream closes, stop everything that writes to it.',
      read: READ.stop,
    });
    const settled = await statsWhen(server, (stats) => timers(stats) <= timers(before), 1000);
    const extra = timers(settled) - timers(before);
    check(extra <= 0, {
      expected: `no timer left behind by the ${clients} clients that came and left`,
      got: `${extra} more timer(s) running than before they came: about one per client that ever connected`,
      hint: 'Each heartbeat timer belongs to one stream; it must stop when that stream closes.',
      read: READ.stop,
    });
  });

  test('createApp() without options: retry 10000, a tick every second, and no heartbeat flood (the default is 15 s)', async () => {
    const server = await lesson.start();
    // The ticks start with createApp(), a moment before start() returns.
    const started = performance.now();
    const stream = await connectAndWelcome(server, READ.heartbeat);
    const base = comments(stream.raw());
    const welcomed = performance.now();
    // The first tick comes within a second; a heartbeat before it fails at once.
    await until(() => ticks(stream.events).length >= 1 || comments(stream.raw()) > base, 2500);
    const heartbeatAfter = Math.round(performance.now() - welcomed);
    check(comments(stream.raw()) === base, {
      expected: 'no heartbeat in the first second when heartbeatMs is not given: the default is 15000 ms',
      got: `a comment line came ${heartbeatAfter} ms after the welcome event`,
      hint: 'Fall back to 15000 only when options.heartbeatMs is missing.',
      read: READ.heartbeat,
    });
    const first = ticks(stream.events)[0];
    const firstAfter = Math.round(performance.now() - started);
    // A second tick within 300 ms of the first would be a broken default interval.
    await until(() => ticks(stream.events).length > 1 || comments(stream.raw()) > base, 300);
    check(comments(stream.raw()) === base, {
      expected: 'no heartbeat in the first second when heartbeatMs is not given: the default is 15000 ms',
      got: `a comment line came within ${Math.round(performance.now() - welcomed)} ms of the welcome event`,
      hint: 'Fall back to 15000 only when options.heartbeatMs is missing.',
      read: READ.heartbeat,
    });
    check(stream.retries[0] === 10_000, {
      expected: 'retry: 10000 when retryMs is not given (lesson 03)',
      got: stream.retries.length ? `retry: ${stream.retries[0]}` : 'no retry field',
      read: READ.carried,
    });
    if (!first) await server.assertResponsive(READ.carried);
    check(first !== undefined && ticks(stream.events).length === 1 && firstAfter >= 650, {
      expected: 'one tick a second when intervalMs is not given (lesson 04)',
      got: !first
        ? 'no tick within 2.5 s'
        : firstAfter < 650
          ? `the first tick came ${firstAfter} ms after the server started`
          : `${ticks(stream.events).length} ticks within 300 ms of the first`,
      read: READ.carried,
    });
  });
});

describe('lesson 09: headers for what sits in between', () => {
  test('GET /events says X-Accel-Buffering: no and Cache-Control: no-cache, no-transform, besides the headers of lesson 01', async () => {
    const server = await lesson.start({ heartbeatMs: NO_HEARTBEAT });
    // supertest reads the status and headers, then hangs up: the body never ends.
    const response = await request(server.url)
      .get('/events')
      .set('Accept', 'text/event-stream')
      .timeout(2000)
      .buffer(false)
      .parse((res, done) => {
        // At run time the parser gets Node's IncomingMessage.
        (res as unknown as IncomingMessage).destroy();
        done(null, null);
      })
      .catch(async (error: Error) => {
        await server.assertResponsive(READ.buffering);
        teach({ expected: 'GET /events to answer with its headers right away', got: error.message, read: READ.carried });
      });
    const header = (name: string) => String(response.headers[name] ?? '');
    check(response.status === 200 && /^text\/event-stream/i.test(header('content-type')), {
      expected: 'status 200 and Content-Type: text/event-stream, as in lesson 01',
      got: `status ${response.status}, Content-Type: ${header('content-type') || '(none)'}`,
      read: READ.carried,
    });
    const directives = header('cache-control')
      .toLowerCase()
      .split(',')
      .map((directive) => directive.trim());
    check(header('x-accel-buffering').trim().toLowerCase() === 'no', {
      expected: 'X-Accel-Buffering: no, so that nginx passes each event on as it comes',
      got: header('x-accel-buffering') ? `X-Accel-Buffering: ${header('x-accel-buffering')}` : 'no X-Accel-Buffering header',
      read: READ.buffering,
    });
    check(directives.includes('no-cache'), {
      expected: 'Cache-Control with no-cache, as in lesson 01',
      got: header('cache-control') ? `Cache-Control: ${header('cache-control')}` : 'no Cache-Control header',
      read: READ.carried,
    });
    check(directives.includes('no-transform'), {
      expected: 'Cache-Control with no-transform as well, so that nothing on the way compresses (and holds back) the stream',
      got: `Cache-Control: ${header('cache-control')}`,
      read: READ.compression,
    });
  });
});

describeWithPart('lesson 09: behind a real nginx', nginxPart(), (executablePath) => {
  const running: Nginx[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((nginx) => nginx.stop()));
  });

  /** The learner's server behind a fresh nginx: default proxy settings, proxy_read_timeout READ_TIMEOUT_MS. */
  async function behindNginx(server: RunningServer): Promise<Nginx> {
    const nginx = await startNginx({ executablePath, upstreamPort: server.port, readTimeoutMs: READ_TIMEOUT_MS });
    running.push(nginx);
    return nginx;
  }

  /** Opens /events through nginx; nothing at all arriving is what a buffering nginx does. */
  async function openThrough(nginx: Nginx, server: RunningServer): Promise<Stream> {
    try {
      return await openStream(`${nginx.url}/events`, 1500);
    } catch (error) {
      if (!(error instanceof NoResponse)) throw error;
      await server.assertResponsive(READ.buffering);
      teach({
        expected: 'through nginx, the status line and headers within 1.5 s, then each event as it is written',
        got: 'nothing at all arrived through nginx in 1.5 s, not even the headers, while your server streams when asked directly',
        hint: 'nginx buffers a proxied response by default: it passes it on when a buffer is full or the response ends, and an event stream does neither. A response header can turn that off.',
        read: READ.buffering,
      });
    }
  }

  test(`through nginx (its default buffering on), the headers and each tick arrive within their interval`, async () => {
    const intervalMs = 100;
    const server = await lesson.start({ intervalMs, heartbeatMs: NO_HEARTBEAT });
    await connectAndWelcome(server, READ.carried);
    const nginx = await behindNginx(server);
    const stream = await openThrough(nginx, server);
    await until(() => ticks(stream.events).length >= 4 || stream.ended(), 4 * intervalMs + 1500);
    const got = ticks(stream.events);
    check(got.length >= 4, {
      expected: `through nginx, a tick every ${intervalMs} ms, each as it is written`,
      got: `${got.length} tick(s) in ${4 * intervalMs + 1500} ms${stream.raw() ? '' : ': the headers came, then not one byte'}${stream.ended() ? '; then nginx ended the response' : ''} (${nginx.errors().split('\n').at(-1) ?? ''})`,
      hint: 'nginx buffers a proxied response by default and passes it on when a buffer is full or the response ends. A response header can turn that off for one response.',
      read: READ.buffering,
    });
    const spread = got[3]!.at - got[0]!.at;
    check(spread >= intervalMs * 3 * 0.5, {
      expected: `the ticks to arrive one by one, ${intervalMs} ms apart, as your server writes them`,
      got: `4 ticks arrived within ${spread} ms of each other: held back, then passed on together`,
      read: READ.buffering,
    });
  });

  test(`through nginx (proxy_read_timeout ${READ_TIMEOUT_MS} ms), a stream with no tick for 2 s stays open thanks to heartbeats`, async () => {
    const intervalMs = 2000;
    const server = await lesson.start({ intervalMs, heartbeatMs: 100 });
    const nginx = await behindNginx(server);
    const opened = performance.now();
    const stream = await openThrough(nginx, server);
    let endedAt = 0;
    await until(() => {
      if (stream.ended()) endedAt ||= performance.now() - opened;
      return ticks(stream.events).length >= 1 || stream.ended();
    }, intervalMs + 2000);
    if (!stream.ended() && ticks(stream.events).length === 0) await server.assertResponsive(READ.heartbeat);
    const raw = stream.raw();
    check(!stream.ended(), () => ({
      expected: `the stream to stay open through nginx, whose proxy_read_timeout (${READ_TIMEOUT_MS} ms) is shorter than the ${intervalMs / 1000} s between two ticks`,
      got: raw
        ? `nginx closed it ${Math.round(endedAt)} ms after it opened, after ${READ_TIMEOUT_MS} ms without a byte: the tick due at ${intervalMs / 1000} s never arrived`
        : `nginx closed it ${Math.round(endedAt)} ms after it opened, and not one byte of it came through: the response was still buffered (see the test above), and nothing went out for ${READ_TIMEOUT_MS} ms either`,
      hint: `A line that every client ignores, sent every heartbeatMs (here 100 ms), means nginx never sees ${READ_TIMEOUT_MS} ms of silence.`,
      read: READ.heartbeat,
    }));
    check(ticks(stream.events).length >= 1, {
      expected: `the first tick, due ${intervalMs / 1000} s after the server started, to arrive through nginx`,
      got: `no tick within ${(intervalMs + 2000) / 1000} s; the stream sent ${showBytes(raw.slice(-160), 160)}`,
      read: READ.buffering,
    });
  });
});

describe('lesson 09: behind the real compression middleware', () => {
  test('behind compression(), to a client that accepts gzip, each tick arrives within its interval', async () => {
    const intervalMs = 60;
    const server = await lesson.start({ intervalMs, heartbeatMs: NO_HEARTBEAT }, targetFile('09'), 'compression');
    const stream = await openGzipStream(`${server.url}/events`).catch(async (error: Error) => {
      await server.assertResponsive(READ.compression);
      teach({ expected: 'GET /events to answer with its headers right away, behind compression()', got: error.message, read: READ.compression });
    });
    try {
      await until(() => ticks(stream.events).length >= 4 || stream.ended(), 4 * intervalMs + 1500);
      const got = ticks(stream.events);
      check(got.length >= 4, {
        expected: `behind app.use(compression()), a tick every ${intervalMs} ms, each as it is written`,
        got: `${got.length} tick(s) could be read in ${4 * intervalMs + 1500} ms: the stream went out ${stream.encoding ? `${stream.encoding}-compressed` : 'uncompressed'}, ${stream.wireBytes()} byte(s) on the wire`,
        hint: 'compression gathers output to compress it well and holds the events in its buffer. A Cache-Control directive asks it, and every proxy, to leave the response as it is.',
        read: READ.compression,
      });
      const spread = got[3]!.at - got[0]!.at;
      check(spread >= intervalMs * 3 * 0.5, {
        expected: `the ticks to arrive one by one, ${intervalMs} ms apart`,
        got: `4 ticks arrived within ${spread} ms of each other: held back, then passed on together`,
        read: READ.compression,
      });
    } finally {
      stream.close();
    }
  });
});

describe('lesson 09: what lessons 01-08 built still works', () => {
  test('headers, retryMs, the welcome with ?name=, and a client that comes back with Last-Event-ID gets what it missed, or a reset', async () => {
    // historySize 100: three seconds of ticks, so that the client is back long before its tick is gone, on any machine.
    const server = await lesson.start({ retryMs: 1234, intervalMs: 30, historySize: 100, heartbeatMs: NO_HEARTBEAT });
    const first = await connectAndWelcome(server, READ.carried, '/events?name=Ada');
    expectSseHeaders(first, READ.carried);
    check(first.retries[0] === 1234, {
      expected: 'retry: 1234 for createApp({ retryMs: 1234 }) (lesson 03)',
      got: first.retries.length ? `retry: ${first.retries[0]}` : 'no retry field',
      read: READ.carried,
    });
    check(first.events[0]!.data === 'Hello, Ada', {
      expected: 'the welcome event to greet ?name=Ada: "Hello, Ada" (lesson 07)',
      got: `welcome with data ${showBytes(first.events[0]!.data)}`,
      read: READ.carried,
    });
    await until(() => ticks(first.events).length >= 2, 1500);
    const k = Number(ticks(first.events)[0]?.id);
    first.close();
    check(Number.isFinite(k), {
      expected: 'tick events with numeric ids (lesson 08)',
      got: `the events ${showEvents(first.events)}`,
      read: READ.carried,
    });

    // Back with the id of the first tick: the history still has it.
    const back = await connect(server, READ.carried, { headers: { 'Last-Event-ID': String(k) } });
    await until(() => ticks(back.events).length >= 7, 1500);
    const ids = ticks(back.events).map((event) => Number(event.id)).slice(0, 4);
    check(ids.length >= 4 && ids.every((id, i) => id === k + 1 + i) && notTicks(back.events).length === 0, {
      expected: `after Last-Event-ID: ${k}, the ticks ${k + 1}, ${k + 2}, ${k + 3}, ... once each, in order (lesson 08)`,
      got: `the ticks ${ids.slice(0, 10).join(', ') || 'none'}${notTicks(back.events).length ? ` and ${showEvents(notTicks(back.events))}` : ''}`,
      read: READ.carried,
    });
    back.close();

    // A server that keeps 3 events: once a client has seen 5 ticks, the first one is gone from the history.
    const short = await lesson.start({ intervalMs: 30, historySize: 3, heartbeatMs: NO_HEARTBEAT });
    const seen = await connect(short, READ.carried);
    await until(() => ticks(seen.events).length >= 5, 1500);
    const gone = ticks(seen.events)[0]?.id ?? '1';
    seen.close();
    const late = await connect(short, READ.carried, { headers: { 'Last-Event-ID': gone } });
    await until(() => late.events.length >= 3, 1500);
    const types = late.events.map((event) => event.type);
    const resetAt = types.indexOf('reset');
    const tickAt = types.indexOf('tick');
    check(resetAt !== -1 && (tickAt === -1 || resetAt < tickAt), {
      expected: `after Last-Event-ID: ${gone}, older than the 3 kept events (historySize: 3), a reset event before any tick (lesson 08)`,
      got: `the events ${showEvents(late.events.slice(1))}`,
      read: READ.carried,
    });
  });

  test('formatEvent in sse-format.ts still lets no caller forge an event or a field', async () => {
    const file = targetFile('09', 'sse-format.ts');
    const cases = [
      { event: 'x\ndata: forged', data: 'a' },
      { id: '1\revent: admin', data: 'a' },
      { data: 'a\n\nevent: admin\ndata: forged' },
      // A client ignores an id that holds U+0000 and keeps the previous one.
      { id: 'a\0b', data: 'a' },
      // And a retry that is not whole milliseconds.
      { retry: 1.5, data: 'a' },
    ];
    for (const input of cases) {
      const result = await lesson.call(file, 'formatEvent', [input]);
      if (result.threw) continue; // Refusing is one of the two right answers.
      const events: { event?: string; id?: string; data: string }[] = [];
      const retries: number[] = [];
      createParser({ onEvent: (event) => events.push(event), onRetry: (ms) => retries.push(ms) }).feed(String(result.returned));
      // Stripping is the other: then the client gets exactly the data, and no type it was not given.
      const data = input.data.replace(/\r\n|\r/g, '\n');
      const idKept = input.id === undefined || events[0]?.id !== undefined;
      const retryKept = input.retry === undefined || retries.length === 1;
      check(events.length === 1 && events[0]!.data === data && events[0]!.event !== 'admin' && idKept && retryKept, {
        expected: `formatEvent(${JSON.stringify(input)}) to give one event whose data is ${JSON.stringify(data)}, with no field the caller did not ask for (lesson 07)`,
        got: `it returned ${showBytes(String(result.returned))}, which a client reads as ${events.length} event(s): ${events.map((e) => `${e.event ?? 'message'} ${JSON.stringify(e.data)}`).join(', ')}${idKept ? '' : ', and it ignores the id'}${retryKept ? '' : ', and it ignores the retry'}`,
        read: READ.carried,
      });
    }
  });

  test('GET / still serves the page; the Node client still gets the ticks, and a reset when it missed too much', async () => {
    // historySize 1 and a quick reconnect: by the time the client is back, its last tick is gone.
    const server = await lesson.start({ intervalMs: 30, retryMs: 50, historySize: 1, heartbeatMs: NO_HEARTBEAT });
    const file = targetFile('09', 'public/index.html');
    const response = await request(server.url).get('/').timeout(2000);
    check(response.status === 200 && response.text === fs.readFileSync(file, 'utf8'), {
      expected: `GET / to answer 200 with ${shown(file)}, unchanged (lesson 05)`,
      got: `status ${response.status}, a body of ${response.text?.length ?? 0} chars`,
      read: READ.carried,
    });
    const client = await lesson.subscribe(`${server.url}/events`);
    try {
      const passedOn = () => client.received().map((json) => JSON.parse(json) as { type: string; id: string; data: string });
      const received = await pollUntil(passedOn, (events) => events.filter((event) => event.type === 'tick').length >= 2, 2000);
      const tick = received.find((event) => event.type === 'tick');
      check(tick !== undefined && tick.data === JSON.stringify({ count: Number(tick.id) }), {
        expected: 'the client of client.ts to pass on each tick with its type, id and data (lessons 07 and 08)',
        got: received.length ? `it passed on ${received.slice(0, 4).map((event) => JSON.stringify(event)).join(', ')}` : 'it passed on nothing in 2 s',
        read: READ.carried,
      });
      await server.drop();
      const after = await pollUntil(passedOn, (events) => events.some((event) => event.type === 'reset'), 2000);
      check(after.some((event) => event.type === 'reset'), {
        expected: 'the client of client.ts to pass on the reset event it gets when it comes back too late (lesson 08)',
        got: `after the connection was cut, it passed on ${after.slice(received.length, received.length + 4).map((event) => JSON.stringify(event)).join(', ') || 'nothing more'} in 2 s`,
        read: READ.carried,
      });
    } finally {
      await client.stop();
    }
  });
});
