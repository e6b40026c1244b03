import type { ZodApp } from '@datanet/pipelines/server';
import { DATANET_ID, type DefinitionLoader } from '../definition/definition-loader.js';

/** The answer (404) to a request naming a Datanet this server has no definition of. */
export function unknownDatanet(id: string): { error: 'unknown_datanet'; message: string } {
  return { error: 'unknown_datanet', message: `no Datanet ${id} on this server` };
}

/**
 * Answers 404 unknown_datanet to every request for one of `app`'s routes under /v1/datanets/:id
 * whose id names no Datanet (`definition`), before the route validates anything or does any work.
 * It runs after the server's access check: on a route that needs a role, a caller without one on
 * that id (for an unknown Datanet, everyone: it has no stewards) gets the same 401/403 as for a
 * Datanet that exists, so the 404 tells nothing a refusal would have hidden. An id that is not a
 * Datanet id at all is left to the route's params schema (400).
 */
export function refuseUnknownDatanets(app: ZodApp, definition: DefinitionLoader): void {
  app.addHook('preValidation', async (req, reply) => {
    const url = req.routeOptions.url;
    if (url !== '/v1/datanets/:id' && !url?.startsWith('/v1/datanets/:id/')) return;
    const id = (req.params as { id?: unknown }).id;
    if (typeof id !== 'string' || !DATANET_ID.test(id) || definition(id)) return;
    return reply.code(404).send(unknownDatanet(id));
  });
}
