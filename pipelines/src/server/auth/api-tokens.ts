import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { hashSecret, newSecret } from './secret-hash.js';
import type { Role } from './roles.js';
import { num } from '../store/server-store.js';

export const TOKEN_PREFIX = 'dnt_';

export interface ApiTokenInfo {
  id: string;
  name: string;
  scope: string;
  role: Role;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

/**
 * API tokens for automation. A token is `dnt_<id>_<secret>`, shown once; the store keeps the sha256
 * of the whole token. A token carries exactly one role on one scope.
 */
export class ApiTokens {
  constructor(private readonly db: Kysely<any>) {}

  async create(o: { name: string; scope: string; role: Role; expiresAt?: number | null }): Promise<{ token: string; info: ApiTokenInfo }> {
    const id = randomBytes(6).toString('hex');
    const token = `${TOKEN_PREFIX}${id}_${newSecret()}`;
    const createdAt = Date.now();
    await this.db
      .insertInto('server_api_tokens')
      .values({
        id,
        name: o.name,
        token_hash: hashSecret(token),
        scope: o.scope,
        role: o.role,
        created_at: createdAt,
        expires_at: o.expiresAt ?? null,
      })
      .execute();
    return {
      token,
      info: {
        id,
        name: o.name,
        scope: o.scope,
        role: o.role,
        createdAt,
        expiresAt: o.expiresAt ?? null,
        revokedAt: null,
        lastUsedAt: null,
      },
    };
  }

  /** The token's grant when it is known, unexpired and unrevoked. */
  async authenticate(token: string, now = Date.now()): Promise<ApiTokenInfo | undefined> {
    if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return undefined;
    const row = await this.db.selectFrom('server_api_tokens').selectAll().where('token_hash', '=', hashSecret(token)).executeTakeFirst();
    if (!row) return undefined;
    const info = toInfo(row);
    if (info.revokedAt !== null || (info.expiresAt !== null && info.expiresAt <= now)) return undefined;
    await this.db.updateTable('server_api_tokens').set({ last_used_at: now }).where('id', '=', info.id).execute();
    return info;
  }

  async list(): Promise<ApiTokenInfo[]> {
    return (await this.db.selectFrom('server_api_tokens').selectAll().orderBy('created_at').execute()).map(toInfo);
  }

  /** Revokes by id; false when no such token. Revoking twice keeps the first time. */
  async revoke(id: string, now = Date.now()): Promise<boolean> {
    const r = await this.db
      .updateTable('server_api_tokens')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) > 0) return true;
    return Boolean(await this.db.selectFrom('server_api_tokens').select('id').where('id', '=', id).executeTakeFirst());
  }
}

function toInfo(row: Record<string, unknown>): ApiTokenInfo {
  return {
    id: row.id as string,
    name: row.name as string,
    scope: row.scope as string,
    role: row.role as Role,
    createdAt: num(row.created_at)!,
    expiresAt: num(row.expires_at),
    revokedAt: num(row.revoked_at),
    lastUsedAt: num(row.last_used_at),
  };
}
