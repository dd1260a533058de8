// verify's answer check must bite: a solution line shown in the text outside
// the folded walkthrough, or spelled out in a starter's TODO, is named.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type { Lesson } from '../../tools/manifest.ts';
import { checkAnswerKeptOut } from '../../tools/verify/answer-kept-out.ts';

const lesson: Lesson = { id: '01', slug: 'headers', title: 'Headers', files: ['server.ts'], hints: ['Set the headers.'] };
const answer = "res.setHeader('Content-Type', 'text/event-stream');";

let tree: string;
afterEach(() => fs.rmSync(tree, { recursive: true, force: true }));

function makeTree(docs: string, starter = '// TODO 1: send the event-stream type (docs/01-headers.md#the-three-headers)\n'): string {
  tree = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-answer-'));
  const files: Record<string, string> = {
    'docs/01-headers.md': docs,
    'lessons/01-headers/server.ts': `export function createApp() {\n${starter}}\n`,
    'solutions/01-headers/server.ts': `export function createApp() {\n  ${answer}\n}\n`,
  };
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.join(tree, path.dirname(file)), { recursive: true });
    fs.writeFileSync(path.join(tree, file), text);
  }
  return tree;
}

describe('verify: the answer stays out of the text and the starter', () => {
  test('the solution line inside the folded walkthrough passes', () => {
    const docs = `# Lesson 01\n\nSet the type.\n\n<details><summary>Solution walkthrough</summary>\n\n\`\`\`ts\n${answer}\n\`\`\`\n\n</details>\n`;
    expect(checkAnswerKeptOut(makeTree(docs), [lesson])).toEqual([]);
  });

  test('the solution line in the text before the fold is named', () => {
    const docs = `# Lesson 01\n\n\`\`\`ts\n  ${answer}\n\`\`\`\n\n<details><summary>Solution walkthrough</summary>\n</details>\n`;
    expect(checkAnswerKeptOut(makeTree(docs), [lesson])).toEqual([
      `docs/01-headers.md: a solution line outside the folded walkthrough: ${answer}`,
    ]);
  });

  test('a TODO that spells out the line is named', () => {
    const problems = checkAnswerKeptOut(makeTree('# Lesson 01\n', `  // TODO 1: add ${answer}\n`), [lesson]);
    expect(problems).toEqual([`lessons/01-headers/server.ts: a TODO spells out the solution line: ${answer}`]);
  });
});
