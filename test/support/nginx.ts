// A real nginx in front of the learner's server (lesson 09): Debian's nginx
// package (or the one on PATH, or NGINX_PATH), never a download. Each start
// writes its own configuration into a temporary folder (pid, logs and temp
// files stay in there), listens on a free port, proxies everything to the
// learner's server, and is stopped by the test. nginx keeps its default proxy
// settings, buffering included, except the read timeout the test chooses.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { findExecutable, type RealPart } from './real-part.ts';

const HOW_TO_GET =
  'install nginx (Debian/Ubuntu: sudo apt-get install nginx; macOS: brew install nginx) or set NGINX_PATH to its executable';

/** Where nginx usually lives: the PATH first, then the sbin folders that are not always on it. */
function usualPaths(): string[] {
  const onPath = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const sbin = ['/usr/sbin', '/usr/local/sbin', '/opt/homebrew/bin', '/usr/local/bin'];
  const name = process.platform === 'win32' ? 'nginx.exe' : 'nginx';
  return [...new Set([...onPath, ...sbin])].map((dir) => path.join(dir, name));
}

/** nginx, as a part the tests need: NGINX_PATH when set, else the usual places. */
export function nginxPart(): RealPart {
  return {
    tests: 'nginx tests',
    needed: 'nginx to put in front of the server',
    search: findExecutable('nginx', 'NGINX_PATH', usualPaths()),
    howToGet: HOW_TO_GET,
  };
}

export interface NginxOptions {
  executablePath: string;
  /** The port of the server to proxy to, on 127.0.0.1. */
  upstreamPort: number;
  /** proxy_read_timeout: nginx closes a response that stays silent this long. */
  readTimeoutMs: number;
}

export interface Nginx {
  /** http://127.0.0.1:PORT, nginx's own address. */
  url: string;
  /** The end of nginx's error log, for a failure message. */
  errors(): string;
  stop(): Promise<void>;
}

/** How long nginx may take to start listening on a busy machine. */
const START_DEADLINE_MS = 5000;
const STOP_DEADLINE_MS = 2000;

function config(prefix: string, port: number, { upstreamPort, readTimeoutMs }: NginxOptions): string {
  const inPrefix = (name: string) => path.join(prefix, name);
  return `# Written by test/support/nginx.ts for one test; deleted after it.
daemon off;
master_process off;
pid ${inPrefix('nginx.pid')};
error_log ${inPrefix('error.log')} info;
events {
  worker_connections 256;
}
http {
  access_log off;
  client_body_temp_path ${inPrefix('client_body')};
  proxy_temp_path ${inPrefix('proxy')};
  fastcgi_temp_path ${inPrefix('fastcgi')};
  uwsgi_temp_path ${inPrefix('uwsgi')};
  scgi_temp_path ${inPrefix('scgi')};
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://127.0.0.1:${upstreamPort};
      # Everything else keeps nginx's defaults, proxy_buffering on included.
      proxy_read_timeout ${readTimeoutMs}ms;
    }
  }
}
`;
}

/** A port that was free a moment ago (nginx cannot listen on port 0 and tell us which). */
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

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** Starts nginx and resolves once it accepts connections; throws with its error log if it cannot. */
export async function startNginx(options: NginxOptions): Promise<Nginx> {
  let lastProblem = '';
  // Another process may take the free port before nginx does: try again with a new one.
  for (let attempt = 0; attempt < 3; attempt++) {
    const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'workshop-nginx-'));
    const port = await freePort();
    const file = path.join(prefix, 'nginx.conf');
    fs.writeFileSync(file, config(prefix, port, options));
    const errorLog = path.join(prefix, 'error.log');
    const errors = () => {
      try {
        return fs.readFileSync(errorLog, 'utf8').trim().split('\n').slice(-5).join('\n');
      } catch {
        return '';
      }
    };
    // -e: the error log before the configuration is read (else /var/log/nginx, not writable for everyone).
    const child = spawn(options.executablePath, ['-p', prefix, '-c', file, '-e', errorLog], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let exited = false;
    const exit = new Promise<void>((resolve) => {
      child.once('exit', () => {
        exited = true;
        resolve();
      });
      child.once('error', (error) => {
        output += error.message;
        exited = true;
        resolve();
      });
    });
    const remove = () => fs.rmSync(prefix, { recursive: true, force: true });
    // nginx does not stop when its parent dies: if the test run exits without stop(), stop it then.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);

    let ready = false;
    const deadline = performance.now() + START_DEADLINE_MS;
    while (!exited && !ready && performance.now() < deadline) {
      ready = await accepts(port);
      if (!ready) await new Promise((resolve) => setTimeout(resolve, 20));
    }

    if (ready && !exited) {
      return {
        url: `http://127.0.0.1:${port}`,
        errors,
        async stop() {
          // TERM is nginx's fast shutdown: it does not wait for open streams.
          child.kill('SIGTERM');
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
    lastProblem = `${output}\n${errors()}`.trim() || `it did not accept connections within ${START_DEADLINE_MS} ms`;
    remove();
    if (!/in use/i.test(lastProblem)) break;
  }
  throw new Error(`nginx (${options.executablePath}) did not start: ${lastProblem}`);
}
