// Runs vitest once, in its own plain Node process, and reads the results of
// every suite file it ran (written by tools/cli/result-reporter.ts). progress (through suites.ts) and verify both use it.
// npm test and watch run vitest in their own process instead (tools/vitest-command.mjs).
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
  /** The failure message without its stack. */
  message: string;
}

/** One suite file's results in one project. */
export interface FileResult {
  /** The vitest project that ran it: lessons, solutions or workshop. */
  project: string;
  /** Absolute path of the suite file. */
  file: string;
  tests: TestResult[];
  /** Set when the file failed outside any test (it did not load). */
  error?: string;
}

/** Writes each file's results, with its project, where WORKSHOP_RESULT_FILE says. */
const resultReporter = path.join(root, 'tools', 'cli', 'result-reporter.ts');

/**
 * `vitest run ...args`, and the results of every suite file it ran.
 * `output`: 'all' shows vitest's console output, 'errors' only its stderr (a
 * broken config, say), 'none' nothing. `reporters` are shown with 'all'
 * (vitest's default reporter when none is given). No report (vitest did not
 * get that far) gives no files.
 */
export async function runVitest(
  args: string[],
  {
    env = process.env,
    output = 'all',
    reporters = ['default'],
  }: { env?: NodeJS.ProcessEnv; output?: 'all' | 'errors' | 'none'; reporters?: string[] } = {},
): Promise<{ files: FileResult[]; exitCode: number }> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'workshop-vitest-'));
  const reportFile = path.join(scratch, 'report.json');
  try {
    const shown = output === 'all' ? reporters : [];
    const exitCode = await new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, [vitestBin, 'run', ...args, ...[...shown, resultReporter].map((r) => `--reporter=${r}`)], {
        cwd: root,
        env: { ...env, WORKSHOP_RESULT_FILE: reportFile },
        stdio: ['ignore', output === 'all' ? 'inherit' : 'ignore', output === 'none' ? 'ignore' : 'inherit'],
      });
      child.on('error', reject);
      child.on('exit', (code) => resolve(code ?? 1));
    });
    if (!fs.existsSync(reportFile)) return { files: [], exitCode: exitCode || 1 };
    return { files: JSON.parse(fs.readFileSync(reportFile, 'utf8')) as FileResult[], exitCode };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
