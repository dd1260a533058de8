// Benchmark tables in the texts come from the benchmark's output, never typed
// by hand. A table in README.md or docs/*.md is written as
//
//     <!-- bench: npm run bench:fanout -->
//     ```text
//     ...the table...
//     ```
//     <!-- /bench -->
//
// `npm run bench:fanout` (and bench:tools) records what it measured (machine,
// Node version, command, date, every figure) in benchmarks/results/<name>.json
// and rewrites the block from it; `-- --from-record` rewrites the block from
// the record without measuring. verify fails when a block differs from
// its record (an edit by hand, a record without its table): it compares text
// and never runs a benchmark, whose figures change from run to run anyway.
import fs from 'node:fs';
import path from 'node:path';
import { renderReport, type FanoutResults } from '../../benchmarks/fanout-report.ts';
import { renderToolsReport, type ToolsResults } from '../../benchmarks/tools-report.ts';
import { root } from '../manifest.ts';
import { sampleFiles } from './samples.ts';

/** What every benchmark records: at least the command that measured it. */
type Recorded = { command: string };

/** Each benchmark that records its results: how its table is written. */
const RENDERERS: Record<string, (results: Recorded) => string> = {
  fanout: (results) => renderReport(results as FanoutResults),
  tools: (results) => renderToolsReport(results as ToolsResults),
};

const BLOCK = /<!--\s*bench:\s*(.+?)\s*-->[ \t]*\r?\n```text[ \t]*\r?\n([\s\S]*?)^```[ \t]*\r?\n[ \t]*<!--\s*\/bench\s*-->/gm;

/** benchmarks/results/<name>.json, where `npm run bench:<name>` records its last run. */
export const resultsFile = (name: string, base = root) => path.join(base, 'benchmarks', 'results', `${name}.json`);

/** The whole block, markers included, for results recorded by `npm run bench:<name>`. */
export function benchBlock(name: string, results: Recorded): string {
  const render = RENDERERS[name];
  if (!render) throw new Error(`no table is known for bench:${name}`);
  return `<!-- bench: ${results.command} -->\n\`\`\`text\n${render(results)}\n\`\`\`\n<!-- /bench -->`;
}

interface Found {
  file: string;
  name: string | undefined;
  text: string;
  start: number;
  end: number;
}

function findBlocks(base: string): Found[] {
  return sampleFiles(base).flatMap((full) =>
    [...fs.readFileSync(full, 'utf8').matchAll(BLOCK)].map((match) => ({
      file: path.relative(base, full).split(path.sep).join('/'),
      name: /^npm run bench:([\w-]+)(?:\s|$)/.exec(match[1]!)?.[1],
      text: match[0],
      start: match.index,
      end: match.index + match[0].length,
    })),
  );
}

function readResults(name: string, base: string): Recorded | string {
  const file = resultsFile(name, base);
  const shown = path.relative(base, file);
  if (!fs.existsSync(file)) return `${shown} does not exist; run npm run bench:${name}`;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Recorded;
  } catch (error) {
    return `${shown} is not JSON (${(error as Error).message}); run npm run bench:${name}`;
  }
}

/**
 * Rewrites every block of `npm run bench:<name>` from its record. Returns the
 * files it changed; none when no text holds such a block.
 */
export function writeBenchBlocks(name: string, base = root): string[] {
  const results = readResults(name, base);
  if (typeof results === 'string') throw new Error(results);
  const changed: string[] = [];
  const blocks = findBlocks(base).filter((block) => block.name === name);
  for (const file of new Set(blocks.map((block) => block.file))) {
    const full = path.join(base, file);
    let text = fs.readFileSync(full, 'utf8');
    const before = text;
    for (const block of blocks.filter((b) => b.file === file).sort((a, b) => b.start - a.start)) {
      text = `${text.slice(0, block.start)}${benchBlock(name, results)}${text.slice(block.end)}`;
    }
    if (text !== before) {
      fs.writeFileSync(full, text);
      changed.push(file);
    }
  }
  return changed;
}

/** verify's check: one line per bench block that is not exactly what its record gives. */
export function checkBenchTables(base = root): string[] {
  const problems: string[] = [];
  for (const full of sampleFiles(base)) {
    const text = fs.readFileSync(full, 'utf8');
    const opened = [...text.matchAll(/<!--\s*bench:/g)].length;
    const closed = [...text.matchAll(/<!--\s*\/bench\s*-->/g)].length;
    const whole = [...text.matchAll(BLOCK)].length;
    if (opened !== whole || closed !== whole) {
      problems.push(`${path.relative(base, full)}: ${opened} "<!-- bench: ... -->" and ${closed} "<!-- /bench -->" markers, but ${whole} complete block(s); each needs a \`\`\`text fence between them`);
    }
  }
  for (const block of findBlocks(base)) {
    if (block.name === undefined || !RENDERERS[block.name]) {
      problems.push(`${block.file}: a bench block must name a benchmark that records its results (${Object.keys(RENDERERS).map((n) => `npm run bench:${n}`).join(', ')})`);
      continue;
    }
    const results = readResults(block.name, base);
    if (typeof results === 'string') {
      problems.push(`${block.file}: the bench:${block.name} table has no record: ${results}`);
      continue;
    }
    let expected: string;
    try {
      expected = benchBlock(block.name, results);
    } catch (error) {
      problems.push(`${block.file}: the bench:${block.name} record cannot be read as a table (${(error as Error).message}); run npm run bench:${block.name}`);
      continue;
    }
    if (block.text !== expected) {
      problems.push(
        `${block.file}: the bench:${block.name} table differs from ${path.relative(base, resultsFile(block.name, base))} (edited by hand?); rewrite it with npm run bench:${block.name} -- --from-record`,
      );
    }
  }
  return problems;
}
