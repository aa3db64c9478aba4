/**
 * The database seam. Everything in SyncBridge talks to Postgres through this small interface, so the
 * same SQL runs on embedded PGlite (one process, zero infrastructure) and on a real server through `pg`
 * (any number of processes). Values are always bound, never interpolated; int8 comes back as a number
 * and timestamptz as a Date on both drivers.
 */

export interface QueryResult<Row> {
  rows: Row[];
  /** Rows touched by INSERT/UPDATE/DELETE; for SELECT the number of rows returned. */
  rowCount: number;
}

export interface QueryOptions {
  /**
   * Prepare the statement once per connection and reuse it: for hot statements whose plan does not
   * depend on parameter values (on a server, after five runs Postgres may switch to a generic plan).
   */
  prepare?: boolean;
}

/** Something that runs SQL: the database itself or an open transaction. */
export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<Row>>;
}

export type DbKind = 'pg' | 'pglite';

export interface Db extends Queryable {
  readonly kind: DbKind;
  /**
   * Runs `fn` in a transaction on one connection: committed when it resolves, rolled back when it
   * throws (the error is rethrown).
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Subscribes to NOTIFY on `channel`. The handler may be called spuriously (after a reconnect), so
   * listeners treat a notification as "look again", never as data.
   */
  listen(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
