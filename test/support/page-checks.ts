// The page contract of lesson 05, checked in a real browser. The lesson suites
// run these on the learner's page (05, and briefly 06); the workshop suite runs
// them on every solution that has a page. Each observes what the page shows and
// what it sends over the network, never how its script is written. Each fails
// as soon as the outcome is certain: a page that is idle and made no
// EventSource, a page that received the events and does not show them, a page
// that closed its EventSource.
import type { BrowserHandle, PageState, WatchedPage } from './browser-launch.ts';
import { showTexts } from './browser-launch.ts';
import type { RunningServer } from './lesson-host.ts';
import { servePage, writeEvent } from './page-server.ts';
import { pollUntil } from './poll.ts';
import { openStream } from './sse.ts';
import { check, teach } from './teach.ts';

/** Where each check sends a learner who fails it. */
export const PAGE_DOCS = {
  serve: 'docs/05-client.md#serve-the-page',
  page: 'docs/05-client.md#your-task',
  connect: 'docs/05-client.md#eventsource-in-the-browser',
  messages: 'docs/05-client.md#message-events',
  status: 'docs/05-client.md#readystate-open-and-error',
  text: 'docs/05-client.md#never-innerhtml-with-event-data',
  reconnect: 'docs/05-client.md#automatic-reconnection',
  closeOnError: 'docs/05-client.md#closing-on-error',
};

/** Chromium waits this long before reconnecting when the stream sent no retry: field. */
export const BROWSER_DEFAULT_RETRY_MS = 3000;

/** True when `texts` holds the given values as consecutive items, in order or newest first. */
export function holdsRun(texts: string[] | null, run: string[]): boolean {
  if (!texts) return false;
  const forward = run.join('\n');
  const backward = [...run].reverse().join('\n');
  for (let i = 0; i + run.length <= texts.length; i++) {
    const window = texts.slice(i, i + run.length).join('\n');
    if (window === forward || window === backward) return true;
  }
  return false;
}

/**
 * Opens `url` in a fresh page. The page's answer is checked over plain HTTP
 * first: a 404 or a wrong type fails at once, without a browser round trip.
 */
export async function openPage(
  browser: BrowserHandle,
  url: string,
  opts: { read?: string; assertResponsive?: (read: string) => Promise<void> } = {},
): Promise<WatchedPage> {
  const read = opts.read ?? PAGE_DOCS.serve;
  const where = new URL(url).pathname;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(3000) });
    await response.arrayBuffer();
  } catch (error) {
    await opts.assertResponsive?.(read);
    teach({
      expected: `GET ${where} to answer with the page`,
      got: `no page within 3 s (${String((error as Error).message).split('\n')[0]})`,
      hint: 'A route handler must answer every request; sending a file ends the response.',
      read,
    });
  }
  check(response.status === 200, {
    expected: `GET ${where} to answer 200 with public/index.html`,
    got: `status ${response.status}`,
    hint: response.status === 404 ? `Nothing answers GET ${where} with the page yet.` : undefined,
    read,
  });
  const type = response.headers.get('content-type') ?? '';
  check(/text\/html/i.test(type), {
    expected: 'the page to come with Content-Type: text/html, so the browser runs it',
    got: type ? `Content-Type: ${type}` : 'no Content-Type header',
    hint: 'Sending the file sets the type from its name (.html); sending its bytes as a Buffer does not.',
    read,
  });
  const watched = await browser.newPage();
  try {
    await watched.page.goto(url, { waitUntil: 'domcontentloaded', timeout: 3000 });
  } catch (error) {
    teach({
      expected: `GET ${where} to answer with the page`,
      got: `the browser got no page within 3 s (${String((error as Error).message).split('\n')[0]})`,
      read,
    });
  }
  return watched;
}

/** Pages expectEventsShown has checked before: later checks count only the events that come after they start. */
const looked = new WeakSet<WatchedPage>();

/**
 * Waits until #events shows `run` (e.g. 1, 2, 3) as consecutive items. Fails at
 * once when that can no longer happen: the page is idle without an EventSource,
 * or it received enough messages and is idle without showing them.
 */
