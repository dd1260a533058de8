// npm run progress: where the learner stands. Runs the suites of every lesson
// the learner has started, against their lessons/, in one vitest run (each
// suite stops at its first failure), then prints each lesson as passed,
// failing, not started or missing, the count, and the one command to run next.
// A lesson whose files are exactly the shipped starter is "not started"; its
// suite is not run unless --all (see docs/commands.md#npm-run-progress).
import fs from 'node:fs';
import path from 'node:path';
import { docsPath, lessons, root, testPath, type Lesson } from './manifest.ts';
import { commandLine, folderOf, parseCommand, shownFolder, workshopRoot } from './cli/args.ts';
import { painter } from './cli/colours.ts';
import { compareWithStarters, findStarter } from './cli/starters.ts';
import { hasSuite, runSuitesOnce, type SuiteOutcome } from './cli/suites.ts';
import { recordVerdicts, rememberedVerdict } from './cli/verdict-cache.ts';

const { flags } = parseCommand('progress', process.argv.slice(2), {
  lesson: 'none',
  summary: 'Runs the lesson suites on your code in lessons/ and shows which lessons pass and what to do next.',
  flags: {
    all: { description: 'also run the suites of lessons you have not started (their starters fail by design)', npmMayKeep: true },
    fresh: { description: 'run every suite again, even where a verdict for the same files is remembered', npmMayKeep: true },
  },
});

type Status =
  | { kind: 'passed' }
  | { kind: 'failing'; outcome: SuiteOutcome }
  | { kind: 'not started' }
  | { kind: 'missing' }
  | { kind: 'no suite' };

const relative = (file: string) => path.relative(root, file).split(path.sep).join('/');

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The lessons whose files are exactly the starter's: "not started". */
function untouched(candidates: Lesson[]): Set<Lesson> {
  // No git history: we cannot tell, so "failing" it is.
  const pairs = candidates.flatMap((lesson) => {
    const starter = findStarter(lesson);
    return starter ? [{ lesson, starter }] : [];
  });
  const comparisons = compareWithStarters(pairs);
  return new Set(pairs.filter((_, i) => comparisons[i]!.changed.length === 0 && comparisons[i]!.missing.length === 0).map(({ lesson }) => lesson));
}

