// What every learner command does with bad input: one line on stderr that
// names the problem and shows a command of the right form, exit code 1, and
// nothing changed. Also: each npm script is wired to its tool (--help via npm).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { lessonList, root } from '../../tools/manifest.ts';
import { collect, commandEnv, makeWorkshop, runCommand, type Run, type Workshop } from '../support/commands.ts';

const commands = ['progress', 'watch', 'hint', 'diff', 'reset'] as const;
const withLesson = ['watch', 'hint', 'diff', 'reset'] as const;

let workshop: Workshop;
beforeAll(() => {
  workshop = makeWorkshop();
});

/** Exactly one line on stderr, nothing on stdout, exit 1, and the copy unchanged. */
function expectOneLineError(run: Run, name: string): string {
  expect(run.code, `exit code of ${name}; stderr: ${run.stderr}`).toBe(1);
  expect(run.stdout).toBe('');
  const lines = run.stderr.split('\n').filter(Boolean);
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^${name}: `));
  expect(workshop.status()).toBe('');
  return lines[0]!;
}

describe.each(withLesson)('npm run %s: bad lesson input', (name) => {
  test('a lesson that does not exist: one line with the lessons there are and the right form', async () => {
    const line = expectOneLineError(await runCommand(workshop.dir, name, ['99']), name);
    expect(line).toContain('there is no lesson 99.');
    expect(line).toContain(`Lessons: ${lessonList()}.`);
    expect(line).toMatch(new RegExp(`Try: npm run ${name} \\d\\d$`));
  });

  test('no lesson at all: one line asking which', async () => {
    const line = expectOneLineError(await runCommand(workshop.dir, name, []), name);
    expect(line).toContain('which lesson?');
    expect(line).toMatch(new RegExp(`Try: npm run ${name} \\d\\d$`));
  });

  test('a word that is not a lesson', async () => {
    const line = expectOneLineError(await runCommand(workshop.dir, name, ['retry-lesson']), name);
    expect(line).toContain('there is no lesson retry-lesson.');
  });

  test('a second argument is not silently ignored', async () => {
    const line = expectOneLineError(await runCommand(workshop.dir, name, ['01', '02']), name);
    expect(line).toContain('unexpected argument "02"');
  });
});

describe.each(commands)('npm run %s: flags', (name) => {
  const lessonArgs = name === 'progress' ? [] : ['01'];

  test('an unknown flag: one line naming it and the flags there are', async () => {
    const line = expectOneLineError(await runCommand(workshop.dir, name, [...lessonArgs, '--bogus']), name);
    expect(line).toContain('unknown flag --bogus.');
    expect(line).toMatch(/Flags: --\w+|takes no flags/);
  });

  test('--help prints the usage through the real npm script and exits 0', async () => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const child = spawn(npm, ['run', '--silent', name, '--', '--help'], {
      cwd: root,
      env: commandEnv(workshop.dir),
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: process.platform === 'win32',
    });
    const run = await collect(child, 30_000);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Usage: npm run ${name}`);
  }, 40_000);
});

describe('a deleted lesson folder', () => {
  test.each(['watch', 'hint', 'diff'] as const)('%s: one line that says so and how to restore it', async (name) => {
    const folder = path.join(workshop.dir, 'lessons', '01-headers');
    const saved = path.join(workshop.dir, 'saved-01');
    fs.renameSync(folder, saved);
    try {
      const run = await runCommand(workshop.dir, name, ['01']);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n')).toEqual([`${name}: lessons/01-headers/ is missing (deleted or moved?). Try: npm run reset 01 to restore its starter`]);
    } finally {
      fs.renameSync(saved, folder);
    }
  });
});

test('progress takes no lesson: one line', async () => {
  const line = expectOneLineError(await runCommand(workshop.dir, 'progress', ['03']), 'progress');
  expect(line).toContain('unexpected argument "03"');
});
