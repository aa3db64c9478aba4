/**
 * The crash test on real Postgres: three worker processes, 2,000 jobs that each write a ledger row
 * through transactional completion, one worker killed with SIGKILL mid-run. Every job must end
 * succeeded with exactly one ledger row, and the killed worker's unfinished attempts must be recorded
 * as lost leases.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createPgDb } from '../../src/db/pg-driver.ts';
import { createSyncBridge, type SyncBridge } from '../../src/syncbridge.ts';
import { TEST_DATABASE_URL, testBackends } from '../helpers/backends.ts';
import { newSchemaName, waitFor } from '../helpers/engine.ts';

const WORKER = new URL('../fixtures/ledger-worker.ts', import.meta.url).pathname;
const N = 2000;

function startWorkerProcess(schema: string, id: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [WORKER], {
    env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, SCHEMA: schema, WORKER_ID: id, CONCURRENCY: '4', LEASE_MS: '1500', JOB_MS: '15' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`worker ${id} exited early with ${code}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) {
        child.removeAllListeners('exit');
        resolve(child);
      }
    });
  });
}

if (testBackends().includes('pg')) {
  describe('worker processes on Postgres, one killed with SIGKILL', () => {
    let engine: SyncBridge;
    const schema = newSchemaName();
    const children: ChildProcess[] = [];

    beforeAll(async () => {
      engine = await createSyncBridge({ db: createPgDb({ connectionString: TEST_DATABASE_URL }), schema });
      await engine.db.query(`create table ${schema}.ledger (id bigint generated always as identity, job_id bigint not null, worker_id text not null)`);
    });
    afterAll(async () => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      await engine.db.query(`drop schema if exists ${schema} cascade`);
      await engine.close();
    });

    test('every job succeeds once, each writes exactly one ledger row, and the killed worker\'s attempts are lost leases', async () => {
      await engine.jobs.enqueueMany(Array.from({ length: N }, (_, i) => ({ jobType: 'ledger', entityId: `e${i}` })));
      const workers = await Promise.all(['w1', 'w2', 'victim'].map((id) => startWorkerProcess(schema, id)));
      children.push(...workers);
      const victim = workers[2]!;

      const count = async (sql: string) => (await engine.db.query<{ n: number }>(sql)).rows[0]!.n;
      // Kill when the victim is in the middle of work: it holds running jobs and has finished some.
      await waitFor('the victim to be mid-run', async () =>
        (await count(`select count(*)::integer as n from ${schema}.jobs where status = 'succeeded'`)) > N / 4 &&
        (await count(`select count(*)::integer as n from ${schema}.jobs where status = 'running' and lease_owner = 'victim'`)) > 0,
      30_000, 5);
      const heldAtKill = await count(`select count(*)::integer as n from ${schema}.jobs where status = 'running' and lease_owner = 'victim'`);
      victim.kill('SIGKILL');
      await once(victim, 'exit');
      expect(heldAtKill).toBeGreaterThan(0);

      await waitFor('every job to succeed', async () => (await count(`select count(*)::integer as n from ${schema}.jobs where status = 'succeeded'`)) === N, 60_000, 100);

      const statuses = await engine.db.query<{ status: string; n: number }>(`select status, count(*)::integer as n from ${schema}.jobs group by status`);
      expect(statuses.rows).toEqual([{ status: 'succeeded', n: N }]);

      // Exactly one ledger row per job: no loss, no duplicate.
      const ledger = await engine.db.query<{ rows: number; jobs: number }>(
        `select count(*)::integer as rows, count(distinct job_id)::integer as jobs from ${schema}.ledger`,
      );
      expect(ledger.rows[0]).toEqual({ rows: N, jobs: N });

      // The victim's unfinished attempts were recorded as lost leases, each followed by a success elsewhere.
      const lost = await engine.db.query<{ job_id: number }>(
        `select job_id from ${schema}.job_attempts where worker_id = 'victim' and outcome = 'lease_lost'`,
      );
      expect(lost.rows.length).toBeGreaterThanOrEqual(1);
      expect(lost.rows.length).toBeLessThanOrEqual(heldAtKill + 4);
      const rerun = await engine.db.query<{ worker_id: string; outcome: string }>(
        `select a.worker_id, a.outcome from ${schema}.job_attempts a
         where a.job_id = any($1::bigint[]) and a.number = (select max(number) from ${schema}.job_attempts b where b.job_id = a.job_id)`,
        [lost.rows.map((r) => r.job_id)],
      );
      expect(rerun.rows.every((r) => r.outcome === 'succeeded' && r.worker_id !== 'victim')).toBe(true);

      // Every attempt is accounted for: one success per job, plus the lost ones.
      const attempts = await engine.db.query<{ outcome: string; n: number }>(
        `select outcome, count(*)::integer as n from ${schema}.job_attempts group by outcome order by outcome`,
      );
      expect(attempts.rows).toEqual([
        { outcome: 'lease_lost', n: lost.rows.length },
        { outcome: 'succeeded', n: N },
      ]);

      for (const w of workers.slice(0, 2)) {
        w.kill('SIGTERM');
        const [code] = await once(w, 'exit');
        expect(code).toBe(0);
      }
      expect(await count(`select count(*)::integer as n from ${schema}.jobs where status = 'running'`)).toBe(0);
    });
  });
}
