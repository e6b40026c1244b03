// Pretrains the shipped base model once: `npx tsx operators/train/scripts/pretrain.ts [outDir]`.
// Text: the English prose of the Markdown documentation installed under node_modules (present on
// any machine after `npm ci`; never the Datanet corpora). Deterministic for SEED on the wasm backend.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { globSync } from 'tinyglobby';
import type { Variable } from '@tensorflow/tfjs';
import { encodeSafetensors } from '../src/adapter/safetensors.js';
import { AdamW, scheduledLr } from '../src/builtin/adam.js';
import {
  LINEAR_MODULES,
  linearName,
  linearShape,
  MODELS_DIR,
  DEFAULT_BASE_MODEL,
  type TinyLlamaConfig,
} from '../src/builtin/model-config.js';
import { normalArray, seededRandom } from '../src/builtin/rng.js';
import { loadTf } from '../src/builtin/tf.js';
import { BOS, BYTE_TOKENIZER, BYTE_VOCAB_SIZE, EOS } from '../src/builtin/tokenizer.js';
import { lmLoss, tensorProvider } from '../src/builtin/transformer.js';

const SEED = 20261124;
const STEPS = Number(process.env.PRETRAIN_STEPS ?? 1500);
const BATCH = 16;
const SEQ = 128;
const LR = 3e-3;
const MAX_TEXT_BYTES = 3_000_000;
const outDir = process.argv[2] ?? join(MODELS_DIR, DEFAULT_BASE_MODEL);
const repoRoot = join(MODELS_DIR, '../../..');

export const CONFIG: TinyLlamaConfig = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  hidden_size: 64,
  intermediate_size: 176,
  num_hidden_layers: 3,
  num_attention_heads: 4,
  num_key_value_heads: 4,
  vocab_size: BYTE_VOCAB_SIZE,
  max_position_embeddings: 512,
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
  tie_word_embeddings: false,
};

