/**
 * Exact apportionment of `total` base units in proportion to integer weights (Hamilton's method):
 * each share gets floor(total * w / W), and the units left over (fewer than the number of shares)
 * go one each to the largest remainders. Ties between equal remainders go to the smaller key, so
 * the result depends only on the (key, weight) pairs, never on their order.
 */
export function largestRemainder(total: bigint, weights: readonly bigint[], keys: readonly string[]): bigint[] {
  if (weights.length !== keys.length) throw new Error(`largestRemainder: ${weights.length} weights but ${keys.length} keys`);
  if (total < 0n) throw new Error(`largestRemainder: total ${total} is negative`);
  let sum = 0n;
  for (let i = 0; i < weights.length; i++) {
    if (weights[i] < 0n) throw new Error(`largestRemainder: weight of "${keys[i]}" is negative (${weights[i]})`);
    sum += weights[i];
  }
  const out = new Array<bigint>(weights.length).fill(0n);
  if (sum === 0n || total === 0n) return out;
  // Only each remainder's double is kept (a million live bigints cost more in garbage collection
  // than the arithmetic); the exact remainder is recomputed for the few that need exact ordering.
  const approx = new Float64Array(weights.length);
  let given = 0n;
  for (let i = 0; i < weights.length; i++) {
    const q = total * weights[i];
    const share = q / sum;
    out[i] = share;
    approx[i] = Number(q - share * sum); // q % sum, by a product instead of a second division
    given += share;
  }
  const left = Number(total - given);
  if (left === 0) return out;
  const remainder = (i: number) => total * weights[i] - out[i] * sum;
  for (const i of largestRemainders(approx, remainder, keys, left, sum)) out[i] += 1n;
  return out;
}

/** Largest first; equal remainders: the smaller key first. */
function byRemainder(rems: ReadonlyMap<number, bigint>, keys: readonly string[]) {
  return (a: number, b: number) => {
    const x = rems.get(a)!;
    const y = rems.get(b)!;
    return x > y ? -1 : x < y ? 1 : keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0;
  };
}

/** `indices` ordered by their exact remainders (largest first, then the smaller key). */
function exactOrder(indices: number[], remainder: (i: number) => bigint, keys: readonly string[]): number[] {
  const rems = new Map(indices.map((i) => [i, remainder(i)]));
  return indices.sort(byRemainder(rems, keys));
}

/**
 * The `left` indices that come first by (remainder desc, key asc), without sorting a million
 * bigints: each remainder's double (within 2^-53 of it) is sorted natively, which fixes the
 * threshold T of the left-th largest; remainders clearly above T (by more than the doubles' error)
 * are in, those clearly below are out, and only the narrow band around T is ordered exactly.
 */
function largestRemainders(
  approx: Float64Array,
  remainder: (i: number) => bigint,
  keys: readonly string[],
  left: number,
  sum: bigint,
): number[] {
  const candidates: number[] = [];
  for (let i = 0; i < approx.length; i++) if (approx[i] > 0) candidates.push(i);
  // Doubles overflow past 2^1024: then (never with real weights) order everything exactly.
  if (sum.toString(16).length > 250 || candidates.length <= 64) {
    return exactOrder(candidates, remainder, keys).slice(0, left);
  }
  const values = new Float64Array(candidates.length);
  candidates.forEach((i, k) => (values[k] = approx[i]));
  const threshold = values.slice().sort()[candidates.length - left];
  const margin = threshold * 2 ** -48; // far above the 2^-53 relative error of each double
  const chosen: number[] = [];
  const band: number[] = [];
  candidates.forEach((i, k) => {
    if (values[k] > threshold + margin) chosen.push(i);
    else if (values[k] >= threshold - margin) band.push(i);
  });
  exactOrder(band, remainder, keys);
  for (let k = 0; chosen.length < left; k++) chosen.push(band[k]);
  return chosen;
}

/**
 * Exact integers proportional to non-negative finite doubles: every double is m * 2^e, so scaling
 * all of them by 2^-min(e) keeps their ratios exactly (no rounding, order preserved strictly).
 */
export function exactIntegerWeights(values: readonly number[]): bigint[] {
  const view = new DataView(new ArrayBuffer(8));
  // Usual case: every weight scaled by 2^-minE is an integer below 2^1023, so the scaling is an
  // exact double product, turned into a BigInt in one step. minE: the smallest mantissa unit.
  let minUnit = Infinity;
  let maxUnit = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (!(x > 0) || !Number.isFinite(x)) {
      if (x === 0) continue;
      throw new Error(`weight #${i} is ${x}: weights must be finite and non-negative`);
    }
    view.setFloat64(0, x);
    const bexp = (view.getUint32(0) >>> 20) & 0x7ff;
    if (bexp === 0) {
      minUnit = -Infinity; // subnormal: the exact route below
      break;
    }
    const unit = bexp - 1075;
    if (unit < minUnit) minUnit = unit;
    if (unit > maxUnit) maxUnit = unit;
  }
  if (minUnit === Infinity) return values.map(() => 0n);
  if (Number.isFinite(minUnit) && maxUnit - minUnit + 53 <= 1020) {
    const half = Math.trunc(-minUnit / 2);
    const a = 2 ** half;
    const b = 2 ** (-minUnit - half);
    return values.map((x) => (x === 0 ? 0n : BigInt(x * a * b)));
  }
  const mant = new Array<bigint>(values.length);
  const exps = new Int32Array(values.length);
  let minE = Infinity;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (!Number.isFinite(x) || x < 0) throw new Error(`weight #${i} is ${x}: weights must be finite and non-negative`);
    if (x === 0) {
      mant[i] = 0n;
      continue;
    }
    view.setFloat64(0, x);
    const hi = view.getUint32(0);
    const lo = view.getUint32(4);
    const bexp = (hi >>> 20) & 0x7ff;
    const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
    mant[i] = bexp === 0 ? frac : frac | (1n << 52n);
    exps[i] = bexp === 0 ? -1074 : bexp - 1075;
    if (exps[i] < minE) minE = exps[i];
  }
  return mant.map((m, i) => (m === 0n ? 0n : m << BigInt(exps[i] - minE)));
}
