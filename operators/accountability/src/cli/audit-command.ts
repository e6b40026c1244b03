import { CliError, UsageError, type RegisterCommand } from '@datanet/pipelines';

/**
 * `datanet audit verify --datanet D` recomputes the Datanet's audit chain from the store and checks
 * each finalised epoch's head against the audit root committed on-chain; exit 1 naming the first
 * bad entry. `datanet audit log --datanet D [--kind K]` prints the entries.
 */
const register: RegisterCommand = (program, env) => {
  const audit = program.command('audit').description("the Datanet's hash-chained audit log: verify it against the chain, or print it");
  audit
    .command('verify')
    .description('recompute the audit chain from the store and check it against the heads committed on-chain')
    .requiredOption('--datanet <id>', 'Datanet id')
    .option('--no-chain', 'check the stored chain only (no on-chain heads)')
    .option('--rpc-url <url>', 'JSON-RPC node (default: $DATANET_RPC_URL, else the embedded chain)')
    .option('--chain-id <id>', 'expected chain id of the node (default: $DATANET_CHAIN_ID)')
    .option('--registry <address>', 'DatanetRegistry address (default: the recorded deployment)')
    .action(async (opts: { datanet: string; chain: boolean; rpcUrl?: string; chainId?: string; registry?: string }) => {
      const { verifyAudit } = await import('../audit/verify-audit.js');
      const { db } = await env.openDb();
      let close: (() => Promise<void>) | undefined;
      let onChain: ((n: string) => Promise<string | undefined>) | undefined;
      if (opts.chain) {
        const { DatanetChain, datanetIdOf } = await import('@datanet/connector-evm');
        const rpcUrl = opts.rpcUrl ?? process.env.DATANET_RPC_URL;
        const chainId = Number(opts.chainId ?? process.env.DATANET_CHAIN_ID);
        if (rpcUrl && !(chainId > 0)) throw new UsageError('--rpc-url needs --chain-id N (or $DATANET_CHAIN_ID)');
        // Reading needs no key: the embedded chain's dev account or the node's view suffices.
        const settings = rpcUrl ? { mode: 'rpc', rpcUrl, chainId, registry: opts.registry } : { mode: 'embedded' };
        const chain = await DatanetChain.open(settings, env.stateDir()).catch((err: Error) => {
          throw new CliError(`cannot open the chain: ${err.message}`);
        });
        close = () => chain.close();
        const id = datanetIdOf(opts.datanet);
        onChain = async (n) => (await chain.readCommit(id, BigInt(n)))?.auditRoot;
      }
      try {
        const v = await verifyAudit(db, opts.datanet, onChain);
        env.result(v);
        if (!v.ok) {
          const b = v.firstBad!;
          throw new CliError(
            `audit log of ${opts.datanet}: entry ${b.seq}${b.kind ? ` (${b.kind}${b.key ? `, ${b.key}` : ''})` : ''} does not verify: ${b.problem}`,
          );
        }
        env.say(`audit log of ${opts.datanet}: ${v.entries} entries verify; head ${v.head?.seq ?? 0} ${v.head?.hash ?? '-'}`);
        for (const h of v.heads)
          env.say(
            `  epoch ${h.epoch}: entry ${h.seq} ${h.hash} ${h.onChain === undefined ? '(chain not checked)' : h.onChain ? 'matches the on-chain audit root' : 'not committed on-chain yet'}`,
          );
      } finally {
        await close?.();
      }
    });

  audit
    .command('log')
    .description("print a Datanet's audit entries (actor, time, kind, subject, hashes)")
    .requiredOption('--datanet <id>', 'Datanet id')
    .option('--kind <kind>', 'only this kind, e.g. dispute.upheld')
    .option('--limit <n>', 'at most this many', '200')
    .action(async (opts: { datanet: string; kind?: string; limit: string }) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit ${opts.limit}: expected a positive integer`);
      const { listAudit } = await import('../audit/audit-log.js');
      const { db } = await env.openDb();
      const entries = await listAudit(db, { datanet: opts.datanet, kind: opts.kind, limit });
      env.result({ entries });
      for (const e of entries) env.say(`${e.seq}\t${new Date(e.at).toISOString()}\t${e.actor}\t${e.kind}\t${e.subject}\t${e.hash}`);
    });
};

export default register;
