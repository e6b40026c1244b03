// A large tokenized corpus for the attribution benchmark, generated from a seed (never committed):
// words drawn from a Zipf law (exponent 1) over a 50,000-word vocabulary, documents of 50-400
// words, and a fifth of the documents carrying one of 20,000 shared passages (boilerplate,
// quotations), so that queries find long spans that occur many times as well as once.
// Parts are written by pool threads (`writeCorpusPart` is a kernel), one file pair per part.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeTyped } from '../src/index-build/shard-files.js';
import { tokenIds } from '../src/tokenize/word-tokenizer.js';
import type { ShardInput } from '../src/index-build/build-shard.js';
import { addressOf, rng } from './synthetic-corpus.js';

export const CORPUS_VOCAB = 50_000;
const ZIPF_EXPONENT = 1;
const POOL_PASSAGES = 20_000;
const PASSAGE_SHARE = 0.2;
/** Documents per contribution (a contribution is a submitted batch of documents). */
export const DOCS_PER_CONTRIBUTION = 8;

const SYLLABLES = ['ka', 'lo', 'mi', 'ren', 'ta', 'sul', 'vo', 'ne', 'pri', 'dan', 'ox', 'el', 'qua', 'rim', 'zo', 'fe'];

/** The vocabulary, most frequent word first: distinct made-up words of letters only (one token each). */
export function corpusWords(): string[] {
  const words: string[] = [];
  const seen = new Set<string>();
  for (let k = 0; words.length < CORPUS_VOCAB; k++) {
    let w = '';
    for (let x = k + 1; x > 0; x = Math.floor(x / 16)) w += SYLLABLES[x % 16];
    if (!seen.has(w)) {
      seen.add(w);
      words.push(w);
    }
  }
  return words;
}

/** Walker's alias table for the Zipf law over ranks: one random number per word. */
function zipfSampler(r: () => number): () => number {
  const n = CORPUS_VOCAB;
  const w = Array.from({ length: n }, (_, k) => 1 / Math.pow(k + 1, ZIPF_EXPONENT));
  const total = w.reduce((a, b) => a + b, 0);
  const prob = new Float64Array(n);
  const alias = new Int32Array(n);
  const scaled = w.map((x) => (x * n) / total);
  const small: number[] = [];
  const large: number[] = [];
  scaled.forEach((p, k) => (p < 1 ? small : large).push(k));
  while (small.length && large.length) {
    const s = small.pop()!;
    const l = large.pop()!;
    prob[s] = scaled[s];
    alias[s] = l;
    scaled[l] += scaled[s] - 1;
    (scaled[l] < 1 ? small : large).push(l);
  }
  for (const k of [...small, ...large]) prob[k] = 1;
  return () => {
    const u = r() * n;
    const k = Math.floor(u);
    return u - k < prob[k] ? k : alias[k];
  };
}

/** Token ids (the tokenizer's hashes) of the vocabulary, by rank. */
export function wordHashes(words: string[]): Uint32Array {
  return Uint32Array.from(words, (w) => tokenIds(w)[0]);
}

/** The shared passages, as ranks; the same in every part. */
export function passagePool(seed: number): Int32Array[] {
  const r = rng(seed * 7919 + 1);
  const zipf = zipfSampler(r);
  return Array.from({ length: POOL_PASSAGES }, () => Int32Array.from({ length: 20 + Math.floor(r() * 100) }, zipf));
}

/** Fresh text (ranks) drawn from the same law, for queries that copy nothing. */
export function freshRanks(seed: number, length: number): Int32Array {
  return Int32Array.from({ length }, zipfSampler(rng(seed)));
}

export interface CorpusPartArgs {
  dir: string;
  part: number;
  tokens: number;
  seed: number;
}

/** Kernel: writes part `part` (`tokens` words) as part-NNNN.tokens.u32 (hashes) and part-NNNN.lengths.i32. */
export function writeCorpusPart(args: CorpusPartArgs): { docs: number; tokens: number } {
  const hashes = wordHashes(corpusWords());
  const pool = passagePool(args.seed);
  const r = rng(args.seed * 1_000_003 + args.part);
  const zipf = zipfSampler(r);
  const tokens = new Uint32Array(args.tokens);
  const lengths: number[] = [];
  let at = 0;
  while (at < args.tokens) {
    const start = at;
    const len = 50 + Math.floor(r() * 350);
    const passage = r() < PASSAGE_SHARE ? pool[Math.floor(r() * pool.length)] : undefined;
    const passageAt = Math.floor(r() * len);
    for (let i = 0; i < len && at < args.tokens; i++) {
      if (passage && i === passageAt) for (let j = 0; j < passage.length && at < args.tokens; j++) tokens[at++] = hashes[passage[j]];
      if (at < args.tokens) tokens[at++] = hashes[zipf()];
    }
    lengths.push(at - start);
  }
  mkdirSync(args.dir, { recursive: true });
  writeTyped(partPath(args.dir, args.part, 'tokens.u32'), tokens);
  writeTyped(partPath(args.dir, args.part, 'lengths.i32'), Int32Array.from(lengths));
  return { docs: lengths.length, tokens: at };
}

const partPath = (dir: string, part: number, ext: string) => join(dir, `part-${String(part).padStart(4, '0')}.${ext}`);

/** A part read back as a shard's input: documents grouped into contributions of DOCS_PER_CONTRIBUTION. */
export function readCorpusPart(dir: string, part: number): ShardInput {
  const view = <T>(buf: Buffer, C: { new (b: ArrayBuffer, o: number, l: number): T; BYTES_PER_ELEMENT: number }): T =>
    new C(buf.buffer as ArrayBuffer, buf.byteOffset, buf.byteLength / C.BYTES_PER_ELEMENT);
  const tokens = view(readFileSync(partPath(dir, part, 'tokens.u32')), Uint32Array);
  const docLengths = view(readFileSync(partPath(dir, part, 'lengths.i32')), Int32Array);
  const docContrib = Int32Array.from({ length: docLengths.length }, (_, k) => Math.floor(k / DOCS_PER_CONTRIBUTION));
  const contributions = Array.from({ length: docContrib[docContrib.length - 1] + 1 }, (_, c): [string, string] => [
    `p${part}-c${c}`,
    addressOf((part * 1_000_003 + c) % 100_000),
  ]);
  return { tokens, docLengths, docContrib, contributions };
}
