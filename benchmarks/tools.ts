// npm run bench:tools: how long the learner's loop takes on this machine, as
// medians and as ratios against a bare one-test vitest run measured in the
// same sitting (so a busy or slow machine shows up in the baseline too), each
// row with the goal of issue 9 and whether it is met.
//
//   npm run bench:tools                  3 interleaved rounds of every row
//   npm run bench:tools -- --runs 7      more rounds
//   npm run bench:tools -- --quick       1 round, lesson 03 and 05 only, no verify
//   npm run bench:tools -- --verify      also time one npm run verify (a minute or more)
//   npm run bench:tools -- --no-record   print the table only
//   npm run bench:tools -- --from-record rewrite the table in docs/commands.md from the record
//
// A run of every lesson (not --quick) is recorded in benchmarks/results/tools.json and
// rewrites the <!-- bench: --> block in docs/commands.md (checked by npm run verify).
//
// Measured, each through npm as a learner types it:
//   bare        npm exec vitest run: one file, one `expect(1).toBe(1)`, no config
//   test-NN     npm test lesson-NN, on the solution (passes) and on the untouched starter (fails)
//   watch       npm run watch lesson-03 on a solved lesson: from saving server.ts to the verdict line
//   progress    npm run progress, for:
//                 fresh    a fresh clone, every lesson untouched (no suite needs to run)
//                 midway   01-02 solved, 03 started and failing, the rest untouched
//                 solved   every lesson solved, cold (--fresh: every suite runs)
//                 warm     every lesson solved, nothing changed since the last run (remembered verdicts)
//   verify      npm run verify (with --verify)
// The learners are throwaway git copies of the workshop in the system temp folder.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCommand } from '../tools/cli/args.ts';
import { folderName, lessons, root, type Lesson } from '../tools/manifest.ts';
import { resultsFile, writeBenchBlocks } from '../tools/verify/bench-table.ts';
import { median, renderToolsReport, type Goal, type ToolsResults } from './tools-report.ts';

/** The flags as typed, for the record's command line. */
const argv = process.argv.slice(2).filter((arg) => arg !== '--');
const { flags } = parseCommand('bench:tools', process.argv.slice(2), {
  lesson: 'none',
  summary: "Times the learner's commands (npm test, watch, progress, verify) against a bare one-test vitest run.",
  flags: {
    runs: { description: 'rounds to run (default 3)', value: 'count' },
    quick: { description: 'one round of lessons 03 and 05, watch and progress only' },
    verify: { description: 'also time one npm run verify' },
    'no-record': { description: 'print the table only: the record and the docs stay as they are' },
    'from-record': { description: 'measure nothing: rewrite the table in docs/commands.md from benchmarks/results/tools.json' },
  },
});
if (flags['from-record']) {
  try {
    const changed = writeBenchBlocks('tools');
    console.log(changed.length > 0 ? `Rewrote the table in ${changed.join(', ')} from benchmarks/results/tools.json.` : 'The table in the docs already matches benchmarks/results/tools.json.');
  } catch (error) {
    process.stderr.write(`bench:tools: ${(error as Error).message}\n`);
    process.exit(1);
  }
  process.exit(0);
}
const rounds = Number(flags.runs ?? (flags.quick ? 1 : 3));
if (!Number.isInteger(rounds) || rounds < 1) {
  process.stderr.write(`bench:tools: --runs must be a whole number above 0, not ${flags.runs}. Try: npm run bench:tools -- --runs 3\n`);
  process.exit(1);
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'workshop-bench-'));
process.on('exit', () => fs.rmSync(scratch, { recursive: true, force: true }));

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.name=Bench', '-c', 'user.email=bench@example.invalid', '-c', 'commit.gpgsign=false', ...args], {
    cwd,
    stdio: 'ignore',
  });
}

/** A throwaway clone of the workshop as committed, with node_modules linked. */
function learner(name: string, edit: (dir: string) => void): string {
  const dir = path.join(scratch, name);
  fs.mkdirSync(dir);
  const archive = spawnSync('git', ['archive', '--format=tar', 'HEAD', 'package.json', 'lessons', 'solutions'], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
  execFileSync('tar', ['-x', '-C', dir], { input: archive.stdout });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'junction');
  fs.writeFileSync(path.join(dir, '.gitignore'), 'node_modules\n.workshop/\n');
  git(dir, 'init', '--quiet');
  git(dir, 'add', '--all');
  git(dir, 'commit', '--quiet', '--message', 'shipped');
  edit(dir);
  return dir;
}

const lessonDirIn = (dir: string, lesson: Lesson, tree = 'lessons') => path.join(dir, tree, folderName(lesson));
const solve = (dir: string, lesson: Lesson) =>
  fs.cpSync(lessonDirIn(dir, lesson, 'solutions'), lessonDirIn(dir, lesson), { recursive: true });
const start = (dir: string, lesson: Lesson) => fs.appendFileSync(path.join(lessonDirIn(dir, lesson), 'server.ts'), '\n// started\n');

