// Lesson 10 in a real browser: Chromium opens at most six HTTP/1.1 connections
// to one origin, so a seventh EventSource waits in CONNECTING until one of the
// six closes. Then a chat message reaches every open EventSource of the page.
import { test } from 'vitest';
import { describeInBrowser } from './support/browser-launch.ts';
import { chatChecks } from './support/chat-checks.ts';
import { useLesson, type RunningServer } from './support/lesson-host.ts';
import { check } from './support/teach.ts';

const lesson = useLesson('10', 'docs/10-broadcast.md');
const READ = {
  limit: 'docs/10-broadcast.md#six-connections-per-origin',
  hub: 'docs/10-broadcast.md#one-source-many-subscribers',
  publish: 'docs/10-broadcast.md#publishing-from-outside-post-messages',
  carried: 'docs/10-broadcast.md#what-you-start-from',
};
const { say } = chatChecks(READ);

/** What the page's EventSources did, read in one round trip. */
interface Sources {
  states: number[];
  chats: string[][];
}

/**
 * Before any page opens: POST /messages must exist. A body without text is
 * refused (400) by a finished server, so this publishes nothing; a starter
 * without the route answers 404, and the test fails now instead of after its
 * pages have connected.
 */
async function expectMessagesRoute(server: RunningServer, read: string): Promise<void> {
  const response = await say(server, {});
  check(response.status !== 404, { expected: 'POST /messages to be accepted', got: 'status 404', read });
}

