/**
 * Shared pieces of the Stripe pipeline tests: a source config pointing at the fake, a pipeline stripe →
 * the engine's own database, waiting for a run, and the comparison every test ends with — the
 * destination table against the fake's own store, object by object.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Db } from '../../src/db/db.ts';
import type { FakeStripe, ResourceName } from '../../src/fakes/stripe/index.ts';
import { streamNamed } from '../../src/connectors/stripe/streams.ts';
import type { PipelineRun } from '../../src/sync/pipeline-store.ts';
import type { SyncBridge } from '../../src/syncbridge.ts';
import { waitFor } from '../helpers/engine.ts';

export const STRIPE_KEY = 'sk_test_pipeline_4eC39HqLyjWDarjtT1zdp7dc';
export const STRIPE_API_VERSION = '2026-07-29.dahlia';

/** The Stripe source's config for the fake: unthrottled (the fake does not limit unless told), quick retries. */
export function stripeSourceConfig(fake: FakeStripe, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    api_key: STRIPE_KEY,
    api_version: STRIPE_API_VERSION,
    base_url: fake.url,
    page_size: 100,
    requests_per_second: 10_000,
    retry_base_ms: 20,
    timeout_ms: 5_000,
    ...extra,
  };
}

export interface StripePipelineOptions {
  name: string;
  fake: FakeStripe;
  /** The destination schema in the engine's database. */
  dest: string;
  streams: string[];
  source?: Record<string, unknown>;
  deletes?: 'flag' | 'delete';
  mode?: 'incremental' | 'full_refresh';
}

/** A pipeline stripe → postgres without a connection string: the engine's own database. */
export function stripePipeline(o: StripePipelineOptions) {
  return {
    name: o.name,
    source: { connector: 'stripe', config: stripeSourceConfig(o.fake, o.source) },
    destination: { connector: 'postgres', config: { schema: o.dest, ...(o.deletes ? { deletes: o.deletes } : {}) } },
    streams: o.streams,
    mode: o.mode ?? 'incremental',
  };
}

/** Starts a run of the pipeline and waits for its job to finish; returns the run (whatever its status). */
export async function runToEnd(engine: SyncBridge, ref: string, timeoutMs = 45_000): Promise<PipelineRun> {
  const { job, created } = await engine.pipelines.start(ref, 'api');
  if (!created) throw new Error(`pipeline ${ref} already had an active run (job ${job.id})`);
  return waitForRun(engine, job.id, timeoutMs);
}

/** Waits until the `pipeline_run` job has finished and returns the run it carried. */
export async function waitForRun(engine: SyncBridge, jobId: number, timeoutMs = 45_000): Promise<PipelineRun> {
  await waitFor(`run job ${jobId} to finish`, async () => {
    const j = await engine.jobs.get(jobId);
    return j !== undefined && !['pending', 'running'].includes(j.status);
  }, timeoutMs, 50);
  const run = await engine.pipelines.runOfJob(jobId);
  if (!run) throw new Error(`run job ${jobId} finished without a run`);
  return run;
}

export interface FakeComparison {
  /** Live objects in the fake, each found in the table with `_deleted = false` and `_raw` equal. */
  live: number;
  /** Objects the fake deleted (its `*.deleted` events), each flagged or absent as `deletes` says. */
  deleted: number;
  rows: number;
  /** Every difference, described; empty when the table matches the fake. */
  problems: string[];
}

/** Ids of objects of the stream the fake deleted (from its event log) and that are not live again. */
export function deletedIds(fake: FakeStripe, stream: string): string[] {
  const spec = streamNamed(stream);
  if (!spec) throw new Error(`unknown stream ${stream}`);
  const live = new Set(fake.store.all(stream as ResourceName).map((o) => o.id));
  const gone = new Set<string>();
  for (const e of fake.store.events.all()) if (spec.deletes.includes(e.type) && !live.has(e.data.object.id)) gone.add(e.data.object.id);
  return [...gone];
}

/**
 * The destination table `<dest>.<stream>` against the fake's objects of that stream, row by row: every
 * live object has exactly one row whose `_raw` equals it and whose `_deleted` is false; every deleted object
 * is flagged `_deleted = true` (`deletes: 'flag'`) or has no row (`'delete'`); there is no other row.
 */
export async function compareWithFake(db: Db, dest: string, fake: FakeStripe, stream: string, deletes: 'flag' | 'delete' = 'flag'): Promise<FakeComparison> {
  const { rows } = await db.query<{ id: string; _raw: unknown; _deleted: boolean }>(`select id, _raw, _deleted from "${dest}"."${stream}"`);
  const problems: string[] = [];
  const byId = new Map<string, { _raw: unknown; _deleted: boolean }>();
  for (const r of rows) {
    if (byId.has(r.id)) problems.push(`${r.id}: more than one row`);
    byId.set(r.id, r);
  }
  const live = fake.store.all(stream as ResourceName);
  const gone = deletedIds(fake, stream);
  for (const obj of live) {
    const row = byId.get(obj.id);
    // What went over the wire: the JSON of the object, as the source received it.
    const expected: unknown = JSON.parse(JSON.stringify(obj));
    if (!row) problems.push(`${obj.id}: missing`);
    else if (row._deleted) problems.push(`${obj.id}: flagged deleted but live in the fake`);
    else if (!isDeepStrictEqual(row._raw, expected)) problems.push(`${obj.id}: _raw differs from the fake's object in ${describeDiff(row._raw, expected)}`);
  }
  for (const id of gone) {
    const row = byId.get(id);
    if (deletes === 'flag' && !row) problems.push(`${id}: deleted in the fake, no flagged row`);
    if (deletes === 'flag' && row && !row._deleted) problems.push(`${id}: deleted in the fake, row not flagged`);
    if (deletes === 'delete' && row) problems.push(`${id}: deleted in the fake, row still there (_deleted=${row._deleted})`);
  }
  const known = new Set([...live.map((o) => o.id), ...gone]);
  for (const id of byId.keys()) if (!known.has(id)) problems.push(`${id}: row for an object the fake never had`);
  return { live: live.length, deleted: gone.length, rows: rows.length, problems: problems.slice(0, 25).concat(problems.length > 25 ? [`… and ${problems.length - 25} more`] : []) };
}

/** The top-level fields in which `actual` differs from `expected`, with both values: `name: null (fake: "Ada")`. */
function describeDiff(actual: unknown, expected: unknown): string {
  const a = (typeof actual === 'object' && actual !== null ? actual : {}) as Record<string, unknown>;
  const b = expected as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !isDeepStrictEqual(a[k], b[k]));
  return keys.map((k) => `${k}: ${JSON.stringify(a[k])} (fake: ${JSON.stringify(b[k])})`).join(', ');
}
