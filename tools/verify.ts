// npm run verify: proves the workshop is whole. Typecheck, layout against the
// manifest, links in the texts, every suite passes on solutions/, every suite
// fails on its untouched starter, the workshop's own tests pass. Ends with one
// line, "verify: N passed, M failed", which CI reads.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { compareWithStarters, findStarter } from './cli/starters.ts';
import type { SuiteOutcome } from './cli/suites.ts';
import { recordVerdicts } from './cli/verdict-cache.ts';
import { checkIndex } from './docs-index.ts';
import { folderName, lessons, root, testPath } from './manifest.ts';
import { checkAnswerKeptOut } from './verify/answer-kept-out.ts';
import { checkBenchTables } from './verify/bench-table.ts';
import { checkLayout } from './verify/layout.ts';
import { checkLinks } from './verify/links.ts';
import { checkSamples } from './verify/samples.ts';
import { runFailedAgain, runProject, runProjects, type SuiteResult } from './verify/vitest-run.ts';

let passed = 0;
let failed = 0;

/**
 * Suite files at once. The lesson suites mostly wait on their lesson's process,
 * sockets and a browser; the workshop's tests start whole commands, which use
 * the CPU, so fewer of those at once.
 */
const LESSON_WORKERS = 3;
const WORKSHOP_WORKERS = 2;

/** `tsc -p .` in the background: its exit status and output. */
function typecheckInBackground(): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => resolve({ status: 1, output: error.message }));
    child.on('close', (status) => resolve({ status, output }));
  });
}

