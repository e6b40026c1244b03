import type { RegisterCommand } from '@datanet/pipelines';
import { addChainOptions, asCliFailure, chainSettingsFrom, openDbIfAny, parseEpoch, type ChainFlags } from './chain-options.js';

/** `datanet claim --epoch E --key KEYFILE` */
const register: RegisterCommand = (program, env) => {
  addChainOptions(
    program
      .command('claim')
      .description("claim a contributor's reward for an epoch with its Merkle proof")
      .requiredOption('--epoch <n>', 'settled epoch')
      .requiredOption(
        '--key <file>',
        'the contributor key: encrypted JSON keystore (password from $DATANET_KEYSTORE_PASSWORD) or a file with a hex key',
      )
      .option('--datanet <id>', 'Datanet name (default: the one that committed the epoch)')
      .option('--rewards <file>', 'rewards JSON of the settlement (default: the one recorded at commit)'),
  ).action(async (opts: ChainFlags & { epoch: string; key: string; datanet?: string; rewards?: string }) => {
    const epoch = parseEpoch(opts.epoch);
    const settings = chainSettingsFrom(opts);
    const result = await asCliFailure(async () => {
      const { DatanetChain, walletFromKeyFile } = await import('@datanet/connector-evm');
      const { claimReward } = await import('../contributor/claim-reward.js');
      const wallet = await walletFromKeyFile(opts.key);
      const store = await openDbIfAny(env);
      const chain = await DatanetChain.open(settings, env.stateDir());
      try {
        return await claimReward(store?.db, chain, wallet, { epoch, datanet: opts.datanet, rewardsPath: opts.rewards });
      } finally {
        await chain.close();
      }
    });
    env.result(result);
    if (result.status === 'already-claimed')
      env.say(`already claimed: ${result.amount} to ${result.account} (epoch ${epoch}, index ${result.index})`);
    else env.say(`claimed ${result.amount} for ${result.account} (epoch ${epoch}) in tx ${result.txHash}`);
    env.say(`balance: ${result.balance} (token ${result.token})`);
  });
};

export default register;
