// Several processes of a learner's app (the capstone), each a real child
// process running test/support/app-process.ts: its own port, its own memory,
// its own environment (REDIS_URL or none). A test can kill one as a crash
// would, and see whether another one crashed. startMainProcess runs the
// lesson's own main.ts instead, which a test can stop with SIGTERM.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { root } from '../../tools/manifest.ts';
import { format, learnerFrames, LessonError } from './teach.ts';
import { shown } from './target.ts';

const ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'app-process.ts');
/** Loading TypeScript, Express and a Redis client, and connecting: about a second, 15 s seen on a busy machine with several starting at once (it fails at once when the process exits). */
export const START_DEADLINE_MS = 45_000;

export interface AppProcess {
  name: string;
  url: string;
  /** Whether it is still running. */
  alive(): boolean;
  /** How it ended: "SIGKILL", "exit code 1"; '' while it runs. */
  exitReason(): string;
  /** Its last lines of output. */
  output(): string;
  /** Kills it at once, as a crash or a power cut would (no clean stop). */
  kill(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts createApp(options) of `file` in a new process named `name`, with
 * `env` added to (or, when a value is undefined, removed from) the environment.
 */
export async function startAppProcess(
  name: string,
  file: string,
  { env = {}, options, read }: { env?: Record<string, string | undefined>; options?: Record<string, unknown>; read: string },
): Promise<AppProcess> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', NODE_ENV: 'development' };
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete childEnv[key];
    else childEnv[key] = value;
  }
  if (options) childEnv.WORKSHOP_APP_OPTIONS = JSON.stringify(options);
  else delete childEnv.WORKSHOP_APP_OPTIONS;
  const child = fork(ENTRY, [file], { cwd: root, env: childEnv, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  running.add(child);
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    if (lines.length > 30) lines.splice(0, lines.length - 30);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let reason = '';
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      reason = signal ?? `exit code ${code}`;
      running.delete(child);
      resolve();
    }),
  );
  const output = () => lines.slice(-8).join('\n  ');

  type Started = { port: number } | { failed: { name: string; message: string; stack?: string } } | { gone: true } | { late: true };
  let timer: NodeJS.Timeout | undefined;
  const started: Started = await Promise.race([
    new Promise<Started>((resolve) => child.once('message', (message: Started) => resolve(message))),
    exited.then((): Started => ({ gone: true })),
    new Promise<Started>((resolve) => {
      timer = setTimeout(() => resolve({ late: true }), START_DEADLINE_MS);
    }),
  ]);
  clearTimeout(timer);

  if (!('port' in started)) {
    child.kill('SIGKILL');
    let got: string;
    if ('failed' in started) {
      const where = learnerFrames(started.failed.stack)[0];
      got = `createApp() threw ${started.failed.name}: ${started.failed.message}${where ? ` (${where})` : ''}`;
    } else if ('gone' in started) {
      got = `the process exited (${reason}) before it listened${output() ? `:\n  ${output()}` : ''}`;
    } else {
      got = `it was not listening within ${START_DEADLINE_MS / 1000} s: createApp() never finished (waiting for something that never answers?)${output() ? `:\n  ${output()}` : ''}`;
    }
    throw new LessonError(format({ expected: `${shown(file)} to start as process ${name} and listen`, got, read }));
  }

  return {
    name,
    url: `http://127.0.0.1:${started.port}`,
    alive: () => reason === '',
    exitReason: () => reason,
    output,
    async kill() {
      if (reason === '') child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A process started from the lesson's own main.ts, as production starts it: it can be stopped politely. */
export interface MainProcess extends AppProcess {
  port: number;
  /** Sends SIGTERM; resolves with how it exited, or undefined if it still runs after `withinMs`. */
  terminate(withinMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined>;
}

/**
 * Starts `file` (a main.ts) with PORT=0 and `env`, and waits for the line with
 * http://localhost:<port> it prints once it listens.
 */
export async function startMainProcess(name: string, file: string, { env = {}, read }: { env?: Record<string, string | undefined>; read: string }): Promise<MainProcess> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', NODE_ENV: 'development', PORT: '0' };
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete childEnv[key];
    else childEnv[key] = value;
  }
  const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: root, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let text = '';
  let reason = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      reason = signal ?? `exit code ${code}`;
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  const output = () => text.trim().split('\n').slice(-8).join('\n  ');
  let timer: NodeJS.Timeout | undefined;
  const port = await new Promise<number | undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), START_DEADLINE_MS);
    const look = (chunk: Buffer) => {
      text += chunk.toString();
      const match = /https?:\/\/(?:localhost|127\.0\.0\.1|\[::1?\]|0\.0\.0\.0):(\d+)/.exec(text);
      if (match && match[1] !== '0') resolve(Number(match[1]));
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    void exited.then(() => resolve(undefined));
  });
  clearTimeout(timer);
  if (port === undefined) {
    child.kill('SIGKILL');
    const got = reason
      ? `the process exited (${reason}) before it listened${output() ? `:\n  ${output()}` : ''}`
      : `no line with http://localhost:<port> within ${START_DEADLINE_MS / 1000} s${output() ? `:\n  ${output()}` : ''}`;
    throw new LessonError(format({ expected: `${shown(file)} to start as process ${name}, listen on PORT and print http://localhost:<port>`, got, read }));
  }
  return {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    alive: () => reason === '',
    exitReason: () => reason,
    output,
    async kill() {
      if (reason === '') child.kill('SIGKILL');
      await exited;
    },
    terminate(withinMs) {
      child.kill('SIGTERM');
      let deadline: NodeJS.Timeout | undefined;
      return Promise.race([exited, new Promise<undefined>((resolve) => (deadline = setTimeout(() => resolve(undefined), withinMs)))]).finally(() =>
        clearTimeout(deadline),
      );
    },
  };
}
