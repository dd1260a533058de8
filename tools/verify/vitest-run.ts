// verify counts results per suite file, from one vitest project run
// (tools/cli/vitest-run.ts runs vitest and reads its report).
import path from 'node:path';
import { runVitest } from '../cli/vitest-run.ts';
import { root } from '../manifest.ts';

export interface SuiteResult {
  /** Path relative to the repository root, e.g. test/lesson-03-retry.test.ts. */
  file: string;
  passed: number;
  failed: number;
  skipped: number;
  failures: { name: string; message: string }[];
}

export async function runProject(
  project: string,
  { env = {}, showOutput = true }: { env?: Record<string, string>; showOutput?: boolean } = {},
): Promise<{ suites: SuiteResult[]; exitCode: number }> {
  const { files, exitCode } = await runVitest(['--project', project, '--reporter=dot'], {
    env: { ...process.env, ...env },
    output: showOutput ? 'all' : 'none',
  });
  const suites = files.map((result) => {
    const count = (state: string) => result.tests.filter((t) => t.state === state).length;
    const failures = result.tests.filter((t) => t.state === 'failed').map((t) => ({ name: t.name, message: t.message }));
    // A file that fails before any test runs (syntax error, import error) counts as one failure.
    if (result.error !== undefined) failures.push({ name: '(the suite file did not load)', message: result.error });
    return {
      file: path.relative(root, result.file),
      passed: count('passed'),
      failed: failures.length,
      skipped: count('skipped'),
      failures,
    };
  });
  return { suites, exitCode };
}
