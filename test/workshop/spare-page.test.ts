// The browser tests make a file's first page ahead of time (test/support/spare-page.ts):
// the page made ahead is the one a test gets, a failed one is made again, and
// one nobody took is closed.
import { describe, expect, test } from 'vitest';
import { SparePage } from '../support/spare-page.ts';

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
