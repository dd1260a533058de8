// Lesson 13: who may listen. A client without a valid token is refused with 401
// before anything of the stream is sent; tokens come from POST /login and are
// short-lived; the eventsource package sends one in a header through its fetch
// option; POST /messages needs one too. CORS: an allowlist, Vary: Origin,
// credentials only for allowed origins, never any Origin reflected, never "*"
// (supertest, and Chromium across two origins). A stream answering a POST keeps
// its subscription (cleanup on res, not req). Then, briefly, lessons 01-12.
import http from 'node:http';
import { EventSource } from 'eventsource';
import request from 'supertest';
import { describe, test } from 'vitest';
import { describeInBrowser } from './support/browser-launch.ts';
import { expectPageServed } from './support/earlier-lessons.ts';
import { useLesson, type RunningServer, type Stats } from './support/lesson-host.ts';
import { pollUntil, until } from './support/poll.ts';
import { ask as askAt, carriesNoStream, EXPIRED_TOKEN_HINT, isStream, logIn, type Answer, type AskOptions } from './support/sign-in.ts';
import { check, showBytes, teach } from './support/teach.ts';

const lesson = useLesson('13', 'docs/13-auth-cors.md');

const DOC = 'docs/13-auth-cors.md';
const READ = {
  tokens: `${DOC}#who-is-asking-a-short-lived-token`,
  before: `${DOC}#refuse-before-the-stream-starts`,
  headers: `${DOC}#headers-from-node-the-fetch-option`,
  cors: `${DOC}#cors-which-pages-may-read-the-stream`,
  post: `${DOC}#a-stream-that-answers-a-post`,
  carried: `${DOC}#what-you-start-from`,
};

const USERS = { ada: 'correct horse', bob: 'battery staple' };
const ALLOWED = 'http://localhost:5173';
const OTHER = 'http://evil.localhost:5173';
const timers = (stats: Stats) => stats.resources.Timeout ?? 0;

/** One request (see test/support/sign-in.ts); no answer within 3 s fails the test. */
async function ask(server: RunningServer, path: string, options: AskOptions = {}): Promise<Answer> {
  const answer = await askAt(server.url, path, options);
  if (answer) return answer;
  await server.assertResponsive(READ.carried);
  throw new Error(`no answer to ${options.method ?? 'GET'} ${path} within 3 s`);
}

/** Signs in as `user` with POST /login and returns the token. */
async function login(server: RunningServer, user: keyof typeof USERS): Promise<string> {
  const { answer, token } = await logIn(server.url, user, USERS[user]);
  if (!answer) {
    await server.assertResponsive(READ.tokens);
    teach({ expected: 'POST /login to answer within 3 s', got: 'no answer', read: READ.tokens });
  }
  check(token, {
    expected: `POST /login with {"user": "${user}", "password": "${USERS[user]}"} (a user of the users option) to answer 200 with {"token": "..."}`,
    got: `status ${answer.status}, body ${showBytes(answer.body, 120)}`,
    hint: answer.status === 404 ? 'Nothing answers POST /login yet.' : undefined,
    read: READ.tokens,
  });
  return token;
}

/**
 * A refused request: 401 or 403, no stream headers, no retry, no event, a response that ends.
 * `acceptedHint` says what to fix when the stream stayed open for it (the request was let in).
 */
