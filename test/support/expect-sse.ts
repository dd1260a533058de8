// Friendly assertions on an SSE response, shared by every lesson suite.
import { afterEach } from 'vitest';
import type { RunningServer } from './lesson-host.ts';
import { NoResponse, openStream, type Stream } from './sse.ts';
import { check, showBytes, teach } from './teach.ts';

const open = new Set<Stream>();
afterEach(() => {
  for (const stream of open) stream.close();
  open.clear();
});

/**
 * GETs `path` on the server and returns the stream once the headers arrive.
 * Fails with a lesson message if they never do, telling a stuck process apart
 * from headers that were simply never sent. Headers that cannot come fail it
 * at once (the server's process says so, see host-quiet.ts), so the deadline
 * only matters on a busy machine, and is generous.
 */
export async function connect(
  server: RunningServer,
  read: string,
  { path = '/events', withinMs = 3000, headers }: { path?: string; withinMs?: number; headers?: Record<string, string> } = {},
): Promise<Stream> {
  try {
    const stream = await openStream(server.url + path, withinMs, { headers, quiet: server });
    open.add(stream);
    return stream;
  } catch (error) {
    if (!(error instanceof NoResponse)) throw error;
    if (!error.silent) await server.assertResponsive(read);
    teach({
      expected: `GET ${path} to answer with its status and headers right away`,
      got: error.silent
        ? 'the handler returned without sending a status line or headers, and left nothing running (no timer, no I/O) that could send them later'
        : `no status line or headers arrived within ${withinMs} ms`,
      hint: 'Node sends headers with the first body byte. With nothing written yet, call res.flushHeaders() after setting them.',
      read,
    });
  }
}

const header = (stream: Stream, name: string): string => {
  const value = stream.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
};

/** The three SSE headers of lesson 01, and status 200. */
export function expectSseHeaders(stream: Stream, read: string): void {
  check(stream.status === 200, {
    expected: 'status 200',
    got: `status ${stream.status}`,
    read,
  });
  const type = header(stream, 'content-type');
  check(type.split(';')[0]!.trim().toLowerCase() === 'text/event-stream', {
    expected: 'Content-Type: text/event-stream (a "; charset=utf-8" after it is fine)',
    got: type ? `Content-Type: ${type}` : 'no Content-Type header',
    hint: 'Without this type, EventSource refuses the response and never fires a message.',
    read,
  });
  const cache = header(stream, 'cache-control');
  check(/\bno-cache\b/i.test(cache), {
    expected: 'Cache-Control: no-cache',
    got: cache ? `Cache-Control: ${cache}` : 'no Cache-Control header',
    read,
  });
  const connection = header(stream, 'connection');
  check(/\bkeep-alive\b/i.test(connection), {
    expected: 'Connection: keep-alive, even when the client asked for Connection: close',
    got: connection ? `Connection: ${connection}` : 'no Connection header',
    read,
  });
}

/** The response must still be open: a stream that ended is not a stream. */
export function expectStillOpen(stream: Stream, read: string): void {
  check(!stream.ended(), {
    expected: 'the response to stay open, so more events can follow',
    got: stream.raw() ? `the response ended after sending ${showBytes(stream.raw())}` : 'the response ended without sending any body bytes',
    hint: 'res.send() and res.end() finish the response. Use res.write() for events.',
    read,
  });
}

/** Describes the bytes received for a failure message. */
export function describeBody(stream: Stream): string {
  const raw = stream.raw();
  return raw ? `sent ${showBytes(raw)}` : 'sent no body bytes at all';
}
