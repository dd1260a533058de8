// Lesson 05: the page at / and a Node client built on EventSource.
// The server must serve public/index.html and keep streaming the counter. The
// client (client.ts) runs in Node against an event stream that this test
// writes byte by byte. How the page behaves in a real browser is tested in
// lesson-05-client-browser.test.ts.
import fs from 'node:fs';
import { afterEach, beforeEach, describe, test } from 'vitest';
import { connect, expectSseHeaders } from './support/expect-sse.ts';
import { useLesson, type RunningClient } from './support/lesson-host.ts';
import { until } from './support/poll.ts';
import { startTestServer, type TestConnection, type TestServer } from './support/sse-test-server.ts';
import { shown, targetFile } from './support/target.ts';
import { check, showBytes, teach } from './support/teach.ts';

const lesson = useLesson('05', 'docs/05-client.md');

const READ = {
  page: 'docs/05-client.md#serve-the-page',
  counter: 'docs/05-client.md#serve-the-page',
  node: 'docs/05-client.md#eventsource-in-node',
  messages: 'docs/05-client.md#message-events',
  lines: 'docs/05-client.md#data-on-several-lines',
  text: 'docs/05-client.md#event-data-is-text',
  named: 'docs/05-client.md#named-events-are-not-messages',
  close: 'docs/05-client.md#closing-the-connection',
  reconnect: 'docs/05-client.md#automatic-reconnection',
};

/** Every test server and client of the running test, stopped after it. */
const testServers: TestServer[] = [];
const clients: RunningClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.stop()));
  await Promise.all(testServers.splice(0).map((server) => server.close()));
});

/** How many errors the learner's code had thrown before the running test. */
let crashesBefore = 0;
beforeEach(() => {
  crashesBefore = lesson.crashes().length;
});

const sameList = (a: string[], b: string[]): boolean => a.length === b.length && a.every((item, i) => item === b[i]);
const list = (items: string[]): string => `[${items.map((item) => showBytes(item)).join(', ')}]`;

/** The text of an HTML body, for a one-line message ("Error Cannot GET /"). */
const textOf = (html: string): string => html.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();

/** What the client passed to onData so far, and what its code threw during this test (in a listener, say). */
function calls(client: RunningClient): string {
  const received = client.received();
  const crash = lesson.crashes().slice(crashesBefore).at(-1);
  return (
    (received.length === 0 ? 'onData was never called' : `onData was called with ${list(received)}`) +
    (crash ? `, and your code threw ${crash.name ?? 'Error'}: ${crash.message.split('\n')[0]}` : '')
  );
}

/**
 * Starts a test server, runs the learner's subscribe(url, onData) against it
 * and returns the client with its first connection.
 */
async function subscribeToTestServer(): Promise<{ server: TestServer; client: RunningClient; connection: TestConnection }> {
  const server = await startTestServer();
  testServers.push(server);
  const client = await lesson.subscribe(server.url);
  clients.push(client);
  const connection = await server.waitForConnection(1, 1500);
  if (!connection) {
    teach({
      expected: 'subscribe(url, onData) to connect to url right away, with new EventSource(url)',
      got: 'no request reached the URL within 1.5 s',
      hint: `Fill in subscribe in ${shown(targetFile('05', 'client.ts'))}: the starter returns without connecting.`,
      read: READ.node,
    });
  }
  return { server, client, connection };
}

/** Waits for the last expected message (or as many as expected, or 2 s), then compares everything onData got. */
async function expectReceived(client: RunningClient, expected: string[], t: { expected: string; read: string; hint?: string }) {
  const last = expected[expected.length - 1]!;
  await until(() => client.received().includes(last) || client.received().length >= expected.length, 2000);
  // A moment more, so a message that should not be there has the time to show up.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const received = client.received();
  check(sameList(received, expected), {
    expected: `onData called with ${list(expected)}: ${t.expected}`,
    got: calls(client),
    hint: received.some((data) => data.startsWith('[object '))
      ? 'Pass the text of the message, event.data, not the event object.'
      : t.hint,
    read: t.read,
  });
}

