// The embedded chain's hardhat network, in a worker thread: loading hardhat (~1 s of synchronous
// require) and building its genesis state (~0.5 s of pure-JS secp256k1) would otherwise stall the
// engine's event loop. Requests arrive as { id, method, params }; answers are { id, result } or
// { id, error } with the provider error's message, code and data (revert data) kept.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const { createHardhatNetworkProvider } = require('hardhat/internal/hardhat-network/provider/provider');
const { defaultHardhatNetworkParams } = require('hardhat/internal/core/config/default-config');

const provider = await createHardhatNetworkProvider(
  { ...workerData.config, chains: defaultHardhatNetworkParams.chains },
  { enabled: false },
);

parentPort.on('message', async ({ id, method, params }) => {
  try {
    parentPort.postMessage({ id, result: await provider.request({ method, params }) });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    const error = { message: e.message, name: e.name, stack: e.stack };
    for (const key of ['code', 'data', 'transactionHash']) if (e[key] !== undefined) error[key] = e[key];
    parentPort.postMessage({ id, error });
  }
});
parentPort.postMessage({ ready: true });
