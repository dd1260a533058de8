// npm run demo: serves a lesson with the demo page; bad input gives one line and exit 1.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { findLesson, root } from '../../tools/manifest.ts';
import { describeInBrowser } from '../support/browser-launch.ts';
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

/** The accounts the banner offers: "sign in: as alice / wonderland or bob / builder (...)". */
function bannerAccounts(stdout: string): { user: string; password: string }[] {
  const line = /^ +sign in: as (.+?) \(/m.exec(stdout)?.[1];
  expect(line, `a "sign in: as <user> / <password> ..." line in the banner:\n${stdout}`).toBeDefined();
  return line!.split(' or ').map((account) => {
    const [user, password] = account.split(' / ');
    return { user: user!, password: password! };
  });
}

async function login(base: string, account: { user: string; password: string }): Promise<{ status: number; token: unknown }> {
  const response = await fetch(`${base}/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(account),
    signal: AbortSignal.timeout(5000),
  });
  const body = (await response.json().catch(() => ({}))) as { token?: unknown };
  return { status: response.status, token: body.token };
}

// Lesson 13 on: the stream needs a token. The demo gives the app the manifest's
// accounts, prints them, and its page asks for them when the stream answers 401.
const signInLessons = ['13', '14'];

describe.concurrent('npm run demo of a lesson with a sign-in', { timeout: 30_000 }, () => {
  test.each(signInLessons)('lesson %s: the banner names the demo accounts; each signs in with POST /login, and its token opens /events', async (id) => {
    const run = demo([id, '--solution', '--port', '0']);
    const base = await run.listening;
    const accounts = bannerAccounts(run.output().stdout);
    expect(accounts).toEqual(findLesson(id)!.demo!.signIn);
    const refused = await fetch(`${base}/events`, { signal: AbortSignal.timeout(5000) });
    expect(refused.status).toBe(401);
    await refused.body?.cancel();
    for (const account of accounts) {
      const { status, token } = await login(base, account);
      expect(status, `POST /login as ${account.user}`).toBe(200);
      expect(typeof token).toBe('string');
      const stream = await openStream(`${base}/events?token=${encodeURIComponent(token as string)}`, 5000);
      const events = await stream.waitForEvents(1, 5000);
      stream.close();
      expect(stream.status).toBe(200);
      expect(events.length, `an event on /events?token= as ${account.user}`).toBeGreaterThan(0);
    }
    expect((await login(base, { user: accounts[0]!.user, password: 'not the password' })).status).toBe(401);
  });

  test('a lesson without a sign-in keeps its banner as before', async () => {
    const run = demo(['12', '--solution', '--port', '0']);
    const base = await run.listening;
    const { stdout } = run.output();
    expect(stdout).not.toContain('sign in');
    expect(stdout).toContain(`(curl -N ${base.replace('127.0.0.1', 'localhost')}/events)`);
  });
});

/** The rows of the demo page's log, oldest first: [time, type, id, data]. */
const logRows = (page: import('playwright-core').Page) =>
  page.evaluate(() => [...document.querySelectorAll('#log tr')].reverse().map((tr) => [...tr.children].map((td) => td.textContent ?? '')));

describeInBrowser('npm run demo: the demo page signs in when the stream answers 401', (browser) => {
  test.each(signInLessons)('lesson %s (solution): /__demo shows the form, a wrong password gets a message, the right one makes events appear', async (id) => {
    const run = demo([id, '--solution', '--port', '0']);
    const base = await run.listening;
    const [account] = bannerAccounts(run.output().stdout);
    const { page, eventSourceRequests, problems } = await browser.newPage();
    await page.goto(`${base}/__demo`, { waitUntil: 'domcontentloaded', timeout: 10_000 });
    await page.waitForSelector('#signin', { state: 'visible', timeout: 8000 });
    expect(await page.textContent('#signin-accounts')).toContain(`${account!.user} / ${account!.password}`);

    await page.fill('#signin-user', account!.user);
    await page.fill('#signin-password', 'not the password');
    await page.click('#signin button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#signin-error')?.textContent !== '', undefined, { timeout: 5000 });
    expect(await page.textContent('#signin-error')).toMatch(/^Sign-in refused \(401\)/);

    await page.fill('#signin-password', account!.password);
    await page.click('#signin button[type=submit]');
    await page.waitForFunction(() => [...document.querySelectorAll('#log tr td:nth-child(2)')].some((td) => td.textContent === 'welcome'), undefined, { timeout: 8000 })
      .catch(async () => expect.fail(`no welcome event on the page after signing in; its log: ${JSON.stringify(await logRows(page))}${problems()}`));
    expect(await page.isHidden('#signin')).toBe(true);
    expect(eventSourceRequests.at(-1)?.url).toMatch(/\/events\?token=./);
    expect(await page.textContent('#state')).toBe('open');
  }, 40_000);

  test('lesson 13 (your code, the starter): a stream that needs no token shows no form', async () => {
    const run = demo(['13', '--port', '0']);
    const base = await run.listening;
    const { page } = await browser.newPage();
    await page.goto(`${base}/__demo`, { waitUntil: 'domcontentloaded', timeout: 10_000 });
    await page.waitForFunction(() => [...document.querySelectorAll('#log tr td:nth-child(2)')].some((td) => td.textContent === 'welcome'), undefined, { timeout: 8000 });
    expect(await page.isHidden('#signin')).toBe(true);
  }, 40_000);

  test('lesson 03: the demo page as before, no form', async () => {
    const run = demo(['03', '--solution', '--port', '0']);
    const base = await run.listening;
    const { page } = await browser.newPage();
    await page.goto(`${base}/`, { waitUntil: 'domcontentloaded', timeout: 10_000 });
    await page.waitForFunction(() => [...document.querySelectorAll('#log tr td:nth-child(4)')].some((td) => td.textContent === 'hello'), undefined, { timeout: 8000 });
    expect(await page.isHidden('#signin')).toBe(true);
    expect(await page.textContent('#signin-accounts')).toBe('');
  }, 40_000);
});
