// Opt-in (WORKSHOP_FAIL_FAST=1): after the first failing test of a suite file,
// skip the rest of that file. `npm run progress` and verify only need to know
// whether a lesson passes, and a failing lesson's later tests mostly wait out
// their deadlines for events that will never come. Learners running
// `npm test lesson-03` or `npm run watch lesson-03` see every failure as usual.
import { beforeEach } from 'vitest';

// WORKSHOP_FAIL_FAST=lessons does it only in the "lessons" project: verify
// runs the solutions (every test must run) and the starters in one vitest run.
const failFast = process.env.WORKSHOP_FAIL_FAST;
if (failFast === '1' || (failFast !== undefined && failFast === process.env.WORKSHOP_TARGET)) {
  // Setup files run once per test file, so this flag is per suite file.
  let failed = false;
  beforeEach((context) => {
    if (failed) context.skip('an earlier test of this lesson failed (WORKSHOP_FAIL_FAST=1)');
    context.onTestFailed(() => {
      failed = true;
    });
  });
}
