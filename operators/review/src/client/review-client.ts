import { createDatanetClient, signIn, type DatanetClient, type SiweSigner } from '@datanet/client';
import type { ReviewItemView, DecisionResult } from '../queue/queue-types.js';
import type { QueueStats, ReviewerStats } from '../queue/review-stats.js';

/** A refusal from the review API, with its code and reason. */
export class ReviewApiError extends Error {
  override name = 'ReviewApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`HTTP ${status} ${code}: ${message}`);
  }
}

export interface ReviewBatchView {
  batch: string;
  runId: string | null;
  stepId: string | null;
  items: number;
  open: number;
  deadline: string;
  settledAt: string | null;
}

/**
 * The review API for a terminal or a script: signs in with SIWE (the key stays here), then calls
 * the routes with the session cookie and CSRF header (@datanet/client keeps both).
 */
export class ReviewClient {
  private constructor(
    private readonly api: DatanetClient,
    readonly address: string,
  ) {}

  static async signIn(server: string, signer: SiweSigner): Promise<ReviewClient> {
    const api = createDatanetClient({ baseUrl: server.replace(/\/$/, ''), cookieJar: true });
    await signIn(api, signer, 'Sign in to review');
    return new ReviewClient(api, signer.address);
  }

  /** With an API token instead of a session (automation). */
  static withToken(server: string, token: string): ReviewClient {
    return new ReviewClient(createDatanetClient({ baseUrl: server.replace(/\/$/, ''), token }), 'token');
  }

  async next(datanet: string, limit = 5): Promise<ReviewItemView[]> {
    return (await this.call<{ items: ReviewItemView[] }>('GET', `/v1/datanets/${enc(datanet)}/review/next?limit=${limit}`)).items;
  }

  decide(datanet: string, item: string, d: { verdict: string; reason?: string; note?: string }): Promise<DecisionResult> {
    return this.call('POST', `/v1/datanets/${enc(datanet)}/review/items/${enc(item)}/decision`, d);
  }

  override(datanet: string, item: string, d: { verdict: 'approve' | 'reject'; reason?: string; note?: string }): Promise<DecisionResult> {
    return this.call('POST', `/v1/datanets/${enc(datanet)}/review/items/${enc(item)}/override`, d);
  }

  me(datanet: string): Promise<ReviewerStats> {
    return this.call('GET', `/v1/datanets/${enc(datanet)}/review/me`);
  }

  stats(datanet: string): Promise<QueueStats & { batches: ReviewBatchView[] }> {
    return this.call('GET', `/v1/datanets/${enc(datanet)}/review/stats`);
  }

  /** Any other call of the API with this client's session (e.g. resuming a run as a steward). */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.api.rawFetch(path, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const e = (json ?? {}) as { error?: string; message?: string };
      throw new ReviewApiError(res.status, e.error ?? 'error', e.message ?? text.slice(0, 200));
    }
    return json as T;
  }
}

const enc = encodeURIComponent;
