// The pristine starter of a lesson, as the workshop shipped it, read from git.
// progress uses it to tell "not started" from "failing"; reset restores it.
//
// Which commit holds the starter? Not simply HEAD: a learner who commits their
// own work would make HEAD hold their work. So, in order:
//   1. WORKSHOP_STARTER_REF, when set (any git ref, e.g. upstream/main);
//   2. origin/HEAD, the workshop's branch as of your clone or last fetch, which
//      your own commits do not move;
//   3. HEAD, for a checkout without a remote (the workshop's own repository).
// The first of these that has the lesson's folder is used.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { folderName, type Lesson } from '../manifest.ts';
import { workshopRoot } from './args.ts';

export interface StarterFile {
  /** Relative to the lesson folder, with forward slashes: "server.ts", "public/index.html". */
  file: string;
  /** Relative to the checkout: "lessons/05-client/public/index.html". */
  gitPath: string;
  blob: string;
}

export interface Starter {
  /** The git ref the starter was read from, e.g. "origin/HEAD". */
  ref: string;
  files: StarterFile[];
}

function git(args: string[], input?: string): string {
  return execFileSync('git', args, {
    cwd: workshopRoot(),
    encoding: 'utf8',
    input,
    stdio: ['pipe', 'pipe', 'ignore'],
    maxBuffer: 16 * 1024 * 1024,
  });
}

function candidateRefs(): string[] {
  const pinned = process.env.WORKSHOP_STARTER_REF;
  if (pinned) return [pinned];
  return ['origin/HEAD', 'HEAD'];
}

/** The lesson's starter files at the first ref that has them; undefined without git history. */
export function findStarter(lesson: Lesson): Starter | undefined {
  const folder = `lessons/${folderName(lesson)}/`;
  for (const ref of candidateRefs()) {
    const listing = lessonsAt(ref);
    if (listing === undefined) continue; // no such ref (no remote, no commits yet), or not a git checkout at all
    const files = listing
      .filter((entry) => entry.gitPath.startsWith(folder))
      .map((entry) => ({ ...entry, file: entry.gitPath.slice(folder.length) }));
    if (files.length > 0) return { ref, files };
  }
  return undefined;
}

/**
 * Every file under lessons/ at `ref`, read once per command: progress asks for
 * every lesson, so one git call per ref instead of one per lesson and ref.
 */
const listings = new Map<string, { gitPath: string; blob: string }[] | undefined>();
function lessonsAt(ref: string): { gitPath: string; blob: string }[] | undefined {
  if (!listings.has(ref)) {
    let listing: { gitPath: string; blob: string }[] | undefined;
    try {
      // Each entry: "<mode> <type> <blob>\t<path>", NUL-terminated.
      listing = git(['ls-tree', '-r', '-z', ref, '--', 'lessons/'])
        .split('\0')
        .filter(Boolean)
        .map((entry) => {
          const [meta = '', gitPath = ''] = entry.split('\t');
          return { gitPath, blob: meta.split(' ')[2] ?? '' };
        });
    } catch {
      listing = undefined;
    }
    listings.set(ref, listing);
  }
  return listings.get(ref);
}

/** True when git can answer at all (the workshop was cloned, not downloaded as a ZIP). */
export function insideGit(): boolean {
  try {
    return git(['rev-parse', '--is-inside-work-tree']).trim() === 'true';
  } catch {
    return false;
  }
}

export interface Comparison {
  /** Starter files whose content the learner changed. */
  changed: string[];
  /** Starter files that are no longer there. */
  missing: string[];
  /** Starter files exactly as shipped. */
  unchanged: string[];
  /** Files in the lesson folder that the starter does not have (the learner added them). */
  added: string[];
}

/** Every file under `dir`, relative to it, with forward slashes. */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

/**
 * Compares the learner's lesson folder with the starter. git hashes the files
 * (hash-object applies the checkout's line-ending settings, so a Windows
 * checkout with CRLF still counts as unchanged).
 */
export function compareWithStarter(lesson: Lesson, starter: Starter): Comparison {
  return compareWithStarters([{ lesson, starter }])[0]!;
}

/** compareWithStarter for several lessons, with one git call for all their files (progress asks for all 14). */
export function compareWithStarters(pairs: { lesson: Lesson; starter: Starter }[]): Comparison[] {
  const present = pairs.map(({ starter }) => starter.files.filter((f) => fs.existsSync(path.join(workshopRoot(), f.gitPath))));
  const paths = present.flat().map((f) => f.gitPath);
  const hashes = paths.length > 0 ? git(['hash-object', '--stdin-paths'], paths.join('\n') + '\n').trim().split('\n') : [];
  let next = 0;
  return pairs.map(({ lesson, starter }, i) => {
    const result: Comparison = { changed: [], missing: [], unchanged: [], added: [] };
    for (const f of present[i]!) (hashes[next++] === f.blob ? result.unchanged : result.changed).push(f.file);
    result.missing = starter.files.filter((f) => !present[i]!.includes(f)).map((f) => f.file);
    const shipped = new Set(starter.files.map((f) => f.file));
    result.added = filesUnder(path.join(workshopRoot(), 'lessons', folderName(lesson))).filter((file) => !shipped.has(file));
    return result;
  });
}

/** Writes the starter's version of `files` (relative to the lesson folder) back into the lesson folder. */
export function restoreFiles(lesson: Lesson, starter: Starter, files: string[]): void {
  if (files.length === 0) return;
  const gitPaths = starter.files.filter((f) => files.includes(f.file)).map((f) => f.gitPath);
  // --worktree only: the learner's index (anything they staged) stays as it is.
  // git applies the checkout's line-ending settings, as a fresh clone would.
  git(['restore', `--source=${starter.ref}`, '--worktree', '--', ...gitPaths]);
}
