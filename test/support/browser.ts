// Real-browser checks: finds Chrome or Chromium on this machine (never downloads
// one), drives it with playwright-core, and serves a lesson's page next to a
// stream the test controls. One browser per test file; one page per test.
import { existsSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, test } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { RunningServer } from './lesson-host.ts';
import { pollUntil } from './poll.ts';
import { openStream } from './sse.ts';
import { shown } from './target.ts';
import { check, teach } from './teach.ts';

// --disable-background-networking and friends stop Chromium from calling
// Google's services at start-up: on a closed network those calls are refused
// and slow everything down. --no-sandbox lets it run as root in containers.
const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const HOW_TO_GET_ONE =
  'install Chromium (Debian/Ubuntu: sudo apt-get install chromium; macOS: brew install --cask chromium) or Google Chrome, or set CHROME_PATH to its executable';

/** Where Chrome and Chromium usually live, after CHROME_PATH. */
function usualPaths(): string[] {
  const env = process.env;
  const windows = [env['PROGRAMFILES'], env['PROGRAMFILES(X86)'], env['LOCALAPPDATA']]
    .filter((dir): dir is string => Boolean(dir))
    .flatMap((dir) => [
      path.win32.join(dir, 'Google', 'Chrome', 'Application', 'chrome.exe'),
      path.win32.join(dir, 'Chromium', 'Application', 'chrome.exe'),
      // Edge is Chromium too, and every Windows machine has it.
      path.win32.join(dir, 'Microsoft', 'Edge', 'Application', 'msedge.exe'),
    ]);
  return [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/snap/bin/chromium',
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    '/Applications/Chromium.app/Contents/MacOS/Chromium',
    path.join(os.homedir(), 'Applications/Google Chrome.app/Contents/MacOS/Google Chrome'),
    path.join(os.homedir(), 'Applications/Chromium.app/Contents/MacOS/Chromium'),
    ...windows,
  ];
}

const isFile = (file: string): boolean => {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
};

export type BrowserSearch =
  | { found: true; executablePath: string }
  | { found: false; problem: string; badInput: boolean };

/** CHROME_PATH when set (and then only it), else the first usual install path that exists. */
export function findBrowser(): BrowserSearch {
  const chosen = process.env.CHROME_PATH?.trim();
  if (chosen) {
    if (isFile(chosen)) return { found: true, executablePath: chosen };
    return { found: false, badInput: true, problem: `CHROME_PATH is ${JSON.stringify(chosen)}, which is not a file` };
  }
  const executablePath = usualPaths().find(isFile);
  if (executablePath) return { found: true, executablePath };
  return { found: false, badInput: false, problem: 'no Chrome or Chromium found' };
}

export function launchBrowser(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, args: LAUNCH_ARGS, headless: true, timeout: 15_000 });
}

/** A page plus what the browser said while it ran: console errors, uncaught errors, dialogs. */
export interface WatchedPage {
  page: Page;
  /** Console errors and warnings, e.g. Chromium's "EventSource's response has a MIME type ...". */
  console: string[];
  /** Uncaught exceptions thrown by the page's scripts. */
  errors: string[];
  /** The message of every alert/confirm/prompt the page opened (each is dismissed). */
  dialogs: string[];
  /** Every EventSource request the page made, with the test-process time it was sent. */
  eventSourceRequests: { url: string; at: number }[];
  /** What went wrong on the page, for a failure message; empty when nothing did. */
  problems(): string;
}

export interface BrowserHandle {
  /** A fresh page in its own browser context, closed after the test. */
  newPage(): Promise<WatchedPage>;
}

let skipNoticeShown = false;

/**
 * A describe() block that needs a browser. Without one, its tests are skipped
 * with one line saying how to get one, except in CI (CI=true), where a missing
 * browser fails them: CI must prove the browser checks, not skip them.
 */
