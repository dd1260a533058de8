// verify counts results per suite file and project, from vitest runs
// (tools/cli/vitest-run.ts runs vitest and collects each file's results).
import path from 'node:path';
import { runVitest } from '../cli/vitest-run.ts';
import { root } from '../manifest.ts';

export interface SuiteResult {
  /** The vitest project: lessons, solutions or workshop. */
  project: string;
  /** Path relative to the repository root, e.g. test/lesson-03-retry.test.ts. */
  file: string;
  passed: number;
  failed: number;
  skipped: number;
  failures: { name: string; message: string }[];
}

/**
 * Runs `projects` in one vitest invocation. `maxWorkers`: suite files at once.
 * The lesson suites mostly wait (on their lesson's process, sockets, a browser),
 * so more files than cores keeps a 2-core machine busy instead of idle.
 */
export async function runProjects(
  projects: string[],
  { env = {}, showOutput = true, maxWorkers }: { env?: Record<string, string>; showOutput?: boolean; maxWorkers?: number } = {},
): Promise<{ suites: SuiteResult[]; exitCode: number }> {
  const { files, exitCode } = await runVitest(
    [...projects.flatMap((project) => ['--project', project]), ...(maxWorkers ? [`--maxWorkers=${maxWorkers}`] : [])],
    {
      env: { ...process.env, ...env },
      output: showOutput ? 'all' : 'errors',
      reporters: ['dot'],
    },
  );
  const suites = files.map((result) => {
    const count = (state: string) => result.tests.filter((t) => t.state === state).length;
    const failures = result.tests.filter((t) => t.state === 'failed').map((t) => ({ name: t.name, message: t.message }));
    // A file that fails before any test runs (syntax error, import error) counts as one failure.
    if (result.error !== undefined) failures.push({ name: '(the suite file did not load)', message: result.error });
    return {
      project: result.project,
      file: path.relative(root, result.file),
      passed: count('passed'),
      failed: failures.length,
      skipped: count('skipped'),
      failures,
    };
  });
  return { suites, exitCode };
}

/** One project, with vitest's dots shown. */
export const runProject = (project: string, options: { env?: Record<string, string>; showOutput?: boolean; maxWorkers?: number } = {}) =>
  runProjects([project], options);
