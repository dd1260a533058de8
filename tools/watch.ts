// npm run watch lesson-03: runs the lesson's suite, then again on every save of
// a file in lessons/03-retry/, with the same teaching failures as `npm test`.
// After each run, one line says whether the lesson passes and what comes next.
//
// This is vitest's own watch mode. The suites load the learner's code in a
// child process, so vitest cannot see that lessons/03-retry/server.ts belongs
// to test/lesson-03-retry.test.ts: rerunOnSave below reruns them on each save.
// `--poll` checks the files for changes every few hundred ms instead of
// waiting for file events, which some mounts never deliver (WSL on a Windows
// folder, Docker bind mounts, network drives).
import path from 'node:path';
import type { Vitest } from 'vitest/node';
import { existingFolderOrFail, fail, parseCommand, shownFolder, workshopRoot } from './cli/args.ts';
import { painter } from './cli/colours.ts';
import { startHostPool } from './cli/host-pool.ts';
import LessonReporter, { vitestColourEnvironment } from './cli/lesson-reporter.ts';
import { hasSuite, suiteEnvironment, suiteFiles, suitePrefix } from './cli/suites.ts';
import { root, testPath } from './manifest.ts';

/** How long a save must be over before the tests run: editors write a file in one or a few quick writes. */
const SAVE_SETTLE_MS = 15;

const isInside = (folder: string, file: string) => {
  const relative = path.relative(folder, file);
  return !relative.startsWith('..') && !path.isAbsolute(relative);
};

/** Polling interval with --poll: quick enough to feel instant, cheap for a handful of files. */
const POLL_INTERVAL_MS = 300;

/** What to start vitest with for `npm run watch ...argv` (tools/vitest-command.mjs starts it). */
export async function vitestRun(argv: string[]) {
  const { lesson, flags } = parseCommand('watch', argv, {
    lesson: 'required',
    summary: "Runs a lesson's tests on every save of its files, until you press q or Ctrl+C.",
    flags: {
      poll: {
        description: 'check for changes by polling: use it when saving does not rerun the tests (WSL, Docker, network drives)',
        npmMayKeep: true,
      },
    },
  });
  const folder = existingFolderOrFail('watch', lesson);
  if (!hasSuite(lesson)) {
    fail('watch', `the workshop has no suite for lesson ${lesson.id}: ${path.relative(root, testPath(lesson))} is missing.`, 'git status test/');
  }

  const paint = painter();
  // The same report as npm test (tools/cli/lesson-reporter.ts): every test, each
  // failure's teaching lines, and after each run the verdict line (tools/cli/verdict.ts),
  // printed after vitest starts waiting again so that it is the last line on screen.
  const lessonReporter = new LessonReporter({ mode: 'watch', lessons: [lesson] });

  // The suites run in vitest's workers, which inherit this process's environment.
  // vitest's own colours follow the same decision as ours (see vitestColourEnvironment).
  Object.assign(process.env, vitestColourEnvironment(), suiteEnvironment({ failFast: false }));
  console.log(paint.dim(`Watching ${shownFolder(lesson)}${flags.poll ? ` by polling every ${POLL_INTERVAL_MS} ms` : ''}. Press q or Ctrl+C to stop.`));
  const suites = suiteFiles(lesson);
  // A learner process per suite file waits for the next run, so that a save
  // does not wait for Node and tsx to start (tools/cli/host-pool.ts). Those a
  // run claims are replaced once it is over, not while its tests want the CPU.
  const pool = startHostPool({ spares: suites.length, refillWhenClaimed: false });

  // A save anywhere in the lesson folder reruns the lesson's suites at once:
  // vitest's own trigger patterns wait 100 ms first, a fifth of the learner's wait.
  // vitest watches the repository. A lesson folder elsewhere (WORKSHOP_ROOT) is
  // added before the first run, so no early save is missed.
  const rerunOnSave = (vitest: Vitest) => {
    const watcher = vitest.vite.watcher;
    if (workshopRoot() !== root) watcher.add(folder);
    let settle: NodeJS.Timeout | undefined;
    /** The last file saved that no run has seen yet. */
    let saved: string | undefined;
    let running = false;
    const runWhileSaved = async () => {
      if (running) return; // the run under way starts again when it ends
      running = true;
      try {
        while (saved !== undefined) {
          lessonReporter.rerunBecause(saved);
          saved = undefined;
          await vitest.rerunTestSpecifications(suites.flatMap((file) => vitest.getModuleSpecifications(file)));
        }
      } finally {
        running = false;
      }
    };
    watcher.on('all', (_event, file) => {
      if (!isInside(folder, file)) return;
      saved = file;
      // An editor may save in several writes, or write a copy and rename it: one run for them all.
      clearTimeout(settle);
      settle = setTimeout(runWhileSaved, SAVE_SETTLE_MS);
    });
  };

  return {
    mode: 'test' as const,
    filters: [suitePrefix(lesson)],
    options: {
      root,
      config: path.join(root, 'vitest.config.ts'),
      project: ['lessons'],
      watch: true,
      // Each run starts its test files in new workers: a thread starts about 0.1 s
      // sooner than a child process. (npm test and verify keep vitest's forks.)
      pool: 'threads',
      // onInit is where a reporter gets vitest, before the first run; a run's end is where the pool refills.
      reporters: [lessonReporter, { onInit: rerunOnSave, onTestRunEnd: () => pool.refill() }],
    },
    viteOverrides: {
      ...(flags.poll ? { server: { watch: { usePolling: true, interval: POLL_INTERVAL_MS } } } : {}),
    },
  };
}
