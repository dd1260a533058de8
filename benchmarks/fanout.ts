// npm run bench:fanout: one event to many SSE clients, side by side in one run:
// raw node:http (the baseline), the capstone's broadcast path (lesson 14's app:
// its login, feed and hub, behind Express) and better-sse 0.16.1 (a Channel).
//
//   npm run bench:fanout                  1,000 and 10,000 clients, 60 and 20 broadcasts each
//   npm run bench:fanout -- --quick       the same with 10 and 5 broadcasts each
//   npm run bench:fanout -- --clients 500,2000 --broadcasts 30
//   npm run bench:fanout -- --from-record  only rewrite the table in the docs from the record
//   npm run bench:fanout -- --quick --no-record   print the table, record nothing
//
// Each broadcaster runs in its own process (benchmarks/fanout-server.ts, each
// on its own loopback address), with its clients, raw TCP readers, in another
// (benchmarks/fanout-readers.ts), so reading costs the broadcaster nothing. The
// three are started together and keep their clients: at 1,000 clients, then
// with 9,000 more at 10,000, they take turns broadcasting one event at a time
// (the order rotates every round), so a busy machine slows them alike.
//   CPU per broadcast   process.cpuUsage() of the broadcaster from the broadcast
//                       call until every client had the event (the writes, and
//                       what Node does afterwards to send them); the median
//   heap per connection heapUsed after a full GC (--expose-gc) with the clients
//                       connected, minus after the warm-up with none, divided by the clients
//   bytes per event     what reached the readers after the headers, per client and event
//   latency p50/p99     from the broadcast call to the moment the last client had the whole event
// Ratios are against raw node:http measured in the same run; the absolute
// figures are for this machine only. With the table's client counts (1,000
// and 10,000) the run is recorded in benchmarks/results/fanout.json and the
// table in docs/14-capstone.md is rewritten from it (tools/verify/bench-table.ts).
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCommand } from '../tools/cli/args.ts';
import { resultsFile, writeBenchBlocks } from '../tools/verify/bench-table.ts';
import { KINDS, renderReport, type FanoutResults, type Kind, type Row } from './fanout-report.ts';

const NAME = 'bench:fanout';
const argv = process.argv.slice(2);
const { flags } = parseCommand(NAME, argv, {
  lesson: 'none',
  summary: 'Broadcast CPU, heap per connection, bytes and latency: the capstone, raw node:http and better-sse 0.16.1.',
  flags: {
    quick: { description: 'fewer broadcasts: 10 at 1,000 clients, 5 at 10,000' },
    clients: { description: 'client counts, comma-separated (default 1000,10000)', value: 'list' },
    broadcasts: { description: 'broadcasts per broadcaster and client count (default 60 at 1,000 clients, 20 at 10,000; 10 and 5 with --quick)', value: 'count' },
    'from-record': { description: 'measure nothing: rewrite the table in the docs from benchmarks/results/fanout.json' },
    'no-record': { description: 'print the table only: the record and the docs stay as they are' },
  },
});

function failInput(message: string): never {
  process.stderr.write(`${NAME}: ${message}\n`);
  process.exit(1);
}

if (flags['from-record']) {
  try {
    const changed = writeBenchBlocks('fanout');
    console.log(changed.length > 0 ? `Rewrote the table in ${changed.join(', ')} from benchmarks/results/fanout.json.` : 'The table in the docs already matches benchmarks/results/fanout.json.');
  } catch (error) {
    failInput((error as Error).message);
  }
  process.exit(0);
}

/** The client counts of the table in docs/14-capstone.md: only a run with these is recorded. */
const TABLE_CLIENTS = [1000, 10_000];
const clientCounts = String(flags.clients ?? TABLE_CLIENTS.join(','))
  .split(',')
  .map((text) => Number(text.trim()));
if (clientCounts.some((n) => !Number.isInteger(n) || n < 1 || n > 15_000)) {
  failInput(`--clients takes whole numbers from 1 to 15000, comma-separated, not ${JSON.stringify(flags.clients)}. Try: npm run bench:fanout -- --clients 1000,10000`);
}
clientCounts.sort((a, b) => a - b);
const fixedBroadcasts = flags.broadcasts === undefined ? undefined : Number(flags.broadcasts);
if (fixedBroadcasts !== undefined && (!Number.isInteger(fixedBroadcasts) || fixedBroadcasts < 1)) {
  failInput(`--broadcasts takes a whole number above 0, not ${JSON.stringify(flags.broadcasts)}. Try: npm run bench:fanout -- --broadcasts 20`);
}
const broadcastsFor = (clients: number) => fixedBroadcasts ?? (clients > 2000 ? (flags.quick ? 5 : 20) : flags.quick ? 10 : 60);

