import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import { useState, type KeyboardEvent } from 'react';
import { api, data } from '../api/api-client';
import { holds, useSession } from '../api/session';
import { QueryState } from '../components/states';
import { DatanetRules } from './datanet-rules';
import { ChainCommits, Disputes, DatanetLedger } from './datanet-ledger';
import { RolesPanel } from './roles-panel';
import { StewardDashboard } from './steward-dashboard';

const TABS = [
  { id: 'dashboard', label: 'Dashboard' },
  { id: 'roles', label: 'Roles' },
] as const;
type Tab = (typeof TABS)[number]['id'];

/** The steward's views of a Datanet as tabs (arrow keys move between them). */
function StaffTabs({ datanet, owner }: { datanet: string; owner: boolean }) {
  const [tab, setTab] = useState<Tab>('dashboard');
  const onKey = (e: KeyboardEvent) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const i = TABS.findIndex((t) => t.id === tab);
    const next = TABS[(i + (e.key === 'ArrowRight' ? 1 : TABS.length - 1)) % TABS.length].id;
    setTab(next);
    document.getElementById(`tab-${next}`)?.focus();
  };
  return (
    <>
      <div role="tablist" aria-label="Steward views" className="tabs" onKeyDown={onKey}>
        {TABS.map((t) => (
          <button
            key={t.id}
            id={`tab-${t.id}`}
            type="button"
            role="tab"
            aria-selected={tab === t.id}
            aria-controls={`tabpanel-${t.id}`}
            tabIndex={tab === t.id ? 0 : -1}
            className={tab === t.id ? 'tab active' : 'tab'}
            onClick={() => setTab(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`tabpanel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'dashboard' ? (
          <>
            <StewardDashboard datanet={datanet} />
            <Disputes datanet={datanet} />
          </>
        ) : (
          <RolesPanel datanet={datanet} owner={owner} />
        )}
      </div>
    </>
  );
}

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
                  <li>
                    <Link to="/datanets/$datanetId/settlements" params={{ datanetId: r.id }}>
                      Settlements of {r.id}
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
              <StaffTabs datanet={r.id} owner={holds(session.data, 'owner', datanetId)} />
            ) : null}
          </>
        )}
      </QueryState>
    </div>
  );
}
