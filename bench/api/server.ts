/**
 * The server side of the API benchmark, run as its own process so the load generator does not share
 * its event loop: `node bench/api/server.ts pglite|pg|bare`. Prints "listening <url>" when ready.
 */
import { Hono } from 'hono';
import { createPgDb } from '../../src/db/pg-driver.ts';
import { createHttpApp } from '../../src/http/app.ts';
import { createSyncBridge } from '../../src/syncbridge.ts';
import { serveUntilSigterm } from '../lib/server-process.ts';

const kind = process.argv[2];
const url = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

let app: Hono;
let close = async () => {};
if (kind === 'bare') {
  // The ceiling: Hono on Node answering the same route with a constant JSON body.
  app = new Hono();
  app.post('/api/jobs/noop', async (c) => {
    const body = await c.req.json<{ entity_id: string }>();
    return c.json({ id: 1, job_type: 'noop', entity_id: body.entity_id, status: 'pending' }, 201);
  });
} else if (kind === 'pglite' || kind === 'pg') {
  const engine = await createSyncBridge(
    kind === 'pg' ? { db: createPgDb({ connectionString: url, max: 20 }), schema: 'sbbench_api' } : { schema: 'sbbench_api' },
  );
  app = createHttpApp({ db: engine.db, jobs: engine.jobs, jobTypes: ['noop'] }) as unknown as Hono;
  close = async () => {
    if (kind === 'pg') await engine.db.query('drop schema if exists sbbench_api cascade');
    await engine.close();
  };
} else {
  throw new Error('usage: node bench/api/server.ts pglite|pg|bare');
}

await serveUntilSigterm(app, close);
