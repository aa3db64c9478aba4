import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { migrate } from '../src/db/migrate.ts';
import { createPgDb } from '../src/db/pg-driver.ts';
import { createSyncBridge } from '../src/syncbridge.ts';
import { TEST_DATABASE_URL, testBackends } from './helpers/backends.ts';
import { newSchemaName, openBackendDb } from './helpers/engine.ts';

describe.each(testBackends())('database layer (%s)', (backend) => {
  test('migrations are applied once; a second run finds nothing to do', async () => {
    const db = await openBackendDb(backend);
    const schema = newSchemaName();
    try {
      const first = await migrate(db, schema);
      expect(first.applied.length).toBeGreaterThan(0);
      const second = await migrate(db, schema);
      expect(second.applied).toEqual([]);
      expect(second.current).toBe(first.current);
    } finally {
      await db.query(`drop schema if exists ${schema} cascade`);
      await db.close();
    }
  });

  test('a schema newer than the code is refused with a clear message', async () => {
    const db = await openBackendDb(backend);
    const schema = newSchemaName();
    try {
      await migrate(db, schema);
      await db.query(`insert into ${schema}.migrations (id, name) values (9999, 'from_the_future')`);
      await expect(migrate(db, schema)).rejects.toThrow(/newer than this SyncBridge knows/);
    } finally {
      await db.query(`drop schema if exists ${schema} cascade`);
      await db.close();
    }
  });

  test('int8 comes back as a number and timestamptz as a Date', async () => {
    const db = await openBackendDb(backend);
    try {
      const { rows } = await db.query<{ n: number; t: Date }>(`select 9007199254740991::int8 as n, '2026-01-01T00:00:00Z'::timestamptz as t`);
      expect(rows[0]).toEqual({ n: 9007199254740991, t: new Date('2026-01-01T00:00:00Z') });
    } finally {
      await db.close();
    }
  });

  test('a failed transaction rolls back and rethrows', async () => {
    const db = await openBackendDb(backend);
    const schema = newSchemaName();
    try {
      await db.exec(`create schema ${schema}; create table ${schema}.t (x int)`);
      await expect(
        db.transaction(async (tx) => {
          await tx.query(`insert into ${schema}.t values (1)`);
          throw new Error('nope');
        }),
      ).rejects.toThrow('nope');
      expect((await db.query(`select * from ${schema}.t`)).rows).toEqual([]);
    } finally {
      await db.query(`drop schema if exists ${schema} cascade`);
      await db.close();
    }
  });
});

if (testBackends().includes('pg')) {
  describe('migrations on a shared Postgres', () => {
    test('processes starting at once migrate safely: one applies, the others wait and find it done', async () => {
      const schema = newSchemaName();
      const dbs = [0, 1, 2, 3].map(() => createPgDb({ connectionString: TEST_DATABASE_URL, max: 2 }));
      try {
        const results = await Promise.all(dbs.map((db) => migrate(db, schema)));
        expect(results.filter((r) => r.applied.length > 0)).toHaveLength(1);
        const { rows } = await dbs[0]!.query<{ n: number }>(`select count(*)::integer as n from ${schema}.migrations`);
        expect(rows[0]!.n).toBe(results[0]!.current);
      } finally {
        await dbs[0]!.query(`drop schema if exists ${schema} cascade`);
        await Promise.all(dbs.map((db) => db.close()));
      }
    });
  });
}

if (testBackends().includes('pglite')) {
  describe('embedded PGlite in a data directory', () => {
    test('jobs survive a restart of the process', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'syncbridge-'));
      try {
        const first = await createSyncBridge({ dataDir: dir });
        const { job } = await first.jobs.enqueue({ jobType: 't', entityId: 'persisted' });
        await first.close();
        const second = await createSyncBridge({ dataDir: dir });
        expect(await second.jobs.get(job.id)).toMatchObject({ entity_id: 'persisted', status: 'pending' });
        await second.close();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
}