export async function expectEventsShown(
  watched: WatchedPage,
  run: string[],
  withinMs: number,
  opts: { read?: string; streamUrl?: string; afterMessages?: number; type?: string } = {},
): Promise<string[]> {
  const read = opts.read ?? PAGE_DOCS.page;
  /** How many events of `type` (default "message") the page must have received for `run` to be showing. */
  const needed = opts.afterMessages ?? run.length;
  const type = opts.type ?? 'message';
  const received = (s: PageState) => (type === 'message' ? s.messages : (s.named[type] ?? 0));
  const kind = type === 'message' ? 'message(s)' : `"${type}" event(s)`;
  const since = performance.now();
  // On a page's first check, every event it received counts (they may have come before this look).
  const base = looked.has(watched) ? received(await watched.state()) : 0;
  looked.add(watched);
  const settled = (s: PageState) =>
    holdsRun(s.texts, run) ||
    // Nothing left that could create an EventSource.
    (s.sources === 0 && watched.eventSourceRequests.length === 0 && (s.idle || performance.now() - since > 1000)) ||
    // The messages arrived, every listener has run, and the list does not show them.
    (s.idle && received(s) - base >= needed) ||
    (s.idle && s.closes > 0);
  let state = await pollUntil(() => watched.state(), settled, withinMs);
  // A busy machine: wait for the page's answer rather than misread a late one.
  for (let tries = 0; !state.answered && tries < 3; tries++) state = await watched.state();
  const texts = state.texts;
  if (holdsRun(texts, run)) return texts!;

  const shownRun = run.map((r) => JSON.stringify(r)).join(', ');
  const wanted =
    run.length === 1
      ? `an element inside #events with the text ${shownRun}`
      : `an element inside #events for each event, with the texts ${shownRun} in order`;
  check(texts !== null, {
    expected: wanted,
    got: `the page has no element with id="events"${watched.problems()}`,
    hint: 'Keep the list element of the starter page, the one with id="events".',
    read,
  });
  check(state.sources > 0 || watched.eventSourceRequests.length > 0, {
    expected: wanted,
    got: `the page never connected to the stream: its script created no EventSource${watched.problems()}`,
    read: watched.errors.length ? read : PAGE_DOCS.connect,
  });
  let hint: string | undefined;
  if (texts!.length === 0 && opts.streamUrl) hint = await streamProblem(opts.streamUrl);
  if (!hint && state.closes > 0) hint = 'The page closed its EventSource, so no more events can arrive.';
  if (!hint && texts!.length === 1 && received(state) > 1) hint = 'Add a new element for every event; do not overwrite one element.';
  if (!hint && texts!.some((t) => t.startsWith('[object'))) hint = 'Show event.data, the text of the event, not the event object.';
  if (!hint && texts!.length === 0 && received(state) > 0) {
    hint = `The page's EventSource received ${received(state)} ${kind}, and none of them reached #events.`;
  }
  teach({
    expected: wanted,
    got: `${showTexts(texts)}${received(state) ? ` after the page received ${received(state)} ${kind}` : ''}${watched.problems()}`,
    hint,
    read: texts!.length === 0 && received(state) > 0 && kind === 'message(s)' ? PAGE_DOCS.messages : read,
  });
}

/** Why a browser shows nothing from a stream: its status or content type. Undefined when it looks right. */
async function streamProblem(url: string): Promise<string | undefined> {
  const stream = await openStream(url, 1500).catch(() => undefined);
  if (!stream) return `GET ${new URL(url).pathname} sent no headers within 1.5 s, so the browser never opened the stream.`;
  stream.close();
  const type = String(stream.headers['content-type'] ?? '');
  if (stream.status !== 200) return `GET ${new URL(url).pathname} answers status ${stream.status}; EventSource needs 200.`;
  if (type.split(';')[0]!.trim().toLowerCase() !== 'text/event-stream') {
    return `GET ${new URL(url).pathname} answers Content-Type: ${type || '(none)'}; EventSource refuses anything but text/event-stream.`;
  }
  return undefined;
}

/** The text a malicious event carries: harmless as text, a script as HTML. */
export const HTML_PAYLOAD = '<img src=x onerror="window.__xss=1">';

