import { api, refusal } from './api-client';

/**
 * GET for routes other helpers are still adding (not yet in openapi.json, so not in the typed
 * client). Each caller names its answer's type; switch to `api.GET` once the route is in the
 * document, so its type check covers it.
 */
export async function getJson<T>(path: string): Promise<T> {
  let res: Response;
  try {
    res = await api.rawFetch(path, { headers: { accept: 'application/json' } });
  } catch {
    throw refusal(0, { error: 'network', message: 'The server cannot be reached. Check your connection and try again.' });
  }
  const body = await res.json().catch(() => undefined);
  if (!res.ok) throw refusal(res.status, body);
  return body as T;
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const res = await api.rawFetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const out = await res.json().catch(() => undefined);
  if (!res.ok) throw refusal(res.status, out);
  return out as T;
}
