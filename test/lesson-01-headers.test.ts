// Lesson 01: GET /events answers 200 with the three SSE headers, sent at once,
// and the response stays open.
import { beforeAll, describe, onTestFinished, test } from 'vitest';
import { expectSseHeaders, expectStillOpen } from './support/expect-sse.ts';
import { useLesson, type RunningServer } from './support/lesson-host.ts';
import { NoResponse, openStream, type Stream } from './support/sse.ts';
import { teach } from './support/teach.ts';

const lesson = useLesson('01', 'docs/01-headers.md');

const read = {
  headers: 'docs/01-headers.md#the-three-headers',
  flush: 'docs/01-headers.md#flushheaders',
  open: 'docs/01-headers.md#keep-the-response-open',
};

/** How long the headers may take. Nothing else happens in this lesson, so they come at once or never. */
const HEADERS_WITHIN_MS = 1000;

/**
 * Set when no headers arrived. The same code does the same thing on every
 * request, so the tests after the first one fail at once instead of waiting again.
 */
let noHeadersSeen = false;
// A fresh start for every run of this file, also when the test runner keeps modules between runs.
beforeAll(() => {
  noHeadersSeen = false;
});

/** `silent`: the server's process showed that they cannot come (see test/support/host-quiet.ts), before the deadline. */
function teachNoHeaders(silent: boolean, again: boolean): never {
  if (again) {
    teach({
      expected: 'GET /events to send its status line and headers, so that this test can look at them',
      got: 'no status line and no headers arrived, as in the first failure above',
      read: read.flush,
    });
  }
  teach({
    expected: 'GET /events to send its status line and headers at once, before any event exists',
    got: `${
      silent
        ? 'the handler returned without sending the status line and headers, and left nothing running (no timer, no I/O) that could send them later'
        : `no status line and no headers arrived within ${HEADERS_WITHIN_MS} ms`
    }: the client cannot tell an open stream from a server that hangs`,
    hint: 'Headers you only set wait inside Node until the first byte of the body, and this lesson writes no body. Read how to send them on their own.',
    read: read.flush,
  });
}

/** GET /events; fails with a lesson message when no headers come. */
async function connect(server: RunningServer): Promise<Stream> {
  if (noHeadersSeen) teachNoHeaders(false, true);
  try {
    const stream = await openStream(`${server.url}/events`, HEADERS_WITHIN_MS, { quiet: server });
    onTestFinished(() => stream.close());
    return stream;
  } catch (error) {
    if (!(error instanceof NoResponse)) throw error;
    // Silence can also mean a process blocked by a loop that never awaits: that has its own message.
    if (!error.silent) await server.assertResponsive(read.flush);
    noHeadersSeen = true;
    teachNoHeaders(error.silent, false);
  }
}

describe('lesson 01: headers and flushHeaders', () => {
  test('GET /events sends its status and headers at once, before any event', async () => {
    const server = await lesson.start();
    // Nothing is written in this lesson, so headers that arrive at all were sent on their own.
    await connect(server);
  });

  test('GET /events answers 200 with the three event-stream headers', async () => {
    const server = await lesson.start();
    const stream = await connect(server);
    expectSseHeaders(stream, read.headers);
  });

  test('the response stays open after the headers', async () => {
    const server = await lesson.start();
    const stream = await connect(server);
    // A response that was ended (res.end, res.send) is over within a few ms.
    await stream.waitForEnd(200);
    expectStillOpen(stream, read.open);
  });
});
