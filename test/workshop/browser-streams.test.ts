// The lesson suites read streams with eventsource-parser (test/support/sse.ts).
// This proves that choice: for every reference solution, a real browser's
// EventSource and eventsource-parser read the same stream and must see the same
// events (type, data, last event id). If they ever disagree, a lesson test
// could pass a stream that a browser reads differently.
import path from 'node:path';
import { expect, test } from 'vitest';
import { folderName, lessonDir, lessons } from '../../tools/manifest.ts';
import { describeInBrowser } from '../support/browser-launch.ts';
import { useLesson } from '../support/lesson-host.ts';
import { openStream } from '../support/sse.ts';

/** What both readers report for each event. The id is the last event id, as event.lastEventId gives it. */
interface Seen {
  type: string;
  data: string;
  lastEventId: string;
}

const host = useLesson('01', 'docs/README.md');
const options = { retryMs: 200, intervalMs: 25 };
/** A counter is compared on its first 5 events. */
const compareAtMost = 5;
/**
 * How long the parser waits for those 5. A stream that sends fewer within this
 * time is not a counter: it sent all it has, and both readers must see all of it.
 * (Generous: a busy machine can stretch 25 ms ticks a lot.)
 */
const counterWithinMs = 1000;

// Up to lesson 07 every connection gets its own stream, so two readers that
// connect one after the other must see the same events. From lesson 08 on the
// server has one sequence for everyone and a later reader starts later in it;
// those lessons read their streams with Chromium in their own browser suites
// (lesson 07's browser suite already has Chromium read every framing case).
const perConnectionStreams = lessons.filter((lesson) => lesson.id <= '07');

describeInBrowser("every solution's stream: the browser's EventSource and eventsource-parser agree", (browser) => {
  for (const lesson of perConnectionStreams) {
    test(`solutions/${folderName(lesson)}`, async () => {
      const server = await host.start(options, path.join(lessonDir(lesson, 'solutions'), 'server.ts'));

      // The browser gets an empty page of the same origin while the parser
      // reads. (Not Express's 404 page: its Content-Security-Policy forbids connections.)
      const pageReady = (async () => {
        const { page } = await browser.newPage();
        const blank = `${server.url}/blank-page`;
        await page.route(blank, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>probe</title>' }));
        await page.goto(blank);
        return page;
      })();
      pageReady.catch(() => undefined); // awaited below; no unhandled rejection meanwhile

      // eventsource-parser, over raw HTTP.
      const stream = await openStream(`${server.url}/events`);
      await stream.waitForEvents(compareAtMost, counterWithinMs);
      stream.close();
      let lastEventId = '';
      const parsed: Seen[] = stream.events.map((event) => {
        lastEventId = event.id ?? lastEventId;
        return { type: event.type, data: event.data, lastEventId };
      });

      // The browser's EventSource, listening for every type the parser saw.
      const page = await pageReady;
      const types = [...new Set(['message', ...parsed.map((event) => event.type)])];
      const want = Math.min(parsed.length, compareAtMost);
      const seen = await page.evaluate(
        ({ types, want, graceMs }) =>
          new Promise<{ opened: boolean; events: Seen[] }>((resolve) => {
            const source = new EventSource('/events');
            const events: Seen[] = [];
            let opened = false;
            // Once it has as many events as the parser, a stream that is not a
            // counter gets a moment more: an event the parser missed must show up.
            const finish = () =>
              setTimeout(() => {
                source.close();
                resolve({ opened, events });
              }, graceMs);
            source.addEventListener('open', () => {
              opened = true;
              if (want === 0) finish();
            });
            for (const type of types) {
              source.addEventListener(type, (event) => {
                const message = event as MessageEvent<string>;
                events.push({ type: message.type, data: message.data, lastEventId: message.lastEventId });
                if (events.length === want) finish();
              });
            }
            setTimeout(() => resolve({ opened, events }), 3000);
          }),
        { types, want, graceMs: parsed.length < compareAtMost ? 150 : 0 },
      );

      expect(seen.opened, 'the browser opened the stream').toBe(true);
      const what = 'the events of the browser (received) and of eventsource-parser (expected)';
      if (parsed.length < compareAtMost) {
        // Not a counter: the stream sent all it has at once, and both read all of it.
        expect(seen.events, what).toEqual(parsed);
      } else {
        expect(seen.events.slice(0, want), what).toEqual(parsed.slice(0, want));
      }
      // Every lesson after the first sends events: comparing two empty lists proves nothing.
      if (lesson.id !== '01') expect(parsed.length, 'events eventsource-parser read').toBeGreaterThan(0);
    });
  }
});
