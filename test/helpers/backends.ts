/**
 * The backends every engine test runs on: real Postgres (TEST_DATABASE_URL, default the local
 * server's `test` database) and embedded PGlite. SYNCBRIDGE_TEST_BACKENDS=pglite (or =pg) narrows the
 * run explicitly; nothing is ever skipped silently.
 */
export type Backend = 'pg' | 'pglite';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

export function testBackends(): Backend[] {
  const raw = process.env.SYNCBRIDGE_TEST_BACKENDS?.trim();
  if (!raw) return ['pg', 'pglite'];
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const b of list) {
    if (b !== 'pg' && b !== 'pglite') throw new Error(`SYNCBRIDGE_TEST_BACKENDS: unknown backend ${JSON.stringify(b)} (use pg, pglite)`);
  }
  return list as Backend[];
}

export const pgHelp = `Postgres is not reachable at ${TEST_DATABASE_URL.replace(/:[^:@/]*@/, ':***@')}.
Start it (on Debian: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start),
point TEST_DATABASE_URL at a server, or run only the embedded backend on purpose:
SYNCBRIDGE_TEST_BACKENDS=pglite npm test`;
