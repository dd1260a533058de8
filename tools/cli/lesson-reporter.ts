// The vitest reporter of `npm test lesson-03` and `npm run watch lesson-03`.
// It prints what a learner needs and nothing that sends them into test/:
//   - every test of the lesson, ✓ or ✗, in the order the suite defines them;
//   - each teaching failure (a LessonError, see test/support/teach.ts) as its
//     Expected / Your code / Hint / Read lines, plus the learner's own file and
//     line when the error came from their code, but no code frame or stack
//     lines from the test files;
//   - any other error (a bug in the workshop's tests) in full, as vitest prints it;
//   - last, one verdict line per lesson (tools/cli/verdict.ts, shared with watch).
// Colour only when colourWanted() says so (a terminal, NO_COLOR, FORCE_COLOR).
// npm test and watch (tools/test.ts, tools/watch.ts) create it with the lessons
// they were asked for.
import path from 'node:path';
import type { Reporter, SerializedError, TestCase, TestModule, TestRunEndReason, TestSpecification, Vitest } from 'vitest/node';
import { learnerFrames } from '../../test/support/teach.ts';
import { lessons, root, type Lesson, type Tree } from '../manifest.ts';
import { workshopRoot } from './args.ts';
import { colourWanted, painter, type Painter } from './colours.ts';
import { outcomesOf, suitePrefix } from './suites.ts';
import { recordVerdicts, testedTree } from './verdict-cache.ts';
import { verdictLine } from './verdict.ts';

export interface LessonReporterOptions {
  /** 'test' for npm test (runs once), 'watch' for npm run watch (reruns on save). */
  mode?: 'test' | 'watch';
  /** The lessons asked for; default: every lesson that ran. */
  lessons?: Lesson[];
}

/**
 * The environment for a vitest run that writes to `stream`. vitest's own colours
 * (tinyrainbow) are on whenever TERM is set, even into a pipe, and FORCE_COLOR=0
 * turns them on too. So the decision is made once, for the stream the learner
 * sees (tools/cli/colours.ts), and handed down as NO_COLOR or FORCE_COLOR=1.
 */
export function vitestColourEnvironment(stream: NodeJS.WriteStream = process.stdout): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  if (colourWanted(stream)) env.FORCE_COLOR = '1';
  else env.NO_COLOR = '1';
  return env;
}

/** The error a teaching failure throws (test/support/teach.ts); it survives vitest's serialisation by name. */
export const isTeaching = (error: { name?: string } | undefined): boolean => error?.name === 'LessonError';

function lessonOfModule(moduleId: string): Lesson | undefined {
  const relative = path.relative(root, moduleId).split(path.sep).join('/');
  return lessons.find((lesson) => relative.startsWith(suitePrefix(lesson)));
}

/** Manifest order, then file name: lesson 05's two suite files always print in the same order. */
const byLessonThenFile = (a: string, b: string) => {
  // Files that belong to no lesson (the workshop's own tests) come last.
  const order = (id: string) => {
    const lesson = lessonOfModule(id);
    return lesson ? lessons.indexOf(lesson) : lessons.length;
  };
  // lesson-05-client before lesson-05-client-browser: compare the names without ".test.ts".
  const stem = (id: string) => id.replace(/\.test\.ts$/, '');
  return order(a) - order(b) || stem(a).localeCompare(stem(b));
};

export default class LessonReporter implements Reporter {
  private vitest!: Vitest;
  private readonly mode: 'test' | 'watch';
  private readonly asked: Lesson[] | undefined;
  private paint: Painter = painter();
  /** Suite files of this run, in print order (manifest order, then name), with their project's tree. */
  private order: { id: string; tree: Tree }[] = [];
  /** Index in `order` of the file being printed: its tests appear as they finish, the later files' once it is done. */
  private current = 0;
  private known = new Map<string, TestModule>();
  private ended = new Map<string, TestModule>();
  private printedTests = new Set<TestCase>();
  private lastHeading = new Map<string, string>();
  private lessonsShown = new Set<Lesson>();
  /** Files that are no lesson's suite get their own heading, once. */
  private headed = new Set<string>();
  /** The last verdict line (watch prints it once vitest is waiting again). */
  private verdict = '';
  /** The saved file that starts the next run (tools/watch.ts reruns the suites itself). */
  private savedFile: string | undefined;

