import { Link } from '@tanstack/react-router';
import { scopesWith, useSession } from './api/session';
import { Loading } from './components/states';

/** Where each person starts: the pages their roles open. */
export function HomePage() {
  const session = useSession();
  if (session.isPending) return <Loading what="your session" />;
  const s = session.data;
  const staff = scopesWith(s, 'reviewer');
  const stewarding = scopesWith(s, 'steward').filter((x) => x !== '*');
  return (
    <div className="page">
      <h1>Datanet</h1>
      <p className="lead">Community datasets from contribution to training to rewards.</p>
      <div className="cards">
        {staff.length ? (
          <Link to="/runs" className="card">
            <h2>Runs</h2>
            <p>Pipelines running and finished: the DAG live, logs and outputs.</p>
          </Link>
        ) : null}
        {stewarding.map((d) => (
          <Link key={d} to="/datanets/$datanetId" params={{ datanetId: d }} className="card">
            <h2>{d}</h2>
            <p>Dashboard: rules, contributors, rejections and duplicates.</p>
          </Link>
        ))}
        {staff.some((x) => x !== '*') ? (
          <Link to="/review" className="card">
            <h2>Review inbox</h2>
            <p>Approve or reject what intake sends to people, with the keyboard.</p>
          </Link>
        ) : null}
        <Link to="/portal" className="card">
          <h2>Contribute</h2>
          <p>Submit files, follow what happened to them, see your quota and rewards.</p>
        </Link>
        <Link to="/datanets" className="card">
          <h2>Datanets</h2>
          <p>The communities served here and their rules.</p>
        </Link>
      </div>
      {!s ? (
        <p>
          <Link to="/sign-in">Sign in with your wallet</Link> to see the pages of your roles.
        </p>
      ) : null}
    </div>
  );
}
