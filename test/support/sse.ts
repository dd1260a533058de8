// Reads an SSE response the way a browser does: raw HTTP bytes, parsed by
// eventsource-parser (a WHATWG event-stream parser), each event stamped with
// the time it arrived. No string comparison of the raw stream decides a test.
import http from 'node:http';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { QuietState } from './host-quiet.ts';

export interface ReceivedEvent {
  /** The event type; "message" when the stream gave no event: field. */
  type: string;
  data: string;
  id?: string;
  /** Milliseconds after the request was sent. */
  at: number;
}

export interface Stream {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** When the status line and headers arrived, in ms after the request. */
  headersAt: number;
  events: ReceivedEvent[];
  /** Every retry: value the stream sent, in order. */
  retries: number[];
  /** Everything received so far, decoded as UTF-8. */
  raw(): string;
  /** When the first body byte arrived, or undefined. */
  firstByteAt(): number | undefined;
  /** True once the server has finished the response (res.end, res.send) or cut it. */
  ended(): boolean;
  /** Waits until `count` events arrived or `withinMs` passed; returns what arrived. */
  waitForEvents(count: number, withinMs: number): Promise<ReceivedEvent[]>;
  /** Waits until the response ends or `withinMs` passed; returns ended(). */
  waitForEnd(withinMs: number): Promise<boolean>;
  /** Waits `ms` and returns the events that arrived meanwhile. */
  collect(ms: number): Promise<ReceivedEvent[]>;
  /** The client goes away: closes the connection. */
  close(): void;
  /**
   * True when a wait ended before its deadline because the server's process
   * can no longer send anything (its handler returned, nothing is pending).
   */
  silent(): boolean;
}

/** The learner's server, asked whether anything can still write to a response (lesson-host.ts). */
export interface QuietProbe {
  quiet(clientPort: number): Promise<QuietState | undefined>;
}

/**
 * How often a waiting stream asks, and how many looks in a row must agree
 * before a wait ends early: about 150 ms of a process with nothing to do.
 * A test sends its own requests before it waits, never while (see host-quiet.ts).
 */
const QUIET_EVERY_MS = 40;
const QUIET_LOOKS = 3;

/**
 * Calls `stop` once `isOver(state)` held on QUIET_LOOKS looks in a row,
 * QUIET_EVERY_MS apart, with nothing happening in the server's process in
 * between. A look the process does not answer in time starts the count over;
 * the caller's deadline still decides.
 * Returns a function that ends the watch.
 */
function watchQuiet(
  probe: QuietProbe,
  clientPort: number | undefined,
  isOver: (state: QuietState) => boolean,
  stop: () => void,
): () => void {
  let ended = false;
  let timer: NodeJS.Timeout | undefined;
  let previous: QuietState | undefined;
  let agreeing = 0;
  const look = async () => {
    if (ended || clientPort === undefined) return;
    const state = await probe.quiet(clientPort);
    if (ended) return;
    if (!state) {
      // No answer in time (a busy machine, or a process stuck in a loop): start over; the deadline still holds.
      agreeing = 0;
      timer = setTimeout(look, QUIET_EVERY_MS);
      return;
    }
    const quietNow = state.idle && isOver(state);
    agreeing = quietNow && (agreeing === 0 || previous?.activity === state.activity) ? agreeing + 1 : quietNow ? 1 : 0;
    if (agreeing >= QUIET_LOOKS) {
      ended = true;
      stop();
      return;
    }
    previous = state;
    timer = setTimeout(look, QUIET_EVERY_MS);
  };
  timer = setTimeout(look, QUIET_EVERY_MS);
  return () => {
    ended = true;
    clearTimeout(timer);
  };
}

export class NoResponse extends Error {
  /**
   * `silent`: the deadline did not pass; the server's handler returned without
   * sending headers and left nothing running that could send them.
   */
  constructor(
    readonly withinMs: number,
    readonly silent = false,
  ) {
    super(silent ? 'the handler returned without sending response headers, and nothing is left that could' : `no response headers within ${withinMs} ms`);
  }
}

export interface OpenOptions {
  /** Extra request headers, e.g. the Last-Event-ID of a client that comes back. */
  headers?: Record<string, string>;
  /**
   * The learner's server (a RunningServer): with it, a wait for headers or
   * events ends as soon as the server's process can no longer send them,
   * instead of at its deadline.
   */
  quiet?: QuietProbe;
}

