// Learner processes started ahead of time, for npm test and npm run watch.
// Starting Node with tsx and express takes about half a second, and a suite's
// first test used to wait for it. The command starts them before vitest has even
// loaded, and each suite file's worker claims one (test/support/host-process.ts),
// already waiting. They are the same process a worker would start itself
// (test/support/host-spawn.ts), with nothing of the learner's loaded yet.
//
// The pool's folder holds, per host, its socket, its output (a log file), a
// `spare` file that a worker renames to claim it, and once it has ended an
// `exit` file that says how. The folder and every host go when this process ends.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hostArguments, hostEnvironment, pooledHostFiles } from '../../test/support/host-spawn.ts';
import { root } from '../manifest.ts';

/** The pool's folder in the system's temporary folder: workshop-hosts-<pid of the command>-<random>. */
export const POOL_PREFIX = 'workshop-hosts-';

/**
 * A command killed outright (SIGKILL) leaves its folder behind; its hosts end by
 * themselves when it goes. The next command removes the folders of commands that are gone.
 */
function removeAbandonedPools(): void {
  for (const name of fs.readdirSync(os.tmpdir())) {
    const pid = Number(name.startsWith(POOL_PREFIX) && name.slice(POOL_PREFIX.length).split('-')[0]);
    if (!pid || isRunning(pid)) continue;
    fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface HostPool {
  /** Starts spares until `spares` are waiting again (watch, once a run is over). */
  refill(): void;
}

/**
 * Keeps `spares` hosts waiting until `total` have been started (for ever when
 * no total is given: watch). The workers find the pool through
 * WORKSHOP_HOST_POOL, set here in this process's environment, which they inherit.
 * A claimed spare is replaced at once, unless `refillWhenClaimed` is false: then
 * only by refill(). watch refills between runs, because starting Node, tsx and
 * express takes CPU that the run's own tests want on a two-core machine, and
 * the replacement only serves the next run.
 */
export function startHostPool({ spares, total = Infinity, refillWhenClaimed = true }: { spares: number; total?: number; refillWhenClaimed?: boolean }): HostPool {
  if (spares <= 0) return { refill() {} };
  removeAbandonedPools();
  const poolDir = fs.mkdtempSync(path.join(os.tmpdir(), `${POOL_PREFIX}${process.pid}-`));
  process.env.WORKSHOP_HOST_POOL = poolDir;
  const running = new Set<ChildProcess>();
  /** Started and not claimed yet. */
  const waiting = new Set<ChildProcess>();
  let started = 0;

  function startSpare(): void {
    if (started >= total) return;
    const files = pooledHostFiles(poolDir, String(++started).padStart(4, '0'));
    const log = fs.openSync(files.log, 'a');
    const child = spawn(process.execPath, hostArguments(), {
      cwd: root,
      stdio: ['ignore', log, log, 'ipc'],
      env: hostEnvironment({ WORKSHOP_HOST_SOCKET: files.socket }),
    });
    fs.closeSync(log);
    if (child.pid === undefined) return;
    running.add(child);
    waiting.add(child);
    // Only now may a worker claim it: the file holds the pid that the worker kills it with.
    fs.writeFileSync(files.spare, String(child.pid));
    child.on('error', () => {});
    child.on('message', (message: { event?: string }) => {
      if (message.event !== 'claimed') return;
      waiting.delete(child);
      if (refillWhenClaimed) startSpare();
    });
    child.once('exit', (code, signal) => {
      running.delete(child);
      waiting.delete(child);
      fs.rmSync(files.spare, { force: true });
      try {
        fs.writeFileSync(files.exit, signal ?? `exit code ${code}`);
      } catch {
        // The pool is closing.
      }
    });
    // The pool never keeps the command running.
    child.unref();
    (child.channel as { unref?: () => void } | undefined)?.unref?.();
  }

  const refill = () => {
    while (waiting.size < spares && started < total) startSpare();
  };
  refill();
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
    fs.rmSync(poolDir, { recursive: true, force: true });
  });
  return { refill };
}
