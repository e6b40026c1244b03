import type { Kysely } from 'kysely';
import { hashSecret, newSecret } from './secret-hash.js';
import { num } from '../store/server-store.js';

export interface Session {
  address: string;
  chainId: number;
  csrfHash: string;
  expiresAt: number;
}

/**
 * Sessions and SIWE nonces, in the store (never in memory), so any replica can answer. Only hashes
 * of session ids are stored: a copy of the database signs nobody in.
 */
export class SessionStore {
  constructor(private readonly db: Kysely<any>) {}

  async issueNonce(ttlMs: number, now = Date.now()): Promise<{ nonce: string; expiresAt: number }> {
    // SIWE nonces are alphanumeric, at least 8 characters.
    const nonce = newSecret(16)
      .replace(/[^A-Za-z0-9]/g, '')
      .slice(0, 20)
      .padEnd(12, '0');
    const expiresAt = now + ttlMs;
    await this.db.insertInto('server_siwe_nonces').values({ nonce, created_at: now, expires_at: expiresAt }).execute();
    // Expired nonces are swept as new ones are issued.
    await this.db.deleteFrom('server_siwe_nonces').where('expires_at', '<', now).execute();
    return { nonce, expiresAt };
  }

  /** Uses a nonce up: true once, for an unexpired nonce this server issued; false ever after. */
  async consumeNonce(nonce: string, now = Date.now()): Promise<boolean> {
    const row = await this.db.deleteFrom('server_siwe_nonces').where('nonce', '=', nonce).returning('expires_at').executeTakeFirst();
    return Boolean(row && num(row.expires_at)! > now);
  }

  async create(
    address: string,
    chainId: number,
    ttlMs: number,
    now = Date.now(),
  ): Promise<{ sessionId: string; csrf: string; expiresAt: number }> {
    const sessionId = newSecret();
    const csrf = newSecret(24);
    const expiresAt = now + ttlMs;
    await this.db
      .insertInto('server_sessions')
      .values({
        id_hash: hashSecret(sessionId),
        address: address.toLowerCase(),
        csrf_hash: hashSecret(csrf),
        chain_id: chainId,
        created_at: now,
        expires_at: expiresAt,
      })
      .execute();
    return { sessionId, csrf, expiresAt };
  }

  async find(sessionId: string, now = Date.now()): Promise<Session | undefined> {
    if (sessionId.length > 100) return undefined;
    const row = await this.db.selectFrom('server_sessions').selectAll().where('id_hash', '=', hashSecret(sessionId)).executeTakeFirst();
    if (!row || row.revoked_at !== null || num(row.expires_at)! <= now) return undefined;
    return { address: row.address, chainId: num(row.chain_id)!, csrfHash: row.csrf_hash, expiresAt: num(row.expires_at)! };
  }

  async revoke(sessionId: string, now = Date.now()): Promise<void> {
    await this.db.updateTable('server_sessions').set({ revoked_at: now }).where('id_hash', '=', hashSecret(sessionId)).execute();
  }
}
