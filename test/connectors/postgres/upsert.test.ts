/**
 * Upserts against real Postgres: records land once per key however they are batched, a re-send changes
 * nothing, an older version never replaces a newer one, the last of duplicate keys wins, and columns
 * hold typed values while _raw holds the whole record.
 */
import pg from 'pg';
import { describe, expect, test } from 'vitest';
import { createPostgresWriter, postgresDestination } from '../../../src/connectors/postgres/index.ts';
import { buildUpsertSql } from '../../../src/connectors/postgres/upsert.ts';
import type { Message } from '../../../src/protocol/messages.ts';
import { CounterConfig, counterSource } from '../../fixtures/connectors/counter-source.ts';
import { collect } from '../../protocol/conformance.ts';
import { catalogOf, countsOf, from, pgConfig, record, state, stream, TEST_DATABASE_URL, useTestSchema } from './test-schema.ts';

const db = useTestSchema();
const config = (extra: Record<string, unknown> = {}) => pgConfig(db.name, extra);
const write = (catalog: ReturnType<typeof catalogOf>, messages: Message[], extra: Record<string, unknown> = {}) =>
  collect(postgresDestination.write({ config: config(extra), catalog }, from(messages)));

describe('buildUpsertSql', () => {
  test('is one insert … select from the batch document with a conflict update guarded by newer-than and is distinct from', () => {
    const sql = buildUpsertSql({ schema: 's', name: 't' }, [{ name: 'id', type: 'bigint' }, { name: 'updated', type: 'bigint' }], ['id'], { updatedAtField: 'updated' });
    expect(sql).toContain('select (v.r ->> 0)::bigint, (v.r ->> 1)::bigint, v.r -> 2, now(), false');
    expect(sql).toContain('from jsonb_array_elements($1::jsonb) as v(r)');
    expect(sql).toContain('on conflict ("id") do update set');
    expect(sql).toContain('coalesce(excluded."updated" >= t."updated", true)');
    expect(sql).toContain('(t."updated", t."_raw", t."_deleted") is distinct from (excluded."updated", excluded."_raw", excluded."_deleted")');
    expect(sql).toContain('returning (xmax = 0) as inserted');
  });

  test('a newer-than field that is not a column is compared inside _raw, the field name bound', () => {
    const sql = buildUpsertSql({ schema: 's', name: 't' }, [{ name: 'id', type: 'text' }], ['id'], { updatedAtField: 'updated' });
    expect(sql).toContain(`coalesce((excluded."_raw" -> $2::text) >= (t."_raw" -> $2::text), true)`);
    expect(sql).not.toContain(`'updated'`);
  });

  test('without a newer-than field only no-op updates are skipped', () => {
    const sql = buildUpsertSql({ schema: 's', name: 't' }, [{ name: 'id', type: 'text' }], ['id']);
    expect(sql).not.toContain('coalesce');
    expect(sql).toMatch(/where \(t\."_raw", t\."_deleted"\) is distinct from/);
  });
});

