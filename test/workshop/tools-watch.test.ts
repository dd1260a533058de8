// npm run watch: runs the lesson's suite, reruns it on every save of the
// lesson's files, and ends each run with one line: failing, or passes and what
// comes next. Also with --poll, for mounts without file events.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, expect, test } from 'vitest';
import { root } from '../../tools/manifest.ts';
import { commandArgs, commandEnv, leftBehind, makeWorkshop, plain } from '../support/commands.ts';
import { pollUntil } from '../support/poll.ts';

const running: ChildProcess[] = [];
afterEach(() => {
  for (const child of running.splice(0)) child.kill('SIGKILL');
});

/** Starts `watch` and gives a way to wait for a pattern in its output. */
function startWatch(dir: string, args: string[]) {
  const child = spawn(process.execPath, commandArgs('watch', args), {
    cwd: root,
    env: commandEnv(dir),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += plain(chunk.toString());
    for (const wake of waiters) wake();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid,
    output: () => output,
    /** As Ctrl+C in a terminal does; resolves once the command has exited. */
    async stop(): Promise<void> {
      child.kill('SIGINT');
      await exited;
    },
    /** Resolves once `pattern` matches the output `times` times; fails after `withinMs`. */
    waitFor(pattern: RegExp, withinMs: number, times = 1): Promise<void> {
      const global = new RegExp(pattern.source, 'g');
      const seen = () => (output.match(global) ?? []).length >= times;
      return new Promise((resolve, reject) => {
        const done = () => {
          if (!seen()) return;
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(done);
          reject(new Error(`watch did not print ${pattern} ${times} time(s) within ${withinMs} ms. Output:\n${output.slice(-3000)}`));
        }, withinMs);
        waiters.add(done);
        done();
      });
    },
  };
}

test('the starter fails; saving a solution reruns the suite and names the next lesson', { timeout: 60_000 }, async () => {
  const workshop = makeWorkshop();
  const watch = startWatch(workshop.dir, ['lesson-01']);
  // The failures teach, as with npm test: expected, got, where to read.
  await watch.waitFor(/Lesson 01: \d+ of \d+ tests failing\./, 30_000);
  expect(watch.output()).toContain('Read: docs/01-headers.md#');

  fs.copyFileSync(workshop.solutionFile('01'), workshop.lessonFile('01'));
  await watch.waitFor(/Lesson 01 passes\. Next: npm run watch lesson-02 \(docs\/02-write-vs-end\.md\)/, 20_000);
  // The run names the file that was saved, as the learner's workshop shows it.
  expect(watch.output()).toMatch(/^lessons\/01-headers\/server\.ts changed: running the tests again/m);
  // Watching changes nothing by itself.
  expect(workshop.status()).toBe(' M lessons/01-headers/server.ts\n');

  // Stopped, it takes the learner processes it keeps waiting for the next run with it.
  await watch.stop();
  const left = await pollUntil(
    () => leftBehind(`WORKSHOP_ROOT=${workshop.dir}`, watch.pid),
    ({ processes, poolFolders }) => processes.length + poolFolders.length === 0,
    3000,
  );
  expect(left, 'what npm run watch left after it was stopped').toEqual({ processes: [], poolFolders: [] });
});

test('--poll notices saves by polling', { timeout: 60_000 }, async () => {
  const workshop = makeWorkshop();
  fs.copyFileSync(workshop.solutionFile('01'), workshop.lessonFile('01'));
  const watch = startWatch(workshop.dir, ['01', '--poll']);
  await watch.waitFor(/Watching lessons\/01-headers\/ by polling every \d+ ms/, 10_000);
  await watch.waitFor(/Lesson 01 passes\./, 30_000);

  fs.appendFileSync(workshop.lessonFile('01'), '\n// saved again\n');
  await watch.waitFor(/Lesson 01 passes\./, 20_000, 2);
});
