import { writeFileSync } from 'node:fs';
import { CliError, UsageError, type RegisterCommand } from '@datanet/pipelines';
import { parseEpoch } from '../core/epoch.js';

/**
 * `datanet receipt --epoch E --contributor ADDR [--datanet D] [--html FILE] [--version N]`: why each
 * unit of an epoch's payout was paid (terminal, `--json`, or a self-contained HTML file);
 * `--inference ID` shows one inference with its matched spans instead.
 */
const register: RegisterCommand = (program, env) => {
  program
    .command('receipt')
    .description("a contributor's payout receipt for an epoch: inferences, spans, weights, amount and Merkle proof")
    .requiredOption('--epoch <epoch>', 'YYYY-MM-DD@ZONE (e.g. 2026-11-24@UTC)')
    .option('--contributor <address>', 'the paid account (0x...)')
    .option('--inference <id>', 'show one inference (OLMoTrace-style spans) instead of a receipt')
    .option('--datanet <id>', 'Datanet id (default: the only one settled for the epoch)')
    .option('--version <n>', 'a given proposal version (default: the final one, else the one in force)')
    .option('--html <file>', 'write a self-contained HTML page there')
    .action(
      async (opts: { epoch: string; contributor?: string; inference?: string; datanet?: string; version?: string; html?: string }) => {
        if (!/^\d{4}-\d{2}-\d{2}@.+$/.test(opts.epoch))
          throw new UsageError(`--epoch ${opts.epoch}: expected YYYY-MM-DD@ZONE, e.g. 2026-11-24@UTC`);
        // Settlements are keyed by the zone's one spelling (2026-11-24@utc is 2026-11-24@UTC).
        try {
          opts.epoch = parseEpoch(opts.epoch).id;
        } catch (e) {
          throw new UsageError(`--epoch ${opts.epoch}: ${(e as Error).message}`);
        }
        if (!opts.contributor && !opts.inference)
          throw new UsageError('give --contributor ADDR (a receipt) or --inference ID (one inference)');
        if (opts.contributor && !/^0x[0-9a-fA-F]{40}$/.test(opts.contributor))
          throw new UsageError(`--contributor ${opts.contributor}: expected a 0x address`);
        const version = opts.version === undefined ? undefined : Number(opts.version);
        if (version !== undefined && (!Number.isInteger(version) || version < 1))
          throw new UsageError(`--version ${opts.version}: expected 1, 2, ...`);
        const { db } = await env.openDb();
        const { datanetsOfEpoch } = await import('../receipts/receipt-queries.js');
        const datanets = opts.datanet ? [opts.datanet] : await datanetsOfEpoch(db, opts.epoch);
        if (datanets.length !== 1)
          throw new CliError(
            datanets.length
              ? `epoch ${opts.epoch} was settled for ${datanets.join(', ')}: pass --datanet`
              : `no settlement inputs for epoch ${opts.epoch}`,
          );
        const datanet = datanets[0];
        const { renderInferenceHtml, renderReceiptHtml } = await import('../receipts/receipt-html.js');
        if (opts.inference) {
          const { inferenceView } = await import('../receipts/inference-view.js');
          const v = await inferenceView(db, { datanet, epoch: opts.epoch, inferenceId: opts.inference });
          if (!v) throw new CliError(`no inference ${opts.inference} in epoch ${opts.epoch} of ${datanet}`);
          env.result(v);
          if (opts.html) writeFileSync(opts.html, renderInferenceHtml(v));
          env.say(`inference ${v.inferenceId} (model ${v.model}, adapter ${v.adapter}, fee ${v.fee})`);
          env.say(`output: ${v.output ?? '(not stored)'}`);
          for (const s of v.spans)
            env.say(`  "${s.text}" -> ${s.contributions.map((c) => `${c.contributionId} (${c.contributor})`).join(', ')}`);
          if (opts.html) env.say(`wrote ${opts.html}`);
          return;
        }
        const { computeReceipt } = await import('../receipts/compute-receipt.js');
        const r = await computeReceipt(db, { datanet, epoch: opts.epoch, account: opts.contributor!, version });
        if (!r) throw new CliError(`no receipt for ${opts.contributor} in epoch ${opts.epoch} of ${datanet}: nothing was attributed to it`);
        env.result(r);
        if (opts.html) writeFileSync(opts.html, renderReceiptHtml(r));
        const w = r.weights;
        env.say(
          `receipt ${r.account} · ${r.datanet} ${r.epoch} · proposal v${r.version} ${r.status}${r.status === 'proposed' ? ` (final at ${new Date(r.finalAt).toISOString()})` : ''}`,
        );
        env.say(`amount ${r.amount} base units; method ${r.method.name} ${r.method.version}`);
        env.say(
          `fees ${w.fees}, split ${w.splitBps.platform}/${w.splitBps.modelOwner}/${w.splitBps.stakers}/${w.splitBps.contributors} bps -> pool ${w.contributorPool}`,
        );
        env.say(
          `attribution ${w.attribution} x standing weight ${w.standingWeight.toFixed(6)} (standing ${w.standing.toFixed(4)}) = ${w.weight}`,
        );
        env.say(
          `quota ${w.quota.numerator}/${w.quota.denominator}: floor ${w.floorQuota} + largest-remainder ${w.largestRemainderAdjustment}`,
        );
        if (r.claim) env.say(`leaf ${r.claim.index} ${r.claim.leaf}, root ${r.claim.root}, proof [${r.claim.proof.join(', ')}]`);
        for (const l of r.lines)
          env.say(
            `  ${l.amount.padStart(24)}  ${l.inferenceId}  ${l.contributionId}  score ${l.score.toFixed(6)}${l.excluded ? '  (revoked: excluded)' : ''}${
              l.evidence.kind === 'spans' ? `  spans: ${l.evidence.spans.map((s) => JSON.stringify(s.text)).join(', ')}` : ''
            }`,
          );
        if (opts.html) env.say(`wrote ${opts.html}`);
      },
    );
};

export default register;
