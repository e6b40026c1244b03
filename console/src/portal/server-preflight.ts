import type { paths } from '@datanet/client';
import { useQuery } from '@tanstack/react-query';
import { api, refusal } from '../api/api-client';

export type PreflightReport = paths['/v1/datanets/{id}/preflight']['post']['responses'][200]['content']['application/json'];

/**
 * What intake would decide for these files, asked of the server (POST /v1/datanets/{id}/preflight:
 * the files are judged in a private folder and removed). Nothing is signed or stored.
 */
export function useServerPreflight(datanet: string, files: File[], licence: string, consent: string[]) {
  return useQuery({
    queryKey: ['preflight', datanet, files.map((f) => `${f.name}:${f.size}:${f.lastModified}`), licence, consent],
    enabled: files.length > 0,
    staleTime: Infinity,
    retry: false,
    queryFn: async (): Promise<PreflightReport> => {
      const form = new FormData();
      form.append('licence', licence);
      form.append('consent', consent.join(','));
      for (const f of files) form.append('file', f, f.name);
      const res = await api.rawFetch(`/v1/datanets/${encodeURIComponent(datanet)}/preflight`, { method: 'POST', body: form });
      const body = await res.json().catch(() => undefined);
      if (!res.ok) throw refusal(res.status, body);
      return body as PreflightReport;
    },
  });
}

/** One line per file: the decision and, for records, how many would be refused and the first reason. */
export function fileVerdict(f: PreflightReport['files'][number]): { ok: boolean; text: string } {
  if (f.decision === 'rejected')
    return { ok: false, text: `would be rejected: ${f.reasonCode ?? ''}${f.message ? ` (${f.message})` : ''}` };
  const refused = f.records.filter((r) => r.decision === 'rejected');
  if (refused.length === 0) return { ok: true, text: `would be accepted (${f.records.length} records)` };
  const first = refused[0];
  return {
    ok: true,
    text: `would be accepted with ${refused.length} of ${f.records.length} records refused, e.g. ${first.where}: ${first.reasonCode ?? ''}`,
  };
}
