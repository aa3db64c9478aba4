/**
 * Manifest-driven runs on both backends, with a small in-memory adapter (test/fixtures): the run fans
 * out one job per entity with hard dependencies as job dependencies and soft ones as priorities; every
 * stored address refers to a stored person; a failed hard dependency cancels its dependents and the
 * run ends partial; reconciliation marks records missing upstream as deleted only after a complete
 * pass; delta brings updates since the cursor, records sharing one updated_at across a page boundary
 * included; bad manifests and selections are refused naming the entities.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { canonicalId } from '../../src/sync/canonical/ids.ts';
import { miniAdapter, miniStore, seedMini, type MiniStore } from '../fixtures/connectors/mini-manifest.ts';
import { testBackends } from '../helpers/backends.ts';
import { testEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { startWorker } from '../helpers/workers.ts';

describe.each(testBackends())('manifest runs (%s)', (backend) => {
  let e: TestEngine;
  let store: MiniStore;
  beforeEach(async () => {
    store = miniStore();
    e = await testEngine(backend, { connectors: { mini: miniAdapter(store) }, runPollMs: 100, defaults: { maxRetries: 0 } });
  });
  afterEach(() => e.close());

  const create = (over: Record<string, unknown> = {}) =>
    e.pipelines.create({ name: 'mini-people', source: { connector: 'mini', config: {} }, destination: { connector: 'canonical', config: {} }, streams: ['campus', 'person', 'address'], mode: 'incremental', ...over });
  const run = async (ref = 'mini-people') => {
    const { job } = await e.pipelines.start(ref);
    const done = await waitFor('the run to finish', async () => {
      const j = await e.jobs.get(job.id);
      return j && ['succeeded', 'failed', 'dead', 'cancelled'].includes(j.status) ? j : undefined;
    }, 30_000);
    expect(done.status).toBe('succeeded');
    return e.pipelines.run((await e.pipelines.runOfJob(job.id))!.id);
  };
  const firstOf = (entity: string) => store.requests.findIndex((q) => q.entity === entity);
  const lastOf = (entity: string) => store.requests.map((q) => q.entity).lastIndexOf(entity);
  const count = async (sql: string, params: unknown[] = []) => (await e.db.query<{ n: number }>(sql, params)).rows[0]!.n;
  const t = (table: string) => `"${e.schema}".${table}`;

  test('entities run in dependency order into the canonical tables; every address has its stored person', async () => {
    seedMini(store, 57);
    await create();
    await startWorker(e, { handlers: {}, concurrency: 4 });
    const r = await run();
    expect(r.status).toBe('succeeded');
    expect(Object.fromEntries(r.streams.map((s) => [s.stream, [s.status, Number(s.records)]]))).toEqual({ campus: ['succeeded', 3], person: ['succeeded', 57], address: ['succeeded', 57] });
    // Hard: no address page before the last person page (campus may run beside person: soft never blocks).
    expect(lastOf('person')).toBeLessThan(firstOf('address'));
    expect(await count(`select count(*)::int as n from ${t('canonical_person')} where primary_campus_id is not null`)).toBe(57);
    // Each person's campus resolves to a stored campus, whichever of the two was written first.
    expect(await count(`select count(*)::int as n from ${t('canonical_person')} p join ${t('canonical_campus')} c on c.id = p.primary_campus_id`)).toBe(57);
    expect(await count(`select count(*)::int as n from ${t('canonical_address')} a join ${t('canonical_person')} p on p.id = a.person_id`)).toBe(57);
    expect(await count(`select count(*)::int as n from ${t('external_links')}`)).toBe(3 + 57 + 57);
    const { rows } = await e.db.query<{ id: string; first_name: string; source_system: string; external_id: string }>(`select id::text, first_name, source_system, external_id from ${t('canonical_person')} where external_id = 'p7'`);
    expect(rows[0]).toEqual({ id: canonicalId('mini', 'person', 'p7'), first_name: 'Person 7', source_system: 'mini', external_id: 'p7' });
    // The address job waited on the person job: a real job dependency.
    const jobs = Object.fromEntries(r.streams.map((s) => [s.stream, s.job_id]));
    const address = await e.jobs.getWithAttempts(jobs.address!);
    expect(address.depends_on.map((d) => d.id)).toEqual([jobs.person]);
  });

  test('soft dependencies order the entities: one at a time, campus comes before person', async () => {
    seedMini(store, 30);
    await create();
    await startWorker(e, { handlers: {}, concurrency: 1 });
    await run();
    expect(lastOf('campus')).toBeLessThan(firstOf('person'));
    expect(lastOf('person')).toBeLessThan(firstOf('address'));
  });

  test('when a hard dependency fails its dependents are cancelled with the reason and the run is partial', async () => {
    seedMini(store, 12);
    store.failEntity.add('person');
    await create();
    await startWorker(e, { handlers: {}, concurrency: 4 });
    const r = await run();
    expect(r.status).toBe('partial');
    const by = Object.fromEntries(r.streams.map((s) => [s.stream, s.job_status]));
    expect(by).toEqual({ campus: 'succeeded', person: 'dead', address: 'cancelled' });
    const address = await e.jobs.get(r.streams.find((s) => s.stream === 'address')!.job_id!);
    expect(JSON.stringify(address!.last_error)).toMatch(/dependency|person|cancel/i);
    expect(store.requests.some((q) => q.entity === 'address')).toBe(false);
    expect(await count(`select count(*)::int as n from ${t('canonical_address')}`)).toBe(0);
  });

  test('reconciliation marks records missing upstream deleted after a complete pass, and nothing after a failed one', async () => {
    seedMini(store, 30);
    await create({ mode: 'reconcile', name: 'mini-reconcile' });
    await startWorker(e, { handlers: {}, concurrency: 4 });
    expect((await run('mini-reconcile')).status).toBe('succeeded');
    store.rows.address.delete('a3');
    store.rows.address.delete('a4');
    store.rows.person.delete('p9');
    store.rows.address.delete('a9');
    // A pass that fails midway marks nothing: campus (one page) completes, person fails on its second page.
    store.failAfterPages = store.requests.length + 2;
    const { job } = await e.pipelines.start('mini-reconcile');
    await waitFor('the failing run to finish', async () => ((await e.jobs.get(job.id))?.status === 'succeeded' ? true : undefined), 30_000);
    expect((await e.pipelines.runOfJob(job.id))!.status).not.toBe('succeeded');
    expect(await count(`select count(*)::int as n from ${t('canonical_address')} where deleted_at is not null`)).toBe(0);
    expect(await count(`select count(*)::int as n from ${t('canonical_person')} where deleted_at is not null`)).toBe(0);
    // A complete pass marks exactly the missing ones.
    store.failAfterPages = undefined;
    expect((await run('mini-reconcile')).status).toBe('succeeded');
    const deleted = await e.db.query<{ external_id: string }>(
      `select external_id from ${t('canonical_address')} where deleted_at is not null union all select external_id from ${t('canonical_person')} where deleted_at is not null order by 1`,
    );
    expect(deleted.rows.map((r) => r.external_id)).toEqual(['a3', 'a4', 'a9', 'p9']);
  });

  test('delta: a later run reads only what changed since, including records sharing one updated_at across a page boundary', async () => {
    seedMini(store, 25);
    await create();
    await startWorker(e, { handlers: {}, concurrency: 4 });
    await run();
    // 13 people updated in the same second: more than a page (10), across a page boundary.
    const same = '2026-06-01T12:00:00Z';
    for (let p = 5; p <= 17; p++) store.rows.person.set(`p${p}`, { ...store.rows.person.get(`p${p}`)!, first_name: `Renamed ${p}`, updated_at: same });
    store.rows.person.set('p99', { id: 'p99', first_name: 'New', campus_id: null, updated_at: same });
    const before = store.requests.length;
    const r = await run();
    const personPages = store.requests.slice(before).filter((q) => q.entity === 'person');
    // Started from the last cursor (less the overlap), not from the beginning.
    expect(personPages[0]!.since).not.toBe('1970-01-01T00:00:00Z');
    expect(r.streams.find((s) => s.stream === 'person')!.records).toBeLessThanOrEqual(16);
    const { rows } = await e.db.query<{ external_id: string; first_name: string }>(`select external_id, first_name from ${t('canonical_person')} where first_name like 'Renamed%' or external_id = 'p99' order by external_id`);
    expect(rows).toHaveLength(14);
    expect(await count(`select count(*)::int as n from ${t('canonical_person')}`)).toBe(26);
  });

  test('manifest selections are checked when the pipeline is created', async () => {
    await expect(create({ streams: ['address'] })).rejects.toThrow('"address" needs "person" (a hard dependency)');
    await expect(create({ streams: ['campus', 'house'] })).rejects.toThrow('"house" is not an entity of mini');
    await expect(create({ destination: { connector: 'postgres', config: { schema: 'x' } } })).rejects.toThrow('destination.connector: "postgres" is not a registered connector');
    await expect(create({ streams: ['campus', 'person'] })).resolves.toMatchObject({ name: 'mini-people' });
  });
});
