/**
 * Writing manifest entities into the canonical tables (engine database only, so each page commits with
 * its checkpoint). Each record goes through its entity's transform; fields are checked against the
 * canonical spec and coerced (a value of the wrong shape stores null — the whole record stays in
 * `raw`); references resolve to canonical ids, and a record whose required reference is not stored
 * (an address whose person is not there) is not written: the foreign key would refuse it, and the
 * invariant is that every stored address has its person (outside a run — a webhook — the write fails,
 * retryably, instead: see `missingReferences`). Deletions set `deleted_at`.
 *
 * Reconciliation: every write stamps `last_seen_run`; when a reconciling pass completed (finish), the
 * entity's rows the pass did not see are marked deleted. A pass that failed never reaches finish.
 */
import type { Db, Queryable } from '../../db/db.ts';
import { quoteIdent } from '../../db/ident.ts';
import { CANONICAL_SPECS, type CanonicalFieldType } from '../../protocol/canonical.ts';
import { SyncError, ValidationError } from '../../protocol/errors.ts';
import type { EntityDefinition, Manifest } from '../../protocol/manifest.ts';
import type { RecordPayload } from '../../protocol/messages.ts';
import type { Logger } from '../../log.ts';
import type { EngineSink } from '../engine-sink.ts';
import { canonicalId } from './ids.ts';

export interface CanonicalSinkOptions {
  db: Db;
  schema: string;
  manifest: Manifest;
  runId: number;
  reconcile: boolean;
  /**
   * A record whose required reference is not stored: left out and logged ('skip', a run's read: its
   * dependency's job already ran, so the referenced record is not coming in this run), or the write fails
   * with the retryable MissingReference ('retry', a webhook's: the referenced record's own delivery may
   * still be queued or in flight — PCO does not promise order — so the job tries again later, reading the
   * record afresh, rather than dropping the only notice of the change). Default 'skip'.
   */
  missingReferences?: 'skip' | 'retry';
  /**
   * Reads a record from the source now (null when gone). Given, a record whose required parent is not
   * stored gets its parent fetched and stored first (beforeWrite), so a child created with its parent
   * after the parent's walk finished is not left behind by a delta cursor that moves past it.
   */
  fetchParent?: (entity: string, id: string, signal: AbortSignal) => Promise<Record<string, unknown> | null>;
  logger?: Logger;
}

/** A record refers (by a required reference) to a record not stored yet. Retryable: see `missingReferences`. */
export class MissingReference extends SyncError {
  readonly code = 'missing_reference';
  readonly retryable = true;
}

const SQL_TYPE: Record<CanonicalFieldType, string> = { text: 'text', integer: 'integer', boolean: 'boolean', date: 'date', double: 'double precision' };

