// Benchmark tables in the texts come from the benchmark's record
// (tools/verify/bench-table.ts): npm run bench:fanout (or bench:tools) rewrites the block from
// benchmarks/results/fanout.json, and verify fails with one line naming the
// file, the record and the command that fixes it when the two differ (an edit
// by hand, a new record whose table was not rewritten), without running a benchmark.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type { FanoutResults } from '../../benchmarks/fanout-report.ts';
import type { ToolsResults } from '../../benchmarks/tools-report.ts';
import { checkBenchTables, resultsFile, writeBenchBlocks } from '../../tools/verify/bench-table.ts';

let tree: string;
afterEach(() => fs.rmSync(tree, { recursive: true, force: true }));

const row = (kind: 'raw' | 'capstone' | 'better-sse', clients: number, cpu: number, heap: number) => ({
  kind,
  clients,
  broadcasts: 10,
  cpuMsPerBroadcast: cpu,
  heapBytesPerConnection: heap,
  bytesPerEvent: 117,
  p50: 40,
  p99: 90,
});

function results(capstoneCpu = 11): FanoutResults {
  return {
    command: 'npm run bench:fanout -- --quick',
    date: '2026-11-29T00:10:00.000Z',
    machine: { cpu: 'Test CPU', cores: 2, loadAtStart: 1.5, loadAtEnd: 1.7 },
    node: 'v20.20.2',
    seconds: 27,
    rows: [row('raw', 1000, 10, 5000), row('capstone', 1000, capstoneCpu, 5400), row('better-sse', 1000, 14, 17000)],
  };
}

const EMPTY_BLOCK = '<!-- bench: npm run bench:fanout -->\n```text\n```\n<!-- /bench -->\n';

/** A made-up workshop holding README.md, docs/guide.md (with `guide`) and, unless null, the record. */
function makeTree(guide: string, record: FanoutResults | null = results()): string {
  tree = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-bench-'));
  fs.writeFileSync(path.join(tree, 'README.md'), '# Workshop\n');
  fs.mkdirSync(path.join(tree, 'docs'));
  fs.writeFileSync(path.join(tree, 'docs', 'guide.md'), guide);
  if (record) {
    fs.mkdirSync(path.dirname(resultsFile('fanout', tree)), { recursive: true });
    fs.writeFileSync(resultsFile('fanout', tree), JSON.stringify(record));
  }
  return tree;
}

const guideText = () => fs.readFileSync(path.join(tree, 'docs', 'guide.md'), 'utf8');

