// Lesson 14, the capstone: a live chat that runs as one process with no
// configuration, and as many processes sharing one Redis with REDIS_URL.
// Judged with the real thing: each process of the learner's app is a real child
// process (test/support/app-processes.ts) and Redis is Debian's redis-server,
// started by the suite on a free port (test/support/redis.ts). Events are read
// from the wire by eventsource-parser (test/support/sse.ts).
import { afterAll, beforeAll, describe, test } from 'vitest';
import { startAppProcess, type AppProcess } from './support/app-processes.ts';
import { showEvents } from './support/chat-checks.ts';
import { until } from './support/poll.ts';
import { describeWithPart } from './support/real-part.ts';
import { redisPart, startRedis, type Redis } from './support/redis.ts';
import { NoResponse, openStream, type ReceivedEvent, type Stream } from './support/sse.ts';
import { targetFile } from './support/target.ts';
import { check, showBytes, teach } from './support/teach.ts';

const DOC = 'docs/14-capstone.md';
const READ = {
  auth: `${DOC}#who-may-publish`,
  embedded: `${DOC}#one-process-no-configuration`,
  redis: `${DOC}#many-processes-one-redis`,
  order: `${DOC}#one-order-for-every-process`,
  resume: `${DOC}#resuming-on-another-process`,
  down: `${DOC}#when-redis-is-down`,
  carried: `${DOC}#what-you-start-from`,
};
const SERVER = targetFile('14');
/** The workshop's demo accounts (auth.ts): tokens that may publish. */
const ALICE = 'alice-token';
const BOB = 'bob-token';
/** Events must reach another process through Redis within this (a busy machine, three processes). */
const DELIVERY_MS = 3000;

const streams: Stream[] = [];
afterAll(() => {
  for (const stream of streams.splice(0)) stream.close();
});

const chats = (events: ReceivedEvent[]) => events.filter((event) => event.type === 'chat');
const texts = (events: ReceivedEvent[]) => chats(events).map((event) => (JSON.parse(event.data) as { text: string }).text);

/** Opens /events on `app` (optionally resuming) and waits for its welcome event. */
async function join(app: AppProcess, read: string, lastEventId?: string): Promise<Stream> {
  let stream: Stream;
  try {
    stream = await openStream(`${app.url}/events`, 3000, { headers: lastEventId ? { 'Last-Event-ID': lastEventId } : {} });
  } catch (error) {
    teach({
      expected: `GET /events on process ${app.name} to answer with the stream's headers`,
      got: error instanceof NoResponse ? error.message : `the request failed: ${(error as Error).message}${app.alive() ? '' : ` (the process ${app.exitReason()})`}`,
      read,
    });
  }
  streams.push(stream);
  await until(() => stream.events.some((event) => event.type === 'welcome') || stream.ended(), 3000);
  check(stream.events.some((event) => event.type === 'welcome'), {
    expected: `GET /events on process ${app.name} to start with its welcome event, as in lesson 07`,
    got: `${stream.status} ${showBytes(stream.raw(), 160)}`,
    read: READ.carried,
  });
  return stream;
}

interface Posted {
  status: number;
  body: string;
  /** The id the server answered with, when it did. */
  id?: string;
  ms: number;
}

