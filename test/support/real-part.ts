// The tests use real parts of a production setup (a browser, nginx), found on
// the machine, never downloaded. When one is missing, its tests are skipped with
// one line saying how to install it; in CI (CI=true), or when the learner named
// a path that is wrong, they fail instead: CI must prove them, not skip them.
import { statSync } from 'node:fs';
import { describe, test } from 'vitest';

export type PartSearch =
  | { found: true; executablePath: string }
  | { found: false; problem: string; badInput: boolean };

export interface RealPart {
  /** What the tests are called at the start of the skip line: "Browser tests", "nginx tests". */
  tests: string;
  /** The name of the failing test that stands for them: "a browser to run these tests in". */
  needed: string;
  search: PartSearch;
  /** How to get it, after "to run them, ": "install nginx (...)". */
  howToGet: string;
}

export const inCi = (): boolean => /^(1|true)$/i.test(process.env.CI ?? '');

export const isFile = (file: string): boolean => {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
};

/**
 * `envVar` when set (and then only it), else the first of `candidates` that is a file.
 * `name` names the part in the problem line: "no nginx found".
 */
export function findExecutable(name: string, envVar: string, candidates: string[]): PartSearch {
  const chosen = process.env[envVar]?.trim();
  if (chosen) {
    if (isFile(chosen)) return { found: true, executablePath: chosen };
    return { found: false, badInput: true, problem: `${envVar} is ${JSON.stringify(chosen)}, which is not a file` };
  }
  const executablePath = candidates.find(isFile);
  if (executablePath) return { found: true, executablePath };
  return { found: false, badInput: false, problem: `no ${name} found` };
}

const noticesShown = new Set<string>();

/**
 * A describe() block whose tests need `part`. When it is there, `body` gets its
 * executable. When it is not: skipped with one line on stderr (once per part),
 * or one failing test that says what is missing (CI=true, or a wrong path).
 */
export function describeWithPart(name: string, part: RealPart, body: (executablePath: string) => void): void {
  const { search } = part;
  if (search.found) {
    describe(name, () => body(search.executablePath));
    return;
  }
  if (!search.badInput && !inCi()) {
    if (!noticesShown.has(part.tests)) {
      noticesShown.add(part.tests);
      // One plain line, outside the test reporter's console capture.
      process.stderr.write(`${part.tests} skipped: ${search.problem}; to run them, ${part.howToGet}.\n`);
    }
    describe.skip(name, () => body(''));
    return;
  }
  // A failing test, not a failing hook: reporters count a test.
  describe(name, () => {
    test(part.needed, () => {
      throw new Error(
        `${search.problem}${inCi() ? ` (CI=true: in CI the ${part.tests.toLowerCase()} must run, not be skipped)` : ''}; ${part.howToGet}.`,
      );
    });
  });
}
