// Runs the code under test in its own process (host.ts; host-process.ts starts
// or claims it) and talks to it by messages and over HTTP. Every wait has a
// deadline, so a learner's broken code (throws at import, never answers, loops
// for ever) fails one test with a clear message within seconds, and the next
// test gets a fresh process.
import path from 'node:path';
import { afterAll } from 'vitest';
import { startHostProcess, type HostProcess } from './host-process.ts';
import type { QuietState } from './host-quiet.ts';
import { shown, targetFile } from './target.ts';
import { LessonError, format } from './teach.ts';

/** Loading TypeScript and Express in a new process takes about a second; allow for a busy machine. */
export const LOAD_DEADLINE_MS = 7000;
/**
 * A load still going at LOAD_DEADLINE_MS in a process that answers a ping is
 * slow (a machine far too busy), not stuck in a loop: it may go on up to here.
 */
const BUSY_LOAD_DEADLINE_MS = 2 * LOAD_DEADLINE_MS;
/**
 * Starting the harness's own process runs no learner code, so only a broken
 * install (or a machine far too busy) makes it fail. Counted from the first
 * test that needs it, and short enough to fail with this message before the
 * test's own timeout (vitest.config.ts), which also leaves room for the first
 * load after it (LOAD_DEADLINE_MS).
 */
const READY_DEADLINE_MS = 15_000;
/** How long the host may take to answer a ping before we call it stuck. */
const PING_DEADLINE_MS = 1000;
/** A quiet look is a hint: a process that takes longer to answer is busy, and the waits run to their deadlines. */
const QUIET_DEADLINE_MS = 300;

interface HostError {
  message: string;
  stack?: string;
  name?: string;
}

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: HostError };
type HostEvent =
  | { event: 'ready' }
  | { event: 'crash'; error: HostError }
  | { event: 'client-data'; clientId: number; data: string };

class Timeout extends Error {}

/** One learner's process. Replaced by a new one after it dies or is killed. */
class Host {
  readonly process: HostProcess = startHostProcess();
  readonly crashes: HostError[] = [];
  readonly clientData = new Map<number, string[]>();
  exited = false;
  exitReason = '';
  private nextId = 1;
  private pending = new Map<number, (reply: Reply) => void>();
  readonly ready: Promise<void>;
  isReady = false;

  /** `onKilled`: called when the harness kills it, so that a fresh one can start at once. */
  constructor(private readonly onKilled: () => void = () => {}) {
    this.ready = new Promise((resolve, reject) => {
      this.process.onExit((reason) => {
        this.exited = true;
        this.exitReason = reason;
        reject(new Error(`exited (${this.exitReason}) before it was ready`));
        for (const settle of this.pending.values()) {
          settle({ id: 0, ok: false, error: { message: `the server process exited (${this.exitReason})`, name: 'Exited' } });
        }
        this.pending.clear();
      });
      this.process.onMessage((received) => {
        const message = received as Reply | HostEvent;
        if ('event' in message) {
          if (message.event === 'ready') {
            this.isReady = true;
            resolve();
          }
          if (message.event === 'crash') this.crashes.push(message.error);
          if (message.event === 'client-data') {
            const list = this.clientData.get(message.clientId) ?? [];
            list.push(message.data);
            this.clientData.set(message.clientId, list);
          }
          return;
        }
        this.pending.get(message.id)?.(message);
        this.pending.delete(message.id);
      });
    });
    this.ready.catch(() => {});
  }

  /** Its last lines of stdout and stderr. */
  get output(): string[] {
    return this.process.output();
  }

