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
  /** How many connections Redis has from others (the apps under test), or undefined if it does not say. */
  clients(): Promise<number | undefined>;
  stop(): Promise<void>;
}

/**
 * Sends one inline command on a connection of its own and resolves with the
 * reply once `complete(reply)` holds, or undefined when Redis does not answer
 * within 500 ms.
 */
const ask = (port: number, command: string, complete: (reply: string) => boolean): Promise<string | undefined> =>
  new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    const done = (answer: string | undefined) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(500, () => done(undefined));
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (complete(reply)) done(reply);
    });
    socket.once('error', () => done(undefined));
  });

/** Whether Redis answers PING with PONG on `port`: accepting a connection is not yet being ready. */
const answersPing = async (port: number): Promise<boolean> =>
  (await ask(port, 'PING', (reply) => reply.includes('\r\n')))?.startsWith('+PONG') ?? false;

/** A whole bulk reply: "$<length>\r\n", that many bytes, "\r\n". */
const wholeBulk = (reply: string): boolean => {
  const header = /^\$(\d+)\r\n/.exec(reply);
  return header !== null && Buffer.byteLength(reply) >= header[0].length + Number(header[1]) + 2;
};

/** How many connections Redis has besides the one asking (INFO clients), or undefined if it does not say. */
async function otherClients(port: number): Promise<number | undefined> {
  const reply = await ask(port, 'INFO clients', wholeBulk);
  const connected = reply && /connected_clients:(\d+)/.exec(reply);
  return connected ? Number(connected[1]) - 1 : undefined;
}

/** Starts redis-server (no persistence, in the foreground) and resolves once it answers PING; throws with its output if it cannot. */
export async function startRedis(executablePath: string): Promise<Redis> {
  const redis = await startServerProcess({
    name: 'redis-server',
    executablePath,
    args: (port, dir) => ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
    ready: { probe: answersPing, means: 'answer PING' },
  });
  return { url: `redis://127.0.0.1:${redis.port}`, clients: () => otherClients(redis.port), ...redis };
}
