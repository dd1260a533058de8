// Lesson 07: event names, ids and framing that cannot be forged.
// formatEvent (sse-format.ts) is called in the learner's process, never in
// this thread; what it returns is read by eventsource-parser and by the
// `eventsource` package (Chromium reads it in lesson-07-framing-browser.test.ts).
// Then the stream: a comment, a welcome event that carries the caller's name
// safely, tick events with ids and JSON data, and what lessons 01-06 built.
import fs from 'node:fs';
import request from 'supertest';
import { afterEach, describe, test } from 'vitest';
import { connect, expectSseHeaders } from './support/expect-sse.ts';
import {
  FORGERY_CASES,
  FRAMING_READ,
  LINE_BREAK_CASES,
  expectOneEvent,
  formatCase,
  formatValid,
  judgeCase,
  readWithNodeClient,
  readWithParser,
  showCall,
  format,
  type ForgeryCase,
  type SseEvent,
  type Wanted,
} from './support/framing-checks.ts';
import { useLesson, type RunningClient, type RunningServer, type Stats } from './support/lesson-host.ts';
import { parseEventStream } from './support/parse-event-stream.ts';
import { pollUntil, until } from './support/poll.ts';
import { readWithEventSource } from './support/replay-stream.ts';
import { startTestServer, type TestServer } from './support/sse-test-server.ts';
import type { ReceivedEvent, Stream } from './support/sse.ts';
import { shown, targetFile } from './support/target.ts';
import { check, showBytes, teach } from './support/teach.ts';

const lesson = useLesson('07', 'docs/07-framing.md');

const READ = {
  ...FRAMING_READ,
  named: 'docs/07-framing.md#named-events-and-addeventlistener',
  comments: 'docs/07-framing.md#comments',
  json: 'docs/07-framing.md#json-payloads',
  task: 'docs/07-framing.md#your-task',
  client: 'docs/07-framing.md#your-task',
  earlier: 'docs/07-framing.md#your-task',
};

/** A fast tick, so a few intervals pass in a fraction of a second. */
const INTERVAL_MS = 20;

/** Formats `event` (which is valid) and checks eventsource-parser and the `eventsource` package read `wanted`. */
async function expectFormatted(event: SseEvent, wanted: Wanted, hint: string, read: string): Promise<string> {
  const text = await formatValid(lesson, event, read);
  const t = { call: showCall(event), text, hint, read };
  expectOneEvent(readWithParser(text), wanted, { ...t, reader: 'eventsource-parser' });
  expectOneEvent(await readWithNodeClient(text), wanted, { ...t, reader: 'the eventsource package' });
  return text;
}

/** A forgery case through both Node readers; a formatter that throws passes when that is allowed. */
async function expectNoForgery(c: ForgeryCase): Promise<void> {
  const text = await formatCase(lesson, c);
  if (text === undefined) return;
  judgeCase(c, text, readWithParser(text), 'eventsource-parser');
  judgeCase(c, text, await readWithNodeClient(text), 'the eventsource package');
}

