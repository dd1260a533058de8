// Lesson 12: stopping cleanly. A stream that is over answers 204, and the
// browser's EventSource stops for good (checked in Chromium). The app's stop()
// ends every open stream and its timers; main.ts, run as a real process with 50
// streams open, exits on SIGTERM within a deadline, every client seeing the end
// of its response (not a cut connection). Then, briefly, what lessons 01-11 built.
import request from 'supertest';
import { describe, test } from 'vitest';
import { describeInBrowser } from './support/browser-launch.ts';
import { chatChecks, chats, showEvents, ticks } from './support/chat-checks.ts';
import { DEFAULT_RETRY_MS, expectPageServed } from './support/earlier-lessons.ts';
import { useLesson, type RunningServer, type Stats } from './support/lesson-host.ts';
import { openRaw, startProcess, type RawStream } from './support/lesson-process.ts';
import { pollUntil, until } from './support/poll.ts';
import { shown, targetFile } from './support/target.ts';
import { check, teach } from './support/teach.ts';

const lesson = useLesson('12', 'docs/12-clean-stop.md');

const DOC = 'docs/12-clean-stop.md';
const READ = {
  over: `${DOC}#a-stream-that-is-over-204-no-content`,
  stop: `${DOC}#stopping-the-app`,
  timer: `${DOC}#a-timer-keeps-the-process-alive`,
  close: `${DOC}#what-serverclose-waits-for`,
  signal: `${DOC}#sigterm-the-polite-way-to-stop-a-process`,
  carried: `${DOC}#what-you-start-from`,
};
const { join, post, expectChats } = chatChecks({
  publish: 'docs/10-broadcast.md#publishing-from-outside-post-messages',
  hub: 'docs/10-broadcast.md#one-source-many-subscribers',
  carried: READ.carried,
});

const timers = (stats: Stats) => stats.resources.Timeout ?? 0;
/** How long main.ts may take to exit after SIGTERM, with 50 streams open. */
const EXIT_DEADLINE_MS = 3000;
const STREAMS = 50;

/** Calls the app's stop(); fails with a teaching message when there is none or it throws. */
async function stopApp(server: RunningServer): Promise<void> {
  const result = await server.stopApp();
  check(result.hasStop, {
    expected: 'createApp() to return the app with a stop() method (app.stop()), which ends every open stream and the ticks',
    got: 'the app it returned has no stop() method',
    read: READ.stop,
  });
  check(!result.threw, {
    expected: 'app.stop() to run without throwing',
    got: `it threw ${result.threw?.name ?? 'Error'}: ${result.threw?.message}`,
    read: READ.stop,
  });
}

describe('lesson 12: a stream that is over answers 204', () => {
  test('after lastTick the open streams end, and GET /events answers 204 No Content with no body', async () => {
    // The ticks start with the app: the stream has to open before the last one, a
    // second later, which leaves room for a busy machine.
    const intervalMs = 250;
    const lastTick = 4;
    const server = await lesson.start({ intervalMs, lastTick, heartbeatMs: 60_000 });
    const before = await server.stats();
    const stream = await join(server, READ.carried);
    const withinMs = intervalMs * lastTick + 1500;
    // A tick past lastTick settles it too: the stream goes on.
    const pastLast = JSON.stringify({ count: lastTick + 1 });
    await until(() => stream.ended() || ticks(stream.events).some((event) => event.data === pastLast), withinMs);
    const ended = stream.ended();
    const got = ticks(stream.events).map((event) => event.data);
    check(got.at(-1) === JSON.stringify({ count: lastTick }) && ended, {
      expected: `with lastTick: ${lastTick} and intervalMs: ${intervalMs}, an open stream gets the ticks up to {"count":${lastTick}}, and then its response ends (the stream is over)`,
      got: ended ? `the stream ended after ${showEvents(ticks(stream.events))}` : `it is still open, with ${showEvents(ticks(stream.events))}`,
      hint: ended ? undefined : 'After the last tick nothing more will come: end every open response.',
      read: READ.over,
    });
    const after = await request(server.url).get('/events').set('Accept', 'text/event-stream').timeout(2000).buffer(true)
      .catch(async (error: Error) => {
        await server.assertResponsive(READ.over);
        teach({ expected: 'GET /events after the last tick to answer at once', got: error.message, read: READ.over });
      });
    const type = String(after.headers['content-type'] ?? '');
    check(after.status === 204, {
      expected: 'GET /events after the last tick to answer 204 No Content: the one answer that tells an EventSource to stop reconnecting',
      got: `status ${after.status}${/event-stream/.test(type) ? ' with Content-Type: text/event-stream: an EventSource opens it, sees it end, and reconnects after retry, for ever' : ''}`,
      read: READ.over,
    });
    check(!/event-stream/.test(type) && (after.text ?? '') === '', {
      expected: 'the 204 to carry no stream headers and no body',
      got: `Content-Type: ${type || '(none)'}, a body of ${(after.text ?? '').length} chars`,
      read: READ.over,
    });
    // The tick timer was running before the stream opened; once the stream is over it has nothing left to do.
    const settled = await pollUntil(() => server.stats(), (stats) => timers(stats) < timers(before), 1000);
    check(timers(settled) < timers(before), {
      expected: 'the tick timer to stop once the last tick was sent: nothing will ever read what it publishes',
      got: `${timers(settled)} timer(s) in the server's process, as many as while the ticks ran (${timers(before)})`,
      hint: 'Keep what setInterval returned, and clear it after the last tick.',
      read: READ.timer,
    });
  });
});

