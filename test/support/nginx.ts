// A real nginx in front of the learner's server (lesson 09): Debian's nginx
// package (or the one on PATH, or NGINX_PATH), never a download. Each start
// writes its own configuration into a temporary folder (pid, logs and temp
// files stay in there), listens on a free port, proxies everything to the
// learner's server, and is stopped by the test. nginx keeps its default proxy
// settings, buffering included, except the read timeout the test chooses.
import fs from 'node:fs';
import path from 'node:path';
import { findExecutable, type RealPart } from './real-part.ts';
import { acceptsConnections, startServerProcess } from './server-process.ts';

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

/** Starts nginx and resolves once it accepts connections; throws with its error log if it cannot. */
export async function startNginx(options: NginxOptions): Promise<Nginx> {
  const nginx = await startServerProcess({
    name: 'nginx',
    executablePath: options.executablePath,
    args: (port, prefix) => {
      const file = path.join(prefix, 'nginx.conf');
      fs.writeFileSync(file, config(prefix, port, options));
      // -e: the error log before the configuration is read (else /var/log/nginx, not writable for everyone).
      return ['-p', prefix, '-c', file, '-e', path.join(prefix, 'error.log')];
    },
    ready: { probe: acceptsConnections, means: 'accept connections' },
    logs: (prefix) => {
      try {
        return fs.readFileSync(path.join(prefix, 'error.log'), 'utf8').trim().split('\n').slice(-5).join('\n');
      } catch {
        return '';
      }
    },
  });
  return { url: `http://127.0.0.1:${nginx.port}`, errors: nginx.output, stop: nginx.stop };
}