// The first test also starts your server's process; on a busy machine that and
// the readers' connections take several seconds. A passing run takes far less.
describe('lesson 07: formatEvent(event) in sse-format.ts', { timeout: 20_000 }, () => {
  test('returns one complete event: data: hello and the blank line that ends it', async () => {
    await expectFormatted(
      { data: 'hello' },
      { type: 'message', data: 'hello' },
      'An event is its field lines, then an empty line: without it, no client dispatches the event.',
      READ.block,
    );
  });

  test('writes the event, id and retry fields, which clients read', async () => {
    const event = { event: 'ping', id: '42', retry: 5000, data: '{"at":"12:00"}' };
    const text = await expectFormatted(
      event,
      { type: 'ping', data: '{"at":"12:00"}', id: '42' },
      'Write one "name: value" line for each field that is given: event, id, retry, then the data.',
      READ.fields,
    );
    const retries = parseEventStream(text).retries;
    check(retries.length === 1 && retries[0] === 5000, {
      expected: `${showCall(event)} to carry a retry: 5000 line`,
      got: `it returned ${showBytes(text)}, with ${retries.length ? `retry ${retries.join(', ')}` : 'no retry line a client accepts'}`,
      hint: 'retry is a field like the others: "retry: " and the number of milliseconds, on its own line.',
      read: READ.fields,
    });
    const bare = await formatValid(lesson, { data: 'x' });
    check(!/^(event|id|retry)\b/m.test(bare), {
      expected: `${showCall({ data: 'x' })} to write only a data line: the other fields were not given`,
      got: `it returned ${showBytes(bare)}`,
      hint: 'Write a field only when it is given (not undefined). An empty event: line still resets the type, and an empty id: line the last event id.',
      read: READ.fields,
    });
  });

  test('data on several lines: \\n, \\r\\n and a lone \\r each start a new data: line, joined by \\n at the client', async () => {
    const hint = 'Split the data at every line break (\\r\\n, \\n and a lone \\r) and write one data: line for each part. The client joins them with \\n.';
    await expectFormatted({ data: 'one\ntwo\r\nthree\rfour' }, { type: 'message', data: 'one\ntwo\nthree\nfour' }, hint, READ.lines);
    await expectFormatted({ data: 'ends with a line break\n' }, { type: 'message', data: 'ends with a line break\n' }, hint, READ.lines);
    await expectFormatted(
      { data: '' },
      { type: 'message', data: '' },
      'Empty data is still data: one "data: " line with nothing after it. An event with no data: line at all is never dispatched.',
      READ.lines,
    );
  });

  test('unicode, emoji, leading spaces and colons in data arrive unchanged', async () => {
    const data = '  Grüße: 世界 👋🏽 ❤️\u2028still the same line';
    await expectFormatted(
      { data },
      { type: 'message', data },
      'Write "data: " with one space, then the line as it is: the client removes exactly one space after the colon. U+2028 is not a line break in an event stream.',
      READ.lines,
    );
  });

  for (const c of Object.values(FORGERY_CASES)) {
    test(c.name, async () => {
      await expectNoForgery(c);
    });
  }

  test('every line break in event or id (\\n, \\r, \\r\\n) is refused or removed, never sent', async () => {
    for (const c of LINE_BREAK_CASES) await expectNoForgery(c);
  });

  test('formatComment(text) writes a comment line that clients skip; a line break in the text starts no field', async () => {
    const file = targetFile('07', 'sse-format.ts');
    const after = 'data: after\n\n';
    for (const text of ['a tick every second', 'x\ndata: forged', 'x\rdata: forged', 'x\r\n\nevent: admin\ndata: forged']) {
      const result = await lesson.call(file, 'formatComment', [text]);
      const call = `formatComment(${showBytes(text)})`;
      const safe = !/[\r\n]/.test(text);
      if (result.threw) {
        if (!safe) continue;
        const notWritten = /not written|TODO/i.test(result.threw.message);
        teach({
          expected: `${call} to return a comment line`,
          got: `it threw ${result.threw.name ?? 'Error'}: ${result.threw.message.split('\n')[0]}`,
          hint: notWritten ? "formatComment is still the starter's stub: TODO 2 in sse-format.ts." : 'Nothing is wrong with this text; refuse only a line break.',
          read: READ.comments,
        });
      }
      const comment = result.returned;
      check(typeof comment === 'string' && comment.startsWith(':'), {
        expected: `${call} to return a comment: a line that starts with a colon`,
        got: `it returned ${typeof comment === 'string' ? showBytes(comment) : String(comment)}`,
        read: READ.comments,
      });
      const textAfter = comment + after;
      const t = { call: `${call} followed by ${showBytes(after)}`, text: textAfter, read: safe ? READ.comments : READ.forged, mayThrow: !safe };
      const hint = safe
        ? 'A comment is ":", the text and a line break; clients skip it.'
        : 'A line break ends the comment, and the rest of the text is read as a field. Refuse a text with \\r or \\n (or remove them).';
      expectOneEvent(readWithParser(textAfter), { type: 'message', data: 'after' }, { ...t, hint, reader: 'eventsource-parser' });
      if (safe) {
        const comments = parseEventStream(comment).comments;
        check(comments.length === 1 && comments[0] === text, {
          expected: `${call} to be one comment line with that text`,
          got: `it returned ${showBytes(comment)}`,
          hint,
          read: READ.comments,
        });
      }
    }
  });

  test('retry is whole milliseconds: 1.5 and -1 are refused or left out, never sent', async () => {
    await formatValid(lesson, { retry: 1000, data: 'hello' }, READ.fields);
    for (const retry of [1.5, -1]) {
      const event = { retry, data: 'hello' };
      const outcome = await format(lesson, event);
      if ('threw' in outcome) continue;
      const bad = outcome.text.split(/\r\n|\r|\n/).filter((line) => /^retry\b/.test(line) && !/^retry: ?\d+$/.test(line));
      check(bad.length === 0, {
        expected: `${showCall(event)} to throw, or to leave the retry line out`,
        got: `it returned ${showBytes(outcome.text)}: a client ignores ${showBytes(bad[0]!)}, so the delay never changes`,
        hint: 'A client accepts a retry value made of the digits 0-9 only. Check the number is a whole number of 0 or more before writing it.',
        read: READ.fields,
      });
    }
  });
});