  /**
   * Sends a request and waits for its reply until `deadlineMs`. With
   * `whileResponsiveMs`, a process that still answers a ping at the deadline is
   * busy (loading on a slow machine, or awaiting), not stuck: it gets another
   * `deadlineMs`, as long as the whole wait stays within `whileResponsiveMs`.
   * A process blocked by a synchronous loop answers no ping and fails at the first deadline.
   */
  request(op: string, payload: Record<string, unknown>, deadlineMs: number, whileResponsiveMs = deadlineMs): Promise<Reply> {
    const gone: Reply = { id: 0, ok: false, error: { message: 'the server process has exited', name: 'Exited' } };
    // Killed but not yet reaped: its IPC channel is closing, and a send would fail with EPIPE.
    if (this.exited || (this.killed && !this.process.connected)) return Promise.resolve(gone);
    const id = this.nextId++;
    const started = performance.now();
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout;
      const expire = async () => {
        const more = Math.min(deadlineMs, whileResponsiveMs - (performance.now() - started));
        if (more > 0 && this.pending.has(id) && (await this.responsive())) {
          if (this.pending.has(id)) timer = setTimeout(expire, more);
          return;
        }
        if (!this.pending.delete(id)) return;
        reject(new Timeout(op));
      };
      timer = setTimeout(expire, deadlineMs);
      this.pending.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      // A process that dies meanwhile fails the send (EPIPE): that is an exit, not a
      // crash of the test run. The request stays pending until the exit is known,
      // which settles it with the reason (exit code 3, SIGABRT) that the message names.
      void this.process.send({ id, op, ...payload });
    });
  }

  async responsive(): Promise<boolean> {
    if (this.exited) return false;
    try {
      // A process that dies during the ping answers with ok: false.
      return (await this.request('ping', {}, PING_DEADLINE_MS)).ok;
    } catch {
      return false;
    }
  }

  /** True from the moment we kill it, before the exit event: never reuse a dying host. */
  killed = false;

  kill(): void {
    if (this.killed) return;
    this.killed = true;
    if (!this.exited) this.process.kill();
    this.onKilled();
  }
}

export interface Stats {
  resources: Record<string, number>;
  openResponses: number;
  writesAfterClose: number;
  processListeners: number;
  serverListeners: number;
}

/** process.memoryUsage() of the server's process, in bytes, measured after a full GC. */
export interface Memory {
  heapUsed: number;
  /** Memory outside the JavaScript heap, Buffers included. */
  external: number;
  arrayBuffers: number;
  rss: number;
}

export interface RunningServer {
  url: string;
  port: number;
  /** Cuts every open connection from the server side, as a crash or a proxy would. */
  drop(): Promise<void>;
  /** Timers, sockets and listeners the server's process holds right now. */
  stats(): Promise<Stats>;
  /** The server's process memory after a full garbage collection (lesson 11). */
  memory(): Promise<Memory>;
  /** Throws a teaching error if the server's process stopped answering (a synchronous loop). */
  assertResponsive(read: string): Promise<void>;
  /** Calls stop() of what createApp returned (lesson 12); the server keeps listening. */
  stopApp(): Promise<{ hasStop: boolean; threw?: { name?: string; message: string } }>;
  /**
   * Whether anything can still write to the response of the request made from
   * `clientPort` (see host-quiet.ts); undefined when the process does not answer.
   */
  quiet(clientPort: number): Promise<QuietState | undefined>;
}

/** What a function of the learner's returned, or the error it threw. */
export type CallResult = { returned?: unknown; threw?: undefined } | { threw: { name?: string; message: string } };

export interface RunningClient {
  /** Whether subscribe() returned a function (the way to close the connection). */
  returnedStop: boolean;
  /** The data of every message the learner's client passed to its callback so far. */
  received(): string[];
  stop(): Promise<void>;
}

function loadFailure(file: string, error: HostError, read: string): LessonError {
  if (error.name === 'NoCreateApp' || error.name === 'NotAnApp' || error.name === 'NoSubscribe' || error.name === 'NoExport') {
    return new LessonError(
      format({
        expected: `${shown(file)} to export the function the lesson asks for`,
        got: error.message,
        read,
      }),
    );
  }
  const where = error.stack?.split('\n').find((line) => line.includes(path.basename(file)));
  return new LessonError(
    format({
      expected: `${shown(file)} to load without throwing`,
      got: `it threw ${error.name ?? 'Error'}: ${error.message}${where ? `\n               ${where.trim()}` : ''}`,
      hint: 'Fix this error first: no other test of this lesson can run while the file does not load.',
      read,
    }),
  );
}

/** The process died under a request: out of memory (a loop that writes for ever) or process.exit(). */
function diedFailure(file: string, host: Host, read: string): LessonError {
  const outOfMemory = host.exitReason === 'SIGABRT' || host.output.some((line) => /heap out of memory/i.test(line));
  return new LessonError(
    format({
      expected: `${shown(file)} to keep running while it serves requests`,
      got: outOfMemory
        ? 'its process ran out of memory and died: something wrote or stored data for ever without pausing (a while (true) loop around res.write?).'
        : `its process exited (${host.exitReason}). Does the code call process.exit() or throw where nothing catches it?`,
      hint: outOfMemory
        ? 'A loop that never awaits never lets Node send the bytes it writes, so they pile up in memory.'
        : 'One process serves every client: whatever ends it (process.exit(), an error nothing catches) ends every stream at once.',
      read,
    }),
  );
}