describe('verify: benchmark tables come from the record', () => {
  test('a block rewritten from the record passes, and shows the command, machine, Node version and every figure', () => {
    const base = makeTree(`# Guide\n\nBefore.\n\n${EMPTY_BLOCK}\nAfter.\n`);
    expect(writeBenchBlocks('fanout', base)).toEqual(['docs/guide.md']);
    const text = guideText();
    expect(text).toContain('<!-- bench: npm run bench:fanout -- --quick -->');
    expect(text).toMatch(/capstone \(lesson 14\)\s+1,000\s+11\.00 ms 1\.10×\s+5\.3 KiB 1\.08×/);
    expect(text).toContain('npm run bench:fanout -- --quick on 2026-11-29: 2 × Test CPU, load 1.5 → 1.7; Node v20.20.2; 27 s.');
    expect(text).toMatch(/^Before\.\n\n<!-- bench:/m);
    expect(text).toMatch(/<!-- \/bench -->\n\nAfter\.\n$/);
    expect(checkBenchTables(base)).toEqual([]);
    // Rewriting again changes nothing.
    expect(writeBenchBlocks('fanout', base)).toEqual([]);
  });

  test('a figure edited by hand fails with one line: the file, the record and the command that rewrites it', () => {
    const base = makeTree(`# Guide\n\n${EMPTY_BLOCK}`);
    writeBenchBlocks('fanout', base);
    fs.writeFileSync(path.join(base, 'docs', 'guide.md'), guideText().replace('11.00 ms 1.10×', '10.50 ms 1.05×'));
    expect(checkBenchTables(base)).toEqual([
      'docs/guide.md: the bench:fanout table differs from benchmarks/results/fanout.json (edited by hand?); rewrite it with npm run bench:fanout -- --from-record',
    ]);
  });

  test('a new record whose table was not rewritten fails the same way', () => {
    const base = makeTree(`# Guide\n\n${EMPTY_BLOCK}`);
    writeBenchBlocks('fanout', base);
    fs.writeFileSync(resultsFile('fanout', base), JSON.stringify(results(12)));
    expect(checkBenchTables(base)).toEqual([expect.stringMatching(/^docs\/guide\.md: the bench:fanout table differs from benchmarks\/results\/fanout\.json/)]);
  });

  test('a table without its record, or with a record that is not JSON, says how to make one', () => {
    const base = makeTree(`# Guide\n\n${EMPTY_BLOCK}`, null);
    expect(checkBenchTables(base)).toEqual([
      'docs/guide.md: the bench:fanout table has no record: benchmarks/results/fanout.json does not exist; run npm run bench:fanout',
    ]);
    fs.mkdirSync(path.dirname(resultsFile('fanout', base)), { recursive: true });
    fs.writeFileSync(resultsFile('fanout', base), '{ not json');
    expect(checkBenchTables(base)).toEqual([expect.stringMatching(/^docs\/guide\.md: the bench:fanout table has no record: benchmarks\/results\/fanout\.json is not JSON .*; run npm run bench:fanout$/)]);
  });

  test("bench:tools's table: each command's median, its ratio to the bare run and its goal, checked the same way", () => {
    const base = makeTree(`# Guide\n\n<!-- bench: npm run bench:tools -->\n\`\`\`text\n\`\`\`\n<!-- /bench -->\n`, null);
    const record: ToolsResults = {
      command: 'npm run bench:tools -- --runs 3',
      date: '2026-11-29T00:40:00.000Z',
      machine: { cpu: 'Test CPU', cores: 2, loadAtStart: 0.5, loadAtEnd: 0.9 },
      node: 'v24.22.3',
      baseline: 'bare',
      rows: [
        { name: 'bare', runs: [1, 0.9, 1.1] },
        { name: 'npm test lesson-03, solved', goal: { ratio: 1.5 }, runs: [1.4, 1.6, 1.2] },
        { name: 'npm run verify', goal: { seconds: 45 }, runs: [50] },
      ],
      problems: 0,
    };
    fs.mkdirSync(path.dirname(resultsFile('tools', base)), { recursive: true });
    fs.writeFileSync(resultsFile('tools', base), JSON.stringify(record));
    expect(writeBenchBlocks('tools', base)).toEqual(['docs/guide.md']);
    const text = guideText();
    expect(text).toContain('<!-- bench: npm run bench:tools -- --runs 3 -->');
    expect(text).toMatch(/npm test lesson-03, solved\s+1\.40 s\s+1\.4×\s+≤ 1\.5×\s+1\.40 1\.60 1\.20\s+met/);
    expect(text).toMatch(/npm run verify\s+50\.00 s\s+50\.0×\s+≤ 45 s\s+50\.00\s+NOT met/);
    expect(text).toContain('npm run bench:tools -- --runs 3 on 2026-11-29: 3 round(s), 2 × Test CPU, load 0.5 → 0.9; Node v24.22.3.');
    expect(checkBenchTables(base)).toEqual([]);
    fs.writeFileSync(path.join(base, 'docs', 'guide.md'), text.replace('NOT met', 'met'));
    expect(checkBenchTables(base)).toEqual([expect.stringMatching(/^docs\/guide\.md: the bench:tools table differs from benchmarks\/results\/tools\.json/)]);
  });

  test('a marker without its fence or closing marker, and a block of an unknown benchmark, are named', () => {
    const base = makeTree('# Guide\n\n<!-- bench: npm run bench:fanout -->\nno fence\n\n<!-- bench: npm run bench:nothing -->\n```text\n```\n<!-- /bench -->\n');
    expect(checkBenchTables(base)).toEqual([
      expect.stringMatching(/^docs\/guide\.md: 2 "<!-- bench: \.\.\. -->" and 1 "<!-- \/bench -->" markers, but 1 complete block\(s\)/),
      'docs/guide.md: a bench block must name a benchmark that records its results (npm run bench:fanout, npm run bench:tools)',
    ]);
  });
});
