// npm run diff: the learner's lesson folder against the reference solution, a
// unified diff per file; colour only for a terminal (or FORCE_COLOR), never
// when piped or with NO_COLOR; changes nothing.
import fs from 'node:fs';
import { parsePatch } from 'diff';
import { beforeEach, expect, test } from 'vitest';
import { makeWorkshop, plain, runCommand, type Workshop } from '../support/commands.ts';

let workshop: Workshop;
beforeEach(() => {
  workshop = makeWorkshop();
});

const ESC = '\u001b[';

test('the untouched starter against the solution: a plain unified diff when piped', async () => {
  const run = await runCommand(workshop.dir, 'diff', ['01']);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).not.toContain(ESC);
  expect(run.stdout).toContain('--- lessons/01-headers/server.ts');
  expect(run.stdout).toContain('+++ solutions/01-headers/server.ts');
  // A real patch: jsdiff parses it back, and applying it is the solution.
  const [patch] = parsePatch(run.stdout.slice(run.stdout.indexOf('--- ')));
  expect(patch?.hunks.length).toBeGreaterThan(0);
  const added = patch!.hunks.flatMap((h) => h.lines).filter((l) => l.startsWith('+'));
  expect(added.join('\n')).toContain('flushHeaders');
  expect(workshop.status()).toBe('');
});

test('FORCE_COLOR colours it: additions green, removals red, hunks cyan', async () => {
  const run = await runCommand(workshop.dir, 'diff', ['01'], { env: { FORCE_COLOR: '1' } });
  expect(run.stdout).toMatch(/\u001b\[32m\+/);
  expect(run.stdout).toMatch(/\u001b\[31m-/);
  expect(run.stdout).toMatch(/\u001b\[36m@@/);
  // The same diff underneath.
  const piped = await runCommand(workshop.dir, 'diff', ['01']);
  expect(plain(run.stdout)).toBe(piped.stdout);
});

test('NO_COLOR wins over FORCE_COLOR', async () => {
  const run = await runCommand(workshop.dir, 'diff', ['01'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
  expect(run.stdout).not.toContain(ESC);
});

test('a lesson folder that matches the solution says so; Windows line endings do not count', async () => {
  const solution = fs.readFileSync(workshop.solutionFile('01'), 'utf8');
  fs.writeFileSync(workshop.lessonFile('01'), solution.replace(/\n/g, '\r\n'));
  const run = await runCommand(workshop.dir, 'diff', ['01']);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout.trim()).toBe('lessons/01-headers/ is the same as the reference solution solutions/01-headers/.');
});

test('a file on one side only is diffed against nothing', async () => {
  workshop.write('lessons/01-headers/notes.md', 'my notes\n');
  const run = await runCommand(workshop.dir, 'diff', ['01']);
  expect(run.stdout).toContain('--- lessons/01-headers/notes.md');
  expect(run.stdout).toContain('+++ /dev/null');
  expect(run.stdout).toContain('-my notes');
  expect(run.stdout).toMatch(/2 of 2 file\(s\) differ/);
});

test('a deleted solutions folder: one line, exit 1', async () => {
  fs.rmSync(workshop.solutionFile('01', ''), { recursive: true });
  const run = await runCommand(workshop.dir, 'diff', ['01']);
  expect(run.code).toBe(1);
  expect(run.stdout).toBe('');
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(run.stderr).toMatch(/^diff: solutions\/01-headers\/ is missing/);
});
