import { resolve } from 'node:path';
import { CliError, UsageError, type CliEnv, type RegisterCommand } from '@datanet/pipelines';
import { keyFileWarning, loadKeyFile } from '@datanet/ingest';
import { ReviewApiError, ReviewClient } from '../client/review-client.js';
import { VERDICTS } from '../rule/decision-rule.js';

interface Common {
  server?: string;
  key?: string;
  datanet: string;
}

/** Signs in with the key file (or uses DATANET_TOKEN); the key never leaves this process. */
async function connect(o: Common, env: CliEnv): Promise<ReviewClient> {
  const server = o.server ?? process.env.DATANET_SERVER ?? 'http://127.0.0.1:8080';
  try {
    if (o.key) {
      const path = resolve(o.key);
      const warning = await keyFileWarning(path);
      if (warning) process.stderr.write(`warning: ${warning}\n`);
      return await ReviewClient.signIn(server, await loadKeyFile(path));
    }
    if (process.env.DATANET_TOKEN) return ReviewClient.withToken(server, process.env.DATANET_TOKEN);
  } catch (e) {
    throw new CliError(`cannot sign in to ${server}: ${(e as Error).message}`);
  }
  void env;
  throw new UsageError(
    '--key KEYFILE is required (a hex private key or a JSON keystore); DATANET_TOKEN (a steward token) serves `stats --queue` only: tokens do not review',
  );
}

async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ReviewApiError) throw new CliError(e.message);
    throw e;
  }
}

type Command = ReturnType<Parameters<RegisterCommand>[0]['command']>;

const common = (cmd: Command) =>
  cmd
    .option('--server <url>', 'the datanet serve URL (default $DATANET_SERVER or http://127.0.0.1:8080)')
    .option('--key <file>', 'reviewer key: hex private key, or JSON keystore (password in DATANET_KEY_PASSWORD)')
    .option('--datanet <id>', 'Datanet id', 'medical-qa');

/** `datanet review next|decide|stats`: the review queue from a terminal, over the API. */
const register: RegisterCommand = (program, env) => {
  const review = program.command('review').description('review held records: take your next items, decide them, see your figures');

  common(review.command('next'))
    .description('show your next items (reserved for you under a lease)')
    .option(
      '--limit <n>',
      'how many',
      (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1 || n > 50) throw new UsageError(`--limit ${v}: expected an integer from 1 to 50`);
        return n;
      },
      5,
    )
    .action(async (o: Common & { limit: number }) => {
      const client = await connect(o, env);
      const items = await guarded(() => client.next(o.datanet, o.limit));
      if (!items.length) env.say(`nothing to review on ${o.datanet} right now`);
      for (const it of items) {
        env.say(`item ${it.id}  held for: ${it.heldFor.join(', ')}  (reserved until ${it.leaseExpiresAt})`);
        for (const [k, v] of Object.entries(it.payload)) env.say(`  ${k}: ${typeof v === 'string' ? v.slice(0, 400) : JSON.stringify(v)}`);
        env.say(`  decide: datanet review decide ${it.id} approve|reject --reason ${it.reasons[0] ?? 'CODE'}`);
      }
      env.result({ datanet: o.datanet, items });
    });

  common(review.command('decide'))
    .description(`decide an item: ${VERDICTS.join(', ')} (reject needs --reason)`)
    .argument('<item>', 'item id (from `datanet review next`)')
    .argument('<verdict>', VERDICTS.join(' | '))
    .option('--reason <code>', "a rejection's reason code (one of the Datanet's)")
    .option('--note <text>', 'a note for stewards')
    .action(async (item: string, verdict: string, o: Common & { reason?: string; note?: string }) => {
      if (!(VERDICTS as readonly string[]).includes(verdict)) throw new UsageError(`verdict "${verdict}": expected ${VERDICTS.join(', ')}`);
      if (verdict === 'reject' && !o.reason) throw new UsageError('reject needs --reason CODE');
      const client = await connect(o, env);
      const r = await guarded(() => client.decide(o.datanet, item, { verdict, reason: o.reason, note: o.note }));
      env.say(`${r.replay ? 'already recorded' : 'recorded'}: ${r.verdict} on ${r.itemId}; the item is ${r.state}`);
      if (r.suspended) env.say('your review rights on this Datanet are now suspended (gold accuracy below the policy)');
      env.result(r);
    });

  common(review.command('stats'))
    .description('your accuracy on gold items and agreement with the consensus; --queue: the whole queue (stewards)')
    .option('--queue', "the queue's figures (steward or owner)")
    .action(async (o: Common & { queue?: boolean }) => {
      const client = await connect(o, env);
      if (o.queue) {
        const s = await guarded(() => client.stats(o.datanet));
        env.say(
          `${o.datanet}: ${s.items.open} open, ${s.items.escalated} escalated, ${s.items.approved} approved, ${s.items.rejected} rejected`,
        );
        env.say(`decisions: ${s.throughput.decisionsLastHour} in the last hour, ${s.throughput.decisions} in all`);
        for (const r of s.reviewers)
          env.say(`  ${r.reviewer} ${r.status} decisions ${r.decisions} accuracy ${pct(r.accuracy)} agreement ${pct(r.agreement)}`);
        env.result(s);
        return;
      }
      const me = await guarded(() => client.me(o.datanet));
      env.say(`${me.reviewer} on ${o.datanet}: ${me.status}${me.suspendedReason ? ` (${me.suspendedReason})` : ''}`);
      env.say(`decisions ${me.decisions}; gold ${me.goldCorrect}/${me.goldAnswered} (${pct(me.accuracy)}); agreement ${pct(me.agreement)}`);
      env.result(me);
    });
};

const pct = (v: number | null) => (v === null ? '-' : `${(v * 100).toFixed(0)}%`);

export default register;
