// Corpora for the dedupe and quality benchmarks: MedQuAD (read from ../shared/corpora when
// present, never copied) and a synthetic corpus generated here from a seeded vocabulary.
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { corpusPath } from '@datanet/pipelines/testing';
import { encodeStrings, type TextBytes } from '@datanet/connector-duckdb';
import { mulberry32 } from '../src/hash.js';

/** Texts as the UTF-8 column the operator reads from Arrow memory (encodeStrings' layout: one buffer, offsets). */
export function packTexts(texts: string[]): TextBytes & { texts: string[] } {
  return { ...encodeStrings(texts), texts };
}

export interface MedQuadRecord {
  id: string;
  source: string;
  answer: string;
  focus: string;
}

/** MedQuAD's rows as published (id, source, focus, qtype, question, answer, ...). */
export function loadMedQuadRows(): Record<string, string>[] | undefined {
  const path = corpusPath('medquad/medquad_with_answers.jsonl.gz');
  if (!path || !existsSync(path)) return undefined;
  return gunzipSync(readFileSync(path))
    .toString('utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

export function loadMedQuad(): MedQuadRecord[] | undefined {
  return loadMedQuadRows()?.map((r, i) => ({ id: `${r.source}:${r.id}:${i}`, source: r.source, answer: r.answer, focus: r.focus }));
}

/**
 * Synthetic documents: Zipf-distributed words from a generated vocabulary, sentences and
 * paragraphs, with `dupRate` of documents being light edits of an earlier one, so the
 * clustering stage has real work. Text only (bytes), to build hundreds of MB quickly.
 */
export function syntheticCorpus(
  targetBytes: number,
  seed = 42,
  dupRate = 0.05,
): { bytes: Uint8Array; offsets: Int32Array; length: number; injected: number } {
  const rand = mulberry32(seed);
  const r = () => rand() / 4294967296;
  const letters = 'etaoinshrdlcumwfgypbvkjxqz';
  const vocab: Uint8Array[] = [];
  for (let i = 0; i < 50_000; i++) {
    const len = 2 + Math.floor(r() * 9);
    let w = '';
    for (let k = 0; k < len; k++) w += letters[Math.floor(Math.pow(r(), 1.5) * letters.length)];
    vocab.push(new TextEncoder().encode(w));
  }
  const zipf = () => {
    const u = r();
    return vocab[Math.min(vocab.length - 1, Math.floor(u * u * u * vocab.length))];
  };
  const bytes = new Uint8Array(targetBytes + 64 * 1024);
  const offsets: number[] = [];
  let pos = 0;
  let injected = 0;
  while (pos < targetBytes) {
    offsets.push(pos);
    const n = offsets.length;
    if (n > 10 && r() < dupRate) {
      // Copy an earlier document, changing about one word in a hundred (Jaccard ~0.95).
      injected++;
      const src = Math.floor(r() * (n - 1));
      const from = offsets[src];
      const to = offsets[src + 1];
      for (let i = from; i < to && pos < bytes.length - 16; i++) {
        let b = bytes[i];
        if (b >= 0x61 && b <= 0x7a && bytes[i - 1] === 0x20 && r() < 0.01) b = 0x71;
        bytes[pos++] = b;
      }
      continue;
    }
    const words = 80 + Math.floor(r() * 600);
    for (let k = 0; k < words && pos < bytes.length - 32; k++) {
      const w = zipf();
      for (let q = 0; q < w.length; q++) bytes[pos++] = w[q];
      bytes[pos++] = k % 17 === 16 ? 0x2e : 0x20;
      if (k % 17 === 16) bytes[pos++] = k % 85 === 84 ? 0x0a : 0x20;
    }
  }
  offsets.push(pos);
  return { bytes: bytes.subarray(0, pos), offsets: Int32Array.from(offsets), length: offsets.length - 1, injected };
}
