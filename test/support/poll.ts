// Waiting for something another process or the browser does, with a deadline:
// check, sleep a little, check again. A test never waits longer than it says.

/** Polls `read` until `done` accepts its value or `withinMs` passes; returns the last value. */
export async function pollUntil<T>(
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  withinMs: number,
  everyMs = 25,
): Promise<T> {
  const deadline = performance.now() + withinMs;
  let value = await read();
  while (!done(value) && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, everyMs));
    value = await read();
  }
  return value;
}

/** Polls `condition` every 10 ms until it holds or `withinMs` passed; returns whether it held. */
export const until = (condition: () => boolean, withinMs: number): Promise<boolean> =>
  pollUntil(condition, (held) => held, withinMs, 10);
