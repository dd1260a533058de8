// Shared by every learner command (progress, watch, hint, diff, reset, demo,
// verify): argument parsing, lesson lookup and the one-line error. Bad input
// always ends the same way: one line on stderr that says what was wrong and
// shows a command of the right form, then exit code 1.
import fs from 'node:fs';
import path from 'node:path';
import { findLesson, folderName, lessonList, lessons, root, type Lesson, type Tree } from '../manifest.ts';

// `npm run diff 03 | head` closes the pipe early; stop quietly instead of
// printing an EPIPE stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

export interface FlagSpec {
  /** One short phrase for --help, e.g. "print every hint at once". */
  description: string;
  /** Set when the flag takes a value (`--port 3000` or `--port=3000`); names the value in --help. */
  value?: string;
  /**
   * `npm run hint 03 --all` (without `--`) makes npm keep `--all` for itself and
   * pass it on only as the environment variable npm_config_all=true. Flags that
   * are harmless to honour from there set this. Never set it on a flag that
   * skips a confirmation: npm_config_yes can also come from a learner's .npmrc.
   */
  npmMayKeep?: boolean;
}

export type FlagSpecs = Record<string, FlagSpec>;

/** A boolean per plain flag, the string (or undefined) per flag that takes a value. */
export type FlagValues<S extends FlagSpecs> = {
  [K in keyof S]: S[K] extends { value: string } ? string | undefined : boolean;
};

export interface CommandSpec<S extends FlagSpecs> {
  /** 'required': the first argument must name a lesson; 'optional': it may; 'none': no lesson. */
  lesson: 'required' | 'optional' | 'none';
  flags?: S;
  /** Allow arguments after the lesson (returned in `positional`); otherwise they are an error. */
  extraArguments?: boolean;
  /** One line for --help: what the command does. */
  summary?: string;
}

export interface ParsedCommand<S extends FlagSpecs, L> {
  lesson: L;
  flags: FlagValues<S>;
  /** Arguments after the lesson (only with extraArguments: true). */
  positional: string[];
}

/** The lesson the "Try:" lines show. */
const exampleLesson = lessons[0]!;

/** `npm run hint 03`: how a learner types the command for a lesson. */
export function commandLine(name: string, lesson?: Lesson | string, ...flags: string[]): string {
  const id = typeof lesson === 'string' ? lesson : lesson?.id;
  // npm keeps flags written before `--` for itself (see FlagSpec.npmMayKeep).
  const rest = flags.length > 0 ? ` -- ${flags.join(' ')}` : '';
  // npm test is the one command learners type without "run", and with "lesson-".
  if (name === 'test') return `npm test${id ? ` lesson-${id}` : ''}${rest}`;
  return `npm run ${name}${id ? ` ${id}` : ''}${rest}`;
}

/**
 * Prints `name: message Try: <command>` as one line on stderr and exits 1.
 * Every error of every command goes through here, so they all read alike.
 */
export function fail(name: string, message: string, tryCommand?: string): never {
  const line = `${name}: ${message.replace(/\s*\n\s*/g, ' ')}${tryCommand ? ` Try: ${tryCommand}` : ''}`;
  process.stderr.write(`${line}\n`);
  process.exit(1);
}

/** The lesson the learner typed, or the one-line error. */
export function lessonOrFail(name: string, input: string | undefined): Lesson {
  const lesson = findLesson(input);
  if (lesson) return lesson;
  const typed = input === undefined || input.trim() === '' ? undefined : input;
  // "lesson-9" reads as "there is no lesson 9", like "9" does.
  const problem = typed === undefined ? 'which lesson?' : `there is no lesson ${JSON.stringify(typed.replace(/^lesson-?/i, '')).slice(1, -1)}.`;
  fail(name, `${problem} Lessons: ${lessonList()}.`, commandLine(name, exampleLesson));
}

function helpText<S extends FlagSpecs>(name: string, spec: CommandSpec<S>): string {
  const lessonPart = spec.lesson === 'required' ? ' <lesson>' : spec.lesson === 'optional' ? ' [lesson]' : '';
  const flags = Object.entries(spec.flags ?? {});
  const lines = [`Usage: npm run ${name}${lessonPart}${flags.length > 0 ? ' -- [flags]' : ''}`];
  if (spec.summary) lines.push('', spec.summary);
  if (spec.lesson !== 'none') lines.push('', `Lessons: ${lessonList()} (also "3", "lesson-03" or "03-${lessons.find((l) => l.id === '03')?.slug ?? 'slug'}")`);
  if (flags.length > 0) {
    lines.push('', 'Flags (after --, so npm passes them on):');
    for (const [flag, { description, value }] of flags) lines.push(`  --${flag}${value ? ` <${value}>` : ''}  ${description}`);
  }
  lines.push('  --help  show this help');
  return lines.join('\n');
}

