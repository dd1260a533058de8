// The learner's process (host.ts) as the test's worker sees it: messages in and
// out, its last lines of output, how it ended, and a way to kill it. Either the
// worker starts it now, or it claims one that `npm test` or `npm run watch`
// started ahead of time (tools/cli/host-pool.ts), which has already spent the
// half second Node and tsx take to start. Both behave the same to lesson-host.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { root } from '../../tools/manifest.ts';
import { hostArguments, hostEnvironment, jsonLines, pooledHostFiles, writeJsonLine } from './host-spawn.ts';

/** Output lines kept: enough for the end of a stack trace or of a log. */
const OUTPUT_LINES = 40;
/** How often a worker tries to reach a pooled host that is still starting. */
const CONNECT_RETRY_MS = 15;
/** How long the pool may take to record how a pooled host ended, after its socket closed. */
const EXIT_RECORD_WAIT_MS = 2000;

export interface HostProcess {
  /** Sends a message; resolves false when it could not (the process is gone). */
  send(message: object): Promise<boolean>;
  /** False once the channel is closed (a killed process, before its exit is known). */
  readonly connected: boolean;
  /** Its last lines of stdout and stderr. */
  output(): string[];
  kill(): void;
  /** Every message it sends. */
  onMessage(listener: (message: unknown) => void): void;
  /** Once, when it has exited: "SIGKILL", "exit code 1", … */
  onExit(listener: (reason: string) => void): void;
}

/** A host from the pool when the command started one, else a new one. */
export function startHostProcess(): HostProcess {
  return claimPooledHost() ?? new SpawnedHost();
}

/** Started by this worker, talking over Node's IPC channel. */
class SpawnedHost implements HostProcess {
  private readonly child: ChildProcess;
  private readonly lines: string[] = [];

  constructor() {
    this.child = spawn(process.execPath, hostArguments(), {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: hostEnvironment(),
    });
    const keep = (chunk: Buffer) => {
      this.lines.push(...chunk.toString().split('\n').filter(Boolean));
      if (this.lines.length > OUTPUT_LINES) this.lines.splice(0, this.lines.length - OUTPUT_LINES);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
  }

  get connected(): boolean {
    return this.child.connected;
  }

  send(message: object): Promise<boolean> {
    // A process that dies meanwhile fails the send (EPIPE): that is an exit, not a crash of the test run.
    return new Promise((resolve) => this.child.send(message, (error) => resolve(!error)));
  }

  output(): string[] {
    return [...this.lines];
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  onMessage(listener: (message: unknown) => void): void {
    this.child.on('message', listener);
  }

  onExit(listener: (reason: string) => void): void {
    this.child.once('exit', (code, signal) => listener(signal ?? `exit code ${code}`));
  }
}

/**
 * Takes the oldest spare of the command's pool (WORKSHOP_HOST_POOL), if there is
 * one: renaming its `spare` file is the claim, so two workers never get the same.
 */
function claimPooledHost(): HostProcess | undefined {
  const poolDir = process.env.WORKSHOP_HOST_POOL;
  if (!poolDir) return undefined;
  let spares: string[];
  try {
    spares = fs.readdirSync(poolDir).filter((name) => name.endsWith('.spare')).sort();
  } catch {
    return undefined;
  }
  for (const name of spares) {
    const files = pooledHostFiles(poolDir, name.slice(0, -'.spare'.length));
    try {
      fs.renameSync(files.spare, files.taken);
      return new PooledHost(files, Number(fs.readFileSync(files.taken, 'utf8')));
    } catch {
      // Another worker took it first, or the pool is closing.
    }
  }
  return undefined;
}

/** Started by the command's pool; this worker reaches it over a local socket. */
class PooledHost implements HostProcess {
  private socket: net.Socket | undefined;
  private queued: { message: object; sent: (ok: boolean) => void }[] = [];
  private readonly messageListeners: ((message: unknown) => void)[] = [];
  private readonly exitListeners: ((reason: string) => void)[] = [];
  private closed = false;

  constructor(
    private readonly files: ReturnType<typeof pooledHostFiles>,
    private readonly pid: number,
  ) {
    this.connect();
  }

  /** It may still be starting: try until its socket is there, or until it has exited. */
  private connect(): void {
    if (this.closed) return;
    const socket = net.connect(this.files.socket);
    socket.setEncoding('utf8');
    socket.once('connect', () => {
      this.socket = socket;
      socket.on('data', jsonLines((message) => this.messageListeners.forEach((listener) => listener(message))));
      for (const { message, sent } of this.queued.splice(0)) {
        writeJsonLine(socket, message);
        sent(true);
      }
    });
    socket.once('error', () => {
      if (this.socket === socket) return;
      if (fs.existsSync(this.files.exit)) return this.ended();
      setTimeout(() => this.connect(), CONNECT_RETRY_MS).unref();
    });
    socket.once('close', () => {
      if (this.socket === socket) this.ended();
    });
  }

  /** The socket is closed: the process is ending. Its exit is known once the pool has recorded it. */
  private ended(): void {
    if (this.closed) return;
    this.closed = true;
    for (const { sent } of this.queued.splice(0)) sent(false);
    const deadline = performance.now() + EXIT_RECORD_WAIT_MS;
    const report = () => {
      let reason: string | undefined;
      try {
        reason = fs.readFileSync(this.files.exit, 'utf8');
      } catch {
        if (performance.now() < deadline) return void setTimeout(report, 10);
        reason = 'it ended, and how is unknown';
      }
      for (const listener of this.exitListeners) listener(reason);
    };
    report();
  }

  get connected(): boolean {
    return !this.closed;
  }

  send(message: object): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (!this.socket) return new Promise((sent) => this.queued.push({ message, sent }));
    writeJsonLine(this.socket, message);
    return Promise.resolve(true);
  }

  /** The last lines of its log, read from the end of the file. */
  output(): string[] {
    let text: string;
    try {
      const fd = fs.openSync(this.files.log, 'r');
      try {
        const { size } = fs.fstatSync(fd);
        const length = Math.min(size, 16 * 1024);
        const buffer = Buffer.alloc(length);
        fs.readSync(fd, buffer, 0, length, size - length);
        text = buffer.toString();
        // A cut first line is not a line.
        if (length < size) text = text.slice(text.indexOf('\n') + 1);
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      return [];
    }
    return text.split('\n').filter(Boolean).slice(-OUTPUT_LINES);
  }

  kill(): void {
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    this.socket?.destroy();
    if (!this.socket) this.ended();
  }

  onMessage(listener: (message: unknown) => void): void {
    this.messageListeners.push(listener);
  }

  onExit(listener: (reason: string) => void): void {
    this.exitListeners.push(listener);
  }
}
