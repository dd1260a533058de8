import { defineConfig } from 'vitest/config';

// One set of suites, two targets: "lessons" checks the learner's code (npm test),
// "solutions" checks the reference solutions (npm run test:solutions).
// "workshop" tests the workshop itself: its commands and cross-lesson browser checks.
const lessonSuites = ['test/lesson-*.test.ts'];
// WORKSHOP_FAIL_FAST=1 (set by npm run progress and verify) stops a suite file at its first failure.
const setupFiles = ['test/support/fail-fast.ts'];

export default defineConfig({
  test: {
    testTimeout: 10_000,
    hookTimeout: 10_000,
    projects: [
      { extends: true, test: { name: 'lessons', include: lessonSuites, setupFiles, env: { WORKSHOP_TARGET: 'lessons' } } },
      { extends: true, test: { name: 'solutions', include: lessonSuites, setupFiles, env: { WORKSHOP_TARGET: 'solutions' } } },
      { extends: true, test: { name: 'workshop', include: ['test/workshop/**/*.test.ts'] } },
    ],
  },
});
