import type { DatanetClient } from './datanet-client.js';

export interface SubmissionFile {
  /** The name the signed manifest gives the file. */
  name: string;
  data: Blob | Uint8Array | string;
}

/**
 * POST /v1/datanets/{id}/submissions: the signed manifest (the JSON `datanet submit` writes as
 * submission.json) and then its files, as multipart. Answers the server's status and JSON body:
 * 202 with the receipt, 200 for the same submission sent again, 4xx with `error` and `message`.
 */
export async function submitFiles(
  client: DatanetClient,
  datanet: string,
  signed: unknown,
  files: SubmissionFile[],
): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = new FormData();
  form.append('manifest', typeof signed === 'string' ? signed : JSON.stringify(signed));
  for (const f of files) {
    const blob = f.data instanceof Blob ? f.data : new Blob([typeof f.data === 'string' ? f.data : new Uint8Array(f.data)]);
    form.append('file', blob, f.name);
  }
  const res = await client.rawFetch(`/v1/datanets/${encodeURIComponent(datanet)}/submissions`, { method: 'POST', body: form });
  const text = await res.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { error: 'not_json', message: text.slice(0, 200) };
  }
  return { status: res.status, body };
}
