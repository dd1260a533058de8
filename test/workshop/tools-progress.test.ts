// npm run progress: runs the suites of the lessons the learner has started,
// shows each lesson as passed, failing, not started or missing, the count, and
// the one command to run next.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { lessons, root } from '../../tools/manifest.ts';
import { makeWorkshop, runCommand, shippedLessons } from '../support/commands.ts';

/** The status column of a lesson's row. */
function row(stdout: string, id: string): string {
  const line = stdout.split('\n').find((l) => new RegExp(`^  \\S ${id}  `).test(l));
  expect(line, `a row for lesson ${id} in:\n${stdout}`).toBeDefined();
  return line!;
}

test('a fresh clone: every lesson not started, and the one command to start with', async () => {
  const workshop = makeWorkshop();
  const run = await runCommand(workshop.dir, 'progress');
  const shipped = shippedLessons(workshop);
  // A deleted (here: not yet written) lesson folder makes progress exit 1.
  expect(run.code, run.stderr).toBe(shipped.length === lessons.length ? 0 : 1);
  for (const lesson of shipped) expect(row(run.stdout, lesson.id)).toMatch(/not started$/);
  expect(run.stdout).toContain(`0/${lessons.length} lessons passing`);
  expect(run.stdout).toContain('Next: lesson 01 (Headers and flushHeaders). Read docs/01-headers.md, then run:');
  expect(run.stdout).toContain('  npm run watch lesson-01');
  // Untouched starters fail by construction (verify checks it), so none ran.
  expect(run.stdout).toMatch(/No suite ran\. Not run: \d+ untouched starters?, which fail until you start them/);
  expect(workshop.status()).toBe('');
});

test('a learner mid-way: passed, failing with its first failure, missing, and what is next', { timeout: 60_000 }, async () => {
  const workshop = makeWorkshop();
  // Lesson 01 solved; lesson 02 edited but not solved; lesson 03 folder deleted.
  fs.copyFileSync(workshop.solutionFile('01'), workshop.lessonFile('01'));
  fs.appendFileSync(workshop.lessonFile('02'), '\n// started, not done\n');
  fs.rmSync(workshop.lessonFile('03', ''), { recursive: true });

  const run = await runCommand(workshop.dir, 'progress');
  expect(run.code, run.stderr).toBe(1); // a lesson folder is missing
  expect(row(run.stdout, '01')).toMatch(/✓ 01 .* passed$/);
  expect(row(run.stdout, '02')).toMatch(/✗ 02 .* failing: \S/);
  expect(row(run.stdout, '03')).toMatch(/! 03 .* missing: lessons\/03-retry\/ was deleted; npm run reset 03 restores the starter$/);
  expect(run.stdout).toContain(`1/${lessons.length} lessons passing`);
  expect(run.stdout).toContain('Next: lesson 02 (res.write versus res.end). Read docs/02-write-vs-end.md, then run:');
  expect(run.stdout).toContain('  npm run watch lesson-02');
  // The first failure's teaching message, so the learner knows where to look.
  expect(run.stdout).toMatch(/Failing now: .+\n(.*\n)*\s+Read: docs\/02-write-vs-end\.md#/);
  expect(run.stdout).toMatch(/Ran the suites of 2 lessons in \d+\.\d s/);
});

test('every lesson solved: the count says so', { timeout: 420_000 }, async () => {
  const workshop = makeWorkshop();
  for (const lesson of shippedLessons(workshop)) {
    fs.cpSync(workshop.solutionFile(lesson, ''), workshop.lessonFile(lesson, ''), { recursive: true });
  }
  // npm run verify has just run every suite on solutions/ and remembered each pass
  // for those exact files (tools/cli/verdict-cache.ts): the same files copied into
  // lessons/ reuse those verdicts instead of running every suite again. The
  // running of suites is proven above and below; this test is about the count.
  const remembered = path.join(root, '.workshop', 'verdicts.json');
  if (fs.existsSync(remembered)) {
    fs.mkdirSync(path.join(workshop.dir, '.workshop'), { recursive: true });
    fs.copyFileSync(remembered, path.join(workshop.dir, '.workshop', 'verdicts.json'));
  }
  // Run alone (no verdicts yet), every suite of every lesson runs: longer than runCommand's default minute.
  // CI is part of a verdict's key (with CI=true a missing browser fails instead of skipping): keep verify's.
  const run = await runCommand(workshop.dir, 'progress', [], { timeoutMs: 400_000, env: process.env.CI ? { CI: process.env.CI } : {} });
  const shipped = shippedLessons(workshop);
  for (const lesson of shipped) expect(row(run.stdout, lesson.id)).toMatch(/passed$/);
  expect(run.stdout).toContain(`${shipped.length}/${lessons.length} lessons passing`);
  if (shipped.length === lessons.length) {
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Every lesson passes.');
  }
});

test('--all runs the suites of untouched starters too; they still count as not started', { timeout: 60_000 }, async () => {
  const workshop = makeWorkshop();
  // Keep only lesson 01, so that one suite runs.
  for (const lesson of shippedLessons(workshop).filter((l) => l.id !== '01')) fs.rmSync(workshop.lessonFile(lesson, ''), { recursive: true });
  const run = await runCommand(workshop.dir, 'progress', ['--all']);
  expect(row(run.stdout, '01')).toMatch(/not started$/);
  expect(run.stdout).toMatch(/Ran the suites of 1 lesson in \d+\.\d s\.\)/);
  expect(run.stdout).not.toContain('Not run');
});

test('a pass is remembered until a file it depends on changes; --fresh runs it anyway', { timeout: 300_000 }, async () => {
  const workshop = makeWorkshop();
  const slow = { timeoutMs: 120_000 };
  // Only lesson 01, solved, so that one suite runs.
  for (const lesson of shippedLessons(workshop).filter((l) => l.id !== '01')) fs.rmSync(workshop.lessonFile(lesson, ''), { recursive: true });
  fs.copyFileSync(workshop.solutionFile('01'), workshop.lessonFile('01'));

  const first = await runCommand(workshop.dir, 'progress', [], slow);
  expect(row(first.stdout, '01')).toMatch(/passed$/);
  expect(first.stdout).toMatch(/Ran the suites of 1 lesson in \d+\.\d s/);

  const again = await runCommand(workshop.dir, 'progress', [], slow);
  expect(row(again.stdout, '01')).toMatch(/passed$/);
  expect(again.stdout).toMatch(/No suite needed to run, \d+\.\d s\. Remembered from earlier runs on the same files: 1 lesson/);

  // Any change to the lesson's files, even a comment, is a new verdict to earn.
  fs.appendFileSync(workshop.lessonFile('01'), '\n// changed\n');
  const changed = await runCommand(workshop.dir, 'progress', [], slow);
  expect(changed.stdout).toMatch(/Ran the suites of 1 lesson in \d+\.\d s/);

  const fresh = await runCommand(workshop.dir, 'progress', ['--fresh'], slow);
  expect(fresh.stdout).toMatch(/Ran the suites of 1 lesson in \d+\.\d s/);
  expect(fresh.stdout).not.toContain('Remembered');
});
