import { closeSync, linkSync, openSync, readFileSync, statSync, unlinkSync, writeSync, constants } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { StoreLockedError } from './store-locked-error.js';

/**
 * One writer per embedded store. PGlite admits one process per data folder: a second one on the
 * same folder corrupted it (failed migrations, caps exceeded, `Aborted()`). The lock is a file
 * holding the owner's pid, created atomically (written under a private name, then hard-linked
 * into place: `link` fails if the name exists, and a reader never sees it half written).
 *
 * Why a pid and not a heartbeat (proper-lockfile's mtime updates): operators run CPU-bound code on
 * the engine's event loop for minutes, so a heartbeat would go stale under a live owner and let a
 * second process in. A pid survives that; after SIGKILL the pid is dead and the next process
 * takes the lock at once. The process start time is recorded too, so a reused pid is not
 * mistaken for the owner.
 */
export interface StateLock {
  readonly file: string;
  release(): void;
}

interface LockOwner {
  pid: number;
  host: string;
  started?: string;
  since: number;
  command: string;
}

const held = new Map<string, { count: number; release: () => void }>();

/** Takes the lock of `dir` (the state folder) or throws StoreLockedError naming the holder. */
export function acquireStateLock(dir: string): StateLock {
  const file = join(dir, 'store.lock');
  // Reentrant within a process: the engine is opened once per process, but tests and the server
  // may reopen it; PGlite is still one instance at a time there (see openDatabase).
  const mine = held.get(file);
  if (mine) {
    mine.count++;
    return { file, release: once(() => releaseHeld(file)) };
  }
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    started: processStart(process.pid),
    since: Date.now(),
    command: commandLine(),
  };
  for (let tries = 0; ; tries++) {
    if (tryCreate(file, owner)) break;
    const holder = readOwner(file);
    if (holder && isAlive(holder)) throw new StoreLockedError(dir, holder.pid, holder.command, holder.since);
    if (!holder && ageMs(file) < 5_000) {
      // Unreadable and young: another process is between creating and writing (cannot happen with
      // link, but a lock from an older version might be empty). Treat as held.
      if (tries > 50) throw new StoreLockedError(dir, undefined, undefined, undefined);
      sleepSync(20);
      continue;
    }
    breakStale(file);
    if (tries > 50) throw new Error(`cannot take the lock ${file}: it keeps changing hands; is something deleting it?`);
  }
  const release = () => {
    try {
      const now = readOwner(file);
      if (now?.pid === process.pid && now.host === owner.host) unlinkSync(file);
    } catch {
      // Already gone: nothing to release.
    }
  };
  const onExit = () => release();
  process.on('exit', onExit);
  held.set(file, {
    count: 1,
    release: () => {
      process.off('exit', onExit);
      release();
    },
  });
  return { file, release: once(() => releaseHeld(file)) };
}

function releaseHeld(file: string): void {
  const h = held.get(file);
  if (!h) return;
  if (--h.count > 0) return;
  held.delete(file);
  h.release();
}

function tryCreate(file: string, owner: LockOwner): boolean {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
  try {
    writeSync(fd, JSON.stringify(owner) + '\n');
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(tmp);
  }
}

/**
 * Removes a lock whose owner is dead. Two processes may find the same stale lock: breaking it is
 * done under a second exclusive file, and the lock is re-read there, so a fresh lock taken by the
 * other process meanwhile is never removed.
 */
function breakStale(file: string): void {
  const guard = `${file}.break`;
  let fd: number;
  try {
    fd = openSync(guard, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // Someone else is breaking it; a guard left by a killed breaker is old after a few seconds.
    if (ageMs(guard) > 5_000) {
      try {
        unlinkSync(guard);
      } catch {
        // Removed by another process first.
      }
    } else sleepSync(20);
    return;
  }
  try {
    const holder = readOwner(file);
    if (holder && isAlive(holder)) return; // taken meanwhile by a live process: the caller retries and reports it
    try {
      unlinkSync(file);
    } catch {
      // Gone already.
    }
  } finally {
    closeSync(fd);
    unlinkSync(guard);
  }
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(file, 'utf8')) as LockOwner;
    return typeof owner.pid === 'number' ? owner : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(owner: LockOwner): boolean {
  // A lock from another machine (a state folder on a network share) cannot be checked: held.
  if (owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  // The pid exists; it is the owner unless it was reused by a process started later.
  const started = processStart(owner.pid);
  return !owner.started || !started || started === owner.started;
}

/** Start time of a process in clock ticks since boot (Linux /proc), to tell a reused pid apart. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime); fields after the command name, which is in parentheses and may hold spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return Infinity;
  }
}

function commandLine(): string {
  const args = process.argv
    .slice(2)
    .filter((a, i, all) => !/url|password|secret|token|key/i.test(all[i - 1] ?? '') && !/:\/\/[^/]*@/.test(a));
  return ['datanet', ...args].join(' ').slice(0, 200);
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
