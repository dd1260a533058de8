// Failure messages that teach: what was expected, what the server did, and
// where in docs/ to read about it. Every lesson suite fails through these.
import path from 'node:path';
import { root } from '../../tools/manifest.ts';

const workshopCode = [path.join(root, 'test'), path.join(root, 'tools'), path.join(root, 'node_modules')];

/**
 * A teaching failure. Its stack keeps only frames in the learner's code (when
 * the error came from it), never the test files' or Node's: a test runner
 * would otherwise print a code frame from test/ and send the learner there.
 * npm test's reporter (tools/cli/lesson-reporter.ts) prints the message and
 * those frames; a plain `vitest run` shows no test code either.
 */
export class LessonError extends Error {
  override name = 'LessonError';

  constructor(message: string) {
    super(message);
    const frames = (this.stack ?? '').split('\n').filter((line) => {
      const file = /^\s+at (?:.*? \()?(?:file:\/\/)?(\/.+?|[A-Za-z]:\\.+?):\d+:\d+\)?$/.exec(line)?.[1];
      return file !== undefined && !workshopCode.some((dir) => path.resolve(file).startsWith(dir + path.sep));
    });
    this.stack = [`LessonError: ${message}`, ...frames].join('\n');
  }
}

export interface Teaching {
  /** What a correct server does, in plain words. */
  expected: string;
  /** What the learner's code did; show the bytes when they matter. */
  got: string;
  /** The docs section that explains it, e.g. docs/03-retry.md#the-retry-field. */
  read: string;
  /** Optional: one line on the likely cause. */
  hint?: string;
}

export function format(t: Teaching): string {
  const lines = [`\n  Expected: ${t.expected}`, `  Your code: ${t.got}`];
  if (t.hint) lines.push(`  Hint: ${t.hint}`);
  lines.push(`  Read: ${t.read}`);
  return lines.join('\n');
}

export function teach(t: Teaching): never {
  throw new LessonError(format(t));
}

export function check(condition: unknown, t: Teaching | (() => Teaching)): asserts condition {
  if (!condition) teach(typeof t === 'function' ? t() : t);
}

/** Shows bytes as a learner would type them in a string: "data: 1\n\n". */
export function showBytes(text: string, max = 200): string {
  const shown = JSON.stringify(text.length > max ? text.slice(0, max) : text);
  return text.length > max ? `${shown}… (${text.length} chars in all)` : shown;
}
