/**
 * The Postgres destination passes the destination conformance suite in-process and as a subprocess
 * (bin.ts): every state comes back in order, and only once the records before it can be read back.
 */
import { resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { postgresDestination } from '../../../src/connectors/postgres/index.ts';
import { spawnDestination } from '../../../src/sync/subprocess/spawn-destination.ts';
import { describeDestinationConformance } from '../../protocol/conformance.ts';
import { newSchemaName, TEST_DATABASE_URL } from './test-schema.ts';

const BIN = resolve(import.meta.dirname, '../../../src/connectors/postgres/bin.ts');
const schema = newSchemaName();
const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
beforeAll(() => admin.connect());
afterAll(async () => {
  await admin.query(`drop schema if exists "${schema}" cascade`);
  await admin.end();
});

describeDestinationConformance(
  'postgres destination',
  () => postgresDestination,
  ({ onSpawn }) => spawnDestination([process.execPath, BIN], { onSpawn, idleTimeoutMs: 20_000, killGraceMs: 1_000 }),
  {
    good: { connection_string: TEST_DATABASE_URL, schema, batch_size: 3 },
    // A role that does not exist: the server refuses it, a definite "no".
    bad: { connection_string: TEST_DATABASE_URL.replace('postgres://postgres', 'postgres://no_such_role_pgdest:wrong'), schema },
    readBack: async () => {
      const tables = (await admin.query(`select table_name from information_schema.tables where table_schema = $1 and table_name in ('left', 'right')`, [schema])).rows;
      if (tables.length < 2) return [];
      const { rows } = await admin.query(
        `select * from (select 'left' as stream, _raw as data from "${schema}"."left" union all select 'right', _raw from "${schema}"."right") u order by (data ->> 'id')::int`,
      );
      return rows as { stream: string; data: Record<string, unknown> }[];
    },
    reset: async () => {
      await admin.query(`drop schema if exists "${schema}" cascade`);
    },
  },
);
