import { CliError, UsageError, type RegisterCommand } from '@datanet/pipelines';
import type { Kysely } from 'kysely';
import type { DatanetDefinition } from '@datanet/datanet';
import { DISPUTE_STATUSES, isDisputeStatus } from '../disputes/dispute-status.js';

/**
 * `datanet dispute open|resolve|list`: disputes of accepted contributions from the command line.
 * The acting address comes from a key file (`--key`, a keystore or hex key, as `datanet claim`),
 * its role from the Datanet's YAML and the server's role store as the API reads them
 * (`datanetRoleOf`; a contributor needs the standing it asks).
 */
const register: RegisterCommand = (program, env) => {
  const dispute = program.command('dispute').description('dispute accepted contributions, resolve disputes (stewards), list them');

  const actor = async (keyFile: string) => {
    const { walletFromKeyFile } = await import('@datanet/connector-evm');
    return (await walletFromKeyFile(keyFile)).address.toLowerCase();
  };
  const definition = async (id: string) => {
    const { loadDatanetDefinition, resolveDatanetPath } = await import('@datanet/datanet');
    try {
      return loadDatanetDefinition(resolveDatanetPath(id));
    } catch (err) {
      throw new UsageError(`--datanet ${id}: ${(err as Error).message}`);
    }
  };
  // The role the server would see: the Datanet's YAML and, where a server ran on this store, the
  // roles granted there (the console, the API); one function for the API and the CLI.
  const roleIn = async (db: Kysely<any>, def: DatanetDefinition, address: string) =>
    (await import('@datanet/datanet')).datanetRoleOf(db, def, address);

  dispute
    .command('open')
    .description('dispute an accepted contribution with a reason code and evidence')
    .requiredOption('--datanet <id>', 'Datanet id')
    .requiredOption('--contribution <id>', 'the disputed contribution (content hash)')
    .requiredOption('--reason <code>', 'incorrect | duplicate | licence | consent | poisoning')
    .requiredOption('--evidence <text>', 'why, in words')
    .option('--duplicate-of <id>', 'for duplicate: the earlier contribution')
    .requiredOption('--key <file>', 'the filer key: keystore (password from $DATANET_KEYSTORE_PASSWORD) or a hex key file')
    .action(async (o: { datanet: string; contribution: string; reason: string; evidence: string; duplicateOf?: string; key: string }) => {
      const { DISPUTE_REASONS } = await import('@datanet/datanet');
      if (!(DISPUTE_REASONS as readonly string[]).includes(o.reason))
        throw new UsageError(`--reason ${o.reason}: expected one of ${DISPUTE_REASONS.join(', ')}`);
      const def = await definition(o.datanet);
      const filer = await actor(o.key);
      const { disputeRoleFor, openDispute } = await import('../disputes/open-dispute.js');
      const { enqueueDisputeReview } = await import('../disputes/dispute-review.js');
      const { db } = await env.openDb();
      const role = disputeRoleFor(await roleIn(db, def, filer), def.disputes.openers);
      const r = await openDispute(db, {
        datanet: def.id,
        contributionId: o.contribution,
        filer,
        role,
        reason: o.reason as (typeof DISPUTE_REASONS)[number],
        duplicateOf: o.duplicateOf,
        evidence: o.evidence,
        policy: def.disputes,
        standingPolicy: def.standing,
      }).catch((err: Error) => {
        throw new CliError(err.message);
      });
      const queued = await enqueueDisputeReview(db, r.dispute, def);
      env.result({ ...r, queued });
      env.say(
        `${r.created ? 'opened' : 'already open:'} dispute ${r.dispute.id} on ${o.contribution} (${o.reason}) as ${role}${queued ? '; queued for the review quorum' : ''}`,
      );
    });

  dispute
    .command('resolve')
    .description('uphold (revoke the contribution, lower standing) or dismiss a dispute, as a steward')
    .argument('<dispute>', 'dispute id (dsp_...)')
    .argument('<decision>', 'upheld | dismissed')
    .requiredOption('--datanet <id>', 'Datanet id')
    .requiredOption('--key <file>', "a steward's key: keystore or hex key file")
    .option('--note <text>', 'why')
    .action(async (id: string, decision: string, o: { datanet: string; key: string; note?: string }) => {
      if (decision !== 'upheld' && decision !== 'dismissed') throw new UsageError(`decision ${decision}: expected upheld or dismissed`);
      const def = await definition(o.datanet);
      const who = await actor(o.key);
      const { db } = await env.openDb();
      if (!['steward', 'owner'].includes(await roleIn(db, def, who)))
        throw new CliError(`${who} is not a steward or owner of ${def.id} (roles: its definition and the grants made on its server)`);
      if (def.disputes.resolvers === 'quorum')
        throw new CliError(`disputes of ${def.id} are decided by the review quorum: use datanet review`);
      const { resolveDispute, stewardConflict } = await import('../disputes/resolve-dispute.js');
      const { getDispute } = await import('../disputes/dispute-store.js');
      const d = await getDispute(db, id);
      if (!d) throw new CliError(`no dispute ${id} in this run store (datanet dispute list --datanet ${def.id} lists them)`);
      if (d.datanet !== def.id)
        throw new CliError(
          `dispute ${id} belongs to Datanet ${d.datanet}, not ${def.id}: pass --datanet ${d.datanet} (its stewards and policy decide it)`,
        );
      const conflict = stewardConflict(d, who);
      if (conflict) throw new CliError(conflict);
      const r = await resolveDispute(db, { id, decision, actor: who, via: 'steward', note: o.note, standingPolicy: def.standing }).catch(
        (err: Error) => {
          throw new CliError(err.message);
        },
      );
      env.result(r);
      env.say(
        r.resolved
          ? `dispute ${id} ${decision}${r.revocation ? `: ${r.revocation.contribution} revoked, standing of ${r.revocation.contributor} ${r.revocation.standingBefore.toFixed(3)} -> ${r.revocation.standingAfter.toFixed(3)}` : ''}${r.alreadyRevoked ? `: ${r.alreadyRevoked.contribution} was already revoked${r.alreadyRevoked.byDispute ? ` by dispute ${r.alreadyRevoked.byDispute}` : ''}; nothing revoked again, standing unchanged` : ''}${r.closedAsMoot ? `; closed as moot: ${r.closedAsMoot.join(', ')}` : ''}`
          : `dispute ${id} was already ${r.dispute.status}; nothing changed`,
      );
    });

  dispute
    .command('list')
    .description("a Datanet's disputes")
    .requiredOption('--datanet <id>', 'Datanet id')
    .option('--status <s>', DISPUTE_STATUSES.join(' | '))
    .action(async (o: { datanet: string; status?: string }) => {
      const status = o.status;
      if (status !== undefined && !isDisputeStatus(status))
        throw new UsageError(`--status ${status}: expected one of ${DISPUTE_STATUSES.join(', ')}`);
      const { listDisputes } = await import('../disputes/dispute-store.js');
      const { db } = await env.openDb();
      // As the server does before it lists them: a dispute whose review deadline passed is decided
      // first (once across processes: the store claims the batch), so the list never shows one
      // open that its deadline decided. A definition that cannot be read leaves the list as stored.
      const def = await definition(o.datanet).catch(() => undefined);
      if (def?.review) {
        const { migrateReview } = await import('@datanet/review');
        const { registerReviewAudit } = await import('../audit/review-audit.js');
        const { applyDisputeDeadlines, registerDisputeOutcomes } = await import('../disputes/dispute-review.js');
        await migrateReview(db);
        registerReviewAudit();
        registerDisputeOutcomes((id) => (id === def.id ? def.standing : undefined));
        await applyDisputeDeadlines(db, (id) => (id === def.id ? def : undefined), def.id);
      }
      const ds = await listDisputes(db, { datanet: o.datanet, status });
      env.result({ disputes: ds });
      for (const d of ds) env.say(`${d.id}\t${d.status}\t${d.contributionId}\t${d.reason}\t${d.filer}`);
    });
};

export default register;
