import { useQuery } from '@tanstack/react-query';
import { getJson } from '../api/untyped';
import { Empty, ErrorBox, Loading } from '../components/states';

interface ReceiptSummary {
  epoch: number | string;
  amount: string;
  status?: string;
}

/**
 * Receipts per epoch and the claim. Served by the accountability routes; on a server without
 * them the section says so instead of failing.
 */
export function Rewards({ datanet, address }: { datanet: string; address: string }) {
  const q = useQuery({
    queryKey: ['receipts', datanet, address],
    queryFn: () => getJson<{ receipts: ReceiptSummary[] }>(`/v1/datanets/${encodeURIComponent(datanet)}/contributors/${address}/receipts`),
    retry: false,
  });
  return (
    <section className="panel" aria-labelledby="rewards-title">
      <h2 id="rewards-title">Rewards</h2>
      {q.isPending ? (
        <Loading what="your receipts" />
      ) : q.error && (q.error as { status?: number }).status === 404 ? (
        <Empty>Rewards are not settled on this server yet: no epoch has paid this Datanet's contributors.</Empty>
      ) : q.error ? (
        <ErrorBox error={q.error} retry={() => q.refetch()} />
      ) : q.data.receipts.length === 0 ? (
        <Empty>No rewards yet. Rewards follow settled epochs in which your data was used.</Empty>
      ) : (
        <ul className="plain">
          {q.data.receipts.map((r) => (
            <li key={String(r.epoch)}>
              Epoch {String(r.epoch)}: {r.amount} {r.status ? `(${r.status})` : ''}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