describe('postgres destination upserts', () => {
  test('10,000 records across batches land once per id, and re-sending them changes nothing', async () => {
    const source = CounterConfig.parse({ count: 5000, page_size: 700 });
    const { catalog: discovered } = (await collect(counterSource.discover({ config: source })))[0] as Extract<Message, { type: 'catalog' }>;
    const catalog = { streams: discovered.streams.map((s) => ({ stream: s, sync_mode: 'full_refresh' as const })) };
    const run = async () => collect(postgresDestination.write({ config: config({ batch_size: 1000 }), catalog }, counterSource.read({ config: source, catalog })));

    const first = await run();
    for (const name of ['alpha', 'beta']) {
      const [row] = await db.query(`select count(*)::int as n, count(distinct id)::int as ids, min(id)::int as lo, max(id)::int as hi from "${db.name}"."${name}"`);
      expect(row).toEqual({ n: 5000, ids: 5000, lo: 1, hi: 5000 });
      expect(countsOf(first, name)).toEqual({ inserted: 5000, updated: 0, skipped: 0, deleted: 0 });
    }
    expect(first.filter((m) => m.type === 'state')).toHaveLength(16);

    const again = await run();
    for (const name of ['alpha', 'beta']) {
      expect(countsOf(again, name)).toEqual({ inserted: 0, updated: 0, skipped: 5000, deleted: 0 });
      expect((await db.query(`select count(*)::int as n from "${db.name}"."${name}"`))[0]).toEqual({ n: 5000 });
    }
  });

  test('an older version of a record does not overwrite a newer one; a newer one does', async () => {
    const catalog = catalogOf(stream('items', { id: { type: 'integer' }, name: { type: 'string' }, updated: { type: 'integer' } }));
    const read = async () => db.query(`select name, updated::int from "${db.name}".items where id = 1`);

    await write(catalog, [record('items', { id: 1, name: 'v20', updated: 20 })], { updated_at_field: 'updated' });
    const older = await write(catalog, [record('items', { id: 1, name: 'v10', updated: 10 })], { updated_at_field: 'updated' });
    expect(countsOf(older, 'items')).toEqual({ inserted: 0, updated: 0, skipped: 1, deleted: 0 });
    expect(await read()).toEqual([{ name: 'v20', updated: 20 }]);

    const newer = await write(catalog, [record('items', { id: 1, name: 'v30', updated: 30 })], { updated_at_field: 'updated' });
    expect(countsOf(newer, 'items')).toEqual({ inserted: 0, updated: 1, skipped: 0, deleted: 0 });
    expect(await read()).toEqual([{ name: 'v30', updated: 30 }]);
  });

  test('the newer-than guard also holds for a field only in _raw (ISO timestamps, no column)', async () => {
    const catalog = catalogOf(stream('items', { id: { type: 'integer' }, name: { type: 'string' } }));
    const opts = { updated_at_field: 'modified' };
    await write(catalog, [record('items', { id: 1, name: 'b', modified: '2024-02-01T00:00:00Z' })], opts);
    await write(catalog, [record('items', { id: 1, name: 'a', modified: '2024-01-01T00:00:00Z' })], opts);
    expect(await db.query(`select name from "${db.name}".items`)).toEqual([{ name: 'b' }]);
    await write(catalog, [record('items', { id: 1, name: 'c', modified: '2024-03-01T00:00:00Z' })], opts);
    expect(await db.query(`select name from "${db.name}".items`)).toEqual([{ name: 'c' }]);
  });

  test('without updated_at_field the last write wins', async () => {
    const catalog = catalogOf(stream('items', { id: { type: 'integer' }, name: { type: 'string' }, updated: { type: 'integer' } }));
    await write(catalog, [record('items', { id: 1, name: 'new', updated: 20 })]);
    await write(catalog, [record('items', { id: 1, name: 'old', updated: 10 })]);
    expect(await db.query(`select name from "${db.name}".items`)).toEqual([{ name: 'old' }]);
  });

  test('duplicate keys within one batch keep the last record', async () => {
    const catalog = catalogOf(stream('items', { id: { type: 'integer' }, name: { type: 'string' } }));
    const out = await write(catalog, [record('items', { id: 1, name: 'first' }), record('items', { id: 2, name: 'x' }), record('items', { id: 1, name: 'last' }), state('items', { n: 1 })]);
    expect(await db.query(`select id::int, name from "${db.name}".items order by id`)).toEqual([
      { id: 1, name: 'last' },
      { id: 2, name: 'x' },
    ]);
    expect(countsOf(out, 'items')).toMatchObject({ inserted: 2 });
  });

  test('typed columns hold typed values, a value that does not fit binds null, and _raw holds the whole record', async () => {
    const catalog = catalogOf(
      stream('things', {
        id: { type: 'string' },
        n: { type: 'integer' },
        x: { type: 'number' },
        ok: { type: 'boolean' },
        at: { type: 'string', format: 'date-time' },
        meta: { type: 'object' },
        tags: { type: 'array' },
        bad: { type: 'integer' },
      }),
    );
    const data = { id: 'th_1', n: 9_007_199_254_740_991, x: 1.5, ok: true, at: '2024-05-06T07:08:09.123Z', meta: { a: { b: 1 } }, tags: ['p', 'q'], bad: 'not a number', extra: 'only in raw' };
    await write(catalog, [record('things', data)]);
    const [row] = await db.query(
      `select n::text, pg_typeof(n)::text as tn, x, pg_typeof(x)::text as tx, ok, at = '2024-05-06T07:08:09.123Z'::timestamptz as at_ok, pg_typeof(at)::text as tat,
              meta, tags, bad, _raw, _deleted, _synced_at is not null as synced
       from "${db.name}".things`,
    );
    expect(row).toEqual({
      n: '9007199254740991',
      tn: 'bigint',
      x: 1.5,
      tx: 'double precision',
      ok: true,
      at_ok: true,
      tat: 'timestamp with time zone',
      meta: { a: { b: 1 } },
      tags: ['p', 'q'],
      bad: null,
      _raw: data,
      _deleted: false,
      synced: true,
    });
    const columns = (await db.query(`select column_name from information_schema.columns where table_schema = $1 and table_name = 'things'`, [db.name])).map((r) => r.column_name);
    expect(columns).not.toContain('extra');
  });

  test('on a pg Pool the statements are prepared per connection, and a statement that changes gets a name of its own', async () => {
    const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
    try {
      const rec = (data: Record<string, unknown>) => ({ stream: 'items', data, emitted_at: new Date().toISOString() });
      const writer = createPostgresWriter(pool, { schema: db.name, deletes: 'flag' });
      await writer.prepare(catalogOf(stream('items', { id: { type: 'integer' }, name: { type: 'string' } })));
      for (let i = 0; i < 4; i++) expect(await writer.writeBatch('items', [rec({ id: 1, name: `v${i}` })])).toMatchObject({ inserted: i === 0 ? 1 : 0, updated: i === 0 ? 0 : 1 });
      // The schema gains a column: new statement text, new name, on the same connections.
      await writer.prepare(catalogOf(stream('items', { id: { type: 'integer' }, name: { type: 'string' }, size: { type: 'integer' } })));
      await Promise.all([writer.writeBatch('items', [rec({ id: 1, name: 'w', size: 3 })]), writer.writeBatch('items', [rec({ id: 2, name: 'x', size: 4 })])]);
      expect(await db.query(`select id::int, name, size::int from "${db.name}".items order by id`)).toEqual([
        { id: 1, name: 'w', size: 3 },
        { id: 2, name: 'x', size: 4 },
      ]);
      // One prepared statement per text per connection: pg would refuse a name reused for another text.
      const prepared = await pool.query(`select count(*)::int as n from pg_prepared_statements where name like 'syncbridge_%'`);
      expect(prepared.rows[0].n).toBeGreaterThanOrEqual(1);
    } finally {
      await pool.end();
    }
  });

  test('createPostgresWriter runs on a caller’s own client and transaction, and a rollback undoes it', async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      const catalog = catalogOf(stream('items', { id: { type: 'integer' }, name: { type: 'string' } }));
      const writer = createPostgresWriter(client, { schema: db.name, deletes: 'flag' });
      await writer.prepare(catalog);
      const rec = (id: number) => ({ stream: 'items', data: { id, name: `n${id}` }, emitted_at: new Date().toISOString() });
      await client.query('begin');
      expect(await writer.writeBatch('items', [rec(1), rec(2)])).toEqual({ inserted: 2, updated: 0, skipped: 0, deleted: 0 });
      await client.query('rollback');
      expect(await db.query(`select count(*)::int as n from "${db.name}".items`)).toEqual([{ n: 0 }]);
      await client.query('begin');
      await writer.writeBatch('items', [rec(1)]);
      await client.query('commit');
      expect(await db.query(`select count(*)::int as n from "${db.name}".items`)).toEqual([{ n: 1 }]);
    } finally {
      await client.end();
    }
  });
});
