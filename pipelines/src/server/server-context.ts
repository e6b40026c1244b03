import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely, OperationNodeSource } from 'kysely';
import type { Engine } from '../exec/engine.js';
import type { RoleStore } from './auth/roles.js';
import type { ServerConfig } from './server-config.js';

/** The Fastify instance routes are registered on: zod schemas for params, query, body and replies. */
export type ZodApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/**
 * What the server hands to routes contributed by operator packages (`datanet.routes` in their
 * package.json). The server knows scopes and roles, not Datanets: a package that serves Datanets
 * seeds each Datanet's roles under the Datanet id as scope.
 */
export interface ServerContext {
  config: ServerConfig;
  engine: Engine;
  db: Kysely<any>;
  dialect: 'postgres' | 'pglite';
  /** The profile's executor: 'in-process' is the embedded profile (runs, and the embedded chain, live in this process). */
  executor: string;
  roles: RoleStore;
  /**
   * Whether a scope is one this server serves (a Datanet with a definition here). A package that
   * serves Datanets sets it when its routes register; the server's own routes under
   * /v1/datanets/:id (roles) answer 404 for a scope it refuses. Unset, every scope is served.
   */
  servedScope?: (scope: string) => boolean;
  /**
   * What a route module needs done before the server takes requests, e.g. kernel threads started
   * with their modules loaded. `datanet serve` runs these before it listens; an app built for
   * in-process tests or for its OpenAPI document does not.
   */
  warmUps: (() => Promise<void>)[];
  /** Answers stored per key, so a request sent twice gets the first answer (kept in the store). */
  idempotency: {
    get(key: string): Promise<{ status: number; body: unknown } | undefined>;
    /**
     * Stores the answer unless one is there; returns the stored (first) one. `alongside`, a
     * data-modifying statement (insert, update, delete), runs in the same statement: the answer
     * and that change are kept together, in one round trip.
     */
    put(
      key: string,
      kind: string,
      subject: string,
      status: number,
      body: unknown,
      alongside?: OperationNodeSource,
    ): Promise<{ status: number; body: unknown }>;
  };
}

/** A route module default-exports this. */
export type RegisterRoutes = (app: ZodApp, ctx: ServerContext) => void | Promise<void>;
