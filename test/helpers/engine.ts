/**
 * A fresh, migrated engine per test on the chosen backend: on Postgres a schema of its own (dropped
 * afterwards), on PGlite a schema in one in-memory database per test file (WASM start-up is the slow
 * part). Tests therefore never see each other's jobs, and run in parallel files safely.
 */
import { randomBytes } from 'node:crypto';
import { afterAll } from 'vitest';
import type { Db } from '../../src/db/db.ts';
import { createPgDb } from '../../src/db/pg-driver.ts';
import { createPgliteDb } from '../../src/db/pglite-driver.ts';
import { createSyncBridge, type SyncBridge, type SyncBridgeOptions } from '../../src/syncbridge.ts';
import type { Clock } from '../../src/jobs/types.ts';
import { TEST_DATABASE_URL, type Backend } from './backends.ts';
import { pgliteTemplate } from './pglite-template.ts';

let sharedPglite: Promise<Db> | undefined;
afterAll(async () => {
  if (sharedPglite) await (await sharedPglite).close();
  sharedPglite = undefined;
});

export interface TestEngine extends SyncBridge {
  schema: string;
  backend: Backend;
}

/**
 * A schema name for one test: `sbt_<creation time, base 36>_<random>`. The time lets a later run drop
 * schemas that killed runs left behind without touching those of a run still going on the same database.
 */
export function newSchemaName(): string {
  return `sbt_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

export async function openBackendDb(backend: Backend, poolSize = 10): Promise<Db> {
  return backend === 'pg' ? createPgDb({ connectionString: TEST_DATABASE_URL, max: poolSize }) : createPgliteDb({ loadDataDir: await pgliteTemplate() });
}

export async function testEngine(backend: Backend, options: Omit<SyncBridgeOptions, 'db' | 'schema'> = {}): Promise<TestEngine> {
  const schema = newSchemaName();
  let db: Db;
  if (backend === 'pg') db = await openBackendDb('pg');
  else db = await (sharedPglite ??= openBackendDb('pglite'));
  const engine = await createSyncBridge({ ...options, db, schema });
  return {
    ...engine,
    schema,
    backend,
    async close() {
      await engine.close();
      await db.query(`drop schema if exists "${schema}" cascade`).catch(() => {});
      if (backend === 'pg') await db.close();
    },
  };
}

/** A clock the test moves by hand: lease expiry and backoff without sleeping. */
export class ManualClock implements Clock {
  private t: number;
  constructor(start = Date.parse('2026-01-01T00:00:00.000Z')) {
    this.t = start;
  }
  now(): Date {
    return new Date(this.t);
  }
  advance(ms: number): void {
    this.t += ms;
  }
  set(date: Date): void {
    this.t = date.getTime();
  }
}

/** Polls `fn` until it returns a truthy value, or fails after `timeoutMs` naming `what`. */
type Truthy<T> = Exclude<T, false | null | undefined | 0 | ''>;

export async function waitFor<T>(what: string, fn: () => Promise<T> | T, timeoutMs = 15_000, everyMs = 20): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last as Truthy<T>;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last value: ${JSON.stringify(last)})`);
}
