import { sql, type Kysely } from 'kysely';
import type { DatanetDefinition } from '../definition/datanet-definition.js';

/** A person's role on one Datanet, weakest first; anyone signed in is a contributor. */
export const DATANET_ROLES = ['contributor', 'reviewer', 'steward', 'owner'] as const;
export type DatanetRole = (typeof DATANET_ROLES)[number];

/**
 * Where `datanet serve` seeds a Datanet's YAML into its role store (`server_roles.source`): `roles:`
 * as `datanet-yaml`, `review.reviewers.addresses` as `datanet-review`. Each seed replaces the
 * earlier one as a whole, so these rows are the YAML as it read at the server's last start.
 */
export const YAML_ROLE_SOURCE = 'datanet-yaml';
export const REVIEW_ROLE_SOURCE = 'datanet-review';

/** The grants a Datanet's YAML makes, by the source serve seeds them under. */
export function definitionRoleGrants(def: DatanetDefinition): {
  [YAML_ROLE_SOURCE]: { principal: string; role: Exclude<DatanetRole, 'contributor'> }[];
  [REVIEW_ROLE_SOURCE]: { principal: string; role: 'reviewer' }[];
} {
  const r = def.roles ?? { owners: [], stewards: [], reviewers: [] };
  return {
    [YAML_ROLE_SOURCE]: [
      ...r.owners.map((principal) => ({ principal, role: 'owner' as const })),
      ...r.stewards.map((principal) => ({ principal, role: 'steward' as const })),
      ...r.reviewers.map((principal) => ({ principal, role: 'reviewer' as const })),
    ],
    [REVIEW_ROLE_SOURCE]: (def.review?.reviewers.addresses ?? []).map((principal) => ({ principal, role: 'reviewer' as const })),
  };
}

const rank = (r: string) => (DATANET_ROLES as readonly string[]).indexOf(r);

/**
 * The strongest role `address` holds on the Datanet: what its YAML grants (`roles:` and
 * `review.reviewers.addresses`, as serve seeds them) and, where the server's role store exists
 * (`server_roles`: a `datanet serve` ran on this run store), the roles granted there (by owners in
 * the console or the API). The YAML's own rows in the store are not read: they are the file as it
 * was at the server's last start, and the file as it is now is read instead (someone removed from
 * it has no role, as on the server's next start). The disputes routes and `datanet dispute` ask
 * this one function, so the API and the CLI agree on who may open or resolve a dispute.
 */
export async function datanetRoleOf(db: Kysely<any>, def: DatanetDefinition, address: string): Promise<DatanetRole> {
  const who = address.toLowerCase();
  let best: DatanetRole = 'contributor';
  const take = (role: string) => {
    if (rank(role) > rank(best)) best = role as DatanetRole;
  };
  const yaml = definitionRoleGrants(def);
  for (const g of [...yaml[YAML_ROLE_SOURCE], ...yaml[REVIEW_ROLE_SOURCE]]) if (g.principal.toLowerCase() === who) take(g.role);
  const store = await sql<{ t: boolean }>`select to_regclass('server_roles') is not null as t`.execute(db);
  if (store.rows[0]?.t) {
    const rows = await db
      .selectFrom('server_roles')
      .select('role')
      .where('scope', '=', def.id)
      .where('principal', '=', who)
      .where('source', 'not in', [YAML_ROLE_SOURCE, REVIEW_ROLE_SOURCE])
      .execute();
    for (const r of rows) take(String(r.role));
  }
  return best;
}
