import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { openTestDb, runDatanetCli, runOperator, TEST_DATABASE_URL, type TestDb } from '@datanet/pipelines/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { epochOfDate, settlementSettle } from '../src/index.js';
import { epochFixture } from './fixtures.js';

describe('datanet rewards (the real CLI, PostgreSQL)', () => {
  let t: TestDb;
  let url: string;
  beforeAll(async () => {
    t = await openTestDb('postgres');
    const fx = epochFixture(epochOfDate('2026-11-24', 'UTC').startMs, 60, 12, 7);
    await runOperator(settlementSettle, {
      config: { datanet: 'cli-net', epoch: '2026-11-24@UTC' },
      inputs: { attributions: fx.attributions, inferences: fx.inferences },
      db: t.db,
      dialect: t.dialect,
    });
    url = `${TEST_DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${t.schema}`)}`;
  });
  afterAll(() => t.close());

  const cli = (...args: string[]) => runDatanetCli(['--database-url', url, ...args]);

  it('prints CSV statements, and JSON whose proofs verify against the root', () => {
    const csv = cli('rewards', '--epoch', '2026-11-24');
    expect(csv.code).toBe(0);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe('datanet,epoch,epoch_number,index,account,amount,root,proof');
    expect(lines.length).toBeGreaterThan(5);
    const json = cli('--json', 'rewards', '--epoch', '2026-11-24@UTC', '--contributor', lines[1].split(',')[4]);
    expect(json.code).toBe(0);
    const [st] = JSON.parse(json.stdout).statements;
    expect(
      StandardMerkleTree.verify(
        st.root,
        ['uint256', 'uint256', 'address', 'uint256'],
        [st.epochNumber, st.index, st.account, st.amount],
        st.proof,
      ),
    ).toBe(true);
  });

  it('exits 1 for an epoch with no payouts and 2 for a malformed epoch', () => {
    const none = cli('rewards', '--epoch', '2026-01-01');
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no payouts for epoch 2026-01-01/);
    expect(cli('rewards', '--epoch', 'tomorrow').code).toBe(2);
  });
});
