// A vitest reporter that writes each suite file's results, with the project
// that ran it, to the JSON file named by WORKSHOP_RESULT_FILE. vitest's own
// JSON report leaves the project out, and verify runs the same suite files in
// two projects at once (solutions and lessons). tools/cli/vitest-run.ts reads it.
import fs from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';

export interface ReportedFile {
  project: string;
  /** Absolute path of the suite file. */
  file: string;
  tests: { name: string; state: 'passed' | 'failed' | 'skipped'; message: string }[];
  /** Set when the file failed outside any test (it did not load). */
  error?: string;
}

export default class ResultReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const target = process.env.WORKSHOP_RESULT_FILE;
    if (!target) return;
    const files: ReportedFile[] = modules.map((module) => {
      const tests = [...module.children.allTests()].map((test) => {
        const result = test.result();
        const state = result.state === 'passed' || result.state === 'failed' ? result.state : 'skipped';
        const error = result.errors?.[0];
        return { name: test.name, state, message: error ? (error.message ?? String(error)) : '' } as const;
      });
      // A file that failed before any of its tests ran (it did not load) has errors and no failed test.
      const error = tests.some((test) => test.state === 'failed') ? undefined : module.errors()[0]?.message;
      return { project: module.project.name, file: module.moduleId, tests, ...(error === undefined ? {} : { error }) };
    });
    fs.writeFileSync(target, JSON.stringify(files));
  }
}
