/** A second process tried to open an embedded (PGlite) store that another process holds. */
export class StoreLockedError extends Error {
  override name = 'StoreLockedError';
  constructor(
    readonly stateDir: string,
    readonly holderPid: number | undefined,
    readonly holderCommand: string | undefined,
    readonly since: number | undefined,
  ) {
    const who =
      holderPid === undefined
        ? 'another process'
        : `process ${holderPid}${holderCommand ? ` (${holderCommand})` : ''}${since ? ` since ${new Date(since).toISOString()}` : ''}`;
    super(
      `the embedded store in ${stateDir} is in use by ${who}. PGlite admits one process at a time, so this command ` +
        'cannot open it, not even to read. Wait for that process to finish, or for concurrent work use PostgreSQL ' +
        '(a profile with database.url, --database-url or DATABASE_URL) or the running `datanet serve`.',
    );
  }
}