/** POST /messages on `app`, with a bearer token (or none); never waits more than `withinMs`. */
async function say(app: AppProcess, text: string, token: string | undefined, withinMs = 3000): Promise<Posted | undefined> {
  const started = performance.now();
  try {
    const response = await fetch(`${app.url}/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ text }),
      signal: AbortSignal.timeout(withinMs),
    });
    const body = await response.text();
    let id: string | undefined;
    try {
      id = (JSON.parse(body) as { id?: unknown }).id?.toString();
    } catch {}
    return { status: response.status, body, id, ms: Math.round(performance.now() - started) };
  } catch {
    return undefined;
  }
}

/** A POST that must be accepted. */
async function publish(app: AppProcess, text: string, token = ALICE): Promise<string | undefined> {
  const posted = await say(app, text, token);
  check(posted && posted.status >= 200 && posted.status < 300, {
    expected: `POST /messages on process ${app.name}, with "Authorization: Bearer ${token}" and {"text": ${JSON.stringify(text)}}, to be accepted (a 2xx status)`,
    got: posted ? `status ${posted.status}: ${showBytes(posted.body, 120)}` : 'no answer within 3 s',
    read: READ.auth,
  });
  return posted.id;
}

/** Waits until `stream` has `count` chat events (or ended), then checks their texts, once, in order. */
async function expectTexts(stream: Stream, owner: string, want: string[], read: string, hint?: string): Promise<void> {
  await until(() => chats(stream.events).length >= want.length || stream.ended(), DELIVERY_MS);
  const got = texts(stream.events);
  check(got.length === want.length && got.every((text, i) => text === want[i]), {
    expected: `the client of process ${owner} to get ${want.map((t) => JSON.stringify(t)).join(', ')}: each once, in that order`,
    got: got.length ? `it got ${got.map((t) => JSON.stringify(t)).join(', ')}` : `no chat event within ${DELIVERY_MS} ms`,
    hint: got.length === 0 ? hint : got.length > want.length ? 'Some event arrived twice.' : undefined,
    read,
  });
}

describe('one process, no configuration (npm run demo 14)', () => {
  let app: AppProcess;
  beforeAll(async () => {
    app = await startAppProcess('A', SERVER, { env: { REDIS_URL: undefined }, read: READ.embedded });
  }, 40_000);
  afterAll(() => app?.kill());

  test('a known bearer token publishes to every client, under its own name', async () => {
    const [one, two] = [await join(app, READ.embedded), await join(app, READ.embedded)];
    await publish(app, 'hello from bob', BOB);
    for (const stream of [one, two]) await expectTexts(stream, 'A', ['hello from bob'], READ.embedded);
    const { user } = JSON.parse(chats(one.events)[0]!.data) as { user?: unknown };
    check(user === 'bob', {
      expected: 'the chat event\'s data to name the user the token belongs to: {"user": "bob", "text": ...}',
      got: `the data was ${showBytes(chats(one.events)[0]!.data, 120)}`,
      hint: 'The server decides who speaks, from the token; whatever the body says about a name does not count.',
      read: READ.auth,
    });
  });

  test('without a known token, POST /messages answers 401 and publishes nothing', async () => {
    const stream = await join(app, READ.auth);
    for (const token of [undefined, 'made-up-token']) {
      const posted = await say(app, 'let me in', token);
      check(posted?.status === 401, {
        expected: `POST /messages ${token ? `with the unknown token "${token}"` : 'without an Authorization header'} to answer 401 Unauthorized`,
        got: posted ? `status ${posted.status}: ${showBytes(posted.body, 100)}` : 'no answer within 3 s',
        hint: 'Only a known token may publish: check it before anything else, and stop there.',
        read: READ.auth,
      });
    }
    await publish(app, 'after the intruders');
    await expectTexts(stream, 'A', ['after the intruders'], READ.auth, undefined);
  });

  test('a client that comes back with Last-Event-ID gets exactly what it missed', async () => {
    const first = await join(app, READ.embedded);
    const seen = await publish(app, 'seen');
    await expectTexts(first, 'A', ['seen'], READ.embedded);
    first.close();
    await publish(app, 'missed 1');
    await publish(app, 'missed 2');
    const back = await join(app, READ.embedded, chats(first.events)[0]!.id ?? seen);
    await expectTexts(back, 'A', ['missed 1', 'missed 2'], READ.carried, 'A reconnect sends Last-Event-ID: the server sends what came after it (lesson 08).');
  });

  test('what lessons 01-11 built still holds: headers, retry 10000 by default, the page at /', async () => {
    const stream = await join(app, READ.carried);
    check(stream.status === 200 && /^text\/event-stream/.test(String(stream.headers['content-type'])), {
      expected: 'GET /events to answer 200 with Content-Type: text/event-stream',
      got: `${stream.status} ${stream.headers['content-type']}`,
      read: READ.carried,
    });
    check(stream.retries[0] === 10_000, {
      expected: 'the stream to send retry: 10000 when createApp gets no retryMs',
      got: stream.retries.length ? `retry: ${stream.retries.join(', ')}` : 'no retry field',
      read: READ.carried,
    });
    const page = await fetch(`${app.url}/`).then(async (r) => ({ status: r.status, text: await r.text() }));
    check(page.status === 200 && /EventSource/.test(page.text) && /Authorization/.test(page.text), {
      expected: 'GET / to serve the chat page: it follows /events with an EventSource and posts with an Authorization header',
      got: `${page.status} ${showBytes(page.text, 100)}`,
      read: READ.carried,
    });
  });
});

describeWithPart('three processes sharing one Redis (REDIS_URL)', redisPart(), (redisServer) => {
  let redis: Redis;
  let a: AppProcess;
  let b: AppProcess;
  let c: AppProcess;
  beforeAll(async () => {
    redis = await startRedis(redisServer);
    const start = (name: string) => startAppProcess(name, SERVER, { env: { REDIS_URL: redis.url }, read: READ.redis });
    [a, b, c] = await Promise.all([start('A'), start('B'), start('C')]);
  }, 60_000);
  afterAll(async () => {
    await Promise.allSettled([a, b, c].map((app) => app?.kill()));
    await redis?.stop();
  });

  test('an event published through process A reaches the clients of B and C once, in order', async () => {
    const onB = await join(b, READ.redis);
    const onC = await join(c, READ.redis);
    const onA = await join(a, READ.redis);
    for (const text of ['one', 'two', 'three']) await publish(a, text);
    await expectTexts(onA, 'A', ['one', 'two', 'three'], READ.redis);
    const hint = 'Each process only knows its own clients: with REDIS_URL set, publish through Redis and deliver what Redis announces.';
    await expectTexts(onB, 'B', ['one', 'two', 'three'], READ.redis, hint);
    await expectTexts(onC, 'C', ['one', 'two', 'three'], READ.redis, hint);

    // Published at the same time through two processes: every process must see one order.
    await Promise.all([publish(a, 'a1'), publish(c, 'c1'), publish(a, 'a2'), publish(c, 'c2')]);
    await until(() => [onA, onB, onC].every((stream) => chats(stream.events).length >= 7), DELIVERY_MS);
    const orders = [onA, onB, onC].map((stream) => texts(stream.events).slice(3));
    check(orders.every((order) => order.length === 4 && order.join() === orders[0]!.join()), {
      expected: 'four messages posted at once through A and C to reach every process in one and the same order',
      got: orders.map((order, i) => `${'ABC'[i]} got ${order.map((t) => JSON.stringify(t)).join(', ') || 'nothing'}`).join('; '),
      hint: 'Redis must give the ids and announce the events in that same order: nothing may run between adding an event and announcing it.',
      read: READ.order,
    });
    const ids = [onB, onC].map((stream) => chats(stream.events).map((event) => event.id).join());
    check(ids[0] === ids[1] && !chats(onB.events).some((event) => !event.id), {
      expected: 'every process to send the same id for the same event (the id Redis gave it)',
      got: `B sent ${showEvents(chats(onB.events))}; C sent ${showEvents(chats(onC.events))}`,
      hint: 'An id counted in one process means nothing to the others; let the Redis stream give the id.',
      read: READ.resume,
    });
  });

  test('a client of B, reconnecting to C after B was killed, gets exactly the events it missed', async () => {
    const onB = await join(b, READ.resume);
    await publish(a, 'before the crash');
    await expectTexts(onB, 'B', ['before the crash'], READ.redis);
    const lastSeen = chats(onB.events).at(-1)!.id;
    check(lastSeen, { expected: 'chat events to carry an id', got: showEvents(onB.events), read: READ.resume });
    await b.kill();
    await until(() => onB.ended(), 2000);
    await publish(a, 'missed 1');
    await publish(c, 'missed 2');
    const onC = await join(c, READ.resume, lastSeen);
    await expectTexts(
      onC,
      'C',
      ['missed 1', 'missed 2'],
      READ.resume,
      `The client came back to C with Last-Event-ID: ${lastSeen}: C must read what came after it from the stream in Redis.`,
    );
    const reset = onC.events.find((event) => event.type === 'reset');
    check(!reset, {
      expected: 'no reset event: the events after that id are still kept in Redis',
      got: `a reset event: ${showBytes(reset?.data ?? '', 80)}`,
      read: READ.resume,
    });
    await publish(a, 'live again');
    await expectTexts(onC, 'C', ['missed 1', 'missed 2', 'live again'], READ.resume, undefined);
  });

  test('with Redis stopped, publishing fails at once with 503 and no process crashes', async () => {
    const onC = await join(c, READ.down);
    await redis.stop();
    const posted = await say(a, 'into the void', ALICE, 3000);
    const crashed = (app: AppProcess) => ({
      expected: `process ${app.name} to keep running while Redis is down`,
      got: `it died (${app.exitReason()}):\n  ${app.output()}`,
      hint: 'A Redis client that emits "error" with no listener crashes the process.',
      read: READ.down,
    });
    // No answer at all: the process may have died under the request.
    if (!posted) await until(() => !a.alive(), 500);
    check(a.alive(), () => crashed(a));
    check(posted, {
      expected: 'POST /messages to answer at once when Redis is unreachable',
      got: 'no answer within 3 s: the publish waits for Redis to come back',
      hint: 'A Redis client queues commands while it reconnects; for a publish, failing at once is better than hanging.',
      read: READ.down,
    });
    check(posted.status === 503, {
      expected: 'POST /messages to answer 503 Service Unavailable when Redis is unreachable, with a clear error',
      got: `status ${posted.status}: ${showBytes(posted.body, 120)}`,
      hint: posted.status < 300 ? 'The message cannot reach the other processes: do not say it was published.' : 'Catch the failed publish and answer 503 yourself.',
      read: READ.down,
    });
    // A lost connection emits errors for a while (each reconnect attempt): give them time to crash a process.
    await until(() => ![a, c].every((app) => app.alive()), 1000);
    for (const app of [a, c]) check(app.alive(), () => crashed(app));
    check(!onC.ended(), {
      expected: 'open streams to stay open while Redis is down (they get events again when it is back)',
      got: 'the stream on C ended',
      read: READ.down,
    });
  });
});