function record(ok: boolean, label: string, details: string[] = []): void {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? '✓' : '✗'} ${label}`);
  for (const line of details) console.log(`    ${line}`);
}

/** Each failed test, `indent` deep, with the first `lines` lines of its message under it. */
function printFailures(failures: SuiteResult['failures'], indent: number, lines: number): void {
  const pad = ' '.repeat(indent);
  for (const f of failures) {
    console.log(`${pad}✗ ${f.name}\n${f.message.split('\n').slice(0, lines).map((l) => `${pad}  ${l}`).join('\n')}`);
  }
}

/** Under a suite file that passed only when run again: what failed the first time. */
function showSecondRun(again: { file: string; firstFailures: SuiteResult['failures'] }[], file: string): void {
  const first = again.find((entry) => entry.file === file);
  if (!first) return;
  console.log('    ! passed when run again alone; in the full run it failed:');
  printFailures(first.firstFailures, 6, 6);
}

function heading(text: string): void {
  console.log(`\n── ${text}`);
}

const suiteOf = (suites: SuiteResult[], lessonId: string) => {
  const lesson = lessons.find((l) => l.id === lessonId)!;
  const prefix = path.relative(root, testPath(lesson)).replace(/\.test\.ts$/, '');
  return suites.filter((s) => s.file.startsWith(prefix));
};

/** A lesson's outcome on solutions/, in the shape npm test and progress record (none when no suite ran). */
function solutionOutcome(lesson: (typeof lessons)[number], suites: SuiteResult[]): SuiteOutcome[] {
  if (suites.length === 0) return [];
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const suite of suites) {
    counts.passed += suite.passed;
    counts.failed += suite.failed;
    counts.skipped += suite.skipped;
  }
  const failure = suites.flatMap((suite) => suite.failures)[0];
  return [{ lesson, passed: counts.failed === 0 && counts.passed > 0, counts, ...(failure ? { firstFailure: { test: failure.name, message: failure.message } } : {}) }];
}

/**
 * The starters as shipped (tools/cli/starters.ts picks the git ref, as reset and
 * progress do). In a fresh clone that is lessons/ itself; when the learner has
 * changed lessons/, the shipped copy is exported to .verify/starters.
 */
function pristineStarters(): { dir: string | undefined; note: string } {
  const starters = lessons.map((lesson) => ({ lesson, starter: findStarter(lesson) }));
  if (starters.some(({ starter }) => !starter)) return { dir: undefined, note: 'lessons/ (no git history to compare with)' };
  const untouched = compareWithStarters(starters.map(({ lesson, starter }) => ({ lesson, starter: starter! }))).every(
    ({ changed, missing, added }) => changed.length + missing.length + added.length === 0,
  );
  if (untouched) return { dir: undefined, note: 'lessons/ (untouched)' };
  const dir = path.join(root, '.verify', 'starters');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const { lesson, starter } of starters) {
    const archive = spawnSync('git', ['archive', starter!.ref, `lessons/${folderName(lesson)}`], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
    spawnSync('tar', ['-x', '-C', dir], { input: archive.stdout });
  }
  return { dir: path.join('.verify', 'starters', 'lessons'), note: 'the starters as shipped (lessons/ has your changes)' };
}

async function main(): Promise<void> {
  const started = performance.now();

  heading('Static checks');
  // tsc runs alongside everything else (one core for it, the rest for the suites); its line comes at the end.
  const typecheck = typecheckInBackground();
  const layout = checkLayout();
  record(layout.length === 0, `layout matches tools/manifest.ts (${lessons.length} lessons)`, layout);
  const index = checkIndex();
  record(index.length === 0, 'docs/README.md lists the lessons of the manifest', index);
  // Reruns only the sample commands whose inputs changed since npm run docs:samples (tools/verify/samples.ts).
  const samples = await checkSamples();
  const rerunNote = samples.reran.length > 0 ? `; ${samples.reran.length} rerun, npm run docs:samples records them` : '';
  record(samples.problems.length === 0, `generated samples in README.md and docs/ match their commands${rerunNote}`, samples.problems);
  // Compares the tables with benchmarks/results/*.json; runs no benchmark (tools/verify/bench-table.ts).
  const benchTables = checkBenchTables();
  record(benchTables.length === 0, 'benchmark tables in docs/ match their recorded results', benchTables);
  const answers = checkAnswerKeptOut();
  record(answers.length === 0, 'no solution line in a lesson text outside its folded walkthrough, nor in a starter TODO', answers);
  const links = checkLinks();
  record(links.length === 0, 'links, #anchors and npm scripts in README.md, docs/, tests and starters', links);

  // The solutions and the untouched starters in one vitest run: one start-up
  // instead of two, and the starters' suites wait out their failures while the
  // solutions' run. WORKSHOP_FAIL_FAST=lessons stops each starter suite at its
  // first failure (all verify needs), and WORKSHOP_TARGET_DIR only moves lessons/.
  const starters = pristineStarters();
  const lessonRun = await runProjects(['solutions', 'lessons'], {
    env: { WORKSHOP_FAIL_FAST: 'lessons', ...(starters.dir ? { WORKSHOP_TARGET_DIR: starters.dir } : {}) },
    showOutput: false,
    maxWorkers: LESSON_WORKERS,
  });
  const starterRun = { suites: lessonRun.suites.filter((suite) => suite.project === 'lessons') };
  // A solution's suite file that failed runs once more, alone (tools/verify/vitest-run.ts).
  const solutions = await runFailedAgain('solutions', lessonRun.suites.filter((suite) => suite.project === 'solutions'));

  // Each solution that passed is remembered as npm test would remember it (keyed by
  // its files' contents): progress on the same files, such as the workshop test
  // with every lesson solved, then need not run those suites a second time.
  recordVerdicts(lessons.flatMap((lesson) => solutionOutcome(lesson, suiteOf(solutions.suites, lesson.id))), path.join(root, 'solutions'));

  heading('Every suite passes on the reference solutions');
  for (const lesson of lessons) {
    const suites = suiteOf(solutions.suites, lesson.id);
    for (const suite of suites) {
      passed += suite.passed;
      failed += suite.failed;
      const label = `solutions/${folderName(lesson)}: ${suite.file} (${suite.passed} passed${suite.skipped ? `, ${suite.skipped} skipped` : ''})`;
      console.log(`${suite.failed === 0 ? '✓' : '✗'} ${label}`);
      printFailures(suite.failures, 4, 12);
      showSecondRun(solutions.again, suite.file);
    }
    if (suites.length === 0) record(false, `solutions/${folderName(lesson)}: no suite ran`);
  }

  heading('Every suite fails on its untouched starter');
  console.log(`  checking ${starters.note}`);
  for (const lesson of lessons) {
    const suites = suiteOf(starterRun.suites, lesson.id);
    const failing = suites.reduce((n, s) => n + s.failed, 0);
    record(failing > 0, `lessons/${folderName(lesson)}: ${failing > 0 ? `${failing} failing test(s) before the learner starts` : 'every test passes on the untouched starter: the suite does not bite'}`);
  }

  heading("The workshop's own tests (tooling, browser)");
  const workshopRun = await runProject('workshop', { maxWorkers: WORKSHOP_WORKERS });
  const workshop = await runFailedAgain('workshop', workshopRun.suites);
  for (const suite of workshop.suites) {
    passed += suite.passed;
    failed += suite.failed;
    console.log(`${suite.failed === 0 ? '✓' : '✗'} ${suite.file} (${suite.passed} passed${suite.skipped ? `, ${suite.skipped} skipped` : ''})`);
    printFailures(suite.failures, 4, 12);
    showSecondRun(workshop.again, suite.file);
  }
  if (workshop.suites.length === 0 && workshopRun.exitCode !== 0) record(false, 'workshop tests did not run');

  heading('Typecheck');
  const typed = await typecheck;
  record(typed.status === 0, 'typecheck (tsc, strict)', typed.output.trim().split('\n').filter(Boolean).slice(0, 20));

  const again = [...solutions.again, ...workshop.again];
  if (again.length > 0) {
    console.log(`\n! ${again.length} suite file(s) failed in the full run and passed when run again alone (see above):`);
    for (const { file } of again) console.log(`    ${file}`);
    console.log('  A deadline too tight for a busy machine: worth widening, or checking from the request instead.');
  }
  console.log(`\n(${((performance.now() - started) / 1000).toFixed(1)} s, Node ${process.version})`);
  console.log(`verify: ${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

await main();
