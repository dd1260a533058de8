// Runs lesson suites and maps their results, file by file, to lessons via the
// manifest. progress runs them once in a separate vitest process and reads its
// JSON report; watch runs vitest's watch mode in its own process and reads the
// results from its reporter. Both end up in the same SuiteOutcome per lesson.
import fs from 'node:fs';
import path from 'node:path';
import type { TestModule } from 'vitest/node';
import { lessons, root, testPath, type Lesson } from '../manifest.ts';
import { workshopRoot } from './args.ts';
import { runVitest, type FileResult } from './vitest-run.ts';

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

function lessonOfFile(file: string): Lesson | undefined {
  const relative = path.relative(root, file).split(path.sep).join('/');
  return lessons.find((lesson) => relative.startsWith(suitePrefix(lesson)));
}

/** One outcome per lesson that has files in `results`; a lesson passes when every test of all its files passes. */
function outcomesOfFiles(results: FileResult[]): Map<Lesson, SuiteOutcome> {
  const outcomes = new Map<Lesson, SuiteOutcome>();
  for (const result of results) {
    const lesson = lessonOfFile(result.file);
    if (!lesson) continue;
    let outcome = outcomes.get(lesson);
    if (!outcome) {
      outcome = { lesson, passed: true, counts: { passed: 0, failed: 0, skipped: 0 } };
      outcomes.set(lesson, outcome);
    }
    for (const test of result.tests) {
      outcome.counts[test.state]++;
      if (test.state === 'failed') outcome.firstFailure ??= { test: test.name, message: test.message };
    }
    if (result.error !== undefined) {
      outcome.passed = false;
      outcome.firstFailure ??= { test: '(the suite file did not load)', message: result.error };
    }
  }
  for (const outcome of outcomes.values()) {
    if (outcome.counts.failed > 0 || outcome.counts.passed === 0) outcome.passed = false;
  }
  return outcomes;
}

/** From vitest's reporter API (watch). */
export function outcomesOf(modules: readonly TestModule[]): Map<Lesson, SuiteOutcome> {
  return outcomesOfFiles(
    modules.map((module) => {
      const tests = [...module.children.allTests()].map((test) => {
        const result = test.result();
        const state = result.state === 'passed' || result.state === 'failed' ? result.state : 'skipped';
        return { name: test.name, state, message: result.errors?.[0]?.message ?? '' } as const;
      });
      const error = module.errors()[0]?.message;
      return { project: module.project.name, file: module.moduleId, tests, ...(error === undefined ? {} : { error }) };
    }),
  );
}

/**
 * The environment the suites need: the lessons/ to test (WORKSHOP_ROOT moves it)
 * and, for progress, fail-fast (see test/support/fail-fast.ts).
 */
export function suiteEnvironment({ failFast }: { failFast: boolean }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (workshopRoot() !== root) env.WORKSHOP_TARGET_DIR = path.join(workshopRoot(), 'lessons');
  if (failFast) env.WORKSHOP_FAIL_FAST = '1';
  return env;
}

/**
 * Runs the suites of `selected` once, all in one vitest run, and returns one
 * outcome per lesson whose suites ran. vitest runs in its own plain Node
 * process: loaded inside this tsx process, vitest alone takes half a second
 * longer to import. Its errors (a broken config, say) go to our stderr.
 */
export async function runSuitesOnce(selected: Lesson[]): Promise<Map<Lesson, SuiteOutcome>> {
  if (selected.length === 0) return new Map();
  const { files } = await runVitest(
    [
      // As many suite files at once as npm test runs (vitest.config.ts). One per
      // file (20 for every lesson) was no faster on two cores, where the run is
      // CPU-bound (84 s against 89 s with 3), and a suite then failed under the load now and then.
      '--project=lessons',
      '--passWithNoTests',
      ...selected.map(suitePrefix),
    ],
    { env: suiteEnvironment({ failFast: true }), output: 'errors' },
  );
  return outcomesOfFiles(files);
}
