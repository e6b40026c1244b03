import { join, resolve } from 'node:path';
import { CliError, UsageError, type RegisterCommand } from '@datanet/pipelines';
import { loadDatanetDefinition, resolveDatanetPath, type DatanetDefinition } from '@datanet/datanet';
import { loadKeyFile } from '../signing/load-key.js';
import { keyFileWarning } from '../signing/key-hygiene.js';
import { SubmitError, submitFiles } from '../submit/submit-files.js';
import { submitMedquad, type MedquadSubmission } from '../medquad/medquad-submitter.js';

export interface SubmitCommandOptions {
  datanet: string;
  key?: string;
  files: string[];
  licence?: string;
  consent?: string;
  inbox?: string;
  server?: string;
  fromMedquad?: string;
  seed?: string;
  limitPerSource?: number;
}

export type SubmitCommandResult =
  | {
      kind: 'files';
      datanet: string;
      contributor: string;
      submissionId: string;
      inbox: string;
      entry: string;
      files: { name: string; size: number }[];
      warnings: string[];
    }
  | { kind: 'medquad'; datanet: string; inbox: string; submissions: MedquadSubmission[] };

/**
 * The core of `datanet submit`: signs the files with the contributor key and writes them into the
 * Datanet's inbox (`<stateDir>/inbox/<datanet>/`), or, with `fromMedquad`, signs MedQuAD as nine
 * demo contributors. Licence defaults to the Datanet's first accepted one; consent to the flags it
 * requires (both are signed into the manifest, so they are stated explicitly there).
 */
export async function runSubmit(
  o: SubmitCommandOptions,
  stateDir: string,
  cwd = process.cwd(),
  warn: (message: string) => void = (m) => process.stderr.write(`warning: ${m}\n`),
): Promise<SubmitCommandResult> {
  let definition: DatanetDefinition;
  try {
    definition = loadDatanetDefinition(resolveDatanetPath(o.datanet, cwd));
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const inbox = o.inbox ? resolve(cwd, o.inbox) : join(stateDir, 'inbox', definition.id);
  if (o.fromMedquad) {
    if (o.key || o.files.length > 0) throw new UsageError('--from-medquad signs with its own demo keys: give no --key and no FILES');
    try {
      const submissions = await submitMedquad({
        corpus: resolve(cwd, o.fromMedquad),
        definition,
        inbox,
        seed: o.seed,
        limitPerSource: o.limitPerSource,
        server: o.server,
      });
      return { kind: 'medquad', datanet: definition.id, inbox, submissions };
    } catch (e) {
      throw new CliError((e as Error).message);
    }
  }
  if (!o.key) throw new UsageError('--key KEYFILE is required (a hex private key or a JSON keystore with DATANET_KEY_PASSWORD)');
  if (o.files.length === 0) throw new UsageError('give at least one FILE to submit');
  const consent =
    o.consent === undefined
      ? definition.consent.required
      : o.consent
          .split(',')
          .map((c) => c.trim())
          .filter(Boolean);
  const keyPath = resolve(cwd, o.key);
  const warning = await keyFileWarning(keyPath);
  if (warning) warn(warning);
  try {
    const signer = await loadKeyFile(keyPath);
    const s = await submitFiles({
      definition,
      inbox,
      signer,
      licence: o.licence ?? definition.licences[0],
      consent,
      files: o.files.map((f) => ({ path: resolve(cwd, f) })),
      server: o.server,
    });
    return {
      kind: 'files',
      datanet: definition.id,
      contributor: s.signed.manifest.contributor,
      submissionId: s.submissionId,
      inbox,
      entry: s.entry,
      files: s.signed.manifest.files.map((f) => ({ name: f.name, size: f.size })),
      warnings: warning ? [warning] : [],
    };
  } catch (e) {
    if (e instanceof SubmitError) throw new CliError(e.message);
    throw new CliError((e as Error).message);
  }
}

/** `datanet submit --datanet ID --key KEYFILE FILES...` and `datanet submit --from-medquad PATH` */
const register: RegisterCommand = (program, env) => {
  program
    .command('submit')
    .description("sign files with a contributor key and put them in a Datanet's inbox (intake runs in ingest.submissions)")
    .option('--datanet <id>', 'Datanet id (configs/datanets/<id>.yaml) or path to its YAML', 'medical-qa')
    .option('--key <file>', 'contributor key: hex private key, or JSON keystore (password in DATANET_KEY_PASSWORD)')
    .option('--licence <spdx>', "licence of the files (default: the Datanet's first accepted licence)")
    .option('--consent <flags>', 'comma-separated consent flags granted (default: those the Datanet requires)')
    .option('--inbox <dir>', 'inbox folder (default <state-dir>/inbox/<datanet>)')
    .option('--server <url>', 'submit over HTTP to a `datanet serve` at URL instead of writing into the local inbox')
    .option('--from-medquad <path>', 'sign MedQuAD (medquad_with_answers.jsonl.gz) as nine DEMO contributors, one per source site')
    .option('--seed <seed>', 'seed of the MedQuAD demo keys')
    .option('--limit-per-source <n>', 'MedQuAD: at most n records per source', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`--limit-per-source ${v}: expected a positive integer`);
      return n;
    })
    .argument('[files...]', 'files to submit (at most filesPerSubmission)')
    .action(async (files: string[], opts: Omit<SubmitCommandOptions, 'files'>) => {
      const r = await runSubmit({ ...opts, files }, env.stateDir());
      if (r.kind === 'files') {
        env.say(`submitted ${r.files.length} file(s) to ${r.datanet} as ${r.contributor}: ${r.entry}`);
        if (opts.server)
          env.say(`submission ${r.submissionId}: follow it at ${opts.server.replace(/\/$/, '')}/v1/submissions/${r.submissionId}`);
        else env.say(`inbox: ${r.inbox} (run the Datanet's intake pipeline to validate and accept them)`);
      } else {
        const sources = new Set(r.submissions.map((s) => s.source));
        env.say(
          `signed MedQuAD as ${sources.size} demo contributors: ${r.submissions.length} submissions ${opts.server ? `to ${opts.server}` : `into ${r.inbox}`}`,
        );
        for (const s of r.submissions)
          env.say(`  ${s.source.padEnd(18)} ${s.contributor} ${s.files} files ${s.records} records ${s.written ? '' : '(already there)'}`);
      }
      env.result(r);
    });
};

export default register;
