// Generated samples (tools/verify/samples.ts, npm run docs:samples): blocks are
// found, commands understood, outputs compared without what varies between
// runs, and a block edited by hand is reported with the file, the command and
// the command that regenerates it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { lessons } from '../../tools/manifest.ts';
import { checkSamples, findBlocks, inputsHash, masked, parseSample, runSample, unmatchedMarkers } from '../../tools/verify/samples.ts';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** A made-up workshop tree holding only README.md and docs/guide.md. */
function tree(readme: string, guide = ''): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'workshop-samples-'));
  made.push(dir);
  fs.writeFileSync(path.join(dir, 'README.md'), readme);
  fs.mkdirSync(path.join(dir, 'docs'));
  fs.writeFileSync(path.join(dir, 'docs', 'guide.md'), guide);
  return dir;
}

const block = (command: string, body: string) => `<!-- sample: ${command} -->\n\`\`\`text\n${body}\n\`\`\`\n<!-- /sample -->\n`;

describe('finding and reading samples', () => {
  test('every block in README.md and docs/*.md, with its command and body', () => {
    const dir = tree(`# Title\n\n${block('npm test lesson-02', 'old output\nsecond line')}\nText.\n`, block('npm run hint 03 -- --all', ''));
    expect(findBlocks(dir).map(({ file, command, body }) => ({ file, command, body }))).toEqual([
      { file: 'README.md', command: 'npm test lesson-02', body: 'old output\nsecond line' },
      { file: 'docs/guide.md', command: 'npm run hint 03 -- --all', body: '' },
    ]);
    expect(unmatchedMarkers(dir)).toEqual([]);
  });

  test("a block's offsets cover exactly its body, also when the body is empty", () => {
    const readme = `# Title\n\n<!-- sample: npm run progress -->\n\`\`\`text\n\`\`\`\n<!-- /sample -->\n\n${block('npm run hint 01', 'one\ntwo')}`;
    const dir = tree(readme);
    const [empty, full] = findBlocks(dir);
    expect(readme.slice(empty!.start, empty!.end)).toBe('');
    expect(readme.slice(0, empty!.start)).toMatch(/```text\n$/);
    expect(readme.slice(full!.start, full!.end)).toBe('one\ntwo\n');
  });

  test('a marker without its fence or closing marker is reported', () => {
    const dir = tree('<!-- sample: npm test lesson-02 -->\nno fence here\n');
    expect(unmatchedMarkers(dir)).toEqual([expect.stringMatching(/^README\.md: 1 "<!-- sample: \.\.\. -->" and 0 "<!-- \/sample -->" markers/)]);
  });

  test('commands: npm test on starters or solutions, tools scripts, transcripts; anything else is refused', () => {
    const test03 = parseSample('npm test lesson-03 -- --solutions');
    expect('steps' in test03 && test03.steps.map((s) => [s.script, s.entry, s.args])).toEqual([['test', ['tools/vitest-command.mjs', 'test'], ['lesson-03', '--', '--solutions']]]);
    const transcript = parseSample('npm run hint 99 ; npm run reset 03 < /dev/null');
    expect('steps' in transcript && transcript.transcript).toBe(true);
    expect('steps' in transcript && transcript.steps.map((s) => s.args)).toEqual([['99'], ['03']]);
    expect(parseSample('npm run typecheck')).toEqual({ error: expect.stringContaining('not a tools/ command') });
    expect(parseSample('curl -N http://localhost:3000/events')).toEqual({ error: expect.stringContaining('not an npm command') });
  });

  test('durations, clock times and ports do not count as differences; the rest does', () => {
    const a = 'Ran the suites of 1 lesson in 2.4 s.\nreconnected after 312 ms\nStart at 21:05:44\nhttp://localhost:41234/events';
    const b = 'Ran the suites of 1 lesson in 0.9 s.\nreconnected after 3020 ms\nStart at 09:15:02\nhttp://localhost:3000/events';
    expect(masked(a)).toBe(masked(b));
    expect(masked('2 of 5 tests failing')).not.toBe(masked('1 of 5 tests failing'));
    expect(masked('\u001b[32m✓\u001b[39m passes  \n\n')).toBe('✓ passes');
  });
});

describe('the verify check', () => {
  const command = 'npm run hint 01 -- --all';

  test('a block edited by hand is stale, named with its file, its command and the fix', { timeout: 60_000 }, async () => {
    const output = await runSample(command);
    expect(output).toMatch(/^Hint 1 of \d+/);
    const dir = tree('# Title\n', block(command, `${output}\nA line someone added by hand.`));

    // Recorded as generated: nothing runs, and the edit is still caught.
    // (The hash is taken each time: in a shared checkout other files change meanwhile.)
    const recorded = () => ({ [command]: { inputs: inputsHash(command), output } });
    const fast = await checkSamples({ base: dir, record: recorded() });
    expect(fast).toEqual({ problems: [`docs/guide.md: sample "${command}" is stale; run npm run docs:samples`], reran: [] });

    // Nothing recorded: the command runs again, with the same verdict.
    const slow = await checkSamples({ base: dir, record: {} });
    expect(slow).toEqual({ problems: [`docs/guide.md: sample "${command}" is stale; run npm run docs:samples`], reran: [command] });

    fs.writeFileSync(path.join(dir, 'docs', 'guide.md'), block(command, output));
    expect(await checkSamples({ base: dir, record: recorded() })).toEqual({ problems: [], reran: [] });
  });

  test('a recorded output whose inputs changed is not trusted', { timeout: 60_000 }, async () => {
    const dir = tree(block('npm run hint 99', 'hint: there is no lesson 99.'));
    const stale = { 'npm run hint 99': { inputs: 'an older workshop', output: 'hint: there is no lesson 99.' } };
    const result = await checkSamples({ base: dir, record: stale });
    expect(result.reran).toEqual(['npm run hint 99']);
    expect(result.problems).toEqual(['README.md: sample "npm run hint 99" is stale; run npm run docs:samples']);
  });

  test('past the rerun limit, verify asks for npm run docs:samples instead of spending minutes', async () => {
    const dir = tree(block('npm run hint 99', 'hint: there is no lesson 99.'), block('npm run hint 98', 'edited by hand'));
    const old = {
      'npm run hint 99': { inputs: 'an older workshop', output: 'hint: there is no lesson 99.' },
      'npm run hint 98': { inputs: 'an older workshop', output: 'hint: there is no lesson 98.' },
    };
    expect(await checkSamples({ base: dir, record: old, rerunLimit: 0 })).toEqual({
      problems: [
        'docs/guide.md: sample "npm run hint 98" is stale; run npm run docs:samples',
        expect.stringMatching(/^1 more sample\(s\): what their commands depend on .* changed since the last npm run docs:samples; run npm run docs:samples$/),
      ],
      reran: [],
    });
  });

  test('a command the generator cannot run is named', async () => {
    const dir = tree(block('npm run typecheck', ''));
    expect((await checkSamples({ base: dir, record: {} })).problems).toEqual([
      expect.stringMatching(/^README\.md: sample "npm run typecheck": .*not a tools\/ command/),
    ]);
  });
});

test('npm test lesson-01 runs on the shipped starter and reads as the learner sees it', { timeout: 120_000 }, async () => {
  const output = await runSample(`npm test lesson-${lessons[0]!.id}`);
  expect(output).toMatch(/^Lesson 01: .* \(your code in lessons\/01-headers\/\)$/m);
  // The starter fails, and the sandbox the starter ran from never shows.
  expect(output.split('\n').at(-1)).toMatch(/^Lesson 01: \d+ of \d+ tests? failing\./);
  expect(output).not.toMatch(/\.verify|workshop-sample|\/tmp\//);
  expect(output).not.toContain('\u001b');
});
