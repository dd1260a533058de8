// npm run reset: restores one lesson's starter as shipped, lists exactly what it
// changes, asks first (or takes --yes), refuses without a terminal, keeps the
// learner's own extra files, and touches nothing outside the lesson folder.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, test } from 'vitest';
import { collect, commandArgs, commandEnv, git, makeWorkshop, runCommand, type Workshop } from '../support/commands.ts';

let workshop: Workshop;
let starter: string;
beforeEach(() => {
  workshop = makeWorkshop();
  starter = fs.readFileSync(workshop.lessonFile('01'), 'utf8');
});

/** The learner at work: lesson 01 edited and a note added, lesson 03 edited too. */
function learnerWork(): { lesson03: string } {
  fs.appendFileSync(workshop.lessonFile('01'), '\n// my attempt\n');
  workshop.write('lessons/01-headers/notes.md', 'what I learned\n');
  const lesson03 = fs.readFileSync(workshop.lessonFile('03'), 'utf8') + '\n// lesson 03 work in progress\n';
  fs.writeFileSync(workshop.lessonFile('03'), lesson03);
  return { lesson03 };
}

test('without a terminal and without --yes it refuses in one line and changes nothing', async () => {
  learnerWork();
  const before = workshop.status();
  const edited = fs.readFileSync(workshop.lessonFile('01'), 'utf8');
  const run = await runCommand(workshop.dir, 'reset', ['01']);
  expect(run.code).toBe(1);
  expect(run.stderr.trim().split('\n')).toEqual([
    'reset: not a terminal, so it cannot ask before changing lessons/01-headers/; nothing was changed. Try: npm run reset 01 -- --yes',
  ]);
  // It said what it would have done.
  expect(run.stdout).toContain('overwrite  lessons/01-headers/server.ts');
  expect(fs.readFileSync(workshop.lessonFile('01'), 'utf8')).toBe(edited);
  expect(workshop.status()).toBe(before);
});

test('--yes restores the starter, keeps added files, and leaves other lessons alone', async () => {
  const { lesson03 } = learnerWork();
  const run = await runCommand(workshop.dir, 'reset', ['01', '--yes']);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).toContain('overwrite  lessons/01-headers/server.ts');
  expect(run.stdout).toContain('Kept as they are (not part of the starter): lessons/01-headers/notes.md');
  expect(run.stdout).toContain('Restored lessons/01-headers/ to its starter.');
  expect(fs.readFileSync(workshop.lessonFile('01'), 'utf8')).toBe(starter);
  expect(workshop.read('lessons/01-headers/notes.md')).toBe('what I learned\n');
  expect(fs.readFileSync(workshop.lessonFile('03'), 'utf8')).toBe(lesson03);
  // Exactly: lesson 03 still modified, the note still there, nothing else.
  expect(workshop.status().split('\n').filter(Boolean).sort()).toEqual([' M lessons/03-retry/server.ts', '?? lessons/01-headers/notes.md']);
});

test('a deleted lesson folder comes back', async () => {
  fs.rmSync(workshop.lessonFile('01', ''), { recursive: true });
  const run = await runCommand(workshop.dir, 'reset', ['01', '--yes']);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).toContain('recreate   lessons/01-headers/server.ts');
  expect(fs.readFileSync(workshop.lessonFile('01'), 'utf8')).toBe(starter);
  expect(workshop.status()).toBe('');
});

test('an untouched lesson: nothing to restore, exit 0', async () => {
  const run = await runCommand(workshop.dir, 'reset', ['01']);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).toContain('lessons/01-headers/ is already the starter as shipped');
});

test('a learner who committed their work gets the starter the workshop shipped, not their commit', async () => {
  // The learner's clone: origin/HEAD is the workshop as shipped; HEAD moves on with their commits.
  const clone = fs.mkdtempSync(path.join(os.tmpdir(), 'workshop-clone-'));
  try {
    git(clone, 'clone', '--quiet', workshop.dir, '.');
    fs.symlinkSync(path.join(workshop.dir, 'node_modules'), path.join(clone, 'node_modules'), 'junction');
    const file = path.join(clone, 'lessons', '01-headers', 'server.ts');
    fs.appendFileSync(file, '\n// committed work\n');
    git(clone, 'commit', '--quiet', '--all', '--message', 'my lesson 01');
    const run = await runCommand(clone, 'reset', ['01', '--yes']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('from git (origin/HEAD)');
    expect(fs.readFileSync(file, 'utf8')).toBe(starter);
  } finally {
    fs.rmSync(clone, { recursive: true, force: true });
  }
});

test('without git history it says it cannot restore, in one line', async () => {
  fs.rmSync(path.join(workshop.dir, '.git'), { recursive: true });
  const run = await runCommand(workshop.dir, 'reset', ['01', '--yes']);
  expect(run.code).toBe(1);
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(run.stderr).toContain('reset: this copy of the workshop has no git history');
});

// The question needs a terminal. util-linux `script` gives the command one
// (Linux, WSL, CI); elsewhere these two tests are skipped, and say so.
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).stdout?.includes('util-linux') ?? false;

describe.skipIf(!hasScript)('in a terminal it asks first (util-linux script provides the terminal)', () => {
  async function answer(reply: string) {
    const quoted = [process.execPath, ...commandArgs('reset', ['01'])].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['--quiet', '--return', '--command', quoted, '/dev/null'], {
      env: commandEnv(workshop.dir),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    // Answer once the question is on screen.
    let asked = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (!asked && chunk.toString().includes('[y/N]')) {
        asked = true;
        child.stdin.write(`${reply}\n`);
      }
    });
    const run = await collect(child, 30_000);
    return { ...run, asked };
  }

  test('"n" (or just Enter) changes nothing', async () => {
    learnerWork();
    const edited = fs.readFileSync(workshop.lessonFile('01'), 'utf8');
    const run = await answer('n');
    expect(run.asked, run.stdout).toBe(true);
    expect(run.stdout).toContain('Restore 1 file(s) in lessons/01-headers/? [y/N]');
    expect(run.stdout).toContain('Nothing changed in lessons/01-headers/.');
    expect(fs.readFileSync(workshop.lessonFile('01'), 'utf8')).toBe(edited);
  });

  test('"y" restores', async () => {
    learnerWork();
    const run = await answer('y');
    expect(run.asked, run.stdout).toBe(true);
    expect(run.code, run.stdout).toBe(0);
    expect(fs.readFileSync(workshop.lessonFile('01'), 'utf8')).toBe(starter);
  });
});
