// Lesson 07 in a real browser: Chromium's own EventSource reads what your
// formatEvent returns (each forgery case again), and your page shows the
// welcome and the ticks, as text. Without a browser on this machine these
// tests are skipped (one line says how to get one).
import path from 'node:path';
import type { Page } from 'playwright-core';
import { test } from 'vitest';
import { describeInBrowser, eventTexts, showTexts, type BrowserHandle } from './support/browser-launch.ts';
import {
  HTML_PAYLOAD,
  expectEventsShown,
  expectServerRetryHonoured,
  expectStatusFollowsConnection,
  openPage,
} from './support/page-checks.ts';
import { servePage } from './support/page-server.ts';
import { readInBrowser } from './support/browser-event-source.ts';
import {
  FORGERY_CASES,
  LINE_BREAK_CASES,
  expectOneEvent,
  formatCase,
  formatValid,
  fromClient,
  judgeCase,
  listenFor,
  showCall,
  type ForgeryCase,
  type Seen,
  type SseEvent,
  type Wanted,
} from './support/framing-checks.ts';
import { useLesson } from './support/lesson-host.ts';
import { pollUntil } from './support/poll.ts';
import { END_OF_REPLAY, serveReplay } from './support/replay-stream.ts';
import { targetFile } from './support/target.ts';
import { check, showBytes } from './support/teach.ts';

const lesson = useLesson('07', 'docs/07-framing.md');
const publicDir = path.dirname(targetFile('07', 'public/index.html'));

const READ = {
  page: 'docs/07-framing.md#your-task',
  text: 'docs/05-client.md#never-innerhtml-with-event-data',
  lines: 'docs/07-framing.md#data-on-several-lines',
};

/** What Chromium dispatches for `text`, served as a stream; undefined if it never finished. */
async function readWithChromium(page: Page, text: string): Promise<Seen[] | undefined> {
  const server = await serveReplay(text);
  try {
    const seen = await readInBrowser(page, server.pageUrl, server.streamUrl, listenFor(text), END_OF_REPLAY, 3000);
    return seen && fromClient(seen);
  } finally {
    await server.close();
  }
}

/** A test's page, made when first needed: a formatEvent that throws fails the test before any page is made. */
function pageWhenNeeded(browser: BrowserHandle): () => Promise<Page> {
  let page: Promise<Page> | undefined;
  return () => (page ??= browser.newPage().then((watched) => watched.page));
}

async function expectInChromium(page: () => Promise<Page>, event: SseEvent, wanted: Wanted, read: string): Promise<void> {
  const text = await formatValid(lesson, event, read);
  expectOneEvent(await readWithChromium(await page(), text), wanted, {
    call: showCall(event),
    text,
    reader: 'Chromium',
    hint: 'Write one data: line per line of the data, with "data: " and one space before each.',
    read,
  });
}

async function expectNoForgeryInChromium(page: () => Promise<Page>, c: ForgeryCase): Promise<void> {
  const text = await formatCase(lesson, c);
  if (text === undefined) return;
  judgeCase(c, text, await readWithChromium(await page(), text), 'Chromium');
}

/** A new page takes a few seconds on a busy machine; the reads themselves take milliseconds. */
const CHROMIUM_READS_MS = 20_000;

/** Whether the page ran the script of HTML_PAYLOAD or created its image. */
const ranHtml = (page: Page, where: string) =>
  page.evaluate(
    (where) => ({
      ran: (window as unknown as { __xss?: unknown }).__xss !== undefined,
      images: document.querySelectorAll(`${where} img`).length,
    }),
    where,
  );

