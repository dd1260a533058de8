// npm run screenshots
// Takes the pictures the lesson texts show, in headless Chrome or Chromium:
// the page of every solution that has one, and two pictures for lesson 05 (the
// page after the stream dropped; event data shown as text next to innerHTML).
// Writes docs/images/*.png. The content of each picture is fixed (a set number
// of events, then the picture), so a rerun reproduces them.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { eventTexts, findBrowser, launchBrowser } from '../test/support/browser-launch.ts';
import { pollUntil } from '../test/support/poll.ts';
import { fail, parseCommand } from './cli/args.ts';
import { folderName, lessonDir, lessons, root, type Lesson } from './manifest.ts';

const NAME = 'screenshots';
const imagesDir = path.join(root, 'docs', 'images');
const viewport = { width: 640, height: 400 };

interface Listening {
  url: string;
  /** Cuts every open connection, as a crashing server would. */
  drop(): void;
  close(): Promise<void>;
}

async function listen(handler: http.RequestListener): Promise<Listening> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    drop: () => server.closeAllConnections(),
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Starts a solution's own server, as `npm run demo NN -- --solution` would. */
async function startSolution(lesson: Lesson, options: Record<string, number>): Promise<Listening> {
  const file = path.join(lessonDir(lesson, 'solutions'), 'server.ts');
  const { createApp } = (await import(pathToFileURL(file).href)) as {
    createApp: (options: Record<string, number>) => http.RequestListener;
  };
  return listen(createApp(options));
}

/** Waits until #events holds exactly `count` items, or gives up after 5 s. */
async function waitForItems(page: Page, count: number): Promise<void> {
  const texts = await pollUntil(() => eventTexts(page), (t) => (t?.length ?? 0) >= count, 5000);
  if ((texts?.length ?? 0) < count) throw new Error(`the page showed ${texts?.length ?? 0} events, not ${count}`);
}

async function save(page: Page, name: string): Promise<void> {
  const file = path.join(imagesDir, name);
  await page.screenshot({ path: file });
  console.log(`wrote ${path.relative(root, file)}`);
}

/**
 * The page of a solution after five counter events. Events come every 400 ms
 * and the picture is taken as soon as the fifth shows; if a sixth slipped in
 * (a slow machine), it is taken again.
 */
async function pagePicture(browser: Browser, lesson: Lesson): Promise<void> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    const server = await startSolution(lesson, { intervalMs: 400, retryMs: 10_000 });
    const page = await browser.newPage({ viewport });
    try {
      await page.goto(`${server.url}/`);
      await waitForItems(page, 5);
      const file = `${folderName(lesson)}-page.png`;
      const shot = await page.screenshot();
      if ((await eventTexts(page))?.length === 5) {
        fs.writeFileSync(path.join(imagesDir, file), shot);
        console.log(`wrote docs/images/${file}`);
        return;
      }
    } finally {
      await page.close();
      await server.close();
    }
  }
  throw new Error(`could not catch the page of ${folderName(lesson)} with exactly 5 events`);
}

/** Lesson 05: three events, then the server drops the stream; retry is 10 s, so the page stays "reconnecting". */
async function reconnectingPicture(browser: Browser, lesson: Lesson): Promise<void> {
  const server = await startSolution(lesson, { intervalMs: 200, retryMs: 10_000 });
  const page = await browser.newPage({ viewport });
  try {
    await page.goto(`${server.url}/`);
    await waitForItems(page, 3);
    server.drop();
    await page.waitForFunction(() => /lost|reconnect/i.test(document.getElementById('status')?.textContent ?? ''));
    await save(page, `${folderName(lesson)}-reconnecting.png`);
  } finally {
    await page.close();
    await server.close();
  }
}

/**
 * Lesson 05: the same event in two copies of the page, one with textContent
 * (the solution) and one with innerHTML (the seed post's line). The event's
 * onerror script turns the page it runs in pink.
 */
async function textNotHtmlPicture(browser: Browser, lesson: Lesson): Promise<void> {
  const pageFile = path.join(lessonDir(lesson, 'solutions'), 'public', 'index.html');
  const safe = fs.readFileSync(pageFile, 'utf8');
  const unsafe = safe.replace('item.textContent = event.data', 'item.innerHTML = event.data');
  if (unsafe === safe) throw new Error(`${path.relative(root, pageFile)} no longer has the line item.textContent = event.data`);
  const payload = `<img src=x onerror="document.body.style.background='pink'">`;

  const serve = (html: string) =>
    listen((req, res) => {
      if (req.url === '/events') {
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
        res.write(`retry: 60000\n\ndata: hello\n\ndata: ${payload}\n\n`);
        return;
      }
      res.writeHead(req.url === '/' ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(req.url === '/' ? html : '');
    });
  const left = await serve(safe);
  const right = await serve(unsafe);
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const frame = (url: string, code: string, note: string) => `
    <figure><figcaption><code>${escape(code)}</code><br>${escape(note)}</figcaption>
    <iframe src="${url}/"></iframe></figure>`;
  const compare = await listen((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><meta charset="utf-8"><style>
      body { font-family: system-ui, sans-serif; margin: 12px; display: flex; gap: 12px; }
      figure { margin: 0; flex: 1; } figcaption { font-size: 14px; margin-bottom: 6px; height: 2.6em; }
      iframe { width: 100%; height: 340px; border: 1px solid #999; }
    </style>
    ${frame(left.url, 'item.textContent = event.data', 'The data is shown as text. Nothing runs.')}
    ${frame(right.url, 'item.innerHTML = event.data', "The data became an <img>; its onerror script ran: the page turned pink.")}`);
  });
  const page = await browser.newPage({ viewport: { width: 1200, height: 400 } });
  try {
    await page.goto(`${compare.url}/`);
    const [safeFrame, unsafeFrame] = page.frames().slice(1);
    if (!safeFrame || !unsafeFrame) throw new Error('the comparison page has no frames');
    await safeFrame.waitForFunction(() => document.querySelectorAll('#events > *').length === 2);
    await unsafeFrame.waitForFunction(() => document.body.style.background !== '');
    await save(page, `${folderName(lesson)}-text-not-html.png`);
  } finally {
    await page.close();
    await Promise.all([left.close(), right.close(), compare.close()]);
  }
}

async function main(): Promise<void> {
  parseCommand(NAME, process.argv.slice(2), {
    lesson: 'none',
    summary: 'takes the pictures of the lesson pages into docs/images/ (needs Chrome or Chromium)',
  });
  const search = findBrowser();
  if (!search.found) {
    fail(NAME, `${search.problem}. Install Chromium or Google Chrome, or set CHROME_PATH to its executable.`, 'CHROME_PATH=/path/to/chrome npm run screenshots');
  }
  fs.mkdirSync(imagesDir, { recursive: true });
  const browser = await launchBrowser(search.executablePath);
  try {
    const withPages = lessons.filter((lesson) => fs.existsSync(path.join(lessonDir(lesson, 'solutions'), 'public', 'index.html')));
    for (const lesson of withPages) await pagePicture(browser, lesson);
    const client = lessons.find((lesson) => lesson.slug === 'client');
    if (client) {
      await reconnectingPicture(browser, client);
      await textNotHtmlPicture(browser, client);
    }
  } finally {
    await browser.close();
  }
}

main().then(
  // The solutions' timers (lesson 05 keeps writing to dropped streams) would keep Node alive.
  () => process.exit(0),
  (error: unknown) => fail(NAME, error instanceof Error ? error.message : String(error)),
);
