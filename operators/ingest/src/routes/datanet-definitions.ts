import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadDatanetDefinition, type DatanetDefinition } from '@datanet/datanet';

export const DATANET_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** Datanet definitions by id from configs/datanets/ID.yaml under the server's config root, read once each. */
export function definitionLoader(configRoot: string, log: { error(o: object, msg: string): void }) {
  const definitions = new Map<string, DatanetDefinition | null>();
  return (id: string): DatanetDefinition | undefined => {
    if (!definitions.has(id)) {
      const file = join(configRoot, 'configs', 'datanets', `${id}.yaml`);
      let def: DatanetDefinition | null = null;
      try {
        def = DATANET_ID.test(id) && existsSync(file) ? loadDatanetDefinition(file) : null;
      } catch (e) {
        log.error({ file }, `Datanet definition unusable: ${(e as Error).message}`);
      }
      definitions.set(id, def);
    }
    return definitions.get(id) ?? undefined;
  };
}
