// A fresh browser context with its page costs Chromium half a second to a second
// on a small machine: each page gets a new renderer process. The first page of
// a test file is made as soon as the browser is up, while the first test starts
// its server. Later pages are made when a test asks: made during the test
// before, they took CPU from its timed checks (a reconnect, ticks every 10 ms),
// and on two cores that made them fail.

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