function acceptedFlags(specs: FlagSpecs): string {
  const names = Object.keys(specs).map((flag) => `--${flag}`);
  return names.length > 0 ? `Flags: ${names.join(', ')}.` : 'It takes no flags.';
}

/**
 * Parses `process.argv.slice(2)` of a command. On bad input (unknown flag,
 * missing or unknown lesson, a stray argument) it prints the one-line error
 * and exits 1; `--help` prints the usage and exits 0.
 */
export function parseCommand<S extends FlagSpecs = Record<never, FlagSpec>>(
  name: string,
  argv: string[],
  spec: CommandSpec<S> & { lesson: 'required' },
): ParsedCommand<S, Lesson>;
export function parseCommand<S extends FlagSpecs = Record<never, FlagSpec>>(
  name: string,
  argv: string[],
  spec: CommandSpec<S>,
): ParsedCommand<S, Lesson | undefined>;
export function parseCommand<S extends FlagSpecs>(name: string, argv: string[], spec: CommandSpec<S>): ParsedCommand<S, Lesson | undefined> {
  const specs: FlagSpecs = spec.flags ?? {};
  const values: Record<string, string | boolean | undefined> = {};
  for (const [flag, flagSpec] of Object.entries(specs)) {
    values[flag] = flagSpec.value ? undefined : flagSpec.npmMayKeep === true && process.env[`npm_config_${flag}`] === 'true';
  }
  const words: string[] = [];
  // "Try:" lines show the learner's own lesson when they typed a valid one.
  const typedLesson = findLesson(argv.find((arg) => !arg.startsWith('-'))) ?? exampleLesson;
  const tryLesson = spec.lesson === 'none' ? undefined : typedLesson;
  const example = commandLine(name, tryLesson);

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') continue; // a second `--` reaching us is harmless
    if (arg === '--help' || arg === '-h') {
      console.log(helpText(name, spec));
      process.exit(0);
    }
    if (!arg.startsWith('-') || /^-\d/.test(arg)) {
      words.push(arg);
      continue;
    }
    const [flag = '', inlineValue] = arg.replace(/^--?/, '').split(/=(.*)/s, 2);
    const flagSpec = specs[flag];
    if (!flagSpec) fail(name, `unknown flag ${arg.split('=')[0]}. ${acceptedFlags(specs)}`, example);
    if (flagSpec.value) {
      const value = inlineValue ?? argv[++i];
      if (value === undefined || value === '') fail(name, `--${flag} needs a value.`, commandLine(name, tryLesson, `--${flag} <${flagSpec.value}>`));
      values[flag] = value;
    } else {
      if (inlineValue !== undefined) fail(name, `--${flag} takes no value.`, commandLine(name, tryLesson, `--${flag}`));
      values[flag] = true;
    }
  }

  let lesson: Lesson | undefined;
  if (spec.lesson === 'required' || (spec.lesson === 'optional' && words.length > 0)) {
    lesson = lessonOrFail(name, words.shift());
  }
  if (words.length > 0 && !spec.extraArguments) {
    const what = spec.lesson === 'none' ? `${name} takes no lesson or argument` : `${name} takes one lesson`;
    fail(name, `unexpected argument "${words[0]}": ${what}.`, example);
  }
  return { lesson, flags: values as FlagValues<S>, positional: words };
}

/**
 * The checkout the commands act on: its lessons/, solutions/, .workshop/ and git
 * history. WORKSHOP_ROOT points the commands at another checkout; the tooling's
 * own tests use it to work on a temporary copy and never touch the real lessons/.
 */
export function workshopRoot(): string {
  return process.env.WORKSHOP_ROOT ? path.resolve(process.env.WORKSHOP_ROOT) : root;
}

/** Absolute path of a lesson's folder in the checkout the commands act on. */
export function folderOf(lesson: Lesson, tree: Tree = 'lessons'): string {
  return path.join(workshopRoot(), tree, folderName(lesson));
}

/** `lessons/03-retry/`, as a learner sees it. */
export function shownFolder(lesson: Lesson, tree: Tree = 'lessons'): string {
  return `${tree}/${folderName(lesson)}/`;
}

/**
 * The lesson's folder, or the one-line error when it is gone (deleted or moved).
 * reset brings a deleted starter back, so the error says so.
 */
export function existingFolderOrFail(name: string, lesson: Lesson, tree: Tree = 'lessons'): string {
  const dir = folderOf(lesson, tree);
  if (fs.existsSync(dir) && fs.statSync(dir).isDirectory()) return dir;
  if (tree === 'lessons') {
    fail(name, `${shownFolder(lesson)} is missing (deleted or moved?).`, `${commandLine('reset', lesson)} to restore its starter`);
  }
  fail(name, `${shownFolder(lesson, tree)} is missing: the reference solution is part of the workshop.`, 'git checkout -- ' + shownFolder(lesson, tree));
}
