// npm run bench:fanout: one event to many SSE clients, side by side in one run:
// raw node:http (the baseline), the capstone's broadcast path (lesson 14's app:
// its feed and hub, behind Express) and better-sse 0.16.1 (a Channel).
//
//   npm run bench:fanout                  1,000 and 10,000 clients, 60 and 20 broadcasts
//   npm run bench:fanout -- --quick       1,000 and 10,000 clients, 20 and 5 broadcasts
//   npm run bench:fanout -- --clients 500,2000 --broadcasts 30
//
// Each broadcaster runs in its own process (benchmarks/fanout-server.ts); the
// clients are raw TCP readers in another one (benchmarks/fanout-readers.ts), so
// reading costs the broadcaster nothing. Per broadcaster and client count:
//   CPU per broadcast   process.cpuUsage() of the broadcaster around the
//                       broadcasts, divided by their number; one broadcast at a
//                       time, the next once every client got the previous one
//   heap per connection heapUsed after a full GC (--expose-gc) with every client
//                       connected, minus before any, divided by the clients
//   bytes per event     what reached the readers after the headers, per client and event
//   latency p50/p99     from the broadcast call to the moment the last client had the whole event
// Ratios are against raw node:http measured in the same run: the machine's load
// affects every row alike, the absolute figures are for this machine only.
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCommand } from '../tools/cli/args.ts';
import { KINDS, printReport, type Kind, type Row } from './fanout-report.ts';

const NAME = 'bench:fanout';
const { flags } = parseCommand(NAME, process.argv.slice(2), {
  lesson: 'none',
  summary: 'Broadcast CPU, heap per connection, bytes and latency: the capstone, raw node:http and better-sse 0.16.1.',
  flags: {
    quick: { description: 'fewer broadcasts (under 30 s)' },
    clients: { description: 'client counts, comma-separated (default 1000,10000)', value: 'list' },
    broadcasts: { description: 'broadcasts per measure (default 60 at 1,000 clients, 20 at 10,000; 20 and 5 with --quick)', value: 'count' },
  },
});

function failInput(message: string): never {
  process.stderr.write(`${NAME}: ${message}\n`);
  process.exit(1);
}

const clientCounts = String(flags.clients ?? '1000,10000')
  .split(',')
  .map((text) => Number(text.trim()));
if (clientCounts.some((n) => !Number.isInteger(n) || n < 1 || n > 15_000)) {
  failInput(`--clients takes whole numbers from 1 to 15000, comma-separated, not ${JSON.stringify(flags.clients)}. Try: npm run bench:fanout -- --clients 1000,10000`);
}
const fixedBroadcasts = flags.broadcasts === undefined ? undefined : Number(flags.broadcasts);
if (fixedBroadcasts !== undefined && (!Number.isInteger(fixedBroadcasts) || fixedBroadcasts < 1)) {
  failInput(`--broadcasts takes a whole number above 0, not ${JSON.stringify(flags.broadcasts)}. Try: npm run bench:fanout -- --broadcasts 20`);
}
const broadcastsFor = (clients: number) => fixedBroadcasts ?? (clients > 2000 ? (flags.quick ? 5 : 20) : flags.quick ? 20 : 60);

const here = path.dirname(fileURLToPath(import.meta.url));
/** One deadline for any single step: a stuck child fails the run instead of hanging it. */
const STEP_DEADLINE_MS = 30_000;

/** A child process we talk to by messages: send one, wait for the reply that has `key`. */
class Child {
  private readonly waiting: Array<{ key: string; resolve: (message: Record<string, number>) => void; fail: (error: Error) => void }> = [];
  readonly process: ChildProcess;

