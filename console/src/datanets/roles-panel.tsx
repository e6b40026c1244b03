import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, data } from '../api/api-client';
import { Empty, ErrorBox, QueryState } from '../components/states';
import { Time } from '../components/time';

const GRANTABLE = ['reviewer', 'steward', 'owner'] as const;
type Grantable = (typeof GRANTABLE)[number];
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/**
 * A Datanet's roles: who holds which (from the YAML or granted here) and the record of every grant
 * and revocation with who made it and when, for its stewards; grant and revoke for its owners.
 */
export function RolesPanel({ datanet, owner }: { datanet: string; owner: boolean }) {
  const qc = useQueryClient();
  const roles = useQuery({
    queryKey: ['datanet-roles', datanet],
    queryFn: () => data(api.GET('/v1/datanets/{id}/roles', { params: { path: { id: datanet }, query: { limit: 50 } } })),
  });
  const [address, setAddress] = useState('');
  const [role, setRole] = useState<Grantable>('reviewer');
  const [asked, setAsked] = useState<{ address: string; role: Grantable }>();
  const changed = () => {
    void qc.invalidateQueries({ queryKey: ['datanet-roles', datanet] });
    void qc.invalidateQueries({ queryKey: ['session'] });
  };
  const grant = useMutation({
    mutationFn: (g: { address: string; role: Grantable }) =>
      data(api.POST('/v1/datanets/{id}/roles', { params: { path: { id: datanet } }, body: g })),
    onSuccess: () => {
      setAddress('');
      changed();
    },
  });
  const revoke = useMutation({
    mutationFn: (g: { address: string; role: Grantable }) =>
      data(api.DELETE('/v1/datanets/{id}/roles/{address}/{role}', { params: { path: { id: datanet, ...g } } })),
    onSuccess: () => {
      setAsked(undefined);
      changed();
    },
  });
  const valid = ADDRESS.test(address.trim());
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (valid) grant.mutate({ address: address.trim(), role });
  };
  return (
    <section className="panel" aria-labelledby="roles-title">
      <h2 id="roles-title">Roles</h2>
      {owner ? (
        <form onSubmit={submit} className="form inline" aria-label="Grant a role">
          <label>
            Address
            <input
              name="address"
              value={address}
              onChange={(e) => setAddress(e.target.value)}
              placeholder="0x…"
              spellCheck={false}
              autoComplete="off"
              aria-invalid={address !== '' && !valid}
            />
          </label>
          <label>
            Role
            <select name="role" value={role} onChange={(e) => setRole(e.target.value as Grantable)}>
              {GRANTABLE.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="primary" disabled={!valid || grant.isPending}>
            Grant role
          </button>
          {address !== '' && !valid ? <span className="hint">An address is 0x and 40 hex digits.</span> : null}
          {grant.data && !grant.data.granted ? (
            <span className="hint" role="status">
              {grant.data.message}
            </span>
          ) : null}
        </form>
      ) : null}
      {grant.error ? <ErrorBox error={grant.error} /> : null}
      {revoke.error ? <ErrorBox error={revoke.error} /> : null}
      <QueryState query={roles} what="the roles">
        {(r) => (
          <>
            <div className="table-wrap" tabIndex={0}>
              <table aria-label="Role holders">
                <thead>
                  <tr>
                    <th scope="col">Address</th>
                    <th scope="col">Role</th>
                    <th scope="col">From</th>
                    <th scope="col">Since</th>
                    {owner ? <th scope="col">Action</th> : null}
                  </tr>
                </thead>
                <tbody>
                  {r.grants.map((g) => (
                    <tr key={`${g.address}:${g.role}`}>
                      <td className="mono">{g.address}</td>
                      <td>{g.role}</td>
                      <td>{g.source === 'grant' ? `granted by ${g.grantedBy ?? 'an owner'}` : "the Datanet's YAML"}</td>
                      <td>
                        <Time ms={g.grantedAt} />
                      </td>
                      {owner ? (
                        <td>
                          {g.source !== 'grant' ? (
                            <span className="muted">change it in the YAML</span>
                          ) : asked?.address === g.address && asked.role === g.role ? (
                            <span className="actions">
                              <button type="button" className="danger" onClick={() => revoke.mutate(asked)} disabled={revoke.isPending}>
                                Confirm revoke
                              </button>
                              <button type="button" onClick={() => setAsked(undefined)}>
                                Keep
                              </button>
                            </span>
                          ) : (
                            <button
                              type="button"
                              onClick={() => setAsked({ address: g.address, role: g.role as Grantable })}
                              aria-label={`Revoke ${g.role} from ${g.address}`}
                            >
                              Revoke
                            </button>
                          )}
                        </td>
                      ) : null}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <h3>Record of grants and revocations</h3>
            {r.events.length === 0 ? (
              <Empty>No role has been granted or revoked here yet.</Empty>
            ) : (
              <ul className="plain small" aria-label="Role changes">
                {r.events.map((e) => (
                  <li key={e.id}>
                    <Time ms={e.at} />: <span className="mono">{e.by}</span> {e.action === 'grant' ? 'granted' : 'revoked'}{' '}
                    <strong>{e.role}</strong> {e.action === 'grant' ? 'to' : 'from'} <span className="mono">{e.address}</span>
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </QueryState>
    </section>
  );
}
