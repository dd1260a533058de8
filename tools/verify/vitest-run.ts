// Runs one vitest project in a child process and reads its JSON report, so
// verify can count results per suite file without parsing console output.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { root } from '../manifest.ts';

export interface SuiteResult {
  /** Path relative to the repository root, e.g. test/lesson-03-retry.test.ts. */
  file: string;
  passed: number;
  failed: number;
  skipped: number;
  failures: { name: string; message: string }[];
}

interface JsonReport {
  testResults: {
    name: string;
    message?: string;
    assertionResults: { fullName: string; status: string; failureMessages: string[] }[];
  }[];
}

export async function runProject(
  project: string,
  { env = {}, showOutput = true }: { env?: Record<string, string>; showOutput?: boolean } = {},
): Promise<{ suites: SuiteResult[]; exitCode: number }> {
  const reportFile = path.join(root, '.verify', `${project}-${process.pid}.json`);
  fs.mkdirSync(path.dirname(reportFile), { recursive: true });
  fs.rmSync(reportFile, { force: true });
  const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
  const args = [vitest, 'run', '--project', project, '--reporter=dot', '--reporter=json', `--outputFile.json=${reportFile}`];
  const exitCode = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', showOutput ? 'inherit' : 'ignore', showOutput ? 'inherit' : 'ignore'],
    });
    child.on('exit', (code) => resolve(code ?? 1));
  });
  if (!fs.existsSync(reportFile)) return { suites: [], exitCode: exitCode || 1 };
  const report = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as JsonReport;
  fs.rmSync(reportFile, { force: true });
  const suites = report.testResults.map((result) => {
    const count = (status: string) => result.assertionResults.filter((a) => a.status === status).length;
    const failures = result.assertionResults
      .filter((a) => a.status === 'failed')
      .map((a) => ({ name: a.fullName, message: a.failureMessages.join('\n') }));
    // A file that fails before any test runs (syntax error, import error) has no assertions.
    if (result.assertionResults.length === 0 && result.message) failures.push({ name: '(file)', message: result.message });
    return {
      file: path.relative(root, result.name),
      passed: count('passed'),
      failed: failures.length,
      skipped: count('skipped') + count('pending') + count('todo'),
      failures,
    };
  });
  return { suites, exitCode };
}
