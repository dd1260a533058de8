// `npm install` on a fresh clone prints no warning. npm 11.16+ lists every
// dependency whose install script package.json's `allowScripts` does not cover
// (and npm 12 skips those scripts). So each package the lockfile marks with an
// install script must have an entry there: approved (true) or denied (false).
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { root } from '../../tools/manifest.ts';

interface Lockfile {
  packages: Record<string, { version?: string; hasInstallScript?: boolean }>;
}

const read = <T>(file: string): T => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8')) as T;

test('every dependency with an install script is reviewed in package.json allowScripts', () => {
  const lock = read<Lockfile>('package-lock.json');
  const { allowScripts = {} } = read<{ allowScripts?: Record<string, boolean> }>('package.json');
  const withScripts = Object.entries(lock.packages)
    .filter(([location, entry]) => location !== '' && entry.hasInstallScript)
    .map(([location, entry]) => ({ name: location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length), version: entry.version }));
  // Keys are "name" (every version) or "name@version".
  const covered = ({ name, version }: { name: string; version?: string }) => name in allowScripts || `${name}@${version}` in allowScripts;
  const unreviewed = withScripts.filter((pkg) => !covered(pkg)).map(({ name, version }) => `${name}@${version}`);
  expect(unreviewed, 'run npm install-scripts ls, review, then npm install-scripts approve (or deny) <pkg>').toEqual([]);
  // esbuild (through tsx and vite) is the one today: its postinstall checks its platform binary.
  expect(withScripts.map((pkg) => pkg.name)).toContain('esbuild');
});
