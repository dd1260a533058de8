// Generated samples: every block of command output in README.md and docs/*.md
// is written as
//
//     <!-- sample: npm test lesson-02 -->
//     ```text
//     ...what the command prints...
//     ```
//     <!-- /sample -->
//
// and `npm run docs:samples` (tools/docs-samples.ts) fills it from the real
// command; `npm run verify` fails when a block differs from what the command
// prints now. The command is exactly what a reader types:
//   - `npm test lesson-NN` runs on the untouched starter as the workshop ships
//     it (read from git, as reset does), never on the learner's lessons/;
//   - `npm test lesson-NN -- --solutions` runs on solutions/;
//   - any other `npm run <script> ...` whose script is `tsx tools/<x>.ts`
//     (progress, hint, diff, reset, ...) runs on a throwaway copy of a fresh
//     clone, so the learner's .workshop/ state and lessons/ are never touched;
//   - several commands separated by " ; " make a transcript: each is shown
//     after "$ ", with its output;
//   - `npm run watch ...` stops after its first verdict line;
//   - "| given: ..." after the command sets up the throwaway clone first, with
//     comma-separated steps: "lessons/03-retry/server.ts edited" (a line
//     appended), "lessons/03-retry/notes.md added", "lessons/04-counter
//     deleted", "lesson 02 solved" (the reference solution copied in). It is
//     not shown in the docs; the prose around the block says what was done.
// What varies between runs (durations, clock times, ports, temp paths,
// colours) never makes a sample stale: outputs are compared with those masked.
//
// verify stays fast with a record of the last generation (samples.json next
// to this file): per command, a hash of everything its output depends on and
// the output. While the hash is unchanged, the recorded output is the truth;
// only commands whose inputs changed run again.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nodeArgsOfScript } from '../cli/npm-scripts.ts';
import { findStarter } from '../cli/starters.ts';
import { findLesson, folderName, lessons, root, type Lesson } from '../manifest.ts';

export const recordFile = path.join(root, 'tools', 'verify', 'samples.json');

export interface SampleBlock {
  /** Relative to the workshop, e.g. docs/02-write-vs-end.md. */
  file: string;
  command: string;
  /** The text between the fences, without its last line break. */
  body: string;
  /** Offsets of the body in the file, to rewrite it. */
  start: number;
  end: number;
}

/** The markdown files that may hold samples: README.md and docs/*.md. */
export function sampleFiles(base = root): string[] {
  const docs = path.join(base, 'docs');
  const inDocs = fs.existsSync(docs) ? fs.readdirSync(docs).filter((name) => name.endsWith('.md')).sort().map((name) => path.join(docs, name)) : [];
  return [path.join(base, 'README.md'), ...inDocs].filter((file) => fs.existsSync(file));
}

const BLOCK = /<!--\s*sample:\s*(.+?)\s*-->[ \t]*\r?\n(```+|~~~+)[^\n]*\r?\n([\s\S]*?)^\2[ \t]*\r?\n[ \t]*<!--\s*\/sample\s*-->/gm;

export function findBlocks(base = root): SampleBlock[] {
  const blocks: SampleBlock[] = [];
  for (const full of sampleFiles(base)) {
    const text = fs.readFileSync(full, 'utf8');
    // The d flag gives each group's offsets: the body is group 3.
    for (const match of text.matchAll(new RegExp(BLOCK.source, 'gmd'))) {
      const bodyStart = match.indices![3]![0];
      blocks.push({
        file: path.relative(base, full).split(path.sep).join('/'),
        command: match[1]!.replace(/\s+/g, ' '),
        body: match[3]!.replace(/\r?\n$/, ''),
        start: bodyStart,
        end: bodyStart + match[3]!.length,
      });
    }
  }
  return blocks;
}

/** A marker without its block (or the other way round) is a mistake worth one line. */
export function unmatchedMarkers(base = root): string[] {
  const problems: string[] = [];
  for (const full of sampleFiles(base)) {
    const text = fs.readFileSync(full, 'utf8');
    const opened = [...text.matchAll(/<!--\s*sample:/g)].length;
    const closed = [...text.matchAll(/<!--\s*\/sample\s*-->/g)].length;
    const whole = [...text.matchAll(BLOCK)].length;
    if (opened !== whole || closed !== whole) {
      problems.push(
        `${path.relative(base, full)}: ${opened} "<!-- sample: ... -->" and ${closed} "<!-- /sample -->" markers, but ${whole} complete block(s); each needs a \`\`\`text fence between them`,
      );
    }
  }
  return problems;
}

