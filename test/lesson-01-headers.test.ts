// Lesson 01: GET /events answers 200 with the three SSE headers, sent at once.
import { describe, test } from 'vitest';
import { connect, expectSseHeaders, expectStillOpen } from './support/expect-sse.ts';
import { useLesson } from './support/lesson-host.ts';

const lesson = useLesson('01', 'docs/01-headers.md');

describe('lesson 01: headers and flushHeaders', () => {
  test('GET /events answers 200 with the three event-stream headers', async () => {
    const server = await lesson.start();
    const stream = await connect(server, 'docs/01-headers.md#the-three-headers');
    expectSseHeaders(stream, 'docs/01-headers.md#the-three-headers');
  });

  test('the headers arrive at once, before any event is written', async () => {
    const server = await lesson.start();
    // Nothing is written in this lesson, so headers that arrive at all were flushed.
    // connect() fails with a lesson message when none come within the deadline.
    await connect(server, 'docs/01-headers.md#flushheaders', { withinMs: 1000 });
  });

  test('the response stays open after the headers', async () => {
    const server = await lesson.start();
    const stream = await connect(server, 'docs/01-headers.md#flushheaders');
    await stream.waitForEnd(300);
    expectStillOpen(stream, 'docs/01-headers.md#keep-the-response-open');
  });
});
