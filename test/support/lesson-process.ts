// Runs a lesson's own entry script (lesson 12's main.ts) as a real process, as
// `node --import tsx main.ts` would in production, and opens raw streams to it:
// what a process manager and its clients see when it is stopped with SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { afterAll } from 'vitest';
import { root } from '../../tools/manifest.ts';

const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
});

export interface LessonProcess {
  child: ChildProcess;
  /** Everything it printed, stdout and stderr, in order. */
  output(): string;
  /** The port it said it listens on, or undefined (with the reason) when it did not within the deadline. */
  port: number | undefined;
  problem: string;
  /** Resolves with how it ended: { code, signal }, or undefined if it is still running after `withinMs`. */
  exit(withinMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined>;
}

/** Starts `file` with PORT=0 and waits (up to `withinMs`) for a line with http://localhost:<port>. */
export async function startProcess(file: string, withinMs: number): Promise<LessonProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    cwd: root,
    env: { ...process.env, NODE_OPTIONS: '', PORT: '0', NODE_ENV: 'development' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let text = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  const port = await new Promise<number | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), withinMs);
    const look = (chunk: Buffer) => {
      text += chunk.toString();
      const match = /https?:\/\/(?:localhost|127\.0\.0\.1|\[::1?\]|0\.0\.0\.0):(\d+)/.exec(text);
      if (match && match[1] !== '0') {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on('data', look);
    child.stderr!.on('data', look);
    exited.then(() => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
  const problem = port !== undefined ? '' : child.exitCode !== null || child.signalCode !== null ? 'it exited' : `no line with http://localhost:<port> within ${withinMs / 1000} s`;
  return {
    child,
    port,
    problem,
    output: () => text,
    exit: (ms) => Promise.race([exited, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms))]),
  };
}

/** One raw stream: whether its welcome came, and how it ended (cleanly, or cut). */
export interface RawStream {
  status: number;
  body(): string;
  /** 'open' until the response ends: 'ended' (a complete response) or 'cut' (the connection dropped mid-response). */
  state(): 'open' | 'ended' | 'cut';
}

/** GETs `path` and resolves once `ready(body)` holds; rejects after `withinMs`. */
export function openRaw(port: number, path: string, ready: (body: string) => boolean, withinMs: number): Promise<RawStream> {
  return new Promise((resolve, reject) => {
    let body = '';
    let state: 'open' | 'ended' | 'cut' = 'open';
    const timer = setTimeout(() => {
      request.destroy();
      reject(new Error(`no welcome within ${withinMs} ms: ${JSON.stringify(body.slice(0, 160))}`));
    }, withinMs);
    // Keep-alive, as browsers and EventSource clients do: after the response
    // ends, the connection stays open for the next request unless the server closes it.
    const agent = new http.Agent({ keepAlive: true });
    setTimeout(() => agent.destroy(), 60_000).unref();
    const request = http.get({ host: '127.0.0.1', port, path, agent, headers: { Accept: 'text/event-stream' } }, (response) => {
      const stream: RawStream = { status: response.statusCode ?? 0, body: () => body, state: () => state };
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
        if (ready(body)) {
          clearTimeout(timer);
          resolve(stream);
        }
      });
      // complete: the last chunk arrived (res.end()); otherwise the connection was cut under it.
      response.on('close', () => (state = response.complete ? 'ended' : 'cut'));
      response.on('error', () => {});
      response.resume();
    });
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
