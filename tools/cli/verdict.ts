// The one line that ends every run of a lesson's suite, in `npm test lesson-03`
// and after each run of `npm run watch lesson-03`: does the lesson pass, and
// what to do next. One function, so the two commands always say the same thing.
import path from 'node:path';
import { docsPath, lessons, root, type Lesson, type Tree } from '../manifest.ts';
import { commandLine, shownFolder } from './args.ts';
import type { Painter } from './colours.ts';
import type { SuiteOutcome } from './suites.ts';

export interface VerdictOptions {
  /** 'watch' reruns on save; 'test' ran once, so the next step is to run it again. */
  mode: 'test' | 'watch';
  /** Whose code the suite checked: the learner's lessons/ or the reference solutions/. */
  tree?: Tree;
  paint: Painter;
}

const relative = (file: string) => path.relative(root, file).split(path.sep).join('/');

/** How many tests fail, of how many: "2 of 5 tests failing", or why nothing ran. */
function failingCount(outcome: SuiteOutcome | undefined): string {
  if (!outcome) return 'the suite did not run (see the errors above)';
  const { passed, failed, skipped } = outcome.counts;
  if (failed === 0) return passed === 0 && skipped > 0 ? 'every test was skipped (see why above)' : 'a suite file did not load (see the error above)';
  return `${failed} of ${passed + failed + skipped} test${passed + failed + skipped === 1 ? '' : 's'} failing`;
}

/** The verdict line for one lesson, e.g. "Lesson 03 passes. Next: npm run watch lesson-04 (docs/04-counter.md)". */
export function verdictLine(lesson: Lesson, outcome: SuiteOutcome | undefined, { mode, tree = 'lessons', paint }: VerdictOptions): string {
  const passed = outcome?.passed === true;
  if (tree === 'solutions') {
    const folder = shownFolder(lesson, 'solutions');
    return passed
      ? `${paint.green(`Lesson ${lesson.id}'s reference solution passes`)} (${folder}).`
      : `${paint.red(`Lesson ${lesson.id}'s reference solution: ${failingCount(outcome)}`)} (${folder}). The reference solution must pass: this is a bug in the workshop.`;
  }
  if (passed) {
    const next: Lesson | undefined = lessons[lessons.indexOf(lesson) + 1];
    const then = next
      ? `Next: ${commandLine('watch', `lesson-${next.id}`)} (${relative(docsPath(next))})`
      : `That was the last lesson. See them all: ${commandLine('progress')}`;
    return `${paint.green(`Lesson ${lesson.id} passes.`)} ${then}`;
  }
  const again =
    mode === 'watch'
      ? `Fix the first failure above and save ${shownFolder(lesson)}: the tests run again.`
      : `Fix the first failure above, then run ${commandLine('test', lesson)} again (or ${commandLine('watch', `lesson-${lesson.id}`)} to rerun on every save).`;
  return `${paint.red(`Lesson ${lesson.id}: ${failingCount(outcome)}.`)} ${again} Stuck? ${commandLine('hint', lesson)}`;
}
