// npm run docs:samples: fills every <!-- sample: COMMAND --> block in README.md
// and docs/*.md with what COMMAND prints now (see tools/verify/samples.ts for
// the format and where each command runs). Each distinct command runs once:
// those that run lesson suites one at a time (--parallel N for more), the quick
// ones alongside. A block is rewritten only when its output changed by more
// than what varies between runs (durations, clock times, ports), so the docs
// do not churn. Then it records what it saw, which `npm run verify` checks.
//
//   npm run docs:samples                  every sample
//   npm run docs:samples -- --only lesson-03   the samples whose command contains "lesson-03"
//   npm run docs:samples -- --file README.md   the samples of one file
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fail } from './cli/args.ts';
import { root } from './manifest.ts';
import { findBlocks, inputsHash, masked, type HashCache, parseSample, readRecord, runAll, unmatchedMarkers, writeRecord, type SampleBlock } from './verify/samples.ts';

const NAME = 'docs:samples';
let only: string | undefined;
let onlyFile: string | undefined;
let parallel: number | undefined;
try {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((arg) => arg !== '--'),
    options: { only: { type: 'string' }, file: { type: 'string' }, parallel: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log('Usage: npm run docs:samples [-- --only <text>] [--file <README.md or a text in docs/>] [--parallel <n>]\n\nRegenerates the command output samples in README.md and docs/ from the real commands.');
    process.exit(0);
  }
  only = values.only;
  onlyFile = values.file?.split(path.sep).join('/');
  if (values.parallel !== undefined) {
    parallel = Number(values.parallel);
    if (!Number.isInteger(parallel) || parallel < 1) fail(NAME, `--parallel needs a whole number of commands, not "${values.parallel}".`, 'npm run docs:samples -- --parallel 2');
  }
} catch (error) {
  fail(NAME, `${(error as Error).message.split('\n')[0]!.replace(/\.?$/, '.')} Flags: --only, --file, --parallel.`, 'npm run docs:samples -- --help');
}

const markerProblems = unmatchedMarkers();
for (const problem of markerProblems) console.error(`✗ ${problem}`);

const blocks = findBlocks().filter((block) => (!only || block.command.includes(only)) && (!onlyFile || block.file === onlyFile));
const invalid = blocks.filter((block) => 'error' in parseSample(block.command));
for (const block of invalid) {
  const parsed = parseSample(block.command);
  console.error(`✗ ${block.file}: sample "${block.command}": ${'error' in parsed ? parsed.error : ''}`);
}
const commands = [...new Set(blocks.filter((block) => !invalid.includes(block)).map((block) => block.command))];
if (commands.length === 0) {
  console.log(only || onlyFile ? 'No sample matches --only or --file.' : 'No samples found in README.md or docs/.');
  process.exit(markerProblems.length + invalid.length > 0 ? 1 : 0);
}

// What each output depends on, as it is before the commands run: a file changed meanwhile makes verify rerun.
const cache: HashCache = new Map();
const inputs = new Map(commands.map((command) => [command, inputsHash(command, cache)]));
console.log(`Running ${commands.length} sample command(s) from ${new Set(blocks.map((b) => b.file)).size} file(s)…`);
const started = performance.now();
const results = await runAll(commands, {
  ...(parallel ? { parallel } : {}),
  onDone: (command, seconds, error) => console.log(`${error ? '✗' : '✓'} ${command} (${seconds.toFixed(1)} s)${error ? `: ${error.message}` : ''}`),
});

// Rewrite each file from its last block to its first, so earlier offsets stay valid.
const byFile = new Map<string, SampleBlock[]>();
for (const block of blocks) byFile.set(block.file, [...(byFile.get(block.file) ?? []), block]);
const changed: string[] = [];
for (const [file, fileBlocks] of byFile) {
  const full = path.join(root, file);
  let text = fs.readFileSync(full, 'utf8');
  let rewrote = 0;
  for (const block of [...fileBlocks].sort((a, b) => b.start - a.start)) {
    const output = results.get(block.command);
    if (typeof output !== 'string' || masked(block.body) === masked(output)) continue;
    text = `${text.slice(0, block.start)}${output}${output ? '\n' : ''}${text.slice(block.end)}`;
    rewrote++;
  }
  if (rewrote > 0) {
    fs.writeFileSync(full, text);
    changed.push(`${file} (${rewrote} sample${rewrote === 1 ? '' : 's'})`);
  }
}

const record = readRecord();
for (const [command, output] of results) if (typeof output === 'string') record[command] = { inputs: inputs.get(command)!, output };
// Commands no block uses any more are dropped (unless only some samples ran).
if (!only && !onlyFile) for (const command of Object.keys(record)) if (!commands.includes(command)) delete record[command];
writeRecord(record);

const failures = [...results.values()].filter((r) => r instanceof Error).length;
console.log('');
console.log(changed.length > 0 ? `Rewrote ${changed.join(', ')}.` : 'Every sample was up to date.');
console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s; recorded in ${path.relative(root, path.join(root, 'tools', 'verify', 'samples.json'))})`);
process.exitCode = failures + markerProblems.length + invalid.length > 0 ? 1 : 0;
