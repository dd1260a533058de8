// The results of npm run bench:tools and their table: one row per command, its
// median, its ratio to the bare one-test vitest run of the same sitting, and
// issue 9's goal with whether it is met. The same text is printed by the
// benchmark and kept in docs/commands.md (checked by npm run verify,
// tools/verify/bench-table.ts).

/** A goal from issue 9: a ratio to the bare run, or seconds. */
export type Goal = { ratio: number } | { seconds: number };

export interface ToolsRow {
  name: string;
  goal?: Goal;
  /** Seconds, one per round. */
  runs: number[];
}

/** What one run measured, and where: benchmarks/results/tools.json holds the last recorded one. */
export interface ToolsResults {
  /** As typed, e.g. "npm run bench:tools -- --runs 3". */
  command: string;
  /** When the run started, ISO 8601 (UTC). */
  date: string;
  machine: {
    cpu: string;
    cores: number;
    /** The 1-minute load average at the start and at the end of the run. */
    loadAtStart: number;
    loadAtEnd: number;
  };
  node: string;
  /** The name of the row every ratio is taken against (the bare vitest run). */
  baseline: string;
  rows: ToolsRow[];
  /** Runs that did not end as expected (a flaky start on a busy machine): timed all the same. */
  problems: number;
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

function goalText(goal: Goal | undefined, seconds: number, base: number): { text: string; met: string } {
  if (!goal) return { text: '', met: '' };
  if ('ratio' in goal) return { text: `≤ ${goal.ratio}×`, met: seconds / base <= goal.ratio ? 'met' : 'NOT met' };
  return { text: `≤ ${goal.seconds} s`, met: seconds <= goal.seconds ? 'met' : 'NOT met' };
}

/** The table, and where and how it was measured. */
export function renderToolsReport(results: ToolsResults): string {
  const base = median(results.rows.find((row) => row.name === results.baseline)!.runs);
  const width = Math.max(...results.rows.map((row) => row.name.length));
  const lines = [`${'command'.padEnd(width)}  median   ratio   goal      runs (s)`];
  for (const row of results.rows) {
    const m = median(row.runs);
    const goal = goalText(row.goal, m, base);
    lines.push(
      `${row.name.padEnd(width)}  ${m.toFixed(2).padStart(5)} s  ${(m / base).toFixed(1).padStart(4)}×   ${goal.text.padEnd(8)}  ${row.runs.map((t) => t.toFixed(2)).join(' ')}  ${goal.met}`.trimEnd(),
    );
  }
  const rounds = Math.max(...results.rows.map((row) => row.runs.length));
  const { machine } = results;
  lines.push('');
  if (results.problems > 0) lines.push(`${results.problems} run(s) did not end as expected and were timed all the same.`);
  lines.push(
    `${results.command} on ${results.date.slice(0, 10)}: ${rounds} round(s), ${machine.cores} × ${machine.cpu.split(' ').slice(0, 2).join(' ')}, load ${machine.loadAtStart.toFixed(1)} → ${machine.loadAtEnd.toFixed(1)}; Node ${results.node}.`,
  );
  return lines.join('\n');
}
