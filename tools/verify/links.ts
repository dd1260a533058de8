// Checks what the texts promise: every relative link and #anchor in README.md
// and docs/ resolves, every `npm run X` names a real script, and every
// docs/...md#anchor that a test or starter points learners at exists.
import fs from 'node:fs';
import path from 'node:path';
import { root } from '../manifest.ts';

/** GitHub's heading anchors: lowercase, punctuation dropped, spaces to hyphens. */
export function slugify(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/<[^>]+>/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

const anchorCache = new Map<string, Set<string>>();
export function anchorsOf(file: string): Set<string> {
  let anchors = anchorCache.get(file);
  if (anchors) return anchors;
  anchors = new Set();
  const seen = new Map<string, number>();
  let inFence = false;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    const match = !inFence && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!match) continue;
    const base = slugify(match[1]!.replace(/`/g, ''));
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  anchorCache.set(file, anchors);
  return anchors;
}


function listFiles(dir: string, test: (name: string) => boolean): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return listFiles(full, test);
    return test(entry.name) ? [full] : [];
  });
}

/** `from` is the file that holds the link; `base` is what the link is relative to. */
function checkTarget(from: string, base: string, target: string, problems: string[], rel: (file: string) => string): void {
  const [filePart, anchor] = target.split('#') as [string, string | undefined];
  const file = filePart ? path.resolve(base, decodeURI(filePart)) : from;
  if (!fs.existsSync(file)) {
    problems.push(`${rel(from)}: link to ${target}: no such file`);
    return;
  }
  if (anchor && file.endsWith('.md') && !anchorsOf(file).has(anchor)) {
    problems.push(`${rel(from)}: link to ${target}: no heading #${anchor} in ${rel(file)}`);
  }
}

function stripCode(markdown: string): string {
  return markdown.replace(/^\s*(```|~~~)[\s\S]*?^\s*\1/gm, '');
}

/** `base` defaults to this workshop; the tests of this check pass a made-up tree. */
export function checkLinks(base = root): string[] {
  const problems: string[] = [];
  const rel = (file: string) => path.relative(base, file);
  const scripts = Object.keys(
    (JSON.parse(fs.readFileSync(path.join(base, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts,
  );
  const texts = [path.join(base, 'README.md'), ...listFiles(path.join(base, 'docs'), (n) => n.endsWith('.md'))];

  for (const file of texts) {
    const markdown = fs.readFileSync(file, 'utf8');
    // Links and images: [text](target) outside code blocks.
    for (const match of stripCode(markdown).matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = match[1]!;
      if (/^[a-z]+:/i.test(target)) continue; // http:, https:, mailto:
      checkTarget(file, path.dirname(file), target, problems, rel);
    }
    // Every npm run X shown, in code or prose, must exist.
    for (const match of markdown.matchAll(/npm run ([\w:-]+)/g)) {
      if (!scripts.includes(match[1]!)) problems.push(`${rel(file)}: "npm run ${match[1]}" is not a script in package.json`);
    }
  }

  // Docs references that failure messages and starter TODOs send learners to.
  const sources = [
    ...listFiles(path.join(base, 'test'), (n) => n.endsWith('.ts')),
    ...listFiles(path.join(base, 'lessons'), (n) => /\.(ts|html)$/.test(n)),
    ...listFiles(path.join(base, 'tools'), (n) => n.endsWith('.ts')),
  ].filter(
    // Not this checker's own comments, nor the workshop's tests of it (their made-up links are meant to be dead).
    (file) => !file.startsWith(path.join(base, 'tools', 'verify')) && !file.startsWith(path.join(base, 'test', 'workshop')),
  );
  for (const file of sources) {
    for (const match of fs.readFileSync(file, 'utf8').matchAll(/(?:README\.md|docs\/[\w./-]+\.md)(#[\w-]+)?/g)) {
      checkTarget(file, base, match[0], problems, rel);
    }
  }
  return problems;
}