/** Keeps the prose paragraphs of a Markdown file: no code, tables, HTML, link targets or badges. */
function prose(markdown: string): string[] {
  const noCode = markdown.replace(/```[\s\S]*?```/g, '').replace(/~~~[\s\S]*?~~~/g, '');
  return noCode
    .split(/\n\s*\n/)
    .map((p) =>
      p
        .replace(/<[^>]+>/g, '')
        .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
        .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
        .replace(/`([^`]*)`/g, '$1')
        .replace(/^#+\s*/gm, '')
        .replace(/[*_]{1,2}/g, '')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .filter(
      (p) =>
        p.length >= 80 &&
        /^[\x20-\x7e]+$/.test(p) &&
        (p.match(/[a-zA-Z ]/g)?.length ?? 0) / p.length > 0.85 &&
        !p.startsWith('|') &&
        !p.includes('http'),
    );
}

function corpus(): { bytes: Uint8Array; files: number; paragraphs: number } {
  const files = globSync('node_modules/**/*.md', { cwd: repoRoot, ignore: ['**/CHANGELOG*', '**/HISTORY*'] }).sort();
  const seen = new Set<string>();
  const out: number[] = [];
  let used = 0;
  for (const file of files) {
    for (const p of prose(readFileSync(join(repoRoot, file), 'utf8'))) {
      if (seen.has(p) || out.length >= MAX_TEXT_BYTES) continue;
      seen.add(p);
      out.push(BOS, ...Buffer.from(p, 'utf8'), EOS);
    }
    used++;
    if (out.length >= MAX_TEXT_BYTES) break;
  }
  return { bytes: Uint16Array.from(out) as unknown as Uint8Array, files: used, paragraphs: seen.size };
}

async function main() {
  const tf = await loadTf();
  const rand = seededRandom(SEED);
  const text = corpus();
  const data = text.bytes as unknown as Uint16Array;
  console.log(`pretraining text: ${data.length} tokens from ${text.paragraphs} paragraphs in ${text.files} files`);
  const holdout = Math.floor(data.length * 0.98);

  const init: Record<string, Float32Array> = {};
  const shapes: Record<string, number[]> = {};
  const add = (name: string, shape: number[], values: Float32Array) => {
    init[name] = values;
    shapes[name] = shape;
  };
  const D = CONFIG.hidden_size;
  add('model.embed_tokens.weight', [CONFIG.vocab_size, D], normalArray(CONFIG.vocab_size * D, 0.02, rand));
  for (let l = 0; l < CONFIG.num_hidden_layers; l++) {
    add(`model.layers.${l}.input_layernorm.weight`, [D], new Float32Array(D).fill(1));
    add(`model.layers.${l}.post_attention_layernorm.weight`, [D], new Float32Array(D).fill(1));
    for (const m of LINEAR_MODULES) {
      const [o, i] = linearShape(CONFIG, m);
      add(`${linearName(l, m)}.weight`, [o, i], normalArray(o * i, 0.02, rand));
    }
  }
  add('model.norm.weight', [D], new Float32Array(D).fill(1));
  add('lm_head.weight', [CONFIG.vocab_size, D], normalArray(CONFIG.vocab_size * D, 0.02, rand));
  const vars: Record<string, Variable> = {};
  for (const [n, v] of Object.entries(init)) vars[n] = tf.variable(tf.tensor(v, shapes[n]), true, n);
  const base = tensorProvider(vars);
  const opt = new AdamW(tf, 0.9, 0.95, 1e-8, 0.01);

  const window = (start: number, batch: Int32Array, b: number) => {
    for (let t = 0; t <= SEQ; t++) batch[b * (SEQ + 1) + t] = data[start + t];
  };
  const started = performance.now();
  for (let step = 0; step < STEPS; step++) {
    const batch = new Int32Array(BATCH * (SEQ + 1));
    for (let b = 0; b < BATCH; b++) window(Math.floor(rand() * (holdout - SEQ - 1)), batch, b);
    const lr = scheduledLr(LR, step, STEPS, Math.floor(STEPS * 0.05), 'cosine');
    const { value, grads } = tf.variableGrads(() => lmLoss(tf, CONFIG, base, batch, BATCH, SEQ + 1));
    const loss = (await value.data())[0];
    opt.step(vars, grads, lr);
    tf.dispose([value, ...Object.values(grads)]);
    if (step % 25 === 0 || step === STEPS - 1) {
      const secs = (performance.now() - started) / 1000;
      console.log(`step ${step} loss ${loss.toFixed(4)} lr ${lr.toExponential(2)} ${secs.toFixed(0)}s`);
    }
  }
  // Held-out loss over fixed windows of the last 2% of the text.
  const evalBatch = new Int32Array(BATCH * (SEQ + 1));
  for (let b = 0; b < BATCH; b++) window(holdout + b * SEQ, evalBatch, b);
  const heldOut = tf.tidy(() => lmLoss(tf, CONFIG, base, evalBatch, BATCH, SEQ + 1).dataSync()[0]);
  console.log(`held-out loss ${heldOut.toFixed(4)} nats/byte`);

  mkdirSync(outDir, { recursive: true });
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [n, v] of Object.entries(vars)) tensors[n] = { shape: shapes[n], data: v.dataSync() as Float32Array };
  const bytes = encodeSafetensors(tensors, { format: 'pt' });
  writeFileSync(join(outDir, 'model.safetensors'), bytes);
  writeFileSync(join(outDir, 'config.json'), JSON.stringify(CONFIG, null, 2) + '\n');
  writeFileSync(join(outDir, 'tokenizer.json'), JSON.stringify(BYTE_TOKENIZER, null, 2) + '\n');
  const digest = 'sha256:' + createHash('sha256').update(bytes).digest('hex');
  const card = {
    name: DEFAULT_BASE_MODEL,
    digest,
    seed: SEED,
    steps: STEPS,
    batch: BATCH,
    seq_len: SEQ,
    lr: LR,
    text: {
      source: 'Markdown prose under node_modules (package documentation)',
      tokens: data.length,
      paragraphs: text.paragraphs,
      files: text.files,
    },
    held_out_loss: heldOut,
    seconds: Math.round((performance.now() - started) / 1000),
    script: relative(repoRoot, join(MODELS_DIR, '../scripts/pretrain.ts')),
  };
  writeFileSync(join(outDir, 'pretraining.json'), JSON.stringify(card, null, 2) + '\n');
  console.log(JSON.stringify(card));
}

await main();
