import type { FastifyServerOptions } from 'fastify';

const SECRET_QUERY = /^(token|access_token|signature|sig|key|secret|password|session|nonce|code)$/i;

// Paths pino blanks in every log line: credentials in headers, cookies set, and secret-looking
// fields in anything a handler logs. Request bodies are never logged.
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.signature',
  '*.token',
  '*.privateKey',
  '*.secret',
  '*.password',
  '*.sessionId',
  '*.csrf',
  'signature',
  'token',
  'privateKey',
];

/** The request line as logged: values of secret-looking query parameters are replaced. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  for (const k of [...params.keys()]) if (SECRET_QUERY.test(k)) params.set(k, '[redacted]');
  return `${url.slice(0, q)}?${params.toString()}`;
}

export function loggerOptions(level: string): FastifyServerOptions['logger'] {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      req(req) {
        return { method: req.method, url: redactUrl(req.url), remoteAddress: req.ip };
      },
    },
  };
}