  constructor(options: LessonReporterOptions = {}) {
    this.mode = options.mode ?? 'test';
    this.asked = options.lessons;
  }

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  private out(line = ''): void {
    process.stdout.write(`${line}\n`);
  }

  onTestRunStart(specifications: ReadonlyArray<TestSpecification>): void {
    this.paint = painter();
    const seen = new Map<string, Tree>();
    for (const spec of specifications) {
      seen.set(spec.moduleId, spec.project.name === 'solutions' ? 'solutions' : 'lessons');
    }
    this.order = [...seen].sort(([a], [b]) => byLessonThenFile(a, b)).map(([id, tree]) => ({ id, tree }));
    this.current = 0;
    this.known.clear();
    this.ended.clear();
    this.printedTests.clear();
    this.lastHeading.clear();
    this.lessonsShown.clear();
    this.headed.clear();
    this.verdict = '';
    this.flush();
  }

  onTestModuleCollected(module: TestModule): void {
    this.known.set(module.moduleId, module);
  }

  onTestCaseResult(test: TestCase): void {
    this.known.set(test.module.moduleId, test.module);
    this.flush();
  }

  onTestModuleEnd(module: TestModule): void {
    this.ended.set(module.moduleId, module);
    this.flush();
  }

  onUserConsoleLog(log: { content: string; type: 'stdout' | 'stderr' }): void {
    (log.type === 'stderr' ? process.stderr : process.stdout).write(log.content);
  }

  private lessonHeading(lesson: Lesson, tree: Tree): string {
    const whose = tree === 'solutions' ? 'the reference solution in' : 'your code in';
    return this.paint.bold(`Lesson ${lesson.id}: ${lesson.title}`) + this.paint.dim(` (${whose} ${tree}/${lesson.id}-${lesson.slug}/)`);
  }

  /** Prints what is ready, in print order: the current file's finished tests, then each later file once the one before has ended. */
  private flush(): void {
    while (this.current < this.order.length) {
      const { id, tree } = this.order[this.current]!;
      const lesson = lessonOfModule(id);
      if (!lesson) {
        if (!this.headed.has(id)) {
          this.headed.add(id);
          this.out(this.paint.bold(path.relative(root, id).split(path.sep).join('/')));
          this.out();
        }
      } else if (!this.lessonsShown.has(lesson)) {
        this.lessonsShown.add(lesson);
        this.out(this.lessonHeading(lesson, tree));
        this.out();
      }
      const module = this.ended.get(id) ?? this.known.get(id);
      const ended = this.ended.has(id);
      if (module) this.printFinishedTests(module, ended);
      if (!ended) return;
      this.out();
      this.current++;
    }
  }

  private printFinishedTests(module: TestModule, all: boolean): void {
    // A file whose tests sit in one describe block ("lesson 03: the retry field")
    // repeats the lesson heading; its tests are listed without it.
    const top = [...module.children];
    const flattened = top.length === 1 && top[0]!.type === 'suite' ? top[0] : undefined;
    for (const test of module.children.allTests()) {
      if (this.printedTests.has(test)) continue;
      const result = test.result();
      // Tests run one after another in a file: stop at the first that has not finished.
      if (result.state === 'pending' && !all) return;
      this.printedTests.add(test);
      const suites: string[] = [];
      for (let parent = test.parent; parent.type === 'suite' && parent !== flattened; parent = parent.parent) suites.unshift(parent.name);
      const heading = suites.join(' › ');
      if (heading && heading !== this.lastHeading.get(module.moduleId)) this.out(`  ${heading}`);
      this.lastHeading.set(module.moduleId, heading);
      const indent = heading ? '    ' : '  ';
      if (result.state === 'passed') this.out(`${indent}${this.paint.green('✓')} ${test.name}`);
      else if (result.state === 'failed') this.out(`${indent}${this.paint.red('✗')} ${test.name}`);
      else {
        const note = result.state === 'skipped' && result.note ? ` (skipped: ${result.note})` : result.state === 'pending' ? ' (did not finish)' : ' (skipped)';
        this.out(`${indent}${this.paint.yellow('↓')} ${test.name}${this.paint.dim(note)}`);
      }
    }
  }

  /** A teaching failure: its own lines, and where in the learner's code it came from. */
  private printTeaching(error: { message?: string; stack?: string }): void {
    const lines = (error.message ?? '').split('\n').filter((line, index) => index > 0 || line.trim() !== '');
    for (const line of lines) this.out(line.startsWith('  ') ? line : `  ${line}`);
    for (const frame of learnerFrames(error.stack)) this.out(`  ${this.paint.dim('at')} ${frame}`);
  }

