import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import { lazy, Suspense, useMemo } from 'react';
import { api, data } from '../api/api-client';
import { useSession } from '../api/session';
import { Empty, Loading, QueryState } from '../components/states';
import { Time } from '../components/time';
import type { LineageNode } from './lineage-graph';
import { sameDigest } from './datasets-search';
import { SqlBox } from './sql-box';
import './datasets.css';

const LineageGraph = lazy(() => import('./lineage-graph'));

/** Dataset versions per Datanet, and one version's lineage, Croissant metadata and SQL box. */
export function DatasetsPage() {
  const search = useSearch({ from: '/datasets' });
  const navigate = useNavigate({ from: '/datasets' });
  const datanets = useQuery({ queryKey: ['datanets'], queryFn: () => data(api.GET('/v1/datanets')) });
  const datanet = search.datanet ?? datanets.data?.datanets[0]?.id;
  return (
    <div className="page wide">
      <h1>Datasets</h1>
      <QueryState query={datanets} what="Datanets">
        {(d) =>
          d.datanets.length === 0 ? (
            <Empty>This server serves no Datanets.</Empty>
          ) : (
            <>
              <div className="form inline">
                <label htmlFor="ds-datanet">Datanet</label>
                <select id="ds-datanet" value={datanet} onChange={(e) => navigate({ search: { datanet: e.target.value } })}>
                  {d.datanets.map((n) => (
                    <option key={n.id} value={n.id}>
                      {n.title ?? n.id}
                    </option>
                  ))}
                </select>
              </div>
              {datanet ? <Versions datanet={datanet} version={search.version} sql={search.sql} /> : null}
            </>
          )
        }
      </QueryState>
    </div>
  );
}

