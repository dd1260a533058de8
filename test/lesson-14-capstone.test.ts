// Lesson 14, the capstone: a live chat that runs as one process with no
// configuration, and as many processes sharing one Redis with REDIS_URL. It
// carries lesson 13's sign-in and CORS and lesson 12's clean stop.
// Judged with the real thing: each process of the learner's app is a real child
// process (test/support/app-processes.ts: createApp(options), or the lesson's
// own main.ts, stopped with SIGTERM) and Redis is Debian's redis-server, started
// by the suite on a free port (test/support/redis.ts). Events are read from the
// wire by eventsource-parser (test/support/sse.ts, parse-event-stream.ts).
// What it carries from lessons 10 and 11 (a client that leaves or stops reading
// leaves nothing behind) is measured in the server's own process, as those
// lessons measure it: createApp() in memory, served by test/support/host.ts.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { BROWSER_TEST_TIMEOUT_MS, describeInBrowser } from './support/browser-launch.ts';
import { START_DEADLINE_MS, startAppProcess, startMainProcess, type AppProcess, type MainProcess } from './support/app-processes.ts';
import { chatChecks, showEvents } from './support/chat-checks.ts';
import { expectNothingLeftAfter } from './support/leave-checks.ts';
import { useLesson } from './support/lesson-host.ts';
import { openRaw, type RawStream } from './support/lesson-process.ts';
import { parseEventStream } from './support/parse-event-stream.ts';
import { pollUntil, until } from './support/poll.ts';
import { describeWithPart } from './support/real-part.ts';
import { redisPart, startRedis, type Redis } from './support/redis.ts';
import { ask as askAt, carriesNoStream, EXPIRED_TOKEN_HINT, isStream, logIn, type Answer, type AskOptions } from './support/sign-in.ts';
import { KiB, MiB, slowClientChecks } from './support/slow-client-checks.ts';
import { NoResponse, openStream, type ReceivedEvent, type Stream } from './support/sse.ts';
import { targetFile } from './support/target.ts';
import { check, showBytes, teach } from './support/teach.ts';

const DOC = 'docs/14-capstone.md';
const READ = {
  auth: `${DOC}#who-may-publish-and-listen`,
  embedded: `${DOC}#one-process-no-configuration`,
  redis: `${DOC}#many-processes-one-redis`,
  order: `${DOC}#one-order-for-every-process`,
  resume: `${DOC}#resuming-on-another-process`,
  down: `${DOC}#when-redis-is-down`,
  stop: `${DOC}#stopping-a-process-of-many`,
  carried: `${DOC}#what-you-start-from`,
  tokens: 'docs/13-auth-cors.md#who-is-asking-a-short-lived-token',
  before: 'docs/13-auth-cors.md#refuse-before-the-stream-starts',
  cors: 'docs/13-auth-cors.md#cors-which-pages-may-read-the-stream',
  signal: 'docs/12-clean-stop.md#sigterm-the-polite-way-to-stop-a-process',
  close: 'docs/12-clean-stop.md#what-serverclose-waits-for',
  drop: 'docs/11-backpressure.md#dropping-a-client',
  leave: 'docs/10-broadcast.md#forget-a-client-at-once',
};
const SERVER = targetFile('14');
const MAIN = targetFile('14', 'main.ts');
/** Who may sign in (the users option, or USERS for main.ts). */
const USERS = { ada: 'correct horse', bob: 'battery staple' };
/** One secret for every process of a run, as a deploy shares TOKEN_SECRET. */
const SECRET = randomBytes(16).toString('hex');
const ALLOWED = 'http://localhost:5173';
const OTHER = 'http://evil.localhost:5173';
/** Events must reach another process through Redis within this (a busy machine, three processes). */
const DELIVERY_MS = 3000;
/** Process A's heartbeatMs: a comment this often on every open stream (lesson 09). */
const HEARTBEAT_MS = 200;
/** Process S's tokenTtlMs: its tokens expire this long after POST /login (lesson 13). */
const SHORT_TTL_MS = 600;
/** main.ts must be gone this long after SIGTERM (lesson 12). */
const EXIT_DEADLINE_MS = 3000;

const streams: Stream[] = [];
afterAll(() => {
  for (const stream of streams.splice(0)) stream.close();
});

/** The in-memory app, served by the test host, for the checks of lessons 10 and 11. */
const lesson = useLesson('14', DOC);
const { join: joinHere } = chatChecks({ publish: READ.carried, hub: READ.carried, carried: READ.carried });
const { stall, flood, expectDropped, expectDropLogged } = slowClientChecks({
  carried: READ.carried,
  write: 'docs/11-backpressure.md#what-write-returns',
  drain: 'docs/11-backpressure.md#waiting-for-drain-is-not-a-policy',
  bound: 'docs/11-backpressure.md#a-bound-per-client',
  drop: READ.drop,
});
const eventsWith = (token: string) => `/events?token=${encodeURIComponent(token)}`;

