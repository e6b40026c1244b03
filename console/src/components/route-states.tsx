import { Link } from '@tanstack/react-router';
import { ApiError } from '../api/api-client';
import { ErrorBox } from './states';

// What browsers say when a page's code chunk cannot be fetched.
const CHUNK_FAILED = /dynamically imported module|Importing a module script failed|error loading dynamically|Failed to fetch/i;

/** A page that failed to load or render (a lost connection while fetching its code, a bug): what happened and a way on, never a stack trace. */
export function RouteError({ error }: { error: unknown }) {
  const shown =
    error instanceof Error && !(error instanceof ApiError) && CHUNK_FAILED.test(error.message)
      ? new ApiError(0, 'network', 'The code of this page could not be fetched. Check your connection and try again.')
      : error;
  return (
    <div className="page narrow">
      <h1>This page could not be shown</h1>
      <ErrorBox error={shown} retry={() => window.location.reload()} />
      <p>
        <Link to="/">Go to the start page</Link>
      </p>
    </div>
  );
}

/** A console address that names no page. */
export function NotFoundPage() {
  return (
    <div className="page narrow">
      <h1>No such page</h1>
      <p>This address names no page of the console. It may have moved, or the link may be mistyped.</p>
      <p>
        <Link to="/">Go to the start page</Link>
      </p>
    </div>
  );
}
