// Lesson 03: the stream opens with a retry field (options.retryMs, default 10000)
// before the hello event, and a real EventSource waits that long to reconnect.
import { beforeAll, describe, test } from 'vitest';
import { explainBytes, timeline } from './support/event-stream.ts';
import { EVENTSOURCE_DEFAULT_RETRY_MS, watchEventSource } from './support/eventsource-client.ts';
import { connect, describeBody, expectSseHeaders, expectStillOpen } from './support/expect-sse.ts';
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
  hardCoded: 'docs/03-retry.md#a-hard-coded-delay',
  noDefault: 'docs/03-retry.md#no-default-or-the-wrong-one',
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
async function whatTheStreamSends(server: RunningServer): Promise<{ got: string; hint?: string; retry?: number }> {
  const stream = await connect(server, read.reconnect);
  await readOpening(server, stream);
  const raw = stream.raw();
  const retries = stream.retries.length ? `, in which a client reads retry: ${stream.retries.join(', ')}` : ', with no valid retry field';
  return { got: `a new request to /events receives ${showBytes(raw)}${retries}`, hint: explainBytes(raw), retry: stream.retries.at(-1) };
}

/** The lines that start with "retry", complete or not. */
const retryLines = (raw: string) => raw.split(/\r\n|\n|\r/).filter((line) => line.startsWith('retry'));

/** Set once a test has explained that the stream has no retry line: the next ones say so in one line. */
let missingRetryTaught = false;
// A fresh start for every run of this file, also when the test runner keeps modules between runs.
beforeAll(() => {
  missingRetryTaught = false;
});

/** No valid retry field reached the client: say what the bytes show. */
function teachNoRetry(stream: Stream, expectedMs: number, fallback: string): never {
  const raw = stream.raw();
  const line = retryLines(raw)[0];
  if (line === undefined && missingRetryTaught) {
    teach({
      expected: `a retry field with the value ${expectedMs}`,
      got: `no retry field, as in the first failure above (it ${describeBody(stream)})`,
      read: read.field,
    });
  }
  if (line === undefined) missingRetryTaught = true;
  const value = line?.replace(/^retry:? ?/, '') ?? '';
  let hint: string | undefined;
  let where = fallback;
  if (line === undefined) {
    // The untouched starter: say what is missing, not the line to type.
    hint = 'The stream has no retry line, so every client keeps its own default delay. The delay is a field of its own, like data, sent before the first event, with the value createApp got.';
    where = read.field;
  } else if (value.includes('${')) {
    hint = 'The text ${...} reached the client as is: only backtick strings (`...`) replace ${...} with a value.';
    where = read.quotes;
  } else if (value === 'undefined' || value === 'NaN') {
    hint = `The value is ${value}: createApp got no retryMs here, and the delay was read without a default. Fall back to 10000 when the option is not given.`;
    where = read.noDefault;
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
      read: retry === 10_000 ? read.hardCoded : read.options,
    });
  });

  test('retryMs: 0 is a delay, not a missing option: retry: 0', async () => {
    const server = await lesson.start({ retryMs: 0 });
    const stream = await connect(server, read.options);
    await readOpening(server, stream);
    const [retry] = stream.retries;
    if (retry === undefined) teachNoRetry(stream, 0, read.options);
    check(retry === 0, {
      expected: 'retry: 0, because createApp got { retryMs: 0 } (reconnect at once)',
      got: `retry: ${retry}`,
      hint:
        retry === 10_000
          ? '0 is a valid delay, but the default replaced it: || (or a check such as !options.retryMs) treats 0 like a missing value. Only undefined should fall back to 10000.'
          : 'The value is in milliseconds, the number createApp got in options.retryMs.',
      read: retry === 10_000 ? read.noDefault : read.options,
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
      hint: 'When createApp gets no retryMs, the delay falls back to its default of 10000 ms. Give the option that default where you read it, and send the number as it is.',
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
    // From lesson 02: the stream stays open after its events (no res.end, no res.send).
    await stream.waitForEnd(200);
    expectStillOpen(stream, 'docs/02-write-vs-end.md#reswrite-keeps-the-response-open');
  });

  test('a real EventSource waits retryMs before it reconnects', async () => {
    const retryMs = 150;
    const server = await lesson.start({ retryMs });
    const client = watchEventSource(`${server.url}/events`);

    // The hello event comes after the retry field: once it is here, the client knows the delay.
    const hello = await client.next('message', 1500);
    if (!hello) {
      const errors = client.log.filter((entry) => entry.type === 'error').length;
      const sent = await whatTheStreamSends(server);
      teach({
        expected: 'an EventSource to open the stream and receive the hello event',
        got: `${errors ? `the client reported ${errors} error(s) and` : 'the client received'} no message within 1.5 s; ${sent.got}`,
        hint: sent.hint ?? 'The other tests of this lesson show what the stream sends.',
        read: read.reconnect,
      });
    }

    const droppedAt = performance.now();
    await server.drop();
    // A client that has not reconnected by three times retryMs has already failed,
    // unless the stream really says retryMs and this machine is just slow.
    const window = 3 * retryMs;
    let reopened = await client.next('open', window, droppedAt);
    if (!reopened) {
      const sent = await whatTheStreamSends(server);
      if (sent.retry === retryMs) reopened = await client.next('open', 3000, droppedAt);
      if (!reopened) {
        teach({
          expected: `the client to reconnect about ${retryMs} ms after the server dropped the stream (createApp got { retryMs: ${retryMs} })`,
          got: `it had not reconnected ${window} ms later; ${sent.got}`,
          hint:
            sent.retry === undefined
              ? `Without a valid retry field the client keeps its own default, ${EVENTSOURCE_DEFAULT_RETRY_MS} ms for this client (a browser picks its own, a few seconds), so it comes back far too late.`
              : `The client waits as long as the last retry field it read says: ${sent.retry} ms here, not the ${retryMs} ms createApp got.`,
          read: sent.retry === undefined ? read.reconnect : read.options,
        });
      }
    }
    const gap = Math.round(reopened.at - droppedAt);
    check(gap >= retryMs * 0.8, {
      expected: `the client to wait about ${retryMs} ms (createApp got { retryMs: ${retryMs} }) before reconnecting`,
      got: `it reconnected after only ${gap} ms`,
      hint: 'The retry field sets the delay in milliseconds. Send the value of options.retryMs itself.',
      read: read.field,
    });
  });
});
