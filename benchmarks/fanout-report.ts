// The results of npm run bench:fanout and their table: one row per broadcaster
// and client count, each figure with its ratio against raw node:http at the
// same client count, and whether the capstone meets issue 12's goal. The same
// text is printed by the benchmark and kept in docs/14-capstone.md (checked by
// npm run verify, tools/verify/bench-table.ts).

/** The broadcasters, in the order of the table; benchmarks/fanout-server.ts runs each. */
export type Kind = 'capstone' | 'raw' | 'better-sse';
export const KINDS: Kind[] = ['raw', 'capstone', 'better-sse'];

export interface Row {
  kind: Kind;
  clients: number;
  broadcasts: number;
  /** Median over the broadcasts. */
  cpuMsPerBroadcast: number;
  heapBytesPerConnection: number;
  bytesPerEvent: number;
  /** Latency to the last client, ms. */
  p50: number;
  p99: number;
}

/** What one run measured, and where: benchmarks/results/fanout.json holds the last recorded one. */
export interface FanoutResults {
  /** As typed, e.g. "npm run bench:fanout -- --quick". */
  command: string;
  /** When the run started, ISO 8601 (UTC). */
  date: string;
  machine: {
    cpu: string;
    cores: number;
    /** The 1-minute load average at the start and at the end of the run (uptime's first figure). */
    loadAtStart: number;
    loadAtEnd: number;
  };
  node: string;
  seconds: number;
  rows: Row[];
}

const LABEL: Record<Kind, string> = { raw: 'raw node:http', capstone: 'capstone (lesson 14)', 'better-sse': 'better-sse 0.16.1' };
/** The goal: within 1.1x of raw node:http in CPU per broadcast and heap per connection. */
const GOAL = 1.1;

const ratio = (value: number, base: number) => `${(value / base).toFixed(2)}×`;
const pad = (cells: string[], widths: number[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
const count = (n: number) => n.toLocaleString('en');

/** The table, the goal's verdict per client count, and where and how it was measured. */
export function renderReport(results: FanoutResults): string {
  const { rows } = results;
  const header = ['broadcaster', 'clients', 'CPU/broadcast', 'heap/conn', 'bytes/event', 'p50 last', 'p99 last'];
  const lines: string[][] = [];
  const verdicts: string[] = [];
  for (const clients of [...new Set(rows.map((row) => row.clients))]) {
    const base = rows.find((row) => row.clients === clients && row.kind === 'raw')!;
    const better = rows.find((row) => row.clients === clients && row.kind === 'better-sse');
    for (const row of rows.filter((r) => r.clients === clients)) {
      lines.push([
        LABEL[row.kind],
        count(clients),
        `${row.cpuMsPerBroadcast.toFixed(2)} ms ${ratio(row.cpuMsPerBroadcast, base.cpuMsPerBroadcast)}`,
        `${(row.heapBytesPerConnection / 1024).toFixed(1)} KiB ${ratio(row.heapBytesPerConnection, base.heapBytesPerConnection)}`,
        `${Math.round(row.bytesPerEvent)} B`,
        `${row.p50.toFixed(1)} ms`,
        `${row.p99.toFixed(1)} ms`,
      ]);
      if (row.kind === 'capstone') {
        const cpu = row.cpuMsPerBroadcast / base.cpuMsPerBroadcast;
        const heap = row.heapBytesPerConnection / base.heapBytesPerConnection;
        const ahead = better ? row.cpuMsPerBroadcast < better.cpuMsPerBroadcast && row.heapBytesPerConnection < better.heapBytesPerConnection : true;
        const met = cpu <= GOAL && heap <= GOAL && ahead;
        verdicts.push(
          `${count(clients)} clients: capstone CPU ${cpu.toFixed(2)}×, heap ${heap.toFixed(2)}× raw node:http; ${ahead ? 'ahead of' : 'not ahead of'} better-sse on both: goal (≤ ${GOAL}×, ahead of better-sse) ${met ? 'met' : 'MISSED'}`,
        );
      }
    }
  }
  const widths = header.map((_, i) => Math.max(header[i]!.length, ...lines.map((line) => line[i]!.length)));
  const broadcasts = [...new Map(rows.map((row) => [row.clients, row.broadcasts])).entries()]
    .map(([clients, n]) => `${n} at ${count(clients)} clients`)
    .join(', ');
  const { machine } = results;
  return [
    pad(header, widths),
    ...lines.map((line) => pad(line, widths)),
    '',
    ...verdicts,
    `CPU: median per broadcast, the broadcasters taking turns (${broadcasts}). Ratios against raw node:http in the same run.`,
    `${results.command} on ${results.date.slice(0, 10)}: ${machine.cores} × ${machine.cpu}, load ${machine.loadAtStart.toFixed(1)} → ${machine.loadAtEnd.toFixed(1)}; Node ${results.node}; ${results.seconds.toFixed(0)} s.`,
  ].join('\n');
}
