// Lesson 06 keeps lesson 05's page working: in a real browser, it shows events
// as text, follows a drop in its status and reconnects with Last-Event-ID. In
// a file of its own, so that the browser starts while the disconnect tests run.
import path from 'node:path';
import { test } from 'vitest';
import { BROWSER_TEST_TIMEOUT_MS, describeInBrowser } from './support/browser-launch.ts';
import { expectPageContract } from './support/page-checks.ts';
import { targetFile } from './support/target.ts';

describeInBrowser('lesson 06: the page of lesson 05 in the browser', (browser) => {
  test(
    'the page shows events as text, follows a drop in its status, and reconnects with Last-Event-ID',
    async () => {
      await expectPageContract(browser, path.dirname(targetFile('06', 'public/index.html')));
    },
    // Each step has its own deadline; this only leaves room for a busy machine.
    BROWSER_TEST_TIMEOUT_MS,
  );
});
