// Checks that the manifest and the tree agree: every lesson has its starter,
// solution, suite, text and hints, and no folder or file stands outside the manifest.
import fs from 'node:fs';
import path from 'node:path';
import { docsPath, folderName, lessonDir, lessons as manifestLessons, root, testPath, type Lesson } from '../manifest.ts';

const exists = (file: string) => fs.existsSync(file);
/** A folder's entries; none when the folder itself is missing (that is reported per lesson). */
const entries = (dir: string) => (exists(dir) ? fs.readdirSync(dir) : []);

/** `base` and `lessons` default to this workshop; the tests of this check pass a made-up tree. */
export function checkLayout(base = root, lessons: Lesson[] = manifestLessons): string[] {
  const problems: string[] = [];
  const rel = (file: string) => path.relative(base, file);
  // The manifest's paths, moved from this checkout to `base`.
  const at = (file: string) => path.join(base, path.relative(root, file));
  const names = new Set(lessons.map(folderName));

  lessons.forEach((lesson, index) => {
    const expectedId = String(index + 1).padStart(2, '0');
    if (lesson.id !== expectedId) problems.push(`lesson ${lesson.slug}: id ${lesson.id} should be ${expectedId} (ids follow the manifest order)`);
    if (lesson.hints.length === 0) problems.push(`lesson ${lesson.id}: no hints in tools/manifest.ts`);
    if (lesson.files.length === 0) problems.push(`lesson ${lesson.id}: no learner files in tools/manifest.ts`);
    for (const tree of ['lessons', 'solutions'] as const) {
      for (const file of lesson.files) {
        const full = path.join(at(lessonDir(lesson, tree)), file);
        if (!exists(full)) problems.push(`lesson ${lesson.id}: missing ${rel(full)}`);
      }
    }
    if (!exists(at(testPath(lesson)))) problems.push(`lesson ${lesson.id}: missing suite ${rel(at(testPath(lesson)))}`);
    if (!exists(at(docsPath(lesson)))) problems.push(`lesson ${lesson.id}: missing text ${rel(at(docsPath(lesson)))}`);
  });

  for (const tree of ['lessons', 'solutions']) {
    const dir = path.join(base, tree);
    for (const entry of entries(dir)) {
      if (!names.has(entry)) problems.push(`${tree}/${entry} is not a lesson in tools/manifest.ts`);
    }
  }
  for (const entry of entries(path.join(base, 'docs'))) {
    const match = /^(\d\d-[\w-]+)\.md$/.exec(entry);
    if (match && !names.has(match[1]!)) problems.push(`docs/${entry} is not a lesson in tools/manifest.ts`);
  }
  // A lesson may have more than one suite (lesson-05-client.test.ts, lesson-05-client-browser.test.ts).
  const belongs = (entry: string) => [...names].some((name) => entry === `lesson-${name}.test.ts` || entry.startsWith(`lesson-${name}-`));
  for (const entry of entries(path.join(base, 'test'))) {
    if (entry.startsWith('lesson-') && !belongs(entry)) problems.push(`test/${entry} does not belong to a lesson in tools/manifest.ts`);
  }
  return problems;
}
