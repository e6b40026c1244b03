import type { Kysely } from 'kysely';
import { appendAudit, listAudit } from './audit-log.js';

export interface RoleGrantRow {
  principal: string;
  role: string;
  source: string;
  /** Who granted it through the API: an address, or `token:<id>` (never the token); null for configuration. */
  grantedBy?: string | null;
}

/** Who revoked a grant that is gone: an address or `token:<id>`; undefined when no revocation names one (configuration). */
export type RevokerLookup = (principal: string, role: string) => Promise<string | undefined>;

const keyOf = (g: { principal: string; role: string }) => `${g.principal.toLowerCase()} ${g.role}`;

/**
 * Brings the audit chain up to date with a Datanet's role grants: each grant that appeared since the
 * log last saw the roles is logged `role.changed` (granted), each that disappeared `role.changed`
 * (revoked). The roles the log knows are the fold of its earlier `role.changed` entries, so calling
 * this again with the same grants writes nothing. Returns the entries written.
 *
 * Each entry names who made the change, as its actor and in its payload's `by`: the grant's
 * `grantedBy`, the revoker `revokedBy` finds; a change from configuration (the Datanet's YAML) is
 * `<actor>:<source>` with `by` null.
 */
export async function syncRoleAudit(
  db: Kysely<any>,
  datanet: string,
  grants: RoleGrantRow[],
  revokedBy: RevokerLookup = async () => undefined,
  actor = 'roles',
): Promise<number> {
  const known = new Map<string, { principal: string; role: string; source?: string | null }>();
  const changes = new Map<string, number>();
  for (const e of await listAudit(db, { datanet, kind: 'role.changed' })) {
    const p = e.payload as { principal: string; role: string; change: 'granted' | 'revoked'; source?: string | null };
    changes.set(keyOf(p), (changes.get(keyOf(p)) ?? 0) + 1);
    if (p.change === 'granted') known.set(keyOf(p), p);
    else known.delete(keyOf(p));
  }
  const now = new Map(grants.map((g) => [keyOf(g), g]));
  let written = 0;
  const log = async (change: 'granted' | 'revoked', g: { principal: string; role: string; source?: string | null }, by: string | null) => {
    await appendAudit(db, {
      datanet,
      actor: by ?? (g.source ? `${actor}:${g.source}` : actor),
      kind: 'role.changed',
      subject: g.principal.toLowerCase(),
      // The n-th change of this (principal, role): two processes catching up at once log it once.
      key: `role.changed:${keyOf(g)}:${(changes.get(keyOf(g)) ?? 0) + 1}`,
      payload: { principal: g.principal.toLowerCase(), role: g.role, change, source: g.source ?? null, by },
    });
    written++;
  };
  for (const [k, g] of [...now].sort(([a], [b]) => (a < b ? -1 : 1))) if (!known.has(k)) await log('granted', g, g.grantedBy ?? null);
  for (const [k, g] of [...known].sort(([a], [b]) => (a < b ? -1 : 1)))
    // Only a grant made through the API is revoked there; one from configuration left its file.
    if (!now.has(k)) await log('revoked', g, g.source === 'grant' ? ((await revokedBy(g.principal.toLowerCase(), g.role)) ?? null) : null);
  return written;
}
