// Lesson 02: after the headers, one event (data: hello) written with res.write,
// and the response stays open for more.
import { describe, test } from 'vitest';
import { findingHints, findings, type Finding } from './support/event-stream.ts';
import { connect, describeBody, expectSseHeaders, expectStillOpen } from './support/expect-sse.ts';
import { useLesson, type RunningServer } from './support/lesson-host.ts';
import type { Stream } from './support/sse.ts';
import { check, teach } from './support/teach.ts';

const lesson = useLesson('02', 'docs/02-write-vs-end.md');

const read = {
  event: 'docs/02-write-vs-end.md#what-an-event-looks-like',
  blankLine: 'docs/02-write-vs-end.md#the-blank-line-ends-an-event',
  write: 'docs/02-write-vs-end.md#reswrite-keeps-the-response-open',
  seed: 'docs/02-write-vs-end.md#the-seeds-nn',
  ending: 'docs/02-write-vs-end.md#ending-a-stream',
  send: 'docs/02-write-vs-end.md#ressend-after-the-headers-were-sent',
};

/** Which section explains each kind of broken bytes. */
const readFor: Record<Finding, string> = {
  nothing: read.write,
  'template-in-quotes': read.event,
  'literal-nn': read.seed,
  'escaped-newline': read.seed,
  'no-blank-line': read.blankLine,
  unterminated: read.blankLine,
};

/** No event arrived: say what the bytes show instead. */
async function teachNoEvent(server: RunningServer, stream: Stream, waitedMs: number): Promise<never> {
  // Silence can mean a process blocked by a loop that never awaits: that has its own lesson message.
  await server.assertResponsive(read.write);
  const raw = stream.raw();
  const found = findings(raw);
  if (raw === '' && !stream.ended()) {
    // The untouched starter: not a mistake, the event is simply not there yet.
    teach({
      expected: 'one event whose data is hello, within 1 s of the headers',
      got: `the headers arrived, then nothing: no body bytes in ${waitedMs} ms, and the response is still open`,
      hint: 'The stream is open but empty. Read how an event looks on the wire and which call sends it without ending the response.',
      read: read.event,
    });
  }
  if (raw === '' && stream.ended()) {
    teach({
      expected: 'one event, data: hello, after the headers',
      got: 'it ended the response without sending any body bytes',
      hint: 'res.end() and res.send() finish the response. After flushHeaders(), res.send() even fails before sending its text: it sets Content-Type again, the headers are already gone (ERR_HTTP_HEADERS_SENT), and Express cuts the connection. An event stream writes its events without ending the response.',
      read: read.send,
    });
  }
  teach({
    expected: 'one event, data: hello, within 1 s: the line "data: hello" and then an empty line',
    got: stream.ended()
      ? `it ${describeBody(stream)} and ended the response, without a complete event`
      : `no event was dispatched in ${waitedMs} ms: it ${describeBody(stream)}`,
    hint: found.length ? found.map((f) => findingHints[f]).join(' ') : undefined,
    read: found.length ? readFor[found[0]!] : read.event,
  });
}

describe('lesson 02: res.write versus res.end', () => {
  test('GET /events still answers with the three event-stream headers', async () => {
    const server = await lesson.start();
    const stream = await connect(server, 'docs/01-headers.md#the-three-headers');
    expectSseHeaders(stream, 'docs/01-headers.md#the-three-headers');
  });

  test('the stream sends one event whose data is hello', async () => {
    const server = await lesson.start();
    const stream = await connect(server, read.event);
    const events = await stream.waitForEvents(1, 1000);
    const first = events[0];
    if (!first) return teachNoEvent(server, stream, 1000);
    check(first.data === 'hello', {
      expected: 'the first event to carry the data hello',
      got: `its data is ${JSON.stringify(first.data)} (the stream ${describeBody(stream)})`,
      hint: 'The data is everything after "data:" and one optional space, up to the end of the line.',
      read: read.event,
    });
    check(first.type === 'message', {
      expected: 'a plain message event: no event: field',
      got: `an event of type ${JSON.stringify(first.type)}, which an EventSource onmessage handler never sees`,
      read: read.event,
    });
  });

  test('the response stays open: no res.send or res.end', async () => {
    const server = await lesson.start();
    const stream = await connect(server, read.write);
    // A response that was ended (res.send, res.end) is over within a few ms of its last bytes.
    await stream.waitForEvents(1, 300);
    await stream.waitForEnd(200);
    // No body at all: res.send() after the flush threw before sending; otherwise the response was ended.
    expectStillOpen(stream, stream.raw() === '' ? read.send : read.ending);
  });
});