describeInBrowser('lesson 07 in the browser', (browser) => {
  test('Chromium reads formatEvent\'s output: fields, lines, empty data, unicode', async () => {
    const page = pageWhenNeeded(browser);
    await expectInChromium(page, { event: 'ping', id: '42', data: '{"at":"12:00"}' }, { type: 'ping', data: '{"at":"12:00"}', id: '42' }, READ.lines);
    await expectInChromium(page, { data: 'one\ntwo\r\nthree\rfour' }, { type: 'message', data: 'one\ntwo\nthree\nfour' }, READ.lines);
    await expectInChromium(page, { data: '' }, { type: 'message', data: '' }, READ.lines);
    const data = '  Grüße: 世界 👋🏽 ❤️\u2028still the same line';
    await expectInChromium(page, { data }, { type: 'message', data }, READ.lines);
  }, CHROMIUM_READS_MS);

  for (const c of Object.values(FORGERY_CASES)) {
    test(`in Chromium: ${c.name}`, async () => {
      await expectNoForgeryInChromium(pageWhenNeeded(browser), c);
    }, CHROMIUM_READS_MS);
  }

  test('in Chromium: every line break in event or id is refused or removed', async () => {
    const page = pageWhenNeeded(browser);
    for (const c of LINE_BREAK_CASES) await expectNoForgeryInChromium(page, c);
  }, CHROMIUM_READS_MS);

  test('the page shows the count of each tick: 1, 2, 3', async () => {
    const server = await lesson.start({ intervalMs: 100 });
    const watched = await openPage(browser, `${server.url}/`, { assertResponsive: server.assertResponsive });
    await expectEventsShown(watched, ['1', '2', '3'], 3000, { streamUrl: `${server.url}/events`, read: READ.page, type: 'tick' });
  });

  test('the page greets the name in its own address, as text: /?name=<img onerror> runs nothing', async () => {
    const server = await lesson.start({ intervalMs: 100 });
    const watched = await openPage(browser, `${server.url}/?name=${encodeURIComponent(HTML_PAYLOAD)}`, {
      assertResponsive: server.assertResponsive,
    });
    await expectEventsShown(watched, ['1'], 3000, { streamUrl: `${server.url}/events`, read: READ.page, type: 'tick' });
    const wanted = `Hello, ${HTML_PAYLOAD}`;
    const welcome = await pollUntil(
      () => watched.page.evaluate(() => document.getElementById('welcome')?.textContent?.trim() ?? null),
      (text) => text === wanted,
      500,
    );
    const html = await ranHtml(watched.page, '#welcome');
    check(!html.ran && html.images === 0 && watched.dialogs.length === 0, {
      expected: `the welcome ${showBytes(wanted)} shown as text`,
      got: 'the page parsed it as HTML: it created an <img> element',
      hint: 'Set textContent, never innerHTML: the name comes from whoever made the link.',
      read: READ.text,
    });
    check(welcome === wanted, {
      expected: `an element with id="welcome" whose text is ${showBytes(wanted)}, for the page at /?name=...`,
      got:
        welcome === null
          ? `the page has no element with id="welcome"${watched.problems()}`
          : `#welcome says ${showBytes(welcome)}${watched.eventSourceRequests[0] ? `; the page connected to ${watched.eventSourceRequests[0].url}` : ''}`,
      hint: 'Connect to /events followed by the page\'s own query string (location.search), and show the welcome event\'s data in #welcome.',
      read: READ.page,
    });
  });

  test('tick data that looks like HTML appears as text and runs nothing', async () => {
    const server = await servePage(
      publicDir,
      (res) => {
        res.write(`event: tick\nid: 1\ndata: ${JSON.stringify({ count: HTML_PAYLOAD })}\n\n`);
        res.write('event: tick\nid: 2\ndata: {"count":2}\n\n');
      },
      READ.page,
    );
    try {
      const watched = await openPage(browser, `${server.url}/`);
      await expectEventsShown(watched, ['2'], 3000, { read: READ.page, type: 'tick', afterMessages: 2 });
      await new Promise((resolve) => setTimeout(resolve, 150));
      const html = await ranHtml(watched.page, '#events');
      const texts = await eventTexts(watched.page);
      check(!html.ran && html.images === 0 && watched.dialogs.length === 0 && texts?.includes(HTML_PAYLOAD), {
        expected: `a tick whose count is ${HTML_PAYLOAD} shown as those characters`,
        got: html.ran || html.images ? 'the page parsed it as HTML: it created an <img> element' : showTexts(texts),
        hint: 'Parse the data with JSON.parse and put the count in textContent, never innerHTML.',
        read: READ.text,
      });
    } finally {
      await server.close();
    }
  });

  test('the status element shows when the stream drops and when it is back', async () => {
    const server = await lesson.start({ intervalMs: 50, retryMs: 300 });
    await expectStatusFollowsConnection(browser, server);
  });

  test("after a drop, the browser reconnects after your server's retry delay", async () => {
    const retryMs = 300;
    const server = await lesson.start({ intervalMs: 50, retryMs });
    await expectServerRetryHonoured(browser, server, retryMs);
  });
});
