import { useMutation, useQuery } from '@tanstack/react-query';
import { api, ApiError, data, refusal } from '../api/api-client';
import { connectWallet, walletProvider } from '../auth/wallet';
import { StatusBadge } from '../components/status-badge';
import { Empty, ErrorBox, Loading } from '../components/states';
import { Time } from '../components/time';

/** Receipts per epoch: each settled epoch of the Datanet and what it pays this contributor, with the challenge window. */
export function Rewards({ datanet, address }: { datanet: string; address: string }) {
  const epochs = useQuery({
    queryKey: ['settlements', datanet],
    queryFn: () => data(api.GET('/v1/datanets/{id}/settlements', { params: { path: { id: datanet } } })),
  });
  return (
    <section className="panel" aria-labelledby="rewards-title">
      <h2 id="rewards-title">Rewards</h2>
      <Claims datanet={datanet} address={address} />
      {epochs.isPending ? (
        <Loading what="settled epochs" />
      ) : epochs.error ? (
        <ErrorBox error={epochs.error} retry={() => epochs.refetch()} />
      ) : epochs.data.settlements.length === 0 ? (
        <Empty>No epoch of {datanet} has been settled yet. Rewards follow settled epochs in which your data was used.</Empty>
      ) : (
        <ul className="plain">
          {epochs.data.settlements.map((e) => (
            <EpochReceipt key={`${e.epoch}:${e.version}`} datanet={datanet} address={address} epoch={e} />
          ))}
        </ul>
      )}
    </section>
  );
}

function EpochReceipt({
  datanet,
  address,
  epoch,
}: {
  datanet: string;
  address: string;
  epoch: { epoch: string; status: string; finalAt: number; merkleRoot: string | null };
}) {
  const receipt = useQuery({
    queryKey: ['receipt', datanet, epoch.epoch, address],
    retry: false,
    queryFn: () =>
      data(
        api.GET('/v1/datanets/{id}/settlements/{epoch}/receipts/{account}', {
          params: { path: { id: datanet, epoch: epoch.epoch, account: address } },
        }),
      ),
  });
  const open = epoch.status === 'proposed' && epoch.finalAt > Date.now();
  return (
    <li className="panel submission">
      <div className="output-row">
        <span>
          Epoch <strong>{epoch.epoch}</strong> <StatusBadge status={epoch.status} />
        </span>
        {open ? (
          <span className="muted">
            challenge window closes <Time ms={epoch.finalAt} />
          </span>
        ) : null}
      </div>
      {receipt.isPending ? (
        <Loading what="your receipt" />
      ) : receipt.error ? (
        (receipt.error as { status?: number }).status === 404 ? (
          <p className="muted">This epoch pays you nothing.</p>
        ) : (
          <ErrorBox error={receipt.error} />
        )
      ) : (
        <>
          <p>
            You receive <strong>{receipt.data.amount}</strong> base units.{' '}
            <a href={`/v1/datanets/${encodeURIComponent(datanet)}/settlements/${encodeURIComponent(epoch.epoch)}/receipts/${address}/html`}>
              Open the receipt
            </a>{' '}
            (the inferences, spans and weights behind each unit).
          </p>
          {receipt.data.claim ? (
            <p className="muted small">
              Claim proof: leaf {receipt.data.claim.index} under root <code>{receipt.data.claim.root.slice(0, 12)}…</code>
              {epoch.status === 'final' ? '' : '; claimable once the epoch is final.'}
            </p>
          ) : null}
        </>
      )}
    </li>
  );
}

type Statement = {
  datanet: string;
  epoch: string;
  epochNumber: string;
  index: number;
  amount: string;
  commit: { txHash: string | null; chainId: string } | null;
  claim: { to: string | null; data: string };
};

/** RewardDistributor.isClaimed(uint256,uint256) */
const IS_CLAIMED = '0xf364c90c';
const word = (n: bigint | number | string) => BigInt(n).toString(16).padStart(64, '0');

/**
 * A read on the Datanet's chain: the server's JSON-RPC (`POST /rpc`, the embedded chain; sent
 * without cookies, it needs none), else, where the server serves none, the wallet's own node.
 */
async function chainRead(method: string, params: unknown[]): Promise<unknown> {
  const res = await fetch('/rpc', {
    method: 'POST',
    credentials: 'omit',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  }).catch(() => undefined);
  if (res?.status === 404) {
    const wallet = walletProvider();
    if (!wallet)
      throw new ApiError(
        0,
        'no_chain',
        'This server serves no chain endpoint; open the page with a wallet connected to the Datanet chain.',
      );
    return wallet.request({ method, params });
  }
  const body = (await res?.json().catch(() => undefined)) as { result?: unknown; error?: { message: string } } | undefined;
  if (!res || !body) throw new ApiError(0, 'network', 'The chain endpoint cannot be reached. Check your connection and try again.');
  if (body.error) throw new ApiError(res.status, 'chain', body.error.message);
  return body.result;
}

