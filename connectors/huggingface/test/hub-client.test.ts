import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  HubError,
  listRepoFiles,
  pullDatasetVersion,
  pullFile,
  pullFolder,
  pushDatasetVersion,
  pushFolder,
  type HubTarget,
} from '../src/index.js';
import { HubTestServer } from './hub-test-server.js';

const TOKEN = 'hf_testTokenThatMustNeverBeLogged123';
const server = new HubTestServer(TOKEN);
const dir = mkdtempSync(join(tmpdir(), 'hf-conn-'));
let hubUrl = '';

beforeAll(async () => {
  hubUrl = await server.start();
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('Hugging Face Hub connector against a local hub', () => {
  it('pushes a dataset version (Parquet, Croissant, manifest, card) and pulls back identical bytes', async () => {
    const src = join(dir, 'src');
    mkdirSync(src);
    const parquet = Buffer.alloc(300_000);
    for (let i = 0; i < parquet.length; i++) parquet[i] = (i * 31 + (i >> 8)) & 0xff;
    writeFileSync(join(src, 'dataset.parquet'), parquet);
    writeFileSync(join(src, 'croissant.json'), JSON.stringify({ '@type': 'sc:Dataset', name: 'medical-qa' }));
    writeFileSync(join(src, 'manifest.json'), '{"format":"x"}');
    const target: HubTarget = { hubUrl, repo: 'datanet/medical-qa', type: 'dataset', token: TOKEN };
    const version = {
      name: 'medical-qa@3',
      parquetPath: join(src, 'dataset.parquet'),
      croissantPath: join(src, 'croissant.json'),
      manifestPath: join(src, 'manifest.json'),
      license: 'https://creativecommons.org/licenses/by/4.0/',
      merkleRoot: '0x' + 'ab'.repeat(32),
      rows: 1234,
      parentVersion: 2,
    };
    const pushed = await pushDatasetVersion(target, version);
    expect(pushed.files).toEqual(['README.md', 'croissant.json', 'data/dataset.parquet', 'manifest.json']);
    expect(pushed.commit).toMatch(/^[0-9a-f]{40}$/);
    // Pushing again to the existing repo is a new commit, not a failure.
    await pushDatasetVersion(target, version);
    expect(server.repos.get('dataset:datanet/medical-qa')?.commits.length).toBe(2);

    const out = join(dir, 'pulled');
    const got = await pullDatasetVersion(target, out);
    expect(readFileSync(got.parquet!).equals(parquet)).toBe(true);
    expect(readFileSync(got.croissant!, 'utf8')).toBe(readFileSync(join(src, 'croissant.json'), 'utf8'));
    const card = readFileSync(got.readme!, 'utf8');
    const front = parse(card.split('---')[1]);
    expect(front.license).toBe('cc-by-4.0');
    expect(front.configs[0].data_files[0].path).toBe('data/dataset.parquet');
    expect(card).toContain('Parent version: medical-qa@2');
    expect(server.requests.some((r) => r.url.includes('/resolve/main/data/dataset.parquet'))).toBe(true);
  });

  it('pushes an adapter folder to a model repo and pulls the folder back', async () => {
    const adapter = join(dir, 'adapter');
    mkdirSync(join(adapter, 'extra'), { recursive: true });
    writeFileSync(join(adapter, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: 8 }));
    writeFileSync(join(adapter, 'adapter_model.safetensors'), Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]));
    writeFileSync(join(adapter, 'extra', 'README.md'), '# card');
    const target: HubTarget = { hubUrl, repo: 'datanet/medical-lora', type: 'model', token: TOKEN };
    await pushFolder(target, adapter, 'adapter v1');
    expect((await listRepoFiles(target)).map((f) => f.path)).toEqual([
      'adapter_config.json',
      'adapter_model.safetensors',
      'extra/README.md',
    ]);
    const out = join(dir, 'adapter-pulled');
    const files = await pullFolder(target, out);
    expect(files.sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors', 'extra/README.md']);
    expect([...readFileSync(join(out, 'adapter_model.safetensors'))]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(server.requests.filter((r) => r.url.startsWith('/datanet/medical-lora/resolve/')).length).toBeGreaterThan(0);
    expect(await pullFile(target, 'missing.bin', join(out, 'missing.bin'))).toBe(false);
  });

  it('takes the token from HF_TOKEN and never puts it in an error', async () => {
    process.env.HF_TOKEN = TOKEN;
    try {
      const files = await listRepoFiles({ hubUrl, repo: 'datanet/medical-lora', type: 'model' });
      expect(files.length).toBe(3);
    } finally {
      delete process.env.HF_TOKEN;
    }
    const wrong = 'hf_wrongSecretValue987654';
    const err = await pushFolder({ hubUrl, repo: 'datanet/x', type: 'model', token: wrong }, join(dir, 'adapter'), 't').catch((e) => e);
    expect(err).toBeInstanceOf(HubError);
    expect(err.status).toBe(401);
    expect(err.message).toMatch(/creating model datanet\/x at http:\/\/127\.0\.0\.1:\d+ failed: Invalid credentials/);
    expect(err.message).not.toContain(wrong);
    expect(JSON.stringify(err)).not.toContain(wrong);
  });
});
