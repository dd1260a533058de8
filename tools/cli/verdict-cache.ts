// Remembered verdicts: that a lesson's suite passed the last time it ran on
// exactly these files. npm test, watch and progress record every lesson they
// run (tools/cli/lesson-reporter.ts, tools/progress.ts); progress reuses a
// verdict instead of running the suite again while nothing it depends on has
// changed: the lesson's files, its suite files, the test harness (test/support,
// vitest.config.ts, the manifest, package-lock.json), the Node version and the
// settings that change what the browser tests do. Kept in .workshop/verdicts.json
// (git-ignored); `npm run progress -- --fresh` ignores it.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { folderName, root, type Lesson } from '../manifest.ts';
import { workshopRoot } from './args.ts';
import { suiteFiles, type SuiteOutcome } from './suites.ts';

/** What is kept of an outcome: enough for progress's row and its "Failing now" lines. */
export interface Verdict {
  passed: boolean;
  counts: SuiteOutcome['counts'];
  firstFailure?: SuiteOutcome['firstFailure'];
}

const KEEP = 200;
const store = () => path.join(workshopRoot(), '.workshop', 'verdicts.json');

/** Every file under `dir`, sorted, as relative paths (node_modules and dot-folders left out). */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name)))
    .filter((file) => !file.split(path.sep).some((part) => part === 'node_modules' || part.startsWith('.')))
    .sort();
}

/** The harness every suite runs on: a change to any of these can change any verdict. */
function harnessFiles(): string[] {
  const support = path.join(root, 'test', 'support');
  return [
    ...filesUnder(support).map((file) => path.join(support, file)),
    path.join(root, 'vitest.config.ts'),
    path.join(root, 'tools', 'manifest.ts'),
    path.join(root, 'package-lock.json'),
  ];
}

/**
 * The key of a lesson's verdict: a hash of the lesson folder that was tested
 * (`tree` holds the lesson folders, e.g. lessons/ or solutions/; only contents
 * count, so the same files give the same key wherever they are), its suites,
 * the harness and the environment.
 */
export function verdictKey(lesson: Lesson, tree: string): string {
  const hash = createHash('sha256');
  const folder = path.join(tree, folderName(lesson));
  for (const file of filesUnder(folder)) addFile(hash, `lesson:${file.split(path.sep).join('/')}`, path.join(folder, file));
  for (const file of suiteFiles(lesson)) addFile(hash, `suite:${path.basename(file)}`, file);
  hash.update(harnessHash());
  hash.update(`node:${process.version} ci:${process.env.CI ?? ''} chrome:${process.env.CHROME_PATH ?? ''}`);
  return `${lesson.id}:${hash.digest('hex')}`;
}

function addFile(hash: ReturnType<typeof createHash>, label: string, file: string): void {
  hash.update(`${label}\0`);
  hash.update(fs.existsSync(file) ? fs.readFileSync(file) : '(missing)');
  hash.update('\0');
}

/** The harness's part of every key, computed once per command. */
let harness: string | undefined;
function harnessHash(): string {
  if (harness === undefined) {
    const hash = createHash('sha256');
    for (const file of harnessFiles()) addFile(hash, `harness:${path.relative(root, file)}`, file);
    harness = hash.digest('hex');
  }
  return harness;
}

function readStore(): Record<string, Verdict> {
  try {
    return JSON.parse(fs.readFileSync(store(), 'utf8')) as Record<string, Verdict>;
  } catch {
    return {};
  }
}

/** The remembered verdict for these exact files, if any. */
export function rememberedVerdict(lesson: Lesson, tree: string): Verdict | undefined {
  return readStore()[verdictKey(lesson, tree)];
}

/**
 * Records the outcome of each lesson that ran, for the files in `tree`. Only
 * passes are kept: a pass is a fact about the files, while a failure can come
 * from a machine too busy to meet a deadline, and a failing lesson is the one
 * the learner wants checked again anyway. The KEEP newest entries are kept (a
 * learner going back and forth between versions).
 * Never fails the command that calls it: a cache that cannot be written is no cache.
 */
export function recordVerdicts(outcomes: Iterable<SuiteOutcome>, tree: string): void {
  const ran = [...outcomes];
  if (ran.length === 0) return;
  try {
    const verdicts = readStore();
    for (const outcome of ran) {
      const key = verdictKey(outcome.lesson, tree);
      delete verdicts[key]; // re-added last: the newest entries are kept
      if (!outcome.passed) continue;
      verdicts[key] = {
        passed: outcome.passed,
        counts: outcome.counts,
        ...(outcome.firstFailure ? { firstFailure: outcome.firstFailure } : {}),
      };
    }
    const keys = Object.keys(verdicts);
    for (const old of keys.slice(0, Math.max(0, keys.length - KEEP))) delete verdicts[old];
    fs.mkdirSync(path.dirname(store()), { recursive: true });
    const temporary = `${store()}.${process.pid}`;
    fs.writeFileSync(temporary, `${JSON.stringify(verdicts, null, 1)}\n`);
    fs.renameSync(temporary, store());
  } catch {
    // Read-only checkout, full disk: the next run simply runs the suites.
  }
}

/**
 * The folder holding the lesson folders that a vitest project tested: the
 * learner's lessons/ (or WORKSHOP_TARGET_DIR) for "lessons", solutions/ for "solutions".
 */
export function testedTree(project: string): string {
  if (project === 'solutions') return path.join(root, 'solutions');
  if (process.env.WORKSHOP_TARGET_DIR) return path.resolve(root, process.env.WORKSHOP_TARGET_DIR);
  return path.join(workshopRoot(), 'lessons');
}