export function createCanonicalSink(o: CanonicalSinkOptions): EngineSink {
  const s = quoteIdent(o.schema);
  const entities = o.manifest.entities as Record<string, EntityDefinition<string>>;
  const system = o.manifest.system;

  function entityOf(stream: string) {
    const def = entities[stream];
    if (!def) throw new ValidationError(`canonical destination: manifest ${system} has no entity "${stream}"`);
    const model = def.canonical.model;
    return { def, model, spec: CANONICAL_SPECS[model] as { fields: Record<string, CanonicalFieldType>; refs: Record<string, { model: string; required: boolean }> } };
  }

  /** Required parents of `records` that are not stored, as (entity, external id). */
  async function missingParents(q: Queryable, stream: string, records: readonly RecordPayload[]): Promise<{ entity: string; id: string }[]> {
    const { def, spec } = entityOf(stream);
    const wanted = new Map<string, { entity: string; id: string; model: string }>();
    for (const record of records) {
      if (record.deleted) continue;
      const refs = def.canonical.transform(record.data).refs ?? {};
      for (const [ref, target] of Object.entries(spec.refs)) {
        const given = refs[ref];
        if (!target.required || !given?.externalId) continue;
        wanted.set(canonicalId(system, given.entity, String(given.externalId)), { entity: given.entity, id: String(given.externalId), model: target.model });
      }
    }
    if (wanted.size === 0) return [];
    const byModel = new Map<string, Set<string>>();
    for (const [cid, w] of wanted) byModel.set(w.model, (byModel.get(w.model) ?? new Set()).add(cid));
    const stored = await storedIds(q, byModel);
    return [...wanted].filter(([cid]) => !stored.has(cid)).map(([, w]) => ({ entity: w.entity, id: w.id }));
  }

  /** Of the canonical ids given per model, those stored. */
  async function storedIds(q: Queryable, byModel: ReadonlyMap<string, ReadonlySet<string>>): Promise<Set<string>> {
    const stored = new Set<string>();
    for (const [model, ids] of byModel) {
      const { rows } = await q.query<{ id: string }>(`select id::text from ${s}.${quoteIdent(`canonical_${model}`)} where id = any($1::uuid[])`, [[...ids]]);
      for (const r of rows) stored.add(r.id);
    }
    return stored;
  }

  /** Fetches and stores the missing required parents of `records` — their own parents first, to a bounded depth. */
  async function storeMissingParents(
    fetchParent: NonNullable<CanonicalSinkOptions['fetchParent']>,
    stream: string,
    records: readonly RecordPayload[],
    signal: AbortSignal,
    depth: number,
  ): Promise<void> {
    if (depth === 0) return;
    const missing = await missingParents(o.db, stream, records);
    const byEntity = new Map<string, RecordPayload[]>();
    for (const { entity, id } of missing) {
      const data = await fetchParent(entity, id, signal);
      // Gone upstream too: the child stays out (skip) or waits (retry), as without a fetch.
      if (data) byEntity.set(entity, [...(byEntity.get(entity) ?? []), { stream: entity, data, emitted_at: new Date().toISOString() }]);
    }
    for (const [entity, parents] of byEntity) {
      await storeMissingParents(fetchParent, entity, parents, signal, depth - 1);
      await o.db.transaction((tx) => sink.write(tx, entity, parents));
    }
    if (byEntity.size > 0) o.logger?.info({ event: 'canonical.parents_fetched', entity: stream, parents: [...byEntity].map(([e, p]) => `${e}:${p.length}`) });
  }

  const sink: EngineSink = {
    batchSize: 1000,
    async prepare() {
      // The tables come with the engine's migrations.
    },

    async beforeWrite(stream, records, signal) {
      if (o.fetchParent) await storeMissingParents(o.fetchParent, stream, records, signal, 3);
    },

    async write(tx, stream, records) {
      const { def, model, spec } = entityOf(stream);
      const table = `${s}.${quoteIdent(`canonical_${model}`)}`;
      const upserts: Record<string, unknown>[] = [];
      const deletions: string[] = [];
      // Required references only: an optional one is kept as it is (see below).
      const requiredRefs = new Map<string, Set<string>>();
      for (const record of dedupe(records, def.primaryKey)) {
        const externalId = String(record.data[def.primaryKey]);
        const id = canonicalId(system, stream, externalId);
        if (record.deleted) {
          deletions.push(id);
          continue;
        }
        const out = def.canonical.transform(record.data);
        const row: Record<string, unknown> = { id, external_id: externalId, raw: record.data };
        for (const [field, value] of Object.entries(out.fields)) {
          const type = spec.fields[field];
          if (!type) throw new ValidationError(`manifest ${system}, entity ${stream}: transform produced "${field}", which canonical ${model} does not have`);
          row[field] = coerce(value, type);
        }
        for (const [ref, target] of Object.entries(spec.refs)) {
          const given = out.refs?.[ref];
          const refId = given?.externalId ? canonicalId(system, given.entity, String(given.externalId)) : null;
          row[`${ref}_id`] = refId;
          if (refId && target.required) requiredRefs.set(target.model, (requiredRefs.get(target.model) ?? new Set()).add(refId));
        }
        for (const ref of Object.keys(out.refs ?? {})) {
          if (!spec.refs[ref]) throw new ValidationError(`manifest ${system}, entity ${stream}: transform produced reference "${ref}", which canonical ${model} does not have`);
        }
        upserts.push(row);
      }

      // A required reference must point at a stored record, or its record stays out (counted and logged)
      // — the foreign key would refuse it anyway. An optional one is kept as it is: its record may be
      // synced alongside (a soft dependency) and the id is the same whenever it arrives.
      const stored = await storedIds(tx, requiredRefs);
      const kept = upserts.filter((row) => {
        for (const [ref, target] of Object.entries(spec.refs)) {
          const refId = row[`${ref}_id`] as string | null;
          if (target.required && (refId === null || !stored.has(refId))) return false;
        }
        return true;
      });
      if (kept.length < upserts.length && o.missingReferences === 'retry') {
        const missing = upserts.filter((u) => !kept.includes(u)).map((u) => String(u.external_id));
        throw new MissingReference(`canonical ${model}: ${missing.length} record(s) of ${stream} refer to a record not stored yet (${missing.slice(0, 5).join(', ')})`, {
          detail: { entity: stream, external_ids: missing.slice(0, 20) },
        });
      }
      if (kept.length < upserts.length) {
        o.logger?.warn({ event: 'canonical.missing_reference', entity: stream, skipped: upserts.length - kept.length, example: upserts.find((u) => !kept.includes(u))?.external_id });
      }

      if (kept.length > 0) {
        const columns = [...Object.keys(spec.fields), ...Object.keys(spec.refs).map((r) => `${r}_id`)];
        const recordType = [
          'id uuid',
          'external_id text',
          'raw jsonb',
          ...Object.entries(spec.fields).map(([f, t]) => `${quoteIdent(f)} ${SQL_TYPE[t]}`),
          ...Object.keys(spec.refs).map((r) => `${quoteIdent(`${r}_id`)} uuid`),
        ].join(', ');
        const quoted = columns.map((c) => quoteIdent(c));
        await tx.query(
          `insert into ${table} (id, ${quoted.join(', ')}, source_system, external_id, synced_at, last_seen_run, deleted_at, raw)
           select x.id, ${quoted.map((c) => `x.${c}`).join(', ')}, $2, x.external_id, now(), $3, null, x.raw
           from jsonb_to_recordset($1::jsonb) as x(${recordType})
           on conflict (id) do update set ${quoted.map((c) => `${c} = excluded.${c}`).join(', ')},
             synced_at = excluded.synced_at, last_seen_run = excluded.last_seen_run, deleted_at = null, raw = excluded.raw`,
          [JSON.stringify(kept), system, o.runId],
        );
        await tx.query(
          `insert into ${s}.external_links (system, entity, external_id, canonical_model, canonical_id)
           select $1, $2, x.external_id, $3, x.id from jsonb_to_recordset($4::jsonb) as x(id uuid, external_id text)
           on conflict (system, entity, external_id) do nothing`,
          [system, stream, model, JSON.stringify(kept.map((k) => ({ id: k.id, external_id: k.external_id })))],
        );
      }
      if (deletions.length > 0) {
        await tx.query(`update ${table} set deleted_at = now(), synced_at = now() where id = any($1::uuid[]) and deleted_at is null`, [deletions]);
      }
    },

    async finish(tx: Queryable, stream: string) {
      if (!o.reconcile) return;
      const { model } = entityOf(stream);
      const table = `${s}.${quoteIdent(`canonical_${model}`)}`;
      const { rows } = await tx.query<{ n: number }>(
        `with gone as (
           update ${table} t set deleted_at = now(), synced_at = now()
           from ${s}.external_links l
           where l.system = $1 and l.entity = $2 and l.canonical_id = t.id
             and t.deleted_at is null and t.last_seen_run is distinct from $3
           returning 1)
         select count(*)::int as n from gone`,
        [system, stream, o.runId],
      );
      o.logger?.info({ event: 'canonical.reconciled', entity: stream, marked_deleted: rows[0]?.n ?? 0 });
    },
  };
  return sink;
}

function dedupe(records: readonly RecordPayload[], pk: string): RecordPayload[] {
  const last = new Map<string, RecordPayload>();
  for (const r of records) {
    const key = String(r.data[pk]);
    last.delete(key);
    last.set(key, r);
  }
  return [...last.values()];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A value of the wrong shape stores null rather than failing the page: `raw` keeps the original. */
function coerce(value: unknown, type: CanonicalFieldType): unknown {
  if (value === undefined || value === null) return null;
  switch (type) {
    case 'text':
      return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : null;
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) && Math.abs(value) <= 2_147_483_647 ? value : null;
    case 'double':
      return typeof value === 'number' && Number.isFinite(value) ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date':
      return typeof value === 'string' && DATE.test(value) && !Number.isNaN(Date.parse(value)) ? value : null;
  }
}
