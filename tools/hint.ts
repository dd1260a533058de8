// npm run hint 03: one more hint of the lesson each call, up to the last.
// `npm run hint 03 -- --all` prints them all. The hints live in the manifest;
// how many a learner has seen is kept in .workshop/hints.json (git-ignored), so
// the next call shows the next hint.
import fs from 'node:fs';
import path from 'node:path';
import { commandLine, existingFolderOrFail, parseCommand, workshopRoot } from './cli/args.ts';
import { painter } from './cli/colours.ts';
import { docsPath, root, type Lesson } from './manifest.ts';

const { lesson, flags } = parseCommand('hint', process.argv.slice(2), {
  lesson: 'required',
  summary: 'Shows the next hint of a lesson, one more each time you ask.',
  flags: {
    all: { description: 'print every hint of the lesson at once', npmMayKeep: true },
    again: { description: 'start over: forget which hints you have seen and show the first' },
  },
});
// The hints do not need the folder, but a learner asking about a lesson whose
// folder is gone needs to hear that first.
existingFolderOrFail('hint', lesson);

/** Hints seen so far, per lesson id: { "03": 2 }. */
type Seen = Record<string, number>;
const stateFile = path.join(workshopRoot(), '.workshop', 'hints.json');

function readSeen(): Seen {
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as Seen) : {};
  } catch {
    return {}; // no file yet, or a damaged one: start counting again
  }
}

function writeSeen(seen: Seen): void {
  fs.mkdirSync(path.dirname(stateFile), { recursive: true });
  fs.writeFileSync(stateFile, `${JSON.stringify(seen, null, 2)}\n`);
}

const paint = painter();

function show(current: Lesson, index: number): void {
  console.log(`${paint.bold(`Hint ${index + 1} of ${current.hints.length}`)} ${paint.dim(`(lesson ${current.id}, ${current.title})`)}`);
  console.log(`  ${current.hints[index]}`);
}

const seen = readSeen();
const total = lesson.hints.length;

if (total === 0) {
  console.log(`Lesson ${lesson.id} has no hints in tools/manifest.ts; its text explains each step: ${path.relative(root, docsPath(lesson))}`);
} else if (flags.all) {
  lesson.hints.forEach((_, index) => {
    if (index > 0) console.log('');
    show(lesson, index);
  });
} else {
  const before = flags.again ? 0 : Math.min(Math.max(Number(seen[lesson.id]) || 0, 0), total);
  // Past the last hint, the last one is shown again.
  const index = Math.min(before, total - 1);
  show(lesson, index);
  writeSeen({ ...seen, [lesson.id]: index + 1 });
  console.log('');
  if (index + 1 < total) {
    console.log(paint.dim(`Next hint: ${commandLine('hint', lesson)}   All hints: ${commandLine('hint', lesson, '--all')}`));
  } else {
    console.log(
      paint.dim(
        `That was the last hint. Still stuck? Compare with the solution: ${commandLine('diff', lesson)}   From hint 1: ${commandLine('hint', lesson, '--again')}`,
      ),
    );
  }
}
