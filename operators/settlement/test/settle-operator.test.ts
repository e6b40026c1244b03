import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { DB_ENGINES, openTestDb, runOperator, type TestDb } from '@datanet/pipelines/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLedger, epochOfDate, loadPayouts, settlementSettle, splitFees } from '../src/index.js';
import { epochFixture } from './fixtures.js';

const epoch = epochOfDate('2026-11-24', 'UTC');
const fx = epochFixture(epoch.startMs, 300, 40);
const split = { platform: 1500, modelOwner: 2500, stakers: 1000, contributors: 5000 };

describe.each(DB_ENGINES)('settlement.settle on %s', (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(engine);
  });
  afterAll(() => t.close());

  const run = (config: Record<string, unknown> = {}) =>
    runOperator(settlementSettle, {
      config: { datanet: 'medical-qa', epoch: '2026-11-24@UTC', split, ...config },
      inputs: { attributions: fx.attributions, inferences: fx.inferences, standing: fx.standing },
      db: t.db,
      dialect: t.dialect,
    });

  it('pays the contributor pool of the epoch exactly, with a balanced ledger and verifiable proofs', async () => {
    const { outputs } = await run();
    const payouts = outputs.payouts.table!;
    const amounts = payouts
      .getChild('amount')!
      .toArray()
      .map((a: string) => BigInt(a));
    const pool = splitFees(fx.fees, split).contributors;
    expect(amounts.reduce((a: bigint, b: bigint) => a + b, 0n)).toBe(pool);
    expect(amounts.every((a: bigint) => a > 0n)).toBe(true);
    const statement = outputs.statement.json as any;
    expect(statement.fees).toBe(fx.fees.toString());
    expect(statement.ledger.balanced).toBe(true);
    const ledger = await checkLedger(t.db, 'medical-qa', epoch.id);
    expect(ledger.unbalanced).toEqual([]);
    expect(ledger.total).toBe(0n);
    expect([...ledger.credited.values()].reduce((a, b) => a + b, 0n)).toBe(pool);

    const rewards = outputs.rewards.json as any;
    expect(rewards.claims.length).toBe(payouts.numRows);
    for (const c of rewards.claims) {
      const ok = StandardMerkleTree.verify(
        rewards.root,
        ['uint256', 'uint256', 'address', 'uint256'],
        [rewards.epochNumber, c.index, c.account, c.amount],
        c.proof,
      );
      expect(ok).toBe(true);
    }
    expect(StandardMerkleTree.load(rewards.tree).root).toBe(rewards.root);
  });

  it('leaves proofs out of a large rewards file; the dump still gives each one', async () => {
    const { outputs } = await run({ inlineProofsUpTo: 3 });
    const rewards = outputs.rewards.json as any;
    expect(rewards.proofsInline).toBe(false);
    expect(rewards.claims[0].proof).toBeUndefined();
    const tree = StandardMerkleTree.load(rewards.tree);
    const c = rewards.claims[5];
    const leaf = [rewards.epochNumber, String(c.index), c.account, c.amount];
    expect(StandardMerkleTree.verify(rewards.root, ['uint256', 'uint256', 'address', 'uint256'], leaf, tree.getProof(leaf))).toBe(true);
  });

  it('pays nothing twice: a re-run (even with another split) returns the stored settlement', async () => {
    const before = await loadPayouts(t.db, 'medical-qa', epoch.id);
    const again = await run({ split: { platform: 0, modelOwner: 0, stakers: 0, contributors: 10_000 } });
    expect((again.outputs.statement.json as any).newlySettled).toBe(false);
    expect(again.logs.some((l) => l.level === 'warn' && /other inputs/.test(l.message))).toBe(true);
    expect(await loadPayouts(t.db, 'medical-qa', epoch.id)).toEqual(before);
    const ledger = await checkLedger(t.db, 'medical-qa', epoch.id);
    expect([...ledger.credited.values()].reduce((a, b) => a + b, 0n)).toBe(splitFees(fx.fees, split).contributors);
  });

  it('weights by standing: with equal attribution, the higher standing is paid more', async () => {
    const payouts = await loadPayouts(t.db, 'medical-qa', epoch.id);
    const perUnit = payouts.map((p) => ({ s: p.standing, v: Number(p.amount) / p.attribution })).sort((a, b) => a.s - b.s);
    for (let i = 1; i < perUnit.length; i++)
      if (perUnit[i].s > perUnit[i - 1].s) expect(perUnit[i].v).toBeGreaterThan(perUnit[i - 1].v * 0.999999);
  });

  it('settles an epoch without inferences as an empty, balanced settlement', async () => {
    const { outputs } = await run({ epoch: '2025-01-01@UTC' });
    expect(outputs.payouts.table!.numRows).toBe(0);
    expect((outputs.rewards.json as any).root).toBeNull();
    const st = outputs.statement.json as any;
    expect([st.fees, st.paid, st.payoutCount, st.ledger.balanced]).toEqual(['0', '0', 0, true]);
  });

  it('warns when the contributor pool pays nobody because attribution credited no contribution', async () => {
    const silent = await runOperator(settlementSettle, {
      config: { datanet: 'silent-model', epoch: '2026-11-24@UTC', split },
      inputs: { attributions: fx.attributions.slice(0, 0), inferences: fx.inferences, standing: fx.standing },
      db: t.db,
      dialect: t.dialect,
    });
    const st = silent.outputs.statement.json as any;
    expect([st.fees, st.paid, st.payoutCount]).toEqual([fx.fees.toString(), '0', 0]);
    const warned = silent.logs.filter((l) => l.level === 'warn' && /paid nobody/.test(l.message));
    expect(warned).toHaveLength(1);
    expect(warned[0].message).toContain(`contributor pool of ${splitFees(fx.fees, split).contributors} base units`);
    // An epoch that did pay, or had no fees at all, says nothing of the kind.
    const paying = await run();
    expect(paying.logs.some((l) => /paid nobody/.test(l.message))).toBe(false);
    const empty = await run({ epoch: '2025-01-01@UTC' });
    expect(empty.logs.some((l) => /paid nobody/.test(l.message))).toBe(false);
  });

  it('rejects a split that does not sum to 10000 bps, naming the shares', async () => {
    await expect(
      run({ epoch: '2026-11-25', split: { platform: 1000, modelOwner: 1000, stakers: 1000, contributors: 1000 } }),
    ).rejects.toThrow(/platform 1000 \+ modelOwner 1000 \+ stakers 1000 \+ contributors 1000 = 4000/);
  });

  it('asks for an account for contributors that are not addresses', async () => {
    const { Table, Utf8, Float64, vectorFromArray } = await import('apache-arrow');
    const named = new Table({
      inference_id: vectorFromArray(['inf-0', 'inf-1'], new Utf8()),
      contribution_id: vectorFromArray(['a', 'b'], new Utf8()),
      contributor: vectorFromArray(['GARD', 'GHR'], new Utf8()),
      score: vectorFromArray([0.5, 0.5], new Float64()),
    });
    const call = (accounts: Record<string, string>) =>
      runOperator(settlementSettle, {
        config: { datanet: 'named', epoch: '2026-11-24', accounts },
        inputs: { attributions: named, inferences: fx.inferences },
        db: t.db,
        dialect: t.dialect,
      });
    await expect(call({ GARD: '0x' + '1'.repeat(40) })).rejects.toThrow(/GHR; map each to a 0x address under "accounts"/);
    const ok = await call({ GARD: '0x' + '1'.repeat(40), GHR: '0x' + '2'.repeat(40) });
    expect(ok.outputs.payouts.table!.numRows).toBe(2);
  });
});

describe('datanet rewards (core)', () => {
  it('prints one statement per account with a proof that verifies', async () => {
    const t = await openTestDb('pglite');
    try {
      await runOperator(settlementSettle, {
        config: { datanet: 'medical-qa', epoch: '2026-11-24@UTC', split },
        inputs: { attributions: fx.attributions, inferences: fx.inferences },
        db: t.db,
      });
      const { rewardStatements, statementsCsv, verifyRewardProof } = await import('../src/index.js');
      const all = await rewardStatements(t.db, { epoch: '2026-11-24' });
      expect(all.length).toBeGreaterThan(10);
      const one = await rewardStatements(t.db, { epoch: '2026-11-24@UTC', contributor: all[3].account.toUpperCase().replace('0X', '0x') });
      expect(one).toEqual([all[3]]);
      expect(
        verifyRewardProof(
          one[0].root,
          BigInt(one[0].epochNumber),
          { index: one[0].index, account: one[0].account, amount: BigInt(one[0].amount) },
          one[0].proof,
        ),
      ).toBe(true);
      expect(statementsCsv(one).split('\n')[1]).toContain(`${one[0].account},${one[0].amount},${one[0].root}`);
    } finally {
      await t.close();
    }
  });
});
