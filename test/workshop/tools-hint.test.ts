// npm run hint: one more hint per call, up to the last; --all; --again; the
// count kept in .workshop/hints.json of the learner's checkout.
import fs from 'node:fs';
import path from 'node:path';
import { beforeEach, expect, test } from 'vitest';
import { lessons } from '../../tools/manifest.ts';
import { makeWorkshop, runCommand, type Workshop } from '../support/commands.ts';

const lesson = lessons.find((l) => l.id === '03')!;
let workshop: Workshop;
beforeEach(() => {
  workshop = makeWorkshop();
});

const hintsFile = () => path.join(workshop.dir, '.workshop', 'hints.json');

test('each call shows the next hint, up to the last, and remembers the count', async () => {
  expect(lesson.hints.length).toBeGreaterThan(1);
  for (const [index, hint] of lesson.hints.entries()) {
    const run = await runCommand(workshop.dir, 'hint', ['03']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Hint ${index + 1} of ${lesson.hints.length}`);
    expect(run.stdout).toContain(hint);
    // Only the new hint: none of the others.
    for (const other of lesson.hints.filter((h) => h !== hint)) expect(run.stdout).not.toContain(other);
    const last = index === lesson.hints.length - 1;
    expect(run.stdout).toContain(last ? 'That was the last hint.' : 'Next hint: npm run hint 03');
  }
  expect(JSON.parse(fs.readFileSync(hintsFile(), 'utf8'))).toEqual({ '03': lesson.hints.length });

  // Past the last hint, the last one again.
  const again = await runCommand(workshop.dir, 'hint', ['lesson-03']);
  expect(again.stdout).toContain(`Hint ${lesson.hints.length} of ${lesson.hints.length}`);
  // The state file is git-ignored: hints leave the learner's git status clean.
  expect(workshop.status()).toBe('');
});

test('counts are kept per lesson', async () => {
  await runCommand(workshop.dir, 'hint', ['03']);
  await runCommand(workshop.dir, 'hint', ['03']);
  const other = await runCommand(workshop.dir, 'hint', ['1']);
  expect(other.stdout).toContain(`Hint 1 of ${lessons[0]!.hints.length}`);
  expect(JSON.parse(fs.readFileSync(hintsFile(), 'utf8'))).toEqual({ '03': 2, '01': 1 });
});

test('--all prints every hint in order and does not move the count', async () => {
  const run = await runCommand(workshop.dir, 'hint', ['03', '--all']);
  expect(run.code, run.stderr).toBe(0);
  const positions = lesson.hints.map((hint) => run.stdout.indexOf(hint));
  expect(positions.every((p) => p >= 0)).toBe(true);
  expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  expect(fs.existsSync(hintsFile())).toBe(false);
});

test('--all written without "--" (npm keeps it as npm_config_all) still works', async () => {
  const run = await runCommand(workshop.dir, 'hint', ['03'], { env: { npm_config_all: 'true' } });
  for (const hint of lesson.hints) expect(run.stdout).toContain(hint);
});

test('--again starts over at the first hint', async () => {
  await runCommand(workshop.dir, 'hint', ['03']);
  await runCommand(workshop.dir, 'hint', ['03']);
  const run = await runCommand(workshop.dir, 'hint', ['03', '--again']);
  expect(run.stdout).toContain(`Hint 1 of ${lesson.hints.length}`);
  expect(run.stdout).toContain(lesson.hints[0]);
});

test('a damaged state file is not an error: counting starts again', async () => {
  workshop.write('.workshop/hints.json', '{ not json');
  const run = await runCommand(workshop.dir, 'hint', ['03']);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).toContain(`Hint 1 of ${lesson.hints.length}`);
});
