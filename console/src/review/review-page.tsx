import { Link } from '@tanstack/react-router';
import { scopesWith, useSession } from '../api/session';
import { Empty, ErrorBox, Loading } from '../components/states';

/** The reviewer inbox: the Datanets this person reviews. */
export function ReviewPage() {
  const session = useSession();
  if (session.isPending) return <Loading what="your session" />;
  if (!session.data) return <ErrorBox error={{ status: 401 }} />;
  const datanets = scopesWith(session.data, 'reviewer').filter((s) => s !== '*');
  return (
    <div className="page">
      <h1>Review inbox</h1>
      {datanets.length === 0 ? (
        <Empty>You review no Datanet. A Datanet's owners name its reviewers in its definition.</Empty>
      ) : (
        <ul className="plain">
          {datanets.map((d) => (
            <li key={d}>
              <Link to="/review" search={{ datanet: d }}>
                {d}
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