const chats = (events: ReceivedEvent[]) => events.filter((event) => event.type === 'chat');
const texts = (events: ReceivedEvent[]) => chats(events).map((event) => (JSON.parse(event.data) as { text: string }).text);

/** One request to `app` (see test/support/sign-in.ts). Undefined: no answer within 3 s. */
const ask = (app: { url: string }, path: string, options?: AskOptions) => askAt(app.url, path, options);
const show = (answer: Answer | undefined) => (answer ? `status ${answer.status}: ${showBytes(answer.body, 120)}` : 'no answer within 3 s');

/** Signs in as `user` with POST /login on `app` and returns the token. */
async function login(app: { url: string; name?: string }, user: keyof typeof USERS): Promise<string> {
  const { answer, token } = await logIn(app.url, user, USERS[user]);
  check(token, {
    expected: `POST /login${app.name ? ` on process ${app.name}` : ''} with {"user": "${user}", "password": "${USERS[user]}"} (a user of the users option) to answer 200 with {"token": "..."}, as in lesson 13`,
    got: show(answer),
    hint: answer?.status === 404 ? 'Lesson 13\'s POST /login is carried into the capstone: nothing answers it here.' : undefined,
    read: READ.tokens,
  });
  return token;
}

/** A refused request: 401 or 403, nothing of a stream, a response that ends. */
function expectRefused(answer: Answer | undefined, what: string, acceptedHint?: string): void {
  // A stream that stayed open was let in; `acceptedHint`, when given, says why that is wrong here.
  const letIn = answer?.status === 200 && isStream(answer) && !answer.ended;
  check(answer && (answer.status === 401 || answer.status === 403), {
    expected: `${what} to be refused with 401 (or 403), as in lesson 13`,
    got: answer ? `status ${answer.status}${isStream(answer) ? ', and the stream started' : ''}: ${showBytes(answer.body, 120)}` : 'no answer within 3 s',
    hint: letIn && acceptedHint ? acceptedHint : answer?.status === 200 ? 'Check the token first, before any header of the stream is set or flushed.' : undefined,
    read: letIn && acceptedHint ? READ.tokens : answer?.status === 200 ? READ.before : READ.auth,
  });
  check(carriesNoStream(answer), {
    expected: `the refusal of ${what} to carry nothing of a stream: no text/event-stream, no retry, no event, and to end`,
    got: `Content-Type: ${answer.headers['content-type'] ?? '(none)'}, body ${showBytes(answer.body, 120)}${answer.ended ? '' : ', still open'}`,
    read: READ.before,
  });
}

/** Opens /events on `app` with a token (optionally resuming) and waits for its welcome event. */
async function join(app: AppProcess, read: string, token: string, lastEventId?: string, issuedBy = app.name): Promise<Stream> {
  let stream: Stream;
  try {
    stream = await openStream(`${app.url}/events?token=${encodeURIComponent(token)}`, 3000, { headers: lastEventId ? { 'Last-Event-ID': lastEventId } : {} });
  } catch (error) {
    teach({
      expected: `GET /events?token=<token> on process ${app.name} to answer with the stream's headers`,
      got: error instanceof NoResponse ? error.message : `the request failed: ${(error as Error).message}${app.alive() ? '' : ` (the process ${app.exitReason()})`}`,
      read,
    });
  }
  streams.push(stream);
  check(stream.status === 200, {
    expected: `GET /events?token=<a token from POST /login on process ${issuedBy}> on process ${app.name} to open the stream (200)`,
    got: `status ${stream.status}: ${showBytes(stream.raw(), 120)}`,
    hint:
      issuedBy !== app.name
        ? `Every process must accept the tokens of the others: they must sign with the same tokenSecret (here createApp gets it in its options; main.ts reads TOKEN_SECRET).`
        : undefined,
    read: issuedBy !== app.name ? READ.auth : READ.tokens,
  });
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
}

