// An event-stream server that the test itself controls, for testing the
// learner's client (lesson 05). It runs in the test's process with plain
// node:http: the test decides byte by byte what the client receives, sees
// every request the client makes, and can cut a connection at any time.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { until } from './poll.ts';

export interface TestConnection {
  /** The request as the client sent it (method, url, headers). */
  request: http.IncomingMessage;
  /** Writes raw event-stream text, e.g. "data: hello\n\n". Ignored once the connection is gone. */
  send(text: string): void;
  /** Cuts the connection from the server side, as a crash or a proxy would. */
  drop(): void;
  /** True once the TCP connection is closed, whichever side closed it. */
  closed(): boolean;
  /** Waits until the connection is closed or `withinMs` passed; returns closed(). */
  waitForClose(withinMs: number): Promise<boolean>;
}

export interface TestServer {
  /** The stream's URL, to give to the client. */
  url: string;
  /** Every connection the client opened so far, oldest first. */
  connections: TestConnection[];
  /** Waits until `count` connections arrived or `withinMs` passed; returns connection number `count`, if any. */
  waitForConnection(count: number, withinMs: number): Promise<TestConnection | undefined>;
  /** Cuts every connection and stops listening. */
  close(): Promise<void>;
}


/** Starts a server on port 0 that answers every request as an open event stream. */
export async function startTestServer(): Promise<TestServer> {
  const connections: TestConnection[] = [];
  const server = http.createServer((request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    response.flushHeaders();
    let closed = false;
    request.socket.once('close', () => {
      closed = true;
    });
    connections.push({
      request,
      send(text) {
        if (!closed) response.write(text);
      },
      drop() {
        request.socket.destroy();
      },
      closed: () => closed,
      waitForClose: (withinMs) => until(() => closed, withinMs),
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/stream`,
    connections,
    async waitForConnection(count, withinMs) {
      await until(() => connections.length >= count, withinMs);
      return connections[count - 1];
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