function expectRefused(answer: Answer, what: string, acceptedHint = 'Nothing checks the token yet: check it first in the handler.'): void {
  // A stream that started and then ended was refused, too late; one that stays open was let in.
  const tooLate = answer.status === 200 && isStream(answer) && answer.ended;
  const letIn = answer.status === 200 && isStream(answer) && !answer.ended;
  check(answer.status === 401 || answer.status === 403, {
    expected: `${what} to be refused with 401 (or 403)`,
    got: `status ${answer.status}${letIn ? ', and the stream started and stayed open' : tooLate ? ', the stream started, then ended' : ''}: ${showBytes(answer.body, 120)}`,
    hint: tooLate
      ? 'Your code refused it, but after the stream had started: check the token first, before any header of the stream is set or flushed. Once the headers are sent, the status is 200 and cannot change.'
      : letIn
        ? acceptedHint
        : answer.status >= 500
          ? 'Your code threw while checking the token. (timingSafeEqual throws when its two inputs differ in length.)'
          : answer.status === 200 && answer.ended
            ? 'The refusal went out with status 200: clients read the status, not the text of the body. Set 401 before you send it.'
            : undefined,
    read: tooLate ? READ.before : READ.tokens,
  });
  check(carriesNoStream(answer), {
    expected: `the refusal of ${what} to carry nothing of a stream: no text/event-stream, no retry, no event, and to end`,
    got: `Content-Type: ${answer.headers['content-type'] ?? '(none)'}, body ${showBytes(answer.body, 120)}${answer.ended ? '' : ', still open'}`,
    hint: 'An EventSource that reads a retry or an event first has already started; refuse before the stream starts.',
    read: READ.before,
  });
}

/** POST /messages as a signed-in user; fails unless it is accepted. */
async function publish(server: RunningServer, token: string, text: string): Promise<void> {
  const response = await request(server.url).post('/messages').set('Authorization', `Bearer ${token}`).send({ text }).timeout(2000);
  check(response.status >= 200 && response.status < 300, {
    expected: 'POST /messages with Authorization: Bearer <token> to be accepted (2xx)',
    got: `status ${response.status}: ${showBytes(response.text ?? '', 120)}`,
    read: READ.tokens,
  });
}

