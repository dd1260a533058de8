// Lesson 03: the stream opens with a retry field (options.retryMs, default 10000)
// before the hello event, and a real EventSource waits that long to reconnect.
import { describe, test } from 'vitest';
import { explainBytes, timeline } from './support/event-stream.ts';
import { EVENTSOURCE_DEFAULT_RETRY_MS, watchEventSource } from './support/eventsource-client.ts';
import { connect, describeBody, expectSseHeaders } from './support/expect-sse.ts';
import { useLesson, type RunningServer } from './support/lesson-host.ts';
import type { Stream } from './support/sse.ts';
import { check, showBytes, teach } from './support/teach.ts';

const lesson = useLesson('03', 'docs/03-retry.md');

const read = {
  field: 'docs/03-retry.md#the-retry-field',
  options: 'docs/03-retry.md#options-and-defaults',
  order: 'docs/03-retry.md#retry-comes-first',
  reconnect: 'docs/03-retry.md#how-a-client-reconnects',
  seed: 'docs/03-retry.md#the-seeds-retry-line',
  units: 'docs/03-retry.md#milliseconds-digits-only',
  quotes: 'docs/03-retry.md#quotes-instead-of-backticks',
};

/** Waits for the hello event; the retry field should be there by then. */
async function readOpening(server: RunningServer, stream: Stream): Promise<void> {
  await stream.waitForEvents(1, 1000);
  // A retry field written after the event may still be on its way.
  if (stream.retries.length === 0 && !stream.ended()) await stream.collect(200);
  // Silence can mean a process blocked by a loop that never awaits: that has its own lesson message.
  if (stream.events.length === 0) await server.assertResponsive(read.field);
}

/** For a failing EventSource test: what a plain request to the stream receives, and why. */
async function whatTheStreamSends(server: RunningServer): Promise<{ got: string; hint?: string }> {
  const stream = await connect(server, read.reconnect);
  await readOpening(server, stream);
  const raw = stream.raw();
  const retries = stream.retries.length ? `, in which a client reads retry: ${stream.retries.join(', ')}` : ', with no valid retry field';
  return { got: `a new request to /events receives ${showBytes(raw)}${retries}`, hint: explainBytes(raw) };
}

/** The lines that start with "retry", complete or not. */
const retryLines = (raw: string) => raw.split(/\r\n|\n|\r/).filter((line) => line.startsWith('retry'));

/** No valid retry field reached the client: say what the bytes show. */
function teachNoRetry(stream: Stream, expectedMs: number, fallback: string): never {
  const raw = stream.raw();
  const line = retryLines(raw)[0];
  const value = line?.replace(/^retry:? ?/, '') ?? '';
  let hint: string | undefined;
  let where = fallback;
  if (line === undefined) {
    hint = 'Write the field yourself, before the first event: res.write(`retry: ${retryMs}\\n\\n`).';
  } else if (value.includes('${')) {
    hint = 'The text ${...} reached the client as is: only backtick strings (`...`) replace ${...} with a value.';
    where = read.quotes;
  } else if (value === 'undefined' || value === 'NaN') {
    hint = `The value is ${value}: read options.retryMs with a default, options.retryMs ?? 10_000.`;
    where = read.options;
  } else if (/^\d+nn/.test(value)) {
    hint = explainBytes(raw);
    where = read.seed;
  } else if (/^\d+[a-z]+:/.test(value)) {
    hint = 'The retry line has no line break after it, so the next write continued the same line. End it with "\\n" (or "\\n\\n").';
    where = read.field;
  } else {
    hint = `The client ignores a retry field unless its value is only ASCII digits (a whole number of milliseconds) and the line ends with a line break. ${explainBytes(raw) ?? ''}`.trim();
    where = read.units;
  }
  teach({
    expected: `a retry field with the value ${expectedMs}: "retry: ${expectedMs}" and a line break`,
    got:
      line === undefined
        ? `no retry field: it ${describeBody(stream)}`
        : `the line ${JSON.stringify(line)}, which a client ignores (it ${describeBody(stream)})`,
    hint,
    read: where,
  });
}

