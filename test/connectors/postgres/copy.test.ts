/**
 * New rows go by COPY on a pg client, and COPY is only ever a faster way to what the upsert statement
 * does: the same rows with the same values, the transaction's now() in `_synced_at`; a batch with a key
 * already stored, or data COPY reads differently, is rolled back to a savepoint and written by the
 * upsert, inside the caller's transaction or without one.
 */
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { copyText, createCopyGate } from '../../../src/connectors/postgres/copy.ts';
import { createPostgresWriter } from '../../../src/connectors/postgres/index.ts';
import type { QueryClient } from '../../../src/connectors/postgres/query-client.ts';
import type { RecordPayload } from '../../../src/protocol/messages.ts';
import { catalogOf, stream, TEST_DATABASE_URL, useTestSchema } from './test-schema.ts';

const db = useTestSchema();
let client: pg.Client;
beforeEach(async () => {
  client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
});
afterEach(async () => {
  await client.end();
});

const things = stream('things', {
  id: { type: 'string' },
  n: { type: 'integer' },
  x: { type: 'number' },
  ok: { type: 'boolean' },
  at: { type: 'string', format: 'date-time' },
  meta: { type: 'object' },
  note: { type: ['string', 'null'] },
});
const rec = (data: Record<string, unknown>): RecordPayload => ({ stream: 'things', data, emitted_at: new Date().toISOString() });

/** Records every statement that inserted into `things`, so a test can see whether COPY or the upsert ran. */
async function logInserts(schema: string): Promise<() => Promise<string[]>> {
  await db.query(`create table "${schema}".statements (q text)`);
  await db.query(`create function "${schema}".log_statement() returns trigger language plpgsql as $$ begin insert into "${schema}".statements values (current_query()); return null; end $$`);
  await db.query(`create trigger log_statement after insert on "${schema}".things for each statement execute function "${schema}".log_statement()`);
  return async () => (await db.query(`select q from "${schema}".statements`)).map((r) => (String(r.q).includes('copy "') ? 'copy' : 'upsert'));
}

const awkward = [
  { id: 'a\tb', n: 9_007_199_254_740_991, x: 1.5, ok: true, at: '2024-05-06T07:08:09.123Z', meta: { q: 'say "hi"\\', t: 'tab\there' }, note: 'line\nbreak\r\\N and \\.' },
  { id: 'c\\d', n: '42', x: 1e21, ok: false, at: 'not a date', meta: [1, 'two'], note: null },
  { id: 'é\u2028🙂', n: 1.5, x: 'NaN', ok: 'yes', at: '2024-02-01', meta: null, note: { not: 'a string' } },
  { id: '\\N', n: null, x: -2.5e-7, extra: 'only in raw' },
];

