import { createDatanetClient } from '@datanet/client';

/** The typed API client (generated from openapi.json); same origin, cookies kept by the browser. */
export const api = createDatanetClient({ baseUrl: '' });

/** A refusal from the API, with its status and the server's reason (never a stack). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly diagnostics: string[] = [],
  ) {
    super(message);
  }
}

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The answer's body, or an ApiError carrying the server's `error` and `message`. */
export async function data<T>(call: Promise<Answer<T>>): Promise<T> {
  let r: Answer<T>;
  try {
    r = await call;
  } catch {
    throw new ApiError(0, 'network', 'The server cannot be reached. Check your connection and try again.');
  }
  if (r.response.ok && r.data !== undefined) return r.data as T;
  throw refusal(r.response.status, r.error);
}

export function refusal(status: number, body: unknown): ApiError {
  const b = (body ?? {}) as { error?: string; message?: string; diagnostics?: string[] };
  const message =
    b.message ??
    (status === 401
      ? 'Sign in to see this.'
      : status === 403
        ? 'Your roles do not allow this.'
        : status >= 500
          ? 'The server had a problem; try again.'
          : `Request failed (${status}).`);
  return new ApiError(status, b.error ?? `http_${status}`, message, b.diagnostics ?? []);
}
