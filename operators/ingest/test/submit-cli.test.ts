import { describe, expect, it } from 'vitest';
import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { encryptKeystoreJson } from 'ethers';
import { REPO_ROOT } from '@datanet/pipelines/testing';
import { SUBMISSION_FILE, checkSignature } from '../src/index.js';
import { qaJsonl, tempDir, wallet } from './fixtures.js';

const mainFile = join(REPO_ROOT, 'pipelines/src/cli/main.ts');

async function cli(
  args: string[],
  stateDir: string,
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  const { main } = (await import(pathToFileURL(mainFile).href)) as { main: (argv: string[]) => Promise<number> };
  const out: string[] = [];
  const err: string[] = [];
  const [write, ewrite] = [process.stdout.write.bind(process.stdout), process.stderr.write.bind(process.stderr)];
  Object.assign(process.env, { DATANET_STATE_DIR: stateDir, ...env });
  process.stdout.write = ((c: string | Uint8Array) => (out.push(String(c)), true)) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => (err.push(String(c)), true)) as typeof process.stderr.write;
  try {
    return { code: await main(args), out: out.join(''), err: err.join('') };
  } finally {
    process.stdout.write = write;
    process.stderr.write = ewrite;
    for (const k of ['DATANET_STATE_DIR', ...Object.keys(env)]) delete process.env[k];
  }
}

describe('datanet submit (the real CLI)', () => {
  it('signs with a hex key file and with an encrypted keystore; the key never appears in output', async () => {
    const stateDir = await tempDir('submit-cli-');
    const w = wallet('cli');
    const hexKey = join(stateDir, 'key.hex');
    await writeFile(hexKey, `${w.privateKey}\n`);
    const file = join(stateDir, 'qa.jsonl');
    await writeFile(file, qaJsonl(2, 'cli'));
    const r = await cli(['--json', 'submit', '--datanet', 'medical-qa', '--key', hexKey, file], stateDir);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc).toMatchObject({ kind: 'files', datanet: 'medical-qa', contributor: w.address, files: [{ name: 'qa.jsonl' }] });
    expect(r.out + r.err).not.toContain(w.privateKey.slice(2));
    const entryDir = join(stateDir, 'inbox', 'medical-qa', doc.entry);
    const signed = JSON.parse(await readFile(join(entryDir, SUBMISSION_FILE), 'utf8'));
    expect(checkSignature(signed)).toEqual({ ok: true, signer: w.address });
    expect(signed.manifest.files[0]).toMatchObject({ licence: 'CC-BY-4.0', consent: ['training', 'attribution'] });

    const keystore = join(stateDir, 'key.json');
    await writeFile(keystore, await encryptKeystoreJson({ address: w.address, privateKey: w.privateKey }, 'pw', { scrypt: { N: 1024 } }));
    const ok = await cli(['--json', 'submit', '--key', keystore, '--licence', 'CC0-1.0', file], stateDir, { DATANET_KEY_PASSWORD: 'pw' });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out).contributor).toBe(w.address);
    const wrong = await cli(['submit', '--key', keystore, file], stateDir, { DATANET_KEY_PASSWORD: 'nope' });
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain('cannot decrypt keystore');
    expect(await readdir(join(stateDir, 'inbox', 'medical-qa'))).toHaveLength(2);
  }, 60_000);

  it('exits 1 for 21 files (nothing written) and 2 for a missing key', async () => {
    const stateDir = await tempDir('submit-cli-');
    const hexKey = join(stateDir, 'key.hex');
    await writeFile(hexKey, wallet('cli2').privateKey);
    const files: string[] = [];
    for (let i = 0; i < 21; i++) {
      files.push(join(stateDir, `f${i}.jsonl`));
      await writeFile(files[i], qaJsonl(1, `f${i}`));
    }
    const many = await cli(['submit', '--key', hexKey, ...files], stateDir);
    expect(many.code).toBe(1);
    expect(many.err).toContain('filesPerSubmission: 21 files');
    await expect(readdir(join(stateDir, 'inbox', 'medical-qa'))).rejects.toThrow();
    const nokey = await cli(['submit', files[0]], stateDir);
    expect(nokey.code).toBe(2);
  }, 60_000);

  it('warns when the key file is readable by others, and refuses to submit a key or a keystore as a file', async () => {
    const stateDir = await tempDir('submit-cli-');
    const w = wallet('hygiene');
    const hexKey = join(stateDir, 'key.hex');
    await writeFile(hexKey, `${w.privateKey}\n`);
    await chmod(hexKey, 0o644);
    const file = join(stateDir, 'qa.jsonl');
    await writeFile(file, qaJsonl(1, 'hygiene'));
    const loose = await cli(['--json', 'submit', '--key', hexKey, file], stateDir);
    expect(loose.code).toBe(0);
    expect(loose.err).toContain(`warning: key file ${hexKey} is readable by other users (mode 644); restrict it with: chmod 600`);
    expect(JSON.parse(loose.out).warnings).toHaveLength(1);
    await chmod(hexKey, 0o600);
    const tight = await cli(['--json', 'submit', '--key', hexKey, file], stateDir);
    expect(tight.code).toBe(0);
    expect(tight.err).not.toContain('warning');

    const keystore = join(stateDir, 'wallet.json');
    await writeFile(keystore, await encryptKeystoreJson({ address: w.address, privateKey: w.privateKey }, 'pw', { scrypt: { N: 1024 } }));
    const copied = join(stateDir, 'notes.txt');
    await writeFile(copied, w.privateKey.slice(2));
    for (const [path, kind] of [
      [hexKey, 'a hex private key'],
      [keystore, 'an encrypted JSON keystore'],
      [copied, 'a hex private key'],
    ]) {
      const r = await cli(['submit', '--key', hexKey, file, path], stateDir);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`${path} looks like ${kind}; a key must never be submitted`);
      expect(r.out + r.err).not.toContain(w.privateKey.slice(2));
    }
    // Only the two good submissions reached the inbox.
    expect(await readdir(join(stateDir, 'inbox', 'medical-qa'))).toHaveLength(2);
  }, 60_000);
});
