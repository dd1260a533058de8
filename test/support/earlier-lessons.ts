// Brief checks that what earlier lessons built still works in a later lesson's
// code: the defaults of createApp() (lessons 03 and 04) and the page at /
// (lesson 05). Each lesson suite checks its own goal in depth and calls these
// for what it carries forward.
import fs from 'node:fs';
import { beforeAll } from 'vitest';
import type { RunningServer, useLesson } from './lesson-host.ts';
import { NoResponse, openStream, type Stream } from './sse.ts';
import { shown, targetFile } from './target.ts';
import { check, showBytes, teach } from './teach.ts';

type Lesson = ReturnType<typeof useLesson>;

/** The defaults every lesson from 04 on keeps: retry: 10000 and one event per second. */
export const DEFAULT_RETRY_MS = 10_000;
export const DEFAULT_INTERVAL_MS = 1000;
/** How long the defaults probe waits for its headers. */
const PROBE_HEADERS_WITHIN_MS = 5000;

/**
 * Starts createApp() with no options and opens /events before the suite's
 * tests run, so its first event (a second later) arrives while they run.
 * Returns the check, to call in a test near the end of the file.
 */
export function probeDefaults(lesson: Lesson): DefaultsCheck {
  /** `silent`: no headers, and the server's process showed that none could come. */
  type Probe = { server: RunningServer; stream?: Stream; silent?: boolean };
  let probe: Promise<Probe> | undefined;
  let open: Stream | undefined;
  // Not awaited: the suite's first tests run while the probe waits for its
  // first event (and a slow start never times out a hook).
  const start = async (): Promise<Probe> => {
    const server = await lesson.start();
    // It opens while the suite's first tests start their own servers: on a busy machine that
    // can take a while. Headers that cannot come fail it at once (host-quiet.ts).
    const opened = await openStream(`${server.url}/events`, PROBE_HEADERS_WITHIN_MS, { quiet: server }).then(
      (stream): Omit<Probe, 'server'> => ({ stream }),
      (error: unknown): Omit<Probe, 'server'> => ({ silent: error instanceof NoResponse && error.silent }),
    );
    open = opened.stream;
    return { server, ...opened };
  };
  beforeAll(() => {
    probe = start();
    // The test that calls the check reports a failure; the hook never does.
    probe.catch(() => undefined);
  });

  const expectDefaults = async (read: { retry: string; interval: string }) => {
    // A probe that could not start (its process was replaced after an earlier
    // test's failure, or the machine was too busy) starts again here, and its
    // own failure is the one reported.
    let { server, stream, silent } = await probe!.catch(() => start());
    // Its process may have been replaced since (a stuck test elsewhere): the probe then starts again.
    if (stream?.ended() && stream.events.length === 0) ({ server, stream, silent } = await start());
    if (!stream) {
      if (!silent) await server.assertResponsive(read.interval);
      teach({
        expected: 'GET /events of createApp() (no options) to answer with its headers right away',
        got: silent
          ? 'the handler returned without sending a status line or headers, and left nothing running (no timer, no I/O) that could send them later'
          : `no status line or headers within ${PROBE_HEADERS_WITHIN_MS / 1000} s`,
        read: 'docs/01-headers.md#flushheaders',
      });
    }
    try {
      // The first event of a once-a-second counter, with room for a busy machine.
      const events = await stream.waitForEvents(1, 2500);
      check(stream.retries[0] === DEFAULT_RETRY_MS, {
        expected: `retry: ${DEFAULT_RETRY_MS} from createApp() without options, as in lesson 03`,
        got: stream.retries.length ? `retry: ${stream.retries[0]}` : `no retry field: it sent ${showBytes(stream.raw()) || 'nothing'}`,
        hint: 'The default applies only when options.retryMs is missing; a value that is given is used as is.',
        read: read.retry,
      });
      const first = events[0] ?? stream.events[0];
      if (!first) await server.assertResponsive(read.interval);
      const after = first && first.at - stream.headersAt;
      // Too soon is counted from the request (a busy test process can read the headers
      // late, never the event early); too late from the headers.
      const tooLate = (ms: number) => ms > DEFAULT_INTERVAL_MS + 900;
      // A busy machine can hold one event back; a longer default holds back every one.
      // So a late first event is measured again on the gap to the next.
      let gap: number | undefined;
      if (first && tooLate(after!)) {
        const [, second] = await stream.waitForEvents(2, 2500);
        gap = second && second.at - first.at;
      }
      check(first && first.at >= DEFAULT_INTERVAL_MS * 0.7 && (!tooLate(after!) || (gap !== undefined && !tooLate(gap))), {
        expected: `createApp() without options to send its first event about ${DEFAULT_INTERVAL_MS} ms after the stream opened (the default interval)`,
        got: !first
          ? 'no event within 2.5 s'
          : `data: ${first.data} came ${Math.round(after!)} ms after the headers, ${Math.round(first.at)} ms after the request` +
            (tooLate(after!) ? (gap === undefined ? ', and no second event within 2.5 s' : `, and the next ${Math.round(gap)} ms later`) : ''),
        read: read.interval,
      });
    } finally {
      stream.close();
      open = undefined;
    }
  };
  return Object.assign(expectDefaults, {
    openConnections: () => (open && !open.ended() ? 1 : 0),
    opened: async () => {
      await probe?.catch(() => undefined);
    },
  });
}

