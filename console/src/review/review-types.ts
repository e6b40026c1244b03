import type { paths } from '@datanet/client';

/** An item of the review queue, as GET /v1/datanets/{id}/review/next answers it. */
export type ReviewItem = paths['/v1/datanets/{id}/review/next']['get']['responses'][200]['content']['application/json']['items'][number];
