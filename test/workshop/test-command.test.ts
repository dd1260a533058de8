// npm test [lesson ...] [-- --solutions]: the learner's main command. A wrong
// lesson or flag gets one line and exit 1; a lesson runs only its own suites.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { vitestBin } from '../../tools/cli/vitest-run.ts';
import { lessonList, root } from '../../tools/manifest.ts';
import { collect, commandEnv, leftBehind, runCommand } from '../support/commands.ts';
import { pollUntil } from '../support/poll.ts';

/** Runs npm test's command (tools/test.ts, started by tools/vitest-command.mjs), with this checkout's lessons/ (or WORKSHOP_TARGET_DIR in env). */
const npmTest = (args: string[], env: Record<string, string> = {}) => runCommand(root, 'test', args, { env });

describe('npm test', () => {
  test.each([
    [['lesson-99'], `test: there is no lesson 99. Lessons: ${lessonList()}. Try: npm test lesson-01`],
    [['03', 'x'], `test: there is no lesson x. Lessons: ${lessonList()}. Try: npm test lesson-01`],
    [['03', '--bogus'], 'test: unknown flag --bogus. Flags: --solutions. Try: npm test lesson-03'],
  ])('npm test %j answers with one line and exit 1', { timeout: 30_000 }, async (args, line) => {
    const run = await npmTest(args);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(line);
    expect(run.stdout).toBe('');
  });

  test('npm test lesson-02 -- --solutions runs only lesson 02, lists each test, and passes', { timeout: 60_000 }, async () => {
    const run = await npmTest(['lesson-02', '--solutions']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Lesson 02: .*\(the reference solution in solutions\/02-write-vs-end\/\)$/m);
    // Every test that passed is named, not only the slow ones.
    expect(run.stdout.match(/^\s+✓ /gm)?.length).toBeGreaterThanOrEqual(3);
    expect(run.stdout).not.toMatch(/Lesson (0[13-9]|1\d)/);
    expect(run.stdout.trim().split('\n').at(-1)).toBe("Lesson 02's reference solution passes (solutions/02-write-vs-end/).");
  });

  test('npm test 1 on a server that holds its headers back fails with a teaching message', { timeout: 60_000 }, async () => {
    // A lesson 01 that sets the headers but never sends them.
    const lessonsCopy = lessonOne("  app.get('/events', (req, res) => {\n    res.set('Content-Type', 'text/event-stream');\n  });\n");
    try {
      const run = await npmTest(['1'], { WORKSHOP_TARGET_DIR: lessonsCopy });
      expect(run.code).toBe(1);
      expect(run.stdout + run.stderr).toMatch(/Expected: .*\n.*Your code: .*[\s\S]*Read: docs\/01-headers\.md#/);
    } finally {
      fs.rmSync(lessonsCopy, { recursive: true, force: true });
    }
  });

  // npm test starts the learner's processes ahead of time (tools/cli/host-pool.ts);
  // one that dies must still be named with how it died, and none may outlive the run.
  test('npm test 1 on a server that calls process.exit(3) names the exit code, and leaves no process running', { timeout: 60_000 }, async () => {
    const lessonsCopy = lessonOne("  app.get('/events', () => {\n    process.exit(3);\n  });\n");
    try {
      const run = await npmTest(['1'], { WORKSHOP_TARGET_DIR: lessonsCopy });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/Your code: its process exited \(exit code 3\)\. Does the code call process\.exit\(\)/);
      // Each of the run's processes has lessonsCopy in its environment.
      const left = await pollUntil(() => leftBehind(`WORKSHOP_TARGET_DIR=${lessonsCopy}`).processes, (pids) => pids.length === 0, 3000);
      expect(left, 'processes of the npm test run still running after it ended').toEqual([]);
    } finally {
      fs.rmSync(lessonsCopy, { recursive: true, force: true });
    }
  });
});

/**
 * A copy of lessons/ whose lesson 01 server.ts registers `routes` on its app.
 * Inside the repository, so that the copy finds express in node_modules.
 */
function lessonOne(routes: string): string {
  fs.mkdirSync(path.join(root, '.verify'), { recursive: true });
  const lessonsCopy = fs.mkdtempSync(path.join(root, '.verify', 'test-command-'));
  fs.mkdirSync(path.join(lessonsCopy, '01-headers'));
  fs.writeFileSync(
    path.join(lessonsCopy, '01-headers', 'server.ts'),
    `import express from 'express';\nexport function createApp() {\n  const app = express();\n${routes}  return app;\n}\n`,
  );
  return lessonsCopy;
}

test("a REDIS_URL set in the learner's shell does not reach the lesson's own process", { timeout: 60_000 }, async () => {
  // The capstone's createApp() falls back to REDIS_URL, and the tests that start the
  // app in the lesson's process mean one process in memory. Nothing answers on port 9.
  const child = spawn(
    process.execPath,
    [vitestBin, 'run', '--project', 'solutions', 'test/lesson-14-capstone.test.ts', '-t', 'after 200 clients came and went'],
    { cwd: root, env: commandEnv(root, { REDIS_URL: 'redis://127.0.0.1:9' }), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const run = await collect(child, 50_000);
  expect(run.code, run.stdout + run.stderr).toBe(0);
  expect(run.stdout).toMatch(/1 passed/);
});
