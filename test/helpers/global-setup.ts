/**
 * Fails the whole run at once, with instructions, when a requested backend is unreachable; writes the
 * PGlite template the in-memory test databases start from.
 */
import pg from 'pg';
import { pgHelp, TEST_DATABASE_URL, testBackends } from './backends.ts';
import { writePgliteTemplate } from './pglite-template.ts';

export default async function setup(): Promise<void> {
  if (testBackends().includes('pglite')) await writePgliteTemplate();
  if (!testBackends().includes('pg')) return;
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (err) {
    throw new Error(`${pgHelp}\n(${(err as Error).message})`);
  } finally {
    await client.end().catch(() => {});
  }
  // Schemas left behind by test runs that were killed: only those older than two hours, so a run going
  // on at the same time against the same database (another developer, CI) keeps its own.
  const cleanup = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await cleanup.connect();
  const { rows } = await cleanup.query<{ nspname: string }>(`select nspname from pg_namespace where nspname like 'sbt\\_%'`);
  const cutoff = Date.now() - 2 * 3600_000;
  for (const { nspname } of rows) {
    const born = Number.parseInt(nspname.split('_')[1] ?? '', 36);
    if (Number.isFinite(born) && born < cutoff) await cleanup.query(`drop schema if exists "${nspname}" cascade`).catch(() => {});
  }
  await cleanup.end();
}