const here = path.dirname(fileURLToPath(import.meta.url));
/** One deadline for any single step: a stuck child fails the run instead of hanging it. */
const STEP_DEADLINE_MS = 60_000;

type Message = Record<string, number | string>;

/** A child process we talk to by messages: send one, wait for the reply that has `key`. */
class Child {
  private readonly waiting: Array<{ key: string; resolve: (message: Message) => void; fail: (error: Error) => void }> = [];
  readonly process: ChildProcess;

  constructor(
    readonly label: string,
    file: string,
    args: string[],
    execArgv: string[],
  ) {
    this.process = fork(path.join(here, file), args, { execArgv: [...execArgv, '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.process.once('exit', (code) => {
      for (const waiter of this.waiting.splice(0)) waiter.fail(new Error(`${label} exited (${code}) while we waited for "${waiter.key}"`));
    });
    this.process.on('message', (message: Message) => {
      if ('failed' in message) {
        for (const waiter of this.waiting.splice(0)) waiter.fail(new Error(`${label}: ${message.failed}`));
        return;
      }
      const index = this.waiting.findIndex((w) => w.key in message);
      if (index !== -1) this.waiting.splice(index, 1)[0]!.resolve(message);
    });
  }

  next(key: string, deadlineMs = STEP_DEADLINE_MS): Promise<Message> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${key}" from ${this.label} within ${deadlineMs / 1000} s`)), deadlineMs);
      this.waiting.push({ key, resolve: (message) => (clearTimeout(timer), resolve(message)), fail: (error) => (clearTimeout(timer), reject(error)) });
    });
  }

  async ask(message: object, key: string, deadlineMs = STEP_DEADLINE_MS): Promise<Message> {
    const reply = this.next(key, deadlineMs);
    this.process.send(message);
    return reply;
  }

  async number(message: object, key: string): Promise<number> {
    return Number((await this.ask(message, key))[key]);
  }

  stop(): void {
    this.process.kill();
  }
}

/** One broadcaster, its clients' process, and what was measured of it. */
interface Contestant {
  kind: Kind;
  host: string;
  server: Child;
  readers: Child;
  port: number;
  path: string;
  heapWithoutClients: number;
  cpu: number[];
  latencies: number[];
}

const median = (values: number[]) => percentile(values, 50);
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitConnected(c: Contestant, wanted: number): Promise<void> {
  const deadline = performance.now() + STEP_DEADLINE_MS;
  while ((await c.server.number({ op: 'connected' }, 'connected')) !== wanted) {
    if (performance.now() > deadline) throw new Error(`${c.kind} did not reach ${wanted} connections within ${STEP_DEADLINE_MS / 1000} s`);
    await pause(20);
  }
}

/** One event from `c` to all its clients; returns the CPU it took (µs) and the latency to the last client (ms). */
async function broadcastOnce(c: Contestant, seq: number): Promise<{ cpuMicros: number; latency: number }> {
  // The readers must know what to wait for before the event can reach them.
  await c.readers.ask({ op: 'expect', events: 1 }, 'expecting');
  const reached = c.readers.next('reachedAt');
  const sentAt = await c.server.number({ op: 'broadcast', seq }, 'sentAt');
  const reachedAt = Number((await reached).reachedAt);
  const cpuMicros = await c.server.number({ op: 'cpu' }, 'cpuMicros');
  return { cpuMicros, latency: reachedAt - sentAt };
}

async function start(kind: Kind, index: number): Promise<Contestant> {
  const host = `127.0.0.${index + 1}`;
  const server = new Child(`the ${kind} broadcaster`, 'fanout-server.ts', [kind, host], ['--expose-gc', '--max-old-space-size=2048']);
  const readers = new Child(`the ${kind} clients`, 'fanout-readers.ts', [], []);
  const c: Contestant = { kind, host, server, readers, port: 0, path: '', heapWithoutClients: 0, cpu: [], latencies: [] };
  const ready = await server.next('port');
  c.port = Number(ready.port);
  c.path = String(ready.path);
  // Warm up with a few clients and broadcasts, so that lazy loading (Express's router, better-sse) is not counted.
  await readers.ask({ op: 'connect', host, port: c.port, path: c.path, count: 10 }, 'connected');
  for (let seq = 0; seq < 5; seq++) await broadcastOnce(c, seq);
  await readers.ask({ op: 'close' }, 'bytes');
  // Wait until the server forgot them, then the heap with no client.
  await waitConnected(c, 0);
  c.heapWithoutClients = await server.number({ op: 'heap' }, 'heap');
  return c;
}

