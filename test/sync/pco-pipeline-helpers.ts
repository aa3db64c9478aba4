/**
 * Shared pieces of the Planning Center pipeline tests: a source config pointing at the fake PCO, a pipeline
 * pco → canonical, waiting for a run, and the comparison most tests end with — each canonical table against the
 * fake's own store, record by record (ids through external_links, `raw` equal to the record as the API renders it),
 * plus the reference invariant (every address, email and phone number refers to a stored person).
 */
import { isDeepStrictEqual } from 'node:util';
import type { Db } from '../../src/db/db.ts';
import { flattenResource } from '../../src/connectors/pco/jsonapi.ts';
import type { FakePco, ResourceType } from '../../src/fakes/pco/index.ts';
import { canonicalId } from '../../src/sync/canonical/ids.ts';
import type { PipelineRun } from '../../src/sync/pipeline-store.ts';
import type { SyncBridge } from '../../src/syncbridge.ts';
import { waitFor } from '../helpers/engine.ts';

export const PCO_APP_ID = 'pco-pipeline-app';
export const PCO_SECRET = 'pco-pipeline-secret-0123456789';

/** The adapter's entities, the fake's resource type of each, and the canonical model it lands in. */
export const PCO_ENTITIES = {
  campus: { type: 'campuses', model: 'campus' },
  person: { type: 'people', model: 'person' },
  household: { type: 'households', model: 'household' },
  address: { type: 'addresses', model: 'address' },
  email: { type: 'emails', model: 'email' },
  phone_number: { type: 'phone_numbers', model: 'phone_number' },
} as const satisfies Record<string, { type: ResourceType; model: string }>;
export type PcoEntityName = keyof typeof PCO_ENTITIES;
export const ALL_STREAMS = Object.keys(PCO_ENTITIES) as PcoEntityName[];
/** The entities that belong to a person (a required reference with a foreign key). */
export const PERSON_CHILDREN = ['address', 'email', 'phone_number'] as const;

/**
 * The PCO source's config for the fake: quick retries and a shared limit far above anything a test reaches
 * (tests that are about the limit set `rate_limit` themselves).
 */
export function pcoSourceConfig(fake: FakePco, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    application_id: PCO_APP_ID,
    secret: PCO_SECRET,
    base_url: fake.url,
    page_size: 100,
    retry_base_ms: 10,
    timeout_ms: 10_000,
    rate_limit: { requests: 100_000, per_seconds: 1 },
    ...extra,
  };
}

export interface PcoPipelineOptions {
  name: string;
  fake: FakePco;
  streams?: readonly string[];
  mode?: 'incremental' | 'full_refresh' | 'reconcile';
  source?: Record<string, unknown>;
}