  constructor(file: string, args: string[], execArgv: string[]) {
    this.process = fork(path.join(here, file), args, { execArgv: [...execArgv, '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.process.once('exit', (code) => {
      for (const waiter of this.waiting.splice(0)) waiter.fail(new Error(`${NAME}: a child process exited (${code}) while we waited for "${waiter.key}"`));
    });
    this.process.on('message', (message: Record<string, number>) => {
      const index = this.waiting.findIndex((w) => w.key in message);
      if (index !== -1) this.waiting.splice(index, 1)[0]!.resolve(message);
    });
  }

  next(key: string): Promise<Record<string, number>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${NAME}: no "${key}" from ${path.basename(String(this.process.spawnargs.at(-2)))} within ${STEP_DEADLINE_MS / 1000} s`)), STEP_DEADLINE_MS);
      this.waiting.push({ key, resolve: (message) => (clearTimeout(timer), resolve(message)), fail: reject });
    });
  }

  ask(message: object, key: string): Promise<Record<string, number>> {
    const reply = this.next(key);
    this.process.send(message);
    return reply;
  }

  stop(): void {
    this.process.kill();
  }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function measure(kind: Kind, clients: number, broadcasts: number): Promise<Row> {
  const server = new Child('fanout-server.ts', [kind], ['--expose-gc', '--max-old-space-size=2048']);
  const readers = new Child('fanout-readers.ts', [], []);
  try {
    const { port } = await server.next('port');
    // Warm up with a few clients and broadcasts, so that lazy loading (Express's router, better-sse) is not counted.
    await readers.ask({ op: 'connect', port, count: 10 }, 'connected');
    for (let seq = 0; seq < 5; seq++) {
      // The readers must know what to wait for before the event can reach them.
      await readers.ask({ op: 'expect', events: 1 }, 'expecting');
      const reached = readers.next('reachedAt');
      await server.ask({ op: 'broadcast', seq }, 'sentAt');
      await reached;
    }
    await server.ask({ op: 'cpu' }, 'cpuMicros');
    await readers.ask({ op: 'close' }, 'bytes');
    // Wait until the server forgot them, then the heap with no client.
    while ((await server.ask({ op: 'connected' }, 'connected')).connected! > 0) await new Promise((r) => setTimeout(r, 20));
    const { heap: heapBefore } = await server.ask({ op: 'heap' }, 'heap');

    await readers.ask({ op: 'connect', port, count: clients }, 'connected');
    while ((await server.ask({ op: 'connected' }, 'connected')).connected! < clients) await new Promise((r) => setTimeout(r, 20));
    const { heap: heapAfter } = await server.ask({ op: 'heap' }, 'heap');
    await readers.ask({ op: 'mark' }, 'marked');

    const latencies: number[] = [];
    for (let seq = 0; seq < broadcasts; seq++) {
      // The readers must know what to wait for before the event can reach them.
      await readers.ask({ op: 'expect', events: 1 }, 'expecting');
      const reached = readers.next('reachedAt');
      const { sentAt } = await server.ask({ op: 'broadcast', seq }, 'sentAt');
      const { reachedAt } = await reached;
      latencies.push(reachedAt! - sentAt!);
    }
    const { cpuMicros } = await server.ask({ op: 'cpu' }, 'cpuMicros');
    const { bytes, events } = await readers.ask({ op: 'close' }, 'bytes');
    latencies.sort((a, b) => a - b);
    return {
      kind,
      clients,
      broadcasts,
      cpuMsPerBroadcast: cpuMicros! / 1000 / broadcasts,
      heapBytesPerConnection: (heapAfter! - heapBefore!) / clients,
      bytesPerEvent: bytes! / events!,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
    };
  } finally {
    server.stop();
    readers.stop();
  }
}

const started = performance.now();
const rows: Row[] = [];
for (const clients of clientCounts) {
  for (const kind of KINDS) {
    process.stderr.write(`${NAME}: ${kind}, ${clients} clients…\n`);
    rows.push(await measure(kind, clients, broadcastsFor(clients)));
  }
}
printReport(rows, {
  machine: `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, load ${os.loadavg()[0]!.toFixed(1)}`,
  node: process.version,
  seconds: (performance.now() - started) / 1000,
});
