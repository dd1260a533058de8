// Plays fixed bytes to a real client: a test server answers GET /stream with
// the given text as an event stream, then an "end-of-replay" event, and keeps
// the connection open (a closed stream would make the client reconnect and see
// it all again). readWithEventSource() reads it with the `eventsource` package;
// a browser reads it from the same server (see browser-event-source.ts).
// For checking a formatter's output with real clients, not only a parser.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventSource } from 'eventsource';

/** The event the replay ends with; a client stops reading when it arrives. */
export const END_OF_REPLAY = 'end-of-replay';

/** One event as a client dispatched it. */
export interface ClientSeen {
  type: string;
  data: string;
  lastEventId: string;
}

export interface ReplayServer {
  /** A blank HTML page on the same origin, for a browser. */
  pageUrl: string;
  /** The stream: the text, then the end-of-replay event. */
  streamUrl: string;
  close(): Promise<void>;
}

export async function serveReplay(text: string): Promise<ReplayServer> {
  const server = http.createServer((req, res) => {
    if (req.url === '/stream') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache' });
      res.write(text);
      res.write(`event: ${END_OF_REPLAY}\ndata: end\n\n`);
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end('<!doctype html><title>replay</title>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    pageUrl: `http://127.0.0.1:${port}/`,
    streamUrl: `http://127.0.0.1:${port}/stream`,
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The events of `types` (plus "message") that the `eventsource` package
 * dispatches from `url`, until the first event of type `endType` (not
 * included). Undefined when that event did not arrive within `withinMs`.
 */
export function readWithEventSource(
  url: string,
  types: string[],
  endType: string,
  withinMs: number,
): Promise<ClientSeen[] | undefined> {
  return new Promise((resolve) => {
    const source = new EventSource(url);
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
  });
}
