// The browser's own EventSource, reading a stream from inside a page: what
// Chromium dispatches, event by event, for the types the test listens for.
import type { Page } from 'playwright-core';
import type { ClientSeen } from './replay-stream.ts';

/**
 * Opens `pageUrl` (same origin as `streamUrl`), then collects the events of
 * `types` (plus "message") until an event of type `endType` arrives (not
 * included).
 * Undefined when it did not arrive within `withinMs`.
 */
export async function readInBrowser(
  page: Page,
  pageUrl: string,
  streamUrl: string,
  types: string[],
  endType: string,
  withinMs: number,
): Promise<ClientSeen[] | undefined> {
  await page.goto(pageUrl);
  return page.evaluate(
    ({ streamUrl, types, endType, withinMs }) =>
      new Promise<ClientSeen[] | undefined>((resolve) => {
        const source = new EventSource(streamUrl);
        const seen: ClientSeen[] = [];
        const finish = (result: ClientSeen[] | undefined) => {
          clearTimeout(timer);
          source.close();
          resolve(result);
        };
        const timer = setTimeout(() => finish(undefined), withinMs);
        for (const type of new Set(['message', ...types].filter((type) => type !== endType))) {
          source.addEventListener(type, (event) => seen.push({ type, data: event.data, lastEventId: event.lastEventId }));
        }
        source.addEventListener(endType, () => finish(seen));
      }),
    { streamUrl, types, endType, withinMs },
  );
}
