// Runs vitest once, in its own plain Node process, and reads its JSON report:
// one result per suite file. progress (through suites.ts) and verify both use it;
// npm test runs the same binary with the learner's own reporter.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { root } from '../manifest.ts';

/** vitest's command-line entry, run with this Node (importing vitest under tsx costs half a second). */
export const vitestBin = path.join(path.dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');

export interface TestResult {
  name: string;
  state: 'passed' | 'failed' | 'skipped';
  /** The failure message without its stack (and without "LessonError: "). */
  message: string;
}

/** One suite file's results. */
export interface FileResult {
  /** Absolute path of the suite file. */
  file: string;
  tests: TestResult[];
  /** Set when the file failed outside any test (it did not load). */
  error?: string;
}

/** The parts of vitest's JSON report we read. */
interface JsonReport {
  testResults: {
    name: string;
    status: string;
    message?: string;
    assertionResults: { title: string; status: string; failureMessages: string[] }[];
  }[];
}

function messageOnly(failure: string | undefined): string {
  const lines = (failure ?? '').split('\n');
  const stackStart = lines.findIndex((line) => /^\s+at /.test(line));
  return (stackStart === -1 ? lines : lines.slice(0, stackStart)).join('\n').replace(/^LessonError: /, '');
}

function filesOfReport(report: JsonReport): FileResult[] {
  return report.testResults.map((result) => {
    const tests = result.assertionResults.map((test) => {
      const state = test.status === 'passed' || test.status === 'failed' ? test.status : 'skipped';
      return { name: test.title, state, message: messageOnly(test.failureMessages[0]) } as const;
    });
    // A file that failed before any of its tests ran has a message and no failed test.
    const error = result.status === 'failed' && !tests.some((t) => t.state === 'failed') ? result.message || 'it failed to load' : undefined;
    return { file: result.name, tests, ...(error === undefined ? {} : { error }) };
  });
}

/**
 * `vitest run ...args` with a JSON report. `output`: 'all' shows vitest's
 * console output, 'errors' only its stderr (a broken config, say), 'none' nothing.
 * No report (vitest did not get that far) gives no files.
 */
export async function runVitest(
  args: string[],
  { env = process.env, output = 'all' }: { env?: NodeJS.ProcessEnv; output?: 'all' | 'errors' | 'none' } = {},
): Promise<{ files: FileResult[]; exitCode: number }> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'workshop-vitest-'));
  const reportFile = path.join(scratch, 'report.json');
  try {
    const exitCode = await new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, [vitestBin, 'run', ...args, '--reporter=json', `--outputFile.json=${reportFile}`], {
        cwd: root,
        env,
        stdio: ['ignore', output === 'all' ? 'inherit' : 'ignore', output === 'none' ? 'ignore' : 'inherit'],
      });
      child.on('error', reject);
      child.on('exit', (code) => resolve(code ?? 1));
    });
    if (!fs.existsSync(reportFile)) return { files: [], exitCode: exitCode || 1 };
    return { files: filesOfReport(JSON.parse(fs.readFileSync(reportFile, 'utf8')) as JsonReport), exitCode };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