/**
 * Opens `url` as an EventSource would (Accept: text/event-stream, no cache) and
 * resolves once the response headers arrive; rejects with NoResponse after
 * `headersWithinMs`, or earlier when `options.quiet` shows they cannot come.
 * A new connection each time (no keep-alive agent), closed by close().
 */
export function openStream(url: string, headersWithinMs = 1500, { headers = {}, quiet }: OpenOptions = {}): Promise<Stream> {
  const start = performance.now();
  const since = () => Math.round(performance.now() - start);
  return new Promise((resolve, reject) => {
    const request = http.get(url, {
      agent: false,
      headers: { Accept: 'text/event-stream', 'Cache-Control': 'no-cache', ...headers },
    });
    let clientPort: number | undefined;
    let endWatch = () => {};
    const fail = (silent: boolean) => {
      clearTimeout(timer);
      endWatch();
      request.destroy();
      reject(new NoResponse(headersWithinMs, silent));
    };
    const timer = setTimeout(() => fail(false), headersWithinMs);
    request.on('socket', (socket) => {
      const watch = () => {
        clientPort = socket.localPort;
        if (quiet) endWatch = watchQuiet(quiet, clientPort, (state) => state.requestSeen && !state.headersSent, () => fail(true));
      };
      if (socket.localPort !== undefined && !socket.connecting) watch();
      else socket.once('connect', watch);
    });
    request.on('error', (error) => {
      clearTimeout(timer);
      endWatch();
      reject(error);
    });
    request.on('response', (response) => {
      clearTimeout(timer);
      endWatch();
      const headersAt = since();
      const events: ReceivedEvent[] = [];
      const retries: number[] = [];
      const chunks: Buffer[] = [];
      let firstByteAt: number | undefined;
      let ended = false;
      let bodyBytes = 0;
      let silent = false;
      const waiters = new Set<() => void>();
      const wake = () => waiters.forEach((w) => w());

      const parser = createParser({
        onEvent(message: EventSourceMessage) {
          events.push({ type: message.event ?? 'message', data: message.data, id: message.id, at: since() });
          wake();
        },
        onRetry(ms: number) {
          retries.push(ms);
        },
      });
      const decoder = new TextDecoder();
      response.on('data', (chunk: Buffer) => {
        firstByteAt ??= since();
        chunks.push(chunk);
        bodyBytes += chunk.length;
        parser.feed(decoder.decode(chunk, { stream: true }));
      });
      const finish = () => {
        ended = true;
        wake();
      };
      response.on('end', finish);
      response.on('close', finish);
      response.on('error', finish);

      // Nothing more can arrive: every byte the server wrote is here, and its process is idle.
      const nothingMore = (state: QuietState) => !state.ended && state.bodyBytes <= bodyBytes;
      const waitUntil = (done: () => boolean, withinMs: number) =>
        new Promise<void>((settle) => {
          if (done()) return settle();
          const check = () => {
            if (done()) stop();
          };
          const endWatch = quiet
            ? watchQuiet(quiet, clientPort, nothingMore, () => {
                silent = true;
                stop();
              })
            : () => {};
          const stop = () => {
            clearTimeout(deadline);
            endWatch();
            waiters.delete(check);
            settle();
          };
          const deadline = setTimeout(stop, withinMs);
          waiters.add(check);
        });

      resolve({
        status: response.statusCode ?? 0,
        headers: response.headers,
        headersAt,
        events,
        retries,
        raw: () => Buffer.concat(chunks).toString('utf8'),
        firstByteAt: () => firstByteAt,
        ended: () => ended,
        async waitForEvents(count, withinMs) {
          await waitUntil(() => events.length >= count || ended, withinMs);
          return [...events];
        },
        async waitForEnd(withinMs) {
          await waitUntil(() => ended, withinMs);
          return ended;
        },
        async collect(ms) {
          const before = events.length;
          // Ends early only when no event can come any more: the result is the same.
          await waitUntil(() => false, ms);
          return events.slice(before);
        },
        close() {
          request.destroy();
          response.destroy();
        },
        silent: () => silent,
      });
    });
  });
}
