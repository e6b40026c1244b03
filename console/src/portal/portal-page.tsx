import { Link } from '@tanstack/react-router';
import { useSession } from '../api/session';
import { Loading } from '../components/states';

/** The contributor portal. */
export function PortalPage() {
  const session = useSession();
  if (session.isPending) return <Loading what="your session" />;
  return (
    <div className="page">
      <h1>Contribute</h1>
      {!session.data ? (
        <p>
          <Link to="/sign-in" search={{ next: '/portal' }}>
            Sign in with your wallet
          </Link>{' '}
          to submit files and see your quota.
        </p>
      ) : null}
    </div>
  );
}