/** POST /messages on `app`, with a bearer token (or none); never waits more than 3 s. */
async function say(app: AppProcess, text: string, token: string | undefined): Promise<Posted | undefined> {
  const answer = await ask(app, '/messages', { method: 'POST', body: { text }, headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (!answer) return undefined;
  let id: string | undefined;
  try {
    id = (JSON.parse(answer.body) as { id?: unknown }).id?.toString();
  } catch {}
  return { status: answer.status, body: answer.body, id };
}

/** A POST that must be accepted. */
async function publish(app: AppProcess, text: string, token: string): Promise<string | undefined> {
  const posted = await say(app, text, token);
  check(posted && posted.status >= 200 && posted.status < 300, {
    expected: `POST /messages on process ${app.name}, with "Authorization: Bearer <a token from POST /login>" and {"text": ${JSON.stringify(text)}}, to be accepted (a 2xx status)`,
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

/** Why the clients of another process get nothing. */
const NOT_SHARED = 'Each process only knows its own clients: with REDIS_URL set, publish through Redis and deliver what Redis announces.';

/**
 * Nothing travels between the processes but through Redis: when none of them
 * is connected to it, what one publishes cannot reach another, and the test
 * fails now instead of after DELIVERY_MS.
 */
async function expectAppsOnRedis(redis: Redis, expected: string): Promise<void> {
  check((await redis.clients()) !== 0, {
    expected,
    got: 'none of the processes is connected to Redis, though each got REDIS_URL: what one of them publishes never leaves it',
    hint: NOT_SHARED,
    read: READ.redis,
  });
}

/**
 * Sends SIGTERM to `main` with `clients` open and checks lesson 12's clean stop:
 * exit code 0 within EXIT_DEADLINE_MS, every client reads a last event (not a
 * chat) and the complete end of its response.
 */
async function expectCleanStop(main: MainProcess, clients: RawStream[]): Promise<void> {
  const sent = performance.now();
  const exit = await main.terminate(EXIT_DEADLINE_MS);
  const took = Math.round(performance.now() - sent);
  const open = clients.filter((client) => client.state() === 'open').length;
  if (!exit) await main.kill();
  check(exit, {
    expected: `process ${main.name} (main.ts) to exit within ${EXIT_DEADLINE_MS / 1000} s of SIGTERM, with ${clients.length} streams open`,
    got: `it still ran ${EXIT_DEADLINE_MS / 1000} s later, with ${open} of ${clients.length} streams still open:\n  ${main.output()}`,
    hint:
      open > 0
        ? 'server.close() waits for every open stream: app.stop() must end them first (the hub knows them all).'
        : 'Every stream ended, yet something keeps the process alive: a timer, idle keep-alive connections (server.closeIdleConnections()), or the feed\'s Redis connections (app.stop() must close the feed).',
    read: open > 0 ? READ.close : READ.stop,
  });
  check(exit.signal === null && exit.code === 0, {
    expected: `process ${main.name} to handle SIGTERM itself and exit with code 0 (lesson 12)`,
    got: exit.signal ? `it was killed by ${exit.signal} (Node's default for a signal nobody listens for)` : `exit code ${exit.code}:\n  ${main.output()}`,
    read: READ.signal,
  });
  await until(() => clients.every((client) => client.state() !== 'open'), 500);
  const cut = clients.filter((client) => client.state() !== 'ended').length;
  check(cut === 0, {
    expected: `each of the ${clients.length} clients to see its response end (the last chunk of the response), so that it reconnects after retry`,
    got: `${cut} of ${clients.length} connections were cut instead, after ${took} ms`,
    hint: 'server.closeAllConnections() or process.exit() while streams are open cuts them; end each response first (app.stop()).',
    read: READ.stop,
  });
  const silent = clients.filter((client) => {
    const events = parseEventStream(client.body()).events;
    return !events.some((event) => event.type !== 'welcome' && event.type !== 'chat');
  }).length;
  check(silent === 0, {
    expected: 'each stream to get a last event before its end (any name but chat or welcome, e.g. "bye"), so the page can say the server is going away',
    got: `${silent} of ${clients.length} streams ended without one`,
    read: READ.stop,
  });
}

describe('one process, no configuration (npm run demo 14)', () => {
  let app: AppProcess;
  let short: AppProcess;
  beforeAll(async () => {
    const options = { users: USERS, allowedOrigins: [ALLOWED], heartbeatMs: HEARTBEAT_MS };
    [app, short] = await Promise.all([
      startAppProcess('A', SERVER, { env: { REDIS_URL: undefined }, options, read: READ.embedded }),
      startAppProcess('S', SERVER, { env: { REDIS_URL: undefined }, options: { users: USERS, tokenTtlMs: SHORT_TTL_MS }, read: READ.embedded }),
    ]);
  }, 2 * START_DEADLINE_MS);
  afterAll(async () => {
    await Promise.allSettled([app?.kill(), short?.kill()]);
  });

  test('POST /login gives a token (lesson 13); /events refuses no token, a forged one and an expired one with 401 before the stream starts', async () => {
    const wrong = await ask(app, '/login', { method: 'POST', body: { user: 'ada', password: 'guess' } });
    check(wrong?.status === 401, {
      expected: 'POST /login with a wrong password to answer 401',
      got: show(wrong),
      read: READ.tokens,
    });
    const stranger = await ask(app, '/login', { method: 'POST', body: { user: 'carol', password: 'correct horse' } });
    check(stranger?.status === 401, {
      expected: 'POST /login as "carol", who is not in the users option, to answer 401',
      got: show(stranger),
      read: READ.tokens,
    });
    const inherited = await ask(app, '/login', { method: 'POST', body: { user: 'toString', password: 'x' } });
    check(inherited?.status === 401, {
      expected: 'POST /login as "toString" (a name every object inherits, not a user) to answer 401',
      got: show(inherited),
      hint: 'Look the user up among the users option\'s own keys only (Object.hasOwn).',
      read: READ.tokens,
    });
    const token = await login(app, 'ada');
    expectRefused(await ask(app, '/events'), 'GET /events without a token');
    const forged = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
    expectRefused(await ask(app, `/events?token=${encodeURIComponent(forged)}`), 'GET /events with a token whose last characters were changed (forged)');
    expectRefused(await ask(app, `/events?token=${encodeURIComponent(token.slice(0, -5))}`), 'GET /events with a token cut short');
    // Lesson 13's tokens are "<payload>.<signature>": another user's payload under ada's signature.
    const [, signature] = token.split('.');
    if (signature) {
      const payload = Buffer.from(JSON.stringify({ user: 'bob', exp: Date.now() + 3_600_000 })).toString('base64url');
      expectRefused(await ask(app, `/events?token=${encodeURIComponent(`${payload}.${signature}`)}`), 'GET /events with a token whose payload was changed to another user (bob), keeping ada\'s signature');
    }
    for (const [how, path, headers] of [
      ['?token=', `/events?token=${encodeURIComponent(token)}`, {}],
      ['Authorization: Bearer', '/events', { Authorization: `Bearer ${token}` }],
    ] as const) {
      const good = await ask(app, path, { headers, withinMs: 400 });
      check(good?.status === 200 && isStream(good) && /Hello/.test(good.body), {
        expected: `GET /events with the token from POST /login in ${how} to open the stream, with its welcome`,
        got: show(good),
        read: READ.tokens,
      });
    }
    // tokenTtlMs: SHORT_TTL_MS on process S: its token, issued before POST /login was answered, is
    // asked with again until it is refused, at the latest tokenTtlMs (and a little for a busy machine) later.
    const brief = await login(short, 'bob');
    const signedIn = performance.now();
    const late = await pollUntil(
      () => ask(short, `/events?token=${encodeURIComponent(brief)}`, { withinMs: 50 }),
      (answer) => answer?.status !== 200,
      Math.max(0, signedIn + SHORT_TTL_MS + 400 - performance.now()),
    );
    expectRefused(late, `GET /events with a token older than tokenTtlMs (${SHORT_TTL_MS} ms here: expired)`,
      EXPIRED_TOKEN_HINT);
  }, 30_000);

  test('only a signed-in user publishes, under the name they signed in with', async () => {
    const token = await login(app, 'bob');
    const [one, two] = [await join(app, READ.auth, token), await join(app, READ.auth, token)];
    for (const [what, bearer] of [['without an Authorization header', undefined], ['with a made-up token', 'made-up-token']] as const) {
      const posted = await say(app, 'let me in', bearer);
      check(posted?.status === 401, {
        expected: `POST /messages ${what} to answer 401 Unauthorized`,
        got: posted ? `status ${posted.status}: ${showBytes(posted.body, 100)}` : 'no answer within 3 s',
        hint: 'Only a signed-in user may publish: check the token before anything else, and stop there.',
        read: READ.auth,
      });
    }
    await publish(app, 'hello from bob', token);
    for (const stream of [one, two]) await expectTexts(stream, 'A', ['hello from bob'], READ.embedded);
    const { user } = JSON.parse(chats(one.events)[0]!.data) as { user?: unknown };
    check(user === 'bob', {
      expected: 'the chat event\'s data to name the user the token was issued to: {"user": "bob", "text": ...}',
      got: `the data was ${showBytes(chats(one.events)[0]!.data, 120)}`,
      hint: 'The server decides who speaks, from the token; whatever the body says about a name does not count.',
      read: READ.auth,
    });
  });

  test('CORS as in lesson 13: the allowlist gets itself back with credentials, no other origin does; always Vary: Origin; the preflight', async () => {
    const vary = (answer: Answer) => String(answer.headers.vary ?? '').toLowerCase().split(/\s*,\s*/);
    for (const [origin, allowed] of [[ALLOWED, true], [OTHER, false], ['null', false], [undefined, false]] as const) {
      const answer = await ask(app, '/login', { method: 'POST', body: { user: 'ada', password: USERS.ada }, headers: origin ? { Origin: origin } : {} });
      const who = origin ? `Origin: ${origin}` : 'no Origin header';
      const acao = answer?.headers['access-control-allow-origin'];
      const credentials = answer?.headers['access-control-allow-credentials'];
      check(answer && (allowed ? acao === origin && credentials === 'true' : acao === undefined && credentials === undefined), {
        expected: allowed
          ? `for ${who} (on the allowlist): Access-Control-Allow-Origin: ${origin} and Access-Control-Allow-Credentials: true`
          : `for ${who} (not on the allowlist): no Access-Control-Allow-Origin and no Access-Control-Allow-Credentials`,
        got: answer ? `Access-Control-Allow-Origin: ${acao ?? '(none)'}, Access-Control-Allow-Credentials: ${credentials ?? '(none)'}` : 'no answer within 3 s',
        hint: !allowed && acao !== undefined ? 'Never echo back whatever Origin arrives: compare it with allowedOrigins, exactly.' : undefined,
        read: READ.cors,
      });
      check(vary(answer).includes('origin'), {
        expected: `Vary: Origin on every answer (here for ${who}), so that no cache gives one origin's answer to another`,
        got: `Vary: ${answer.headers.vary ?? '(none)'}`,
        read: READ.cors,
      });
    }
    const refusedThere = await ask(app, '/events', { headers: { Origin: ALLOWED } });
    check(refusedThere?.status === 401 && refusedThere.headers['access-control-allow-origin'] === ALLOWED, {
      expected: `GET /events without a token from ${ALLOWED} (allowed) to be refused with 401 that the page may read: Access-Control-Allow-Origin: ${ALLOWED}`,
      got: refusedThere ? `status ${refusedThere.status}, Access-Control-Allow-Origin: ${refusedThere.headers['access-control-allow-origin'] ?? '(none)'}` : 'no answer within 3 s',
      hint: 'The CORS middleware comes before every route, the refusals included, so that the page can tell "sign in" from a network error.',
      read: READ.cors,
    });
    const preflight = (origin: string) =>
      ask(app, '/messages', {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type' },
      });
    const yes = await preflight(ALLOWED);
    const methods = String(yes?.headers['access-control-allow-methods'] ?? '');
    const headers = String(yes?.headers['access-control-allow-headers'] ?? '').toLowerCase();
    check(
      yes && yes.status >= 200 && yes.status < 300 && yes.headers['access-control-allow-origin'] === ALLOWED && /POST/.test(methods) &&
        headers.includes('authorization') && headers.includes('content-type') && Number(yes.headers['access-control-max-age']) > 0,
      {
        expected: `a preflight (OPTIONS /messages) from ${ALLOWED} to answer 2xx with Access-Control-Allow-Origin, Allow-Methods with POST, Allow-Headers with Authorization and Content-Type, and a Max-Age`,
        got: yes
          ? `status ${yes.status}, Allow-Origin: ${yes.headers['access-control-allow-origin'] ?? '(none)'}, Allow-Methods: ${methods || '(none)'}, Allow-Headers: ${headers || '(none)'}, Max-Age: ${yes.headers['access-control-max-age'] ?? '(none)'}`
          : 'no answer within 3 s',
        read: READ.cors,
      },
    );
    const no = await preflight(OTHER);
    check(no && (no.status < 200 || no.status >= 300) && no.headers['access-control-allow-methods'] === undefined, {
      expected: `a preflight from ${OTHER} (not on the allowlist) to be refused (403), with no Access-Control-Allow-* header`,
      got: no ? `status ${no.status}, Allow-Methods: ${no.headers['access-control-allow-methods'] ?? '(none)'}` : 'no answer within 3 s',
      read: READ.cors,
    });
  });

  test('a client that comes back with Last-Event-ID gets exactly what it missed', async () => {
    const token = await login(app, 'ada');
    const first = await join(app, READ.embedded, token);
    const seen = await publish(app, 'seen', token);
    await expectTexts(first, 'A', ['seen'], READ.embedded);
    first.close();
    await publish(app, 'missed 1', token);
    await publish(app, 'missed 2', token);
    const back = await join(app, READ.embedded, token, chats(first.events)[0]!.id ?? seen);
    await expectTexts(back, 'A', ['missed 1', 'missed 2'], READ.carried, 'A reconnect sends Last-Event-ID: the server sends what came after it (lesson 08).');
  });

  test('what lessons 01-11 built still holds: headers, retry 10000 by default, heartbeats, the page at / with its sign-in', async () => {
    const stream = await join(app, READ.carried, await login(app, 'ada'));
    const comments = () => (stream.raw().match(/^:/gm) ?? []).length;
    await until(() => comments() >= 2 || stream.ended(), 10 * HEARTBEAT_MS);
    check(comments() >= 2, {
      expected: `a comment line (a heartbeat, lesson 09) every heartbeatMs on an open stream: at least 2 within ${(10 * HEARTBEAT_MS) / 1000} s with heartbeatMs: ${HEARTBEAT_MS}`,
      got: `${comments()} comment line(s): ${showBytes(stream.raw(), 160)}`,
      read: READ.carried,
    });
    check(/^text\/event-stream/.test(String(stream.headers['content-type'])), {
      expected: 'GET /events to answer 200 with Content-Type: text/event-stream',
      got: `${stream.status} ${stream.headers['content-type']}`,
      read: READ.carried,
    });
    check(stream.retries[0] === 10_000, {
      expected: 'the stream to send retry: 10000 when createApp gets no retryMs',
      got: stream.retries.length ? `retry: ${stream.retries.join(', ')}` : 'no retry field',
      read: READ.carried,
    });
    const page = await ask(app, '/', { headers: { Accept: 'text/html' } });
    check(page?.status === 200 && /EventSource/.test(page.body) && /\/login/.test(page.body) && /token=/.test(page.body) && /Authorization/.test(page.body), {
      expected: 'GET / to serve the chat page: it signs in with POST /login, follows /events?token= with an EventSource and posts with an Authorization header',
      got: show(page),
      read: READ.carried,
    });
    check(!/innerHTML/.test(page.body), {
      expected: 'the page to show messages as text (textContent), never as HTML',
      got: 'it uses innerHTML',
      read: READ.carried,
    });
  });

  test(`main.ts stops on SIGTERM as in lesson 12: with streams open, it exits with code 0 within ${EXIT_DEADLINE_MS / 1000} s and every client reads a last event and the end`, async () => {
    const main = await startMainProcess('M', MAIN, {
      env: { REDIS_URL: undefined, USERS: JSON.stringify(USERS), TOKEN_SECRET: SECRET },
      read: READ.stop,
    });
    try {
      const token = await login(main, 'ada');
      const clients = await Promise.all(
        Array.from({ length: 20 }, () => openRaw(main.port, `/events?token=${encodeURIComponent(token)}`, (body) => /Hello/.test(body), 8000)),
      ).catch((error: Error) => teach({ expected: '20 streams to open on main.ts\'s server', got: error.message, read: READ.carried }));
      await expectCleanStop(main, clients);
    } finally {
      await main.kill();
    }
  }, START_DEADLINE_MS + 30_000);
});

// Lessons 10 and 11, carried by hub.ts, checked briefly (their suites check them
// in depth) and measured as they measure them: createApp() in memory, served by
// the test host (test/support/host.ts), which counts the server's own responses,
// timers, sockets and listeners, and its memory after a full garbage collection.
describe('what lessons 10 and 11 built still holds, measured in the server\'s own process', () => {
  test('a client that stops reading is dropped once more than maxQueuedBytes waits for it, and it is logged; memory stays bounded; a fast client gets every event (lesson 11)', async () => {
    const maxQueuedBytes = 256 * KiB;
    const server = await lesson.start({ users: USERS, heartbeatMs: 60_000, historySize: 2, maxQueuedBytes });
    const token = await login(server, 'ada');
    // The stalled client first: a broadcast that waits for it holds up the one behind it.
    await stall(server, token);
    const fast = await joinHere(server, READ.carried, 2000, undefined, eventsWith(token));
    const before = await server.stats();
    const outputBefore = lesson.output().length;
    const flooded = await flood(server, fast, 16 * MiB, maxQueuedBytes, { token });
    await expectDropped(server, before, flooded, READ.drop);
    check(!fast.ended(), {
      expected: 'the reading client to keep its stream while the one that stopped reading is dropped',
      got: 'its stream ended',
      read: READ.drop,
    });
    expectDropLogged(lesson.output(), outputBefore);
  }, 60_000);

  test('after 200 clients came and went, nothing of them is left: no write to a closed response, no timer, socket or listener (lesson 10)', async () => {
    const server = await lesson.start({ users: USERS, heartbeatMs: 30 });
    const token = await login(server, 'bob');
    await expectNothingLeftAfter(server, () => joinHere(server, READ.leave, 4000, undefined, eventsWith(token)), 200, READ.leave);
  }, 60_000);
});

describeInBrowser('the chat page in Chromium', (browser) => {
  let app: AppProcess;
  beforeAll(async () => {
    app = await startAppProcess('P', SERVER, { env: { REDIS_URL: undefined }, options: { users: USERS }, read: READ.carried });
  }, START_DEADLINE_MS + 5000);
  afterAll(() => app?.kill());

  test('a user signs in with the form, the page follows /events?token= and posts as that user; messages show as text', async () => {
    const watched = await browser.newPage();
    const { page } = watched;
    /** One step of the page, with its own deadline; a failure says which. */
    const step = async (what: string, action: () => Promise<unknown>) => {
      try {
        await action();
      } catch (error) {
        teach({ expected: what, got: `${String((error as Error).message).split('\n').slice(0, 6).join(' / ')}${watched.problems()}`, read: READ.carried });
      }
    };
    await step('GET / to show the chat page', () => page.goto(`${app.url}/`, { waitUntil: 'domcontentloaded', timeout: 5000 }));
    await step('the page to have a sign-in form: a field labelled User, one labelled Password and a Sign in button', async () => {
      await page.getByLabel(/user/i).fill('ada', { timeout: 5000 });
      await page.getByLabel(/password/i).fill(USERS.ada, { timeout: 5000 });
      await page.getByRole('button', { name: /sign in/i }).click({ timeout: 5000 });
    });
    await step('after signing in, the stream to open and its welcome to show ("Hello, ada")', () => page.getByText('Hello, ada').waitFor({ timeout: 5000 }));
    const opened = watched.eventSourceRequests.map((request) => request.url);
    check(opened.some((url) => /[?&]token=[^&]+/.test(url)), {
      expected: 'the page\'s EventSource to open /events?token=<the token from POST /login> (it cannot send an Authorization header)',
      got: opened.length ? `it opened ${opened.join(', ')}` : 'no EventSource request',
      read: READ.auth,
    });
    const text = '<b>bold</b> & co';
    await step('the page to have a message field (placeholder "Say something…") and a Send button', async () => {
      await page.getByPlaceholder(/say/i).fill(text, { timeout: 5000 });
      await page.getByRole('button', { name: /send/i }).click({ timeout: 5000 });
    });
    await step(`the message to come back on the stream and show as text: "${text}"`, () => page.getByText(text).first().waitFor({ timeout: 5000 }));
    const shown = (await page.textContent('body')) ?? '';
    check(shown.includes(`ada: ${text}`), {
      expected: `the message to show under the signed-in user's name: "ada: ${text}"`,
      got: showBytes(shown.slice(Math.max(0, shown.indexOf(text) - 60), shown.indexOf(text) + text.length), 120),
      read: READ.auth,
    });
    check((await page.locator('#chat b, ul b').count()) === 0, {
      expected: 'the message to show as text (textContent): its <b> is not an element',
      got: 'the page made an HTML element of it (innerHTML)',
      read: READ.carried,
    });
  }, 2 * BROWSER_TEST_TIMEOUT_MS);
});

describeWithPart('three processes sharing one Redis (REDIS_URL)', redisPart(), (redisServer) => {
  let redis: Redis;
  let a: AppProcess;
  let b: MainProcess;
  let c: AppProcess;
  beforeAll(async () => {
    redis = await startRedis(redisServer);
    const env = { REDIS_URL: redis.url };
    // A and C: createApp({ users, tokenSecret }); B: main.ts, as production starts it, with USERS and TOKEN_SECRET.
    const start = (name: string) => startAppProcess(name, SERVER, { env, options: { users: USERS, tokenSecret: SECRET }, read: READ.redis });
    [a, b, c] = await Promise.all([
      start('A'),
      startMainProcess('B', MAIN, { env: { ...env, USERS: JSON.stringify(USERS), TOKEN_SECRET: SECRET }, read: READ.stop }),
      start('C'),
    ]);
  }, 3 * START_DEADLINE_MS);
  afterAll(async () => {
    await Promise.allSettled([a, b, c].map((app) => app?.kill()));
    await redis?.stop();
  });

  test('an event published through process A reaches the clients of B and C once, in order; a token from A is good on B and C', async () => {
    const token = await login(a, 'ada');
    const onB = await join(b, READ.redis, token, undefined, 'A');
    const onC = await join(c, READ.redis, token, undefined, 'A');
    const onA = await join(a, READ.redis, token);
    for (const text of ['one', 'two', 'three']) await publish(a, text, token);
    await expectTexts(onA, 'A', ['one', 'two', 'three'], READ.redis);
    await expectAppsOnRedis(redis, 'the clients of processes B and C to get "one", "two", "three", published through A');
    await expectTexts(onB, 'B', ['one', 'two', 'three'], READ.redis, NOT_SHARED);
    await expectTexts(onC, 'C', ['one', 'two', 'three'], READ.redis, NOT_SHARED);

    // Published at the same time through two processes: every process must see one order.
    await Promise.all([publish(a, 'a1', token), publish(c, 'c1', token), publish(a, 'a2', token), publish(c, 'c2', token)]);
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

  test(`SIGTERM on process B (main.ts) with streams open: it exits with code 0 within ${EXIT_DEADLINE_MS / 1000} s, and its clients resume on C with nothing lost`, async () => {
    const token = await login(a, 'ada');
    let clients: RawStream[];
    try {
      clients = await Promise.all(Array.from({ length: 5 }, () => openRaw(b.port, `/events?token=${encodeURIComponent(token)}`, (body) => /Hello/.test(body), 8000)));
    } catch (error) {
      teach({
        expected: 'GET /events?token=<a token from POST /login on process A> to open streams on process B (main.ts)',
        got: (error as Error).message,
        hint: 'main.ts passes TOKEN_SECRET (and USERS) to createApp: every process signs with the same secret.',
        read: READ.stop,
      });
    }
    await publish(a, 'before the stop', token);
    await expectAppsOnRedis(redis, 'the clients of process B to get "before the stop", published through A');
    await until(() => clients.every((client) => /before the stop/.test(client.body())), DELIVERY_MS);
    const lastSeen = parseEventStream(clients[0]!.body()).events.filter((event) => event.type === 'chat').at(-1)?.id;
    check(lastSeen, {
      expected: 'the clients of process B to get "before the stop", published through A, with an id',
      got: showBytes(clients[0]!.body(), 200),
      read: READ.redis,
    });
    await expectCleanStop(b, clients);
    await publish(a, 'after the stop', token);
    const back = await join(c, READ.resume, token, lastSeen, 'A');
    await expectTexts(back, 'C', ['after the stop'], READ.resume, `The client of B came back to C with Last-Event-ID: ${lastSeen}.`);
  }, 60_000);

  test('a client of C, reconnecting to A after C was killed, gets exactly the events it missed', async () => {
    const token = await login(c, 'bob');
    const onC = await join(c, READ.resume, token);
    await publish(a, 'before the crash', token);
    await expectAppsOnRedis(redis, 'the client of process C to get "before the crash", published through A');
    await expectTexts(onC, 'C', ['before the crash'], READ.redis);
    const lastSeen = chats(onC.events).at(-1)!.id;
    check(lastSeen, { expected: 'chat events to carry an id', got: showEvents(onC.events), read: READ.resume });
    await c.kill();
    await until(() => onC.ended(), 2000);
    await publish(a, 'missed 1', token);
    await publish(a, 'missed 2', token);
    const onA = await join(a, READ.resume, token, lastSeen, 'C');
    await expectTexts(
      onA,
      'A',
      ['missed 1', 'missed 2'],
      READ.resume,
      `The client came back to A with Last-Event-ID: ${lastSeen}: A must read what came after it from the stream in Redis.`,
    );
    const reset = onA.events.find((event) => event.type === 'reset');
    check(!reset, {
      expected: 'no reset event: the events after that id are still kept in Redis',
      got: `a reset event: ${showBytes(reset?.data ?? '', 80)}`,
      read: READ.resume,
    });
    await publish(a, 'live again', token);
    await expectTexts(onA, 'A', ['missed 1', 'missed 2', 'live again'], READ.resume, undefined);
  });

  test('with Redis stopped, publishing fails at once with 503 and the process does not crash', async () => {
    const token = await login(a, 'ada');
    const onA = await join(a, READ.down, token);
    await redis.stop();
    const posted = await say(a, 'into the void', token);
    const crashed = () => ({
      expected: `process A to keep running while Redis is down`,
      got: `it died (${a.exitReason()}):\n  ${a.output()}`,
      hint: 'A Redis client that emits "error" with no listener crashes the process.',
      read: READ.down,
    });
    // No answer at all: the process may have died under the request.
    if (!posted) await until(() => !a.alive(), 500);
    check(a.alive(), crashed);
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
    // A lost connection emits errors for a while (each reconnect attempt): give them time to crash the process.
    await until(() => !a.alive(), 1000);
    check(a.alive(), crashed);
    check(!onA.ended(), {
      expected: 'open streams to stay open while Redis is down (they get events again when it is back)',
      got: 'the stream on A ended',
      read: READ.down,
    });
  });
});
