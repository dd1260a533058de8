// The static checks of npm run verify must bite: each is run on a small made-up
// workshop tree with one thing wrong, and must name that thing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type { Lesson } from '../../tools/manifest.ts';
import { checkLayout } from '../../tools/verify/layout.ts';
import { checkLinks, slugify } from '../../tools/verify/links.ts';
import { mergeSecondRun, type SuiteResult } from '../../tools/verify/vitest-run.ts';

const lesson: Lesson = { id: '01', slug: 'headers', title: 'Headers', files: ['server.ts'], hints: ['Set the headers.'] };

let tree: string;
afterEach(() => fs.rmSync(tree, { recursive: true, force: true }));

/** A minimal workshop with one complete lesson; `files` adds or (with null) removes files. */
function makeTree(files: Record<string, string | null> = {}): string {
  tree = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-checks-'));
  const all: Record<string, string | null> = {
    'package.json': JSON.stringify({ scripts: { test: 'x', demo: 'x' } }),
    'README.md': '# Workshop\n\nStart with [lesson 01](docs/01-headers.md#goal), then `npm run demo 01`.\n',
    'docs/01-headers.md': '# Lesson 01\n\n## Goal\n\n## The three headers\n',
    'lessons/01-headers/server.ts': '// TODO (docs/01-headers.md#the-three-headers)\n',
    'solutions/01-headers/server.ts': 'export {};\n',
    'test/lesson-01-headers.test.ts': "const read = 'docs/01-headers.md#goal';\n",
    ...files,
  };
  for (const [file, text] of Object.entries(all)) {
    if (text === null) continue;
    fs.mkdirSync(path.join(tree, path.dirname(file)), { recursive: true });
    fs.writeFileSync(path.join(tree, file), text);
  }
  return tree;
}

describe('verify: layout against the manifest', () => {
  test('a complete tree passes', () => {
    expect(checkLayout(makeTree(), [lesson])).toEqual([]);
  });

  test.each([
    ['lessons/01-headers/server.ts', 'missing lessons/01-headers/server.ts'],
    ['solutions/01-headers/server.ts', 'missing solutions/01-headers/server.ts'],
    ['test/lesson-01-headers.test.ts', 'missing suite test/lesson-01-headers.test.ts'],
    ['docs/01-headers.md', 'missing text docs/01-headers.md'],
  ])('a lesson without %s is rejected', (file, problem) => {
    expect(checkLayout(makeTree({ [file]: null }), [lesson])).toContain(`lesson 01: ${problem}`);
  });

  test('a lesson without hints is rejected', () => {
    expect(checkLayout(makeTree(), [{ ...lesson, hints: [] }])).toContain('lesson 01: no hints in tools/manifest.ts');
  });

  test('folders and files the manifest does not name are rejected', () => {
    const problems = checkLayout(
      makeTree({
        'lessons/07-extra/server.ts': '',
        'solutions/07-extra/server.ts': '',
        'docs/07-extra.md': '# 07\n',
        'test/lesson-07-extra.test.ts': '',
      }),
      [lesson],
    );
    expect(problems).toEqual([
      'lessons/07-extra is not a lesson in tools/manifest.ts',
      'solutions/07-extra is not a lesson in tools/manifest.ts',
      'docs/07-extra.md is not a lesson in tools/manifest.ts',
      'test/lesson-07-extra.test.ts does not belong to a lesson in tools/manifest.ts',
    ]);
  });
});

describe('verify: links, anchors and npm scripts', () => {
  test('a tree whose links all resolve passes', () => {
    expect(checkLinks(makeTree())).toEqual([]);
  });

  test('a link to a missing file, a missing #anchor and an unknown npm script are each named', () => {
    const problems = checkLinks(
      makeTree({
        'README.md': '# W\n\n[gone](docs/gone.md) [bad anchor](docs/01-headers.md#nope)\n\n```sh\nnpm run nothing-here\n```\n',
      }),
    );
    expect(problems).toEqual([
      'README.md: link to docs/gone.md: no such file',
      'README.md: link to docs/01-headers.md#nope: no heading #nope in docs/01-headers.md',
      'README.md: "npm run nothing-here" is not a script in package.json',
    ]);
  });

  test('a docs anchor named in a test or a starter must exist', () => {
    const problems = checkLinks(
      makeTree({
        'test/lesson-01-headers.test.ts': "const read = 'docs/01-headers.md#flushheaders';\n",
        'lessons/01-headers/server.ts': '// TODO (docs/02-write.md)\n',
      }),
    );
    expect(problems).toEqual([
      'test/lesson-01-headers.test.ts: link to docs/01-headers.md#flushheaders: no heading #flushheaders in docs/01-headers.md',
      'lessons/01-headers/server.ts: link to docs/02-write.md: no such file',
    ]);
  });

  test('anchors are made the way GitHub makes them', () => {
    expect(slugify("The seed's `nn`")).toBe('the-seeds-nn');
    expect(slugify('res.write keeps the response open')).toBe('reswrite-keeps-the-response-open');
    expect(slugify('Why res and not req')).toBe('why-res-and-not-req');
  });
});

describe('a suite file that failed in the full run runs again alone', () => {
  const suite = (file: string, failed: number, project = 'solutions'): SuiteResult => ({
    project,
    file,
    passed: 3 - failed,
    failed,
    skipped: 0,
    failures: Array.from({ length: failed }, () => ({ name: `a test of ${file}`, message: 'a deadline passed' })),
  });

  test('passing alone, it counts as passed and is named with its first failure', () => {
    const { suites, again } = mergeSecondRun('solutions', [suite('a', 0), suite('b', 1)], [suite('b', 0)]);
    expect(suites.map((s) => [s.file, s.failed])).toEqual([['a', 0], ['b', 0]]);
    expect(again).toEqual([{ file: 'b', firstFailures: [{ name: 'a test of b', message: 'a deadline passed' }] }]);
  });

  test('failing again, or not run again, it counts as failed; other projects keep their results', () => {
    const first = [suite('b', 1), suite('c', 1), suite('b', 2, 'lessons')];
    const { suites, again } = mergeSecondRun('solutions', first, [suite('b', 2)]);
    expect(suites.map((s) => [s.project, s.file, s.failed])).toEqual([['solutions', 'b', 2], ['solutions', 'c', 1], ['lessons', 'b', 2]]);
    expect(again).toEqual([]);
  });
});
