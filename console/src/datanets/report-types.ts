import type { paths } from '@datanet/client';

type Ok<P extends keyof paths> = paths[P] extends { get: { responses: { 200: { content: { 'application/json': infer T } } } } } ? T : never;

/** GET /v1/datanets/{id}/report: the quality report model the HTML report renders, plus rejections per day. */
export type StewardReport = Ok<'/v1/datanets/{id}/report'>;
