// What `npm test lesson-NN` prints (tools/cli/lesson-reporter.ts): a teaching
// failure shows its teaching lines and the learner's own file and line, never
// a code frame or stack line from the test files; a bug in a test keeps its
// full frames; the verdict line is last; piped output carries no escape codes.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { vitestBin } from '../../tools/cli/vitest-run.ts';
import { root } from '../../tools/manifest.ts';
import { collect, commandArgs, commandEnv } from '../support/commands.ts';
import { LessonError, learnerFrames } from '../support/teach.ts';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** A copy of lessons/ whose lesson 01 server.ts is `source`, inside the repository so it finds express. */
function lessonsWithLesson01(source: string): string {
  fs.mkdirSync(path.join(root, '.verify'), { recursive: true });
  const dir = fs.mkdtempSync(path.join(root, '.verify', 'test-output-'));
  made.push(dir);
  fs.mkdirSync(path.join(dir, '01-headers'));
  fs.writeFileSync(path.join(dir, '01-headers', 'server.ts'), source);
  return dir;
}

/**
 * `npm test lesson-01` on that copy, its stdout and stderr into one file as
 * `npm test lesson-01 2>&1 | cat` or a CI log has them: in the order they were written.
 */
async function npmTest01(dir: string, env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const log = path.join(dir, `output-${Math.random().toString(36).slice(2)}.log`);
  const fd = fs.openSync(log, 'w');
  try {
    const child = spawn(process.execPath, commandArgs('test', ['lesson-01']), {
      cwd: root,
      env: commandEnv(root, { WORKSHOP_TARGET_DIR: dir, TERM: 'xterm-256color', ...env }),
      stdio: ['ignore', fd, fd],
    });
    const { code } = await collect(child, 90_000);
    return { code, output: fs.readFileSync(log, 'utf8') };
  } finally {
    fs.closeSync(fd);
  }
}

// Sets the headers and never sends them: every test of lesson 01 fails with a teaching message.
const holdsHeaders = `import express from 'express';
export function createApp() {
  const app = express();
  app.get('/events', (req, res) => {
    res.set('Content-Type', 'text/event-stream');
  });
  return app;
}
`;

const nonEmptyLines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

