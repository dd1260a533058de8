// The browser tests make each test's page ahead of time (test/support/spare-page.ts):
// the page made ahead is the one a test gets, a failed one is made again, and
// none is made for a test that will not run.
import { describe, expect, test, type RunnerTestCase } from 'vitest';
import { laterTestWillRun, SparePage } from '../support/spare-page.ts';

function counter() {
  const made: number[] = [];
  const closed: number[] = [];
  let failNext = false;
  const spare = new SparePage<number>(
    async () => {
      if (failNext) {
        failNext = false;
        throw new Error('the browser crashed');
      }
      made.push(made.length + 1);
      return made.length;
    },
    async (n) => void closed.push(n),
  );
  return { spare, made, closed, failNext: () => (failNext = true) };
}

describe('SparePage', () => {
  test('take() returns the one made ahead, and prepare() makes only one at a time', async () => {
    const { spare, made } = counter();
    spare.prepare();
    spare.prepare();
    expect(await spare.take()).toBe(1);
    expect(made).toEqual([1]);
    expect(await spare.take()).toBe(2);
  });

  test('a spare that could not be made is made again when taken', async () => {
    const { spare, failNext } = counter();
    failNext();
    spare.prepare();
    expect(await spare.take()).toBe(1);
  });

  test('discard() closes the spare nobody took', async () => {
    const { spare, closed } = counter();
    spare.prepare();
    await spare.discard();
    expect(closed).toEqual([1]);
    await spare.discard();
    expect(closed).toEqual([1]);
  });
});

describe('laterTestWillRun', () => {
  // A file as vitest sees it: a test, a describe with two, then a skipped test and a todo.
  type Mode = 'run' | 'skip' | 'todo' | 'only';
  const testCase = (name: string, mode: Mode) => ({ type: 'test', name, mode }) as unknown as RunnerTestCase;
  const tests = { first: testCase('first', 'run'), inner: testCase('inner', 'run'), last: testCase('last', 'run') };
  const file = {
    tasks: [tests.first, { type: 'suite', tasks: [tests.inner, tests.last] }, testCase('skipped', 'skip'), testCase('todo', 'todo')],
  };
  for (const task of Object.values(tests)) Object.assign(task, { file });

  test('a later test that runs, also inside a describe, counts; skipped and todo tests do not', () => {
    expect(laterTestWillRun(tests.first)).toBe(true);
    expect(laterTestWillRun(tests.inner)).toBe(true);
    expect(laterTestWillRun(tests.last)).toBe(false);
  });

  test('in a real run, the last test of its file has no test after it', (context) => {
    expect(laterTestWillRun(context.task)).toBe(false);
  });
});
