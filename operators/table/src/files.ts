import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { glob } from 'tinyglobby';

/** Files matched by paths or globs (relative to the pipeline's folder), sorted for a stable order. */
export async function matchFiles(patterns: string[], baseDir: string): Promise<string[]> {
  const files = new Set<string>();
  for (const pattern of patterns) {
    const abs = isAbsolute(pattern) ? pattern : resolve(baseDir, pattern);
    if (!/[*?[{]/.test(pattern)) {
      files.add(abs);
      continue;
    }
    for (const f of await glob(abs, { absolute: true, onlyFiles: true, followSymbolicLinks: true })) files.add(f);
  }
  return [...files].sort();
}

/** Path, size and mtime of each file: what a cache key needs to notice a changed source. */
export function fingerprintFiles(files: string[]): { path: string; size: number; mtimeMs: number }[] {
  return files.map((path) => {
    try {
      const s = statSync(path);
      return { path, size: s.size, mtimeMs: Math.floor(s.mtimeMs) };
    } catch {
      return { path, size: -1, mtimeMs: -1 };
    }
  });
}

export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