// ---------------------------------------------------------------------------
// The stream of the lesson's server.

/** Opens `path`, waits for `count` events (or the end), and fails with the stream's bytes if fewer came. */
async function eventsOf(
  server: RunningServer,
  path: string,
  count: number,
  what: string,
  read: string,
  checkStart?: (raw: string) => void,
): Promise<{ stream: Stream; events: ReceivedEvent[] }> {
  const stream = await connect(server, read, { path });
  if (checkStart) {
    // How a stream starts shows in its first bytes: no need to wait for its events
    // (the wait for an event still ends early when nothing can come).
    await Promise.race([until(() => stream.raw().length > 0, 2000), stream.waitForEvents(1, 2000)]);
    if (stream.raw()) checkStart(stream.raw());
  }
  const events = await stream.waitForEvents(count, 2000);
  if (events.length < count) await server.assertResponsive(read);
  check(events.length >= count, {
    expected: `GET ${path} to send ${what}`,
    got: `${events.length} event(s) within 2 s; the stream ${stream.raw() ? `sent ${showBytes(stream.raw())}` : 'sent no bytes after the headers'}`,
    hint: 'Every event goes through formatEvent, which must return a complete block ending in a blank line.',
    read,
  });
  return { stream, events };
}

const showEvent = (event: ReceivedEvent | undefined): string =>
  event ? `{ type ${showBytes(event.type)}, data ${showBytes(event.data)}${event.id !== undefined ? `, id ${showBytes(event.id)}` : ''} }` : 'nothing';

function expectWelcome(event: ReceivedEvent | undefined, name: string, raw: string): void {
  const data = `Hello, ${name}`;
  check(event?.type === 'welcome' && event.data === data, {
    expected: `the first event to be named welcome, with the data ${showBytes(data)}`,
    got: `the first event was ${showEvent(event)}; the stream began ${showBytes(raw, 160)}`,
    hint:
      event?.type === 'message'
        ? 'The event has no name: give formatEvent an event field.'
        : event?.type === 'welcome'
          ? 'Greet the name from the query string (?name=...), or "stranger" when there is not exactly one.'
          : 'Send the welcome event right after the headers, before the first tick.',
    read: READ.task,
  });
}