export function describeInBrowser(name: string, body: (browser: BrowserHandle) => void): void {
  const search = findBrowser();
  const inCi = /^(1|true)$/i.test(process.env.CI ?? '');

  if (!search.found) {
    if (!search.badInput && !inCi) {
      if (!skipNoticeShown) {
        skipNoticeShown = true;
        // One plain line, outside the test reporter's console capture.
        process.stderr.write(`Browser tests skipped: ${search.problem}; to run them, ${HOW_TO_GET_ONE}.\n`);
      }
      describe.skip(name, () => body({ newPage: () => Promise.reject(new Error('no browser')) }));
      return;
    }
    // A failing test, not a failing hook: reporters count a test.
    describe(name, () => {
      test('a browser to run these tests in', () => {
        throw new Error(`${search.problem}${inCi ? ' (CI=true: in CI the browser tests must run, not be skipped)' : ''}; ${HOW_TO_GET_ONE}.`);
      });
    });
    return;
  }

  let browser: Browser | undefined;
  let launchError: Error | undefined;
  const contexts = new Set<BrowserContext>();
  const handle: BrowserHandle = {
    async newPage() {
      if (!browser) throw launchError ?? new Error('the browser has not started');
      const context = await browser.newContext({ viewport: { width: 800, height: 600 } });
      contexts.add(context);
      return watch(await context.newPage());
    },
  };

  describe(name, () => {
    beforeAll(async () => {
      try {
        browser = await launchBrowser(search.executablePath);
      } catch (error) {
        // Every test then fails with this message (a failing hook would only skip them).
        const first = String((error as Error).message).split('\n')[0];
        launchError = new Error(`could not start the browser at ${search.executablePath}: ${first}`);
      }
    }, 20_000);

    afterEach(async () => {
      await Promise.allSettled([...contexts].map((context) => context.close()));
      contexts.clear();
    });

    afterAll(async () => {
      await browser?.close();
    });

    body(handle);
  });
}

function watch(page: Page): WatchedPage {
  const watched: WatchedPage = {
    page,
    console: [],
    errors: [],
    dialogs: [],
    eventSourceRequests: [],
    problems() {
      const lines = [
        ...watched.errors.map((e) => `the page threw: ${e}`),
        ...watched.console.map((c) => `the browser console said: ${c}`),
      ];
      return lines.length ? `\n               ${lines.slice(0, 4).join('\n               ')}` : '';
    },
  };
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') {
      // The page's own 404s (a missing favicon) are noise, not a problem of the lesson.
      if (!/favicon|Failed to load resource/i.test(message.text())) watched.console.push(message.text());
    }
  });
  page.on('pageerror', (error) => watched.errors.push(error.message));
  page.on('dialog', (dialog) => {
    watched.dialogs.push(`${dialog.type()}(${JSON.stringify(dialog.message())})`);
    dialog.dismiss().catch(() => {});
  });
  page.on('request', (request) => {
    if (request.resourceType() === 'eventsource') {
      watched.eventSourceRequests.push({ url: request.url(), at: performance.now() });
    }
  });
  return watched;
}


/**
 * The text of each element directly inside #events, trimmed, or null when the
 * page has no element with id "events".
 */
export function eventTexts(page: Page): Promise<string[] | null> {
  return page
    .evaluate(() => {
      const list = document.getElementById('events');
      return list ? [...list.children].map((item) => (item.textContent ?? '').trim()) : null;
    })
    .catch(() => null);
}

/** The text of the #status element, trimmed, or null when there is none. */
export function statusText(page: Page): Promise<string | null> {
  return page
    .evaluate(() => document.getElementById('status')?.textContent?.trim() ?? null)
    .catch(() => null);
}

/** Shows a list of texts briefly for a failure message. */
export function showTexts(texts: string[] | null): string {
  if (texts === null) return 'the page has no element with id="events"';
  if (texts.length === 0) return '#events has no elements inside it';
  const shownTexts = texts.slice(0, 8).map((t) => JSON.stringify(t));
  return `#events holds ${texts.length} element(s) with the texts ${shownTexts.join(', ')}${texts.length > 8 ? ', …' : ''}`;
}

/** One GET /events the stream server answered. */
export interface StreamRequest {
  /** 1 for the first connection, 2 for the first reconnection, ... */
  n: number;
  /** performance.now() in the test process when the request arrived. */
  at: number;
  headers: http.IncomingHttpHeaders;
}

export interface PageServer {
  url: string;
  /** Every GET /events so far. */
  requests: StreamRequest[];
  /** Cuts every open /events connection, as a crashing server would; returns the time it did (performance.now()). */
  dropStreams(): number;
  /** Waits until the server has answered `count` GET /events, or `withinMs` passed. */
  waitForRequests(count: number, withinMs: number): Promise<StreamRequest[]>;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * A test server for a lesson's page: serves the files of `publicDir` (the page
 * at /) and answers GET /events with `stream`, which the test writes. It lets a
 * test send exactly the events it needs to the learner's own page.
 */
