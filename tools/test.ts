// npm test [lesson ...] [-- --solutions]: runs lesson suites against your code in
// lessons/ (or, with --solutions, against solutions/), all lessons when none is
// named. It stands in front of vitest so that a wrong lesson gets the workshop's
// one-line error instead of vitest's "No test files found", and so that the
// output is the workshop's own (tools/cli/lesson-reporter.ts): every test,
// each failure's teaching lines without test code, and the verdict line last.
// vitest runs in this same process, started by tools/vitest-command.mjs.
import path from 'node:path';
import { lessonOrFail, parseCommand } from './cli/args.ts';
import LessonReporter, { vitestColourEnvironment } from './cli/lesson-reporter.ts';
import { startHostPool } from './cli/host-pool.ts';
import { suiteFiles, suitePrefix } from './cli/suites.ts';
import { lessons, root } from './manifest.ts';

const NAME = 'test';

/** What to start vitest with for `npm test ...argv`; called before vitest is imported. */
export async function vitestRun(argv: string[]) {
  const { lesson, flags, positional } = parseCommand(NAME, argv, {
    lesson: 'optional',
    extraArguments: true,
    summary: "Runs the lessons' suites (all of them, or the ones named) against your code in lessons/.",
    flags: {
      solutions: { description: 'check the reference solutions in solutions/ instead', npmMayKeep: true },
    },
  });
  const chosen = lesson ? [lesson, ...positional.map((word) => lessonOrFail(NAME, word))] : [];

  // vitest decides its own colours once, when it is imported, from the
  // environment (see vitestColourEnvironment); its workers inherit it too.
  Object.assign(process.env, vitestColourEnvironment());
  // One learner process per suite file, started now, while vitest loads: at
  // most as many at once as vitest runs files at once (vitest.config.ts).
  const files = (chosen.length > 0 ? chosen : lessons).flatMap(suiteFiles).length;
  startHostPool({ spares: Math.min(files, 3), total: files });
  return {
    mode: 'test' as const,
    filters: chosen.map(suitePrefix),
    options: {
      root,
      config: path.join(root, 'vitest.config.ts'),
      project: [flags.solutions ? 'solutions' : 'lessons'],
      watch: false,
      reporters: [new LessonReporter({ mode: 'test', lessons: chosen })],
    },
  };
}
