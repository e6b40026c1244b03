import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { GoldItem } from '../queue/enqueue.js';

/**
 * Reads a Datanet's gold items: JSONL, one object per line with an `id`, `expected` (approve or
 * reject) and the record fields reviewers see. Errors name the file and line.
 */
export function loadGold(goldPath: string, datanetFile: string): GoldItem[] {
  const file = isAbsolute(goldPath) ? goldPath : resolve(dirname(datanetFile), goldPath);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`review.quality.gold: cannot read ${file}: ${(e as Error).message}`);
  }
  const out: GoldItem[] = [];
  const ids = new Set<string>();
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const where = `${file}:${i + 1}`;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line) as Record<string, unknown>;
    } catch (e) {
      throw new Error(`${where}: not JSON: ${(e as Error).message}`);
    }
    const { id, expected, ...payload } = o;
    if (typeof id !== 'string' || !id) throw new Error(`${where}: "id" must be a non-empty string`);
    if (expected !== 'approve' && expected !== 'reject') throw new Error(`${where}: "expected" must be "approve" or "reject"`);
    if (ids.has(id)) throw new Error(`${where}: id "${id}" appears twice`);
    ids.add(id);
    out.push({ id, expected, payload });
  });
  return out;
}