describe('lesson 03: the retry field', () => {
  test('GET /events still answers with the three event-stream headers', async () => {
    const server = await lesson.start({ retryMs: 250 });
    const stream = await connect(server, 'docs/01-headers.md#the-three-headers');
    expectSseHeaders(stream, 'docs/01-headers.md#the-three-headers');
  });

  test('the retry field carries options.retryMs (250 here)', async () => {
    const server = await lesson.start({ retryMs: 250 });
    const stream = await connect(server, read.field);
    await readOpening(server, stream);
    const [retry] = stream.retries;
    if (retry === undefined) teachNoRetry(stream, 250, read.field);
    check(retry === 250, {
      expected: 'retry: 250, because createApp got { retryMs: 250 }',
      got: `retry: ${retry}`,
      hint:
        retry === 10_000
          ? 'That is the default. Read the delay from options.retryMs, and use 10000 only when it is not given.'
          : 'The value is in milliseconds, the number createApp got in options.retryMs.',
      read: read.options,
    });
  });

  test('without options, the retry field is 10000 ms', async () => {
    // createApp() with no retryMs, as `npm run demo` calls it.
    const server = await lesson.start();
    const stream = await connect(server, read.options);
    await readOpening(server, stream);
    const [retry] = stream.retries;
    if (retry === undefined) teachNoRetry(stream, 10_000, read.options);
    check(retry === 10_000, {
      expected: 'retry: 10000 when createApp gets no retryMs',
      got: `retry: ${retry}`,
      hint: 'Give the option a default where you read it (const retryMs = options.retryMs ?? 10_000) and send that number of milliseconds as it is.',
      read: read.options,
    });
  });

  test('the retry field comes before the first event, then the hello event', async () => {
    const server = await lesson.start({ retryMs: 250 });
    const stream = await connect(server, read.order);
    await readOpening(server, stream);
    const items = timeline(stream.raw());
    const firstRetry = items.findIndex((item) => item.kind === 'retry');
    const firstEvent = items.find((item) => item.kind === 'event');
    if (firstRetry === -1) teachNoRetry(stream, 250, read.field);
    check(firstEvent, {
      expected: 'the hello event of lesson 02 after the retry field',
      got: `no event: it ${describeBody(stream)}`,
      hint: explainBytes(stream.raw()),
      read: 'docs/02-write-vs-end.md#what-an-event-looks-like',
    });
    check(firstRetry < items.indexOf(firstEvent), {
      expected: 'the retry field first, before any event, so it is in force from the start',
      got: `the event ${JSON.stringify(firstEvent.data)} came first (it ${describeBody(stream)})`,
      hint: 'Write the retry line right after res.flushHeaders(), then the events.',
      read: read.order,
    });
    check(firstEvent.data === 'hello', {
      expected: 'the first event to carry the data hello, as in lesson 02',
      got: `its data is ${JSON.stringify(firstEvent.data)}`,
      read: 'docs/02-write-vs-end.md#what-an-event-looks-like',
    });
  });

  test('a real EventSource waits retryMs before it reconnects', async () => {
    const retryMs = 300;
    const server = await lesson.start({ retryMs });
    const client = watchEventSource(`${server.url}/events`);

    // The hello event comes after the retry field: once it is here, the client knows the delay.
    const hello = await client.next('message', 3000);
    if (!hello) {
      const errors = client.log.filter((entry) => entry.type === 'error').length;
      const sent = await whatTheStreamSends(server);
      teach({
        expected: 'an EventSource to open the stream and receive the hello event',
        got: `${errors ? `the client reported ${errors} error(s) and` : 'the client received'} no message within 3 s; ${sent.got}`,
        hint: sent.hint ?? 'The other tests of this lesson show what the stream sends.',
        read: read.reconnect,
      });
    }

    const droppedAt = performance.now();
    await server.drop();
    const waitMs = EVENTSOURCE_DEFAULT_RETRY_MS + 1500;
    const reopened = await client.next('open', waitMs, droppedAt);
    if (!reopened) {
      teach({
        expected: `the client to reconnect about ${retryMs} ms after the server dropped the stream`,
        got: `it had not reconnected ${waitMs} ms later; ${(await whatTheStreamSends(server)).got}`,
        hint: 'A client waits as long as the last retry field it read says. Send options.retryMs itself.',
        read: read.reconnect,
      });
    }
    const gap = Math.round(reopened.at - droppedAt);
    check(gap >= retryMs * 0.8, {
      expected: `the client to wait about ${retryMs} ms (createApp got { retryMs: ${retryMs} }) before reconnecting`,
      got: `it reconnected after only ${gap} ms`,
      hint: 'The retry field sets the delay in milliseconds. Send options.retryMs itself.',
      read: read.field,
    });
    check(gap < 2000, {
      expected: `the client to wait about ${retryMs} ms (createApp got { retryMs: ${retryMs} }) before reconnecting`,
      got: `it reconnected after ${gap} ms`,
      hint:
        Math.abs(gap - EVENTSOURCE_DEFAULT_RETRY_MS) < 700
          ? `That is the client's own default (${EVENTSOURCE_DEFAULT_RETRY_MS} ms): no valid retry field reached it before the drop.`
          : 'The retry field sets the delay in milliseconds. Send options.retryMs itself.',
      read: read.reconnect,
    });
  });
});
