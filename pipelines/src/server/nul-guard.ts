import type { FastifyInstance } from 'fastify';

const NUL = '\u0000';
const MESSAGE = 'must not contain the NUL character (\\u0000)';

/**
 * PostgreSQL's text cannot hold NUL: a path parameter, query parameter or JSON field carrying one
 * reached the store and came back a 500 ("invalid byte sequence for encoding UTF8: 0x00"). Every
 * route refuses it here as the caller's fault, a 400 naming the field as schema errors do. Installed
 * after the access check (preValidation hooks run in order), so an unauthorised caller learns nothing.
 */
export function installNulGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (req, reply) => {
    const parts: [string, unknown][] = [
      ['params', req.params],
      ['querystring', req.query],
      ['body', req.body],
    ];
    for (const [part, value] of parts) {
      const at = nulAt(part, value);
      if (at !== undefined)
        return reply.code(400).send({ error: 'invalid_request', message: `${at}: ${MESSAGE}`, issues: [{ at, message: MESSAGE }] });
    }
  });
}

/** Where the first string (or object key) with a NUL is, as `part/a/0/b`; undefined when none. */
function nulAt(part: string, root: unknown): string | undefined {
  // Iterative: a deeply nested JSON body must not overflow the stack.
  const todo: [string, unknown][] = [[part, root]];
  while (todo.length) {
    const [at, v] = todo.pop()!;
    if (typeof v === 'string') {
      if (v.includes(NUL)) return at;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) todo.push([`${at}/${i}`, v[i]]);
    } else if (v !== null && typeof v === 'object' && !Buffer.isBuffer(v)) {
      const entries = Object.entries(v as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, child] = entries[i];
        if (k.includes(NUL)) return `${at}/${k.replaceAll(NUL, '\\u0000')}`;
        todo.push([`${at}/${k}`, child]);
      }
    }
  }
  return undefined;
}