describe('lesson 07: the stream at /events', () => {
  test('starts with a comment, then an event named welcome with "Hello, Ada" and retry 10000 by default', async () => {
    const server = await lesson.start();
    const startsWithComment = (raw: string, comments: number) =>
      check(/^:/.test(raw) && comments > 0, {
        expected: 'the stream to start with a comment line (": ..." and a blank line), before any event',
        got: `it began ${showBytes(raw, 120)}`,
        hint: 'A line that starts with a colon is a comment: every client skips it. Say what the stream is, for whoever reads it with curl.',
        read: READ.comments,
      });
    const { stream, events } = await eventsOf(server, '/events?name=Ada', 1, 'a welcome event', READ.task, (raw) => startsWithComment(raw, 1));
    expectSseHeaders(stream, READ.earlier);
    const raw = stream.raw();
    startsWithComment(raw, parseEventStream(raw.slice(0, raw.search(/\n\n|\r\n\r\n|\r\r/) + 2)).comments.length);
    expectWelcome(events[0], 'Ada', raw);
    check(stream.retries.length === 1 && stream.retries[0] === 10_000, {
      expected: 'one retry: 10000 field before the welcome event is dispatched, when createApp() gets no retryMs',
      got: stream.retries.length ? `retry ${stream.retries.join(', ')}` : 'no retry field a client accepts',
      hint: 'Keep lesson 03\'s retry, with its default of 10000: formatEvent takes a retry field too.',
      read: READ.earlier,
    });
  });

  test('without a name (or with two) the welcome says "Hello, stranger"; retryMs is honoured', async () => {
    const server = await lesson.start({ retryMs: 300, intervalMs: INTERVAL_MS });
    for (const path of ['/events', '/events?name=a&name=b']) {
      const { stream, events } = await eventsOf(server, path, 1, 'a welcome event', READ.task);
      expectWelcome(events[0], 'stranger', stream.raw());
      check(stream.retries[0] === 300, {
        expected: 'retry: 300 when createApp gets { retryMs: 300 }',
        got: stream.retries.length ? `retry ${stream.retries.join(', ')}` : 'no retry field a client accepts',
        read: READ.earlier,
      });
      stream.close();
    }
  });

  test('ticks are events named tick, with id 1, 2, 3 and JSON data {"count":1}; each connection counts from 1', async () => {
    const server = await lesson.start({ intervalMs: INTERVAL_MS });
    const first = await eventsOf(server, '/events', 4, 'a welcome event and then a tick every intervalMs', READ.named);
    const second = await eventsOf(server, '/events', 4, 'a welcome event and then a tick every intervalMs', READ.named);
    for (const { events } of [first, second]) {
      const ticks = events.slice(1, 4);
      ticks.forEach((tick, i) => {
        const n = i + 1;
        let count: unknown;
        try {
          count = (JSON.parse(tick.data) as { count?: unknown }).count;
        } catch {
          count = undefined;
        }
        check(tick.type === 'tick' && tick.id === String(n) && count === n, {
          expected: `tick number ${n} of each connection: named tick, id ${n}, data {"count":${n}}`,
          got: `it was ${showEvent(tick)}`,
          hint:
            tick.type !== 'tick'
              ? 'Give each tick the event name tick.'
              : tick.id !== String(n)
                ? 'Give each tick its count as its id (a string).'
                : count === undefined
                  ? 'The data must be JSON: JSON.stringify an object, never build JSON by hand.'
                  : 'Count per connection: 1, 2, 3 ... and put the number (not a string) in the JSON.',
          read: tick.type !== 'tick' ? READ.named : tick.id !== String(n) ? READ.fields : READ.json,
        });
      });
    }
  });

  test('a name with line breaks forges nothing: one welcome event holds all of it, then tick 1', async () => {
    const name = 'Eve\n\nevent: admin\ndata: forged\r\nid: 666\rretry: 1';
    const server = await lesson.start({ intervalMs: 50 });
    const path = `/events?name=${encodeURIComponent(name)}`;
    const wanted = `Hello, ${name.replace(/\r\n|\r/g, '\n')}`;
    const { stream, events } = await eventsOf(server, path, 2, 'a welcome event, then tick 1', READ.forged);
    const hint =
      'The name is data: formatEvent must split it into data: lines. A line of the name must never reach the stream as a field of its own.';
    check(events[0]?.type === 'welcome' && events[0].data === wanted && events[1]?.type === 'tick' && events[1].id === '1', {
      expected: `?name=${showBytes(name)} to arrive as one welcome event with the data ${showBytes(wanted)}, then tick 1`,
      got: `eventsource-parser read ${events.slice(0, 2).map(showEvent).join(', then ')}${stream.retries.some((ms) => ms !== 10_000) ? `, and retry ${stream.retries.join(', ')}` : ''}`,
      hint,
      read: READ.forged,
    });
    const seen = await readWithEventSource(`${server.url}${path}`, ['welcome', 'admin'], 'tick', 3000);
    check(seen?.length === 1 && seen[0]!.type === 'welcome' && seen[0]!.data === wanted, {
      expected: `the eventsource package to see one welcome event with the data ${showBytes(wanted)} before the first tick`,
      got: seen ? `it saw ${seen.map((event) => `${event.type} ${showBytes(event.data)}`).join(', ')}` : 'no tick within 3 s',
      hint,
      read: READ.forged,
    });
  });

  test('when a client leaves, its timer stops: no more writes to its response', async () => {
    const server = await lesson.start({ intervalMs: INTERVAL_MS });
    const before = await pollUntil(() => server.stats(), (stats: Stats) => stats.openResponses === 0, 1000);
    const { stream } = await eventsOf(server, '/events', 2, 'a welcome event and a tick', READ.earlier);
    stream.close();
    await pollUntil(() => server.stats(), (stats: Stats) => stats.openResponses <= before.openResponses, 1000);
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS * 6));
    const after = await server.stats();
    const writes = after.writesAfterClose - before.writesAfterClose;
    check(writes === 0 && (after.resources.Timeout ?? 0) <= (before.resources.Timeout ?? 0), {
      expected: 'no write to a response after its client has gone, and no timer left behind (lesson 06)',
      got: `${writes} write(s) to the closed response, ${(after.resources.Timeout ?? 0) - (before.resources.Timeout ?? 0)} timer(s) more than before`,
      hint: 'Keep lesson 06\'s res.on("close", ...) that clears the timer.',
      read: 'docs/06-disconnect.md#the-close-event',
    });
  });

  test('GET / still serves public/index.html as HTML', async () => {
    const server = await lesson.start();
    const file = targetFile('07', 'public/index.html');
    const response = await request(server.url)
      .get('/')
      .timeout(2000)
      .catch(async () => {
        await server.assertResponsive(READ.earlier);
        teach({
          expected: 'GET / to answer with the page (lesson 05)',
          got: 'no answer within 2 s',
          hint: 'The route for / must send the file: keep lesson 05\'s res.sendFile(...).',
          read: 'docs/05-client.md#serve-the-page',
        });
      });
    check(response.status === 200 && /^text\/html/.test(response.headers['content-type'] ?? ''), {
      expected: 'GET / to answer 200 with the page, as text/html (lesson 05)',
      got: `status ${response.status}, Content-Type ${response.headers['content-type'] ?? '(none)'}`,
      read: 'docs/05-client.md#serve-the-page',
    });
    check(response.text === fs.readFileSync(file, 'utf8'), {
      expected: `the body to be ${shown(file)}, unchanged`,
      got: `a body of ${response.text.length} chars: ${showBytes(response.text, 120)}`,
      read: 'docs/05-client.md#serve-the-page',
    });
  });
});

