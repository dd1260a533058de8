import { defineConfig } from 'vitest/config';

// One set of suites, two targets: "lessons" checks the learner's code (npm test),
// "solutions" checks the reference solutions (npm run test:solutions).
// "workshop" tests the workshop itself: its commands and cross-lesson browser checks.
const lessonSuites = ['test/lesson-*.test.ts'];
// WORKSHOP_FAIL_FAST=1 (set by npm run progress and verify) stops a suite file at its first failure.
const setupFiles = ['test/support/fail-fast.ts'];
// Suite files of a lesson project at once. A lesson suite mostly waits on its
// lesson's process, sockets or a browser, so lesson 05's two files (or all the
// lessons of `npm test`) run side by side even on 2 cores, where vitest's
// default would be one file at a time.
const maxWorkers = 3;

export default defineConfig({
  test: {
    // The suites and test/support, transformed once and kept (keyed by their
    // content) in node_modules/.experimental-vitest-cache: a learner's run
    // starts about 0.2 s sooner. The learner's own code is not transformed by
    // vitest: it runs in its own process, under tsx.
    experimental: { fsModuleCache: true },
    // A backstop only: every wait in the suites has its own deadline and message.
    // On a machine far too busy, a first test may wait for its process to start
    // (up to 15 s) and then for the learner's file to load (up to 14 s while the
    // process still answers, 7 s when it does not: test/support/lesson-host.ts).
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      { extends: true, test: { name: 'lessons', include: lessonSuites, setupFiles, maxWorkers, env: { WORKSHOP_TARGET: 'lessons' } } },
      { extends: true, test: { name: 'solutions', include: lessonSuites, setupFiles, maxWorkers, env: { WORKSHOP_TARGET: 'solutions' } } },
      { extends: true, test: { name: 'workshop', include: ['test/workshop/**/*.test.ts'] } },
    ],
  },
});
