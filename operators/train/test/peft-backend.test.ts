import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { peftScriptArgs } from '../src/peft/peft-args.js';
import { PEFT_SCRIPT, runJsonLinesProcess, trainWithPeft } from '../src/peft/run-peft.js';
import { parseLoraSpec } from '../src/spec/lora-spec.js';
import { MODELS_DIR, DEFAULT_BASE_MODEL } from '../src/builtin/model-config.js';
import { PEFT_GENERATE_SCRIPT, generateWithPeft, peftGenerateArgs } from '../src/peft/generate-peft.js';
import { writeFile } from 'node:fs/promises';
import { runOperator } from '@datanet/pipelines/testing';
import { inferenceGenerate } from '../src/index.js';

const files = { trainFile: '/t/train.jsonl', evalFile: '/t/eval.jsonl', outputDir: '/t/out' };
const flag = (args: string[], name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);

const python = spawnSync('python3', ['--version']).status === 0;
const torch = python && spawnSync('python3', ['-c', 'import torch, transformers, peft'], { stdio: 'ignore' }).status === 0;
const torchSkip = 'skipped: python3 -c "import torch, transformers, peft" fails on this machine (the peft backend runs on GPU workers)';
if (!torch) console.warn(torchSkip);

describe('spec -> train_peft.py arguments', () => {
  it('passes every LoRA field', () => {
    const args = peftScriptArgs(
      parseLoraSpec({
        baseModel: 'm',
        r: 16,
        alpha: 32,
        dropout: 0.1,
        targetModules: ['q_proj', 'v_proj'],
        rsLora: true,
        learningRate: 1e-4,
        lrScheduler: 'linear',
        epochs: 2,
        batchSize: 4,
        gradientAccumulation: 8,
        maxSeqLength: 512,
        seed: 7,
        maxSteps: 100,
        warmupRatio: 0.1,
        weightDecay: 0.01,
      }),
      files,
    );
    expect(flag(args, '--base-model')).toBe('m');
    expect(flag(args, '--method')).toBe('lora');
    expect(flag(args, '--r')).toBe('16');
    expect(flag(args, '--lora-alpha')).toBe('32');
    expect(flag(args, '--lora-dropout')).toBe('0.1');
    expect(flag(args, '--target-modules')).toBe('q_proj,v_proj');
    expect(flag(args, '--learning-rate')).toBe('0.0001');
    expect(flag(args, '--lr-scheduler')).toBe('linear');
    expect(flag(args, '--epochs')).toBe('2');
    expect(flag(args, '--batch-size')).toBe('4');
    expect(flag(args, '--grad-accum')).toBe('8');
    expect(flag(args, '--max-seq-length')).toBe('512');
    expect(flag(args, '--seed')).toBe('7');
    expect(flag(args, '--max-steps')).toBe('100');
    expect(flag(args, '--warmup-ratio')).toBe('0.1');
    expect(flag(args, '--weight-decay')).toBe('0.01');
    expect(args).toContain('--use-rslora');
    expect(args).not.toContain('--load-in-4bit');
    expect(flag(args, '--output-dir')).toBe('/t/out');
  });

  it('turns QLoRA into bitsandbytes NF4 flags', () => {
    const args = peftScriptArgs(
      parseLoraSpec({ method: 'qlora', targetModules: 'all-linear', quantization: { computeDtype: 'float16' } }),
      files,
    );
    expect(args).toContain('--load-in-4bit');
    expect(args).toContain('--bnb-4bit-use-double-quant');
    expect(flag(args, '--bnb-4bit-quant-type')).toBe('nf4');
    expect(flag(args, '--bnb-4bit-compute-dtype')).toBe('float16');
    expect(flag(args, '--target-modules')).toBe('all-linear');
    const eight = peftScriptArgs(parseLoraSpec({ quantization: { bits: 8, type: 'int8' } }), files);
    expect(eight).toContain('--load-in-8bit');
    expect(eight).not.toContain('--load-in-4bit');
  });

  it.skipIf(!python)('is accepted by the script itself (argparse runs before the torch import)', () => {
    const args = peftScriptArgs(parseLoraSpec({ method: 'qlora', rsLora: true, maxSteps: 3 }), files);
    const help = execFileSync('python3', [PEFT_SCRIPT, '--help'], { encoding: 'utf8' });
    for (const a of args.filter((x) => x.startsWith('--'))) expect(help).toContain(a);
    const bad = spawnSync('python3', [PEFT_SCRIPT, ...args, '--no-such-flag'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
  });
});

describe.skipIf(!python)('worker process control', () => {
  it('streams JSON lines and reports a worker error clearly', async () => {
    const events: string[] = [];
    const script =
      'import json,sys\nprint(json.dumps({"event":"progress","step":1,"total":2}),flush=True)\nprint("plain log line")\nprint(json.dumps({"event":"error","message":"boom: no GPU"}),flush=True)\nsys.exit(3)';
    await expect(runJsonLinesProcess({ command: 'python3', args: ['-c', script], onEvent: (e) => events.push(e.event) })).rejects.toThrow(
      /peft worker exited with code 3: boom: no GPU/,
    );
    expect(events).toEqual(['progress', 'error']);
  });

  it('sends SIGTERM, then SIGKILL, on abort and rejects with the abort reason', async () => {
    // The worker ignores SIGTERM, so only the SIGKILL after the grace period ends it.
    const script =
      'import json,signal,time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nfor i in range(1000):\n  print(json.dumps({"event":"progress","step":i,"total":1000}),flush=True)\n  time.sleep(0.05)';
    const controller = new AbortController();
    const started = Date.now();
    const run = runJsonLinesProcess({
      command: 'python3',
      args: ['-c', script],
      signal: controller.signal,
      killGraceSeconds: 0.5,
      onEvent: (e) => {
        if (e.event === 'progress' && e.step === 2) controller.abort(new Error('step timed out'));
      },
    });
    await expect(run).rejects.toThrow('step timed out');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it.skipIf(torch)('says the peft backend needs torch where it is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'peft-'));
    await expect(
      trainWithPeft({ spec: parseLoraSpec({ maxSteps: 1 }), train: ['a b'], eval: ['c d'], outDir: join(dir, 'out'), workDir: dir }),
    ).rejects.toThrow(/needs torch, transformers and peft/);
    expect(await readFile(join(dir, 'train.jsonl'), 'utf8')).toBe('{"text":"a b"}\n');
  });
});

describe.skipIf(!torch)('peft backend with torch', () => {
  it('trains a LoRA adapter on the shipped tiny Llama and writes PEFT files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'peft-'));
    const texts = Array.from({ length: 32 }, (_, i) => `Question: what is ${i}?\nAnswer: ${i} is a number.`);
    const done = await trainWithPeft({
      spec: parseLoraSpec({ baseModel: join(MODELS_DIR, DEFAULT_BASE_MODEL), maxSteps: 5, batchSize: 4, learningRate: 1e-3 }),
      train: texts.slice(0, 24),
      eval: texts.slice(24),
      outDir: join(dir, 'out'),
      workDir: dir,
    });
    expect(done.steps).toBe(5);
    const config = JSON.parse(await readFile(join(dir, 'out', 'adapter_config.json'), 'utf8'));
    expect(config.peft_type).toBe('LORA');
  }, 300_000);
});

describe('peft inference', () => {
  it('takes the base model from the adapter config and resolves shipped names to their folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'peft-gen-'));
    await writeFile(join(dir, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', base_model_name_or_path: DEFAULT_BASE_MODEL }));
    const args = await peftGenerateArgs({ adapterDir: dir, promptsFile: '/p.jsonl', maxNewTokens: 9, temperature: 0.5, topK: 4, seed: 3 });
    expect(flag(args, '--base-model')).toBe(join(MODELS_DIR, DEFAULT_BASE_MODEL));
    expect(flag(args, '--adapter')).toBe(dir);
    expect([flag(args, '--max-new-tokens'), flag(args, '--temperature'), flag(args, '--top-k'), flag(args, '--seed')]).toEqual([
      '9',
      '0.5',
      '4',
      '3',
    ]);
    const hub = await peftGenerateArgs({
      baseModel: 'Qwen/Qwen3-4B',
      promptsFile: '/p.jsonl',
      maxNewTokens: 1,
      temperature: 0,
      topK: 0,
      seed: 0,
    });
    expect(flag(hub, '--base-model')).toBe('Qwen/Qwen3-4B');
    expect(hub).not.toContain('--adapter');
    if (python) {
      const help = execFileSync('python3', [PEFT_GENERATE_SCRIPT, '--help'], { encoding: 'utf8' });
      for (const a of args.filter((x) => x.startsWith('--'))) expect(help).toContain(a);
    }
  });

  it.skipIf(torch || !python)('inference.generate with backend peft says what is missing', async () => {
    await expect(runOperator(inferenceGenerate, { config: { backend: 'peft', prompts: ['hi'] } })).rejects.toThrow(
      /peft inference needs torch and transformers/,
    );
  });

  it.skipIf(!torch)(
    'generates with transformers on the shipped model',
    async () => {
      const workDir = await mkdtemp(join(tmpdir(), 'peft-gen-'));
      const out = await generateWithPeft({
        prompts: ['Question: what is 1?\nAnswer:'],
        baseModel: DEFAULT_BASE_MODEL,
        maxNewTokens: 4,
        temperature: 0,
        topK: 0,
        seed: 0,
        workDir,
      });
      expect(out[0].outputTokens).toBeGreaterThan(0);
    },
    300_000,
  );
});