// ---------------------------------------------------------------------------
// The Node client.

const testServers: TestServer[] = [];
const clients: RunningClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.stop()));
  await Promise.all(testServers.splice(0).map((server) => server.close()));
});

interface Passed {
  type?: unknown;
  id?: unknown;
  data?: unknown;
}

/** What the learner's client passed to onEvent, each call parsed from JSON (the host sends objects as JSON). */
const passed = (client: RunningClient): Passed[] =>
  client.received().map((item) => {
    try {
      return JSON.parse(item) as Passed;
    } catch {
      return { data: item };
    }
  });

const showPassed = (items: Passed[]): string =>
  items.length === 0 ? 'onEvent was never called' : `onEvent was called with ${items.map((item) => JSON.stringify(item)).join(', ')}`;

const samePassed = (got: Passed[], wanted: Passed[]): boolean =>
  got.length === wanted.length && got.every((item, i) => item.type === wanted[i]!.type && item.id === wanted[i]!.id && item.data === wanted[i]!.data);

describe('lesson 07: the Node client, subscribe(url, onEvent) in client.ts', () => {
  test('passes each welcome and tick event to onEvent as { type, id, data }', async () => {
    const server = await startTestServer();
    testServers.push(server);
    const client = await lesson.subscribe(server.url, targetFile('07', 'client.ts'));
    clients.push(client);
    const connection = await server.waitForConnection(1, 1500);
    if (!connection) {
      teach({
        expected: 'subscribe(url, onEvent) to connect to url right away',
        got: 'no request reached the URL within 1.5 s',
        read: READ.client,
      });
    }
    connection.send(': a comment\n\nevent: welcome\ndata: Hello, Ada\n\n');
    connection.send('event: tick\nid: 1\ndata: {"count":1}\n\nevent: tick\nid: 2\ndata: {"count":2}\n\n');
    const wanted: Passed[] = [
      { type: 'welcome', id: '', data: 'Hello, Ada' },
      { type: 'tick', id: '1', data: '{"count":1}' },
      { type: 'tick', id: '2', data: '{"count":2}' },
    ];
    await until(() => client.received().length >= wanted.length, 2000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const got = passed(client);
    check(samePassed(got, wanted), {
      expected: `onEvent called with ${wanted.map((item) => JSON.stringify(item)).join(', ')}`,
      got: showPassed(got),
      hint:
        got.length === 0
          ? 'Named events never reach a "message" listener: add a listener for each name, welcome and tick.'
          : !got.some((item) => item.type === 'welcome') || !got.some((item) => item.type === 'tick')
            ? 'Listen for both names, welcome and tick: each name needs its own listener.'
            : 'Pass the event\'s type, its lastEventId and its data, as they arrived.',
      read: READ.named,
    });

    await client.stop();
    check(await connection.waitForClose(1000), {
      expected: 'the function subscribe returns to close the connection',
      got: 'the connection was still open 1 s later',
      hint: 'Return a function that calls source.close().',
      read: 'docs/05-client.md#closing-the-connection',
    });
  });

  test('with your server: the welcome, then ticks 1, 2', async () => {
    const server = await lesson.start({ intervalMs: INTERVAL_MS });
    const client = await lesson.subscribe(`${server.url}/events?name=Ada`, targetFile('07', 'client.ts'));
    clients.push(client);
    await until(() => client.received().length >= 3, 2000);
    const got = passed(client).slice(0, 3);
    const wanted: Passed[] = [
      { type: 'welcome', id: '', data: 'Hello, Ada' },
      { type: 'tick', id: '1', data: '{"count":1}' },
      { type: 'tick', id: '2', data: '{"count":2}' },
    ];
    check(samePassed(got, wanted), {
      expected: `onEvent called with ${wanted.map((item) => JSON.stringify(item)).join(', ')}`,
      got: showPassed(got),
      read: READ.task,
    });
  });
});