/** Whether the distributor has paid this statement (read on the chain, not from the server's records). */
async function isClaimed(st: Statement): Promise<boolean> {
  const out = (await chainRead('eth_call', [
    { to: st.claim.to, data: `${IS_CLAIMED}${word(st.epochNumber)}${word(st.index)}` },
    'latest',
  ])) as string;
  return BigInt(out) !== 0n;
}

/**
 * Sends the claim from the wallet: the wallet signs `RewardDistributor.claim` with the calldata the
 * server built and sends it to its node (in the embedded profile the server's `/rpc`); then waits
 * for the receipt. In the embedded profile the server's faucet first gives the signed-in account
 * gas money (it has no value; elsewhere the faucet answers 404 and the wallet pays its own gas).
 */
async function sendClaim(st: Statement, owner: string): Promise<string> {
  const { provider, address } = await connectWallet();
  if (address.toLowerCase() !== owner.toLowerCase())
    throw new ApiError(
      400,
      'wrong_account',
      `The wallet's account ${address} is not ${owner}, whose reward this is. Switch accounts in the wallet.`,
    );
  const chainId = BigInt((await provider.request({ method: 'eth_chainId' })) as string);
  if (st.commit && chainId !== BigInt(st.commit.chainId))
    throw new ApiError(
      400,
      'wrong_chain',
      `The wallet is on chain ${chainId}; the reward is paid on chain ${st.commit.chainId}. Switch networks in the wallet.`,
    );
  const faucet = await api.POST('/v1/chain/faucet');
  if (!faucet.response.ok && faucet.response.status !== 404) throw refusal(faucet.response.status, faucet.error);
  let hash: string;
  try {
    hash = (await provider.request({
      method: 'eth_sendTransaction',
      params: [{ from: address, to: st.claim.to, data: st.claim.data }],
    })) as string;
  } catch (e) {
    throw new ApiError(400, 'wallet', `The wallet did not send the claim: ${(e as Error)?.message ?? String(e)}`);
  }
  for (const until = Date.now() + 120_000; ;) {
    const receipt = (await chainRead('eth_getTransactionReceipt', [hash])) as { status: string } | null;
    if (receipt) {
      if (BigInt(receipt.status) !== 1n) throw new ApiError(400, 'reverted', `The claim transaction ${hash} was reverted on the chain.`);
      return hash;
    }
    if (Date.now() > until) throw new ApiError(0, 'timeout', `The claim transaction ${hash} is not mined yet; look again later.`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Reward statements with their on-chain commit and the claim: the claim transaction
 * (RewardDistributor.claim calldata from the server) is sent through the wallet.
 */
function Claims({ datanet, address }: { datanet: string; address: string }) {
  const q = useQuery({
    queryKey: ['rewards', address],
    queryFn: () => data(api.GET('/v1/contributors/{address}/rewards', { params: { path: { address } } })),
  });
  if (q.isPending) return <Loading what="your reward statements" />;
  if (q.error) return <ErrorBox error={q.error} retry={() => q.refetch()} />;
  const mine = q.data.statements.filter((st) => st.datanet === datanet);
  if (mine.length === 0) return null;
  return (
    <div className="table-wrap" tabIndex={0}>
      <table aria-label="Reward statements">
        <thead>
          <tr>
            <th scope="col">Epoch</th>
            <th scope="col" className="num">
              Amount
            </th>
            <th scope="col">Commit</th>
            <th scope="col">Claim</th>
          </tr>
        </thead>
        <tbody>
          {mine.map((st) => (
            <tr key={`${st.epoch}:${st.index}`}>
              <td>{st.epoch}</td>
              <td className="num">{st.amount}</td>
              <td className="mono">{st.commit?.txHash ? `${st.commit.txHash.slice(0, 14)}…` : 'not committed yet'}</td>
              <td>
                {st.claim.to ? <ClaimCell st={st} owner={address} /> : <span className="muted">after the epoch is funded on-chain</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ClaimCell({ st, owner }: { st: Statement; owner: string }) {
  const claimed = useQuery({ queryKey: ['claimed', st.claim.to, st.epochNumber, st.index], queryFn: () => isClaimed(st), retry: false });
  const claim = useMutation({ mutationFn: () => sendClaim(st, owner), onSettled: () => claimed.refetch() });
  if (claim.data)
    return (
      <p role="status">
        Claimed in transaction <code data-testid="claim-tx">{claim.data}</code>
      </p>
    );
  if (claimed.data) return <span role="status">Claimed</span>;
  return (
    <>
      <button type="button" disabled={claim.isPending || claimed.isPending} onClick={() => claim.mutate()}>
        {claim.isPending ? 'Claiming…' : `Claim ${st.amount} in wallet`}
      </button>
      {claimed.error ? <ErrorBox error={claimed.error} retry={() => claimed.refetch()} /> : null}
      {claim.error ? <ErrorBox error={claim.error} /> : null}
    </>
  );
}
