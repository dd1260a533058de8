// Runs inside the learner's process (host.ts). Answers one question for the
// tests: "can anything still write to this response?" When the handler has
// returned, no timer, immediate, file or network request of the learner's is
// pending, no other connection is waiting to send a request, and nothing has
// happened since the last look, then no byte will ever come: a test waiting for
// headers or an event can fail at once instead of waiting out its deadline.
// Only the test's own next request could change that, and a test that is
// waiting sends none. See sse.ts for the side that asks.
import http from 'node:http';
import { syncBuiltinESMExports } from 'node:module';
import type { Socket } from 'node:net';
import timers from 'node:timers';

export interface QuietState {
  /** The request from this client port has reached a handler. */
  requestSeen: boolean;
  headersSent: boolean;
  /** Body bytes the learner's code wrote to this response (res.write, res.end), before it closed. */
  bodyBytes: number;
  ended: boolean;
  /** Nothing in the process can run by itself any more (see the header comment). */
  idle: boolean;
  /** Goes up on every connection, request, write and close: two looks with the same value saw the same state. */
  activity: number;
  /** Why the process is not idle, for the curious (the first pending resource). */
  busy?: string;
}

interface Tracked {
  /** Until the response closes; then only what quietState reports is kept (not the request, its body, the socket). */
  res?: http.ServerResponse;
  bodyBytes: number;
  headersSent: boolean;
}

/** Per client port (the test connects from a fresh port for every stream). */
const responses = new Map<number, Tracked>();
const byResponse = new WeakMap<http.ServerResponse, Tracked>();
/** Connections accepted by the servers the tests started, and whether each has sent a request yet. */
const sockets = new Map<Socket, { requests: number }>();
let servers = 0;
let activity = 0;
/**
 * The process's own channels: the IPC channel and the stdout and stderr pipes
 * (PipeWrap, made when first used), and whatever child process or pending
 * connection the TypeScript loader keeps (esbuild's service, tsx's own pipes),
 * as found when the first server starts.
 */
const ownChannels = new Map<string, number>([['PipeWrap', 3]]);
let channelsKnown = false;

/**
 * Timers the learner's code made, unref'd ones included (Node does not list
 * those as active): the global functions and node:timers' share one patch.
 */
const liveTimers = new Set<NodeJS.Timeout>();
for (const name of ['setTimeout', 'setInterval'] as const) {
  const original = timers[name] as (...args: unknown[]) => NodeJS.Timeout;
  const tracked = function (...args: unknown[]) {
    const timer = original(...args);
    if (liveTimers.size > 1000) pendingUnrefTimers(); // prune the fired and cleared ones
    liveTimers.add(timer);
    return timer;
  };
  (globalThis as Record<string, unknown>)[name] = tracked;
  (timers as Record<string, unknown>)[name] = tracked;
}
syncBuiltinESMExports();
/** A fired setTimeout or a cleared timer is gone; Node marks it _destroyed. */
const pendingUnrefTimers = (): number => {
  let count = 0;
  for (const timer of liveTimers) {
    if ((timer as unknown as { _destroyed?: boolean })._destroyed) liveTimers.delete(timer);
    else if (!timer.hasRef()) count++;
  }
  return count;
};

const originalWrite = http.ServerResponse.prototype.write;
const originalEnd = http.ServerResponse.prototype.end;
const byteLength = (chunk: unknown, encoding: unknown): number => {
  if (typeof chunk === 'string') return Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  return 0;
};
function counted(res: http.ServerResponse, chunk: unknown, encoding: unknown): void {
  activity++;
  const tracked = byResponse.get(res);
  if (tracked && !res.destroyed && typeof chunk !== 'function') tracked.bodyBytes += byteLength(chunk, encoding);
}
http.ServerResponse.prototype.write = function (this: http.ServerResponse, chunk: unknown, ...rest: unknown[]) {
  counted(this, chunk, rest[0]);
  return (originalWrite as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
} as typeof originalWrite;
http.ServerResponse.prototype.end = function (this: http.ServerResponse, chunk?: unknown, ...rest: unknown[]) {
  counted(this, chunk, rest[0]);
  return (originalEnd as (...a: unknown[]) => http.ServerResponse).call(this, chunk, ...rest);
} as typeof originalEnd;

const originalFlush = http.ServerResponse.prototype.flushHeaders;
http.ServerResponse.prototype.flushHeaders = function (this: http.ServerResponse) {
  activity++;
  return originalFlush.call(this);
};

/** Called by host.ts for every server it starts for a test. */
export function trackServer(server: http.Server): void {
  if (!channelsKnown) {
    channelsKnown = true;
    const now = process.getActiveResourcesInfo();
    const count = (name: string) => now.filter((n) => n === name).length;
    ownChannels.set('PipeWrap', Math.max(3, count('PipeWrap')));
    ownChannels.set('ProcessWrap', count('ProcessWrap'));
    // On Node 26, tsx keeps two pipe connections pending for good (ConnectWrap).
    ownChannels.set('ConnectWrap', count('ConnectWrap'));
  }
  servers++;
  server.once('close', () => servers--);
  server.on('connection', (socket: Socket) => {
    activity++;
    sockets.set(socket, { requests: 0 });
    socket.once('close', () => {
      activity++;
      sockets.delete(socket);
    });
  });
  // Before the learner's handler, so that what it writes at once is counted.
  server.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    activity++;
    const socket = sockets.get(req.socket);
    if (socket) socket.requests++;
    const tracked: Tracked = { res, bodyBytes: 0, headersSent: false };
    byResponse.set(res, tracked);
    if (req.socket.remotePort !== undefined) responses.set(req.socket.remotePort, tracked);
    res.once('close', () => {
      activity++;
      tracked.headersSent = res.headersSent;
      delete tracked.res;
    });
  });
}

/** The first reason the process may still do something by itself, or undefined when it cannot. */
function busyWith(): string | undefined {
  const counts = new Map<string, number>();
  for (const name of process.getActiveResourcesInfo()) counts.set(name, (counts.get(name) ?? 0) + 1);
  for (const [name, count] of counts) {
    if (name === 'TCPServerWrap' && count <= servers) continue;
    if (name === 'TCPSocketWrap' && count <= sockets.size) continue;
    if (count <= (ownChannels.get(name) ?? 0)) continue;
    return `${count} ${name}`;
  }
  for (const { requests } of sockets.values()) if (requests === 0) return 'a connection that has not sent its request yet';
  if (pendingUnrefTimers() > 0) return "an unref'd timer";
  return undefined;
}

export function quietState(clientPort: number): QuietState {
  const tracked = responses.get(clientPort);
  const busy = busyWith();
  return {
    requestSeen: tracked !== undefined,
    headersSent: tracked ? (tracked.res?.headersSent ?? tracked.headersSent) : false,
    bodyBytes: tracked?.bodyBytes ?? 0,
    ended: tracked ? tracked.res === undefined || tracked.res.writableEnded || tracked.res.destroyed : false,
    idle: busy === undefined,
    activity,
    ...(busy === undefined ? {} : { busy }),
  };
}