// ── What a command is ───────────────────────────────────────────────────────

interface Step {
  /** As the reader types it. */
  typed: string;
  script: string;
  /** The arguments for node, from package.json's script: the tools/ file and its fixed arguments. */
  entry: string[];
  args: string[];
}

export type Given = { kind: 'edited' | 'added' | 'deleted'; file: string } | { kind: 'solved'; lesson: Lesson };

export type Parsed = { steps: Step[]; transcript: boolean; given: Given[] } | { error: string };

function parseGiven(text: string | undefined): Given[] | string {
  const given: Given[] = [];
  for (const item of (text ?? '').split(',').map((part) => part.trim()).filter(Boolean)) {
    const solved = /^lesson (\S+) solved$/.exec(item);
    if (solved) {
      const lesson = findLesson(solved[1]);
      if (!lesson) return `no lesson ${solved[1]} to solve`;
      given.push({ kind: 'solved', lesson });
      continue;
    }
    const change = /^(lessons\/[\w./-]+?)\/? (edited|added|deleted)$/.exec(item);
    if (!change || change[1]!.includes('..')) return `"${item}" is not a step the generator knows ("lessons/NN-slug/file edited", "... added", "... deleted", "lesson NN solved")`;
    given.push({ kind: change[2] as 'edited' | 'added' | 'deleted', file: change[1]! });
  }
  return given;
}

export function parseSample(sample: string): Parsed {
  const [command = '', givenText] = sample.split(/\s+\|\s+given:\s*/);
  const given = parseGiven(givenText);
  if (typeof given === 'string') return { error: given };
  const parts = command.split(/\s+;\s+/).map((part) => part.trim()).filter(Boolean);
  const steps: Step[] = [];
  for (const typed of parts) {
    // stdin is never a terminal here, so "< /dev/null" changes nothing.
    const words = typed.replace(/\s*<\s*\/dev\/null\s*$/, '').split(/\s+/);
    if (words[0] !== 'npm') return { error: `"${typed}" is not an npm command` };
    let rest = words.slice(1);
    if (rest[0] === '--silent' || rest[0] === '-s') rest = rest.slice(1);
    let script: string;
    if (rest[0] === 'test' || rest[0] === 't') script = 'test';
    else if (rest[0] === 'run' && rest[1]) script = rest[1];
    else return { error: `"${typed}" is neither npm test nor npm run <script>` };
    const args = rest.slice(rest[0] === 'run' ? 2 : 1);
    const entry = nodeArgsOfScript(script);
    if (!entry) return { error: `"${typed}": the script ${script} is not a tools/ command the generator can run` };
    steps.push({ typed, script, entry, args });
  }
  if (steps.length === 0) return { error: 'no command after "sample:"' };
  if (given.length > 0 && steps.some(onStarters)) return { error: 'npm test lesson-NN runs on the untouched starter; "given:" is for the other commands' };
  return { steps, transcript: steps.length > 1, given };
}

/** npm test's lessons: the ones named, or every lesson. */
function testedLessons(step: Step): Lesson[] {
  const named = step.args.filter((arg) => !arg.startsWith('-')).map((arg) => findLesson(arg));
  if (named.some((lesson) => lesson === undefined)) return [];
  return named.length > 0 ? (named as Lesson[]) : lessons;
}

function onSolutions(step: Step): boolean {
  return step.args.includes('--solutions') || step.entry.includes('--solutions');
}
function onStarters(step: Step): boolean {
  return step.script === 'test' && !onSolutions(step);
}

// ── What a command's output depends on ──────────────────────────────────────

/** Files whose change can change any command's output (not verify's or this generator's own code). */
function harnessFiles(): string[] {
  const skip = new Set(['verify.ts', 'docs-samples.ts', 'docs-index.ts', 'screenshots.ts', 'verify']);
  const under = (dir: string, keep: (name: string) => boolean = () => true): string[] =>
    fs.existsSync(dir)
      ? fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
          const full = path.join(dir, entry.name);
          if (entry.isDirectory()) return keep(entry.name) ? under(full, keep) : [];
          return keep(entry.name) ? [full] : [];
        })
      : [];
  return [
    ...under(path.join(root, 'tools'), (name) => !skip.has(name)),
    ...under(path.join(root, 'test', 'support')),
    path.join(root, 'vitest.config.ts'),
    path.join(root, 'package-lock.json'),
  ].sort();
}

function suiteFilesOf(lesson: Lesson): string[] {
  const dir = path.join(root, 'test');
  const name = `lesson-${folderName(lesson)}`;
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.startsWith(name) && f.endsWith('.test.ts')).map((f) => path.join(dir, f)) : [];
}

