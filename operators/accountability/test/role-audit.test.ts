import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '@datanet/pipelines/testing';
import { listAudit, syncRoleAudit, verifyAudit } from '../src/index.js';

describe('role changes in the audit chain (PGlite)', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb('pglite');
  });
  afterAll(() => t?.close());

  it('logs each grant and revocation once, however often it catches up', async () => {
    const a = { principal: '0x' + 'a'.repeat(40), role: 'steward', source: 'datanet-yaml' };
    const b = { principal: '0x' + 'b'.repeat(40), role: 'reviewer', source: 'grant' };
    expect(await syncRoleAudit(t.db, 'roles-test', [a, b])).toBe(2);
    expect(await syncRoleAudit(t.db, 'roles-test', [b, a])).toBe(0);
    expect(await syncRoleAudit(t.db, 'roles-test', [a])).toBe(1);
    expect(await syncRoleAudit(t.db, 'roles-test', [a, b])).toBe(1);
    const changes = (await listAudit(t.db, { datanet: 'roles-test', kind: 'role.changed' })).map((e) => {
      const p = e.payload as { principal: string; change: string };
      return `${p.principal.slice(0, 3)} ${p.change}`;
    });
    expect(changes).toEqual(['0xa granted', '0xb granted', '0xb revoked', '0xb granted']);
    expect((await verifyAudit(t.db, 'roles-test')).ok).toBe(true);
  });
});