describe('lesson 05: the page at /', () => {
  test('GET / answers 200 with public/index.html, as HTML', async () => {
    const server = await lesson.start();
    const file = targetFile('05', 'public/index.html');
    check(fs.existsSync(file), {
      expected: `the page at ${shown(file)}`,
      got: 'there is no such file',
      read: READ.page,
    });

    let response: Response;
    try {
      response = await fetch(`${server.url}/`, { signal: AbortSignal.timeout(2000) });
    } catch {
      await server.assertResponsive(READ.page);
      teach({
        expected: 'GET / to answer with the page',
        got: 'no answer within 2 s',
        hint: 'A route handler must answer every request: res.sendFile(...) sends the file and ends the response.',
        read: READ.page,
      });
    }
    const body = await response.text();
    check(response.status === 200, () => {
      const noRoute = /Cannot GET \//.test(body);
      const notFound = /NotFoundError/.test(body);
      return {
        expected: 'GET / to answer 200 with the page',
        got: `status ${response.status}${noRoute ? ' (Express: "Cannot GET /")' : body ? `: ${showBytes(textOf(body), 100)}` : ''}`,
        hint: noRoute
          ? 'There is no route for GET / yet: add app.get("/", ...) and send the file.'
          : notFound
            ? `sendFile found no file to send. Pass the folder as the root option: res.sendFile('index.html', { root: path.join(here, 'public') }).`
            : undefined,
        read: READ.page,
      };
    });
    const type = response.headers.get('content-type') ?? '';
    check(type.split(';')[0]!.trim().toLowerCase() === 'text/html', {
      expected: 'Content-Type: text/html, so the browser renders the page and runs its script',
      got: type ? `Content-Type: ${type}` : 'no Content-Type header',
      hint: 'res.sendFile sets the type from the file name; res.send with a Buffer sends application/octet-stream.',
      read: READ.page,
    });
    const page = fs.readFileSync(file, 'utf8');
    check(body === page, {
      expected: `the body to be the file ${shown(file)} (${page.length} chars), unchanged`,
      got: `a body of ${body.length} chars: ${showBytes(body, 160)}`,
      hint: `Send the file itself: res.sendFile('index.html', { root: path.join(here, 'public') }).`,
      read: READ.page,
    });
  });

  test('GET /events still streams the counter: 1, 2, 3', async () => {
    const server = await lesson.start({ intervalMs: 20 });
    const stream = await connect(server, READ.counter);
    expectSseHeaders(stream, READ.counter);
    const events = await stream.waitForEvents(3, 1500);
    if (events.length < 3) await server.assertResponsive(READ.counter);
    const data = events.slice(0, 3).map((event) => event.data);
    check(sameList(data, ['1', '2', '3']), {
      expected: 'GET /events to keep sending data: 1, data: 2, data: 3, ... as in lesson 04',
      got: data.length === 0 ? 'no event within 1.5 s' : `events with data ${list(data)}`,
      hint: 'Adding the page must not change the /events route.',
      read: READ.counter,
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
      hint: 'source.addEventListener("message", (event) => onData(event.data))',
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
      hint: 'Return a function that calls source.close().',
      read: READ.close,
    });
    // The stream said retry: 100, so a client that reconnects would be back by now.
    await new Promise((resolve) => setTimeout(resolve, 400));
    check(server.connections.length === 1, {
      expected: 'no new connection after the returned function was called',
      got: `the client connected again (${server.connections.length - 1} more time(s))`,
      hint: 'source.close() stops EventSource for good; an EventSource that was not closed reconnects.',
      read: READ.close,
    });
    check(sameList(client.received(), ['before stop']), {
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
    const second = await server.waitForConnection(2, 2000);
    if (!second) {
      teach({
        expected: 'the client to connect again about 100 ms after the server dropped the connection (the stream said retry: 100)',
        got: 'no new connection within 2 s',
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