function solutionFiles(lesson: Lesson): string[] {
  const dir = path.join(root, 'solutions', folderName(lesson));
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

/** Digests shared by the commands of one check or one generation: each file is read, and each starter listed, once. */
export type HashCache = Map<string, string>;

export function inputsHash(command: string, cache: HashCache = new Map()): string {
  const once = (key: string, compute: () => string) => {
    let value = cache.get(key);
    if (value === undefined) cache.set(key, (value = compute()));
    return value;
  };
  const digest = (file: string) =>
    once(`file:${file}`, () => (fs.existsSync(file) ? createHash('sha256').update(fs.readFileSync(file)).digest('hex') : 'missing'));
  const hash = createHash('sha256');
  const add = (label: string, data: string) => hash.update(`${label}\0${data}\0`);
  add('command', command);
  for (const file of harnessFiles()) add(path.relative(root, file), digest(file));
  const parsed = parseSample(command);
  const steps = 'steps' in parsed ? parsed.steps : [];
  // npm test depends on its lessons; the other commands on the whole workshop.
  const involved = new Set(steps.flatMap((step) => (step.script === 'test' ? testedLessons(step) : lessons)));
  for (const lesson of involved) {
    for (const file of [...suiteFilesOf(lesson), ...solutionFiles(lesson)]) add(path.relative(root, file), digest(file));
    add(`starter ${lesson.id}`, once(`starter:${lesson.id}`, () => (findStarter(lesson)?.files ?? []).map((f) => `${f.gitPath} ${f.blob}`).join('\n')));
  }
  return hash.digest('hex').slice(0, 16);
}

// ── Running a command ───────────────────────────────────────────────────────

/** The shipped starters of `wanted`, from git, in a folder inside the workshop (so that they find node_modules). */
function exportStarters(wanted: Lesson[], into: string): void {
  fs.mkdirSync(path.join(into, 'lessons'), { recursive: true });
  for (const lesson of wanted) {
    const starter = findStarter(lesson);
    if (!starter) throw new Error(`git has no starter of lesson ${lesson.id} (lessons/${folderName(lesson)}/ at origin/HEAD or HEAD)`);
    const archive = spawnSync('git', ['archive', starter.ref, `lessons/${folderName(lesson)}`], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
    execFileSync('tar', ['-x', '-C', into], { input: archive.stdout });
  }
}

/**
 * A fresh clone of the workshop's lessons/ and solutions/ (as shipped), in its own git repository,
 * with package.json: its "type": "module" is what lets a lesson's main.ts use top-level await.
 */
function throwawayWorkshop(into: string): void {
  const ref = findStarter(lessons[0]!)?.ref ?? 'HEAD';
  const archive = spawnSync('git', ['archive', ref, 'package.json', 'lessons', 'solutions'], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
  execFileSync('tar', ['-x', '-C', into], { input: archive.stdout });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(into, 'node_modules'), 'junction');
  fs.writeFileSync(path.join(into, '.gitignore'), 'node_modules\n.workshop/\n');
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Workshop', '-c', 'user.email=samples@example.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd: into, stdio: 'ignore' });
  git('init', '--quiet');
  git('add', '--all');
  git('commit', '--quiet', '--message', 'the workshop as shipped');
  // As in a real clone, origin/HEAD holds the starters (reset and progress say "origin/HEAD").
  git('update-ref', 'refs/remotes/origin/main', 'HEAD');
  git('symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/main');
}

/** The learner's environment: none of this run's own settings, no colour. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(VITEST|npm_|WORKSHOP_)|^(TEST|NODE_ENV|NODE_OPTIONS|FORCE_COLOR|NO_COLOR|CI)$/i.test(name)) continue;
    env[name] = value;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

const COMMAND_DEADLINE_MS = 240_000;

/** Sets up the throwaway clone as the sample's "given:" says. */
function applyGiven(workshop: string, given: Given[]): void {
  for (const step of given) {
    if (step.kind === 'solved') {
      const folder = folderName(step.lesson);
      fs.rmSync(path.join(workshop, 'lessons', folder), { recursive: true, force: true });
      fs.cpSync(path.join(workshop, 'solutions', folder), path.join(workshop, 'lessons', folder), { recursive: true });
      continue;
    }
    const file = path.join(workshop, step.file);
    if (step.kind === 'deleted') fs.rmSync(file, { recursive: true, force: true });
    else if (step.kind === 'edited') fs.appendFileSync(file, '\n// an edit\n');
    else {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, 'my notes\n');
    }
  }
}

