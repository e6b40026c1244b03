import { useQueryClient } from '@tanstack/react-query';
import { Link, Outlet, useNavigate } from '@tanstack/react-router';
import { api } from './api/api-client';
import { holds, scopesWith, useSession } from './api/session';

/** Header with the pages this person's roles open, and the page below. */
export function AppShell() {
  const session = useSession();
  const s = session.data;
  const qc = useQueryClient();
  const navigate = useNavigate();
  const staff = scopesWith(s, 'reviewer').length > 0;
  const signOut = async () => {
    await api.POST('/auth/logout');
    qc.clear();
    await navigate({ to: '/' });
  };
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand">
          Datanet
        </Link>
        <nav aria-label="Main">
          {staff || holds(s, 'reviewer', '*') ? <Link to="/runs">Runs</Link> : null}
          <Link to="/datanets">Datanets</Link>
          <Link to="/datasets">Datasets</Link>
          <Link to="/models">Models</Link>
          {s?.address ? <Link to="/playground">Playground</Link> : null}
          {staff ? <Link to="/review">Review</Link> : null}
          <Link to="/portal">Contribute</Link>
        </nav>
        <div className="who">
          {s?.address ? (
            <>
              <span className="addr" title={s.address}>
                {s.address.slice(0, 6)}…{s.address.slice(-4)}
              </span>
              <button type="button" className="link" onClick={signOut}>
                Sign out
              </button>
            </>
          ) : session.isPending ? null : (
            <Link to="/sign-in">Sign in</Link>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}
