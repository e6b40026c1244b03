import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withDuckDb } from '@datanet/connector-duckdb';
import { afterAll, describe, expect, it } from 'vitest';
import { epochOfDate, readEpochInputs, toAccounts } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'epoch-inputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readEpochInputs', () => {
  const att = join(dir, 'att.parquet');
  const inf = join(dir, 'inf.parquet');
  const epoch = epochOfDate('2026-11-24', 'Europe/Paris');

  it('gives bit-identical sums however the rows are ordered (so a resumed run plans the same payouts)', async () => {
    await withDuckDb(async (db) => {
      // Scores of very different magnitudes: float sums in another order would differ in the last bits.
      await db.copyToParquet(
        `SELECT 'inf-' || (i // 4) AS inference_id, 'c' || i AS contribution_id, '0x' || lpad(format('{:x}', i % 500 + 1), 40, '0') AS contributor,
                CASE WHEN i % 3 = 0 THEN 1e6 ELSE 1e-7 END * ((hash(i) % 1000) / 1000.0) AS score FROM range(400000) t(i)`,
        att,
      );
      await db.copyToParquet(
        `SELECT 'inf-' || i AS inference_id, (i * 7)::VARCHAR AS fee, epoch_ms(${epoch.startMs - 3_600_000} + i * 300) AS time FROM range(100000) t(i)`,
        inf,
      );
      await db.copyToParquet(`SELECT * FROM read_parquet('${att}') ORDER BY hash(contribution_id)`, join(dir, 'shuffled.parquet'));
    });
    const a = await readEpochInputs({ attributions: att, inferences: inf }, epoch);
    const b = await readEpochInputs({ attributions: join(dir, 'shuffled.parquet'), inferences: inf }, epoch);
    expect(b).toEqual(a);
    expect(a.contributors.length).toBe(500);
    // The first hour (before Paris midnight) is outside the epoch: 12,000 inferences of 100,000.
    expect(a.inferenceCount).toBe(100_000 - 12_000);
    let fees = 0n;
    for (let i = 12_000; i < 100_000; i++) fees += BigInt(i * 7);
    expect(a.fees).toBe(fees);
  });

  it('names the inferences with a bad fee', async () => {
    const bad = join(dir, 'bad.parquet');
    await withDuckDb((db) =>
      db.copyToParquet(`SELECT 'inf-x' AS inference_id, '12.5' AS fee, epoch_ms(${epoch.startMs + 5}) AS time`, bad),
    );
    await expect(readEpochInputs({ attributions: att, inferences: bad }, epoch)).rejects.toThrow(
      /inf-x \(fee "12.5"\): fee must be a non-negative integer/,
    );
  });
});

describe('toAccounts', () => {
  const a = (n: number) => '0x' + n.toString(16).padStart(40, '0');
  const row = (contributor: string) => ({ contributor, attribution: 1 });

  it('pays address-named contributors at their lower-cased address, in order, others through accounts', () => {
    const upper = '0x' + 'AB'.repeat(20);
    expect(toAccounts([row(a(1)), row(a(2)), row('NIH GARD'), row(upper)], { 'NIH GARD': a(9).toUpperCase().replace('0X', '0x') })).toEqual(
      [
        { account: a(1), attribution: 1, standing: undefined },
        { account: a(2), attribution: 1, standing: undefined },
        { account: a(9), attribution: 1, standing: undefined },
        { account: upper.toLowerCase(), attribution: 1, standing: undefined },
      ],
    );
  });

  it('refuses two contributors paid at one account, in or out of order', () => {
    const mixed = '0x' + 'Ab'.repeat(20);
    expect(() => toAccounts([row(a(1)), row(mixed), row(mixed.toLowerCase())])).toThrow(
      `contributors "${mixed}" and "${mixed.toLowerCase()}" are both paid at ${mixed.toLowerCase()}`,
    );
    expect(() => toAccounts([row(a(3)), row('site')], { site: a(3) })).toThrow(/contributors "0x0+3" and "site" are both paid at 0x0+3/);
    expect(() => toAccounts([row('x')])).toThrow(/1 contributor\(s\) are not EVM addresses and have no entry in config.accounts: x/);
  });
});
