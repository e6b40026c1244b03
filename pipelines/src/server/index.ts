// The service core: what operator packages use to contribute routes, and what `datanet serve` runs.
export { createApp } from './create-app.js';
export type { CreateAppOptions, DatanetServer } from './create-app.js';
export type { ServerContext, RegisterRoutes, ZodApp } from './server-context.js';
export type { ServerConfig } from './server-config.js';
export { defaultServerConfig } from './server-config.js';
export type { Access, Principal } from './auth/access.js';
export { scopeFromParam, SESSION_COOKIE, CSRF_COOKIE, CSRF_HEADER } from './auth/access.js';
export { ROLES, DEPLOYMENT_SCOPE, roleAtLeast, isRole, RoleStore } from './auth/roles.js';
export type { Role, RoleGrant } from './auth/roles.js';
export { ApiTokens } from './auth/api-tokens.js';