describe('lesson 13: only a client with a valid token may listen', () => {
  test('POST /login gives a token; /events refuses no token, a forged one and an expired one with 401 before the stream starts', async () => {
    const TTL_MS = 400;
    const server = await lesson.start({ users: USERS, tokenTtlMs: TTL_MS, heartbeatMs: 60_000 });
    const wrong = await request(server.url).post('/login').send({ user: 'ada', password: 'guess' }).timeout(2000);
    check(wrong.status === 401 || wrong.status === 403, {
      expected: 'POST /login with a wrong password to be refused (401)',
      got: `status ${wrong.status}: ${showBytes(wrong.text ?? '', 120)}`,
      read: READ.tokens,
    });
    const stranger = await request(server.url).post('/login').send({ user: 'mallory', password: 'guess' }).timeout(2000);
    check(stranger.status === 401 || stranger.status === 403, {
      expected: 'POST /login with a user who is not in the users option to be refused (401)',
      got: `status ${stranger.status}: ${showBytes(stranger.text ?? '', 120)}`,
      read: READ.tokens,
    });
    const token = await login(server, 'ada');
    expectRefused(await ask(server, '/events'), 'GET /events without a token');
    const forgedHint = 'A token is only good when its signature is the one your server makes for its content: sign the content again with the secret and compare.';
    const forged = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
    expectRefused(await ask(server, `/events?token=${encodeURIComponent(forged)}`), 'GET /events with a token whose last characters were changed (forged)', forgedHint);
    expectRefused(await ask(server, `/events?token=${encodeURIComponent(token.slice(0, -6))}`), 'GET /events with a token cut short by 6 characters', forgedHint);
    // A token shaped as the text suggests ("<base64url JSON with the user>.<signature>")
    // is also tried with another user in it and the same signature. Other shapes skip this.
    const [payload, signature, ...rest] = token.split('.');
    const content = (() => {
      try {
        return JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as unknown;
      } catch {
        return undefined;
      }
    })();
    if (signature && rest.length === 0 && typeof content === 'object' && content !== null && (content as { user?: unknown }).user === 'ada') {
      const asBob = `${Buffer.from(JSON.stringify({ ...content, user: 'bob' })).toString('base64url')}.${signature}`;
      expectRefused(await ask(server, `/events?token=${encodeURIComponent(asBob)}`), 'GET /events with ada\'s token changed to say "bob" (same signature: forged)',
        'The signature must cover the whole content, the user included: sign the payload as it is in the token, and compare it with the signature.');
    }
    // A token of its own, asked with at once: the checks above may take longer than tokenTtlMs on a busy machine.
    const current = await login(server, 'ada');
    const good = await ask(server, `/events?token=${encodeURIComponent(current)}`, { withinMs: 400 });
    check(good.status === 200 && isStream(good) && /Hello/.test(good.body), {
      expected: 'GET /events?token=<a token from POST /login> to open the stream, with its welcome',
      got: `status ${good.status}, ${showBytes(good.body, 120)}`,
      hint: good.status === 401 || good.status === 403 ? 'The token from POST /login was refused in ?token=: the browser\'s EventSource cannot send headers, so read the token from the URL too.' : undefined,
      read: READ.tokens,
    });
    // tokenTtlMs: 400. A fresh token, issued before its POST /login was answered, is asked
    // with again until it is refused: at the latest 400 ms (and a little for a busy machine) later.
    const fresh = await login(server, 'ada');
    const signedIn = performance.now();
    const expired = await pollUntil(
      () => ask(server, `/events?token=${encodeURIComponent(fresh)}`, { withinMs: 100 }),
      (answer) => !(answer.status === 200 && isStream(answer) && !answer.ended),
      Math.max(0, signedIn + TTL_MS + 300 - performance.now()),
    );
    expectRefused(expired, `GET /events with a token older than tokenTtlMs (${TTL_MS} ms: expired)`,
      EXPIRED_TOKEN_HINT);
  }, 30_000);

  test('the eventsource package sends the token in an Authorization header through its fetch option; POST /messages needs a token too', async () => {
    const server = await lesson.start({ users: USERS, intervalMs: 60_000, heartbeatMs: 60_000 });
    const token = await login(server, 'bob');
    const received: string[] = [];
    const source = new EventSource(`${server.url}/events`, {
      fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, Authorization: `Bearer ${token}` } }),
    });
    source.addEventListener('welcome', (event) => received.push(`welcome ${event.data}`));
    source.addEventListener('chat', (event) => received.push(`chat ${event.data}`));
    try {
      await until(() => received.length > 0 || source.readyState === EventSource.CLOSED, 2000);
      check(received.some((line) => line.startsWith('welcome')), {
        expected: 'GET /events with Authorization: Bearer <token> (no ?token= in the URL) to open the stream',
        got: source.readyState === EventSource.CLOSED ? 'the client was refused' : 'no welcome within 2 s',
        hint: source.readyState === EventSource.CLOSED
          ? 'A valid token in an "Authorization: Bearer <token>" header was refused: read the token from that header too, not only from ?token=. Clients that can send headers should: a header does not end up in access logs.'
          : 'Clients that can send headers (fetch, the eventsource package) should: a header does not end up in access logs.',
        read: READ.headers,
      });
      const anonymous = await request(server.url).post('/messages').send({ text: 'anonymous' }).timeout(2000);
      check(anonymous.status === 401 || anonymous.status === 403, {
        expected: 'POST /messages without a token to be refused (401): only signed-in users publish',
        got: `status ${anonymous.status}`,
        read: READ.tokens,
      });
      const sent = await request(server.url).post('/messages').set('Authorization', `Bearer ${token}`).send({ text: 'signed in' }).timeout(2000);
      await until(() => received.includes('chat signed in'), 2000);
      check(sent.status >= 200 && sent.status < 300 && received.includes('chat signed in') && !received.includes('chat anonymous'), {
        expected: 'POST /messages with Authorization: Bearer <token> to be published to every stream, and the anonymous one not',
        got: `status ${sent.status}; the client got ${JSON.stringify(received)}`,
        read: READ.tokens,
      });
    } finally {
      source.close();
    }
  }, 30_000);
});

