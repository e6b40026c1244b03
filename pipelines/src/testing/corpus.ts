import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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
