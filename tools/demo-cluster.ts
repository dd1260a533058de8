// npm run demo:cluster: the capstone (lesson 14) as several processes sharing
// one Redis, each on its own port with the chat page, as a deploy behind a load
// balancer would run it. Post on one page, watch it arrive on the others; stop a
// process and its pages resume on another. Ctrl-C stops everything.
//
//   npm run demo:cluster                         3 processes of lessons/14-capstone on 3000-3002
//   npm run demo:cluster -- --processes 4 --port 4000 --solution
//
// Redis: REDIS_URL when set; otherwise a redis-server of its own on a free
// port, with a temporary folder, stopped with the rest. Every process gets the
// manifest's demo accounts and one token secret (TOKEN_SECRET when set, else a
// random one for this run), so a token from one process is good on all of them.
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { findLesson, lessonDir, root } from './manifest.ts';
import { fail, parseCommand } from './cli/args.ts';
import { redisPart, startRedis, type Redis } from '../test/support/redis.ts';

const NAME = 'demo:cluster';
const { flags } = parseCommand(NAME, process.argv.slice(2), {
  lesson: 'none',
  summary: 'Runs the capstone (lesson 14) as several processes sharing one Redis, each with the chat page.',
  flags: {
    processes: { description: 'how many processes (default 3, at most 10)', value: 'count' },
    port: { description: 'the first port; the others follow (default 3000)', value: 'number' },
    solution: { description: 'run the reference solution instead of your lessons/ folder' },
  },
});

const processes = Number(flags.processes ?? 3);
if (!Number.isInteger(processes) || processes < 1 || processes > 10) {
  fail(NAME, `--processes takes a whole number from 1 to 10, not ${JSON.stringify(flags.processes)}.`, 'npm run demo:cluster -- --processes 3');
}
const firstPort = Number(flags.port ?? 3000);
if (!Number.isInteger(firstPort) || firstPort < 1024 || firstPort + processes - 1 > 65_535) {
  fail(NAME, `--port takes a port from 1024 to ${65_535 - processes + 1}, not ${JSON.stringify(flags.port)}.`, 'npm run demo:cluster -- --port 3000');
}
const lesson = findLesson('14')!;
const file = path.join(lessonDir(lesson, flags.solution ? 'solutions' : 'lessons'), 'server.ts');
if (!fs.existsSync(file)) fail(NAME, `${path.relative(root, file)} is missing.`, 'npm run reset 14');

let redis: Redis | undefined;
let redisUrl = process.env.REDIS_URL;
if (!redisUrl) {
  const part = redisPart();
  if (!part.search.found) fail(NAME, `${part.search.problem}; ${part.howToGet}, or set REDIS_URL.`);
  try {
    redis = await startRedis(part.search.executablePath);
  } catch (error) {
    fail(NAME, (error as Error).message);
  }
  redisUrl = redis.url;
}

const children: ChildProcess[] = [];
let stopping = false;
async function stopAll(code: number): Promise<never> {
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  await redis?.stop();
  process.exit(code);
}
process.once('SIGINT', () => void stopAll(0));
process.once('SIGTERM', () => void stopAll(0));

const entry = path.join(root, 'test', 'support', 'app-process.ts');
// The accounts of `npm run demo 14` (lesson 13's sign-in, carried into the capstone).
const demo = lesson.demo ?? findLesson('13')!.demo;
const options = { ...demo?.options, tokenSecret: process.env.TOKEN_SECRET || randomBytes(32).toString('hex') };
const urls = await Promise.all(
  Array.from({ length: processes }, (_, i) => {
    const port = firstPort + i;
    // The options (the token secret among them) in the environment, not in the arguments that any user can list.
    const child = fork(entry, [file, String(port)], {
      cwd: root,
      env: { ...process.env, REDIS_URL: redisUrl, WORKSHOP_APP_OPTIONS: JSON.stringify(options) },
      execArgv: ['--import', 'tsx'],
    });
    children.push(child);
    child.once('exit', (code, signal) => {
      if (!stopping) console.log(`${NAME}: the process on port ${port} exited (${signal ?? `code ${code}`}); the others keep running.`);
    });
    return new Promise<string>((resolve) => {
      child.once('message', (message: { port?: number; failed?: { message: string } }) => {
        if (message.port) resolve(`http://localhost:${message.port}/`);
        else {
          process.stderr.write(`${NAME}: the process on port ${port} did not start: ${message.failed?.message}\n`);
          void stopAll(1);
        }
      });
    });
  }),
);

console.log(`${NAME}: ${processes} processes of ${path.relative(root, file)} sharing ${redisUrl}${redis ? ' (started for this demo)' : ''}:`);
for (const url of urls) console.log(`  ${url}`);
const accounts = demo?.signIn ?? [];
if (accounts.length) {
  console.log(`Sign in on any page as ${accounts.map(({ user, password }) => `${user} / ${password}`).join(' or ')}: the token is good on every process.`);
}
console.log('Post on one page, watch the others. Ctrl-C stops everything.');