/**
 * Event data must appear as text. A test server sends HTML_PAYLOAD to the page
 * in `publicDir`: the page must show those characters, create no <img> and run no script.
 */
export async function expectDataShownAsText(browser: BrowserHandle, publicDir: string): Promise<void> {
  const server = await servePage(
    publicDir,
    (res) => {
      writeEvent(res, { data: HTML_PAYLOAD });
      writeEvent(res, { data: 'after the image' });
    },
    PAGE_DOCS.page,
  );
  try {
    const watched = await openPage(browser, `${server.url}/`);
    await expectEventsShown(watched, ['after the image'], 3000, { afterMessages: 2 });
    await expectShownAsText(watched);
  } finally {
    await server.close();
  }
}

/** After HTML_PAYLOAD arrived: no <img> anywhere (so no onerror can ever run), and its characters shown. */
async function expectShownAsText(watched: WatchedPage): Promise<void> {
  // Parsed as HTML, the payload is an <img> at once; without one, its onerror can never run.
  const page = await watched.page.evaluate(() => ({
    ran: (window as unknown as { __xss?: unknown }).__xss !== undefined,
    images: document.querySelectorAll('img').length,
  }));
  const { texts } = await watched.state();
  if (page.ran || page.images > 0 || watched.dialogs.length > 0) {
    teach({
      expected: `the event data ${HTML_PAYLOAD} shown as text, character for character`,
      got: `the page parsed it as HTML: it created an <img> element${page.ran ? ' and ran the script in its onerror attribute' : ''}${
        watched.dialogs.length ? `, and opened ${watched.dialogs.join(', ')}` : ''
      }`,
      hint: "innerHTML (or insertAdjacentHTML, or outerHTML) turns data into HTML, so whoever can send an event can run script on your page: the seed post's bug. Put the data in as text.",
      read: PAGE_DOCS.text,
    });
  }
  check(texts?.includes(HTML_PAYLOAD), {
    expected: `an element inside #events whose text is exactly ${HTML_PAYLOAD}`,
    got: showTexts(texts),
    hint: 'Show event.data unchanged, as text: no escaping, no cleaning.',
    read: PAGE_DOCS.text,
  });
}

/** How long a drop may take to be followed by a reconnect that passes: the outcome is certain after it. */
const reconnectWithinMs = (retryMs: number) => retryMs + 1200;

/** Checks the gap between a drop and the browser's next request against the retry the stream sent. */
function checkReconnectGap(
  gapMs: number | undefined,
  retryMs: number,
  who: 'page' | 'server',
  seen: { closes: number; retrySent?: number },
): void {
  const expected = `the browser to reconnect on its own about ${retryMs} ms after the stream dropped (the stream sent retry: ${retryMs})`;
  const read = PAGE_DOCS.reconnect;
  if (gapMs === undefined) {
    if (seen.closes > 0) {
      teach({
        expected,
        got: 'the page called close() on its EventSource, and a closed EventSource never reconnects',
        hint: '"error" mostly means "reconnecting": show it in the status, and let EventSource come back by itself.',
        read: PAGE_DOCS.closeOnError,
      });
    }
    const defaultDelay = who === 'server' && seen.retrySent !== retryMs;
    teach({
      expected,
      got: `no new request for /events within ${reconnectWithinMs(retryMs)} ms of the drop`,
      hint: defaultDelay
        ? `Your /events ${seen.retrySent === undefined ? 'sent no retry: field' : `sent retry: ${seen.retrySent}`}, so the browser waits its own default (${BROWSER_DEFAULT_RETRY_MS} ms) instead of options.retryMs.`
        : 'EventSource reconnects by itself, unless the page stops it.',
      read: defaultDelay ? 'docs/03-retry.md#the-retry-field' : read,
    });
  }
  check(gapMs >= retryMs * 0.8, {
    expected,
    got: `the browser asked for /events again ${Math.round(gapMs)} ms after the drop, before the retry delay`,
    hint: 'A new EventSource made in the "error" listener ignores the delay the server asked for, and the last event id. Keep the one source.',
    read,
  });
  check(gapMs <= reconnectWithinMs(retryMs), {
    expected,
    got: `the browser waited ${Math.round(gapMs)} ms`,
    read,
  });
}

