// Keeps the answer one deliberate step away: a line the learner has to write
// (a line of the reference solution that the starter does not have) may appear
// in the lesson's text only inside the folded "Solution walkthrough", and never
// in a starter's comments (a TODO says what, not the line to type).
import fs from 'node:fs';
import path from 'node:path';
import { docsPath, lessonDir, lessons as manifestLessons, root, type Lesson } from '../manifest.ts';

/** Shorter lines (`res.end();`, `count++;`) are too common to count as giving the answer away. */
const MIN_LENGTH = 16;

const isComment = (line: string) => /^(\/\/|\/\*|\*|<!--)/.test(line);
const isTrivial = (line: string) => line.length < MIN_LENGTH || /^import\s/.test(line) || /^[\s{}()[\];,]*$/.test(line);

/** The trimmed code lines of a file (comments and trivial lines left out). */
function codeLines(file: string): string[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !isComment(line) && !isTrivial(line));
}

/** Every file below a folder, relative to it. */
function filesIn(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
}

/** The lines the learner writes: in the solution, not in the starter. */
export function answerLines(starterDir: string, solutionDir: string): string[] {
  const answers = new Set<string>();
  for (const file of filesIn(solutionDir)) {
    const starter = new Set(codeLines(path.join(starterDir, file)));
    for (const line of codeLines(path.join(solutionDir, file))) {
      if (!starter.has(line)) answers.add(line);
    }
  }
  return [...answers];
}

/** The text a reader sees before opening any <details> block. */
export const outsideFolds = (markdown: string) => markdown.replace(/<details>[\s\S]*?<\/details>/g, '');

/** `base` and `lessons` default to this workshop; the tests of this check pass a made-up tree. */
export function checkAnswerKeptOut(base = root, lessons: Lesson[] = manifestLessons): string[] {
  const problems: string[] = [];
  const at = (file: string) => path.join(base, path.relative(root, file));
  for (const lesson of lessons) {
    const starterDir = at(lessonDir(lesson, 'lessons'));
    const answers = answerLines(starterDir, at(lessonDir(lesson, 'solutions')));
    if (answers.length === 0) continue;

    const docs = at(docsPath(lesson));
    if (fs.existsSync(docs)) {
      const shown = outsideFolds(fs.readFileSync(docs, 'utf8')).split('\n');
      for (const answer of answers) {
        const index = shown.findIndex((line) => line.includes(answer));
        if (index !== -1) {
          problems.push(`${path.relative(base, docs)}: a solution line outside the folded walkthrough: ${answer}`);
        }
      }
    }

    for (const file of filesIn(starterDir)) {
      const lines = fs.readFileSync(path.join(starterDir, file), 'utf8').split('\n').map((line) => line.trim());
      for (const line of lines.filter(isComment)) {
        const answer = answers.find((a) => line.includes(a));
        if (answer) problems.push(`${path.relative(base, path.join(starterDir, file))}: a TODO spells out the solution line: ${answer}`);
      }
    }
  }
  return problems;
}