const fresh = learner('fresh', () => {});
// The lessons whose starter is committed.
const shipped = lessons.filter((lesson) => fs.existsSync(lessonDirIn(fresh, lesson)));
const timed = flags.quick ? shipped.filter((lesson) => ['03', '05'].includes(lesson.id)) : shipped;
const learners = {
  fresh,
  midway: learner('midway', (dir) => {
    shipped.slice(0, 2).forEach((lesson) => solve(dir, lesson));
    if (shipped[2]) start(dir, shipped[2]);
  }),
  solved: learner('solved', (dir) => shipped.forEach((lesson) => solve(dir, lesson))),
};

const bare = path.join(scratch, 'bare');
fs.mkdirSync(bare);
fs.symlinkSync(path.join(root, 'node_modules'), path.join(bare, 'node_modules'), 'junction');
fs.writeFileSync(path.join(bare, 'package.json'), '{ "type": "module", "private": true }\n');
fs.writeFileSync(path.join(bare, 'one.test.ts'), "import { expect, test } from 'vitest';\n\ntest('one', () => {\n  expect(1).toBe(1);\n});\n");

interface Case {
  name: string;
  goal?: Goal;
  /** Runs the command once and returns its time in seconds. */
  time(): Promise<number>;
}

/** Runs that did not end as expected. */
const problems: string[] = [];

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of Object.keys(env)) if (/^(npm_|VITEST|WORKSHOP_FAIL_FAST)/.test(name)) delete env[name];
  return env;
}

/**
 * `npm ...args`, to its end; `ok`: the exit codes that mean it did its job (a failing lesson exits 1);
 * `prints`: what its output must contain as well (progress exits 0 with a lesson failing).
 */
function command(
  name: string,
  args: string[],
  { cwd = root, env = {}, ok = [0], prints, goal }: { cwd?: string; env?: Record<string, string>; ok?: number[]; prints?: string; goal?: Goal },
): Case {
  return {
    name,
    goal,
    async time() {
      const started = performance.now();
      const run = spawnSync(npm, args, { cwd, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32', maxBuffer: 64 * 1024 * 1024 });
      const seconds = (performance.now() - started) / 1000;
      // A run that did not do its job (a flaky browser start on a busy machine) is timed all the
      // same and reported under the table, with the end of its output.
      if (!ok.includes(run.status ?? -1)) {
        problems.push(`${name}: exit ${run.status}, expected ${ok.join(' or ')}\n${run.stdout.toString().slice(-1500)}${run.stderr.toString().slice(-800)}`);
      } else if (prints && !run.stdout.toString().includes(prints)) {
        problems.push(`${name}: its output lacks "${prints}"\n${run.stdout.toString().slice(-1500)}${run.stderr.toString().slice(-800)}`);
      }
      return seconds;
    },
  };
}

/**
 * npm run watch lesson-NN on a solved copy: waits for the first verdict, then
 * saves server.ts (a changed comment) `saves` times and takes the median time
 * from each save to the verdict line that follows it.
 */
function watchCase(lesson: Lesson, saves: number): Case {
  const dir = learner(`watch-${lesson.id}`, (d) => solve(d, lesson));
  const file = path.join(lessonDirIn(dir, lesson), 'server.ts');
  const original = fs.readFileSync(file, 'utf8');
  // The verdict line (tools/cli/verdict.ts), not the lesson's heading ("Lesson 03: The retry field"),
  // which each run prints first.
  const verdictLine = new RegExp(`Lesson ${lesson.id}( passes\\.|: \\d+ of \\d+ tests? failing)`, 'g');
  return {
    name: `npm run watch lesson-${lesson.id}: save to verdict (solved)`,
    goal: { seconds: 0.5 },
    async time() {
      const child = spawn(npm, ['run', '--silent', 'watch', `lesson-${lesson.id}`], {
        cwd: root,
        env: cleanEnv({ WORKSHOP_ROOT: dir, NO_COLOR: '1' }),
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
      });
      let output = '';
      let verdicts = 0;
      const waiters: (() => void)[] = [];
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const found = output.match(verdictLine)?.length ?? 0;
        if (found > verdicts) {
          verdicts = found;
          waiters.splice(0).forEach((wake) => wake());
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      const verdictAfter = (count: number, withinMs: number) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`watch: no verdict line within ${withinMs} ms\n${output.slice(-3000)}`)), withinMs);
          const check = () => {
            if (verdicts > count) {
              clearTimeout(timer);
              resolve();
            } else waiters.push(check);
          };
          check();
        });
      try {
        await verdictAfter(0, 60_000);
        const times: number[] = [];
        for (let save = 1; save <= saves; save++) {
          // Let the watcher settle, as a learner's typing would.
          await new Promise((resolve) => setTimeout(resolve, 400));
          const before = verdicts;
          const saved = performance.now();
          fs.writeFileSync(file, `${original}\n// save ${save}\n`);
          await verdictAfter(before, 30_000);
          times.push((performance.now() - saved) / 1000);
        }
        return median(times);
      } finally {
        fs.writeFileSync(file, original);
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch {
          // already gone
        }
      }
    },
  };
}

