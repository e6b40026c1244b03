import { tableFromArrays } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { encodeStrings, textBytes } from '../src/index.js';

const decode = (t: { bytes: Uint8Array; offsets: ArrayLike<number> }, i: number) =>
  new TextDecoder().decode(t.bytes.subarray(t.offsets[i], t.offsets[i + 1]));

describe('encodeStrings', () => {
  const values = ['plain', null, '', 'Müller, J. – Ærø', '漢字とかな', 'emoji 🧬 and a lone \ud800 surrogate', undefined, 'x'.repeat(5000)];

  it('writes every string as TextEncoder would, in one buffer of its own, nulls empty', () => {
    const t = encodeStrings(values);
    expect(t.length).toBe(values.length);
    const enc = new TextEncoder();
    const expected = values.map((v) => enc.encode(v ?? ''));
    expect(t.bytes.byteLength).toBe(expected.reduce((s, e) => s + e.length, 0));
    expect(t.bytes.byteOffset).toBe(0);
    expect(t.bytes.buffer.byteLength).toBe(t.bytes.byteLength); // safe to transfer to a kernel thread
    values.forEach((v, i) => {
      expect(t.bytes.subarray(t.offsets[i], t.offsets[i + 1])).toEqual(expected[i]);
      expect(decode(t, i)).toBe(new TextDecoder().decode(expected[i]));
    });
    expect(decode(t, 5)).toContain('\ufffd');
  });

  it('gives the layout textBytes reads from Arrow memory', () => {
    const strings = values.map((v) => v ?? null);
    const fromArrow = textBytes(tableFromArrays({ text: strings }), 'text');
    const packed = encodeStrings(strings);
    expect(Array.from(packed.offsets)).toEqual(Array.from(fromArrow.offsets));
    expect(packed.bytes).toEqual(fromArrow.bytes);
  });
});
