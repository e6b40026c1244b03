import { describe, expect, it } from 'vitest';
import { NF4_LEVELS, dequantizeNf4, nf4Bytes, quantizeNf4 } from '../src/builtin/nf4.js';
import { normalArray, seededRandom } from '../src/builtin/rng.js';

describe('NF4 quantisation', () => {
  const n = 64 * 512;
  const weights = normalArray(n, 0.02, seededRandom(7));

  it('reproduces values that sit on NF4 levels exactly (single quantisation)', () => {
    const block = Float32Array.from({ length: 64 }, (_, i) => NF4_LEVELS[i % 16] * 0.5);
    const q = quantizeNf4(block, [64], 64, false);
    expect(Array.from(dequantizeNf4(q))).toEqual(Array.from(block));
  });

  it('keeps the error of normal weights within a fraction of their scale, with and without double quantisation', () => {
    for (const dq of [false, true]) {
      const back = dequantizeNf4(quantizeNf4(weights, [n], 64, dq));
      let se = 0;
      let ss = 0;
      for (let i = 0; i < n; i++) {
        se += (back[i] - weights[i]) ** 2;
        ss += weights[i] ** 2;
      }
      // NF4 on Gaussian weights: relative RMS error around 0.1; double quantisation adds little.
      expect(Math.sqrt(se / ss)).toBeLessThan(0.13);
    }
  });

  it('stores 4 bits per weight plus 8-bit scales with double quantisation (32-bit without)', () => {
    const single = nf4Bytes(quantizeNf4(weights, [n], 64, false));
    const double = nf4Bytes(quantizeNf4(weights, [n], 64, true));
    expect(single).toBe(n / 2 + (n / 64) * 4);
    expect(double).toBe(n / 2 + n / 64 + Math.ceil(n / 64 / 256) * 4 + 4);
    // bits per parameter: 4.5 single, ~4.127 double (the QLoRA paper's 4.127).
    expect((double * 8) / n).toBeCloseTo(4.127, 2);
    expect(1 - double / (n * 4)).toBeGreaterThan(0.87);
  });

  it('handles a last partial block and an all-zero block', () => {
    const data = new Float32Array(100);
    data[99] = 3;
    const back = dequantizeNf4(quantizeNf4(data, [100], 64, true));
    expect(back.slice(0, 64).every((v) => v === 0)).toBe(true);
    expect(back[99]).toBeCloseTo(3, 1);
  });
});
