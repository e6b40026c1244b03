import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadDatanetDefinition } from '../definition/load-datanet.js';
import type { DatanetDefinition } from '../definition/datanet-definition.js';
import { DATANET_ID } from '../definition/definition-loader.js';

/** The Datanets a server serves: `configs/datanets/*.yaml` under its config root. */
export function loadDatanetCatalog(configRoot: string, onError: (file: string, message: string) => void): Map<string, DatanetDefinition> {
  const dir = join(configRoot, 'configs', 'datanets');
  const out = new Map<string, DatanetDefinition>();
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    if (!/\.ya?ml$/.test(name)) continue;
    try {
      const def = loadDatanetDefinition(join(dir, name));
      if (!DATANET_ID.test(def.id)) throw new Error(`id ${def.id} is not usable in a URL`);
      // Routes find a Datanet by its file (definitionLoader): a file named otherwise would be listed
      // here and then be unknown to every route under /v1/datanets/:id.
      if (name !== `${def.id}.yaml`) throw new Error(`its id is ${def.id}: name the file ${def.id}.yaml`);
      out.set(def.id, def);
    } catch (e) {
      // One broken definition must not take the others offline; the log names its file:line:col.
      onError(join('configs', 'datanets', name), (e as Error).message);
    }
  }
  return out;
}
