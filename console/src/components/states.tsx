import type { ReactNode } from 'react';
import { ApiError } from '../api/api-client';

export function Loading({ what }: { what: string }) {
  return (
    <div className="state" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="state empty">{children}</div>;
}

/** The error a page shows to someone signed out. */
export const SIGNED_OUT = new ApiError(401, 'unauthenticated', 'This page needs you to sign in with your wallet.');

/** An error as a person reads it: what went wrong and what to do, never a stack trace. */
export function ErrorBox({ error, retry }: { error: unknown; retry?: () => void }) {
  const e = error instanceof ApiError ? error : undefined;
  const title =
    e?.status === 401
      ? 'Sign in to see this'
      : e?.status === 403
        ? 'Not allowed'
        : e?.status === 404
          ? 'Not found'
          : e?.status === 0
            ? 'Offline'
            : e?.status === 400 || e?.status === 422
              ? 'Not valid'
              : 'Something went wrong';
  // Problems listed below (file:line:col) are not repeated in the message above them.
  const listed = new Set(e?.diagnostics ?? []);
  const message = e
    ? e.message
        .split('\n')
        .filter((l) => !listed.has(l.trim()))
        .join('\n')
    : 'The page hit an unexpected problem. Reload to try again.';
  return (
    <div className="state error" role="alert">
      <strong>{title}</strong>
      <p className="pre-line">{message}</p>
      {e?.diagnostics.length ? (
        <ul className="diagnostics">
          {e.diagnostics.map((d) => (
            <li key={d}>
              <code>{d}</code>
            </li>
          ))}
        </ul>
      ) : null}
      {e?.status === 401 ? (
        <a href="/sign-in">Sign in</a>
      ) : retry ? (
        <button type="button" onClick={retry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/** Loading, error or the content, for one query. */
export function QueryState<T>({
  query,
  what,
  children,
}: {
  query: { isPending: boolean; error: unknown; data: T | undefined; refetch: () => unknown };
  what: string;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <Loading what={what} />;
  if (query.error) return <ErrorBox error={query.error} retry={() => query.refetch()} />;
  return <>{children(query.data as T)}</>;
}
