// npm run diff 03: what the reference solution has that your lesson folder
// does not. A unified diff per file (jsdiff, the `diff` package), "-" lines are
// yours, "+" lines the solution's; coloured in a terminal, plain when piped.
import fs from 'node:fs';
import path from 'node:path';
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { commandLine, existingFolderOrFail, parseCommand, shownFolder } from './cli/args.ts';
import { painter, type Painter } from './cli/colours.ts';
import { filesUnder } from './cli/starters.ts';

const { lesson } = parseCommand('diff', process.argv.slice(2), {
  lesson: 'required',
  summary: 'Shows how your lesson folder differs from the reference solution ("-" yours, "+" the solution).',
});
const yours = existingFolderOrFail('diff', lesson, 'lessons');
const reference = existingFolderOrFail('diff', lesson, 'solutions');

/** The file's text with Windows line endings made Unix ones, or undefined when it does not exist. */
function readText(file: string): string | undefined {
  if (!fs.existsSync(file)) return undefined;
  return fs.readFileSync(file, 'utf8').replace(/\r\n/g, '\n');
}

function colour(patch: string, paint: Painter): string {
  return patch
    .split('\n')
    .map((line) => {
      if (line.startsWith('+++') || line.startsWith('---')) return paint.bold(line);
      if (line.startsWith('@@')) return paint.cyan(line);
      if (line.startsWith('+')) return paint.green(line);
      if (line.startsWith('-')) return paint.red(line);
      return line;
    })
    .join('\n');
}

const paint = painter();
const files = [...new Set([...filesUnder(yours), ...filesUnder(reference)])].sort();
const patches: string[] = [];
for (const file of files) {
  const mine = readText(path.join(yours, file));
  const theirs = readText(path.join(reference, file));
  if (mine === theirs) continue;
  // A file on one side only is diffed against nothing, and labelled so.
  const label = (tree: string, text: string | undefined) => (text === undefined ? '/dev/null' : `${tree}${file}`);
  patches.push(
    createTwoFilesPatch(label(shownFolder(lesson, 'lessons'), mine), label(shownFolder(lesson, 'solutions'), theirs), mine ?? '', theirs ?? '', undefined, undefined, {
      context: 3,
      headerOptions: FILE_HEADERS_ONLY,
    }),
  );
}

if (patches.length === 0) {
  console.log(`${shownFolder(lesson)} is the same as the reference solution ${shownFolder(lesson, 'solutions')}.`);
} else {
  console.log(paint.dim(`Lesson ${lesson.id}: "-" lines are yours (${shownFolder(lesson)}), "+" lines the reference solution's (${shownFolder(lesson, 'solutions')}).`));
  console.log('');
  process.stdout.write(colour(patches.join('\n'), paint));
  console.log('');
  console.log(
    paint.dim(
      `${patches.length} of ${files.length} file(s) differ. A different solution can be right too: ${commandLine('hint', lesson)} for a nudge, npm test lesson-${lesson.id} to check yours.`,
    ),
  );
}
