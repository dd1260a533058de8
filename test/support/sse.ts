// Reads an SSE response the way a browser does: raw HTTP bytes, parsed by
// eventsource-parser (a WHATWG event-stream parser), each event stamped with
// the time it arrived. No string comparison of the raw stream decides a test.
import http from 'node:http';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

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
}

export class NoResponse extends Error {
  constructor(readonly withinMs: number) {
    super(`no response headers within ${withinMs} ms`);
  }
}

/**
 * Opens `url` as an EventSource would (Accept: text/event-stream, no cache) and
 * resolves once the response headers arrive; rejects with NoResponse after
 * `headersWithinMs`. A new connection each time (no keep-alive agent), closed by close().
 */
export function openStream(url: string, headersWithinMs = 1500): Promise<Stream> {
  const start = performance.now();
  const since = () => Math.round(performance.now() - start);
  return new Promise((resolve, reject) => {
    const request = http.get(url, {
      agent: false,
      headers: { Accept: 'text/event-stream', 'Cache-Control': 'no-cache' },
    });
    const timer = setTimeout(() => {
      request.destroy();
      reject(new NoResponse(headersWithinMs));
    }, headersWithinMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.on('response', (response) => {
      clearTimeout(timer);
      const headersAt = since();
      const events: ReceivedEvent[] = [];
      const retries: number[] = [];
      const chunks: Buffer[] = [];
      let firstByteAt: number | undefined;
      let ended = false;
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
        parser.feed(decoder.decode(chunk, { stream: true }));
      });
      const finish = () => {
        ended = true;
        wake();
      };
      response.on('end', finish);
      response.on('close', finish);
      response.on('error', finish);

      const waitUntil = (done: () => boolean, withinMs: number) =>
        new Promise<void>((settle) => {
          if (done()) return settle();
          const check = () => {
            if (done()) stop();
          };
          const stop = () => {
            clearTimeout(deadline);
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
          await new Promise((r) => setTimeout(r, ms));
          return events.slice(before);
        },
        close() {
          request.destroy();
          response.destroy();
        },
      });
    });
  });
}
