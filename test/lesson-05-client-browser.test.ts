// Lesson 05 in a real browser: headless Chrome or Chromium opens the page your
// server serves at / and we watch what it shows and what it sends. Without a
// browser on this machine these tests are skipped (one line says how to get one).
// One browser for the whole file; the checks live in support/page-checks.ts,
// and the workshop suite runs the same checks on every solution that has a page.
import path from 'node:path';
import { test } from 'vitest';
import { BROWSER_TEST_TIMEOUT_MS, describeInBrowser } from './support/browser-launch.ts';
import {
  expectDataShownAsText,
  expectEventsShown,
  expectPageReconnects,
  expectServerRetryHonoured,
  expectStatusFollowsConnection,
  openPage,
} from './support/page-checks.ts';
import { useLesson } from './support/lesson-host.ts';
import { targetFile } from './support/target.ts';

const lesson = useLesson('05', 'docs/05-client.md');
const publicDir = path.dirname(targetFile('05', 'public/index.html'));

describeInBrowser('lesson 05 in the browser', (browser) => {
  test('the page at / shows each event as it arrives: 1, 2, 3, ...', async () => {
    const intervalMs = 100;
    const server = await lesson.start({ intervalMs });
    const watched = await openPage(browser, `${server.url}/`, { assertResponsive: server.assertResponsive });
    // Three events take 3 × intervalMs; allow a few more for the page to load.
    await expectEventsShown(watched, ['1', '2', '3'], 15 * intervalMs, { streamUrl: `${server.url}/events` });
  }, BROWSER_TEST_TIMEOUT_MS);

  test('event data appears as text: <img onerror> in an event shows as characters and runs nothing', async () => {
    await expectDataShownAsText(browser, publicDir);
  }, BROWSER_TEST_TIMEOUT_MS);

  test('the status element shows when the stream drops and when it is back', async () => {
    const server = await lesson.start({ intervalMs: 50, retryMs: 300 });
    await expectStatusFollowsConnection(browser, server);
  }, BROWSER_TEST_TIMEOUT_MS);

  test("after a drop, the browser reconnects after your server's retry delay", async () => {
    const retryMs = 300;
    const server = await lesson.start({ intervalMs: 50, retryMs });
    await expectServerRetryHonoured(browser, server, retryMs);
  }, BROWSER_TEST_TIMEOUT_MS);

  test('the page lets EventSource reconnect: after the retry delay, with Last-Event-ID', async () => {
    await expectPageReconnects(browser, publicDir);
  }, BROWSER_TEST_TIMEOUT_MS);
});
