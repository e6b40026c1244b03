/** How a `datanet serve` process is set up. Everything another replica needs lives in the store. */
export interface ServerConfig {
  host: string;
  port: number;
  /** The origin people reach (behind a proxy: its https origin). SIWE messages must name its host. */
  publicUrl: string;
  /** EIP-155 chain id SIWE messages must carry. */
  chainId: number;
  /** Trust X-Forwarded-* from a proxy in front (then `Secure` cookies follow the proxied scheme). */
  trustProxy: boolean;
  /** Repository root whose configs/ (pipelines, Datanets) the server serves. */
  configRoot: string;
  stateDir: string;
  sessionTtlMs: number;
  nonceTtlMs: number;
  bodyLimitBytes: number;
  /** Largest single uploaded file; a Datanet's own limits apply on top. */
  fileLimitBytes: number;
  requestTimeoutMs: number;
  /** Requests per minute per client address, all routes together (in memory per process). */
  rateLimitPerMinute: number;
  /** Submissions per minute per client address (a route may ask for less than the global limit). */
  submissionsPerMinute: number;
  logLevel: string;
}

export function defaultServerConfig(given: Partial<ServerConfig> & Pick<ServerConfig, 'stateDir' | 'configRoot'>): ServerConfig {
  // Options given as undefined take their defaults.
  const o = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as typeof given;
  const host = o.host ?? '127.0.0.1';
  const port = o.port ?? 8080;
  return {
    host,
    port,
    publicUrl: o.publicUrl ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    chainId: o.chainId ?? 31337,
    trustProxy: o.trustProxy ?? false,
    sessionTtlMs: o.sessionTtlMs ?? 12 * 3600_000,
    nonceTtlMs: o.nonceTtlMs ?? 10 * 60_000,
    bodyLimitBytes: o.bodyLimitBytes ?? 1024 * 1024,
    fileLimitBytes: o.fileLimitBytes ?? 10 * 1024 * 1024,
    requestTimeoutMs: o.requestTimeoutMs ?? 120_000,
    rateLimitPerMinute: o.rateLimitPerMinute ?? 600,
    submissionsPerMinute: o.submissionsPerMinute ?? 120,
    logLevel: o.logLevel ?? 'info',
    ...o,
  } as ServerConfig;
}
