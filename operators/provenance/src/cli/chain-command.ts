import type { RegisterCommand } from '@datanet/pipelines';
import { addChainOptions, asCliFailure, chainSettingsFrom, openDbIfAny, type ChainFlags } from './chain-options.js';

/** `datanet chain deploy` and `datanet chain status`: the contracts and the recorded commits. */
const register: RegisterCommand = (program, env) => {
  const chain = program.command('chain').description('the Datanet contracts: deploy them, show what is committed');
  addChainOptions(
    chain
      .command('deploy')
      .description('deploy DatanetRegistry (and a test token unless --token) and record the addresses under the state dir'),
  ).action(async (opts: ChainFlags) => {
    const settings = chainSettingsFrom(opts);
    const d = await asCliFailure(async () => {
      const evm = await import('@datanet/connector-evm');
      const conn = await evm.ChainConnection.open(evm.parseChainSettings(settings), env.stateDir());
      try {
        const deployment = await evm.deployDatanetContracts(conn, { token: opts.token });
        const path = evm.deploymentPath(conn, env.stateDir());
        evm.saveDeployment(path, deployment);
        return { ...deployment, path };
      } finally {
        await conn.close();
      }
    });
    env.result(d);
    env.say(`registry ${d.registry}, token ${d.token}${d.testToken ? ' (test token)' : ''} on chain ${d.chainId}; recorded in ${d.path}`);
  });
  addChainOptions(
    chain
      .command('status')
      .description('show the deployment and the commits recorded in the run store')
      .option('--datanet <id>', 'only this Datanet'),
  ).action(async (opts: ChainFlags & { datanet?: string }) => {
    const settings = chainSettingsFrom(opts);
    const out = await asCliFailure(async () => {
      const { DatanetChain } = await import('@datanet/connector-evm');
      const { listChainCommits } = await import('../store/chain-commits.js');
      const c = await DatanetChain.open(settings, env.stateDir());
      try {
        const store = await openDbIfAny(env);
        const commits = store ? await listChainCommits(store.db, opts.datanet) : [];
        return {
          where: c.conn.where,
          account: c.conn.address,
          ...c.deployment,
          blockNumber: await c.conn.provider.getBlockNumber(),
          commits,
        };
      } finally {
        await c.close();
      }
    });
    env.result(out);
    env.say(`chain ${out.chainId} (${out.where}) at block ${out.blockNumber}; registry ${out.registry}, token ${out.token}`);
    for (const c of out.commits) env.say(`  ${c.datanet} epoch ${c.epoch}: dataset ${c.datasetRoot} tx ${c.txHash} block ${c.blockNumber}`);
    if (!out.commits.length) env.say('  no commits recorded in this run store');
  });
};

export default register;
