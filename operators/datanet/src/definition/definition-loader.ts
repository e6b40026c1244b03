import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadDatanetDefinition } from './load-datanet.js';
import type { DatanetDefinition } from './datanet-definition.js';

/** A Datanet id as a URL names it, and as configs/datanets/<id>.yaml names its file. */
export const DATANET_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** The definition of a Datanet a server serves, by id, or undefined where it serves none by that id. */
export type DefinitionLoader = (id: string) => DatanetDefinition | undefined;

/**
 * Datanet definitions by id from configs/datanets/ID.yaml under the server's config root, read once
 * each. Only definitions found are kept: ids that name none are looked up again each time (a file
 * check), so requests naming many made-up ids cannot grow the memory.
 */
export function definitionLoader(configRoot: string, log: { error(o: object, msg: string): void }): DefinitionLoader {
  const definitions = new Map<string, DatanetDefinition>();
  return (id) => {
    let def = definitions.get(id);
    if (def || !DATANET_ID.test(id)) return def;
    const file = join(configRoot, 'configs', 'datanets', `${id}.yaml`);
    if (!existsSync(file)) return undefined;
    try {
      def = loadDatanetDefinition(file);
    } catch (e) {
      log.error({ file }, `Datanet definition unusable: ${(e as Error).message}`);
      return undefined;
    }
    definitions.set(id, def);
    return def;
  };
}