const startedAt = new Date();
const started = performance.now();
const loadAtStart = os.loadavg()[0]!;
const contestants: Contestant[] = [];
const rows: Row[] = [];
try {
  process.stderr.write(`${NAME}: starting ${KINDS.join(', ')}…\n`);
  contestants.push(...(await Promise.all(KINDS.map(start))));
  let connected = 0;
  let seq = 100;
  for (const clients of clientCounts) {
    process.stderr.write(`${NAME}: ${clients.toLocaleString('en')} clients each (${((performance.now() - started) / 1000).toFixed(0)} s)…\n`);
    // Connecting thousands of clients on a busy machine takes a while: 10 ms each at most.
    const deadline = STEP_DEADLINE_MS + 10 * (clients - connected);
    await Promise.all(contestants.map((c) => c.readers.ask({ op: 'connect', host: c.host, port: c.port, path: c.path, count: clients - connected }, 'connected', deadline)));
    connected = clients;
    process.stderr.write(`${NAME}:   connected (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
    const heaps = new Map<Contestant, number>();
    for (const c of contestants) {
      await waitConnected(c, clients);
      heaps.set(c, await c.server.number({ op: 'heap' }, 'heap'));
      // One broadcast not counted: the first at this size pays for growing what the others reuse.
      await broadcastOnce(c, seq++);
      await c.readers.ask({ op: 'mark' }, 'marked');
      c.cpu = [];
      c.latencies = [];
    }
    const broadcasts = broadcastsFor(clients);
    for (let round = 0; round < broadcasts; round++) {
      // Taking turns, each first as often as the others: the machine's load falls on all alike.
      for (let i = 0; i < contestants.length; i++) {
        const c = contestants[(round + i) % contestants.length]!;
        const { cpuMicros, latency } = await broadcastOnce(c, seq++);
        c.cpu.push(cpuMicros / 1000);
        c.latencies.push(latency);
      }
    }
    for (const kind of KINDS) {
      const c = contestants.find((x) => x.kind === kind)!;
      const { bytes, events } = await c.readers.ask({ op: 'count' }, 'bytes');
      rows.push({
        kind,
        clients,
        broadcasts,
        cpuMsPerBroadcast: median(c.cpu),
        heapBytesPerConnection: (heaps.get(c)! - c.heapWithoutClients) / clients,
        bytesPerEvent: Number(bytes) / Number(events),
        p50: percentile(c.latencies, 50),
        p99: percentile(c.latencies, 99),
      });
    }
  }
} catch (error) {
  process.stderr.write(`${NAME}: ${(error as Error).message}\n`);
  process.exitCode = 1;
} finally {
  for (const c of contestants) {
    c.server.stop();
    c.readers.stop();
  }
}

if (rows.length > 0 && process.exitCode !== 1) {
  const cpus = os.cpus();
  const results: FanoutResults = {
    command: `npm run ${NAME}${argv.filter((arg) => arg !== '--').length > 0 ? ` -- ${argv.filter((arg) => arg !== '--').join(' ')}` : ''}`,
    date: startedAt.toISOString(),
    machine: { cpu: cpus[0]?.model.trim() ?? 'unknown CPU', cores: cpus.length, loadAtStart, loadAtEnd: os.loadavg()[0]! },
    node: process.version,
    seconds: (performance.now() - started) / 1000,
    rows,
  };
  console.log(renderReport(results));
  if (flags['no-record']) {
    console.log('\nNot recorded (--no-record).');
  } else if (clientCounts.join(',') === TABLE_CLIENTS.join(',')) {
    fs.mkdirSync(path.dirname(resultsFile('fanout')), { recursive: true });
    fs.writeFileSync(resultsFile('fanout'), `${JSON.stringify(results, null, 2)}\n`);
    const changed = writeBenchBlocks('fanout');
    console.log(`\nRecorded in benchmarks/results/fanout.json${changed.length > 0 ? `; rewrote the table in ${changed.join(', ')}` : ''}.`);
  } else {
    console.log(`\nNot recorded: the table in the docs is for ${TABLE_CLIENTS.map((n) => n.toLocaleString('en')).join(' and ')} clients.`);
  }
}
