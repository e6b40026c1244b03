import { describe, expect, it } from 'vitest';
import { runOperator } from '@datanet/pipelines/testing';
import { containmentIn, dedupeReuse } from '../src/index.js';
import { words } from '../src/reuse/passage-shingles.js';
import { prepare, REUSE_SHINGLES, ReuseMatcher } from '../src/reuse/reuse-matcher.js';
import { col, textTable as table } from './text-table.js';

// Written for this test. The revision changes about one word in four, as people asked to copy
// "with light edits" do: words replaced (group -> family, images -> pictures), inserted (the,
// any), dropped (the), swapped (already lost -> lost already), number and tense changed
// (symptoms -> symptom, develops -> developed, pushes -> pushing). Only 4 of its word 5-grams
// are left whole, none of them in the sampled quarter.
const source =
  'Glaucoma is a group of eye diseases that damage the optic nerve, which carries images from the eye to the brain. ' +
  'The most common form develops slowly as fluid pressure inside the eye rises and pushes on the nerve fibres. ' +
  'Many people notice no symptoms until side vision is already lost, which is why regular dilated eye exams matter. ' +
  'Treatment with eye drops, laser procedures or surgery can lower the pressure and slow further damage to sight.';
const revised =
  'Glaucoma is a family of eye diseases which damage the optic nerve, that carries the images from the eye to your brain. ' +
  'The most usual form developed slowly as fluid pressure in the eye rises and pushing on the nerve fibres. ' +
  'Many patients notice no symptom until side vision is lost already, which is why regular dilated eye checks matter. ' +
  'Treatments with eye drops, laser surgery or procedures can lower pressure and slow any further damage to sight.';
const padding = 'Our clinic opened a new wing last spring and the parking lot has been repaved for visitors with mobility needs.';
const copy = `${padding} ${revised}`;
// Same topic and vocabulary (glaucoma, eye, optic, pressure, drops, vision), written apart.
const independent =
  'Glaucoma care starts with measuring how well each eye sees at the edges of vision and photographing the optic disc. ' +
  'An ophthalmologist compares these results over years, because change over time says more than any single visit. ' +
  'Drops that lower eye pressure must be used every day, and patients who find them hard to use should say so, since laser ' +
  'treatment and surgery are other options that slow damage to the nerve.';

const PREVIOUS = { ...REUSE_SHINGLES, candidateKeys: 'sampled', candidateFloor: 0.5, gap: 0, minContainment: 0.25 } as const;

describe('dedupe.reuse on densely revised copies', () => {
  it('rejects a copy revised every few words, crediting its source, and keeps an independent answer on the same topic', async () => {
    const input = table([
      { id: 'src', text: source, t: 1 },
      { id: 'indep', text: independent, t: 2 },
      { id: 'dense', text: copy, t: 3 },
    ]);
    const { outputs } = await runOperator(dedupeReuse, { config: { orderColumn: 't' }, inputs: { table: input } });
    expect(col(outputs.kept.table, 'id')).toEqual(['src', 'indep']);
    expect(col(outputs.rejected.table, 'id')).toEqual(['dense']);
    expect(col(outputs.rejected.table, 'reason_code')).toEqual(['reused']);
    expect(col(outputs.rejected.table, 'source_id')).toEqual(['src']);

    const m = outputs.matches.table!;
    expect(col(m, 'id')).toEqual(['dense']);
    expect(col(m, 'source_id')).toEqual(['src']);
    // Most of the revised part's words are matched; the padding (a sixth of the record) is not.
    const [containment] = col(m, 'containment', true) as number[];
    expect(containment).toBeGreaterThan(0.5);
    expect(containment).toBeLessThan(0.85);
    // Spans are character offsets: each record span reads as the source span it came from, up to the edits.
    const spans = JSON.parse(String(col(m, 'spans')[0])) as number[][];
    const sourceSpans = JSON.parse(String(col(m, 'source_spans')[0])) as number[][];
    expect(spans.length).toBe(sourceSpans.length);
    expect(spans[0][0]).toBeGreaterThanOrEqual(padding.length);
    const firstWords = (t: string) =>
      t
        .toLowerCase()
        .match(/\p{L}+/gu)!
        .slice(0, 2)
        .join(' ');
    for (const [i, [start, end]] of spans.entries()) {
      const [sStart, sEnd] = sourceSpans[i];
      expect(end).toBeGreaterThan(start);
      expect(sEnd).toBeGreaterThan(sStart);
      expect(firstWords(copy.slice(start, end)).slice(0, 4)).toBe(firstWords(source.slice(sStart, sEnd)).slice(0, 4));
    }
    // Split around the edits: a changed inflection stays inside a span, a replaced word ends one.
    const texts = spans.map(([start, end]) => copy.slice(start, end));
    expect(texts).toContain('damage the optic nerve');
    expect(texts).toContain('form developed slowly as fluid pressure');
    expect(texts).toContain('further damage to sight');
  });

  it('is missed by shared 5-grams alone and found by the alignment over the edits', () => {
    const [r, s, i] = [copy, source, independent].map((t) => prepare(t, REUSE_SHINGLES));
    const before = containmentIn(r.words, r.shingles, s.words, s.shingles, 5, 0).containment;
    const after = containmentIn(r.words, r.shingles, s.words, s.shingles, 5, REUSE_SHINGLES.gap).containment;
    expect(before).toBeLessThan(0.25);
    expect(after).toBeGreaterThan(2 * before);
    // The independent answer shares no 5-gram to start from: nothing to walk on.
    expect(containmentIn(i.words, i.shingles, s.words, s.shingles, 5, REUSE_SHINGLES.gap).containment).toBe(0);

    const old = new ReuseMatcher(PREVIOUS);
    old.addSource('src', prepare(source, PREVIOUS));
    expect(old.match(prepare(copy, PREVIOUS))).toEqual([]);
    const now = new ReuseMatcher({ ...REUSE_SHINGLES, minContainment: 0.25 });
    now.addSource('src', prepare(source, REUSE_SHINGLES));
    expect(now.match(r).map((x) => x.sourceId)).toEqual(['src']);
    expect(now.match(i)).toEqual([]);
  });

  it('does not carry an alignment from a shared phrase into unrelated text', () => {
    // One 7-word phrase in common, then text that only shares short words with the source.
    const record =
      'In cattle the optic nerve, which carries images to the cortex, is thick; a vet checks it with a lamp and the herd book.';
    const [r, s] = [record, source].map((t) => prepare(t, REUSE_SHINGLES));
    const c = containmentIn(r.words, r.shingles, s.words, s.shingles, 5, REUSE_SHINGLES.gap);
    expect(c.spans.map((x) => record.slice(x.start, x.end))).toEqual(['the optic nerve, which carries images']);
  });

  it('compares word stems in the alignment, and keeps exact words for the shingles', () => {
    const w = words('Causes caused causing cause; gene genes; kiss');
    expect(new Set(w.stems.slice(0, 4)).size).toBe(1);
    expect(new Set(w.hashes.slice(0, 4)).size).toBe(4);
    expect(w.stems[4]).toBe(w.stems[5]);
    expect(w.stems[6]).not.toBe(w.stems[0]);
    // Offsets in UTF-16 code units of the text, letters and digits of any script.
    const t = 'Über 𝐀𝐁c naïve 中文 x²';
    const u = words(t);
    expect([...u.starts].map((s, i) => t.slice(s, u.ends[i]).toLowerCase())).toEqual(
      [...t.toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)].map((m) => m[0]),
    );
  });
});
