// A real Redis for the capstone's tests: Debian's redis-server package (or the
// one on PATH, or REDIS_SERVER_PATH), never a download. Each start listens on a
// free port of 127.0.0.1 with its own temporary folder and no persistence, runs
// in the foreground as our child, and is stopped by the test (or killed when the
// test run exits without stopping it).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { findExecutable, type RealPart } from './real-part.ts';

const HOW_TO_GET =
  'install Redis (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) or set REDIS_SERVER_PATH to its redis-server executable';

function usualPaths(): string[] {
  const onPath = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  // /usr/bin is on every PATH; these are where other installs put it.
  const more = ['/usr/sbin', '/usr/local/bin', '/opt/homebrew/bin'];
  return [...new Set([...onPath, ...more])].map((dir) => path.join(dir, 'redis-server'));
}

/** redis-server, as a part the tests need: REDIS_SERVER_PATH when set, else the usual places. */
export function redisPart(): RealPart {
  return {
    tests: 'Redis tests',
    needed: 'redis-server to share events between processes',
    search: findExecutable('redis-server', 'REDIS_SERVER_PATH', usualPaths()),
    howToGet: HOW_TO_GET,
  };
}

export interface Redis {
  /** redis://127.0.0.1:PORT */
  url: string;
  port: number;
  /** Whether it is running (false after stop()). */
  running(): boolean;
  /** The last lines it printed, for a failure message. */
  output(): string;
  stop(): Promise<void>;
}

/** How long redis-server may take to accept connections on a busy machine. */
const START_DEADLINE_MS = 5000;
const STOP_DEADLINE_MS = 2000;

/** A port that was free a moment ago (redis-server cannot listen on port 0 and tell us which). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether Redis answers PING with PONG on `port`: accepting a connection is not yet being ready. */
const answersPing = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.once('error', () => done(false));
  });

/** Starts redis-server and resolves once it answers PING; throws with its output if it cannot. */
export async function startRedis(executablePath: string): Promise<Redis> {
  let lastProblem = '';
  // Another process may take the free port before Redis does: try again with a new one.
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'workshop-redis-'));
    const port = await freePort();
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no'];
    const child = spawn(executablePath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    const keep = (chunk: Buffer) => {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      if (lines.length > 20) lines.splice(0, lines.length - 20);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let exited = false;
    const exit = new Promise<void>((resolve) => {
      child.once('exit', () => {
        exited = true;
        resolve();
      });
      child.once('error', (error) => {
        lines.push(error.message);
        exited = true;
        resolve();
      });
    });
    const remove = () => fs.rmSync(dir, { recursive: true, force: true });
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    const output = () => lines.slice(-5).join('\n');

    let ready = false;
    const deadline = performance.now() + START_DEADLINE_MS;
    while (!exited && !ready && performance.now() < deadline) {
      ready = await answersPing(port);
      if (!ready) await new Promise((resolve) => setTimeout(resolve, 20));
    }

    if (ready && !exited) {
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        running: () => !exited,
        output,
        async stop() {
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

    if (!exited) child.kill('SIGKILL');
    await exit;
    process.off('exit', killOnExit);
    lastProblem = output() || `it did not answer PING within ${START_DEADLINE_MS} ms`;
    remove();
    if (!/in use/i.test(lastProblem)) break;
  }
  throw new Error(`redis-server (${executablePath}) did not start: ${lastProblem}`);
}
