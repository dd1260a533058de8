// Lesson 05: the page at / and a Node client built on EventSource.
// The server must serve public/index.html and keep streaming the counter. The
// client (client.ts) runs in Node against an event stream that this test
// writes byte by byte. How the page behaves in a real browser is tested in
// lesson-05-client-browser.test.ts.
import { describe, test } from 'vitest';
import { probeDefaults, expectPageServed } from './support/earlier-lessons.ts';
import { connect, expectSseHeaders } from './support/expect-sse.ts';
import { useLesson } from './support/lesson-host.ts';
import { CLIENT_DOCS as READ, nodeClientChecks } from './support/node-client.ts';
import { until } from './support/poll.ts';
import { check, teach } from './support/teach.ts';

const lesson = useLesson('05', 'docs/05-client.md');
const expectDefaults = probeDefaults(lesson);
const { subscribe: subscribeToTestServer, expectReceived, calls } = nodeClientChecks(lesson);

const PAGE = 'docs/05-client.md#serve-the-page';
const COUNTER = 'docs/04-counter.md#one-event-per-tick';

describe('lesson 05: the page at /', () => {
  test('GET / answers 200 with public/index.html, as HTML', async () => {
    await expectPageServed(await lesson.start(), '05', PAGE);
  });

  test('GET /events still streams the counter: retry first, then 1, 2, 3', async () => {
    const server = await lesson.start({ intervalMs: 20, retryMs: 250 });
    const stream = await connect(server, 'docs/01-headers.md#the-three-headers');
    expectSseHeaders(stream, 'docs/01-headers.md#the-three-headers');
    const events = await stream.waitForEvents(3, 1500);
    if (events.length < 3) await server.assertResponsive(COUNTER);
    const data = events.slice(0, 3).map((event) => event.data);
    check(data.join() === '1,2,3', {
      expected: 'GET /events to keep sending data: 1, data: 2, data: 3, ... as in lesson 04',
      got: data.length === 0 ? 'no event within 1.5 s' : `events with data ${data.join(', ')}`,
      hint: 'Adding the page must not change the /events route.',
      read: COUNTER,
    });
    check(stream.retries[0] === 250, {
      expected: 'retry: 250 first, because createApp got { retryMs: 250 }, as in lesson 03',
      got: stream.retries.length ? `retry: ${stream.retries[0]}` : 'no retry field',
      read: 'docs/03-retry.md#options-and-defaults',
    });
  });
});

describe('lesson 05: the Node client, subscribe(url, onData) in client.ts', () => {
  test('passes the data of each message to onData, in order', async () => {
    const { client, connection } = await subscribeToTestServer();
    connection.send('data: hello\n\n');
    connection.send('data: 2\n\n');
    await expectReceived(client, ['hello', '2'], {
      expected: 'one call per message, with its data',
      hint: 'Each message arrives as a "message" event on the EventSource; its text is what onData wants.',
      read: READ.messages,
    });
  });

  test('a message whose data spans several data: lines arrives as one, joined by a line break', async () => {
    const { client, connection } = await subscribeToTestServer();
    connection.send('data: first line\ndata: second line\n\n');
    await expectReceived(client, ['first line\nsecond line'], {
      expected: 'one message for the two data: lines, joined by "\\n"',
      hint: 'EventSource joins the data: lines of an event for you. Parsing the stream by hand is where this goes wrong.',
      read: READ.lines,
    });
  });

  test('data that looks like HTML arrives unchanged, as text', async () => {
    const { client, connection } = await subscribeToTestServer();
    connection.send('data: <img src=x onerror=alert(1)>\n\n');
    connection.send('data: <b>bold</b> & "quotes"\n\n');
    await expectReceived(client, ['<img src=x onerror=alert(1)>', '<b>bold</b> & "quotes"'], {
      expected: 'the data exactly as sent: event data is text, whatever it looks like',
      hint: 'Do not escape or change the data in the client; the page shows it safely with textContent.',
      read: READ.text,
    });
  });

  test('events with another event: name are not messages', async () => {
    const { client, connection } = await subscribeToTestServer();
    connection.send('event: ping\ndata: a ping, not a message\n\n');
    connection.send('event: message\ndata: first\n\n');
    connection.send('data: second\n\n');
    await expectReceived(client, ['first', 'second'], {
      expected: 'only the events without an event: field (or with event: message)',
      hint: 'Listen for "message" only. An event named "ping" goes to listeners of "ping".',
      read: READ.named,
    });
  });

  test('the function subscribe returns closes the connection for good', async () => {
    const { server, client, connection } = await subscribeToTestServer();
    connection.send('retry: 100\n\ndata: before stop\n\n');
    await until(() => client.received().length > 0, 2000);
    check(client.received().length > 0, {
      expected: 'onData called with "before stop"',
      got: calls(client),
      read: READ.messages,
    });

    await client.stop();
    connection.send('data: after stop\n\n');
    const closed = await connection.waitForClose(1000);
    check(closed, {
      expected: 'calling the returned function to close the connection',
      got: 'the connection was still open 1 s later',
      hint: 'An EventSource stays connected, and reconnects after every drop, until someone closes it.',
      read: READ.close,
    });
    // The stream said retry: 100: a client that reconnects is back within three times that.
    await server.waitForConnection(2, 300);
    check(server.connections.length === 1, {
      expected: 'no new connection after the returned function was called',
      got: `the client connected again (${server.connections.length - 1} more time(s))`,
      hint: 'source.close() stops EventSource for good; an EventSource that was not closed reconnects.',
      read: READ.close,
    });
    check(client.received().join() === 'before stop', {
      expected: 'no call to onData after the returned function was called',
      got: calls(client),
      read: READ.close,
    });
  });

  test('after the server drops the connection, the client reconnects by itself and keeps receiving', async () => {
    const { server, client, connection } = await subscribeToTestServer();
    connection.send('retry: 100\n\ndata: one\n\n');
    await until(() => client.received().includes('one'), 2000);
    check(client.received().includes('one'), {
      expected: 'onData called with "one"',
      got: calls(client),
      read: READ.messages,
    });

    connection.drop();
    const second = await server.waitForConnection(2, 1000);
    if (!second) {
      teach({
        expected: 'the client to connect again about 100 ms after the server dropped the connection (the stream said retry: 100)',
        got: 'no new connection within 1 s',
        hint: 'EventSource reconnects by itself. A client built on fetch or http.get, or one that closes on "error", does not.',
        read: READ.reconnect,
      });
    }
    second.send('data: two\n\n');
    await expectReceived(client, ['one', 'two'], {
      expected: 'the messages of both connections, one after the other',
      read: READ.reconnect,
    });
  });
});

describe('lesson 05: what earlier lessons built', () => {
  test('createApp() without options still sends retry: 10000 and one event per second', async () => {
    await expectDefaults({ retry: 'docs/03-retry.md#options-and-defaults', interval: 'docs/04-counter.md#the-interval-option' });
  });
});
