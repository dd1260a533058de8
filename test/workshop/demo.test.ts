// npm run demo: serves a lesson with the demo page; bad input gives one line and exit 1.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { root } from '../../tools/manifest.ts';
import { commandArgs, commandEnv } from '../support/commands.ts';
import { openStream } from '../support/sse.ts';

const running: ChildProcess[] = [];
afterAll(() => {
  for (const child of running.splice(0)) child.kill('SIGKILL');
});

/** Starts tools/demo.ts as npm run demo does; `listening` resolves with its URL. */
function demo(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, commandArgs('demo', args), { cwd: root, env: commandEnv(env.WORKSHOP_ROOT ?? root, env) });
  running.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  /** Resolves with the base URL once the demo has printed its whole banner (it ends with how to stop). */
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const match = /page: +(http:\/\/localhost:\d+)\//.exec(stdout);
      if (match && stdout.includes('Stop with Ctrl+C.')) resolve(match[1]!.replace('localhost', '127.0.0.1'));
    });
    exited.then((code) => reject(new Error(`demo exited with ${code}: ${stderr}`)));
  });
  listening.catch(() => {});
  return { exited, listening, output: () => ({ stdout, stderr }) };
}

/** A non-loopback IPv4 address of this machine, where others on the network would connect. */
const networkAddress = Object.values(os.networkInterfaces())
  .flat()
  .find((info) => info !== undefined && info.family === 'IPv4' && !info.internal)?.address;

/** Whether a TCP connection to host:port is accepted (false when refused), within 3 s. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, timeout: 3000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNREFUSED' ? resolve(false) : reject(error)));
    socket.once('timeout', () => (socket.destroy(), reject(new Error(`no answer from ${host}:${port} within 3 s`))));
  });
}

async function get(url: string): Promise<{ status: number; type: string; body: string }> {
  const response = await fetch(url);
  return { status: response.status, type: response.headers.get('content-type') ?? '', body: await response.text() };
}

// Ten demo processes start at once, each loading tsx and Express: on a busy
// 2-core machine that takes 10-15 s, more than vitest's default 10 s.
describe.concurrent('npm run demo', { timeout: 30_000 }, () => {
  test('serves the reference solution with the demo page and its stream', async () => {
    const run = demo(['03', '--solution', '--port', '0']);
    const base = await run.listening;
    const page = await get(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Lesson 03: The retry field (reference solution)</title>');
    const stream = await openStream(`${base}/events`);
    const events = await stream.waitForEvents(1, 3000);
    stream.close();
    expect(stream.retries).toEqual([10000]);
    expect(events.map((e) => e.data)).toEqual(['hello']);
  });

  test('listens on this computer only by default (loopback), and says how to open it to the network', async () => {
    const run = demo(['01', '--solution', '--port', '0']);
    const port = Number(new URL(await run.listening).port);
    expect(run.output().stdout).toContain('this computer only (127.0.0.1); add -- --host');
    expect(await accepts('127.0.0.1', port)).toBe(true);
    if (networkAddress) expect(await accepts(networkAddress, port), `reachable at ${networkAddress}`).toBe(false);
  });

  test('-- --host listens on every interface and prints the addresses to open', async () => {
    const run = demo(['01', '--solution', '--port', '0', '--host']);
    const port = Number(new URL(await run.listening).port);
    expect(await accepts('127.0.0.1', port)).toBe(true);
    if (networkAddress) {
      expect(run.output().stdout).toContain(`http://${networkAddress}:${port}/`);
      expect(await accepts(networkAddress, port)).toBe(true);
    }
  });

  test("keeps the lesson's own page at / and moves the demo page to /__demo", async () => {
    const run = demo(['05', '--solution', '--port', '0']);
    const base = await run.listening;
    const lessonPage = await get(`${base}/`);
    expect(lessonPage.body).toBe(fs.readFileSync(path.join(root, 'solutions', '05-client', 'public', 'index.html'), 'utf8'));
    const demoPage = await get(`${base}/__demo`);
    expect(demoPage.body).toContain('Lesson 05');
  });

  test.each([
    [['99'], /^demo: there is no lesson 99\. .*Try: npm run demo 01$/],
    [[], /^demo: which lesson\?/],
    [['04', '--bogus'], /^demo: unknown flag --bogus\./],
    [['04', '--port', 'abc'], /^demo: "abc" is not a port number/],
  ])('demo %j answers with one line and exit 1', async (args, line) => {
    const run = demo(args);
    expect(await run.exited).toBe(1);
    const { stderr } = run.output();
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr.trim()).toMatch(line);
  });

  test('a port in use gives one line and exit 1', async () => {
    const blocker = http.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const run = demo(['01', '--solution'], { PORT: String(port) });
      expect(await run.exited).toBe(1);
      expect(run.output().stderr.trim()).toBe(
        `demo: port ${port} is in use: stop the other server or pick another port. Try: PORT=${port + 1} npm run demo 01 -- --solution`,
      );
    } finally {
      blocker.close();
    }
  });

  test('a deleted lesson folder gives one line and exit 1', async () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-'));
    fs.mkdirSync(path.join(copy, 'lessons'));
    try {
      const run = demo(['02'], { WORKSHOP_ROOT: copy });
      expect(await run.exited).toBe(1);
      expect(run.output().stderr.trim()).toMatch(/^demo: lessons\/02-write-vs-end\/ is missing .*npm run reset 02/);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });
});