export async function servePage(
  publicDir: string,
  stream: (res: http.ServerResponse, request: StreamRequest) => void,
  read: string,
): Promise<PageServer> {
  const page = path.join(publicDir, 'index.html');
  if (!existsSync(page)) {
    teach({
      expected: `the page ${shown(page)}`,
      got: 'there is no such file',
      read,
    });
  }
  const requests: StreamRequest[] = [];
  const open = new Set<http.ServerResponse>();
  const waiters = new Set<() => void>();

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/events') {
      const request: StreamRequest = { n: requests.length + 1, at: performance.now(), headers: req.headers };
      requests.push(request);
      waiters.forEach((wake) => wake());
      open.add(res);
      res.on('close', () => open.delete(res));
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      stream(res, request);
      return;
    }
    const file = path.join(publicDir, url.pathname === '/' ? 'index.html' : path.normalize(url.pathname));
    if (file.startsWith(publicDir) && isFile(file)) {
      res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      res.end(readFileSync(file));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    dropStreams() {
      const at = performance.now();
      for (const res of open) res.socket?.destroy();
      return at;
    },
    async waitForRequests(count, withinMs) {
      await new Promise<void>((resolve) => {
        const done = () => {
          if (requests.length < count) return;
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(done);
          resolve();
        }, withinMs);
        waiters.add(done);
        done();
      });
      return [...requests];
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Writes one event the way a server would. */
export function writeEvent(res: http.ServerResponse, fields: { id?: string; retry?: number; data: string }): void {
  let text = '';
  if (fields.retry !== undefined) text += `retry: ${fields.retry}\n`;
  if (fields.id !== undefined) text += `id: ${fields.id}\n`;
  text += `data: ${fields.data}\n\n`;
  res.write(text);
}

// ---------------------------------------------------------------------------
// The page contract of lesson 05, checked in the browser. The lesson suite runs
// these on the learner's page; the workshop suite runs them on every solution
// that has a page. Each observes what the page shows and what it sends over
// the network, never how its script is written.

/** Where each check sends a learner who fails it. */
export const PAGE_DOCS = {
  page: 'docs/05-client.md#the-browser-page',
  text: 'docs/05-client.md#never-innerhtml-with-event-data',
  reconnect: 'docs/05-client.md#automatic-reconnection',
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

/** Opens `url` and fails with a lesson message unless it answers 200 with an HTML page. */
export async function openPage(
  watched: WatchedPage,
  url: string,
  opts: { read?: string; assertResponsive?: (read: string) => Promise<void> } = {},
): Promise<void> {
  const read = opts.read ?? PAGE_DOCS.page;
  let response;
  try {
    response = await watched.page.goto(url, { waitUntil: 'domcontentloaded', timeout: 3000 });
  } catch (error) {
    await opts.assertResponsive?.(read);
    teach({
      expected: `GET ${new URL(url).pathname} to answer with the page`,
      got: `the browser got no page within 3 s (${String((error as Error).message).split('\n')[0]})`,
      read,
    });
  }
  const status = response?.status() ?? 0;
  const type = response?.headers()['content-type'] ?? '';
  check(status === 200, {
    expected: `GET ${new URL(url).pathname} to answer 200 with public/index.html`,
    got: `status ${status}`,
    hint: 'Serve the page: app.get("/", (req, res) => res.sendFile(...)) with the absolute path of public/index.html.',
    read,
  });
  check(/text\/html/i.test(type), {
    expected: 'the page to come with Content-Type: text/html, so the browser runs it',
    got: type ? `Content-Type: ${type}` : 'no Content-Type header',
    hint: 'res.sendFile sets the type from the file name; res.send of a Buffer does not.',
    read,
  });
}

/**
 * Waits until #events shows `run` (e.g. 1, 2, 3) as consecutive items; fails
 * with a message that says what the page showed, and why it may have.
 */
export async function expectEventsShown(
  watched: WatchedPage,
  run: string[],
  withinMs: number,
  opts: { read?: string; streamUrl?: string } = {},
): Promise<string[]> {
  const read = opts.read ?? PAGE_DOCS.page;
  const since = performance.now();
  const texts = await pollUntil(
    () => eventTexts(watched.page),
    // Stop early when the page has not even tried to connect after a second.
    (t) => holdsRun(t, run) || (watched.eventSourceRequests.length === 0 && performance.now() - since > 1000),
    withinMs,
  );
  if (holdsRun(texts, run)) return texts!;

  const shownRun = run.map((r) => JSON.stringify(r)).join(', ');
  const wanted =
    run.length === 1
      ? `an element inside #events with the text ${shownRun}, within ${withinMs} ms`
      : `an element inside #events for each event, with the texts ${shownRun} in order, within ${withinMs} ms`;
  check(texts !== null, {
    expected: wanted,
    got: `the page has no element with id="events"${watched.problems()}`,
    hint: 'Keep the list element of the starter page: <ol id="events"></ol>.',
    read,
  });
  check(watched.eventSourceRequests.length > 0, {
    expected: wanted,
    got: `the page never connected to the stream: no EventSource request left it${watched.problems()}`,
    hint: "Create the connection in the page's script: const source = new EventSource('/events').",
    read,
  });
  let hint: string | undefined;
  if (texts!.length === 0 && opts.streamUrl) hint = await streamProblem(opts.streamUrl);
  if (!hint && texts!.length === 1) hint = 'Add a new element for every event; do not overwrite one element.';
  if (!hint && texts!.some((t) => t.startsWith('[object'))) hint = 'Show event.data, the text of the event, not the event object.';
  if (!hint && texts!.length === 0) {
    hint = 'Listen for "message" events and append an element with the data to #events: list.append(item).';
  }
  teach({ expected: wanted, got: `${showTexts(texts)}${watched.problems()}`, hint, read });
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
    const watched = await browser.newPage();
    await openPage(watched, `${server.url}/`);
    await expectEventsShown(watched, ['after the image'], 3000);
    // An <img src=x> fails to load at once; give its onerror the moment it needs.
    await new Promise((resolve) => setTimeout(resolve, 150));
    const page = await watched.page.evaluate(() => ({
      ran: (window as unknown as { __xss?: unknown }).__xss !== undefined,
      images: document.querySelectorAll('#events img').length,
    }));
    const texts = (await eventTexts(watched.page)) ?? [];
    if (page.ran || page.images > 0 || watched.dialogs.length > 0) {
      teach({
        expected: `the event data ${HTML_PAYLOAD} shown as text, character for character`,
        got: `the page parsed it as HTML: it created an <img> element${page.ran ? ' and ran the script in its onerror attribute' : ''}${
          watched.dialogs.length ? `, and opened ${watched.dialogs.join(', ')}` : ''
        }`,
        hint: 'Set item.textContent = event.data. innerHTML turns data into HTML, so whoever can send an event can run script on your page (the seed post\'s bug).',
        read: PAGE_DOCS.text,
      });
    }
    check(texts.includes(HTML_PAYLOAD), {
      expected: `an element inside #events whose text is exactly ${HTML_PAYLOAD}`,
      got: showTexts(texts),
      hint: 'Show event.data unchanged, as text: item.textContent = event.data.',
      read: PAGE_DOCS.text,
    });
  } finally {
    await server.close();
  }
}

/** Checks the gap between a drop and the browser's next request against the retry the stream sent. */
function checkReconnectGap(gapMs: number | undefined, retryMs: number, who: 'page' | 'server'): void {
  const expected = `the browser to reconnect on its own about ${retryMs} ms after the stream dropped (the stream sent retry: ${retryMs})`;
  const read = PAGE_DOCS.reconnect;
  if (gapMs === undefined) {
    teach({
      expected,
      got: `no new request for /events within ${(BROWSER_DEFAULT_RETRY_MS + 500) / 1000} s of the drop`,
      hint:
        who === 'page'
          ? 'EventSource reconnects by itself. Do not call source.close() in the "error" listener: that ends reconnection for good.'
          : 'Send retry: with options.retryMs at the start of /events, and let EventSource reconnect (no source.close() on "error").',
      read,
    });
  }
  check(gapMs >= retryMs * 0.8, {
    expected,
    got: `the browser asked for /events again ${Math.round(gapMs)} ms after the drop, before the retry delay`,
    hint: 'Let EventSource reconnect by itself. A new EventSource created in the "error" listener ignores the delay the server asked for, and the last event id.',
    read,
  });
  check(gapMs <= retryMs + 1200, {
    expected,
    got: `the browser waited ${Math.round(gapMs)} ms`,
    hint:
      Math.abs(gapMs - BROWSER_DEFAULT_RETRY_MS) < 600
        ? `That is the browser's own default delay (${BROWSER_DEFAULT_RETRY_MS} ms): ${
            who === 'server' ? 'the server sent no retry: field, or not this one. Write retry: options.retryMs first.' : 'the page made the connection wait.'
          }`
        : 'Let EventSource reconnect by itself, after the delay the server sent.',
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
    const watched = await browser.newPage();
    await openPage(watched, `${server.url}/`);
    await expectEventsShown(watched, ['seven'], 3000);
    const droppedAt = server.dropStreams();
    const requests = await server.waitForRequests(2, BROWSER_DEFAULT_RETRY_MS + 500);
    const again = requests[1];
    checkReconnectGap(again && again.at - droppedAt, retryMs, 'page');
    const lastEventId = again!.headers['last-event-id'];
    check(lastEventId === '7', {
      expected: 'the reconnecting request to carry Last-Event-ID: 7, the id of the last event received',
      got: lastEventId === undefined ? 'it had no Last-Event-ID header' : `Last-Event-ID: ${lastEventId}`,
      hint: 'Only the EventSource that received the event remembers its id. Keep the one source; do not replace it on "error".',
      read: PAGE_DOCS.reconnect,
    });
    await expectEventsShown(watched, ['eight'], 2000, { read: PAGE_DOCS.reconnect });
  } finally {
    await server.close();
  }
}

/**
 * The lesson's own server sends retry: retryMs; when it drops the stream the
 * browser must reconnect after about that delay (timed by the browser's requests).
 */
export async function expectServerRetryHonoured(browser: BrowserHandle, server: RunningServer, retryMs: number): Promise<void> {
  const watched = await browser.newPage();
  await openPage(watched, `${server.url}/`, { assertResponsive: server.assertResponsive });
  await expectEventsShown(watched, ['1'], 3000, { streamUrl: `${server.url}/events` });
  const before = watched.eventSourceRequests.length;
  const droppedAt = performance.now();
  await server.drop();
  await pollUntil(
    async () => watched.eventSourceRequests.length,
    (count) => count > before,
    BROWSER_DEFAULT_RETRY_MS + 500,
  );
  const again = watched.eventSourceRequests[before];
  checkReconnectGap(again && again.at - droppedAt, retryMs, 'server');
}

/**
 * The #status element tells the truth: it changes when the stream drops, and
 * stops saying so once the browser is connected again.
 */
export async function expectStatusFollowsConnection(browser: BrowserHandle, server: RunningServer): Promise<void> {
  const read = PAGE_DOCS.page;
  const watched = await browser.newPage();
  await openPage(watched, `${server.url}/`, { assertResponsive: server.assertResponsive });
  await expectEventsShown(watched, ['1'], 3000, { streamUrl: `${server.url}/events` });
  const connected = await statusText(watched.page);
  check(connected, {
    expected: 'an element with id="status" that shows the connection state',
    got: connected === null ? 'the page has no element with id="status"' : 'the status element is empty while the stream is connected',
    hint: 'Set status.textContent in the "open" listener, e.g. "connected".',
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
  const before = watched.eventSourceRequests.length;
  await server.drop();
  const shownAfterDrop = await pollUntil(seen, (texts) => texts.some((text) => text !== connected), 1000);
  const lost = shownAfterDrop.find((text) => text !== connected);
  check(lost !== undefined, {
    expected: 'the status to change when the stream drops',
    got: `it still said ${JSON.stringify(connected)} after the server dropped the stream`,
    hint: 'Listen for "error" on the source and say so in the status, e.g. "connection lost, reconnecting…".',
    read,
  });
  const back = await pollUntil(
    async () => ({ requests: watched.eventSourceRequests.length, text: await statusText(watched.page) }),
    (now) => now.requests > before && now.text !== lost,
    BROWSER_DEFAULT_RETRY_MS + 1000,
  );
  check(back.requests > before, {
    expected: 'the browser to reconnect after the drop, and the status to say so',
    got: `the page did not reconnect within ${(BROWSER_DEFAULT_RETRY_MS + 1000) / 1000} s`,
    hint: 'EventSource reconnects by itself after the retry delay: do not call source.close() on "error", and send retry: options.retryMs from /events.',
    read: PAGE_DOCS.reconnect,
  });
  check(back.text !== lost, {
    expected: 'the status to show the connection is back once the browser has reconnected',
    got: `it still said ${JSON.stringify(lost)} after the browser reconnected`,
    hint: 'The "open" event fires on every successful connection, not only the first: set the status there.',
    read,
  });
}
