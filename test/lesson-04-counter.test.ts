// Lesson 04: after the retry field, events data: 1, data: 2, ... one every
// intervalMs, counting from 1 on each connection.
import { describe, test } from 'vitest';
import { explainBytes, timeline } from './support/event-stream.ts';
import { probeDefaults } from './support/earlier-lessons.ts';
import { connect, describeBody, expectSseHeaders } from './support/expect-sse.ts';
import { useLesson, type RunningServer } from './support/lesson-host.ts';
import type { ReceivedEvent, Stream } from './support/sse.ts';
import { check, teach } from './support/teach.ts';

const lesson = useLesson('04', 'docs/04-counter.md');
const expectDefaults = probeDefaults(lesson);

/** Small enough to keep the suite fast, large enough to tell "every tick" from "all at once". */
const INTERVAL_MS = 60;
const RETRY_MS = 250;
const options = { intervalMs: INTERVAL_MS, retryMs: RETRY_MS };
/** Room for a slow start and a busy machine, far below the default interval of 1000 ms. */
const SLACK_MS = 1500;

const read = {
  tick: 'docs/04-counter.md#one-event-per-tick',
  data: 'docs/04-counter.md#the-data-field',
  quotes: 'docs/04-counter.md#quotes-or-backticks',
  perConnection: 'docs/04-counter.md#a-count-per-connection',
  interval: 'docs/04-counter.md#the-interval-option',
  retry: 'docs/03-retry.md#the-retry-field',
};

const shownData = (events: ReceivedEvent[]) => events.map((event) => `data: ${event.data}`).join(', ');

/** Waits for `count` events; fails with what arrived instead when they do not come. */
async function expectEvents(server: RunningServer, stream: Stream, count: number): Promise<ReceivedEvent[]> {
  const withinMs = INTERVAL_MS * count + SLACK_MS;
  const events = await stream.waitForEvents(count, withinMs);
  if (events.length >= count) return events.slice(0, count);
  // Silence can mean a process blocked by a loop that never awaits: that has its own lesson message.
  await server.assertResponsive(read.tick);
  const raw = stream.raw();
  if (raw.includes('${')) {
    teach({
      expected: `events data: 1, data: 2, ... (createApp got { intervalMs: ${INTERVAL_MS} })`,
      got: `it ${describeBody(stream)}`,
      hint: explainBytes(raw),
      read: read.quotes,
    });
  }
  const got = `${events.length} event(s)${events.length ? ` (${shownData(events)})` : ''}${stream.ended() ? ', then the response ended' : ''}; it ${describeBody(stream)}`;
  const expected = `${count} events within ${withinMs} ms: one every ${INTERVAL_MS} ms, as createApp got { intervalMs: ${INTERVAL_MS} }`;
  const bytesHint = events.length === 0 ? explainBytes(raw) : undefined;
  if (events.some((event) => event.data === 'hello')) {
    teach({
      expected,
      got,
      hint: 'The hello event of lesson 02 is gone in this lesson: replace it with a counter that writes one event per tick.',
      read: read.tick,
    });
  }
  if (bytesHint) teach({ expected, got, hint: bytesHint, read: read.data });
  if (stream.ended()) {
    teach({
      expected,
      got,
      hint: 'Keep the response open: write with res.write, never res.end or res.send.',
      read: 'docs/02-write-vs-end.md#reswrite-keeps-the-response-open',
    });
  }
  teach({
    expected,
    got,
    hint: 'Read the interval from options.intervalMs (1000 only when it is not given) and write one event per tick.',
    read: read.interval,
  });
}

/** The events must be data: 1, data: 2, ... as plain messages; teaches the usual slips. */
function expectCounter(stream: Stream, events: ReceivedEvent[]): void {
  const data = events.map((event) => event.data);
  const expected = data.map((_, i) => `data: ${i + 1}`).join(', ');
  const got = `${shownData(events)} (it ${describeBody(stream)})`;
  check(!data.some((value) => value.includes('${')), {
    expected,
    got,
    hint: explainBytes(stream.raw()),
    read: read.quotes,
  });
  check(data[0] !== 'hello', {
    expected: `the counter only: ${expected}`,
    got,
    hint: 'The hello event of lesson 02 is gone in this lesson: the first event is the first tick, data: 1.',
    read: read.tick,
  });
  const numbers = data.map(Number);
  const consecutive = numbers.every((n, i) => i === 0 || n === numbers[i - 1]! + 1);
  check(data.join() === numbers.map((_, i) => i + 1).join(), {
    expected,
    got,
    hint:
      data[0] === '0' && consecutive
        ? 'Count from 1: add one to the count before you write it.'
        : numbers.every(Number.isInteger) && numbers[0]! > 1
          ? 'The count does not start at 1 for this new connection, or it skips numbers: is it shared by every connection (declared outside the request handler)? Each connection needs its own count.'
          : 'One event per tick, with the count as its data.',
    read: numbers.every(Number.isInteger) && numbers[0]! > 1 ? read.perConnection : read.tick,
  });
  const other = events.find((event) => event.type !== 'message');
  check(!other, {
    expected: 'plain message events: no event: field',
    got: `an event of type ${JSON.stringify(other?.type)}, which an EventSource onmessage handler never sees`,
    read: read.data,
  });
}

