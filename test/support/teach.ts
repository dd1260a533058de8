// Failure messages that teach: what was expected, what the server did, and
// where in docs/ to read about it. Every lesson suite fails through these.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { folderName, lessons, root } from '../../tools/manifest.ts';

const workshopCode = ['test', 'tools', 'node_modules'].map((dir) => path.join(root, dir) + path.sep);
const lessonFolders = new Set(lessons.map(folderName));

/** A frame's file is the learner's code when it sits in a lesson folder (lessons/03-retry/, a copy of it, solutions/03-retry/). */
function isLearnerFile(file: string): boolean {
  if (workshopCode.some((dir) => file.startsWith(dir)) || file.includes(`${path.sep}node_modules${path.sep}`)) return false;
  return file.split(path.sep).some((segment) => lessonFolders.has(segment));
}

/** A stack line's file, line and column, or undefined for Node's own frames ("node:internal/..."). */
function frameOf(line: string): { file: string; position: string } | undefined {
  const match = /^\s+at (?:.*? \()?(.+?):(\d+):(\d+)\)?$/.exec(line);
  if (!match) return undefined;
  const file = match[1]!.startsWith('file://') ? fileURLToPath(match[1]!) : match[1]!;
  return path.isAbsolute(file) ? { file, position: `${match[2]}:${match[3]}` } : undefined;
}

/**
 * The frames of a stack that point into the learner's code, as
 * "lessons/03-retry/server.ts:12:5" (relative to the workshop when inside it).
 */
export function learnerFrames(stack: string | undefined): string[] {
  const frames = (stack ?? '').split('\n').flatMap((line) => {
    const frame = frameOf(line);
    if (!frame || !isLearnerFile(frame.file)) return [];
    const inside = frame.file.startsWith(root + path.sep);
    return [`${inside ? path.relative(root, frame.file).split(path.sep).join('/') : frame.file}:${frame.position}`];
  });
  return [...new Set(frames)];
}

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
      const frame = frameOf(line);
      return frame !== undefined && isLearnerFile(frame.file);
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
