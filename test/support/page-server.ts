// A test server for a lesson's page: serves the files of its public/ folder,
// and answers GET /events with a stream the test writes, so a test sends the
// learner's own page exactly the events it needs and can cut the stream.
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { isFile } from './browser-launch.ts';
import { shown } from './target.ts';
import { teach } from './teach.ts';

/** One GET /events the stream server answered. */
export interface StreamRequest {
  /** 1 for the first connection, 2 for the first reconnection, ... */
  n: number;
  /** performance.now() in the test process when the request arrived. */
  at: number;
  headers: http.IncomingHttpHeaders;
}

export interface PageServer {
  url: string;
  /** Every GET /events so far. */
  requests: StreamRequest[];
  /** Cuts every open /events connection, as a crashing server would; returns the time it did (performance.now()). */
  dropStreams(): number;
  /** Waits until the server has answered `count` GET /events, or `withinMs` passed. */
  waitForRequests(count: number, withinMs: number): Promise<StreamRequest[]>;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * A test server for a lesson's page: serves the files of `publicDir` (the page
 * at /) and answers GET /events with `stream`, which the test writes. It lets a
 * test send exactly the events it needs to the learner's own page.
 */
export async function servePage(
  publicDir: string,
  stream: (res: http.ServerResponse, request: StreamRequest) => void,
  read: string,
): Promise<PageServer> {
  const page = path.join(publicDir, 'index.html');
  if (!existsSync(page)) {
    teach({
      expected: `the page ${shown(page)}`,
      got: 'there is no such file',
      read,
    });
  }
  const requests: StreamRequest[] = [];
  const open = new Set<http.ServerResponse>();
  const waiters = new Set<() => void>();

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/events') {
      const request: StreamRequest = { n: requests.length + 1, at: performance.now(), headers: req.headers };
      requests.push(request);
      waiters.forEach((wake) => wake());
      open.add(res);
      res.on('close', () => open.delete(res));
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      stream(res, request);
      return;
    }
    const file = path.join(publicDir, url.pathname === '/' ? 'index.html' : path.normalize(url.pathname));
    if (file.startsWith(publicDir) && isFile(file)) {
      res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      res.end(readFileSync(file));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    dropStreams() {
      const at = performance.now();
      for (const res of open) res.socket?.destroy();
      return at;
    },
    async waitForRequests(count, withinMs) {
      await new Promise<void>((resolve) => {
        const done = () => {
          if (requests.length < count) return;
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(done);
          resolve();
        }, withinMs);
        waiters.add(done);
        done();
      });
      return [...requests];
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Writes one event the way a server would. */
export function writeEvent(res: http.ServerResponse, fields: { id?: string; retry?: number; data: string }): void {
  let text = '';
  if (fields.retry !== undefined) text += `retry: ${fields.retry}\n`;
  if (fields.id !== undefined) text += `id: ${fields.id}\n`;
  text += `data: ${fields.data}\n\n`;
  res.write(text);
}