describe('lesson 13: CORS, for pages of other origins', () => {
  test('an allowed origin gets itself back with credentials; another origin and no Origin get no Access-Control-Allow-Origin; always Vary: Origin', async () => {
    const server = await lesson.start({ users: USERS, allowedOrigins: [ALLOWED], heartbeatMs: 60_000 });
    const vary = (response: request.Response) => String(response.headers.vary ?? '').toLowerCase().split(/\s*,\s*/);
    // Every route, the page at / included: the CORS middleware comes before them all.
    const calls = [
      ['POST /login', () => request(server.url).post('/login').send({ user: 'ada', password: USERS.ada }).timeout(2000)],
      ['GET /', () => request(server.url).get('/').timeout(2000)],
    ] as const;
    for (const [origin, allowed] of [[ALLOWED, true], [OTHER, false], ['null', false], [undefined, false]] as const) {
      for (const [route, send] of calls) {
        const call = send();
        const response = await (origin ? call.set('Origin', origin) : call);
        const acao = response.headers['access-control-allow-origin'];
        const credentials = response.headers['access-control-allow-credentials'];
        const who = `${route} with ${origin ? `Origin: ${origin}` : 'no Origin header'}`;
        check(acao !== '*', {
          expected: 'never Access-Control-Allow-Origin: * (browsers refuse it with credentials, and it lets every site in)',
          got: `Access-Control-Allow-Origin: * for ${who}`,
          read: READ.cors,
        });
        check(allowed ? acao === origin && credentials === 'true' : acao === undefined && credentials === undefined, {
          expected: allowed
            ? `for ${who} (on the allowlist): Access-Control-Allow-Origin: ${origin} and Access-Control-Allow-Credentials: true`
            : `for ${who} (not on the allowlist): no Access-Control-Allow-Origin and no Access-Control-Allow-Credentials`,
          got: `Access-Control-Allow-Origin: ${acao ?? '(none)'}, Access-Control-Allow-Credentials: ${credentials ?? '(none)'}`,
          hint: !allowed && acao === origin
            ? 'The server sends back whatever Origin arrives: then any site may read the answers with the user\'s credentials. Compare it with the allowlist.'
            : !allowed && credentials !== undefined
              ? 'Access-Control-Allow-Credentials went to an origin that is not on the allowlist: send it only together with the allowed origin.'
              : allowed && acao === undefined && route === 'GET /'
                ? 'POST /login has the CORS headers, the page does not: the CORS middleware must run before every route.'
                : undefined,
          read: READ.cors,
        });
        check(vary(response).includes('origin'), {
          expected: `Vary: Origin on every answer (here for ${who}): it depends on the Origin, so a cache must not reuse it for another one`,
          got: `Vary: ${response.headers.vary ?? '(none)'}`,
          read: READ.cors,
        });
      }
    }
  }, 30_000);

  test('a preflight from the allowed origin may POST JSON with an Authorization header; one from another origin may not; the stream carries the CORS headers too', async () => {
    const server = await lesson.start({ users: USERS, allowedOrigins: [ALLOWED], heartbeatMs: 60_000 });
    const preflight = (origin: string) =>
      request(server.url).options('/messages').set('Origin', origin).set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'authorization, content-type').timeout(2000);
    const ok = await preflight(ALLOWED);
    const methods = String(ok.headers['access-control-allow-methods'] ?? '').toUpperCase();
    const allowHeaders = String(ok.headers['access-control-allow-headers'] ?? '').toLowerCase();
    check(ok.status >= 200 && ok.status < 300 && ok.headers['access-control-allow-origin'] === ALLOWED && methods.includes('POST') &&
      allowHeaders.includes('authorization') && allowHeaders.includes('content-type'), {
      expected: `a preflight (OPTIONS /messages) from ${ALLOWED} to answer 2xx with Access-Control-Allow-Origin: ${ALLOWED}, Allow-Methods with POST, Allow-Headers with Authorization and Content-Type`,
      got: `status ${ok.status}, Allow-Origin: ${ok.headers['access-control-allow-origin'] ?? '(none)'}, Allow-Methods: ${methods || '(none)'}, Allow-Headers: ${allowHeaders || '(none)'}`,
      read: READ.cors,
    });
    const no = await preflight(OTHER);
    check(no.headers['access-control-allow-origin'] === undefined, {
      expected: `a preflight from ${OTHER} (not allowed) to get no Access-Control-Allow-Origin`,
      got: `Access-Control-Allow-Origin: ${no.headers['access-control-allow-origin']}`,
      read: READ.cors,
    });
    // The allowed page must be able to read a refusal too, or it cannot tell "sign in" from a network error.
    const refused = await ask(server, '/events', { headers: { Origin: ALLOWED } });
    check((refused.status === 401 || refused.status === 403) && refused.headers['access-control-allow-origin'] === ALLOWED, {
      expected: `GET /events without a token from ${ALLOWED} to be refused (401) with Access-Control-Allow-Origin: ${ALLOWED}, so that the page can read the refusal and ask to sign in`,
      got: `status ${refused.status}, Allow-Origin: ${refused.headers['access-control-allow-origin'] ?? '(none)'}`,
      hint: 'The CORS headers belong on every answer to an allowed origin, the refusals included: let the CORS middleware run before the token check.',
      read: READ.cors,
    });
    const token = await login(server, 'ada');
    const stream = await ask(server, `/events?token=${encodeURIComponent(token)}`, { headers: { Origin: ALLOWED }, withinMs: 300 });
    check(stream.status === 200 && stream.headers['access-control-allow-origin'] === ALLOWED && String(stream.headers.vary ?? '').toLowerCase().includes('origin'), {
      expected: `the stream itself, opened from ${ALLOWED}, to carry Access-Control-Allow-Origin: ${ALLOWED} and Vary: Origin`,
      got: `status ${stream.status}, Allow-Origin: ${stream.headers['access-control-allow-origin'] ?? '(none)'}, Vary: ${stream.headers.vary ?? '(none)'}`,
      read: READ.cors,
    });
  }, 30_000);
});

