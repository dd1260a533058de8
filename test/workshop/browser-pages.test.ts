// Lesson 05 teaches the page; later lessons carry it on. Every later solution
// that has a page must still keep the page contract in a real browser. (The
// solutions project already runs lesson-05-client-browser.test.ts on solutions/05-client.)
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'vitest';
import { docsPath, folderName, lessonDir, lessons, root } from '../../tools/manifest.ts';
import { BROWSER_TEST_TIMEOUT_MS, describeInBrowser } from '../support/browser-launch.ts';
import {
  expectDataShownAsText,
  expectEventsShown,
  expectPageReconnects,
  expectServerRetryHonoured,
  expectStatusFollowsConnection,
  openPage,
} from '../support/page-checks.ts';
import { useLesson } from '../support/lesson-host.ts';

// Lesson 07 moves the page to named events and JSON data; from there on each
// lesson's own browser suite checks its page (lesson-07-framing-browser.test.ts, …).
const LAST_WITH_LESSON_05_PAGE = '06';
const withPages = lessons.filter(
  (lesson) =>
    lesson.id > '05' &&
    lesson.id <= LAST_WITH_LESSON_05_PAGE &&
    existsSync(path.join(lessonDir(lesson, 'solutions'), 'public', 'index.html')),
);

for (const lesson of withPages) {
  const dir = lessonDir(lesson, 'solutions');
  const server = path.join(dir, 'server.ts');
  const publicDir = path.join(dir, 'public');
  const host = useLesson(lesson.id, path.relative(root, docsPath(lesson)));

  describeInBrowser(`solutions/${folderName(lesson)}: the page of lesson 05 still works`, (browser) => {
    test('the page shows each event as it arrives', async () => {
      const running = await host.start({ intervalMs: 100 }, server);
      const watched = await openPage(browser, `${running.url}/`, { assertResponsive: running.assertResponsive });
      await expectEventsShown(watched, ['1', '2', '3'], 1500, { streamUrl: `${running.url}/events` });
    }, BROWSER_TEST_TIMEOUT_MS);

    test('event data appears as text', async () => {
      await expectDataShownAsText(browser, publicDir);
    }, BROWSER_TEST_TIMEOUT_MS);

    test('the status element follows the connection', async () => {
      await expectStatusFollowsConnection(browser, await host.start({ intervalMs: 50, retryMs: 300 }, server));
    }, BROWSER_TEST_TIMEOUT_MS);

    test("after a drop, the browser reconnects after the server's retry delay", async () => {
      await expectServerRetryHonoured(browser, await host.start({ intervalMs: 50, retryMs: 300 }, server), 300);
    }, BROWSER_TEST_TIMEOUT_MS);

    test('the page lets EventSource reconnect, with Last-Event-ID', async () => {
      await expectPageReconnects(browser, publicDir);
    }, BROWSER_TEST_TIMEOUT_MS);
  });
}

if (withPages.length === 0) {
  describe('solutions after lesson 05 with a page', () => {
    test.skip('none has a page', () => {});
  });
}