describe('npm test lesson-01 on failing code, piped', () => {
  let output = '';
  let code: number | null = null;

  test('shows every test and each failure as its teaching lines', { timeout: 60_000 }, async () => {
    ({ output, code } = await npmTest01(lessonsWithLesson01(holdsHeaders)));
    expect(code).toBe(1);
    expect(output).toMatch(/^Lesson 01: /m);
    expect(output).toMatch(/^\s+✗ /m);
    expect(output).toMatch(/Expected: .*\n\s+Your code: .*\n[\s\S]*?Read: docs\/01-headers\.md#/);
  });

  test('prints no code frame, stack line or path from the test files', () => {
    expect(output).not.toBe('');
    expect(output).not.toMatch(/test\/(lesson-|support\/)/); // no test file named
    expect(output).not.toMatch(/^\s*\d+\|/m); // no code frame ("  11|   const stream = ...")
    expect(output).not.toMatch(/❯|^\s+at /m); // no stack lines
    expect(output).not.toContain('LessonError');
    expect(output).not.toMatch(/Test Files|Duration|Start at/); // vitest's summary: the verdict says it
  });

  test('ends with the verdict line, as watch does', () => {
    expect(nonEmptyLines(output).at(-1)).toMatch(
      /^Lesson 01: \d+ of \d+ tests? failing\. Fix the first failure above, then run npm test lesson-01 again .*Stuck\? npm run hint 01$/,
    );
  });

  test('carries no escape codes, although TERM names a colour terminal', () => {
    expect(output).not.toContain('\u001b');
  });
});

test('FORCE_COLOR=1 colours piped output, and NO_COLOR wins over it', { timeout: 90_000 }, async () => {
  const dir = lessonsWithLesson01(holdsHeaders);
  const [forced, both] = await Promise.all([npmTest01(dir, { FORCE_COLOR: '1' }), npmTest01(dir, { FORCE_COLOR: '1', NO_COLOR: '1' })]);
  expect(forced.output).toContain('\u001b[');
  expect(both.output).not.toContain('\u001b');
});

test("an error in the learner's code shows their file and line, not the test's", { timeout: 60_000 }, async () => {
  const dir = lessonsWithLesson01("import express from 'express';\n\nthrow new Error('boom at import');\n\nexport function createApp() {\n  return express();\n}\n");
  const { code, output } = await npmTest01(dir);
  expect(code).toBe(1);
  expect(output).toContain('boom at import');
  expect(output).toMatch(/01-headers\/server\.ts:3:\d+/);
  expect(output).not.toMatch(/test\/(lesson-|support\/)/);
  expect(nonEmptyLines(output).at(-1)).toMatch(/^Lesson 01: /);
});

test('a bug in a test (not a teaching failure) keeps its code frame and stack', { timeout: 60_000 }, async () => {
  // A throwaway project with one test file: the reporter treats any file that is not a lesson's suite alike.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'workshop-reporter-'));
  made.push(dir);
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'junction');
  const teach = path.join(root, 'test', 'support', 'teach.ts');
  fs.writeFileSync(
    path.join(dir, 'fixture.test.ts'),
    [
      "import { test } from 'vitest';",
      `import { teach } from ${JSON.stringify(teach)};`,
      "test('a teaching failure', () => teach({ expected: 'one thing', got: 'another', read: 'docs/01-headers.md' }));",
      "test('a harness bug', () => {",
      '  const missing: { call(): void } | undefined = undefined;',
      '  missing!.call();',
      '});',
      "test('a passing check', () => {});",
      '',
    ].join('\n'),
  );
  fs.writeFileSync(path.join(dir, 'vitest.config.mjs'), 'export default {};\n');
  const child = spawn(process.execPath, [vitestBin, 'run', '--root', dir, `--reporter=${path.join(root, 'tools', 'cli', 'lesson-reporter.ts')}`], {
    cwd: dir,
    env: commandEnv(dir, { NO_COLOR: '1' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run = await collect(child, 50_000);
  const output = run.stdout + run.stderr;
  expect(run.code).toBe(1);
  // Every test is listed, the passing one too.
  expect(output).toMatch(/✓ a passing check/);
  // After the list of tests come the failures, in order (vitest prints the bug's error on stderr, after stdout here).
  const teaching = output.slice(output.indexOf('✗ a teaching failure\n  Expected'), output.lastIndexOf('✗ a harness bug\n'));
  expect(teaching).toContain('Your code: another');
  expect(teaching).not.toMatch(/fixture\.test\.ts|\d+\|/);
  const bug = output.slice(output.lastIndexOf('✗ a harness bug\n'));
  expect(bug).toMatch(/TypeError/);
  expect(bug).toMatch(/fixture\.test\.ts:6:\d+/);
  expect(bug).toMatch(/^\s+6\|.*missing!\.call\(\)/m);
});

describe('LessonError keeps only the frames of the learner\'s code', () => {
  test('a teaching failure thrown by the tests has no frame at all', () => {
    const error = new LessonError('\n  Expected: x\n  Your code: y\n  Read: docs/01-headers.md');
    expect(error.stack).toBe(`LessonError: ${error.message}`);
  });

  test('learnerFrames keeps lesson files and drops tests, tools, node_modules and Node', () => {
    const stack = [
      'Error: boom',
      `    at createApp (${path.join(root, 'lessons', '01-headers', 'server.ts')}:4:9)`,
      `    at file://${path.join(root, 'solutions', '01-headers', 'server.ts')}:7:3`,
      `    at connect (${path.join(root, 'test', 'support', 'sse.ts')}:12:3)`,
      `    at ${path.join(root, 'test', 'lesson-01-headers.test.ts')}:11:20`,
      `    at run (${path.join(root, 'node_modules', 'vitest', 'dist', 'index.js')}:1:1)`,
      '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
      `    at elsewhere (${path.join(os.tmpdir(), 'starters', '01-headers', 'server.ts')}:2:1)`,
    ].join('\n');
    expect(learnerFrames(stack)).toEqual([
      'lessons/01-headers/server.ts:4:9',
      'solutions/01-headers/server.ts:7:3',
      `${path.join(os.tmpdir(), 'starters', '01-headers', 'server.ts')}:2:1`,
    ]);
  });
});
