// npm run demo 04 [-- --solution] [-- --port 3001] [-- --host]
// Serves a lesson's app (the learner's, or the reference solution) on PORT
// (default 3000), with a page that shows the events as they arrive. Lessons
// that serve their own page at / keep it; the demo page is then at /__demo.
// It listens on this computer only (127.0.0.1), as Vite does; --host opens it
// to the network (a classroom) and prints the addresses the others can open.
// A lesson whose stream needs a sign-in (13 on) gets the demo accounts of its
// manifest entry, and the banner and the page say how to sign in.
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import express, { type RequestHandler } from 'express';
import { commandLine, existingFolderOrFail, fail, parseCommand } from './cli/args.ts';
import { folderName, root, type Lesson } from './manifest.ts';

const NAME = 'demo';
const demoPage = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'demo', 'page.html'), 'utf8');

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function pageFor(lesson: Lesson, tree: string): string {
  const title = `Lesson ${lesson.id}: ${lesson.title} (${tree === 'solutions' ? 'reference solution' : 'your code'})`;
  // The page reads its settings from a JSON script element; \u003c keeps a "<" in them from ending it.
  const config = JSON.stringify({ signIn: lesson.demo?.signIn ?? [] }).replace(/</g, '\\u003c');
  return demoPage
    .replace('<title>SSE demo</title>', `<title>${escapeHtml(title)}</title>`)
    .replace('<script id="demo-config" type="application/json">{}</script>', `<script id="demo-config" type="application/json">${config}</script>`);
}

/** "alice / wonderland or bob / builder" */
const accountsText = (signIn: { user: string; password: string }[]) =>
  signIn.map(({ user, password }) => `${user} / ${password}`).join(' or ');

function parsePort(input: string): number {
  const port = Number(input);
  // 0 lets the system pick a free port (the tests use it); the line below prints it.
  if (!/^\d+$/.test(input) || port > 65535) fail(NAME, `"${input}" is not a port number (1-65535).`, 'PORT=3001 npm run demo 01');
  return port;
}

/** This machine's addresses that others on the network can reach (IPv4, not loopback). */
function networkAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flat()
    .filter((info) => info !== undefined && info.family === 'IPv4' && !info.internal)
    .map((info) => info!.address);
}

async function loadApp(lesson: Lesson, tree: 'lessons' | 'solutions'): Promise<RequestHandler> {
  const dir = existingFolderOrFail(NAME, lesson, tree);
  const file = path.join(dir, 'server.ts');
  const shown = path.relative(root, file);
  if (!fs.existsSync(file)) fail(NAME, `${shown} is missing.`, commandLine('reset', lesson));
  let mod: { createApp?: unknown };
  try {
    mod = (await import(pathToFileURL(file).href)) as { createApp?: unknown };
  } catch (error) {
    fail(NAME, `${shown} failed to load: ${error instanceof Error ? error.message : String(error)}`, commandLine('test', lesson));
  }
  if (typeof mod.createApp !== 'function') fail(NAME, `${shown} does not export a function createApp.`, commandLine('test', lesson));
  // The manifest's demo options (the accounts of lesson 13 on); without any, the lesson's defaults.
  const createApp = mod.createApp as (options?: Record<string, unknown>) => unknown;
  const app: unknown = await (lesson.demo ? createApp(lesson.demo.options) : createApp());
  if (typeof app !== 'function') fail(NAME, `createApp() in ${shown} did not return an Express app.`, commandLine('test', lesson));
  return app as RequestHandler;
}

async function main(): Promise<void> {
  const { lesson, flags } = parseCommand(NAME, process.argv.slice(2), {
    lesson: 'required',
    summary: 'Serves a lesson with a page that shows its events as they arrive.',
    flags: {
      solution: { description: 'serve the reference solution instead of your code', npmMayKeep: true },
      port: { description: 'the port to listen on (default: PORT or 3000)', value: 'number' },
      host: { description: 'listen on every network interface, not only on this computer, and print the addresses' },
    },
  });
  const tree = flags.solution ? 'solutions' : 'lessons';
  const port = parsePort(flags.port ?? (process.env.PORT || '3000'));
  const lessonApp = await loadApp(lesson, tree);

  const app = express();
  const page = pageFor(lesson, tree);
  app.get('/__demo', (req, res) => {
    res.type('html').send(page);
  });
  app.use(lessonApp);
  // Only reached when the lesson has no page of its own at /.
  app.get('/', (req, res) => {
    res.type('html').send(page);
  });

  const again = commandLine(NAME, lesson, ...(flags.solution ? ['--solution'] : []));
  // Without --host, only this computer can connect: a learner's server in a
  // café or classroom stays private. Without a host, Node listens on every
  // interface (IPv6 and IPv4).
  const server: Server = flags.host ? app.listen(port) : app.listen(port, '127.0.0.1');
  server.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE') fail(NAME, `port ${port} is in use: stop the other server or pick another port.`, `PORT=${port + 1} ${again}`);
    if (error.code === 'EACCES') fail(NAME, `port ${port} needs privileges this user does not have.`, `PORT=3000 ${again}`);
    fail(NAME, `cannot listen on port ${port}: ${error.message}`);
  });
  server.on('listening', () => {
    const { port } = server.address() as AddressInfo;
    const where = `${tree}/${folderName(lesson)}`;
    console.log(`Lesson ${lesson.id}: ${lesson.title}, serving ${where}`);
    console.log(`  page:   http://localhost:${port}/`);
    const signIn = lesson.demo?.signIn ?? [];
    if (signIn.length === 0) {
      console.log(`  stream: http://localhost:${port}/events   (curl -N http://localhost:${port}/events)`);
    } else {
      console.log(`  stream: http://localhost:${port}/events?token=...   (a token from POST /login, see "sign in")`);
    }
    console.log(`  events: http://localhost:${port}/__demo   (the demo page, also when the lesson has its own)`);
    if (signIn.length > 0) {
      const [first] = signIn as [{ user: string; password: string }];
      console.log(`  sign in: as ${accountsText(signIn)} (the demo page asks when the stream answers 401)`);
      console.log(`           curl -H 'Content-Type: application/json' -d '${JSON.stringify({ user: first.user, password: first.password })}' http://localhost:${port}/login`);
      console.log(`           curl -N 'http://localhost:${port}/events?token=<the token>'`);
    }
    if (flags.host) {
      const addresses = networkAddresses();
      console.log(`  network: listening on every interface; others open:`);
      for (const address of addresses) console.log(`           http://${address}:${port}/`);
      if (addresses.length === 0) console.log('           (this computer has no network address right now)');
    } else {
      console.log('  network: this computer only (127.0.0.1); add -- --host to let others on your network connect');
    }
    console.log('Stop with Ctrl+C.');
  });
  // Ctrl+C: end open streams too, or the process waits for every browser tab.
  // From lesson 12 on, the app stops itself cleanly (its last event, its timers).
  process.on('SIGINT', () => {
    const stop = (lessonApp as { stop?: unknown }).stop;
    if (typeof stop === 'function') stop.call(lessonApp);
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}

await main();
