import { useQuery } from '@tanstack/react-query';
import { api, data, type ApiError } from './api-client';

export interface Session {
  address: string | null;
  kind: string;
  roles: { scope: string; role: string }[];
}

const RANK = ['contributor', 'reviewer', 'steward', 'owner'];

/** Who is signed in and their roles; null when signed out. */
export function useSession() {
  return useQuery<Session | null, ApiError>({
    queryKey: ['session'],
    queryFn: async () => {
      try {
        return await data(api.GET('/auth/roles'));
      } catch (e) {
        if ((e as ApiError).status === 401) return null;
        throw e;
      }
    },
    staleTime: 60_000,
  });
}

/** Whether the session holds at least `role` on `scope` ('*': the deployment). */
export function holds(session: Session | null | undefined, role: string, scope?: string): boolean {
  if (!session) return false;
  return session.roles.some((r) => (scope === undefined || r.scope === scope) && RANK.indexOf(r.role) >= RANK.indexOf(role));
}

/** The scopes (Datanet ids, '*') where the session holds at least `role`. */
export function scopesWith(session: Session | null | undefined, role: string): string[] {
  if (!session) return [];
  return [...new Set(session.roles.filter((r) => RANK.indexOf(r.role) >= RANK.indexOf(role)).map((r) => r.scope))];
}
