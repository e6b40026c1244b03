import { Float64, Table, TimestampMillisecond, Utf8, vectorFromArray } from 'apache-arrow';

export const address = (n: number) => '0x' + (n * 104729 + 17).toString(16).padStart(40, '0');

/** Deterministic pseudo-random numbers (mulberry32), so fixtures are the same on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface EpochFixture {
  inferences: Table;
  attributions: Table;
  standing: Table;
  /** Fees of the inferences inside [startMs, endMs). */
  fees: bigint;
}

/** `n` inferences spread over the day starting at `startMs` (plus a few outside it), each attributed to 1-4 of `k` contributors. */
export function epochFixture(startMs: number, n: number, k: number, seed = 1): EpochFixture {
  const r = rng(seed);
  const inf = { id: [] as string[], fee: [] as string[], time: [] as number[] };
  const att = { inference_id: [] as string[], contribution_id: [] as string[], contributor: [] as string[], score: [] as number[] };
  let fees = 0n;
  for (let i = 0; i < n; i++) {
    const inside = i % 10 !== 9;
    const time = inside ? startMs + Math.floor(r() * 86_400_000) : startMs + 86_400_000 + Math.floor(r() * 3_600_000);
    const fee = BigInt(Math.floor(r() * 1e6)) * 10n ** 12n + BigInt(i);
    inf.id.push(`inf-${i}`);
    inf.fee.push(fee.toString());
    inf.time.push(time);
    if (inside) fees += fee;
    const parts = 1 + Math.floor(r() * 4);
    for (let j = 0; j < parts; j++) {
      const c = Math.floor(r() * k);
      att.inference_id.push(`inf-${i}`);
      att.contribution_id.push(`c-${c}-${j}`);
      att.contributor.push(address(c));
      att.score.push(j === parts - 1 && i % 7 === 0 ? -0.5 : r());
    }
  }
  return {
    fees,
    inferences: new Table({
      inference_id: vectorFromArray(inf.id, new Utf8()),
      fee: vectorFromArray(inf.fee, new Utf8()),
      time: vectorFromArray(inf.time, new TimestampMillisecond()),
    }),
    attributions: new Table({
      inference_id: vectorFromArray(att.inference_id, new Utf8()),
      contribution_id: vectorFromArray(att.contribution_id, new Utf8()),
      contributor: vectorFromArray(att.contributor, new Utf8()),
      score: vectorFromArray(att.score, new Float64()),
    }),
    standing: new Table({
      contributor: vectorFromArray(
        Array.from({ length: k }, (_, c) => address(c)),
        new Utf8(),
      ),
      standing: vectorFromArray(
        Array.from({ length: k }, (_, c) => (c % 11) / 10),
        new Float64(),
      ),
    }),
  };
}