describeInBrowser('lesson 12: Chromium stops reconnecting on 204', (browser) => {
  test('an EventSource whose stream is over becomes CLOSED, and asks no more', async () => {
    const retryMs = 100;
    const lastTick = 2;
    const server = await lesson.start({ intervalMs: 40, lastTick, retryMs, heartbeatMs: 60_000 });
    const watched = await browser.newPage();
    // A blank page of the server's origin, made up by the browser: the lesson's page would open streams of its own.
    await watched.page.route(`${server.url}/__blank`, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>blank</title>' }));
    await watched.page.goto(`${server.url}/__blank`, { waitUntil: 'domcontentloaded', timeout: 5000 });
    await watched.page.evaluate(`window.__source = new EventSource('/events')`);
    const look = async () => ({
      readyState: await watched.page.evaluate<number>('window.__source.readyState').catch(() => -1),
      ticks: (await watched.state()).named.tick ?? 0,
    });
    // Done when CLOSED, or as soon as a tick came after the last one: that stream did not end in time.
    const seen = await pollUntil(look, ({ readyState, ticks }) => readyState === 2 || ticks > lastTick, 3000, 50);
    const closed = seen.readyState;
    const requests = watched.eventSourceRequests.length;
    check(closed === 2 && requests >= 1, {
      expected: `the browser's EventSource to end up CLOSED (readyState 2) once the stream is over`,
      got: seen.ticks > lastTick
        ? `it got tick ${seen.ticks} after lastTick: ${lastTick}: its first stream never ended`
        : `after 3 s its readyState is ${closed} (${closed === 0 ? 'CONNECTING' : closed === 1 ? 'OPEN' : '?'}), after ${requests} request(s) to /events${closed === 0 ? `: it keeps reconnecting every ${retryMs} ms` : ': its first stream never ended'}`,
      hint: closed === 0
        ? 'Ending a response, even one with no events, makes an EventSource reconnect. Only a 204 tells it the stream is over.'
        : 'After the last tick, end every open stream; the EventSource then comes back, and that request is the one to answer so it stops.',
      read: READ.over,
    });
    // Ten reconnection delays: a browser that was going to ask again has.
    await new Promise((resolve) => setTimeout(resolve, 10 * retryMs));
    check(watched.eventSourceRequests.length === requests, {
      expected: 'no request to /events once the EventSource is CLOSED',
      got: `${watched.eventSourceRequests.length} requests in all, ${watched.eventSourceRequests.length - requests} after it closed`,
      read: READ.over,
    });
  }, 25_000);
});

describe('lesson 12: app.stop() ends every stream and every timer', () => {
  test('5 open streams get a last event and end cleanly, the ticks and heartbeats stop; the server keeps listening', async () => {
    const server = await lesson.start({ intervalMs: 20, heartbeatMs: 30 });
    const streams = await Promise.all(Array.from({ length: 5 }, () => join(server, READ.carried)));
    await until(() => streams.every((stream) => ticks(stream.events).length >= 1), 1500);
    const withStreams = await server.stats();
    const seen = streams.map((stream) => stream.events.length);
    await stopApp(server);
    await until(() => streams.every((stream) => stream.ended()), 1500);
    const open = streams.filter((stream) => !stream.ended()).length;
    check(open === 0, {
      expected: 'app.stop() to end every open stream (each client sees its response end and reconnects later, to the next server)',
      got: `${open} of 5 streams still open 1.5 s after stop()`,
      hint: 'server.close() will wait for every one of them. The hub knows every open stream.',
      read: READ.stop,
    });
    const silent = streams.filter((stream, i) => !stream.events.slice(seen[i]).some((event) => event.type !== 'tick')).length;
    check(silent === 0, {
      expected: 'each stream to get a last event before its end (any name but tick, e.g. "bye"), so the page can say that the server is going away and it will reconnect',
      got: `${silent} of 5 streams ended without one`,
      read: READ.stop,
    });
    // The tick timer and the five heartbeats: all gone, whatever else the process runs.
    const settled = await pollUntil(() => server.stats(), (stats) => timers(stats) <= timers(withStreams) - 6, 1500);
    const left = timers(settled) - (timers(withStreams) - 6);
    const tickCount = ticks(streams[0]!.events).length;
    check(left <= 0, {
      expected: 'no timer of this app left after stop(): not the tick timer, not a heartbeat',
      got: `${left} timer(s) still running after stop() (${timers(withStreams)} with the 5 streams open, ${timers(settled)} now)`,
      hint: 'A timer that runs keeps the process alive: after SIGTERM it would never exit by itself. Keep what setInterval returns and clear it.',
      read: READ.timer,
    });
    const late = await request(server.url).get('/').timeout(2000).then((response) => response.status, () => 0);
    check(late === 200 && tickCount >= 1, {
      expected: 'stop() to leave the HTTP server to its owner (main.ts closes it): GET / still answers',
      got: late ? `status ${late}` : 'no answer',
      read: READ.stop,
    });
  });
});

describe('lesson 12: main.ts stops on SIGTERM', () => {
  test(`with ${STREAMS} streams open, the process exits within ${EXIT_DEADLINE_MS / 1000} s of SIGTERM, and every client sees its stream end`, async () => {
    const file = targetFile('12', 'main.ts');
    const main = await startProcess(file, 25_000);
    check(main.port !== undefined, {
      expected: `${shown(file)} to listen on PORT and print a line with http://localhost:<port>`,
      got: `${main.problem}: ${JSON.stringify(main.output().slice(-300))}`,
      read: READ.signal,
    });
    let streams: RawStream[];
    try {
      streams = await Promise.all(Array.from({ length: STREAMS }, () => openRaw(main.port!, '/events', (body) => /Hello/.test(body), 8000)));
    } catch (error) {
      teach({ expected: `${STREAMS} streams to open on ${shown(file)}'s server`, got: (error as Error).message, read: READ.carried });
    }
    const sent = performance.now();
    main.child.kill('SIGTERM');
    const exit = await main.exit(EXIT_DEADLINE_MS);
    const took = Math.round(performance.now() - sent);
    const open = streams.filter((stream) => stream.state() === 'open').length;
    if (!exit) main.child.kill('SIGKILL');
    check(exit, {
      expected: `the process to exit within ${EXIT_DEADLINE_MS / 1000} s of SIGTERM, with ${STREAMS} streams open`,
      got: `it still runs ${EXIT_DEADLINE_MS / 1000} s later, with ${open} of ${STREAMS} streams still open`,
      hint:
        open > 0
          ? 'server.close() stops new connections and then waits for every open one: an SSE stream never ends by itself. End the streams first (app.stop()).'
          : 'Every stream ended, yet something keeps the process alive: a timer that still runs (the ticks?), or connections left open after their response ended (keep-alive: see server.closeIdleConnections()).',
      read: open > 0 ? READ.close : READ.timer,
    });
    check(exit.signal === null, {
      expected: 'the process to handle SIGTERM itself: end the streams, close the server, and exit by itself',
      got: `it was killed by ${exit.signal} (Node's default for a signal nobody listens for): every client's connection was cut mid-stream`,
      read: READ.signal,
    });
    check(exit.code === 0, {
      expected: 'exit code 0 after a clean stop',
      got: `exit code ${exit.code}: ${JSON.stringify(main.output().slice(-200))}`,
      read: READ.signal,
    });
    await until(() => streams.every((stream) => stream.state() !== 'open'), 500);
    const cut = streams.filter((stream) => stream.state() !== 'ended').length;
    check(cut === 0, {
      expected: `every one of the ${STREAMS} clients to see its response end (the last chunk of the response), so it reconnects after retry to the next server`,
      got: `${cut} of ${STREAMS} connections were cut instead, after ${took} ms (destroyed sockets, or the process exiting under them)`,
      hint: 'server.closeAllConnections() or process.exit() while streams are open cuts them; end each response first.',
      read: READ.stop,
    });
  }, 50_000);
});

describe('lesson 12: what lessons 01-11 built still works', () => {
  test('chat to every client, the welcome, and the page at /', async () => {
    const server = await lesson.start({ intervalMs: 60_000, heartbeatMs: 60_000 });
    const streams = await Promise.all([join(server, READ.carried), join(server, READ.carried)]);
    await post(server, 'still here');
    await expectChats(server, streams, ['still here'], 2000, READ.carried);
    check(chats(streams[0]!.events).length === 1, { expected: 'one chat event', got: showEvents(streams[0]!.events), read: READ.carried });
    await expectPageServed(server, '12', READ.carried);
  });

  test('createApp() without options: retry 10000 and a tick every second, which goes on (no lastTick)', async () => {
    const server = await lesson.start();
    const stream = await join(server, READ.carried);
    await until(() => ticks(stream.events).length >= 1, 2500);
    const first = ticks(stream.events)[0];
    await until(() => ticks(stream.events).length > 1, 300);
    check(stream.retries[0] === DEFAULT_RETRY_MS && first !== undefined && ticks(stream.events).length === 1 && !stream.ended(), {
      expected: 'retry: 10000 and one tick a second when no option is given, and a stream that stays open (lessons 03, 04 and 07)',
      got: `retry ${stream.retries[0] ?? '(none)'}, ${first ? `${ticks(stream.events).length} tick(s) within 300 ms of the first` : 'no tick within 2.5 s'}${stream.ended() ? ', and the stream ended' : ''}`,
      read: READ.carried,
    });
  });
});