  private printFailures(modules: ReadonlyArray<TestModule>): void {
    for (const module of modules) {
      const project = module.project;
      for (const error of module.errors()) {
        this.out(this.paint.red(`✗ ${path.relative(root, module.moduleId)} did not load`));
        if (isTeaching(error)) this.printTeaching(error);
        else this.vitest.logger.printError(error, { project });
        this.out();
      }
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state !== 'failed') continue;
        this.out(this.paint.red(`✗ ${test.name}`));
        for (const error of result.errors) {
          if (isTeaching(error)) this.printTeaching(error);
          // A bug in the workshop's own tests: every frame helps whoever fixes it.
          else this.vitest.logger.printError(error, { project, fullStack: true });
        }
        this.out();
      }
    }
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>, reason: TestRunEndReason): void {
    // Whatever has not been printed yet (a file that never ended, an interrupted run).
    for (const module of modules) if (!this.ended.has(module.moduleId)) this.ended.set(module.moduleId, module);
    this.flush();
    const ordered = [...modules].sort((a, b) => byLessonThenFile(a.moduleId, b.moduleId));
    this.printFailures(ordered);
    if (unhandledErrors.length > 0) {
      this.vitest.logger.printUnhandledErrors(unhandledErrors);
      this.out();
    }
    if (reason === 'interrupted') {
      this.out(this.paint.yellow('Interrupted: the run stopped before every test had finished.'));
      return;
    }
    const outcomes = outcomesOf(ordered);
    const tree = this.order[0]?.tree ?? 'lessons';
    // progress reuses a pass on the same files (tools/cli/verdict-cache.ts).
    if (unhandledErrors.length === 0) recordVerdicts(outcomes.values(), testedTree(tree));
    const ran = lessons.filter((lesson) => outcomes.has(lesson));
    const shown = this.asked && this.asked.length > 0 ? this.asked : ran;
    if (shown.length === 0) {
      // Not a lesson's suite (the workshop's own tests): a count is all there is to say.
      const tests = ordered.flatMap((module) => [...module.children.allTests()]);
      const failed = tests.filter((test) => test.result().state === 'failed').length;
      if (tests.length === 0) this.out(this.paint.red('No test ran (see the errors above).'));
      else if (failed > 0) this.out(this.paint.red(`${failed} of ${tests.length} tests failing.`));
      else this.out(this.paint.green(`All ${tests.length} tests pass.`));
      return;
    }
    // Several lessons: one line each, then the full verdict of the first that
    // does not pass (or of the last one), so the last line is always the next step.
    if (shown.length > 1) {
      for (const lesson of shown) {
        const outcome = outcomes.get(lesson);
        const mark = outcome?.passed ? this.paint.green('✓') : this.paint.red('✗');
        this.out(`${mark} ${lesson.id}  ${lesson.title}`);
      }
      this.out();
    }
    const focus = shown.find((lesson) => !outcomes.get(lesson)?.passed) ?? shown.at(-1)!;
    this.verdict = verdictLine(focus, outcomes.get(focus), { mode: this.mode, tree, paint: this.paint });
    // In watch mode vitest says it is waiting after this; the verdict follows that (onWatcherStart).
    if (this.mode === 'test') this.out(this.verdict);
  }

  /** Names the file whose save starts the next run, as vitest's own watcher would. */
  rerunBecause(file: string): void {
    this.savedFile = file;
  }

  onWatcherRerun(_files: string[], vitestTrigger?: string): void {
    if (process.stdout.isTTY) this.vitest.logger.clearFullScreen();
    const trigger = this.savedFile ?? vitestTrigger;
    this.savedFile = undefined;
    // Named as the learner sees it, from the workshop's folder (WORKSHOP_ROOT may point elsewhere).
    const why = trigger ? `${path.relative(workshopRoot(), trigger).split(path.sep).join('/')} changed` : 'Running again';
    this.out(this.paint.dim(`${why}: running the tests again…`));
    this.out();
  }

  onWatcherStart(): void {
    // The keys first, so that the verdict is the last line on screen.
    this.out(this.paint.dim('Waiting for you to save. Press q (or Ctrl+C) to stop, h for more keys.'));
    if (this.verdict) this.out(`\n${this.verdict}`);
  }
}