/** Lesson 05 starts a browser: its goals are looser. */
const solvedGoal = (lesson: Lesson): Goal => ({ ratio: lesson.id === '05' ? 2.5 : 1.5 });
const starterGoal = (lesson: Lesson): Goal => ({ ratio: lesson.id === '05' ? 4 : 2.5 });

const baseline = command('bare one-test vitest run (npm exec vitest run)', ['exec', '--offline', '--', 'vitest', 'run'], { cwd: bare });
const progressEnv = (dir: string) => ({ WORKSHOP_ROOT: dir });
const cases: Case[] = [
  baseline,
  ...timed.flatMap((lesson) => [
    command(`npm test lesson-${lesson.id}, solved`, ['test', '--silent', '--', `lesson-${lesson.id}`], {
      env: { WORKSHOP_TARGET_DIR: path.join(learners.fresh, 'solutions') },
      goal: solvedGoal(lesson),
    }),
    command(`npm test lesson-${lesson.id}, untouched starter`, ['test', '--silent', '--', `lesson-${lesson.id}`], {
      env: { WORKSHOP_TARGET_DIR: path.join(learners.fresh, 'lessons') },
      ok: [1],
      goal: starterGoal(lesson),
    }),
  ]),
  command('npm run progress, fresh clone', ['run', '--silent', 'progress'], { env: progressEnv(learners.fresh), ok: [0, 1] }),
  command('npm run progress, midway', ['run', '--silent', 'progress'], { env: progressEnv(learners.midway), ok: [0, 1] }),
  // Every lesson solved: anything but exit 0 is a suite that failed on a solution, reported under the table.
  command(`npm run progress, all ${shipped.length} solved, cold (--fresh)`, ['run', '--silent', 'progress', '--', '--fresh'], {
    env: progressEnv(learners.solved),
    // A lesson that failed here (its verdict is not remembered) runs again in the next row.
    ...(shipped.length === lessons.length ? { prints: 'Every lesson passes.' } : {}),
    goal: { seconds: 3 },
  }),
  // Right after the cold run above: every verdict is remembered.
  command(`npm run progress, all ${shipped.length} solved, nothing changed`, ['run', '--silent', 'progress'], {
    env: progressEnv(learners.solved),
    goal: { seconds: 1 },
  }),
  ...shipped.filter((lesson) => lesson.id === '03').map((lesson) => watchCase(lesson, 3)),
];
const verifyCase = command('npm run verify', ['run', '--silent', 'verify'], { goal: { seconds: 45 } });

{
  console.log(`${os.cpus().length} CPU(s), Node ${process.version}, load average before: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const startedAt = new Date();
  const loadAtStart = os.loadavg()[0]!;
  console.log(`${rounds} round(s), interleaved; lessons shipped: ${shipped.map((l) => l.id).join(', ')}\n`);
  await baseline.time(); // warm the file system cache and vitest's transform cache once
  const times = new Map<Case, number[]>(cases.map((c) => [c, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const c of cases) times.get(c)!.push(await c.time());
    process.stderr.write(`round ${round}/${rounds} done\n`);
  }
  if (flags.verify) times.set(verifyCase, [await verifyCase.time()]);
  const cpus = os.cpus();
  const results: ToolsResults = {
    command: `npm run bench:tools${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`,
    date: startedAt.toISOString(),
    machine: { cpu: cpus[0]?.model.trim() ?? 'unknown CPU', cores: cpus.length, loadAtStart, loadAtEnd: os.loadavg()[0]! },
    node: process.version,
    baseline: baseline.name,
    rows: [...times].map(([c, runs]) => ({ name: c.name, ...(c.goal ? { goal: c.goal } : {}), runs: runs.map((t) => Number(t.toFixed(3))) })),
    problems: problems.length,
  };
  console.log(renderToolsReport(results));
  if (flags['no-record'] || flags.quick) {
    console.log(`\nNot recorded (${flags.quick ? '--quick times only lessons 03 and 05' : '--no-record'}).`);
  } else {
    fs.mkdirSync(path.dirname(resultsFile('tools')), { recursive: true });
    fs.writeFileSync(resultsFile('tools'), `${JSON.stringify(results, null, 2)}\n`);
    const changed = writeBenchBlocks('tools');
    console.log(`\nRecorded in benchmarks/results/tools.json${changed.length > 0 ? `; rewrote the table in ${changed.join(', ')}` : ''}.`);
  }
  if (problems.length > 0) {
    console.log(`\n${problems.length} run(s) did not end as expected (timed all the same):`);
    for (const problem of problems) console.log(`\n${problem}`);
    process.exitCode = 1;
  }
}