function stuckFailure(file: string, read: string): LessonError {
  return new LessonError(
    format({
      expected: `${shown(file)} to keep Node's event loop free between writes`,
      got: 'its process stopped answering: something runs synchronously for ever (a while (true) loop without await?). The process was killed.',
      hint: 'Node runs one piece of JavaScript at a time. A loop that never awaits blocks every other request, timer and close event.',
      read,
    }),
  );
}

/**
 * The lesson under test, run out of process. Call once per test file, at the top:
 *   const lesson = useLesson('03');
 *   const server = await lesson.start({ retryMs: 100 });
 */
/** Whether this test file has started a host early already. */
let startedEarly = false;

export function useLesson(id: string, docs: string) {
  let closing = false;
  // The first lesson of a test file starts now, while vitest is still collecting
  // the tests: starting Node with tsx and express takes most of a second, and
  // the first test then finds it ready. (A file that uses several lessons starts
  // the others when a test needs them.) A host the harness kills (a stuck test)
  // is replaced at once, for the next test.
  const spawnHost = (): Host => new Host(() => {
    if (!closing) host = spawnHost();
  });
  let host: Host | undefined = startedEarly ? undefined : spawnHost();
  startedEarly = true;
  const clients: RunningClient[] = [];

  async function liveHost(file: string): Promise<Host> {
    if (!host || host.exited || host.killed) host = spawnHost();
    const current = host;
    if (current.isReady) return current;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        current.ready,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Timeout('ready')), READY_DEADLINE_MS);
        }),
      ]);
    } catch (error) {
      const output = current.output.slice(-8).join('\n  ');
      // A host that is merely slow (a busy machine) keeps starting: the next
      // test waits for the same one instead of starting over from nothing.
      if (!(error instanceof Timeout)) current.kill();
      throw new LessonError(
        format({
          expected: 'the test harness to start a Node process for your server',
          got: `it ${error instanceof Timeout ? `was not ready within ${READY_DEADLINE_MS} ms` : (error as Error).message}${output ? `:\n  ${output}` : ''}`,
          read: 'README.md#troubleshooting',
        }),
      );
    } finally {
      clearTimeout(timer);
    }
    return current;
  }

  /** What a deadline on each kind of request means. */
  const stuckIn = {
    listen: {
      deadlineMs: LOAD_DEADLINE_MS,
      whileResponsiveMs: BUSY_LOAD_DEADLINE_MS,
      expected: (file: string) => `${shown(file)} to load and build its app within ${LOAD_DEADLINE_MS / 1000} s`,
      got: 'it never finished: code at the top level of the file, or in createApp, runs for ever.',
      hint: 'Only set things up in createApp; loops and timers belong inside the request handler.',
    },
    client: {
      // The file is usually loaded already by then; subscribe() itself must return at once.
      deadlineMs: 4000,
      whileResponsiveMs: BUSY_LOAD_DEADLINE_MS,
      expected: (file: string) => `subscribe() in ${shown(file)} to return at once`,
      got: 'it never returned: something in subscribe() (or at the top level of the file) runs for ever.',
      hint: 'subscribe() only creates the EventSource and adds a listener; the events arrive later, in the listener.',
    },
    call: {
      // The first call loads the file (TypeScript compiled on the fly): as long as a listen.
      deadlineMs: LOAD_DEADLINE_MS,
      whileResponsiveMs: BUSY_LOAD_DEADLINE_MS,
      expected: (file: string) => `the functions of ${shown(file)} to return at once`,
      got: 'a call never returned: something in the function (or at the top level of the file) runs for ever.',
      hint: 'A function that builds a string needs no loop that waits; look for a while loop whose condition never changes.',
    },
  };

  /**
   * A file that does not load fails the same way in every test: remember it, so
   * the other tests of the file fail at once instead of waiting out the deadline again.
   */
  const loadFailures = new Map<string, LessonError>();

  /** Sends a request that runs learner code; a deadline the process does not answer a ping at means the code is stuck. */
  async function run(file: string, op: keyof typeof stuckIn, payload: Record<string, unknown>): Promise<unknown> {
    const known = loadFailures.get(`${op} ${file}`);
    if (known) throw new LessonError(known.message);
    const current = await liveHost(file);
    const stuck = stuckIn[op];
    let reply: Reply;
    try {
      reply = await current.request(op, { file, ...payload }, stuck.deadlineMs, stuck.whileResponsiveMs);
    } catch {
      current.kill();
      const failure = new LessonError(format({ expected: stuck.expected(file), got: stuck.got, hint: stuck.hint, read: docs }));
      loadFailures.set(`${op} ${file}`, failure);
      throw failure;
    }
    if (!reply.ok) {
      current.kill();
      // A crash can depend on what the test did; a load error cannot.
      if (reply.error.name === 'Exited') throw diedFailure(file, current, docs);
      const failure = loadFailure(file, reply.error, docs);
      loadFailures.set(`${op} ${file}`, failure);
      throw failure;
    }
    return reply.value;
  }

  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.stop()));
    closing = true;
    host?.kill();
  });

  return {
    /**
     * Loads lessons/NN-slug/server.ts (or the solution) and serves createApp(options) on port 0;
     * `wrap: 'compression'` puts the real compression middleware in front of it (lesson 09).
     */
    async start(options?: Record<string, unknown>, file = targetFile(id), wrap?: 'compression'): Promise<RunningServer> {
      // Without options, createApp() gets none at all, as in npm run demo: its defaults must apply.
      const { port } = (await run(file, 'listen', { options, wrap })) as { port: number };
      const owner = host!;
      return {
        port,
        url: `http://127.0.0.1:${port}`,
        async drop() {
          await owner.request('drop', { port }, PING_DEADLINE_MS).catch(() => undefined);
        },
        async stats() {
          const reply = await owner.request('stats', {}, PING_DEADLINE_MS).catch(() => undefined);
          if (owner.exited) throw diedFailure(file, owner, docs);
          if (!reply?.ok) throw stuckFailure(file, docs);
          return reply.value as Stats;
        },
        async memory() {
          // A full collection of a large heap takes a while on a busy machine.
          const reply = await owner.request('memory', {}, 5000).catch(() => undefined);
          if (owner.exited) throw diedFailure(file, owner, docs);
          if (!reply?.ok) throw stuckFailure(file, docs);
          return reply.value as Memory;
        },
        async quiet(clientPort: number) {
          const reply = await owner.request('quiet', { clientPort }, QUIET_DEADLINE_MS).catch(() => undefined);
          return reply?.ok ? (reply.value as QuietState) : undefined;
        },
        async stopApp() {
          const reply = await owner.request('stop-app', { port }, LOAD_DEADLINE_MS).catch(() => undefined);
          if (owner.exited) throw diedFailure(file, owner, docs);
          if (!reply?.ok) throw stuckFailure(file, docs);
          return reply.value as { hasStop: boolean; threw?: { name?: string; message: string } };
        },
        async assertResponsive(read: string) {
          if (await owner.responsive()) return;
          if (owner.exited) throw diedFailure(file, owner, read);
          owner.kill();
          throw stuckFailure(file, read);
        },
      };
    },

    /** Runs the learner's Node client (lesson 05): subscribe(url, onData) in the same child process. */
    async subscribe(url: string, file = targetFile(id, 'client.ts')): Promise<RunningClient> {
      const { clientId, returnedStop } = (await run(file, 'client', { url })) as { clientId: number; returnedStop: boolean };
      const owner = host!;
      const client: RunningClient = {
        returnedStop,
        received: () => [...(owner.clientData.get(clientId) ?? [])],
        async stop() {
          await owner.request('stop-client', { clientId }, PING_DEADLINE_MS).catch(() => undefined);
        },
      };
      clients.push(client);
      return client;
    },

    /**
     * Calls `name`, exported by a file of the lesson (lesson 07: sse-format.ts),
     * with JSON arguments, in the learner's process. Returns what it returned
     * (as JSON) or what it threw.
     */
    async call(file: string, name: string, args: unknown[]): Promise<CallResult> {
      return (await run(file, 'call', { name, args })) as CallResult;
    },

    /** Errors thrown later by the learner's code (in a timer, a listener), with its console output. */
    crashes: (): HostError[] => host?.crashes ?? [],
    output: (): string[] => host?.output ?? [],
  };
}
