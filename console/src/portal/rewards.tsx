import { useQuery } from '@tanstack/react-query';
import { api, data } from '../api/api-client';
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