describeInBrowser('lesson 10: many EventSources in one browser', (browser) => {
  test('the seventh EventSource to one origin stays CONNECTING until one of the six closes; then a chat message reaches all six', async () => {
    const server = await lesson.start({ intervalMs: 60_000, heartbeatMs: 60_000 });
    await expectMessagesRoute(server, READ.publish);
    const { page } = await browser.newPage();
    // A blank page of the same origin, which opens no EventSource of its own
    // (served by the browser's test hook, not by the server).
    await page.route(`${server.url}/blank`, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>blank</title>' }));
    await page.goto(`${server.url}/blank`);
    const read = (): Promise<Sources> =>
      page.evaluate(() => {
        const all = (window as unknown as { sources: EventSource[]; chats: string[][] });
        return { states: all.sources.map((source) => source.readyState), chats: all.chats };
      });
    await page.evaluate(() => {
      const all = window as unknown as { sources: EventSource[]; chats: string[][] };
      all.sources = [];
      all.chats = [];
      for (let i = 0; i < 7; i++) {
        const source = new EventSource(`/events?name=tab${i + 1}`);
        const chats: string[] = [];
        source.addEventListener('chat', (event) => chats.push(event.data));
        all.sources.push(source);
        all.chats.push(chats);
      }
    });

    const open = (states: number[]) => states.filter((state) => state === EventSource_OPEN).length;
    let sources = await read();
    const deadline = performance.now() + 4000;
    while (open(sources.states.slice(0, 6)) < 6 && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      sources = await read();
    }
    check(open(sources.states.slice(0, 6)) === 6, {
      expected: 'six EventSources of one page to be OPEN (readyState 1) within 4 s',
      got: `their readyStates are ${sources.states.slice(0, 6).join(', ')} (0 CONNECTING, 1 OPEN, 2 CLOSED)`,
      hint: 'Each stream must stay open: the server keeps every response it subscribed.',
      read: READ.hub,
    });
    // Give the seventh time to open, if it could: it cannot, whatever the server does.
    await new Promise((resolve) => setTimeout(resolve, 500));
    sources = await read();
    check(sources.states[6] === EventSource_CONNECTING, {
      expected: 'the seventh EventSource to the same origin to wait in CONNECTING (readyState 0): Chromium opens at most six HTTP/1.1 connections per origin',
      got: `its readyState is ${sources.states[6]}, and the six others are ${sources.states.slice(0, 6).join(', ')}`,
      hint: 'If one of the six streams ended, its connection was free for the seventh: a stream must stay open.',
      read: READ.limit,
    });

    // One of the six closes: its connection is free, and the seventh opens on it.
    await page.evaluate(() => (window as unknown as { sources: EventSource[] }).sources[0]!.close());
    const opened = performance.now() + 3000;
    while (sources.states[6] !== EventSource_OPEN && performance.now() < opened) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      sources = await read();
    }
    check(sources.states[6] === EventSource_OPEN, {
      expected: 'the seventh EventSource to open once the first one was closed',
      got: `its readyState is still ${sources.states[6]} after 3 s`,
      read: READ.limit,
    });

    // A chat message, posted from the test: in this page all six connections
    // are taken by streams, so a fetch from it would wait in line too.
    const response = await fetch(`${server.url}/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ text: 'to every tab' }),
      signal: AbortSignal.timeout(2000),
    });
    check(response.ok, {
      expected: 'POST /messages to be accepted',
      got: `status ${response.status}`,
      read: READ.publish,
    });
    const delivered = performance.now() + 2000;
    while (sources.chats.slice(1).some((chats) => chats.length === 0) && performance.now() < delivered) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      sources = await read();
    }
    const got = sources.chats.slice(1).map((chats) => chats.join('|'));
    check(got.every((chats) => chats === 'to every tab') && sources.chats[0]!.length === 0, {
      expected: 'each of the six open EventSources to get the chat message "to every tab" once, and the closed one nothing',
      got: `they got ${got.map((chats) => JSON.stringify(chats)).join(', ')}; the closed one ${JSON.stringify(sources.chats[0]!.join('|'))}`,
      read: READ.hub,
    });
  }, 20_000);

  test('the page shows each chat message as text, and its form posts one that every open page shows', async () => {
    const server = await lesson.start({ intervalMs: 60_000, heartbeatMs: 60_000 });
    await expectMessagesRoute(server, READ.hub);
    const [first, second] = [await browser.newPage(), await browser.newPage()];
    await Promise.all([first.page.goto(`${server.url}/`), second.page.goto(`${server.url}/`)]);
    const chatTexts = (page: typeof first.page) =>
      page.evaluate(() => [...document.querySelectorAll('#chat > *')].map((item) => item.textContent ?? '')).catch(() => [] as string[]);
    const waitFor = async (page: typeof first.page, count: number) => {
      const deadline = performance.now() + 3000;
      let texts = await chatTexts(page);
      while (texts.length < count && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        texts = await chatTexts(page);
      }
      return texts;
    };
    // Both pages are connected once their status says so.
    for (const { page } of [first, second]) {
      await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'connected', undefined, { timeout: 4000 }).catch(() => undefined);
    }
    const html = '<b>bold</b>\nsecond line';
    const response = await fetch(`${server.url}/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ text: html }),
      signal: AbortSignal.timeout(2000),
    });
    check(response.ok, { expected: 'POST /messages to be accepted', got: `status ${response.status}`, read: READ.hub });
    const shownFirst = await waitFor(first.page, 1);
    check(shownFirst[0] === html, {
      expected: `the page to show the chat message ${JSON.stringify(html)} in #chat, as text`,
      got: shownFirst.length ? `#chat shows ${JSON.stringify(shownFirst)}` : `#chat shows nothing after 3 s${first.problems()}`,
      read: READ.hub,
    });

    await second.page.fill('#text', 'from the form');
    await second.page.press('#text', 'Enter');
    const [a, b] = [await waitFor(first.page, 2), await waitFor(second.page, 2)];
    check(a[1] === 'from the form' && b[1] === 'from the form', {
      expected: 'a message typed into the form of one page to show on every open page',
      got: `the pages show ${JSON.stringify(a)} and ${JSON.stringify(b)}${second.problems()}`,
      read: READ.publish,
    });
  }, 20_000);
});

const EventSource_CONNECTING = 0;
const EventSource_OPEN = 1;