/** `npm run watch` never ends by itself: stop it once its first verdict is on screen. */
const watchDone = (log: string) => /Waiting for you to save[^\n]*\n\n[^\n]+\n/.test(log);

/** Runs one step with stdout and stderr in one file, so their lines keep their order. */
async function runStep(step: Step, env: Record<string, string>, scratch: string): Promise<string> {
  const logFile = path.join(scratch, `output-${Math.random().toString(36).slice(2)}.log`);
  const fd = fs.openSync(logFile, 'w');
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [...step.entry, ...step.args], {
        cwd: root,
        env: cleanEnv(env),
        stdio: ['ignore', fd, fd],
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), COMMAND_DEADLINE_MS);
      const poll =
        step.script === 'watch'
          ? setInterval(() => {
              if (watchDone(fs.readFileSync(logFile, 'utf8'))) child.kill('SIGTERM');
            }, 200)
          : undefined;
      child.on('error', reject);
      child.on('exit', () => {
        clearTimeout(timer);
        clearInterval(poll);
        resolve();
      });
    });
  } finally {
    fs.closeSync(fd);
  }
  const output = fs.readFileSync(logFile, 'utf8');
  // What watch printed up to its first verdict, not what a stop signal added.
  return step.script === 'watch' ? (/[\s\S]*?Waiting for you to save[^\n]*\n\n[^\n]+\n/.exec(output)?.[0] ?? output) : output;
}

/** What is written into the docs: plain text, sandbox paths as the learner's own, no trailing blanks. */
export function normalise(output: string, sandboxes: string[] = []): string {
  let text = output.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r\n?/g, '\n');
  for (const dir of sandboxes) {
    const forms = [dir, path.relative(root, dir)].flatMap((form) => [`${form}${path.sep}`, `${form.split(path.sep).join('/')}/`]);
    for (const form of [...new Set(forms)].sort((a, b) => b.length - a.length)) text = text.split(form).join('');
  }
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/^\n+/, '')
    .replace(/\n+$/, '');
}

/** What may differ between two runs of the same command: durations, clock times, ports. */
export function masked(text: string): string {
  return normalise(text)
    .replace(/\d+(?:\.\d+)?(?=\s?(?:ms|s|seconds?)\b)/g, '#')
    .replace(/\b\d{1,2}:\d\d:\d\d\b/g, '#:#:#')
    .replace(/\b(localhost|127\.0\.0\.1|\[::1\]):\d+/g, '$1:#');
}

