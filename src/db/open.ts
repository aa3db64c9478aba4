/** Opens the database the configuration names: a Postgres server when a URL is given, else PGlite. */
import { mkdir } from 'node:fs/promises';
import type { Db } from './db.ts';
import { createPgDb } from './pg-driver.ts';
import { createPgliteDb } from './pglite-driver.ts';

export interface OpenDbOptions {
  databaseUrl?: string | undefined;
  /** PGlite data directory; `memory://` or undefined with no URL keeps it in memory. */
  dataDir?: string | undefined;
  poolSize?: number;
}

export async function openDb(options: OpenDbOptions): Promise<Db> {
  if (options.databaseUrl) return createPgDb({ connectionString: options.databaseUrl, max: options.poolSize ?? 10 });
  if (!options.dataDir || options.dataDir === 'memory://') return createPgliteDb();
  await mkdir(options.dataDir, { recursive: true });
  return createPgliteDb({ dataDir: options.dataDir });
}
