import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse as parseYaml, stringify } from 'yaml';
import { CliError, UsageError, type CliEnv, type RegisterCommand } from '@datanet/pipelines';
import { detectFormat, exportTrainingConfig, importTrainingConfig, type ExternalFormat, type ImportResult } from '../spec/import-config.js';
import { parseLoraSpec, type LoraSpec } from '../spec/lora-spec.js';

const FORMATS = ['axolotl', 'llama-factory'];

function checkFormat(value: string | undefined, flag: string): ExternalFormat | undefined {
  if (value === undefined) return undefined;
  if (!FORMATS.includes(value)) throw new UsageError(`${flag} must be axolotl or llama-factory, got "${value}"`);
  return value as ExternalFormat;
}

/** `datanet train import FILE`: an Axolotl / LLaMA-Factory YAML to our spec, with the keys it dropped. */
export async function trainImport(file: string, opts: { from?: string; out?: string } = {}): Promise<ImportResult<LoraSpec>> {
  const format = checkFormat(opts.from, '--from');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let result: ImportResult<LoraSpec>;
  try {
    result = importTrainingConfig(text, file, format);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  if (opts.out) await writeFile(opts.out, `# imported from ${file} (${result.format})\n` + stringify(result.spec));
  return result;
}

/** Reads our spec (YAML or JSON), or imports an Axolotl / LLaMA-Factory file given in its place. */
export async function readSpecFile(file: string): Promise<LoraSpec> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    const doc = parseYaml(text) as Record<string, unknown>;
    const ours = doc && typeof doc === 'object' && ('r' in doc || 'method' in doc || 'baseModel' in doc || 'targetModules' in doc);
    if (ours) return parseLoraSpec(doc, file);
    detectFormat(doc ?? {}, file);
    return importTrainingConfig(text, file).spec;
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

export async function trainExport(specFile: string, opts: { to: string; out?: string }): Promise<string> {
  const to = checkFormat(opts.to, '--to');
  if (!to) throw new UsageError('--to axolotl|llama-factory is required');
  const text = exportTrainingConfig(await readSpecFile(specFile), to);
  if (opts.out) await writeFile(opts.out, text);
  return text;
}

const register: RegisterCommand = (program: Command, env: CliEnv) => {
  const train = program.command('train').description('LoRA/QLoRA training specs: import and export Axolotl / LLaMA-Factory configs');
  train
    .command('import')
    .description('read an Axolotl or LLaMA-Factory YAML into the datanet LoRA spec, listing the keys it dropped')
    .argument('<file>', 'Axolotl or LLaMA-Factory YAML')
    .option('--from <format>', 'axolotl | llama-factory (detected when omitted)')
    .option('--out <file>', 'write the spec as YAML')
    .action(async (file: string, opts: { from?: string; out?: string }) => {
      const r = await trainImport(file, opts);
      if (env.json) return env.result(r);
      env.say(`# ${file}: ${r.format}`);
      env.say(stringify(r.spec).trimEnd());
      env.say(r.dropped.length ? `# dropped (no place in the spec): ${r.dropped.join(', ')}` : '# dropped: none');
      if (r.empty.length) env.say(`# empty keys ignored: ${r.empty.join(', ')}`);
    });
  train
    .command('export')
    .description('write a datanet LoRA spec (or an imported config) as Axolotl or LLaMA-Factory YAML')
    .argument('<spec>', 'spec YAML/JSON, or an Axolotl / LLaMA-Factory file')
    .requiredOption('--to <format>', 'axolotl | llama-factory')
    .option('--out <file>', 'write to a file instead of stdout')
    .action(async (spec: string, opts: { to: string; out?: string }) => {
      const text = await trainExport(spec, opts);
      if (env.json) return env.result({ format: opts.to, out: opts.out ?? null, yaml: text });
      if (opts.out) env.say(`wrote ${opts.out}`);
      else process.stdout.write(text);
    });
};

export default register;
