import type { RegisterCommand } from '@datanet/pipelines';
import { addChainOptions, asCliFailure, chainSettingsFrom, openDbIfAny, parseEpoch, type ChainFlags } from './chain-options.js';

/** `datanet verify --datanet ID --epoch E FILE_OR_CONTRIBUTION_ID` */
const register: RegisterCommand = (program, env) => {
  addChainOptions(
    program
      .command('verify')
      .description('prove that a contribution is in the dataset root committed on-chain for a Datanet epoch')
      .requiredOption('--datanet <id>', 'Datanet name or 0x bytes32 id')
      .requiredOption('--epoch <n>', 'committed epoch')
      .option('--manifest <file>', 'dataset manifest JSON (default: the one recorded at commit)')
      .option('--paid', "prove that the contribution was, or was not, in the final epoch's paid set (against the on-chain audit root)")
      .argument('<fileOrContributionId>', 'a contributed file (its sha256 is its id) or a contribution id'),
  ).action(async (target: string, opts: ChainFlags & { datanet: string; epoch: string; manifest?: string; paid?: boolean }) => {
    const epoch = parseEpoch(opts.epoch);
    const settings = chainSettingsFrom(opts);
    if (opts.paid) {
      const paid = await asCliFailure(async () => {
        const { DatanetChain } = await import('@datanet/connector-evm');
        const { verifyPaid } = await import('../contributor/verify-paid.js');
        const store = await openDbIfAny(env);
        if (!store)
          throw new Error('verify --paid recomputes the paid set from the run store: none is reachable (set --state-dir or DATABASE_URL)');
        const chain = await DatanetChain.open(settings, env.stateDir());
        try {
          return await verifyPaid(store.db, chain, { datanet: opts.datanet, epoch, contributionId: target });
        } finally {
          await chain.close();
        }
      });
      env.result(paid);
      if (!paid.verified) {
        const { CliError } = await import('@datanet/pipelines');
        throw new CliError(`NOT verified: ${paid.reason}`);
      }
      env.say(
        `verified: contribution ${target} ${paid.inPaidSet ? 'WAS' : 'was NOT'} in the paid set of ${opts.datanet} epoch ${paid.epoch} (${paid.paidContributions} paid contributions)`,
      );
      env.say(
        `  paid-set digest ${paid.paidSetRoot} is in audit entry ${paid.auditEntry!.seq} (${paid.auditEntry!.hash}), the audit root committed on-chain`,
      );
      return;
    }
    const result = await asCliFailure(async () => {
      const { DatanetChain } = await import('@datanet/connector-evm');
      const { verifyContribution } = await import('../contributor/verify-contribution.js');
      const store = await openDbIfAny(env);
      const chain = await DatanetChain.open(settings, env.stateDir());
      try {
        return await verifyContribution(store?.db, chain, { datanet: opts.datanet, epoch, target, manifestPath: opts.manifest });
      } finally {
        await chain.close();
      }
    });
    env.result(result);
    if (!result.verified) {
      const { CliError } = await import('@datanet/pipelines');
      throw new CliError(`NOT verified: contribution ${result.contributionId}: ${result.reason}`);
    }
    env.say(`verified: contribution ${result.contributionId} (contributor ${result.contributor})`);
    env.say(`  is in dataset root ${result.onChainRoot} committed for ${opts.datanet} epoch ${epoch}`);
    env.say(`  on chain ${result.chainId}, registry ${result.registry}; proof of ${result.proof.length} hashes`);
  });
};

export default register;