/** Runs a sample's command (each step of a transcript in turn) and returns what goes in the block. */
export async function runSample(command: string): Promise<string> {
  const parsed = parseSample(command);
  if ('error' in parsed) throw new Error(parsed.error);
  fs.mkdirSync(path.join(root, '.verify'), { recursive: true });
  const scratch = fs.mkdtempSync(path.join(root, '.verify', 'sample-'));
  const sandboxes = [scratch];
  try {
    // npm test on starters reads them from scratch/lessons; the other commands
    // share one throwaway clone, so the steps of a transcript see each other's effects.
    const env: Record<string, string> = {};
    const starters = [...new Set(parsed.steps.filter(onStarters).flatMap(testedLessons))];
    if (starters.length > 0) {
      exportStarters(starters, scratch);
      env.WORKSHOP_TARGET_DIR = path.join(scratch, 'lessons');
    }
    if (parsed.steps.some((step) => step.script !== 'test')) {
      const workshop = fs.mkdtempSync(path.join(os.tmpdir(), 'workshop-sample-'));
      sandboxes.push(workshop);
      throwawayWorkshop(workshop);
      applyGiven(workshop, parsed.given);
      env.WORKSHOP_ROOT = workshop;
    } else {
      // npm test remembers passes in WORKSHOP_ROOT/.workshop/ (tools/cli/verdict-cache.ts): not in the learner's.
      env.WORKSHOP_ROOT = scratch;
    }
    const outputs: string[] = [];
    for (const step of parsed.steps) {
      const output = normalise(await runStep(step, env, scratch), sandboxes);
      outputs.push(parsed.transcript ? `$ ${step.typed}${output ? `\n${output}` : ''}` : output);
    }
    return outputs.join('\n');
  } finally {
    for (const dir of sandboxes) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A command that runs lesson suites (npm test, watch, progress): its timing
 * checks and deadlines are what it prints, so it gets the machine to itself.
 */
function runsSuites(command: string): boolean {
  const parsed = parseSample(command);
  return 'steps' in parsed && parsed.steps.some((step) => ['test', 'watch', 'progress'].includes(step.script));
}

/**
 * Runs `commands`: those that run suites `parallel` at a time (default one, so
 * that a busy machine does not change what their deadlines report), the quick
 * ones (hint, diff, reset, bad input) alongside, two at a time.
 */
export async function runAll(
  commands: string[],
  { parallel = 1, onDone }: { parallel?: number; onDone?: (command: string, seconds: number, error?: Error) => void } = {},
): Promise<Map<string, string | Error>> {
  const results = new Map<string, string | Error>();
  const worker = (queue: string[]) => async () => {
    for (let command = queue.shift(); command !== undefined; command = queue.shift()) {
      const started = performance.now();
      try {
        results.set(command, await runSample(command));
        onDone?.(command, (performance.now() - started) / 1000);
      } catch (error) {
        results.set(command, error as Error);
        onDone?.(command, (performance.now() - started) / 1000, error as Error);
      }
    }
  };
  const heavy = commands.filter(runsSuites);
  const light = commands.filter((command) => !runsSuites(command));
  await Promise.all([
    ...Array.from({ length: Math.min(parallel, heavy.length) }, worker(heavy)),
    ...Array.from({ length: Math.min(2, light.length) }, worker(light)),
  ]);
  return results;
}

// ── The record of the last generation ───────────────────────────────────────

export interface SampleRecord {
  inputs: string;
  output: string;
}

export function readRecord(): Record<string, SampleRecord> {
  try {
    const parsed = JSON.parse(fs.readFileSync(recordFile, 'utf8')) as { samples?: Record<string, SampleRecord> };
    return parsed.samples ?? {};
  } catch {
    return {};
  }
}

export function writeRecord(samples: Record<string, SampleRecord>): void {
  const sorted = Object.fromEntries(Object.entries(samples).sort(([a], [b]) => a.localeCompare(b)));
  const note = 'Written by npm run docs:samples: what each sample command printed, and a hash of what its output depends on. npm run verify compares the docs with it.';
  fs.writeFileSync(recordFile, `${JSON.stringify({ note, samples: sorted }, null, 2)}\n`);
}

export const staleLine = (block: SampleBlock) => `${block.file}: sample "${block.command}" is stale; run npm run docs:samples`;

/**
 * verify's check: one line per block that differs from what its command
 * prints now. Commands whose inputs are unchanged since the last generation
 * are not run again. Of the others, up to `rerunLimit` run again (see runAll);
 * beyond that, verify would spend minutes, so the record is reported stale
 * instead (a block that differs even from the old output is still named).
 */
export async function checkSamples({
  base = root,
  record = readRecord(),
  rerunLimit = 3,
}: { base?: string; record?: Record<string, SampleRecord>; rerunLimit?: number } = {}): Promise<{
  problems: string[];
  reran: string[];
}> {
  const problems = unmatchedMarkers(base);
  const blocks = findBlocks(base);
  const current = new Map<string, string>();
  const changed: string[] = [];
  const cache: HashCache = new Map();
  for (const command of new Set(blocks.map((b) => b.command))) {
    const parsed = parseSample(command);
    if ('error' in parsed) continue;
    const known = record[command];
    if (known && known.inputs === inputsHash(command, cache)) current.set(command, known.output);
    else changed.push(command);
  }
  const toRun = changed.length <= rerunLimit ? changed : [];
  const ran = await runAll(toRun);
  for (const [command, result] of ran) if (typeof result === 'string') current.set(command, result);
  const notRun = new Set(changed.filter((command) => !toRun.includes(command)));
  let unchecked = 0;
  for (const block of blocks) {
    const parsed = parseSample(block.command);
    if ('error' in parsed) {
      problems.push(`${block.file}: sample "${block.command}": ${parsed.error}`);
      continue;
    }
    const result = ran.get(block.command);
    if (result instanceof Error) {
      problems.push(`${block.file}: sample "${block.command}" could not run: ${result.message}`);
      continue;
    }
    if (notRun.has(block.command)) {
      // Not run again: compared with the output recorded before its inputs changed, if any.
      const old = record[block.command]?.output;
      if (old === undefined || masked(block.body) !== masked(old)) problems.push(staleLine(block));
      else unchecked++;
      continue;
    }
    if (masked(block.body) !== masked(current.get(block.command) ?? '')) problems.push(staleLine(block));
  }
  if (unchecked > 0) {
    problems.push(
      `${unchecked} more sample(s): what their commands depend on (tools/, test/support/, a lesson, a suite) changed since the last npm run docs:samples; run npm run docs:samples`,
    );
  }
  return { problems, reran: toRun };
}
