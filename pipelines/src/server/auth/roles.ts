import type { Kysely } from 'kysely';

/** Roles per scope, weakest first. 'contributor' is anyone signed in; it is never stored. */
export const ROLES = ['contributor', 'reviewer', 'steward', 'owner'] as const;
export type Role = (typeof ROLES)[number];

/** The deployment scope: runs and settings that belong to no Datanet. */
export const DEPLOYMENT_SCOPE = '*';

export function roleAtLeast(held: Role, required: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(required);
}

export function isRole(v: string): v is Role {
  return (ROLES as readonly string[]).includes(v);
}

export interface RoleGrant {
  principal: string;
  role: Exclude<Role, 'contributor'>;
}

/**
 * Roles held in the store. A principal is a lower-cased address. Grants from configuration
 * (a Datanet's YAML) are replaced as a whole on each seed; grants made otherwise are kept.
 */
export class RoleStore {
  constructor(private readonly db: Kysely<any>) {}

  /** The strongest role a principal holds on one scope ('contributor' when none). */
  async roleOf(scope: string, principal: string): Promise<Role> {
    const rows = await this.db
      .selectFrom('server_roles')
      .select('role')
      .where('scope', '=', scope)
      .where('principal', '=', principal.toLowerCase())
      .execute();
    let best: Role = 'contributor';
    for (const r of rows) if (isRole(r.role) && roleAtLeast(r.role, best)) best = r.role;
    return best;
  }

  async list(scope: string): Promise<{ principal: string; role: Role; source: string }[]> {
    return (await this.db
      .selectFrom('server_roles')
      .select(['principal', 'role', 'source'])
      .where('scope', '=', scope)
      .orderBy('principal')
      .execute()) as never;
  }

  /** Replaces the grants that came from `source` on a scope with these, in one transaction. */
  async seed(scope: string, grants: RoleGrant[], source = 'config'): Promise<void> {
    const now = Date.now();
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('server_roles').where('scope', '=', scope).where('source', '=', source).execute();
      if (grants.length === 0) return;
      await tx
        .insertInto('server_roles')
        .values(grants.map((g) => ({ scope, principal: g.principal.toLowerCase(), role: g.role, source, granted_at: now })))
        .onConflict((oc) => oc.columns(['scope', 'principal', 'role']).doNothing())
        .execute();
    });
  }

  async grant(scope: string, grant: RoleGrant, source = 'grant'): Promise<void> {
    await this.db
      .insertInto('server_roles')
      .values({ scope, principal: grant.principal.toLowerCase(), role: grant.role, source, granted_at: Date.now() })
      .onConflict((oc) => oc.columns(['scope', 'principal', 'role']).doNothing())
      .execute();
  }
}
