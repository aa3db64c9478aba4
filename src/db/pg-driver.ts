/**
 * The fleet driver: a `pg` pool against a real Postgres. LISTEN needs a connection of its own that
 * outlives any query, so the listener keeps one dedicated client and reconnects it with backoff; after
 * a reconnect every handler is called once, because notifications sent while it was down are lost.
 */
import pg from 'pg';
import { createHash } from 'node:crypto';
import type { Db, QueryOptions, Queryable, QueryResult } from './db.ts';
import { quoteIdent } from './ident.ts';

const INT8_OID = 20;
const NUMERIC_OID = 1700;

// int8 as a JS number: ids and counts stay far below 2^53, and both drivers then agree.
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return (v: string) => Number(v);
    if (oid === NUMERIC_OID) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
};

export interface PgDbOptions {
  connectionString: string;
  /** Pool size; each worker needs a few connections (claim, complete, heartbeat, listen). */
  max?: number;
  applicationName?: string;
  /**
   * `synchronous_commit` for this pool's sessions. `off` trades the last few hundred milliseconds of
   * commits on a Postgres crash for commits that do not wait for the disk; see the worker's
   * `relaxedCommits` for where that is safe.
   */
  synchronousCommit?: 'on' | 'off';
}

const statementNames = new Map<string, string>();

/** The query config pg takes: named (prepared once per connection) when asked, by a hash of the text. */
function config(sql: string, params: readonly unknown[] | undefined, options: QueryOptions | undefined): pg.QueryConfig {
  if (!options?.prepare) return { text: sql, values: params as unknown[] | undefined };
  let name = statementNames.get(sql);
  if (!name) {
    name = `sb_${createHash('sha1').update(sql).digest('hex').slice(0, 16)}`;
    statementNames.set(sql, name);
  }
  return { name, text: sql, values: params as unknown[] | undefined };
}

export function createPgDb(options: PgDbOptions): Db {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'syncbridge',
    types: typeParsers,
    ...(options.synchronousCommit ? { options: `-c synchronous_commit=${options.synchronousCommit}` } : {}),
  });
  // An idle client that loses its connection emits 'error' on the pool; without a listener that
  // would crash the process. The next query gets a fresh client.
  pool.on('error', () => {});

  const listener = createListener(options.connectionString);

  return {
    kind: 'pg',
    async query<Row>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<Row>> {
      const res = await pool.query(config(sql, params, options));
      return { rows: res.rows as Row[], rowCount: res.rowCount ?? res.rows.length };
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken: unknown;
      try {
        await client.query('begin');
        const tx: Queryable = {
          async query<Row>(sql: string, params?: readonly unknown[], options?: QueryOptions) {
            const res = await client.query(config(sql, params, options));
            return { rows: res.rows as Row[], rowCount: res.rowCount ?? res.rows.length };
          },
        };
        const out = await fn(tx);
        await client.query('commit');
        return out;
      } catch (err) {
        try {
          await client.query('rollback');
        } catch (rollbackErr) {
          broken = rollbackErr;
        }
        throw err;
      } finally {
        // A client whose rollback failed is in an unknown state: destroy it rather than reuse it.
        client.release(broken instanceof Error ? broken : undefined);
      }
    },
    async exec(sql: string) {
      await pool.query(sql);
    },
    listen: (channel, handler) => listener.listen(channel, handler),
    async close() {
      await listener.close();
      await pool.end();
    },
  };
}

type Handler = (payload: string) => void;

function createListener(connectionString: string) {
  const handlers = new Map<string, Set<Handler>>();
  let client: pg.Client | undefined;
  let connecting: Promise<pg.Client> | undefined;
  let closed = false;
  let retryMs = 100;

  async function connect(): Promise<pg.Client> {
    const c = new pg.Client({ connectionString, application_name: 'syncbridge-listen', types: typeParsers });
    c.on('notification', (msg) => {
      for (const h of handlers.get(msg.channel) ?? []) h(msg.payload ?? '');
    });
    c.on('error', () => scheduleReconnect(c));
    c.on('end', () => scheduleReconnect(c));
    await c.connect();
    for (const channel of handlers.keys()) await c.query(`listen ${quoteIdent(channel)}`);
    retryMs = 100;
    return c;
  }

  function scheduleReconnect(dead: pg.Client) {
    if (closed || client !== dead) return;
    client = undefined;
    connecting = undefined;
    const delay = retryMs;
    retryMs = Math.min(retryMs * 2, 5000);
    setTimeout(() => {
      if (closed) return;
      ensure()
        .then(() => {
          // Anything sent while we were away is gone: wake every listener once so it looks again.
          for (const set of handlers.values()) for (const h of set) h('');
        })
        .catch(() => {
          if (client === undefined && !closed) scheduleReconnect(dead);
        });
    }, delay).unref();
  }

  async function ensure(): Promise<pg.Client> {
    if (client) return client;
    connecting ??= connect().then(
      (c) => {
        client = c;
        return c;
      },
      (err: unknown) => {
        connecting = undefined;
        throw err;
      },
    );
    return connecting;
  }

  return {
    async listen(channel: string, handler: Handler) {
      let set = handlers.get(channel);
      const first = set === undefined;
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
      }
      set.add(handler);
      const c = await ensure();
      if (first) await c.query(`listen ${quoteIdent(channel)}`);
      return async () => {
        set.delete(handler);
        if (set.size === 0) {
          handlers.delete(channel);
          if (client && !closed) await client.query(`unlisten ${quoteIdent(channel)}`).catch(() => {});
        }
      };
    },
    async close() {
      closed = true;
      const c = client ?? (connecting ? await connecting.catch(() => undefined) : undefined);
      client = undefined;
      if (c) await c.end().catch(() => {});
    },
  };
}
