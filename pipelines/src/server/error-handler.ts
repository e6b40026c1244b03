import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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

/**
 * Fastify's router answers some requests before any hook or handler runs: a path that does not
 * decode (FST_ERR_BAD_URL) and a path parameter past routerOptions.maxParamLength
 * (FST_ERR_MAX_PARAM_LENGTH). Passed as the `frameworkErrors` option, this gives them the service's
 * { error, message } shape; the path is not echoed (it may be long or hostile).
 */
export function frameworkErrors(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  if (err.code === 'FST_ERR_BAD_URL') {
    void reply.code(400).send({
      error: 'bad_url',
      message: 'the URL path does not decode (a "%" not followed by two hex digits, or bytes that are not UTF-8); percent-encode it',
    });
    return;
  }
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void reply.code(414).send({
      error: 'path_too_long',
      message: 'a path segment is longer than 200 characters; ids and names in paths are shorter (see /openapi.json)',
    });
    return;
  }
  const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
  void reply
    .code(status)
    .send(
      status === 500
        ? { error: 'internal', message: 'internal error; see the server log' }
        : { error: String(err.code ?? 'bad_request').toLowerCase(), message: err.message },
    );
}
