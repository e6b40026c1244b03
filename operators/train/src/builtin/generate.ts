import type { Tensor2D } from '@tensorflow/tfjs';
import { loadRuntime, type LoadedRuntime } from './adapter-runtime.js';
import { seededRandom } from './rng.js';
import { BOS, EOS, decode, encode, formatExample } from './tokenizer.js';
import { forward } from './transformer.js';
import { KvCache, forwardCached } from './kv-cache.js';

export interface GenerateOptions {
  maxNewTokens?: number;
  /** 0 (default) is greedy; above 0 samples with a seeded generator. */
  temperature?: number;
  topK?: number;
  seed?: number;
  /** Wrap the prompt as in training (`Question: ...\nAnswer:`); default true. */
  chatFormat?: boolean;
}

export interface Generation {
  output: string;
  promptTokens: number;
  outputTokens: number;
}

/** A loaded base (+ adapter) that generates deterministically for a given seed. */
export class BuiltinGenerator {
  private constructor(private readonly rt: LoadedRuntime) {}

  static async load(opts: { adapterDir?: string; baseModel?: string }): Promise<BuiltinGenerator> {
    return new BuiltinGenerator(await loadRuntime(opts));
  }

  get baseModel(): string {
    return this.rt.model.name;
  }
  get baseModelDigest(): string {
    return this.rt.model.digest;
  }
  get adapterDigest(): string | null {
    return this.rt.adapter?.digest ?? null;
  }

  /**
   * Greedy or seeded sampling. While the context fits the window, each new token runs one position
   * through the model against a KV cache; once it slides, every step re-reads the whole window (as
   * the model saw text in training: BOS first), exactly as generateFullContext does.
   */
  generate(prompt: string, opts: GenerateOptions = {}): Generation {
    const { tf } = this.rt;
    const { ids, window, maxNew } = this.setup(prompt, opts);
    const rand = seededRandom(opts.seed ?? 0);
    const out: number[] = [];
    const cache = new KvCache(tf);
    try {
      for (let i = 0; i < maxNew; i++) {
        const length = ids.length + out.length;
        let logits: Float32Array;
        if (length <= window) {
          const fresh = i === 0 ? ids : out.slice(-1);
          logits = this.step(fresh, cache);
        } else {
          // The window slid: position 0 now holds BOS and every position moved, so nothing cached still holds.
          const ctx = [...ids, ...out].slice(-window);
          ctx[0] = BOS;
          const fresh = new KvCache(tf);
          try {
            logits = this.step(ctx, fresh);
          } finally {
            fresh.dispose();
          }
        }
        const next = pick(logits, opts.temperature ?? 0, opts.topK ?? 0, rand);
        if (next === EOS) break;
        out.push(next);
      }
    } finally {
      cache.dispose();
    }
    return { output: decode(out).trim(), promptTokens: ids.length, outputTokens: out.length };
  }

  /** The pre-cache path: the whole context through the model for every token. Kept as the benchmark's baseline. */
  generateFullContext(prompt: string, opts: GenerateOptions = {}): Generation {
    const { ids, window, maxNew } = this.setup(prompt, opts);
    const rand = seededRandom(opts.seed ?? 0);
    const out: number[] = [];
    for (let i = 0; i < maxNew; i++) {
      const logits = this.lastLogits([...ids, ...out], window);
      const next = pick(logits, opts.temperature ?? 0, opts.topK ?? 0, rand);
      if (next === EOS) break;
      out.push(next);
    }
    return { output: decode(out).trim(), promptTokens: ids.length, outputTokens: out.length };
  }

  private setup(prompt: string, opts: GenerateOptions): { ids: number[]; window: number; maxNew: number } {
    const text = opts.chatFormat === false ? prompt : formatExample(prompt);
    const ids = encode(text, { bos: true });
    const window = Math.min(this.rt.model.config.max_position_embeddings, this.rt.state?.max_seq_length ?? 256);
    return { ids, window, maxNew: opts.maxNewTokens ?? 64 };
  }

  /** Logits after running `ids` through the model on top of `cache`. */
  private step(ids: number[], cache: KvCache): Float32Array {
    const { tf, model, base, lora } = this.rt;
    let logits: Float32Array | undefined;
    // Assigned, not returned: tfjs walks a tidy's return value looking for tensors, typed arrays element by element.
    tf.tidy(() => {
      logits = forwardCached(tf, model.config, base.provider, Int32Array.from(ids), cache, lora).dataSync() as Float32Array;
    });
    return logits!;
  }

  private lastLogits(seq: number[], window: number): Float32Array {
    const { tf, model, base, lora } = this.rt;
    const ctx = seq.slice(-window);
    if (ctx[0] !== BOS && ctx.length === window) ctx[0] = BOS;
    return tf.tidy(() => {
      const all = forward(tf, model.config, base.provider, tf.tensor2d(Int32Array.from(ctx), [1, ctx.length], 'int32') as Tensor2D, lora);
      return all.slice([ctx.length - 1, 0], [1, model.config.vocab_size]).dataSync() as Float32Array;
    });
  }

  dispose(): void {
    this.rt.dispose();
  }
}

function pick(logits: Float32Array, temperature: number, topK: number, rand: () => number): number {
  // Specials other than EOS are never produced.
  const usable = Array.from(logits.slice(0, EOS + 1));
  if (temperature <= 0) return usable.indexOf(Math.max(...usable));
  let idx = usable.map((_, i) => i);
  if (topK > 0) idx = idx.sort((a, b) => usable[b] - usable[a] || a - b).slice(0, topK);
  const max = Math.max(...idx.map((i) => usable[i]));
  const weights = idx.map((i) => Math.exp((usable[i] - max) / temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  let r = rand() * total;
  for (let k = 0; k < idx.length; k++) {
    r -= weights[k];
    if (r <= 0) return idx[k];
  }
  return idx[idx.length - 1];
}
