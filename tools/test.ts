// npm test [lesson ...] [-- --solutions]: runs lesson suites against your code in
// lessons/ (or, with --solutions, against solutions/), all lessons when none is
// named. It stands in front of vitest so that a wrong lesson gets the workshop's
// one-line error instead of vitest's "No test files found", and so that the
// output is the workshop's own (tools/cli/lesson-reporter.ts): every test,
// each failure's teaching lines without test code, and the verdict line last.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { lessonOrFail, parseCommand } from './cli/args.ts';
import { vitestColourEnvironment } from './cli/lesson-reporter.ts';
import { suitePrefix } from './cli/suites.ts';
import { vitestBin } from './cli/vitest-run.ts';
import { root } from './manifest.ts';

const NAME = 'test';

const { lesson, flags, positional } = parseCommand(NAME, process.argv.slice(2), {
  lesson: 'optional',
  extraArguments: true,
  summary: "Runs the lessons' suites (all of them, or the ones named) against your code in lessons/.",
  flags: {
    solutions: { description: 'check the reference solutions in solutions/ instead', npmMayKeep: true },
  },
});
const chosen = lesson ? [lesson, ...positional.map((word) => lessonOrFail(NAME, word))] : [];

const project = flags.solutions ? 'solutions' : 'lessons';
const reporter = path.join(root, 'tools', 'cli', 'lesson-reporter.ts');
const child = spawn(process.execPath, [vitestBin, 'run', '--project', project, `--reporter=${reporter}`, ...chosen.map(suitePrefix)], {
  cwd: root,
  env: { ...vitestColourEnvironment(), WORKSHOP_LESSONS: chosen.map((l) => l.id).join(',') },
  stdio: 'inherit',
});
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
