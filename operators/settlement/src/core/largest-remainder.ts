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
  const rems = new Array<bigint>(weights.length);
  let given = 0n;
  for (let i = 0; i < weights.length; i++) {
    const q = total * weights[i];
    out[i] = q / sum;
    rems[i] = q % sum;
    given += out[i];
  }
  let left = Number(total - given);
  if (left === 0) return out;
  const order: number[] = [];
  for (let i = 0; i < weights.length; i++) if (rems[i] > 0n) order.push(i);
  order.sort((a, b) => (rems[a] > rems[b] ? -1 : rems[a] < rems[b] ? 1 : keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0));
  for (let k = 0; k < order.length && left > 0; k++, left--) out[order[k]] += 1n;
  return out;
}

/**
 * Exact integers proportional to non-negative finite doubles: every double is m * 2^e, so scaling
 * all of them by 2^-min(e) keeps their ratios exactly (no rounding, order preserved strictly).
 */
export function exactIntegerWeights(values: readonly number[]): bigint[] {
  const view = new DataView(new ArrayBuffer(8));
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