describe('lesson 04: a counter every intervalMs', () => {
  test('GET /events still answers with the three event-stream headers', async () => {
    const server = await lesson.start(options);
    const stream = await connect(server, 'docs/01-headers.md#the-three-headers');
    expectSseHeaders(stream, 'docs/01-headers.md#the-three-headers');
  });

  test('the first three events are data: 1, data: 2 and data: 3', async () => {
    const server = await lesson.start(options);
    const stream = await connect(server, read.tick);
    const events = await expectEvents(server, stream, 3);
    expectCounter(stream, events);
  });

  test(`events arrive about every intervalMs (${INTERVAL_MS} ms here)`, async () => {
    const server = await lesson.start(options);
    const stream = await connect(server, read.tick);
    const events = await expectEvents(server, stream, 5);
    // Too often: the fifth event cannot come sooner than four intervals after the
    // request (times are counted from it). A busy test process that reads several
    // events at once only makes them look later, never sooner.
    const arrivals = events.map((event) => `${event.data} at ${event.at} ms`).join(', ');
    check(events[4]!.at >= 4 * INTERVAL_MS * 0.8, {
      expected: `one event every ${INTERVAL_MS} ms`,
      got: `five events within ${events[4]!.at} ms of the request: ${arrivals}`,
      hint: 'A loop that writes without waiting sends everything at once. Wait between events: setInterval, or await a delay inside the loop.',
      read: read.tick,
    });
    // Too rarely: the mean gap over four intervals, which one late timer hardly moves.
    const meanGap = Math.round((events[4]!.at - events[0]!.at) / 4);
    check(meanGap <= INTERVAL_MS * 4, {
      expected: `one event every ${INTERVAL_MS} ms`,
      got: `the events came ${meanGap} ms apart on average: ${arrivals}`,
      hint: 'Use options.intervalMs as the delay between two events.',
      read: read.interval,
    });
  });

  test('each connection counts from 1', async () => {
    const server = await lesson.start(options);
    const first = await connect(server, read.perConnection);
    expectCounter(first, await expectEvents(server, first, 2));
    const second = await connect(server, read.perConnection);
    const [start] = await expectEvents(server, second, 1);
    check(start!.data === '1', {
      expected: 'a second connection, opened later, to start at data: 1',
      got: `it started at data: ${start!.data}, while the first connection had sent ${shownData(first.events)}`,
      hint: 'A count declared outside the request handler is shared by every connection. Declare it inside, so each connection has its own.',
      read: read.perConnection,
    });
    const firstRun = (await expectEvents(server, first, 4)).map((event) => event.data);
    check(firstRun.join() === '1,2,3,4', {
      expected: 'the first connection to go on with its own count, undisturbed: 1, 2, 3, 4',
      got: `it sent ${firstRun.join(', ')}`,
      hint: 'Each connection needs its own count and its own timer, both inside the request handler.',
      read: read.perConnection,
    });
  });

  test('the stream still opens with the retry field', async () => {
    const server = await lesson.start(options);
    const stream = await connect(server, read.retry);
    await stream.waitForEvents(1, INTERVAL_MS + SLACK_MS);
    const items = timeline(stream.raw());
    const firstRetry = items.findIndex((item) => item.kind === 'retry');
    const firstEvent = items.findIndex((item) => item.kind === 'event');
    // No retry at all can mean a blocked process: that has its own message.
    if (firstRetry === -1) await server.assertResponsive(read.retry);
    check(firstRetry !== -1 && (firstEvent === -1 || firstRetry < firstEvent), {
      expected: `retry: ${RETRY_MS} (createApp got { retryMs: ${RETRY_MS} }) before the first event, as in lesson 03`,
      got: firstRetry === -1 ? `no valid retry field: it ${describeBody(stream)}` : `the retry field came after the first event: it ${describeBody(stream)}`,
      read: firstRetry === -1 ? read.retry : 'docs/03-retry.md#retry-comes-first',
    });
    check(stream.retries[0] === RETRY_MS, {
      expected: `retry: ${RETRY_MS}, because createApp got { retryMs: ${RETRY_MS} }`,
      got: `retry: ${stream.retries[0]}`,
      read: 'docs/03-retry.md#options-and-defaults',
    });
  });

  test('with no options, createApp() sends retry: 10000 and one event per second', async () => {
    await expectDefaults({ retry: 'docs/03-retry.md#options-and-defaults', interval: read.interval });
  });
});
