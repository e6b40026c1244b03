// Parquet encoding of step outputs goes through the codec thread and must give the same bytes as
// encoding inline (artifact digests depend on it); utf8Vector builds the same
// column as apache-arrow's builder.
import { makeVector, Table, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { closeKernelPool } from '../src/compute/kernel-pool.js';
import { ipcToParquet } from '../src/artifact/parquet-codec.js';
import { parquetToTable, tableToParquet } from '../src/artifact/table-io.js';
import { utf8Vector } from '../src/artifact/utf8-vector.js';

afterAll(closeKernelPool);

const strings = (n: number): (string | null)[] =>
  Array.from({ length: n }, (_, i) => (i % 11 === 3 ? null : i % 7 === 0 ? '' : `record ${i}: Ünïcödé ✓ 日本語 ${'x'.repeat(i % 50)}`));

describe('utf8Vector', () => {
  it('holds the same values, nulls and empty strings as vectorFromArray, and encodes to the same Parquet bytes', async () => {
    const values = strings(5000);
    const ours = utf8Vector(values);
    const theirs = vectorFromArray(values, new Utf8());
    expect(ours.nullCount).toBe(theirs.nullCount);
    expect(ours.toArray()).toEqual(theirs.toArray());
    const a = await tableToParquet(new Table({ s: ours, n: makeVector(Int32Array.from(values, (_, i) => i)) }));
    const b = await tableToParquet(new Table({ s: theirs, n: makeVector(Int32Array.from(values, (_, i) => i)) }));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('handles a column without nulls and an empty column', () => {
    expect(utf8Vector(['a', 'bé']).toArray()).toEqual(['a', 'bé']);
    expect(utf8Vector([]).length).toBe(0);
  });
});

describe('tableToParquet / parquetToTable through the codec thread', () => {
  it('gives the inline bytes for a large table, and reads it back', async () => {
    const values = strings(40_000);
    const table = new Table({ s: utf8Vector(values) });
    const ipc = tableToIPC(table, 'stream');
    expect(ipc.byteLength).toBeGreaterThan(1 << 20);
    const inline = await ipcToParquet({ ipc });
    const threaded = await tableToParquet(table);
    expect(Buffer.from(threaded).equals(Buffer.from(inline))).toBe(true);
    const back = await parquetToTable(threaded);
    expect(back.numRows).toBe(values.length);
    expect(back.getChild('s')!.toArray()).toEqual(values);
  }, 60_000);
});
