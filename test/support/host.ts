// Runs in a child process, never in the test's thread: it loads the code under
// test and serves it on port 0. A learner's `while (true)` can block this process
// for ever; the test (lesson-host.ts) notices and kills it, and the test run
// goes on. Requests come from the test's worker: over Node's IPC channel when the
// worker started this process, or over a local socket (WORKSHOP_HOST_SOCKET) when
// the command started it ahead of time (tools/cli/host-pool.ts); see
// lesson-host.ts for the protocol.
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { jsonLines, writeJsonLine } from './host-spawn.ts';
import { quietState, trackServer } from './host-quiet.ts';

type Request =
  | { id: number; op: 'ping' }
  | { id: number; op: 'load'; file: string }
  | { id: number; op: 'listen'; file: string; options?: Record<string, unknown>; wrap?: 'compression' }
  | { id: number; op: 'drop'; port: number }
  | { id: number; op: 'stats' }
  | { id: number; op: 'quiet'; clientPort: number }
  | { id: number; op: 'client'; file: string; url: string }
  | { id: number; op: 'stop-client'; clientId: number }
  | { id: number; op: 'call'; file: string; name: string; args: unknown[] }
  | { id: number; op: 'memory' }
  | { id: number; op: 'stop-app'; port: number };

const servers = new Map<number, http.Server>();
/** What createApp returned, by port: lesson 12 calls its stop(). */
const apps = new Map<number, unknown>();
const clients = new Map<number, () => void>();
const closedResponses = new WeakSet<http.ServerResponse>();
let openResponses = 0;
let writesAfterClose = 0;

// Counts writes to responses whose client has already gone (lesson 06): the
// bytes go nowhere, and a loop that keeps making them is a leak.
const originalWrite = http.ServerResponse.prototype.write;
http.ServerResponse.prototype.write = function (this: http.ServerResponse, ...args: unknown[]) {
  if (closedResponses.has(this)) writesAfterClose++;
  return (originalWrite as (...a: unknown[]) => boolean).apply(this, args);
} as typeof originalWrite;

/** Set when the command started this process ahead of time: the one worker that claims it connects here. */
const socketPath = process.env.WORKSHOP_HOST_SOCKET;
let worker: net.Socket | undefined;

function send(message: unknown): void {
  if (socketPath) {
    if (worker?.writable) writeJsonLine(worker, message);
    return;
  }
  // Never to a closed channel: that error would come back as an uncaught exception, reported by another send.
  if (process.connected) process.send?.(message);
}

function describe(error: unknown): { message: string; stack?: string; name?: string } {
  if (error instanceof Error) return { message: error.message, stack: error.stack, name: error.name };
  return { message: String(error) };
}

