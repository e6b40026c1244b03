import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { mkdir, rmdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/** One state change of the embedded chain: a signed transaction and the timestamp of its block. */
export interface JournalEntry {
  raw: string;
  timestamp: number;
}

/**
 * Hardhat 2 cannot dump its state, so the embedded chain persists as an append-only journal of the
 * signed transactions it mined (one JSON line each); replaying it on a fresh in-process EVM from the
 * same genesis rebuilds the same state, the same transaction hashes and the same block numbers.
 */
export class ChainJournal {
  private offset = 0;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }

  /** Entries appended since the last call (by this process or another), complete lines only. */
  readNew(): JournalEntry[] {
    if (!existsSync(this.path)) return [];
    const size = statSync(this.path).size;
    if (size <= this.offset) return [];
    const fd = openSync(this.path, 'r');
    try {
      const buf = Buffer.alloc(size - this.offset);
      readSync(fd, buf, 0, buf.length, this.offset);
      const text = buf.toString('utf8');
      const end = text.lastIndexOf('\n');
      if (end < 0) return [];
      this.offset += Buffer.byteLength(text.slice(0, end + 1));
      return text
        .slice(0, end)
        .split('\n')
        .filter(Boolean)
        .map((line, i) => {
          try {
            return JSON.parse(line) as JournalEntry;
          } catch {
            throw new Error(
              `${this.path}: line ${i + 1} is not valid JSON; the chain journal is corrupt (delete the folder to start a fresh embedded chain)`,
            );
          }
        });
    } finally {
      closeSync(fd);
    }
  }

  hasPending(): boolean {
    return existsSync(this.path) && statSync(this.path).size > this.offset;
  }

  append(entry: JournalEntry): void {
    const line = `${JSON.stringify(entry)}\n`;
    appendFileSync(this.path, line);
    this.offset += Buffer.byteLength(line);
  }

  /**
   * Serialises writers across processes with a lock directory (mkdir is atomic). A lock older than
   * `staleMs` is from a crashed process and is broken.
   */
  async withLock<T>(fn: () => Promise<T>, staleMs = 60_000): Promise<T> {
    const lock = `${this.path}.lock`;
    const deadline = Date.now() + 5 * staleMs;
    for (;;) {
      try {
        await mkdir(lock);
        break;
      } catch (err: any) {
        if (err.code !== 'EEXIST') throw err;
        const age = await stat(lock).then(
          (s) => Date.now() - s.mtimeMs,
          () => 0,
        );
        if (age > staleMs) rmSync(lock, { recursive: true, force: true });
        if (Date.now() > deadline) throw new Error(`timed out waiting for the chain journal lock ${lock}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    try {
      return await fn();
    } finally {
      await rmdir(lock).catch(() => undefined);
    }
  }
}
