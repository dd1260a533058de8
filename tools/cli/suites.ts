// Runs lesson suites through vitest's Node API, in this process: one vitest
// start for all the lessons asked for, results read per test file and mapped to
// lessons via the manifest. Used by progress (one run) and watch (a run per save).
import fs from 'node:fs';
import path from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';
import { lessons, root, testPath, type Lesson } from '../manifest.ts';
import { workshopRoot } from './args.ts';

export interface SuiteOutcome {
  lesson: Lesson;
  passed: boolean;
  counts: { passed: number; failed: number; skipped: number };
  /** The first failing test and its (teaching) message. */
  firstFailure?: { test: string; message: string };
}

/**
 * `test/lesson-05-client`: every suite file of a lesson starts with it
 * (lesson-05-client.test.ts, lesson-05-client-browser.test.ts). It is also the
 * vitest filter that selects them, as `npm test lesson-05` does.
 */
export const suitePrefix = (lesson: Lesson): string =>
  path.relative(root, testPath(lesson)).split(path.sep).join('/').replace(/\.test\.ts$/, '');

/** The lesson's suite files, absolute paths. */
export function suiteFiles(lesson: Lesson): string[] {
  const dir = path.dirname(testPath(lesson));
  const name = path.basename(suitePrefix(lesson));
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((file) => file.startsWith(name) && file.endsWith('.test.ts'))
    .map((file) => path.join(dir, file));
}

/** True when the workshop has at least one suite file for the lesson. */
export const hasSuite = (lesson: Lesson): boolean => suiteFiles(lesson).length > 0;

/** The lesson a vitest test module belongs to, by its file path. */
export function lessonOfModule(module: TestModule): Lesson | undefined {
  const file = path.relative(root, module.moduleId).split(path.sep).join('/');
  return lessons.find((lesson) => file.startsWith(suitePrefix(lesson)));
}

/** Adds what one finished test module says to its lesson's outcome. */
function addModule(outcome: SuiteOutcome, module: TestModule): void {
  for (const test of module.children.allTests()) {
    const result = test.result();
    if (result.state === 'passed') outcome.counts.passed++;
    else if (result.state === 'failed') {
      outcome.counts.failed++;
      outcome.firstFailure ??= { test: test.name, message: result.errors?.[0]?.message ?? '' };
    } else outcome.counts.skipped++;
  }
  // A suite file that failed before any test ran (it did not load) has module errors instead.
  const moduleError = module.errors()[0];
  if (moduleError) outcome.firstFailure ??= { test: '(the suite file did not load)', message: moduleError.message };
  if (module.state() !== 'passed' || moduleError) outcome.passed = false;
}

/** One outcome per lesson that had a suite in `modules`; a lesson passes when all its files pass. */
export function outcomesOf(modules: readonly TestModule[]): Map<Lesson, SuiteOutcome> {
  const outcomes = new Map<Lesson, SuiteOutcome>();
  for (const module of modules) {
    const lesson = lessonOfModule(module);
    if (!lesson) continue;
    let outcome = outcomes.get(lesson);
    if (!outcome) {
      outcome = { lesson, passed: true, counts: { passed: 0, failed: 0, skipped: 0 } };
      outcomes.set(lesson, outcome);
    }
    addModule(outcome, module);
  }
  for (const outcome of outcomes.values()) {
    if (outcome.counts.failed > 0 || outcome.counts.passed === 0) outcome.passed = false;
  }
  return outcomes;
}

/**
 * The environment the suites need: the lessons/ to test (WORKSHOP_ROOT moves it)
 * and, for progress, fail-fast (see test/support/fail-fast.ts).
 */
export function suiteEnvironment({ failFast }: { failFast: boolean }): void {
  if (workshopRoot() !== root) process.env.WORKSHOP_TARGET_DIR = path.join(workshopRoot(), 'lessons');
  if (failFast) process.env.WORKSHOP_FAIL_FAST = '1';
}

/** A reporter that prints nothing: progress prints its own summary. */
const silent: Reporter = {};

/**
 * Runs the suites of `selected` once, all in one vitest run, and returns one
 * outcome per lesson whose suites ran.
 */
export async function runSuitesOnce(selected: Lesson[]): Promise<Map<Lesson, SuiteOutcome>> {
  if (selected.length === 0) return new Map();
  const { startVitest } = await import('vitest/node');
  const exitCode = process.exitCode;
  const vitest = await startVitest('test', selected.map(suitePrefix), {
    root,
    config: path.join(root, 'vitest.config.ts'),
    project: ['lessons'],
    watch: false,
    // One worker per suite file: the suites mostly wait on their lesson's child
    // process and sockets. vitest's default on a 2-core machine is one worker,
    // which would run them one after another.
    maxWorkers: Math.max(selected.flatMap(suiteFiles).length, 1),
    reporters: [silent],
    passWithNoTests: true,
  });
  await vitest.close();
  // vitest sets process.exitCode when tests fail; the caller decides ours.
  process.exitCode = exitCode;
  return outcomesOf(vitest.state.getTestModules());
}
