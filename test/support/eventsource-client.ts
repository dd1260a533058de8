// A real client in the test's process: the `eventsource` package's EventSource,
// the same API and reconnection rules as a browser's. Every open, message and
// error is logged with the time it happened, so a test can measure how long the
// client waited before reconnecting. Every EventSource is closed after each test.
import { EventSource } from 'eventsource';
import { afterEach } from 'vitest';

/** The eventsource package's reconnection delay when the stream sent no retry field. */
export const EVENTSOURCE_DEFAULT_RETRY_MS = 3000;

export interface ClientEntry {
  type: 'open' | 'message' | 'error';
  /** performance.now() when the client fired it. */
  at: number;
  /** A message's data. */
  data?: string;
}

export interface WatchedEventSource {
  source: EventSource;
  /** Everything the client fired so far, oldest first. */
  log: ClientEntry[];
  /**
   * Waits for the first `type` entry fired at or after `since` (a performance.now()
   * time; default: any time), for at most `withinMs`. Undefined if none came.
   */
  next(type: ClientEntry['type'], withinMs: number, since?: number): Promise<ClientEntry | undefined>;
}

const sources = new Set<EventSource>();
afterEach(() => {
  for (const source of sources) source.close();
  sources.clear();
});

export function watchEventSource(url: string): WatchedEventSource {
  const source = new EventSource(url);
  sources.add(source);
  const log: ClientEntry[] = [];
  const waiters = new Set<() => void>();
  const record = (entry: ClientEntry) => {
    log.push(entry);
    for (const wake of waiters) wake();
  };
  source.addEventListener('open', () => record({ type: 'open', at: performance.now() }));
  source.addEventListener('message', (event) => record({ type: 'message', at: performance.now(), data: event.data }));
  source.addEventListener('error', () => record({ type: 'error', at: performance.now() }));

  return {
    source,
    log,
    next(type, withinMs, since = -Infinity) {
      const find = () => log.find((entry) => entry.type === type && entry.at >= since);
      return new Promise((resolve) => {
        const found = find();
        if (found) return resolve(found);
        const check = () => {
          const entry = find();
          if (entry) done(entry);
        };
        const done = (entry: ClientEntry | undefined) => {
          clearTimeout(timer);
          waiters.delete(check);
          resolve(entry);
        };
        const timer = setTimeout(() => done(undefined), withinMs);
        waiters.add(check);
      });
    },
  };
}
