// How the learner's process (host.ts) is started: by the test's worker
// (host-process.ts), or ahead of time by the command that runs vitest
// (tools/cli/host-pool.ts). Both start it the same way.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HOST_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'host.ts');

/** Node's arguments: a small heap, so that a loop that writes for ever dies quickly; TypeScript through tsx. */
export const hostArguments = (): string[] => ['--max-old-space-size=256', '--import', 'tsx', HOST_FILE];

/**
 * development, not vitest's "test": Express then logs errors such as
 * ERR_HTTP_HEADERS_SENT, and the messages can show them. Without REDIS_URL, even
 * when the learner's shell sets it (for the capstone's main.ts): createApp()
 * falls back to it, and the tests that start the app in this process mean one
 * process in memory. The tests that share a Redis start their own processes.
 */
export const hostEnvironment = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', NODE_ENV: 'development', ...extra };
  delete env.REDIS_URL;
  return env;
};

/** Where a host started ahead of time listens for the worker that claims it: a Unix socket, or a named pipe on Windows. */
export const hostSocketPath = (poolDir: string, id: string): string =>
  process.platform === 'win32' ? `\\\\.\\pipe\\${path.basename(poolDir)}-${id}` : path.join(poolDir, `${id}.sock`);

/** The files of a pooled host in its pool's folder. */
export const pooledHostFiles = (poolDir: string, id: string) => ({
  /** Exists while nobody has claimed the host; holds its pid. Renamed to `taken` by the worker that claims it. */
  spare: path.join(poolDir, `${id}.spare`),
  taken: path.join(poolDir, `${id}.taken`),
  /** Its stdout and stderr. */
  log: path.join(poolDir, `${id}.log`),
  /** Written by the pool when it exits: "SIGKILL", "exit code 1", … */
  exit: path.join(poolDir, `${id}.exit`),
  socket: hostSocketPath(poolDir, id),
});

/** Writes one message as a newline-ended JSON line: how both ends of a pooled host's socket send. */
export function writeJsonLine(socket: { write(text: string): unknown }, message: unknown): void {
  socket.write(`${JSON.stringify(message)}\n`);
}

/** Splits a stream of newline-ended JSON messages, as writeJsonLine sends them. */
export function jsonLines(onMessage: (message: unknown) => void): (chunk: string) => void {
  let buffered = '';
  return (chunk) => {
    buffered += chunk;
    let end: number;
    while ((end = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      if (line) onMessage(JSON.parse(line));
    }
  };
}
