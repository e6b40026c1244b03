import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { api, data } from '../api/api-client';
import { Empty, QueryState } from '../components/states';

/** The Datanets this server serves (public). */
export function DatanetsPage() {
  const q = useQuery({ queryKey: ['datanets'], queryFn: () => data(api.GET('/v1/datanets')) });
  return (
    <div className="page">
      <h1>Datanets</h1>
      <QueryState query={q} what="Datanets">
        {(d) =>
          d.datanets.length === 0 ? (
            <Empty>This server serves no Datanets (configs/datanets is empty).</Empty>
          ) : (
            <div className="cards">
              {d.datanets.map((n) => (
                <Link key={n.id} to="/datanets/$datanetId" params={{ datanetId: n.id }} className="card">
                  <h2>{n.title ?? n.id}</h2>
                  <p>{n.description ?? n.domain}</p>
                  <p className="muted">
                    {n.modality} · {n.formats.join(', ')}
                  </p>
                </Link>
              ))}
            </div>
          )
        }
      </QueryState>
    </div>
  );
}
