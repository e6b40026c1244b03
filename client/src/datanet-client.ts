import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from './schema.js';

export interface DatanetClientOptions {
  /** The server's origin, e.g. http://127.0.0.1:8080; in a page served by `datanet serve`, '' (same origin). */
  baseUrl: string;
  /** An API token from `datanet token create` (sent as a Bearer token). */
  token?: string;
  /**
   * Keep the session and CSRF cookies from sign-in in this client and send them back (Node, tests,
   * scripts). A browser keeps cookies itself: leave this off there.
   */
  cookieJar?: boolean;
  fetch?: typeof globalThis.fetch;
}

export type DatanetClient = Client<paths> & {
  /** The cookies this client holds (cookieJar only); session cookies are secrets: never log them. */
  readonly cookies: Map<string, string>;
  readonly baseUrl: string;
  /** The raw fetch with this client's token, cookies and CSRF header (multipart uploads, SSE). */
  rawFetch(path: string, init?: RequestInit): Promise<Response>;
};

const CSRF_COOKIE = 'datanet_csrf';
const CSRF_HEADER = 'x-csrf-token';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A typed client of the Datanet API: every path, parameter, body and answer is typed from the
 * committed OpenAPI document (`client.GET('/v1/datanets/{id}', { params: { path: { id } } })`).
 */
export function createDatanetClient(o: DatanetClientOptions): DatanetClient {
  const cookies = new Map<string, string>();
  const baseFetch = o.fetch ?? globalThis.fetch;

  const decorate = (req: Request): Request => {
    if (o.token) req.headers.set('authorization', `Bearer ${o.token}`);
    if (o.cookieJar && cookies.size > 0 && !req.headers.has('cookie'))
      req.headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    // Double-submit CSRF: a state-changing request with the session cookie echoes the CSRF cookie.
    if (!SAFE.has(req.method) && !req.headers.has(CSRF_HEADER)) {
      const csrf = cookies.get(CSRF_COOKIE) ?? browserCookie(CSRF_COOKIE);
      if (csrf) req.headers.set(CSRF_HEADER, csrf);
    }
    return req;
  };
  const remember = (res: Response) => {
    if (!o.cookieJar) return;
    for (const line of res.headers.getSetCookie?.() ?? []) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = decodeURIComponent(pair.slice(eq + 1).trim());
      const expired = attrs.some((a) => /^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]) <= Date.now());
      if (value === '' || expired) cookies.delete(name);
      else cookies.set(name, value);
    }
  };

  const middleware: Middleware = {
    onRequest: ({ request }) => decorate(request),
    onResponse: ({ response }) => {
      remember(response);
      return response;
    },
  };
  const client = createClient<paths>({ baseUrl: o.baseUrl, fetch: (req: Request) => baseFetch(req) });
  client.use(middleware);
  return Object.assign(client, {
    cookies,
    baseUrl: o.baseUrl,
    async rawFetch(path: string, init?: RequestInit) {
      const res = await baseFetch(
        decorate(new Request(new URL(path, o.baseUrl || (globalThis as { location?: { origin: string } }).location?.origin), init)),
      );
      remember(res);
      return res;
    },
  });
}

function browserCookie(name: string): string | undefined {
  const doc = (globalThis as { document?: { cookie?: string } }).document;
  const hit = doc?.cookie
    ?.split(';')
    .map((c) => c.trim())
    .find((c) => c.startsWith(`${name}=`));
  return hit ? decodeURIComponent(hit.slice(name.length + 1)) : undefined;
}
