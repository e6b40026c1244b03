import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

/**
 * Bad input is the caller's fault and gets a 4xx naming what was wrong; only our own faults are
 * 5xx, and those say nothing about internals.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const issues = err.validation.map((v) => ({
        at: `${err.validationContext ?? 'request'}${v.instancePath || ''}`,
        message: v.message ?? 'invalid',
      }));
      return reply.code(400).send({ error: 'invalid_request', message: issues.map((i) => `${i.at}: ${i.message}`).join('; '), issues });
    }
    const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (status >= 400 && status < 500) {
      return reply.code(status).send({ error: err.code ? String(err.code).toLowerCase() : 'bad_request', message: err.message });
    }
    req.log.error({ err: { message: err.message, stack: err.stack } }, 'request failed');
    return reply.code(500).send({ error: 'internal', message: 'internal error; see the server log' });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` }),
  );
}
