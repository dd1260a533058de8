// Lesson 09: the learner's app behind the real `compression` middleware, and a
// client that accepts gzip, as every browser does. Only the timing of what the
// client can decode counts: an event that sits in the compressor's buffer has
// not arrived, however many bytes went out.
import http from 'node:http';
import zlib from 'node:zlib';
import { createParser } from 'eventsource-parser';
import type { ReceivedEvent } from './sse.ts';

type Middleware = (req: http.IncomingMessage, res: http.ServerResponse, next: (error?: unknown) => void) => void;

/**
 * In the learner's process (host.ts): `handler` with `compression()` in front of
 * it, as `app.use(compression())` first thing in the app would put it. Loaded
 * only when a test asks for it.
 */
export async function behindCompression(handler: http.RequestListener): Promise<http.RequestListener> {
  const { default: compression } = await import('compression');
  const middleware = compression() as unknown as Middleware;
  return (req, res) => {
    middleware(req, res, (error) => {
      if (error) {
        res.statusCode = 500;
        res.end(String(error));
        return;
      }
      handler(req, res);
    });
  };
}

export interface GzipStream {
  status: number;
  /** The Content-Encoding the server chose: "gzip", or "" when it sent the stream as it is. */
  encoding: string;
  /** Every event the client could decode so far, with the time it could (ms after the request). */
  events: ReceivedEvent[];
  /** Bytes received on the wire so far, compressed or not. */
  wireBytes(): number;
  ended(): boolean;
  /** Waits until `count` events were decoded, the stream ended or `withinMs` passed. */
  waitForEvents(count: number, withinMs: number): Promise<ReceivedEvent[]>;
  close(): void;
}

/**
 * Opens `url` with Accept-Encoding: gzip and decodes the body as it comes, the
 * way a browser's EventSource reads a compressed stream.
 */
export function openGzipStream(url: string, headersWithinMs = 1500): Promise<GzipStream> {
  const start = performance.now();
  const since = () => Math.round(performance.now() - start);
  return new Promise((resolve, reject) => {
    const request = http.get(url, {
      agent: false,
      headers: { Accept: 'text/event-stream', 'Cache-Control': 'no-cache', 'Accept-Encoding': 'gzip' },
    });
    const timer = setTimeout(() => {
      request.destroy();
      reject(new Error(`no response headers within ${headersWithinMs} ms`));
    }, headersWithinMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.on('response', (response) => {
      clearTimeout(timer);
      const encoding = String(response.headers['content-encoding'] ?? '').toLowerCase();
      const events: ReceivedEvent[] = [];
      const waiters = new Set<() => void>();
      const wake = () => waiters.forEach((w) => w());
      let wireBytes = 0;
      let ended = false;
      const parser = createParser({
        onEvent(message) {
          events.push({ type: message.event ?? 'message', data: message.data, id: message.id, at: since() });
          wake();
        },
      });
      response.on('data', (chunk: Buffer) => (wireBytes += chunk.length));
      // Z_SYNC_FLUSH: hand out whatever can be decoded now, as a browser does.
      const body = encoding === 'gzip' ? response.pipe(zlib.createGunzip({ flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH })) : response;
      const decoder = new TextDecoder();
      body.on('data', (chunk: Buffer) => parser.feed(decoder.decode(chunk, { stream: true })));
      body.on('error', () => {});
      const finish = () => {
        ended = true;
        wake();
      };
      response.on('close', finish);
      response.on('error', finish);

      resolve({
        status: response.statusCode ?? 0,
        encoding,
        events,
        wireBytes: () => wireBytes,
        ended: () => ended,
        waitForEvents(count, withinMs) {
          return new Promise((settle) => {
            const check = () => {
              if (events.length < count && !ended) return;
              clearTimeout(deadline);
              waiters.delete(check);
              settle([...events]);
            };
            const deadline = setTimeout(() => {
              waiters.delete(check);
              settle([...events]);
            }, withinMs);
            waiters.add(check);
            check();
          });
        },
        close() {
          request.destroy();
          response.destroy();
        },
      });
    });
  });
}
