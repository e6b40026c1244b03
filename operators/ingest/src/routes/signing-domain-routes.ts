import { join } from 'node:path';
import { z } from 'zod';
import { DATANET_ID, definitionLoader, refuseUnknownDatanets, unknownDatanet } from '@datanet/datanet';
import type { RegisterRoutes } from '@datanet/pipelines/server';
import { deploymentDomain } from '../signing/deployment-domain.js';
import { SUBMISSION_TYPES, submissionDomain } from '../signing/submission-manifest.js';

const Refusal = z.object({ error: z.string(), message: z.string() });

/** What a wallet needs to sign a submission for this deployment: the EIP-712 domain (version 2) and types. */
const register: RegisterRoutes = (app, ctx) => {
  const definition = definitionLoader(ctx.config.configRoot, app.log);
  refuseUnknownDatanets(app, definition);
  app.get(
    '/v1/datanets/:id/signing-domain',
    {
      config: { access: 'public' },
      schema: {
        tags: ['contributors'],
        summary: 'The EIP-712 domain and types a submission to this Datanet on this deployment is signed with (eth_signTypedData_v4)',
        params: z.object({ id: z.string().regex(DATANET_ID, 'a Datanet id') }),
        response: {
          200: z.object({
            format: z.literal('datanet-submission/2'),
            primaryType: z.literal('Submission'),
            domain: z.object({ name: z.string(), version: z.string(), chainId: z.number(), salt: z.string() }),
            types: z.record(z.string(), z.array(z.object({ name: z.string(), type: z.string() }))),
          }),
          404: Refusal,
        },
      },
    },
    async (req, reply) => {
      const def = definition(req.params.id);
      if (!def) return reply.code(404).send(unknownDatanet(req.params.id));
      const deployment = await deploymentDomain(join(ctx.config.stateDir, 'inbox', def.id));
      return {
        format: 'datanet-submission/2' as const,
        primaryType: 'Submission' as const,
        domain: { ...submissionDomain(deployment) },
        types: SUBMISSION_TYPES,
      };
    },
  );
};

export default register;
