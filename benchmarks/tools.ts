// npm run bench:tools: how long the learner's loop takes on this machine, as
// medians and as ratios against a bare one-test vitest run measured in the
// same sitting (so a busy or slow machine shows up in the baseline too).
//
//   npm run bench:tools             5 interleaved rounds
//   npm run bench:tools -- --runs 9
//
// Measured, each through npm as a learner types it:
//   bare        npm exec vitest run: one file, one `expect(1).toBe(1)`, no config
//   progress    npm run progress, for four learners:
//                 fresh    a fresh clone, every lesson untouched (no suite needs to run)
//                 midway   01-02 solved, 03 started and failing, 04-06 untouched
//                 failing  every lesson started, none solved (six suites, each stops at its first failure)
//                 solved   every lesson solved (six suites, every test runs and passes)
//   test-03     npm test lesson-03, on the untouched starter (fails) and on the solution (passes)
// The learners are throwaway git copies of the workshop in the system temp folder.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCommand } from '../tools/cli/args.ts';
import { folderName, lessons, root, type Lesson } from '../tools/manifest.ts';

const { flags } = parseCommand('bench:tools', process.argv.slice(2), {
  lesson: 'none',
  summary: 'Times npm run progress and npm test lesson-03 against a bare one-test vitest run.',
  flags: { runs: { description: 'rounds to run (default 5)', value: 'count' } },
});
const rounds = Number(flags.runs ?? 5);
if (!Number.isInteger(rounds) || rounds < 1) {
  process.stderr.write(`bench:tools: --runs must be a whole number above 0, not ${flags.runs}. Try: npm run bench:tools -- --runs 5\n`);
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
  const archive = spawnSync('git', ['archive', '--format=tar', 'HEAD', 'lessons', 'solutions'], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
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
// The lessons whose starter is committed (all six once the workshop is complete).
const shipped = lessons.filter((lesson) => fs.existsSync(lessonDirIn(fresh, lesson)));
const learners = {
  fresh,
  midway: learner('midway', (dir) => {
    shipped.slice(0, 2).forEach((lesson) => solve(dir, lesson));
    if (shipped[2]) start(dir, shipped[2]);
  }),
  failing: learner('failing', (dir) => shipped.forEach((lesson) => start(dir, lesson))),
  solved: learner('solved', (dir) => shipped.forEach((lesson) => solve(dir, lesson))),
};

const bare = path.join(scratch, 'bare');
fs.mkdirSync(bare);
fs.symlinkSync(path.join(root, 'node_modules'), path.join(bare, 'node_modules'), 'junction');
fs.writeFileSync(path.join(bare, 'package.json'), '{ "type": "module", "private": true }\n');
fs.writeFileSync(path.join(bare, 'one.test.ts'), "import { expect, test } from 'vitest';\n\ntest('one', () => {\n  expect(1).toBe(1);\n});\n");

interface Case {
  name: string;
  args: string[];
  cwd: string;
  env?: Record<string, string>;
  /** Exit codes that mean the command did its job (a failing lesson exits 1 from npm test). */
  ok: number[];
}

const cases: Case[] = [
  { name: 'bare one-test vitest run', args: ['exec', '--offline', '--', 'vitest', 'run'], cwd: bare, ok: [0] },
  ...Object.entries(learners).map(([name, dir]) => ({
    name: `npm run progress (${name})`,
    args: ['run', '--silent', 'progress'],
    cwd: root,
    env: { WORKSHOP_ROOT: dir },
    ok: [0, 1],
  })),
  {
    name: 'npm test lesson-03 (untouched starter)',
    args: ['test', '--silent', '--', 'lesson-03'],
    cwd: root,
    env: { WORKSHOP_TARGET_DIR: path.join(learners.fresh, 'lessons') },
    ok: [1],
  },
  {
    name: 'npm test lesson-03 (solution)',
    args: ['test', '--silent', '--', 'lesson-03'],
    cwd: root,
    env: { WORKSHOP_TARGET_DIR: path.join(learners.fresh, 'solutions') },
    ok: [0],
  },
];

function timeOnce(c: Case): number {
  const env = { ...process.env, ...c.env };
  for (const name of Object.keys(env)) if (/^(npm_|VITEST)/.test(name)) delete env[name];
  const started = performance.now();
  const run = spawnSync(npm, c.args, { cwd: c.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' });
  const seconds = (performance.now() - started) / 1000;
  if (!c.ok.includes(run.status ?? -1)) {
    throw new Error(`${c.name}: exit ${run.status}\n${run.stdout.toString().slice(-2000)}${run.stderr.toString().slice(-2000)}`);
  }
  return seconds;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

{
  console.log(`${os.cpus().length} CPU(s), Node ${process.version}, load average before: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`${rounds} rounds, interleaved; lessons shipped: ${shipped.map((l) => l.id).join(', ')}\n`);
  timeOnce(cases[0]!); // warm the file system cache and vitest's transform cache once
  const times = new Map<Case, number[]>(cases.map((c) => [c, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const c of cases) times.get(c)!.push(timeOnce(c));
    process.stderr.write(`round ${round}/${rounds} done\n`);
  }
  const baseline = median(times.get(cases[0]!)!);
  const width = Math.max(...cases.map((c) => c.name.length));
  console.log(`${'command'.padEnd(width)}  median   ratio   runs (s)`);
  for (const c of cases) {
    const all = times.get(c)!;
    const m = median(all);
    console.log(`${c.name.padEnd(width)}  ${m.toFixed(2).padStart(5)} s  ${(m / baseline).toFixed(1).padStart(4)}×   ${all.map((t) => t.toFixed(2)).join(' ')}`);
  }
  console.log(`\nload average after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}