/**
 * A test server sends retry: 300 and an event with id 7 to the page in
 * `publicDir`, then drops the stream: the browser must come back after about
 * 300 ms (timed on the server), send Last-Event-ID: 7, and the page must go on
 * showing events. A page that closes the source on "error" fails.
 */
export async function expectPageReconnects(browser: BrowserHandle, publicDir: string): Promise<void> {
  const retryMs = 300;
  const server = await servePage(
    publicDir,
    (res, request) => {
      if (request.n === 1) writeEvent(res, { retry: retryMs, id: '7', data: 'seven' });
      else writeEvent(res, { data: 'eight' });
    },
    PAGE_DOCS.page,
  );
  try {
    const watched = await openPage(browser, `${server.url}/`);
    await expectEventsShown(watched, ['seven'], 3000);
    const droppedAt = server.dropStreams();
    await expectReconnect(watched, server, droppedAt, retryMs);
    await expectEventsShown(watched, ['eight'], 2000, { read: PAGE_DOCS.reconnect });
  } finally {
    await server.close();
  }
}

/** After a drop of a stream that sent retry: retryMs and id 7: back after the delay, with Last-Event-ID: 7. */
async function expectReconnect(
  watched: WatchedPage,
  server: Awaited<ReturnType<typeof servePage>>,
  droppedAt: number,
  retryMs: number,
): Promise<void> {
  const closedBefore = (await watched.state()).closes;
  let closes = closedBefore;
  await pollUntil(
    async () => {
      closes = (await watched.state()).closes;
      return server.requests.length;
    },
    (count) => count >= 2 || closes > closedBefore,
    reconnectWithinMs(retryMs),
  );
  const again = server.requests[1];
  checkReconnectGap(again && again.at - droppedAt, retryMs, 'page', { closes: closes - closedBefore });
  const lastEventId = again!.headers['last-event-id'];
  check(lastEventId === '7', {
    expected: 'the reconnecting request to carry Last-Event-ID: 7, the id of the last event received',
    got: lastEventId === undefined ? 'it had no Last-Event-ID header' : `Last-Event-ID: ${lastEventId}`,
    hint: 'Only the EventSource that received the event remembers its id. Keep the one source; do not replace it on "error".',
    read: PAGE_DOCS.reconnect,
  });
}

/**
 * The lesson's own server sends retry: retryMs; when it drops the stream the
 * browser must reconnect after about that delay (timed by the browser's requests).
 */
export async function expectServerRetryHonoured(browser: BrowserHandle, server: RunningServer, retryMs: number): Promise<void> {
  const watched = await openPage(browser, `${server.url}/`, { assertResponsive: server.assertResponsive });
  await expectEventsShown(watched, ['1'], 3000, { streamUrl: `${server.url}/events` });
  const before = watched.eventSourceRequests.length;
  const closedBefore = (await watched.state()).closes;
  const droppedAt = performance.now();
  await server.drop();
  await pollUntil(async () => watched.eventSourceRequests.length, (count) => count > before, reconnectWithinMs(retryMs));
  const again = watched.eventSourceRequests[before];
  let retrySent: number | undefined;
  if (!again) {
    // Why not: what does the server tell a client to wait?
    const stream = await openStream(`${server.url}/events`, 1500).catch(() => undefined);
    await stream?.waitForEvents(1, 1500);
    retrySent = stream?.retries[0];
    stream?.close();
  }
  const closes = (await watched.state()).closes - closedBefore;
  checkReconnectGap(again && again.at - droppedAt, retryMs, 'server', { closes, retrySent });
}

/**
 * The #status element tells the truth: it changes when the stream drops, and
 * stops saying so once the browser is connected again.
 */
export async function expectStatusFollowsConnection(browser: BrowserHandle, server: RunningServer): Promise<void> {
  const watched = await openPage(browser, `${server.url}/`, { assertResponsive: server.assertResponsive });
  await expectEventsShown(watched, ['1'], 3000, { streamUrl: `${server.url}/events` });
  await expectStatusAcrossDrop(watched, () => server.drop(), BROWSER_DEFAULT_RETRY_MS + 1000);
}

