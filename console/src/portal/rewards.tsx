import { useMutation, useQuery } from '@tanstack/react-query';
import { api, data } from '../api/api-client';
import { connectWallet } from '../auth/wallet';
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

/**
 * Reward statements with their on-chain commit and the claim: the claim transaction
 * (RewardDistributor.claim calldata from the server) is sent through the wallet.
 */
function Claims({ datanet, address }: { datanet: string; address: string }) {
  const q = useQuery({
    queryKey: ['rewards', address],
    queryFn: () => data(api.GET('/v1/contributors/{address}/rewards', { params: { path: { address } } })),
  });
  const claim = useMutation({
    mutationFn: async (tx: { to: string; data: string }) => {
      const { provider, address: from } = await connectWallet();
      return (await provider.request({ method: 'eth_sendTransaction', params: [{ from, to: tx.to, data: tx.data }] })) as string;
    },
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
                {st.claim.to ? (
                  <button type="button" disabled={claim.isPending} onClick={() => claim.mutate({ to: st.claim.to!, data: st.claim.data })}>
                    Claim in wallet
                  </button>
                ) : (
                  <span className="muted">after the epoch is funded on-chain</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {claim.data ? (
        <p role="status">
          Claim sent: transaction <code>{claim.data}</code>
        </p>
      ) : null}
      {claim.error ? <ErrorBox error={claim.error} /> : null}
    </div>
  );
}
