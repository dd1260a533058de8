// What `npm run <name>` runs, read from package.json: the workshop's commands
// are all `node [--import tsx] tools/...` plus fixed arguments, so a test or
// the docs-sample generator can run one exactly as npm would, minus npm.
import fs from 'node:fs';
import path from 'node:path';
import { root } from '../manifest.ts';

let scripts: Record<string, string> | undefined;

/** The arguments after `node` of script `name`, or undefined when it is not such a command. */
export function nodeArgsOfScript(name: string): string[] | undefined {
  // Read once: the tests and the sample generator ask for every step they run.
  scripts ??= (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const words = scripts[name]?.split(' ');
  if (words?.[0] !== 'node') return undefined;
  const rest = words.slice(1);
  const entry = rest[0] === '--import' && rest[1] === 'tsx' ? 2 : 0;
  return rest[entry]?.startsWith('tools/') && rest.every((word) => /^[\w./-]+$/.test(word)) ? rest : undefined;
}
