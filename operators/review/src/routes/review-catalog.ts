import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadDatanetDefinition, type DatanetDefinition, type ReviewPolicy } from '@datanet/datanet';
import { loadGold } from '../policy/load-gold.js';
import type { GoldItem } from '../queue/enqueue.js';

export interface ReviewedDatanet {
  definition: DatanetDefinition;
  review: ReviewPolicy;
  file: string;
  gold: GoldItem[];
}

/**
 * The Datanets under `configs/datanets` that have a review policy, with their gold items; the ids
 * of those that load and have none are pushed to `unreviewed`.
 */
export function loadReviewedDatanets(
  configRoot: string,
  onError: (file: string, message: string) => void,
  unreviewed: string[] = [],
): Map<string, ReviewedDatanet> {
  const dir = join(configRoot, 'configs', 'datanets');
  const out = new Map<string, ReviewedDatanet>();
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    if (!/\.ya?ml$/.test(name)) continue;
    const file = join(dir, name);
    try {
      const definition = loadDatanetDefinition(file);
      if (!definition.review) {
        unreviewed.push(definition.id);
        continue;
      }
      const gold = definition.review.quality.gold ? loadGold(definition.review.quality.gold, file) : [];
      out.set(definition.id, { definition, review: definition.review, file, gold });
    } catch (e) {
      // The catalog route logs definitions that do not load; one broken file must not stop the others.
      onError(join('configs', 'datanets', name), (e as Error).message);
    }
  }
  return out;
}