async function load(file: string): Promise<Record<string, unknown>> {
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

async function listen(file: string, options: Record<string, unknown> | undefined, wrap?: 'compression'): Promise<{ port: number }> {
  const mod = await load(file);
  if (typeof mod.createApp !== 'function') {
    throw Object.assign(new Error('the module has no exported function createApp'), { name: 'NoCreateApp' });
  }
  const app = await (mod.createApp as (o: unknown) => unknown)(options);
  if (typeof app !== 'function') {
    throw Object.assign(new Error(`createApp() returned ${app === undefined ? 'undefined' : typeof app}, not an Express app`), {
      name: 'NotAnApp',
    });
  }
  // Lesson 09: behind the real compression middleware, when the test asks for it.
  const handler = wrap === 'compression'
    ? await (await import('./compression.ts')).behindCompression(app as http.RequestListener)
    : (app as http.RequestListener);
  const server = http.createServer((req, res) => {
    openResponses++;
    res.once('close', () => {
      closedResponses.add(res);
      openResponses--;
    });
    handler(req, res);
  });
  trackServer(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  servers.set(port, server);
  apps.set(port, app);
  return { port };
}

function countBy(items: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[item] = (counts[item] ?? 0) + 1;
  return counts;
}

function stats() {
  const processListeners = process
    .eventNames()
    .reduce((sum, name) => sum + process.listenerCount(name), 0);
  const serverListeners = [...servers.values()].reduce(
    (sum, server) => sum + server.eventNames().reduce((n, name) => n + server.listenerCount(name), 0),
    0,
  );
  return {
    resources: countBy(process.getActiveResourcesInfo()),
    openResponses,
    writesAfterClose,
    processListeners,
    serverListeners,
  };
}

/**
 * What the process holds in memory after a full garbage collection (lesson 11):
 * what is still referenced, not garbage that happens to be waiting for the
 * collector. gc() is made available here only, on first use.
 */
let collect: (() => void) | undefined;
async function memory() {
  if (!collect) {
    const [v8, vm] = await Promise.all([import('node:v8'), import('node:vm')]);
    v8.setFlagsFromString('--expose-gc');
    collect = vm.runInNewContext('gc') as () => void;
  }
  collect();
  const { heapUsed, external, arrayBuffers, rss } = process.memoryUsage();
  return { heapUsed, external, arrayBuffers, rss };
}

let nextClientId = 1;
async function startClient(file: string, url: string): Promise<{ clientId: number; returnedStop: boolean }> {
  const mod = await load(file);
  if (typeof mod.subscribe !== 'function') {
    throw Object.assign(new Error('the module has no exported function subscribe'), { name: 'NoSubscribe' });
  }
  const clientId = nextClientId++;
  const stop = (mod.subscribe as (url: string, onData: (data: string) => void) => unknown)(url, (data) =>
    // An object (lesson 07's { type, id, data }) travels as JSON; a string as it is.
    send({ event: 'client-data', clientId, data: typeof data === 'object' && data !== null ? JSON.stringify(data) : String(data) }),
  );
  clients.set(clientId, typeof stop === 'function' ? (stop as () => void) : () => {});
  return { clientId, returnedStop: typeof stop === 'function' };
}

/**
 * Calls an exported function of a lesson file with JSON arguments (lesson 07's
 * formatEvent). What it throws is an answer, not a failure of the op.
 */
async function call(file: string, name: string, args: unknown[]) {
  const mod = await load(file);
  if (typeof mod[name] !== 'function') {
    throw Object.assign(new Error(`the module has no exported function ${name}`), { name: 'NoExport' });
  }
  try {
    return { returned: await (mod[name] as (...a: unknown[]) => unknown)(...args) };
  } catch (error) {
    return { threw: describe(error) };
  }
}

async function handle(request: Request): Promise<unknown> {
  switch (request.op) {
    case 'ping':
      return 'pong';
    case 'load':
      return Object.keys(await load(request.file));
    case 'listen':
      return listen(request.file, request.options, request.wrap);
    case 'drop': {
      const server = servers.get(request.port);
      server?.closeAllConnections();
      return true;
    }
    case 'stats':
      return stats();
    case 'quiet':
      return quietState(request.clientPort);
    case 'client':
      return startClient(request.file, request.url);
    case 'stop-client': {
      clients.get(request.clientId)?.();
      clients.delete(request.clientId);
      return true;
    }
    case 'call':
      return call(request.file, request.name, request.args);
    case 'memory':
      return memory();
    case 'stop-app': {
      // Lesson 12: the app's own stop() (what a SIGTERM handler calls); the server keeps listening.
      const stop = (apps.get(request.port) as { stop?: unknown } | undefined)?.stop;
      if (typeof stop !== 'function') return { hasStop: false };
      try {
        await (stop as () => unknown).call(apps.get(request.port));
        return { hasStop: true };
      } catch (error) {
        return { hasStop: true, threw: describe(error) };
      }
    }
  }
}

function receive(request: Request): void {
  handle(request).then(
    (value) => send({ id: request.id, ok: true, value }),
    (error: unknown) => send({ id: request.id, ok: false, error: describe(error) }),
  );
}

// An error thrown later, in a timer or a listener, would otherwise kill the
// process silently; report it so the test can show it.
process.on('uncaughtException', (error) => send({ event: 'crash', error: describe(error) }));
process.on('unhandledRejection', (error) => send({ event: 'crash', error: describe(error) }));

// When whoever started us goes away, so do we: also when it went away while this
// process was still starting, before the listener below existed.
process.on('disconnect', () => process.exit(0));
if (!process.connected) process.exit(0);

if (socketPath) {
  // One worker, once: the first connection is served, and when it closes (the
  // test file is done, or its worker died) this process ends.
  const listener = net.createServer((socket) => {
    if (worker) return socket.destroy();
    worker = socket;
    listener.close();
    socket.setEncoding('utf8');
    socket.on('data', jsonLines((request) => receive(request as Request)));
    socket.on('error', () => {});
    socket.on('close', () => process.exit(0));
    // The pool starts the next spare.
    if (process.connected) process.send?.({ event: 'claimed' });
    send({ event: 'ready' });
  });
  listener.listen(socketPath);
} else {
  process.on('message', receive);
  send({ event: 'ready' });
}
// Most lessons import express: load it now, while the test file is still being
// collected, so the first listen only has to load the learner's own file.
import('express').catch(() => {});
