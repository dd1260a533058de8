// npm run reset 03: puts lessons/03-retry/ back to the starter the workshop
// shipped (read from git, see cli/starters.ts for which commit). It lists
// exactly the files it will overwrite or recreate, asks first (or takes
// --yes), and writes nothing outside that one lesson folder. Files you added
// to the folder are kept.
import path from 'node:path';
import readline from 'node:readline/promises';
import { commandLine, fail, parseCommand, shownFolder } from './cli/args.ts';
import { painter } from './cli/colours.ts';
import { compareWithStarter, findStarter, insideGit, restoreFiles } from './cli/starters.ts';
import { folderName } from './manifest.ts';

const { lesson, flags } = parseCommand('reset', process.argv.slice(2), {
  lesson: 'required',
  summary: "Restores a lesson's starter files as the workshop shipped them, after asking.",
  flags: {
    yes: { description: 'restore without asking (needed when not run in a terminal)' },
  },
});

const folder = shownFolder(lesson);
const starter = findStarter(lesson);
if (!starter) {
  if (!insideGit()) {
    fail('reset', 'this copy of the workshop has no git history to restore the starter from (downloaded as a ZIP?).', 'git clone the workshop, then ' + commandLine('reset', lesson));
  }
  fail('reset', `git has no ${folder} at origin/HEAD or HEAD to restore.`, 'git log --oneline -- ' + folder);
}

// ls-tree was asked for this folder only; check anyway, because this is the
// one command that overwrites a learner's files.
const inside = `lessons/${folderName(lesson)}/`;
if (starter.files.some((f) => !f.gitPath.split(path.sep).join('/').startsWith(inside))) {
  fail('reset', `the starter of lesson ${lesson.id} in git has files outside ${folder}; refusing to restore.`);
}

const { changed, missing, added } = compareWithStarter(lesson, starter);
const paint = painter();

if (changed.length === 0 && missing.length === 0) {
  console.log(`${folder} is already the starter as shipped (${starter.ref}); nothing to restore.`);
  process.exit(0);
}

console.log(`${commandLine('reset', lesson)} restores the starter of lesson ${lesson.id} (${lesson.title}) from git (${starter.ref}):`);
for (const file of changed) console.log(`  ${paint.red('overwrite')}  ${folder}${file}  ${paint.dim('(your changes to it are lost)')}`);
for (const file of missing) console.log(`  ${paint.green('recreate')}   ${folder}${file}`);
if (added.length > 0) console.log(paint.dim(`Kept as they are (not part of the starter): ${added.map((f) => folder + f).join(', ')}`));

async function confirmed(): Promise<boolean> {
  if (flags.yes) return true;
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    // npm keeps `--yes` written before `--` for itself (npm_config_yes); say how to pass it on.
    const npmKeptIt = process.env.npm_config_yes === 'true' ? ' (npm kept your --yes for itself)' : '';
    fail('reset', `not a terminal, so it cannot ask before changing ${folder}${npmKeptIt}; nothing was changed.`, commandLine('reset', lesson, '--yes'));
  }
  const prompt = readline.createInterface({ input: process.stdin, output: process.stdout });
  const answer = await prompt.question(`Restore ${changed.length + missing.length} file(s) in ${folder}? [y/N] `);
  prompt.close();
  return /^y(es)?$/i.test(answer.trim());
}

if (!(await confirmed())) {
  console.log(`Nothing changed in ${folder}.`);
} else {
  restoreFiles(lesson, starter, [...changed, ...missing]);
  console.log(`${paint.green('Restored')} ${folder} to its starter. Start again with: npm run watch lesson-${lesson.id}`);
}