/** A pipeline pco → the canonical tables of the engine's database. */
export function pcoPipeline(o: PcoPipelineOptions) {
  return {
    name: o.name,
    source: { connector: 'pco', config: pcoSourceConfig(o.fake, o.source) },
    destination: { connector: 'canonical', config: {} },
    streams: [...(o.streams ?? ALL_STREAMS)],
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

/** The record as the API renders it now, flattened the way the adapter hands it over. */
export function fakeRecord(fake: FakePco, entity: PcoEntityName, id: string): Record<string, unknown> | undefined {
  const resource = fake.store.get(PCO_ENTITIES[entity].type, id);
  return resource ? (JSON.parse(JSON.stringify(flattenResource(resource as Parameters<typeof flattenResource>[0]))) as Record<string, unknown>) : undefined;
}

export interface CanonicalComparison {
  /** Live records in the fake. */
  live: number;
  /** Canonical rows of the entity (deleted ones included). */
  rows: number;
  /** Rows with `deleted_at` set. */
  deleted: number;
  /** Every difference, described; empty when the table matches the fake. */
  problems: string[];
}

/**
 * `canonical_<model>` against the fake's records of the entity: every live record has exactly one row, found
 * through external_links, whose id is the derived canonical id, whose `raw` equals the record as the API renders
 * it and whose `deleted_at` is null; every other row is a record the fake no longer has, flagged deleted when
 * `gone` is 'flagged' (reconciliation, webhooks) or either way when 'any' (incremental reads see no deletions).
 */
export async function compareCanonical(
  db: Db,
  schema: string,
  fake: FakePco,
  entity: PcoEntityName,
  gone: 'flagged' | 'any' | 'none' = 'none',
  ignore: readonly string[] = [],
): Promise<CanonicalComparison> {
  const { model, type } = PCO_ENTITIES[entity];
  const { rows } = await db.query<{ id: string; external_id: string; raw: Record<string, unknown>; deleted: boolean; linked: string | null; source_system: string }>(
    `select t.id::text, t.external_id, t.raw, t.deleted_at is not null as deleted, l.canonical_id::text as linked, t.source_system
     from "${schema}".canonical_${model} t
     left join "${schema}".external_links l on l.system = 'pco' and l.entity = $1 and l.external_id = t.external_id`,
    [entity],
  );
  const problems: string[] = [];
  const byId = new Map<string, (typeof rows)[number]>();
  for (const r of rows) {
    if (byId.has(r.external_id)) problems.push(`${entity} ${r.external_id}: more than one row`);
    byId.set(r.external_id, r);
    if (r.id !== canonicalId('pco', entity, r.external_id)) problems.push(`${entity} ${r.external_id}: id ${r.id} is not the derived canonical id`);
    if (r.linked !== r.id) problems.push(`${entity} ${r.external_id}: external_links points at ${r.linked}, not at the row`);
    if (r.source_system !== 'pco') problems.push(`${entity} ${r.external_id}: source_system ${r.source_system}`);
  }
  const live = fake.store.ids(type);
  for (const id of live) {
    const row = byId.get(id);
    if (!row) {
      problems.push(`${entity} ${id}: missing`);
      continue;
    }
    if (row.deleted) problems.push(`${entity} ${id}: flagged deleted but live in the fake`);
    const expected = fakeRecord(fake, entity, id);
    const actual = { ...row.raw };
    for (const field of ignore) {
      delete actual[field];
      if (expected) delete expected[field];
    }
    if (!isDeepStrictEqual(actual, expected)) problems.push(`${entity} ${id}: raw differs from the fake in ${describeDiff(row.raw, expected)}`);
  }
  const liveSet = new Set(live);
  for (const r of rows) {
    if (liveSet.has(r.external_id)) continue;
    if (gone === 'none') problems.push(`${entity} ${r.external_id}: a row for a record the fake does not have`);
    if (gone === 'flagged' && !r.deleted) problems.push(`${entity} ${r.external_id}: gone from the fake, row not flagged deleted`);
  }
  return {
    live: live.length,
    rows: rows.length,
    deleted: rows.filter((r) => r.deleted).length,
    problems: problems.slice(0, 20).concat(problems.length > 20 ? [`… and ${problems.length - 20} more`] : []),
  };
}

/**
 * Attributes PCO derives from another record, so they change without the record's `updated_at` moving: a delta
 * cannot see them change (a household's `primary_contact_name` after its contact is renamed). Full passes and
 * webhooks re-read them; a delta comparison leaves them out.
 */
export const DERIVED_FIELDS: Partial<Record<PcoEntityName, readonly string[]>> = { household: ['primary_contact_name'] };

/** Every entity compared; a map entity → its comparison (`problems` empty when everything matches). */
export async function compareAll(
  db: Db,
  schema: string,
  fake: FakePco,
  entities: readonly PcoEntityName[] = ALL_STREAMS,
  gone: 'flagged' | 'any' | 'none' = 'none',
  ignore: Partial<Record<PcoEntityName, readonly string[]>> = {},
) {
  const out: Record<string, CanonicalComparison> = {};
  for (const entity of entities) out[entity] = await compareCanonical(db, schema, fake, entity, gone, ignore[entity] ?? []);
  return out;
}

/**
 * The reference invariant for each child entity: rows, rows whose person_id joins a stored person, and rows whose
 * person_id is the canonical id of the person the raw record names (the reference resolved to the right person).
 */
export async function personRefs(db: Db, schema: string): Promise<Record<string, { rows: number; joined: number; right_person: number }>> {
  const out: Record<string, { rows: number; joined: number; right_person: number }> = {};
  for (const entity of PERSON_CHILDREN) {
    const { model } = PCO_ENTITIES[entity];
    const { rows } = await db.query<{ id: string; person_id: string; raw_person: string; stored: boolean }>(
      `select c.id::text, c.person_id::text, c.raw->>'person_id' as raw_person, p.id is not null as stored
       from "${schema}".canonical_${model} c left join "${schema}".canonical_person p on p.id = c.person_id`,
    );
    out[entity] = {
      rows: rows.length,
      joined: rows.filter((r) => r.stored).length,
      right_person: rows.filter((r) => r.person_id === canonicalId('pco', 'person', r.raw_person)).length,
    };
  }
  return out;
}

/** `external_links` rows per entity. */
export async function linkCounts(db: Db, schema: string): Promise<Record<string, number>> {
  const { rows } = await db.query<{ entity: string; n: number }>(`select entity, count(*)::int as n from "${schema}".external_links where system = 'pco' group by entity`);
  return Object.fromEntries(rows.map((r) => [r.entity, r.n]));
}

/** The fake's record counts per entity. */
export function fakeCounts(fake: FakePco, entities: readonly PcoEntityName[] = ALL_STREAMS): Record<string, number> {
  return Object.fromEntries(entities.map((e) => [e, fake.store.count(PCO_ENTITIES[e].type)]));
}

/** The list path of an entity on the fake: `/people/v2/addresses`. */
export const listPath = (entity: PcoEntityName) => `/people/v2/${PCO_ENTITIES[entity].type}`;

/** The top-level fields in which `actual` differs from `expected`, with both values. */
function describeDiff(actual: unknown, expected: unknown): string {
  const a = (typeof actual === 'object' && actual !== null ? actual : {}) as Record<string, unknown>;
  const b = (typeof expected === 'object' && expected !== null ? expected : {}) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !isDeepStrictEqual(a[k], b[k]));
  return keys.map((k) => `${k}: ${JSON.stringify(a[k])} (fake: ${JSON.stringify(b[k])})`).join(', ');
}
