// docs/README.md, the index of lesson texts, is made from the manifest:
// `npm run docs:index` writes it, verify checks it is current.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { folderName, lessons, root } from './manifest.ts';

const indexFile = path.join(root, 'docs', 'README.md');

export function renderIndex(): string {
  const rows = lessons.map(
    (lesson) =>
      `| ${lesson.id} | [${lesson.title}](${folderName(lesson)}.md) | \`lessons/${folderName(lesson)}/\` | \`npm test lesson-${lesson.id}\` |`,
  );
  return `# Server-Sent Events with Express: the lessons

<!-- Made by \`npm run docs:index\` from tools/manifest.ts. Edit the manifest, not this file. -->

Read the lessons in order: each one builds on the code of the one before. Every text
explains the idea, links to the part of the
[WHATWG HTML standard](https://html.spec.whatwg.org/multipage/server-sent-events.html)
it relies on, walks you through the change, and shows the traps (most of them taken from
a blog post whose code lost its escapes and braces on the way to the web).

| # | Lesson | You edit | Check it |
| --- | --- | --- | --- |
${rows.join('\n')}

All the commands of the workshop (progress, watch, hints, diff, reset, demo, verify) are in
[commands.md](commands.md). Start with [lesson 01](${folderName(lessons[0]!)}.md).
`;
}

export function checkIndex(): string[] {
  const current = fs.existsSync(indexFile) ? fs.readFileSync(indexFile, 'utf8') : '';
  return current === renderIndex() ? [] : ['docs/README.md is out of date with tools/manifest.ts: run npm run docs:index'];
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  fs.writeFileSync(indexFile, renderIndex());
  console.log(`docs-index: wrote ${path.relative(root, indexFile)} (${lessons.length} lessons)`);
}
