import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import { api, data } from '../api/api-client';
import { holds, useSession } from '../api/session';
import { QueryState } from '../components/states';
import { DatanetRules } from './datanet-rules';
import { ChainCommits, Disputes, DatanetLedger } from './datanet-ledger';
import { StewardDashboard } from './steward-dashboard';

/** A Datanet: its rules for everyone; the steward dashboard for its staff. */
export function DatanetPage() {
  const { datanetId } = useParams({ from: '/datanets/$datanetId' });
  const session = useSession();
  const rules = useQuery({
    queryKey: ['datanet', datanetId],
    queryFn: () => data(api.GET('/v1/datanets/{id}', { params: { path: { id: datanetId } } })),
  });
  const staff = holds(session.data, 'reviewer', datanetId);
  return (
    <div className="page">
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link to="/datanets">Datanets</Link> / {datanetId}
      </nav>
      <QueryState query={rules} what="the Datanet">
        {(r) => (
          <>
            <h1>{r.title ?? r.id}</h1>
            {r.description ? <p className="lead">{r.description}</p> : null}
            <div className="split">
              <section className="panel" aria-labelledby="rules-title">
                <h2 id="rules-title">Rules</h2>
                <DatanetRules rules={r} />
              </section>
              <section className="panel" aria-labelledby="links-title">
                <h2 id="links-title">Go to</h2>
                <ul className="plain">
                  <li>
                    <Link to="/portal" search={{ datanet: r.id }}>
                      Contribute to {r.id}
                    </Link>
                  </li>
                  {staff ? (
                    <>
                      <li>
                        <Link to="/runs" search={{ datanet: r.id }}>
                          Runs of {r.id}
                        </Link>
                      </li>
                      <li>
                        <Link to="/review" search={{ datanet: r.id }}>
                          Review inbox
                        </Link>
                      </li>
                    </>
                  ) : null}
                </ul>
              </section>
            </div>
            <DatanetLedger datanet={r.id} />
            <ChainCommits datanet={r.id} />
            {holds(session.data, 'steward', datanetId) ? (
              <>
                <StewardDashboard datanet={r.id} />
                <Disputes datanet={r.id} />
              </>
            ) : null}
          </>
        )}
      </QueryState>
    </div>
  );
}
