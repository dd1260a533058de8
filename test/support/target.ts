// Which tree the suites check: the learner's lessons/ (default), or the reference
// solutions/ when the vitest project "solutions" runs. WORKSHOP_TARGET_DIR points
// at another copy of lessons/ (verify uses it for the untouched starters).
import path from 'node:path';
import { findLesson, folderName, root, type Lesson } from '../../tools/manifest.ts';

export function targetRoot(): string {
  // WORKSHOP_TARGET_DIR replaces lessons/ only: verify runs solutions/ in the same vitest run.
  if (process.env.WORKSHOP_TARGET_DIR && process.env.WORKSHOP_TARGET !== 'solutions') return path.resolve(root, process.env.WORKSHOP_TARGET_DIR);
  return path.join(root, process.env.WORKSHOP_TARGET === 'solutions' ? 'solutions' : 'lessons');
}

export function lessonById(id: string): Lesson {
  const lesson = findLesson(id);
  if (!lesson) throw new Error(`No lesson ${id} in tools/manifest.ts`);
  return lesson;
}

/** Absolute path of a file of the lesson under test. */
export function targetFile(id: string, file = 'server.ts'): string {
  return path.join(targetRoot(), folderName(lessonById(id)), file);
}

/** The path a learner recognises, relative to the repository root. */
export function shown(file: string): string {
  return path.relative(root, file) || file;
}
