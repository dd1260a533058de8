// The table of npm run bench:fanout: one row per broadcaster and client count,
// each figure with its ratio against raw node:http at the same client count,
// and whether the capstone meets issue 12's goal.

/** The broadcasters, in the order of the table; benchmarks/fanout-server.ts runs each. */
export type Kind = 'capstone' | 'raw' | 'better-sse';
export const KINDS: Kind[] = ['raw', 'capstone', 'better-sse'];

export interface Row {
  kind: Kind;
  clients: number;
  broadcasts: number;
  cpuMsPerBroadcast: number;
  heapBytesPerConnection: number;
  bytesPerEvent: number;
  /** Latency to the last client, ms. */
  p50: number;
  p99: number;
}

const LABEL: Record<Kind, string> = { raw: 'raw node:http', capstone: 'capstone (lesson 14)', 'better-sse': 'better-sse 0.16.1' };
/** The goal: within 1.1x of raw node:http in CPU per broadcast and heap per connection. */
const GOAL = 1.1;

const ratio = (value: number, base: number) => `${(value / base).toFixed(2)}×`;
const pad = (cells: string[], widths: number[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');

export function printReport(rows: Row[], run: { machine: string; node: string; seconds: number }): void {
  const header = ['broadcaster', 'clients', 'CPU/broadcast', 'heap/conn', 'bytes/event', 'p50 last', 'p99 last'];
  const lines: string[][] = [];
  const verdicts: string[] = [];
  for (const clients of [...new Set(rows.map((row) => row.clients))]) {
    const base = rows.find((row) => row.clients === clients && row.kind === 'raw')!;
    const better = rows.find((row) => row.clients === clients && row.kind === 'better-sse');
    for (const row of rows.filter((r) => r.clients === clients)) {
      lines.push([
        LABEL[row.kind],
        clients.toLocaleString('en'),
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
          `${clients.toLocaleString('en')} clients: capstone CPU ${cpu.toFixed(2)}×, heap ${heap.toFixed(2)}× raw node:http; ${ahead ? 'ahead of' : 'not ahead of'} better-sse on both: goal (≤ ${GOAL}×, ahead of better-sse) ${met ? 'met' : 'MISSED'}`,
        );
      }
    }
  }
  const widths = header.map((_, i) => Math.max(header[i]!.length, ...lines.map((line) => line[i]!.length)));
  console.log(pad(header, widths));
  for (const line of lines) console.log(pad(line, widths));
  console.log('');
  for (const verdict of verdicts) console.log(verdict);
  console.log(`Ratios against raw node:http in the same run. ${run.machine}; Node ${run.node}; broadcasts per row: ${[...new Map(rows.map((row) => [row.clients, row.broadcasts])).entries()].map(([clients, n]) => `${n} at ${clients.toLocaleString('en')} clients`).join(', ')}; ${run.seconds.toFixed(0)} s.`);
}