async function main(): Promise<void> {
  const paint = painter();
  const statuses = new Map<Lesson, Status>();
  for (const lesson of lessons) {
    if (!fs.existsSync(folderOf(lesson))) statuses.set(lesson, { kind: 'missing' });
    else if (!hasSuite(lesson)) statuses.set(lesson, { kind: 'no suite' });
  }
  // An untouched starter fails its suite: verify proves that for every lesson.
  // Not running those suites (unless --all) leaves the machine to the lessons in progress.
  const notStarted = untouched(lessons.filter((lesson) => !statuses.has(lesson)));
  const toCheck = lessons.filter((lesson) => !statuses.has(lesson) && (flags.all || !notStarted.has(lesson)));

  // A verdict recorded by npm test, watch or an earlier progress for exactly
  // these files (tools/cli/verdict-cache.ts) stands; only the others run.
  const tree = path.join(workshopRoot(), 'lessons');
  const outcomes = new Map<Lesson, SuiteOutcome>();
  for (const lesson of flags.fresh ? [] : toCheck) {
    const verdict = rememberedVerdict(lesson, tree);
    if (verdict) outcomes.set(lesson, { lesson, ...verdict });
  }
  const remembered = outcomes.size;
  const toRun = toCheck.filter((lesson) => !outcomes.has(lesson));

  const waiting = process.stderr.isTTY && toRun.length > 0 ? `Running the suites of ${plural(toRun.length, 'lesson')}…` : '';
  if (waiting) process.stderr.write(paint.dim(waiting));
  const ran = await runSuitesOnce(toRun);
  if (waiting) process.stderr.write('\r\u001b[K');
  recordVerdicts(ran.values(), tree);
  for (const [lesson, outcome] of ran) outcomes.set(lesson, outcome);

  for (const lesson of lessons.filter((l) => !statuses.has(l))) {
    const outcome = outcomes.get(lesson);
    if (outcome?.passed) statuses.set(lesson, { kind: 'passed' });
    else if (notStarted.has(lesson)) statuses.set(lesson, { kind: 'not started' });
    else if (outcome) statuses.set(lesson, { kind: 'failing', outcome });
    else {
      // Its suite exists but vitest reported nothing for it (it printed why above).
      const didNotRun = { test: 'its suite did not run (see the errors above)', message: '' };
      statuses.set(lesson, { kind: 'failing', outcome: { lesson, passed: false, counts: { passed: 0, failed: 0, skipped: 0 }, firstFailure: didNotRun } });
    }
  }

  const where = workshopRoot() === root ? 'lessons/' : path.join(workshopRoot(), 'lessons') + path.sep;
  console.log(paint.bold(`Your progress (the code in ${where})`));
  console.log('');
  const titleWidth = Math.max(...lessons.map((l) => l.title.length));
  for (const lesson of lessons) {
    const status = statuses.get(lesson)!;
    const title = lesson.title.padEnd(titleWidth);
    const row = (mark: string, text: string) => console.log(`  ${mark} ${lesson.id}  ${title}  ${text}`);
    switch (status.kind) {
      case 'passed':
        row(paint.green('✓'), paint.green('passed'));
        break;
      case 'failing':
        row(paint.red('✗'), `${paint.red('failing')}: ${status.outcome.firstFailure?.test ?? `npm test lesson-${lesson.id} shows why`}`);
        break;
      case 'not started':
        row(paint.dim('·'), paint.dim('not started'));
        break;
      case 'missing':
        row(paint.yellow('!'), `${paint.yellow('missing')}: ${shownFolder(lesson)} was deleted; ${commandLine('reset', lesson)} restores the starter`);
        break;
      case 'no suite':
        row(paint.yellow('?'), `${paint.yellow('no suite')}: ${relative(testPath(lesson))} is missing from the workshop`);
        break;
    }
  }

  const passing = lessons.filter((l) => statuses.get(l)!.kind === 'passed').length;
  console.log('');
  console.log(paint.bold(`${passing}/${lessons.length} lessons passing`));
  console.log('');

  const next = lessons.find((l) => statuses.get(l)!.kind !== 'passed');
  if (!next) {
    console.log(`Every lesson passes. Compare your code with the reference solutions: ${commandLine('diff', lessons.at(-1))}`);
  } else {
    const status = statuses.get(next)!;
    const docs = relative(docsPath(next));
    if (status.kind === 'missing') {
      console.log(`Next: lesson ${next.id} (${next.title}). Its folder is gone; restore the starter with:`);
      console.log(`\n  ${paint.cyan(commandLine('reset', next))}\n`);
    } else {
      console.log(`Next: lesson ${next.id} (${next.title}). Read ${docs}, then run:`);
      console.log(`\n  ${paint.cyan(`npm run watch lesson-${next.id}`)}\n`);
      console.log(paint.dim(`It reruns the lesson's tests on every save of ${shownFolder(next)}. Stuck? ${commandLine('hint', next)}`));
      if (status.kind === 'failing' && status.outcome.firstFailure) {
        console.log('');
        console.log(`Failing now: ${status.outcome.firstFailure.test}`);
        const message = status.outcome.firstFailure.message.split('\n').filter((line) => line.trim() !== '');
        for (const line of message.slice(0, 6)) console.log(`  ${line.trim()}`);
      }
    }
  }
  const unrun = lessons.filter((l) => notStarted.has(l) && !toCheck.includes(l)).length;
  const unrunNote = `${plural(unrun, 'untouched starter')}, which fail until you start them; --all runs them too`;
  // performance.now() counts from the start of this process: the whole command but npm and tsx's launcher.
  const seconds = (performance.now() / 1000).toFixed(1);
  const rememberedNote = remembered > 0 ? ` Remembered from earlier runs on the same files: ${plural(remembered, 'lesson')} (--fresh runs them again).` : '';
  if (toRun.length === 0 && remembered === 0) console.log(paint.dim(`(No suite ran. Not run: ${unrunNote}.)`));
  else if (toRun.length === 0) console.log(paint.dim(`(No suite needed to run, ${seconds} s.${rememberedNote}${unrun > 0 ? ` Not run: ${unrunNote}.` : ''})`));
  else console.log(paint.dim(`(Ran the suites of ${plural(toRun.length, 'lesson')} in ${seconds} s.${rememberedNote}${unrun > 0 ? ` Not run: ${unrunNote}.` : ''})`));

  // A deleted lesson folder, or a suite missing from the workshop, is something to fix.
  const broken = lessons.some((l) => ['missing', 'no suite'].includes(statuses.get(l)!.kind));
  process.exitCode = broken ? 1 : 0;
}

await main();