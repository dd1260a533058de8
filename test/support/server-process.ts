// A real server program the tests need (nginx in lesson 09, redis-server in the
// capstone) run as the test's child: on a free port of 127.0.0.1, in a
// temporary folder of its own, ready once its probe says so, stopped by the test,
// and killed if the test run exits without stopping it (neither program stops
// when its parent dies). real-part.ts decides whether the program is there at all.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface ServerProgram {
  /** For messages: "nginx", "redis-server". */
  name: string;
  executablePath: string;
  /** Its arguments to listen on `port` and keep its files in `dir` (it may write a configuration file there first). */
  args(port: number, dir: string): string[];
  /** Whether it is ready on `port`, and what ready means for the message when it never is. */
  ready: { probe(port: number): Promise<boolean>; means: string };
  /** More to show when it fails, read from `dir` (nginx's error log). */
  logs?(dir: string): string;
}

export interface ServerProcess {
  port: number;
  /** Whether it is running (false after stop()). */
  running(): boolean;
  /** The last lines it printed (and its logs), for a failure message. */
  output(): string;
  stop(): Promise<void>;
}

/** How long a program may take to be ready on a busy machine, and to stop. */
const START_DEADLINE_MS = 5000;
const STOP_DEADLINE_MS = 2000;

/** A port that was free a moment ago (these programs cannot listen on port 0 and tell us which). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether something accepts a TCP connection on `port` of 127.0.0.1. */
export const acceptsConnections = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** Starts the program and resolves once it is ready; throws with its output if it cannot start. */
export async function startServerProcess(program: ServerProgram): Promise<ServerProcess> {
  let lastProblem = '';
  // Another process may take the free port before the program does: try again with a new one.
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `workshop-${program.name}-`));
    const port = await freePort();
    const child = spawn(program.executablePath, program.args(port, dir), { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    const keep = (chunk: Buffer) => {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      if (lines.length > 20) lines.splice(0, lines.length - 20);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let exited = false;
    let exitCode: number | null = null;
    const exit = new Promise<void>((resolve) => {
      child.once('exit', (code) => {
        exitCode = code;
        exited = true;
        resolve();
      });
      child.once('error', (error) => {
        lines.push(error.message);
        exited = true;
        resolve();
      });
    });
    const output = () => [...lines.slice(-5), program.logs?.(dir) ?? ''].filter(Boolean).join('\n');
    const remove = () => fs.rmSync(dir, { recursive: true, force: true });
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);

    let ready = false;
    const deadline = performance.now() + START_DEADLINE_MS;
    while (!exited && !ready && performance.now() < deadline) {
      ready = await program.ready.probe(port);
      if (!ready) await new Promise((resolve) => setTimeout(resolve, 20));
    }

    if (ready && !exited) {
      return {
        port,
        running: () => !exited,
        output,
        async stop() {
          // TERM: both programs stop at once, without waiting for open connections.
          if (!exited) child.kill('SIGTERM');
          const stopped = await Promise.race([
            exit.then(() => true),
            new Promise<boolean>((resolve) => setTimeout(() => resolve(false), STOP_DEADLINE_MS)),
          ]);
          if (!stopped) {
            child.kill('SIGKILL');
            await exit;
          }
          process.off('exit', killOnExit);
          remove();
        },
      };
    }

    const exitedEarly = exited;
    if (!exited) child.kill('SIGKILL');
    await exit;
    process.off('exit', killOnExit);
    const silently = exitedEarly ? `it exited (code ${exitCode}) before it was ready, saying nothing` : `it did not ${program.ready.means} within ${START_DEADLINE_MS} ms`;
    lastProblem = output() || silently;
    remove();
    if (!/in use/i.test(lastProblem)) break;
  }
  throw new Error(`${program.name} (${program.executablePath}) did not start: ${lastProblem}`);
}
