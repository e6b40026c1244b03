import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** The repository root (the folder holding nx.json). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** `../shared/corpora` beside the checkout, where CI and developers keep the public corpora. */
export const CORPORA_DIR = process.env.DATANET_CORPORA ?? join(REPO_ROOT, '..', 'shared', 'corpora');

/**
 * Path of a corpus file, or undefined when `../shared` is absent. Under CI=true a missing corpus
 * is a failure, not a skip: CI always has it.
 */
export function corpusPath(relative: string): string | undefined {
  const path = join(CORPORA_DIR, relative);
  if (existsSync(path)) return path;
  if (process.env.CI === 'true') {
    throw new Error(`corpus file ${path} is missing; CI must have ../shared/corpora beside the checkout`);
  }
  return undefined;
}

/** Message for `describe.skipIf(!path)` style skips. */
export function corpusSkipReason(relative: string): string {
  return `skipped: ${join(CORPORA_DIR, relative)} is absent (the public corpora live in ../shared/corpora)`;
}

/**
 * Every `every`-th line of a JSONL corpus (gzipped or not), in the corpus's order, written to a
 * fresh temporary file whose path is returned. Order-preserving and deterministic: for MedQuAD,
 * every 4th record keeps all nine sources, their duplicates and their quality rejections at a
 * quarter of the cost, for tests that check behaviour rather than figures.
 */
export function corpusSample(path: string, every: number): string {
  const raw = readFileSync(path);
  const text = (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  const lines = text.split('\n').filter((l, i) => l.trim() && i % every === 0);
  const out = join(mkdtempSync(join(tmpdir(), 'datanet-corpus-sample-')), 'sample.jsonl');
  writeFileSync(out, lines.join('\n') + '\n');
  return out;
}