function Versions({ datanet, version, sql }: { datanet: string; version?: number; sql?: string }) {
  const versions = useQuery({
    queryKey: ['datasets', datanet],
    queryFn: () => data(api.GET('/v1/datanets/{id}/datasets', { params: { path: { id: datanet } } })),
  });
  return (
    <QueryState query={versions} what="dataset versions">
      {(d) =>
        d.versions.length === 0 ? (
          <Empty>No dataset versions of {datanet} yet: a pipeline with a dataset.build step makes them.</Empty>
        ) : (
          <>
            <div className="table-wrap" tabIndex={0} role="region" aria-label={`Dataset versions of ${datanet}`}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Version</th>
                    <th scope="col">Parent</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Rows</th>
                    <th scope="col">Contributions</th>
                    <th scope="col">Merkle root</th>
                    <th scope="col">Created</th>
                  </tr>
                </thead>
                <tbody>
                  {[...d.versions].reverse().map((v) => (
                    <tr key={v.version} aria-current={v.version === version ? 'true' : undefined}>
                      <td>
                        <Link to="/datasets" search={{ datanet, version: v.version }}>
                          {datanet}@{v.version}
                        </Link>
                      </td>
                      <td>{v.parentVersion ?? '—'}</td>
                      <td>{v.kind}</td>
                      <td>{v.rowCount.toLocaleString()}</td>
                      <td>{v.contributionCount.toLocaleString()}</td>
                      <td>
                        <code title={v.merkleRoot}>{v.merkleRoot.slice(0, 12)}…</code>
                      </td>
                      <td>
                        <Time ms={Date.parse(v.createdAt)} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {version !== undefined ? (
              d.versions.some((v) => v.version === version) ? (
                <VersionDetail key={`${datanet}@${version}`} datanet={datanet} version={version} versions={d.versions} sql={sql} />
              ) : (
                <Empty>
                  {datanet} has no version {version}.
                </Empty>
              )
            ) : (
              <p className="muted">Choose a version to see its lineage, metadata and rows.</p>
            )}
          </>
        )
      }
    </QueryState>
  );
}

interface VersionRow {
  version: number;
  parentVersion: number | null;
  contributionCount: number;
  rowCount: number;
  datasetDigest: string;
  merkleRoot: string;
}

function VersionDetail({ datanet, version, versions, sql }: { datanet: string; version: number; versions: VersionRow[]; sql?: string }) {
  const navigate = useNavigate();
  const session = useSession();
  const detail = useQuery({
    queryKey: ['dataset', datanet, version],
    queryFn: () => data(api.GET('/v1/datanets/{id}/datasets/{version}', { params: { path: { id: datanet, version } } })),
  });
  const models = useQuery({ queryKey: ['models'], queryFn: () => data(api.GET('/v1/models')) });
  const commits = useQuery({
    queryKey: ['commits', datanet],
    queryFn: () => data(api.GET('/v1/datanets/{id}/commits', { params: { path: { id: datanet } } })),
  });
  const lineage = useMemo(() => {
    const byVersion = new Map(versions.map((v) => [v.version, v]));
    const here = byVersion.get(version)!;
    const nodes: LineageNode[] = [];
    const vid = (n: number) => `v${n}`;
    nodes.push({
      id: 'submissions',
      kind: 'submissions',
      label: 'Submissions',
      detail: `${here.contributionCount.toLocaleString()} contributions`,
      from: [],
    });
    // Parent versions, oldest first: each one the base of the next.
    const chain: VersionRow[] = [];
    for (let p = here.parentVersion; p !== null && byVersion.has(p) && chain.length < 20; p = byVersion.get(p)!.parentVersion)
      chain.unshift(byVersion.get(p)!);
    for (const [i, p] of chain.entries())
      nodes.push({
        id: vid(p.version),
        kind: 'version',
        label: `${datanet}@${p.version}`,
        detail: `parent · ${p.rowCount.toLocaleString()} rows`,
        from: i ? [vid(chain[i - 1].version)] : [],
      });
    nodes.push({
      id: vid(version),
      kind: 'version',
      label: `${datanet}@${version}`,
      detail: `${here.rowCount.toLocaleString()} rows`,
      from: ['submissions', ...(chain.length ? [vid(chain[chain.length - 1].version)] : [])],
      current: true,
    });
    const trained = (models.data?.models ?? []).filter(
      (m) => m.lineage.datasetVersion === `${datanet}@${version}` || sameDigest(m.lineage.datasetDigest, here.datasetDigest),
    );
    for (const m of trained)
      nodes.push({ id: `m:${m.id}`, kind: 'model', label: m.id, detail: `${m.method} on ${m.baseModel}`, from: [vid(version)] });
    // Epochs whose chain commit names this version's root: they committed (and paid on) the models
    // trained on it. A commit's model hash is of the adapter folder, so it is matched by the root.
    for (const c of commits.data?.commits ?? []) {
      if (!sameDigest(c.datasetRoot, here.merkleRoot) || nodes.some((n) => n.id === `e:${c.epoch}`)) continue;
      nodes.push({
        id: `e:${c.epoch}`,
        kind: 'epoch',
        label: `epoch ${c.epoch}`,
        detail: c.txHash ? `on-chain, block ${c.blockNumber ?? '?'}` : 'committed',
        from: trained.length ? trained.map((m) => `m:${m.id}`) : [vid(version)],
      });
    }
    return nodes;
  }, [versions, version, datanet, models.data, commits.data]);

  return (
    <section className="version-detail" aria-labelledby="version-h">
      <h2 id="version-h">
        {datanet}@{version}
      </h2>
      <section className="panel" aria-labelledby="lineage-h">
        <h3 id="lineage-h">Lineage</h3>
        {models.isPending || commits.isPending ? (
          <Loading what="the lineage" />
        ) : (
          <Suspense fallback={<Loading what="the graph" />}>
            <LineageGraph
              nodes={lineage}
              onOpen={(n) => {
                if (n.kind === 'version') void navigate({ to: '/datasets', search: { datanet, version: Number(n.id.slice(1)) } });
                if (n.kind === 'model') void navigate({ to: '/models', search: { model: n.id.slice(2) } });
              }}
            />
          </Suspense>
        )}
        <ul className="lineage-list">
          {lineage
            .filter((n) => n.kind === 'model')
            .map((n) => (
              <li key={n.id}>
                Trained on this version:{' '}
                <Link to="/models" search={{ model: n.id.slice(2) }}>
                  {n.label}
                </Link>
              </li>
            ))}
        </ul>
      </section>
      <QueryState query={detail} what="the version's metadata">
        {(v) => (
          <div className="split">
            <section className="panel" aria-labelledby="manifest-h">
              <h3 id="manifest-h">Manifest</h3>
              <dl className="facts">
                <dt>Merkle root</dt>
                <dd>
                  <code>{v.merkleRoot}</code>
                </dd>
                <dt>Dataset digest</dt>
                <dd>
                  <code>{v.datasetDigest}</code>
                </dd>
                <dt>Rows</dt>
                <dd>{v.rowCount.toLocaleString()}</dd>
                <dt>Contributions</dt>
                <dd>{v.contributionCount.toLocaleString()}</dd>
                <dt>Built by run</dt>
                <dd>{v.createdRun ? <code>{v.createdRun}</code> : '—'}</dd>
              </dl>
            </section>
            <section className="panel" aria-labelledby="croissant-h">
              <h3 id="croissant-h">Croissant metadata</h3>
              {v.croissant ? (
                <>
                  <p>
                    <strong>{String(v.croissant.name ?? '')}</strong>{' '}
                    {v.croissant.license ? <span className="muted">· {String(v.croissant.license)}</span> : null}
                  </p>
                  <details>
                    <summary>JSON-LD</summary>
                    <pre className="json" tabIndex={0}>
                      {JSON.stringify(v.croissant, null, 2)}
                    </pre>
                  </details>
                </>
              ) : (
                <Empty>This version has no Croissant file.</Empty>
              )}
            </section>
          </div>
        )}
      </QueryState>
      {session.data ? (
        <SqlBox datanet={datanet} version={version} initial={sql} />
      ) : session.isPending ? null : (
        <section className="panel">
          <h3>Query this version</h3>
          <p>
            <Link to="/sign-in" search={{ next: `/datasets?datanet=${datanet}&version=${version}` }}>
              Sign in
            </Link>{' '}
            to run read-only SQL over this version.
          </p>
        </section>
      )}
    </section>
  );
}