describe('lesson 13: a stream that answers a POST', () => {
  test('POST /events with a token and {"name"} streams, keeps getting events after its body was read, and leaves nothing behind when it closes', async () => {
    const server = await lesson.start({ users: USERS, intervalMs: 60_000, heartbeatMs: 50 });
    const token = await login(server, 'ada');
    const before = await server.stats();
    const refused = await ask(server, '/events', { method: 'POST', body: { name: 'Ada' } });
    expectRefused(refused, 'POST /events without a token');

    const events: string[] = [];
    let closeStream = () => {};
    const opened = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${server.url}/events`, {
        method: 'POST',
        agent: false,
        headers: { Accept: 'text/event-stream', 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      });
      closeStream = () => req.destroy();
      req.on('response', (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => events.push(chunk));
        res.on('error', () => {});
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      setTimeout(() => reject(new Error('no answer within 3 s')), 3000).unref();
      req.end(JSON.stringify({ name: 'Ada' }));
    }).catch((error: Error) => teach({ expected: 'POST /events with a token to answer with a stream', got: error.message, read: READ.post }));
    try {
      await until(() => /Hello, Ada/.test(events.join('')), 1500);
      check(opened === 200 && /Hello, Ada/.test(events.join('')), {
        expected: 'POST /events with Authorization: Bearer <token> and {"name": "Ada"} to answer 200 with the stream and the welcome "Hello, Ada"',
        got: `status ${opened}: ${showBytes(events.join(''), 160)}`,
        read: READ.post,
      });
      await publish(server, token, 'to the POST stream');
      await until(() => /to the POST stream/.test(events.join('')) && (events.join('').match(/^:/gm) ?? []).length >= 3, 1500);
      const text = events.join('');
      const heartbeats = (text.match(/^:/gm) ?? []).length;
      check(/to the POST stream/.test(text) && heartbeats >= 2, {
        expected: 'the stream that answered a POST to keep getting events (a chat message) and heartbeats after its body was read',
        got: `it got ${showBytes(text, 200)}: its subscription and heartbeat were cleaned up at once`,
        hint: 'req\'s "close" fires as soon as a POST\'s body has been read, not when the client leaves. Listen for the end of the response instead.',
        read: READ.post,
      });
    } finally {
      closeStream();
    }
    const after = await pollUntil(() => server.stats(), (stats) => stats.openResponses <= before.openResponses && timers(stats) <= timers(before), 1500);
    check(after.openResponses <= before.openResponses && timers(after) <= timers(before), {
      expected: 'no open response and no heartbeat timer left once the POST stream\'s client went away',
      got: `${after.openResponses - before.openResponses} response(s), ${timers(after) - timers(before)} timer(s) more than before`,
      read: READ.post,
    });
  }, 30_000);
});

describeInBrowser('lesson 13: Chromium across two origins', (browser) => {
  test('a page of the allowed origin signs in, streams and posts; a page of another origin reads nothing', async () => {
    // The pages come from a second server, on another port: another origin. The
    // same server under the name localhost is a third origin.
    const pages = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>another origin</title>');
    });
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
    const pagePort = (pages.address() as { port: number }).port;
    const allowedOrigin = `http://127.0.0.1:${pagePort}`;
    const otherOrigin = `http://localhost:${pagePort}`;
    try {
    const server = await lesson.start({ users: USERS, allowedOrigins: [allowedOrigin], intervalMs: 60_000, heartbeatMs: 60_000 });
    const run = async (origin: string) => {
      const watched = await browser.newPage();
      await watched.page.goto(`${origin}/`, { waitUntil: 'domcontentloaded', timeout: 5000 });
      return watched.page.evaluate(async (base: string) => {
        const log: string[] = [];
        try {
          const login = await fetch(`${base}/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user: 'ada', password: 'correct horse' }) });
          const { token } = (await login.json()) as { token: string };
          log.push('login ok');
          // The browser's own EventSource (the name EventSource in this file is the Node package's).
          const BrowserEventSource = (globalThis as unknown as { EventSource: new (url: string) => EventSource }).EventSource;
          const source = new BrowserEventSource(`${base}/events?token=${encodeURIComponent(token)}`);
          const got = await new Promise<string>((resolve) => {
            source.addEventListener('welcome', () => resolve('welcome'));
            source.addEventListener('error', () => resolve(`error, readyState ${source.readyState}`));
            // Generous for a busy machine: the welcome or an error ends it at once.
            setTimeout(() => resolve('nothing in 6 s'), 6000);
          });
          log.push(got);
          const chat = new Promise<string>((resolve) => {
            source.addEventListener('chat', (event) => resolve(`chat ${(event as MessageEvent).data}`));
            setTimeout(() => resolve('no chat in 5 s'), 5000);
          });
          const sent = await fetch(`${base}/messages`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: JSON.stringify({ text: 'from the page' }) });
          log.push(`post ${sent.status}`, await chat);
          source.close();
        } catch (error) {
          log.push(`blocked: ${(error as Error).message}`);
        }
        return log;
      }, server.url);
    };
    const allowed = await run(allowedOrigin);
    check(allowed.join(' | ') === 'login ok | welcome | post 201 | chat from the page' || (allowed[0] === 'login ok' && allowed[1] === 'welcome' && /^post 2/.test(allowed[2] ?? '') && allowed[3] === 'chat from the page'), {
      expected: `a page of an allowed origin (another port) to sign in with fetch, open the stream with ?token=, and publish with an Authorization header (after a preflight)`,
      got: allowed.join(' | '),
      read: READ.cors,
    });
    const other = await run(otherOrigin);
    check(other.length === 1 && other[0]!.startsWith('blocked'), {
      expected: 'a page of an origin that is not allowed (the same server, named localhost) to be blocked by the browser at its first request',
      got: other.join(' | '),
      hint: 'The browser blocks the answer when Access-Control-Allow-Origin does not name the page\'s origin.',
      read: READ.cors,
    });
    } finally {
      pages.close();
      pages.closeAllConnections();
    }
  }, 40_000);
});

describeInBrowser('lesson 13: the page at / signs in', (browser) => {
  test('refused by the stream, the page shows its sign-in form; signed in, it shows the ticks and posts chat messages with its token', async () => {
    const server = await lesson.start({ users: USERS, intervalMs: 100, heartbeatMs: 60_000 });
    const { page, problems } = await browser.newPage();
    await page.goto(`${server.url}/`, { waitUntil: 'domcontentloaded', timeout: 5000 });
    // Done as soon as the form shows, or the stream opened without a token (then it never will).
    await page.waitForFunction(() => document.querySelector<HTMLFormElement>('#login')?.hidden === false || document.querySelector('#status')?.textContent === 'connected', undefined, { timeout: 4000 }).catch(() => {});
    const formShown = await page.isVisible('#login').catch(() => false);
    check(formShown, {
      expected: 'the page at /, refused by GET /events (401 without a token), to show its sign-in form (#login)',
      got: `no visible #login; #status says ${JSON.stringify(await page.textContent('#status').catch(() => null))}${problems()}`,
      hint: 'The page is given: it shows the form only when /events answers 401 or 403. Refuse the stream without a token first.',
      read: READ.tokens,
    });
    await page.fill('#user', 'ada');
    await page.fill('#password', USERS.ada);
    await page.click('#login button');
    // Generous deadlines for a busy machine; an error the page shows ends each wait at once.
    const ticks = await page
      .waitForFunction(() => document.querySelectorAll('#events li').length >= 2 || Boolean(document.querySelector('#error')?.textContent), undefined, { timeout: 8000 })
      .then(() => page.evaluate(() => document.querySelectorAll('#events li').length >= 2), () => false);
    check(ticks, {
      expected: 'after signing in on the page, the ticks to appear (the page reconnects with ?token=)',
      got: `#status: ${JSON.stringify(await page.textContent('#status').catch(() => null))}, #error: ${JSON.stringify(await page.textContent('#error').catch(() => null))}${problems()}`,
      read: READ.tokens,
    });
    await page.fill('#text', 'from the signed-in page');
    await page.click('#say button');
    const chatShown = () => [...document.querySelectorAll('#chat li')].some((li) => li.textContent === 'from the signed-in page');
    const shown = await page
      .waitForFunction(
        () => [...document.querySelectorAll('#chat li')].some((li) => li.textContent === 'from the signed-in page') || Boolean(document.querySelector('#error')?.textContent),
        undefined,
        { timeout: 8000 },
      )
      .then(() => page.evaluate(chatShown), () => false);
    check(shown, {
      expected: 'a chat message sent from the signed-in page (POST /messages with its token) to come back on its stream',
      got: `#error: ${JSON.stringify(await page.textContent('#error').catch(() => null))}${problems()}`,
      read: READ.tokens,
    });
  }, 30_000);
});

describe('lesson 13: what lessons 01-12 built still works', () => {
  test('with a token: retry 10000 and the welcome with ?name=, the page at /, app.stop(), and 204 once the stream is over', async () => {
    const server = await lesson.start({ users: USERS, intervalMs: 60_000, heartbeatMs: 60_000 });
    const token = await login(server, 'ada');
    const open = (name: string) => ask(server, `/events?token=${encodeURIComponent(token)}&name=${name}`, { withinMs: 300 });
    const first = await open('Ada');
    check(first.status === 200 && /retry: 10000/.test(first.body) && /Hello, Ada/.test(first.body), {
      expected: 'with a token, the stream as before: retry: 10000 by default and the welcome with ?name= (lessons 03 and 07)',
      got: `status ${first.status}: ${showBytes(first.body, 160)}`,
      read: READ.carried,
    });
    await expectPageServed(server, '13', READ.carried);
    const stop = await server.stopApp();
    check(stop.hasStop && !stop.threw, { expected: 'app.stop() from lesson 12', got: stop.hasStop ? `it threw ${stop.threw?.message}` : 'no stop()', read: READ.carried });

    const over = await lesson.start({ users: USERS, intervalMs: 40, lastTick: 1 });
    const overToken = await login(over, 'bob');
    // The last tick comes 40 ms after the start: asked again (streams read for 100 ms) until 204, for at most 2 s.
    const answer = await pollUntil(
      () => ask(over, `/events?token=${encodeURIComponent(overToken)}`, { withinMs: 100 }),
      (got) => got.status === 204,
      2000,
    );
    check(answer.status === 204, {
      expected: 'GET /events with a token after the last tick to answer 204 (lesson 12)',
      got: `status ${answer.status}`,
      read: READ.carried,
    });
  }, 30_000);
});