export interface DefaultsCheck {
  (read: { retry: string; interval: string }): Promise<void>;
  /** The probe's own connection to the server's process while it is open (1), for tests that count open responses. */
  openConnections(): number;
  /** Resolves once the probe's connection is open (or failed to): before that, a count of open responses can still change under a test. */
  opened(): Promise<void>;
}

/** The text of an HTML body, for a one-line message ("Error Cannot GET /"). */
const textOf = (html: string): string => html.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();

/**
 * How long GET / may take to answer. A busy machine took more than 2 s in a CI run
 * (its first fetch loads Node's HTTP client too); only a handler that never answers waits it out.
 */
const PAGE_ANSWER_WITHIN_MS = 5000;

/** GET / must answer 200 with the lesson's public/index.html, unchanged, as text/html. */
export async function expectPageServed(server: RunningServer, lessonId: string, read: string): Promise<void> {
  const file = targetFile(lessonId, 'public/index.html');
  check(fs.existsSync(file), {
    expected: `the page at ${shown(file)}`,
    got: 'there is no such file',
    read,
  });

  let response: Response;
  try {
    response = await fetch(`${server.url}/`, { signal: AbortSignal.timeout(PAGE_ANSWER_WITHIN_MS) });
  } catch {
    await server.assertResponsive(read);
    teach({
      expected: 'GET / to answer with the page',
      got: `no answer within ${PAGE_ANSWER_WITHIN_MS / 1000} s`,
      hint: 'A route handler must answer every request; sending a file ends the response.',
      read,
    });
  }
  const body = await response.text();
  check(response.status === 200, () => {
    const noRoute = /Cannot GET \//.test(body);
    const notFound = /NotFoundError|ENOENT/.test(body);
    return {
      expected: 'GET / to answer 200 with the page',
      got: `status ${response.status}${noRoute ? ' (Express: "Cannot GET /")' : body ? `: ${showBytes(textOf(body), 100)}` : ''}`,
      hint: noRoute
        ? 'Nothing answers GET / yet.'
        : notFound
          ? 'The route runs, but the file was not found where it looked: the path must be built from the folder of server.ts, not from the folder Node was started in.'
          : undefined,
      read,
    };
  });
  const type = response.headers.get('content-type') ?? '';
  check(type.split(';')[0]!.trim().toLowerCase() === 'text/html', {
    expected: 'Content-Type: text/html, so the browser renders the page and runs its script',
    got: type ? `Content-Type: ${type}` : 'no Content-Type header',
    hint: 'Sending the file sets the type from its name (.html); sending its bytes as a Buffer does not.',
    read,
  });
  const page = fs.readFileSync(file, 'utf8');
  check(body === page, {
    expected: `the body to be the file ${shown(file)} (${page.length} chars), unchanged`,
    got: `a body of ${body.length} chars: ${showBytes(body, 160)}`,
    hint: 'Send the file itself, as it is on disk.',
    read,
  });
}
