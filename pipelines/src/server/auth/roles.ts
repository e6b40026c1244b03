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
  private readonly revoked: ((scope: string, principal: string, role: RoleGrant['role']) => Promise<void>)[] = [];

  constructor(private readonly db: Kysely<any>) {}

  /**
   * Calls `listener` after each grant revoked through the API (once committed): a package gives
   * back what the principal held under the role (the review queue releases their items). A
   * listener handles its own errors; the revocation stands either way.
   */
  onRevoke(listener: (scope: string, principal: string, role: RoleGrant['role']) => Promise<void>): void {
    this.revoked.push(listener);
  }

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

  /** The grants on a scope with where each came from and, for those made through the API, who made it. */
  async grants(scope: string): Promise<{ principal: string; role: Role; source: string; grantedAt: number; grantedBy: string | null }[]> {
    const rows = await this.db
      .selectFrom('server_roles')
      .select(['principal', 'role', 'source', 'granted_at', 'granted_by'])
      .where('scope', '=', scope)
      .orderBy('principal')
      .orderBy('role')
      .execute();
    return rows.map((r) => ({
      principal: String(r.principal),
      role: r.role as Role,
      source: String(r.source),
      grantedAt: Number(r.granted_at),
      grantedBy: (r.granted_by as string | null) ?? null,
    }));
  }

  /**
   * A grant made by someone (`actor`: an address, or `token:<id>`), recorded with who and when.
   * false when the principal already held that role there (nothing changes, nothing is recorded).
   */
  async grantBy(scope: string, grant: RoleGrant, actor: string): Promise<boolean> {
    const principal = grant.principal.toLowerCase();
    return this.db.transaction().execute(async (tx) => {
      const now = Date.now();
      const added = await tx
        .insertInto('server_roles')
        .values({ scope, principal, role: grant.role, source: 'grant', granted_at: now, granted_by: actor })
        .onConflict((oc) => oc.columns(['scope', 'principal', 'role']).doNothing())
        .returning('principal')
        .execute();
      if (added.length === 0) return false;
      await tx.insertInto('server_role_events').values({ scope, principal, role: grant.role, action: 'grant', actor, at: now }).execute();
      return true;
    });
  }

  /**
   * Takes back a role granted through the API, recorded with who and when. Grants from
   * configuration (the Datanet's YAML) are changed there, and the last owner of a scope stays
   * (someone must be able to grant).
   */
  async revokeBy(scope: string, grant: RoleGrant, actor: string): Promise<'revoked' | 'not_held' | 'from_config' | 'last_owner'> {
    const principal = grant.principal.toLowerCase();
    const outcome = await this.db.transaction().execute(async (tx) => {
      const rows = await tx
        .selectFrom('server_roles')
        .select('source')
        .where('scope', '=', scope)
        .where('principal', '=', principal)
        .where('role', '=', grant.role)
        .execute();
      if (rows.length === 0) return 'not_held' as const;
      // Only grants made through the API are revoked there; the others come from configuration.
      if (rows.some((r) => r.source !== 'grant')) return 'from_config' as const;
      if (grant.role === 'owner') {
        const owners = await tx
          .selectFrom('server_roles')
          .select('principal')
          .where('scope', '=', scope)
          .where('role', '=', 'owner')
          .forUpdate()
          .execute();
        if (owners.filter((o) => o.principal !== principal).length === 0) return 'last_owner' as const;
      }
      await tx
        .deleteFrom('server_roles')
        .where('scope', '=', scope)
        .where('principal', '=', principal)
        .where('role', '=', grant.role)
        .execute();
      await tx
        .insertInto('server_role_events')
        .values({ scope, principal, role: grant.role, action: 'revoke', actor, at: Date.now() })
        .execute();
      return 'revoked' as const;
    });
    if (outcome === 'revoked') for (const listener of this.revoked) await listener(scope, principal, grant.role);
    return outcome;
  }

  /** The record of grants and revocations on a scope, newest first. */
  async events(
    scope: string,
    limit: number,
    before?: number,
  ): Promise<{ id: number; principal: string; role: string; action: string; actor: string; at: number }[]> {
    let q = this.db.selectFrom('server_role_events').selectAll().where('scope', '=', scope);
    if (before !== undefined) q = q.where('id', '<', before);
    const rows = await q.orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({
      id: Number(r.id),
      principal: String(r.principal),
      role: String(r.role),
      action: String(r.action),
      actor: String(r.actor),
      at: Number(r.at),
    }));
  }
}
