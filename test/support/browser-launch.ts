// Launching a real browser: finds Chrome or Chromium on this machine (never
// downloads one), starts it once per test file with playwright-core, and gives
// each test a fresh page that records what the browser said and what the page's
// EventSource did (the first one made ahead: spare-page.ts). The checks are in page-checks.ts.
import { statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { describeWithPart } from './real-part.ts';
import { SparePage } from './spare-page.ts';

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

export const isFile = (file: string): boolean => {
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
  /** What the page holds and what its EventSources did so far (see PageState). */
  state(): Promise<PageState>;
}

/**
 * A snapshot of the page, read in one round trip. `idle` says the page can do
 * nothing more by itself: it has loaded and has no timer, animation frame or
 * fetch pending. An idle page that never created an EventSource never will, so
 * a check can fail at once instead of waiting out its deadline.
 */
export interface PageState {
  /** False when the page did not answer in time (the other fields are then empty). */
  answered: boolean;
  /** The trimmed text of each element directly inside #events; null without #events. */
  texts: string[] | null;
  /** The trimmed text of #status; null without it. */
  status: string | null;
  idle: boolean;
  /** EventSources the page created. */
  sources: number;
  /** Calls of close() on them. */
  closes: number;
  /** open, error and message events dispatched to them, counted before the page's own listeners run. */
  opens: number;
  errors: number;
  messages: number;
  /** The named events of the workshop's streams (NAMED_EVENTS) dispatched to them, by type. */
  named: Record<string, number>;
}

/** The event types the lessons' servers send besides "message": a page that ignores one still receives it. */
const NAMED_EVENTS = ['tick', 'welcome', 'chat', 'reset', 'bye'];

/**
 * Runs in the page before its own scripts. It only counts: EventSources made,
 * closed and their events, and the timers and fetches still pending. The page's
 * code runs unchanged. (Plain JavaScript in a string: the browser runs it as is.)
 */
const RECORD_PAGE = `(() => {
  const state = { sources: 0, closes: 0, opens: 0, errors: 0, messages: 0, named: {}, pending: new Set() };
  Object.defineProperty(window, '__workshopPage', { value: state });
  const Native = window.EventSource;
  window.EventSource = class EventSource extends Native {
    constructor(url, init) {
      super(url, init);
      state.sources++;
      this.addEventListener('open', () => state.opens++);
      this.addEventListener('error', () => state.errors++);
      this.addEventListener('message', () => state.messages++);
      for (const type of ${JSON.stringify(NAMED_EVENTS)}) this.addEventListener(type, () => (state.named[type] = (state.named[type] || 0) + 1));
    }
    close() {
      state.closes++;
      super.close();
    }
  };
  const later = window.setTimeout, every = window.setInterval;
  const cancel = window.clearTimeout, frame = window.requestAnimationFrame;
  window.setTimeout = (handler, ms, ...args) => {
    const id = later((...a) => {
      state.pending.delete('t' + id);
      if (typeof handler === 'function') handler(...a);
      else (0, eval)(String(handler));
    }, ms, ...args);
    state.pending.add('t' + id);
    return id;
  };
  window.setInterval = (handler, ms, ...args) => {
    const id = every(handler, ms, ...args);
    state.pending.add('t' + id);
    return id;
  };
  window.clearTimeout = window.clearInterval = (id) => {
    state.pending.delete('t' + id);
    cancel(id);
  };
  window.requestAnimationFrame = (callback) => {
    const id = frame((time) => {
      state.pending.delete('f' + id);
      callback(time);
    });
    state.pending.add('f' + id);
    return id;
  };
  const nativeFetch = window.fetch;
  window.fetch = (...args) => {
    const token = {};
    state.pending.add(token);
    return nativeFetch(...args).finally(() => state.pending.delete(token));
  };
})();`;

/** Reads a PageState in the page (see RECORD_PAGE). */
const READ_PAGE = `(() => {
  const state = window.__workshopPage;
  const list = document.getElementById('events');
  const status = document.getElementById('status');
  return {
    answered: true,
    texts: list ? [...list.children].map((item) => (item.textContent || '').trim()) : null,
    status: status ? (status.textContent || '').trim() : null,
    idle: document.readyState === 'complete' && (state ? state.pending.size : 0) === 0,
    sources: state ? state.sources : 0,
    closes: state ? state.closes : 0,
    opens: state ? state.opens : 0,
    errors: state ? state.errors : 0,
    messages: state ? state.messages : 0,
    named: state ? { ...state.named } : {},
  };
})()`;

const NO_PAGE: PageState = { answered: false, texts: null, status: null, idle: false, sources: 0, closes: 0, opens: 0, errors: 0, messages: 0, named: {} };

/**
 * The vitest timeout for one browser test. Every step of a check has its own,
 * shorter deadline and fails with a lesson message; this only keeps a busy
 * machine (page loads, a browser context) from cutting a check short.
 */
export const BROWSER_TEST_TIMEOUT_MS = 20_000;

export interface BrowserHandle {
  /** A fresh page in its own browser context, closed after the test. */
  newPage(): Promise<WatchedPage>;
}

/**
 * A describe() block that needs a browser. Without one, its tests are skipped
 * with one line saying how to get one, except in CI (CI=true), where a missing
 * browser fails them: CI must prove the browser checks, not skip them.
 */
export function describeInBrowser(name: string, body: (browser: BrowserHandle) => void): void {
  const search = findBrowser();

  if (!search.found) {
    // Skipped with one line, or one failing test in CI (real-part.ts, shared with nginx).
    const part = { tests: 'Browser tests', needed: 'a browser to run these tests in', search, howToGet: HOW_TO_GET_ONE };
    describeWithPart(name, part, () => body({ newPage: () => Promise.reject(new Error('no browser')) }));
    return;
  }

  let browser: Browser | undefined;
  let launchError: Error | undefined;
  const contexts = new Set<BrowserContext>();
  const makePage = async (): Promise<Page> => {
    if (!browser) throw launchError ?? new Error('the browser has not started');
    const context = await browser.newContext({ viewport: { width: 800, height: 600 } });
    await context.addInitScript({ content: RECORD_PAGE });
    return context.newPage();
  };
  const firstPage = new SparePage(makePage, (page) => page.context().close());
  const handle: BrowserHandle = {
    async newPage() {
      const page = await firstPage.take();
      contexts.add(page.context());
      return watch(page);
    },
  };

  describe(name, () => {
    beforeAll(async () => {
      try {
        browser = await launchBrowser(search.executablePath);
        firstPage.prepare();
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
      await firstPage.discard();
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
    // A page that does not answer within the deadline counts as not idle: the caller's own deadline then decides.
    state: () =>
      Promise.race([
        page.evaluate<PageState>(READ_PAGE).catch(() => NO_PAGE),
        new Promise<PageState>((resolve) => setTimeout(() => resolve(NO_PAGE), 2000).unref()),
      ]),
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

