import { defineConfig } from 'vitest/config';

// One set of suites, two targets: "lessons" checks the learner's code (npm test),
// "solutions" checks the reference solutions (npm run test:solutions).
// "workshop" tests the workshop itself: its commands and cross-lesson browser checks.
const lessonSuites = ['test/lesson-*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 10_000,
    hookTimeout: 10_000,
    projects: [
      { extends: true, test: { name: 'lessons', include: lessonSuites, env: { WORKSHOP_TARGET: 'lessons' } } },
      { extends: true, test: { name: 'solutions', include: lessonSuites, env: { WORKSHOP_TARGET: 'solutions' } } },
      { extends: true, test: { name: 'workshop', include: ['test/workshop/**/*.test.ts'] } },
    ],
  },
});
