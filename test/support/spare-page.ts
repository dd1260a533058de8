// A fresh browser context with its page costs Chromium about half a second on a
// small machine: each page gets a new renderer process. While a test uses its
// page, the next one is made ahead, so the next test finds it ready. It is made
// only when a later test of the file will run: a spare nobody takes is half a
// second of CPU taken from the tests.
import type { RunnerTask, RunnerTestCase } from 'vitest';

export class SparePage<T> {
  #next: Promise<T> | undefined;

  constructor(
    private readonly make: () => Promise<T>,
    private readonly close: (made: T) => Promise<void>,
  ) {}

  /** Starts making one, unless one is made or being made. */
  prepare(): void {
    if (this.#next) return;
    this.#next = this.make();
    // Its failure (a browser that crashed) reaches the test that takes it.
    this.#next.catch(() => undefined);
  }

  /** The one made ahead, or a new one when there is none or it could not be made. */
  async take(): Promise<T> {
    const next = this.#next;
    this.#next = undefined;
    if (next) {
      const made = await next.catch(() => undefined);
      if (made) return made;
    }
    return this.make();
  }

  /** Closes the one made ahead, if any. */
  async discard(): Promise<void> {
    const next = this.#next;
    this.#next = undefined;
    const made = await next?.catch(() => undefined);
    if (made) await this.close(made).catch(() => undefined);
  }
}

/** Whether a test after `test` in its file will run (not skipped by a filter, .only or .todo). */
export function laterTestWillRun(test: RunnerTestCase): boolean {
  const all: RunnerTestCase[] = [];
  const collect = (tasks: readonly RunnerTask[]) => {
    for (const task of tasks) {
      if (task.type === 'test') all.push(task);
      else if (task.type === 'suite') collect(task.tasks);
    }
  };
  collect(test.file.tasks);
  return all.slice(all.indexOf(test) + 1).some((later) => later.mode === 'run' || later.mode === 'only');
}
