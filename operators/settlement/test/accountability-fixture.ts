import type { Kysely } from 'kysely';
import { openRegistry, recordContributions, standingOf, type RegistryDialect } from '@datanet/datanet';
import { parseEpoch, type Epoch } from '../src/core/epoch.js';
import { recordEpochInputs } from '../src/proposal/epoch-input-rows.js';
import { address, rng } from './fixtures.js';

export const DATANET = 'acct-test';
export const STEWARD = '0x' + '5'.repeat(40);

/** Contribution `j` of contributor `i`. */
export const contributionId = (i: number, j: number) => `c${i}-${j}`;

/**
 * A registry with `k` contributors holding `per` accepted contributions each (so standing is above
 * the dispute threshold), and a small generated epoch whose inferences are attributed to them.
 */
export async function seedRegistry(
  db: Kysely<any>,
  dialect: RegistryDialect,
  k: number,
  per: number,
  now = 1_700_000_000_000,
): Promise<void> {
  await openRegistry(db, dialect);
  const records = [];
  for (let i = 0; i < k; i++)
    for (let j = 0; j < per; j++)
      records.push({
        id: contributionId(i, j),
        datanet: DATANET,
        contributor: address(i),
        submissionId: `sub-${i}`,
        sourceFile: 'f.jsonl',
        recordIndex: j,
        licence: 'CC-BY-4.0',
        consent: 'train',
        submittedAt: now,
        validatorVersion: 'test',
      });
  await recordContributions(db, records, { now });
}

export const OUTPUT = 'the quick brown fox jumps over the lazy dog while the model answers about insulin and diabetes care';

/** `n` inferences of the epoch, each attributed to 1-3 contributions of the `k` contributors, with span evidence. */
export async function seedEpoch(db: Kysely<any>, date: string, n: number, k: number, per: number, seed = 7): Promise<Epoch> {
  const epoch = parseEpoch(`${date}@UTC`);
  const r = rng(seed);
  const inferences = [];
  const attributions = [];
  const texts = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    const id = `${date}-inf-${i}`;
    inferences.push({
      inferenceId: id,
      fee: BigInt(1 + Math.floor(r() * 1e6)) * 10n ** 12n,
      time: epoch.startMs + i * 1000,
      model: 'datanet-tiny-llama',
      adapter: 'sha256:adapter',
      prompt: 'what is insulin',
      output: OUTPUT,
    });
    const parts = 1 + Math.floor(r() * 3);
    for (let p = 0; p < parts; p++) {
      const c = Math.floor(r() * k);
      const j = Math.floor(r() * per);
      const words = OUTPUT.split(' ');
      const start = Math.floor(r() * (words.length - 4));
      const span = words.slice(start, start + 4).join(' ');
      const cid = contributionId(c, j);
      texts.set(cid, `Contribution ${cid} says: ${span.toUpperCase()} and more.`);
      attributions.push({
        inferenceId: id,
        contributionId: cid,
        contributor: address(c),
        account: address(c),
        score: r() / parts,
        evidence: JSON.stringify([{ text: span, start, length: 4, count: 1, weight: 4.2 }]),
      });
    }
  }
  const standing = [];
  for (let i = 0; i < k; i++) standing.push({ contributor: address(i), standing: await standingOf(db, DATANET, address(i)) });
  await recordEpochInputs(db, {
    datanet: DATANET,
    epoch,
    inferences,
    attributions,
    standing,
    texts: [...texts].map(([contributionId, text]) => ({ contributionId, text })),
    method: 'attribution.spans',
    methodVersion: 'sha256:test',
  });
  return epoch;
}

export const TERMS = {
  split: { platform: 1000, modelOwner: 2000, stakers: 1000, contributors: 6000 },
  standingWeight: { floor: 0.25, gamma: 1, defaultStanding: 0.5 },
};