describe('postgres writer: new rows by COPY', () => {
  test('COPY writes exactly the rows the upsert statement writes, escapes and coercion included', async () => {
    const viaUpsert: QueryClient = { query: (sql, params) => client.query(sql, params) }; // not a pg Client: no COPY
    const copyWriter = createPostgresWriter(client, { schema: db.name, deletes: 'flag' });
    await copyWriter.prepare(catalogOf(things));
    const inserts = await logInserts(db.name);
    const upsertWriter = createPostgresWriter(viaUpsert, { schema: `${db.name}_u`, deletes: 'flag' });
    try {
      await upsertWriter.prepare(catalogOf(things));
      await client.query('begin');
      expect(await copyWriter.writeBatch('things', awkward.map(rec))).toEqual({ inserted: 4, updated: 0, skipped: 0, deleted: 0 });
      const [{ now, synced }] = (await client.query(`select now()::text as now, array_agg(distinct _synced_at::text) as synced from "${db.name}".things`)).rows;
      expect(synced).toEqual([now]);
      await client.query('commit');
      expect(await upsertWriter.writeBatch('things', awkward.map(rec))).toEqual({ inserted: 4, updated: 0, skipped: 0, deleted: 0 });
      expect(await inserts()).toEqual(['copy']);

      const read = (schema: string) => db.query(`select id, n::text, x, ok, at, meta, note, _raw, _deleted from "${schema}".things order by id collate "C"`);
      const copied = await read(db.name);
      expect(copied).toEqual(await read(`${db.name}_u`));
      expect(copied.map((r) => r.id)).toEqual(['a\tb', 'c\\d', '\\N', 'é\u2028🙂'].sort());
      expect(copied.find((r) => r.id === 'a\tb')).toMatchObject({ n: '9007199254740991', note: 'line\nbreak\r\\N and \\.', meta: { q: 'say "hi"\\', t: 'tab\there' } });
      expect(copied.find((r) => r.id === 'c\\d')).toMatchObject({ n: '42', x: 1e21, at: null });
      expect(copied.find((r) => r.id === '\\N')).toMatchObject({ n: null, _raw: { id: '\\N', n: null, x: -2.5e-7, extra: 'only in raw' } });
    } finally {
      await db.query(`drop schema if exists "${db.name}_u" cascade`);
    }
  });

  test('a batch with a key already stored is rolled back to the savepoint and upserted, in the same transaction', async () => {
    const writer = createPostgresWriter(client, { schema: db.name, deletes: 'flag', updatedAtField: 'n' });
    await writer.prepare(catalogOf(things));
    const inserts = await logInserts(db.name);
    await client.query('begin');
    expect(await writer.writeBatch('things', [rec({ id: 'a', n: 1 }), rec({ id: 'b', n: 1 })])).toEqual({ inserted: 2, updated: 0, skipped: 0, deleted: 0 });
    // b is newer, a is older (the guard keeps the stored one), c is new: COPY conflicts, the upsert decides.
    expect(await writer.writeBatch('things', [rec({ id: 'c', n: 1 }), rec({ id: 'b', n: 2 }), rec({ id: 'a', n: 0 })])).toEqual({ inserted: 1, updated: 1, skipped: 1, deleted: 0 });
    await client.query('commit');
    expect(await db.query(`select id, n::int from "${db.name}".things order by id`)).toEqual([
      { id: 'a', n: 1 },
      { id: 'b', n: 2 },
      { id: 'c', n: 1 },
    ]);
    // The failed COPY left no trace: its statement-level trigger ran in the rolled-back savepoint.
    expect(await inserts()).toEqual(['copy', 'upsert']);
  });

  test('outside a transaction COPY runs on its own and a conflict falls back the same way', async () => {
    const writer = createPostgresWriter(client, { schema: db.name, deletes: 'flag' });
    await writer.prepare(catalogOf(things));
    expect(await writer.writeBatch('things', [rec({ id: 'a', note: 'one' })])).toMatchObject({ inserted: 1 });
    expect(await writer.writeBatch('things', [rec({ id: 'a', note: 'two' }), rec({ id: 'b' })])).toEqual({ inserted: 1, updated: 1, skipped: 0, deleted: 0 });
    expect(await writer.writeBatch('things', [rec({ id: 'a', note: 'two' }), rec({ id: 'b' })])).toEqual({ inserted: 0, updated: 0, skipped: 2, deleted: 0 });
    expect(await db.query(`select id, note from "${db.name}".things order by id`)).toEqual([
      { id: 'a', note: 'two' },
      { id: 'b', note: null },
    ]);
  });

  test('data COPY reads differently from the upsert (a hand-made varchar(3)) gets the upsert’s result', async () => {
    const writer = createPostgresWriter(client, { schema: db.name, deletes: 'flag' });
    await writer.prepare(catalogOf(things));
    await db.query(`alter table "${db.name}".things alter column note type varchar(3)`);
    await writer.prepare(catalogOf(things));
    await client.query('begin');
    // COPY refuses a value too long for varchar(3); the upsert's explicit cast truncates it.
    expect(await writer.writeBatch('things', [rec({ id: 'a', note: 'abcdef' })])).toMatchObject({ inserted: 1 });
    await client.query('commit');
    expect(await db.query(`select note from "${db.name}".things`)).toEqual([{ note: 'abc' }]);
  });

  test('a failure the upsert could not get past either (a cancel, a record JSON cannot hold) is thrown as it is', async () => {
    const writer = createPostgresWriter(client, { schema: db.name, deletes: 'flag' });
    await writer.prepare(catalogOf(things));
    await client.query('begin');
    await expect(writer.writeBatch('things', [rec({ id: 'a', n: 10n })])).rejects.toThrow(/BigInt/);
    await client.query('rollback');

    const blocker = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query(`lock table "${db.name}".things in access exclusive mode`);
      await client.query('begin');
      await client.query('set local statement_timeout = 300');
      await expect(writer.writeBatch('things', [rec({ id: 'a' })])).rejects.toMatchObject({ code: '57014' });
      await client.query('rollback');
    } finally {
      await blocker.query('rollback');
      await blocker.end();
    }
    expect(await writer.writeBatch('things', [rec({ id: 'a' })])).toMatchObject({ inserted: 1 });
  });
});

describe('copyText', () => {
  test('escapes what COPY’s text format reads specially, and nothing else', () => {
    expect(copyText('plain "quoted" é')).toBe('plain "quoted" é');
    expect(copyText('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(copyText('\\N')).toBe('\\\\N');
  });
});

describe('createCopyGate', () => {
  test('after a conflict COPY is tried again after 1, 2, 4 … 64 batches, and every batch after a success', () => {
    const gate = createCopyGate();
    const conflict = { fallback: 'conflict', sqlstate: '23505' } as const;
    const pattern = (n: number) => Array.from({ length: n }, () => (gate.open() ? 'x' : '.')).join('');
    gate.record(conflict);
    expect(pattern(2)).toBe('.x');
    gate.record(conflict);
    expect(pattern(3)).toBe('..x');
    gate.record(conflict);
    expect(pattern(5)).toBe('....x');
    for (let i = 0; i < 10; i++) gate.record(conflict);
    expect(pattern(65)).toBe(`${'.'.repeat(64)}x`);
    gate.record({ inserted: 3 });
    expect(pattern(3)).toBe('xxx');
  });

  test('a refusal closes the gate for good', () => {
    const gate = createCopyGate();
    gate.record({ fallback: 'refused', sqlstate: '0A000' });
    expect(Array.from({ length: 100 }, () => gate.open()).some(Boolean)).toBe(false);
  });
});
