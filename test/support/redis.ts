// A real Redis for the capstone's tests: Debian's redis-server package (or the
// one on PATH, or REDIS_SERVER_PATH), never a download. Each start is a child of
// the test with its own port and temporary folder (server-process.ts) and no persistence.
import net from 'node:net';
import path from 'node:path';
import { findExecutable, type RealPart } from './real-part.ts';
import { startServerProcess } from './server-process.ts';

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

/** Starts redis-server (no persistence, in the foreground) and resolves once it answers PING; throws with its output if it cannot. */
export async function startRedis(executablePath: string): Promise<Redis> {
  const redis = await startServerProcess({
    name: 'redis-server',
    executablePath,
    args: (port, dir) => ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
    ready: { probe: answersPing, means: 'answer PING' },
  });
  return { url: `redis://127.0.0.1:${redis.port}`, ...redis };
}
