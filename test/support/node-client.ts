// Runs the learner's Node client (client.ts, from lesson 05 on) against an
// event stream the test writes byte by byte (sse-test-server.ts), and compares
// what it passed to onData. Lesson 05 checks the client in depth; later lessons
// check briefly that it still works.
import { afterEach, beforeEach } from 'vitest';
import type { RunningClient, useLesson } from './lesson-host.ts';
import { pollUntil } from './poll.ts';
import { startTestServer, type TestConnection, type TestServer } from './sse-test-server.ts';
import { showBytes, teach, check, type Teaching } from './teach.ts';

type Lesson = ReturnType<typeof useLesson>;

/** Where the client checks send a learner. */
export const CLIENT_DOCS = {
  node: 'docs/05-client.md#eventsource-in-node',
  messages: 'docs/05-client.md#message-events',
  lines: 'docs/05-client.md#data-on-several-lines',
  text: 'docs/05-client.md#event-data-is-text',
  named: 'docs/05-client.md#named-events-are-not-messages',
  close: 'docs/05-client.md#closing-the-connection',
  reconnect: 'docs/05-client.md#automatic-reconnection',
  wrongThing: 'docs/05-client.md#reading-the-wrong-thing',
};

/** How long a client may take to connect to a server on this machine. */
const CONNECT_WITHIN_MS = 1000;

const sameList = (a: string[], b: string[]): boolean => a.length === b.length && a.every((item, i) => item === b[i]);
const list = (items: string[]): string => `[${items.map((item) => showBytes(item)).join(', ')}]`;

export interface NodeClientChecks {
  /** Runs subscribe(url, onData) against a fresh test server; returns it with its first connection. */
  subscribe(): Promise<{ server: TestServer; client: RunningClient; connection: TestConnection }>;
  /** Waits for the last expected message, then compares everything onData got. */
  expectReceived(client: RunningClient, expected: string[], t: { expected: string; read: string; hint?: string }): Promise<void>;
  /** What the client passed to onData so far, and what its code threw during this test. */
  calls(client: RunningClient): string;
}

/** Call once per test file, at the top level (it registers hooks that stop every client and server). */
export function nodeClientChecks(lesson: Lesson): NodeClientChecks {
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

  /**
   * A subscribe() that did not connect in one test does not connect in the
   * next (same code, same kind of URL): the later tests fail at once with the
   * same message instead of waiting again.
   */
  let neverConnected: Teaching | undefined;

  const calls = (client: RunningClient): string => {
    const received = client.received();
    const crash = lesson.crashes().slice(crashesBefore).at(-1);
    return (
      (received.length === 0 ? 'onData was never called' : `onData was called with ${list(received)}`) +
      (crash ? `, and your code threw ${crash.name ?? 'Error'}: ${crash.message.split('\n')[0]}` : '')
    );
  };

  return {
    calls,
    async subscribe() {
      if (neverConnected) teach(neverConnected);
      const server = await startTestServer();
      testServers.push(server);
      const client = await lesson.subscribe(server.url);
      clients.push(client);
      const connection = await server.waitForConnection(1, CONNECT_WITHIN_MS);
      if (!connection) {
        const crash = lesson.crashes().slice(crashesBefore).at(-1);
        neverConnected = {
          expected: 'subscribe(url, onData) to connect to url right away',
          got: `no request reached the URL within ${CONNECT_WITHIN_MS} ms${crash ? `; your code threw ${crash.name ?? 'Error'}: ${crash.message.split('\n')[0]}` : ''}`,
          hint: 'subscribe() has to open the connection itself; nothing else in the program does.',
          read: CLIENT_DOCS.node,
        };
        teach(neverConnected);
      }
      return { server, client, connection };
    },

    async expectReceived(client, expected, t) {
      const last = expected[expected.length - 1]!;
      await pollUntil(
        () => client.received(),
        (received) => received.includes(last) || received.length >= expected.length,
        2000,
      );
      // Each test sends its last expected message last: once it is here, so is
      // everything before it. stop() is an IPC round trip, so a second call of
      // onData for that same message (two listeners) has reached us after it.
      await client.stop();
      const received = client.received();
      const wrongThing = received.some((data) => data.startsWith('[object '));
      check(sameList(received, expected), {
        expected: `onData called with ${list(expected)}: ${t.expected}`,
        got: calls(client),
        hint: wrongThing ? 'onData got the event object, turned into text; it wants the text of the message.' : t.hint,
        read: wrongThing ? CLIENT_DOCS.wrongThing : t.read,
      });
    },
  };
}

/** One brief check of the whole client, for the lessons after 05: messages in order, then close() for good. */
export async function expectClientStillWorks(checks: NodeClientChecks): Promise<void> {
  const { client, connection } = await checks.subscribe();
  connection.send('data: one\n\nevent: ping\ndata: not a message\n\ndata: two\n\n');
  await pollUntil(() => client.received(), (received) => received.includes('two'), 2000);
  check(sameList(client.received(), ['one', 'two']), {
    expected: 'onData called with ["one", "two"]: the messages of the stream, as in lesson 05',
    got: checks.calls(client),
    read: CLIENT_DOCS.messages,
  });
  check(client.returnedStop, {
    expected: 'subscribe() to return a function that closes the connection, as in lesson 05',
    got: 'it returned no function',
    read: CLIENT_DOCS.close,
  });
  await client.stop();
  check(await connection.waitForClose(1000), {
    expected: 'the function subscribe() returns to close the connection, as in lesson 05',
    got: 'the connection was still open 1 s after it was called',
    read: CLIENT_DOCS.close,
  });
}
