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
  { env = {}, showOutput = true, maxWorkers, files: only = [] }: RunOptions = {},
): Promise<{ suites: SuiteResult[]; exitCode: number }> {
  const { files, exitCode } = await runVitest(
    [...projects.flatMap((project) => ['--project', project]), ...(maxWorkers ? [`--maxWorkers=${maxWorkers}`] : []), ...only],
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
export const runProject = (project: string, options: RunOptions = {}) => runProjects([project], options);

export interface RunOptions {
  env?: Record<string, string>;
  showOutput?: boolean;
  maxWorkers?: number;
  /** Only these suite files (paths relative to the repository root); default: the projects' every file. */
  files?: string[];
}

/**
 * The suite files of `project` that failed get one more run, alone, once the
 * full run is over. On verify's 2-core machine the full run keeps the load
 * at 8 or more, and a test's deadline can then pass where no learner's machine
 * would miss it. A real failure fails again and counts; a file that passes the
 * second time counts as passed, and is named (`again`), so the tight deadline is
 * seen and fixed rather than hidden.
 */
export async function runFailedAgain(project: string, suites: SuiteResult[], options: RunOptions = {}): Promise<SecondRun> {
  const failed = suites.filter((suite) => suite.project === project && suite.failed > 0);
  if (failed.length === 0) return { suites, again: [] };
  const second = await runProjects([project], { ...options, showOutput: false, files: failed.map((suite) => suite.file) });
  return mergeSecondRun(project, suites, second.suites);
}

export interface SecondRun {
  suites: SuiteResult[];
  /** The files that failed in the full run and passed alone, with what failed first. */
  again: { file: string; firstFailures: SuiteResult['failures'] }[];
}

/** The full run's results, with each failed file of `project` replaced by its second run's (a file the second run missed keeps its failure). */
export function mergeSecondRun(project: string, first: SuiteResult[], second: SuiteResult[]): SecondRun {
  const again: SecondRun['again'] = [];
  const suites = first.map((suite) => {
    if (suite.project !== project || suite.failed === 0) return suite;
    const retried = second.find((s) => s.project === project && s.file === suite.file);
    if (!retried) return suite;
    if (retried.failed === 0) again.push({ file: suite.file, firstFailures: suite.failures });
    return retried;
  });
  return { suites, again };
}
