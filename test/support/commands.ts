// Shared by the tests of the workshop's commands (test/workshop/): a throwaway
// copy of the workshop to run them on, and a way to run the real scripts.
// The commands act on WORKSHOP_ROOT, so no test ever touches the real lessons/.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { POOL_PREFIX } from '../../tools/cli/host-pool.ts';
import { nodeArgsOfScript } from '../../tools/cli/npm-scripts.ts';
import { folderName, lessons, root, type Lesson } from '../../tools/manifest.ts';

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs git in `cwd` with a throwaway identity, so commits work on any machine. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Workshop Test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * The environment for a command under test: this test run's own variables
 * (vitest's, npm's, colour settings, other WORKSHOP_ overrides) removed, so the
 * command behaves as it does for a learner, plus WORKSHOP_ROOT and `extra`.
 */
export function commandEnv(workshop: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(VITEST|npm_|WORKSHOP_)|^(TEST|NODE_ENV|NODE_OPTIONS|FORCE_COLOR|NO_COLOR|CI)$/i.test(name)) continue;
    env[name] = value;
  }
  return { ...env, WORKSHOP_ROOT: workshop, ...extra };
}

/** What `npm run <name> -- ...args` runs, minus npm: the arguments for `node`, paths made absolute. */
export function commandArgs(name: string, args: string[]): string[] {
  const nodeArgs = nodeArgsOfScript(name);
  if (!nodeArgs) throw new Error(`package.json has no script "${name}" of the form node [--import tsx] tools/...`);
  return [...nodeArgs.map((word) => (word.startsWith('tools/') ? path.join(root, word) : word)), ...args];
}

/** Runs a command to the end (stdin closed, so not a terminal) and returns its output and exit code. */
export async function runCommand(
  workshop: string,
  name: string,
  args: string[] = [],
  { env = {}, timeoutMs = 60_000 }: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Run> {
  const child = spawn(process.execPath, commandArgs(name, args), {
    cwd: root,
    env: commandEnv(workshop, env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return collect(child, timeoutMs);
}

export function collect(child: ChildProcess, timeoutMs: number): Promise<Run> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A copy of the workshop's lessons/ and solutions/ as committed, in its own git repository. */
export interface Workshop {
  dir: string;
  lessonFile(lesson: Lesson | string, file?: string): string;
  solutionFile(lesson: Lesson | string, file?: string): string;
  read(relative: string): string;
  write(relative: string, text: string): void;
  /** `git status --porcelain` of the copy: what the commands changed. */
  status(): string;
}

const byId = (lesson: Lesson | string): Lesson =>
  typeof lesson === 'string' ? lessons.find((l) => l.id === lesson)! : lesson;

const made: string[] = [];
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * Makes the copy: lessons/ and solutions/ as committed at HEAD (the starters as
 * shipped, whatever the real lessons/ holds now), package.json (its "type":
 * "module" lets a lesson's main.ts use top-level await), node_modules linked so
 * the lesson code can import express, and one commit. Removed after the test file.
 */
export function makeWorkshop(): Workshop {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'workshop-tools-'));
  made.push(dir);
  const archive = spawnSync('git', ['archive', '--format=tar', 'HEAD', 'package.json', 'lessons', 'solutions'], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
  if (archive.status === 0) {
    execFileSync('tar', ['-x', '-C', dir], { input: archive.stdout });
  } else {
    // Not a git checkout (a ZIP download): copy the files as they are.
    for (const tree of ['package.json', 'lessons', 'solutions']) fs.cpSync(path.join(root, tree), path.join(dir, tree), { recursive: true });
  }
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'junction');
  fs.writeFileSync(path.join(dir, '.gitignore'), 'node_modules\n.workshop/\n');
  git(dir, 'init', '--quiet');
  git(dir, 'add', '--all');
  git(dir, 'commit', '--quiet', '--message', 'the workshop as shipped');
  const workshop: Workshop = {
    dir,
    lessonFile: (lesson, file = 'server.ts') => path.join(dir, 'lessons', folderName(byId(lesson)), file),
    solutionFile: (lesson, file = 'server.ts') => path.join(dir, 'solutions', folderName(byId(lesson)), file),
    read: (relative) => fs.readFileSync(path.join(dir, relative), 'utf8'),
    write: (relative, text) => {
      fs.mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
      fs.writeFileSync(path.join(dir, relative), text);
    },
    status: () => git(dir, 'status', '--porcelain', '--untracked-files=all'),
  };
  return workshop;
}

/** Lessons whose starter the workshop ships (all of them once the workshop is complete). */
export const shippedLessons = (workshop: Workshop): Lesson[] =>
  lessons.filter((lesson) => fs.existsSync(path.join(workshop.dir, 'lessons', folderName(lesson))));

/** Removes ANSI colour codes. */
export const plain = (text: string): string => text.replace(/\u001b\[[0-9;]*m/g, '');

/**
 * What a command left running or on disk after it ended: the processes whose
 * environment holds `entry` (read from Linux's /proc; none elsewhere), and the
 * folders of its pool of learner processes (tools/cli/host-pool.ts).
 */
export function leftBehind(entry: string, commandPid?: number): { processes: number[]; poolFolders: string[] } {
  const processes =
    process.platform !== 'linux'
      ? []
      : fs
          .readdirSync('/proc')
          .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
          .filter((pid) => {
            try {
              return fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(entry);
            } catch {
              return false;
            }
          })
          .map(Number);
  const poolFolders = commandPid === undefined ? [] : fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith(`${POOL_PREFIX}${commandPid}-`));
  return { processes, poolFolders };
}