/** The status while connected, after `drop`, and once the browser is back. */
async function expectStatusAcrossDrop(watched: WatchedPage, drop: () => unknown, backWithinMs: number): Promise<void> {
  const read = PAGE_DOCS.status;
  const connected = (await watched.state()).status;
  check(connected, {
    expected: 'an element with id="status" that shows the connection state',
    got: connected === null ? 'the page has no element with id="status"' : 'the status element is empty while the stream is connected',
    hint: connected === null ? 'Keep the status element of the starter page, the one with id="status".' : undefined,
    read,
  });
  // Record every text the status shows from now on, however briefly.
  await watched.page.evaluate(() => {
    const status = document.getElementById('status')!;
    const seen: string[] = [];
    (window as unknown as { __statusSeen: string[] }).__statusSeen = seen;
    new MutationObserver(() => seen.push((status.textContent ?? '').trim())).observe(status, {
      childList: true,
      subtree: true,
      characterData: true,
    });
  });
  const seen = () => watched.page.evaluate(() => (window as unknown as { __statusSeen: string[] }).__statusSeen);
  const at = await watched.state();
  await drop();
  // Once the EventSource has fired "error" and the page is idle, every listener has run.
  let after = at;
  const shownAfterDrop = await pollUntil(
    async () => {
      after = await watched.state();
      return seen();
    },
    (texts) => texts.some((text) => text !== connected) || (after.errors > at.errors && after.idle),
    1500,
  );
  const lost = shownAfterDrop.find((text) => text !== connected);
  check(lost !== undefined, {
    expected: 'the status to change when the stream drops',
    got: `it still said ${JSON.stringify(connected)} after the stream dropped${after.errors > at.errors ? ' and the EventSource fired "error"' : ''}`,
    read,
  });
  const back = await pollUntil(
    () => watched.state(),
    (now) => (now.opens > at.opens && now.idle) || now.closes > at.closes,
    backWithinMs,
  );
  check(back.closes === at.closes, {
    expected: 'the browser to reconnect after the drop, and the status to say so',
    got: 'the page called close() on its EventSource, and a closed EventSource never reconnects',
    hint: '"error" mostly means "reconnecting": show it in the status, and let EventSource come back by itself.',
    read: PAGE_DOCS.closeOnError,
  });
  check(back.opens > at.opens, {
    expected: 'the browser to reconnect after the drop, and the status to say so',
    got: `the page did not reconnect within ${backWithinMs / 1000} s`,
    read: PAGE_DOCS.reconnect,
  });
  check(back.status !== lost, {
    expected: 'the status to show the connection is back once the browser has reconnected',
    got: `it still said ${JSON.stringify(lost)} after the browser reconnected`,
    hint: 'The "open" event fires on every successful connection, not only the first.',
    read,
  });
}

/**
 * The whole page contract in one page load, for the lessons after 05 that carry
 * the page on: events shown in order as text (HTML stays characters), the status
 * follows a drop, the browser comes back after the retry delay with
 * Last-Event-ID, and the page goes on showing events.
 */
export async function expectPageContract(browser: BrowserHandle, publicDir: string): Promise<void> {
  const retryMs = 300;
  const server = await servePage(
    publicDir,
    (res, request) => {
      if (request.n === 1) {
        writeEvent(res, { retry: retryMs, data: 'one' });
        writeEvent(res, { data: HTML_PAYLOAD });
        writeEvent(res, { id: '7', data: 'seven' });
      } else writeEvent(res, { data: 'eight' });
    },
    PAGE_DOCS.page,
  );
  try {
    const watched = await openPage(browser, `${server.url}/`);
    await expectEventsShown(watched, ['seven'], 3000, { afterMessages: 3 });
    await expectShownAsText(watched);
    await expectEventsShown(watched, ['one', HTML_PAYLOAD, 'seven'], 0);
    let droppedAt = 0;
    await expectStatusAcrossDrop(watched, () => (droppedAt = server.dropStreams()), reconnectWithinMs(retryMs));
    await expectReconnect(watched, server, droppedAt, retryMs);
    await expectEventsShown(watched, ['eight'], 2000, { read: PAGE_DOCS.reconnect });
  } finally {
    await server.close();
  }
}
