/**
 * The embedded driver: PGlite (Postgres compiled to WASM) in a data directory, or in memory. PGlite has
 * a single connection, so statements and transactions from every caller are serialised by PGlite
 * itself; the same SQL as on a server runs unchanged.
 */
import { PGlite } from '@electric-sql/pglite';
import type { Db, Queryable, QueryResult } from './db.ts';

export interface PgliteDbOptions {
  /** A directory to persist to; undefined keeps the database in memory. */
  dataDir?: string;
  /**
   * A cluster to start from (a tarball from PGlite's `dumpDataDir`) instead of a fresh initdb, which
   * takes seconds in WASM; the test suite starts each in-memory database this way.
   */
  loadDataDir?: Blob;
}

export async function createPgliteDb(options: PgliteDbOptions = {}): Promise<Db> {
  const pg = await PGlite.create({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
  });
  const wrap = (q: { query: PGlite['query'] }): Queryable => ({
    async query<Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
      const res = await q.query<Row>(sql, params as unknown[] | undefined);
      return { rows: res.rows, rowCount: res.affectedRows || res.rows.length };
    },
  });
  const root = wrap(pg);
  return {
    kind: 'pglite',
    query: root.query,
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    async exec(sql: string) {
      await pg.exec(sql);
    },
    async listen(channel, handler) {
      const unlisten = await pg.listen(channel, handler);
      return async () => {
        if (!pg.closed) await unlisten();
      };
    },
    async close() {
      if (!pg.closed) await pg.close();
    },
  };
}
