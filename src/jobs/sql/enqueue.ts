/**
 * Enqueue, one job or many in one round trip. Idempotent per (job_type, entity_id) among active jobs —
 * the unique partial index decides, so two processes racing to enqueue the same entity get one job —
 * and per client idempotency key. A duplicate returns the existing job with `created: false`.
 */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../db/db.ts';
import { ValidationError } from '../../protocol/errors.ts';
import type { EnqueueInput, EnqueueResult, Job } from '../types.ts';
import type { SqlContext } from './context.ts';

export interface EnqueueDefaults {
  maxRetries: number;
}

interface Row {
  job_type: string;
  entity_id: string;
  payload: unknown;
  priority: number;
  /** ISO time; null: now. */
  run_at: string | null;
  max_retries: number;
  correlation_id: string;
  idempotency_key: string | null;
  concurrency_key: string | null;
  concurrency_limit: number;
  replay_of_job_id: number | null;
  replay_of_attempt_id: number | null;
  schedule_name: string | null;
  pending_dependencies: number;
  status: 'pending' | 'cancelled';
  last_error: Record<string, unknown> | null;
}

// The batch travels as one JSON array per column, zipped back into rows by ROWS FROM: far cheaper to
// decode than a JSON document of row objects (jsonb_to_recordset spent more time taking 5,000 rows
// apart than the insert spent writing them), and JSON.stringify costs the client far less than the
// driver's escaping of Postgres array literals. A column whose values are all the default is sent as an
// empty array, which ROWS FROM pads with nulls.
const rowsInsertSql = (c: SqlContext, mode: 'upsert' | 'plain') => `
  insert into ${c.s}.jobs (job_type, entity_id, payload, correlation_id, priority, run_at, max_retries,
    idempotency_key, concurrency_key, concurrency_limit, replay_of_job_id, replay_of_attempt_id,
    schedule_name, pending_dependencies, status, last_error, finished_at, created_at, updated_at)
  select job_type, entity_id, coalesce(nullif(payload, 'null'::jsonb), '{}'::jsonb), correlation_id,
    coalesce(priority::integer, 0), coalesce(run_at::timestamptz, $17::timestamptz),
    coalesce(max_retries::integer, $18::integer), idempotency_key, concurrency_key,
    coalesce(concurrency_limit::integer, 1), replay_of_job_id::bigint, replay_of_attempt_id::bigint, schedule_name,
    coalesce(pending_dependencies::integer, 0), coalesce(status, 'pending'), nullif(last_error, 'null'::jsonb),
    case when status = 'cancelled' then $17::timestamptz end, $17::timestamptz, $17::timestamptz
  from rows from (
    json_array_elements_text($1::json), json_array_elements_text($2::json), jsonb_array_elements($3::jsonb),
    json_array_elements_text($4::json), json_array_elements_text($5::json), json_array_elements_text($6::json),
    json_array_elements_text($7::json), json_array_elements_text($8::json), json_array_elements_text($9::json),
    json_array_elements_text($10::json), json_array_elements_text($11::json), json_array_elements_text($12::json),
    json_array_elements_text($13::json), json_array_elements_text($14::json), json_array_elements_text($15::json),
    jsonb_array_elements($16::jsonb)
  ) as x(job_type, entity_id, payload, correlation_id, priority, run_at, max_retries, idempotency_key,
    concurrency_key, concurrency_limit, replay_of_job_id, replay_of_attempt_id, schedule_name,
    pending_dependencies, status, last_error)
  ${mode === 'upsert' ? 'on conflict do nothing returning *' : 'returning id, job_type, entity_id'}`;

// With `wake`, the statement also NOTIFYs workers when it inserted anything ($19, the channel): the
// wake-up then leaves with the commit instead of a round trip later.
const insertSql = (c: SqlContext, mode: 'upsert' | 'plain', wake: boolean) =>
  wake
    ? `with ins as (${rowsInsertSql(c, mode)}),
       wake as (select pg_notify($19, '') where exists (select 1 from ins))
       select * from ins where (select count(*) from wake) >= 0`
    : rowsInsertSql(c, mode);

/** The parameters of insertSql for `rows`: one JSON array per column. */
function insertParams(rows: readonly Row[], now: Date, defaultMaxRetries: number): unknown[] {
  const all = <T>(pick: (r: Row) => T) => JSON.stringify(rows.map(pick));
  // A column of defaults only is sent empty (null-padded by ROWS FROM, then defaulted in SQL).
  const column = <T>(pick: (r: Row) => T, isDefault: (v: T) => boolean) =>
    rows.every((r) => isDefault(pick(r))) ? '[]' : all(pick);
  const isNull = (v: unknown) => v === null;
  return [
    all((r) => r.job_type),
    all((r) => r.entity_id),
    all((r) => r.payload),
    all((r) => r.correlation_id),
    column((r) => r.priority, (v) => v === 0),
    column((r) => r.run_at, isNull),
    column((r) => r.max_retries, (v) => v === defaultMaxRetries),
    column((r) => r.idempotency_key, isNull),
    column((r) => r.concurrency_key, isNull),
    column((r) => r.concurrency_limit, (v) => v === 1),
    column((r) => r.replay_of_job_id, isNull),
    column((r) => r.replay_of_attempt_id, isNull),
    column((r) => r.schedule_name, isNull),
    column((r) => r.pending_dependencies, (v) => v === 0),
    column((r) => r.status, (v) => v === 'pending'),
    column((r) => r.last_error, isNull),
    now,
    defaultMaxRetries,
  ];
}

const existingSql = (c: SqlContext) => `
  select * from ${c.s}.jobs where idempotency_key = any($1::text[])
  union all
  select j.* from ${c.s}.jobs j
    join unnest($2::text[], $3::text[]) as k(job_type, entity_id)
      on j.job_type = k.job_type and j.entity_id = k.entity_id
  where j.status in ('pending', 'running')`;

const keyOf = (jobType: string, entityId: string) => `${jobType}\u0000${entityId}`;

export function validateEnqueueInput(input: EnqueueInput): void {
  const bad = (field: string, why: string) => {
    throw new ValidationError(`${field}: ${why}`, { detail: { field } });
  };
  if (typeof input.jobType !== 'string' || input.jobType.length === 0 || input.jobType.length > 200) {
    bad('job_type', 'must be a non-empty string of at most 200 characters');
  }
  if (typeof input.entityId !== 'string' || input.entityId.length === 0 || input.entityId.length > 500) {
    bad('entity_id', 'must be a non-empty string of at most 500 characters');
  }
  if (input.priority !== undefined && (!Number.isInteger(input.priority) || Math.abs(input.priority) > 2 ** 31 - 1)) {
    bad('priority', 'must be a 32-bit integer');
  }
  if (input.maxRetries !== undefined && (!Number.isInteger(input.maxRetries) || input.maxRetries < 0 || input.maxRetries > 1000)) {
    bad('max_retries', 'must be an integer from 0 to 1000');
  }
  if (input.runAt !== undefined && (!(input.runAt instanceof Date) || Number.isNaN(input.runAt.getTime()))) {
    bad('run_at', 'must be a valid time');
  }
  if (input.concurrencyLimit !== undefined && (!Number.isInteger(input.concurrencyLimit) || input.concurrencyLimit < 1)) {
    bad('concurrency_limit', 'must be a positive integer');
  }
  if (input.concurrencyLimit !== undefined && input.concurrencyKey === undefined) {
    bad('concurrency_limit', 'needs a concurrency_key');
  }
  for (const id of input.dependsOn ?? []) {
    if (!Number.isSafeInteger(id) || id <= 0) bad('depends_on', 'must be a list of job ids');
  }
}

/**
 * Inserts `inputs` (a batch) and returns one result per input, in order. Jobs with `dependsOn` must be
 * enqueued inside a transaction (`q` a transaction), because their parents are locked while the
 * dependency rows are written.
 */
export async function enqueueJobs(
  q: Queryable,
  c: SqlContext,
  inputs: readonly EnqueueInput[],
  defaults: EnqueueDefaults,
  now: Date,
  options: {
    optimistic?: boolean;
    notifyInTx?: boolean;
    /** NOTIFY from the insert statement itself (see WakeNotifier.inline). */
    wake?: boolean;
  } = {},
): Promise<EnqueueResult[]> {
  for (const input of inputs) validateEnqueueInput(input);
  const parents = await lockParents(q, c, inputs);

  const rows: Row[] = inputs.map((input) => {
    const deps = input.dependsOn;
    // Most jobs depend on nothing: no per-job arrays and sets for them (a batch is thousands of jobs).
    const failedParent = deps?.length
      ? deps.map((id) => parents.get(id)!).find((p) => ['failed', 'dead', 'cancelled'].includes(p.status))
      : undefined;
    return {
      job_type: input.jobType,
      entity_id: input.entityId,
      payload: input.payload ?? {},
      priority: input.priority ?? 0,
      run_at: input.runAt ? input.runAt.toISOString() : null,
      max_retries: input.maxRetries ?? defaults.maxRetries,
      correlation_id: input.correlationId ?? randomUUID(),
      idempotency_key: input.idempotencyKey ?? null,
      concurrency_key: input.concurrencyKey ?? null,
      concurrency_limit: input.concurrencyLimit ?? 1,
      replay_of_job_id: input.replayOfJobId ?? null,
      replay_of_attempt_id: input.replayOfAttemptId ?? null,
      schedule_name: input.scheduleName ?? null,
      pending_dependencies: deps?.length ? new Set(deps.filter((id) => parents.get(id)!.status !== 'succeeded')).size : 0,
      status: failedParent ? 'cancelled' : 'pending',
      last_error: failedParent
        ? { class: 'DependencyFailed', message: `dependency job ${failedParent.id} ended ${failedParent.status}`, retryable: false }
        : null,
    };
  });

  if (options.optimistic && inputs.length >= OPTIMISTIC_MIN && parents.size === 0) {
    const fast = await insertAllOrNothing(q, c, rows, now, defaults.maxRetries, options.wake === true);
    if (fast) return fast;
  }

  const results: (EnqueueResult | undefined)[] = new Array(inputs.length);
  let todo = inputs.map((_, i) => i);
  // A conflicting job can finish between our insert and our look-up; then we simply insert again.
  for (let round = 0; todo.length > 0; round++) {
    if (round === 5) throw new Error('enqueue kept racing with concurrent state changes; giving up');
    const params = insertParams(todo.map((i) => rows[i]!), now, defaults.maxRetries);
    const wake = options.wake === true;
    const { rows: inserted } = await q.query<Job>(insertSql(c, 'upsert', wake), wake ? [...params, c.jobsChannel] : params, { prepare: true });
    const byKey = new Map(inserted.map((j) => [keyOf(j.job_type, j.entity_id), j]));
    const claimed = new Set<string>();
    const missing: number[] = [];
    for (const i of todo) {
      const r = rows[i]!;
      const k = keyOf(r.job_type, r.entity_id);
      const job = byKey.get(k);
      // A cancelled-on-arrival row is not in the active index; match it by its own idempotency key, if any.
      if (job && (job.idempotency_key === r.idempotency_key || r.idempotency_key === null) && !claimed.has(k)) {
        claimed.add(k);
        results[i] = { job, created: true };
      } else missing.push(i);
    }
    if (missing.length === 0) break;
    const { rows: existing } = await q.query<Job>(existingSql(c), [
      missing.map((i) => rows[i]!.idempotency_key).filter((k): k is string => k !== null),
      missing.map((i) => rows[i]!.job_type),
      missing.map((i) => rows[i]!.entity_id),
    ]);
    const byIdem = new Map(existing.filter((j) => j.idempotency_key).map((j) => [j.idempotency_key!, j]));
    const active = new Map(
      existing.filter((j) => j.status === 'pending' || j.status === 'running').map((j) => [keyOf(j.job_type, j.entity_id), j]),
    );
    for (const [k, j] of byKey) active.set(k, j);
    todo = [];
    for (const i of missing) {
      const r = rows[i]!;
      const job = (r.idempotency_key !== null ? byIdem.get(r.idempotency_key) : undefined) ?? active.get(keyOf(r.job_type, r.entity_id));
      if (job) results[i] = { job, created: false };
      else todo.push(i);
    }
  }

  const final = results as EnqueueResult[];
  await linkDependencies(q, c, inputs, final);
  if (options.notifyInTx && final.some((r) => r.created)) await q.query('select pg_notify($1, $2)', [c.jobsChannel, '']);
  return final;
}

/** Batches at least this large first try a plain insert (see insertAllOrNothing). */
const OPTIMISTIC_MIN = 50;
const UNIQUE_VIOLATION = '23505';

/**
 * The bulk fast path. ON CONFLICT makes Postgres insert every row speculatively, which costs a third of
 * a large batch; a bulk load rarely collides. So try a plain insert: it either inserts every row or,
 * on a collision, none (one statement), and then the caller takes the careful path. Never used inside
 * a caller's transaction, where the failed statement would abort it. The jobs are built from what we
 * sent rather than read back: everything but the id was decided here.
 */
async function insertAllOrNothing(
  q: Queryable,
  c: SqlContext,
  rows: Row[],
  now: Date,
  defaultMaxRetries: number,
  wake: boolean,
): Promise<EnqueueResult[] | undefined> {
  let inserted: { id: number; job_type: string; entity_id: string }[];
  try {
    const params = insertParams(rows, now, defaultMaxRetries);
    ({ rows: inserted } = await q.query<{ id: number; job_type: string; entity_id: string }>(
      insertSql(c, 'plain', wake),
      wake ? [...params, c.jobsChannel] : params,
      { prepare: true },
    ));
  } catch (err) {
    if ((err as { code?: string }).code === UNIQUE_VIOLATION) return undefined;
    throw err;
  }
  // Rows come back in the order they were sent (checked, not assumed: otherwise matched by key).
  const inOrder = inserted.length === rows.length && inserted.every((x, i) => x.job_type === rows[i]!.job_type && x.entity_id === rows[i]!.entity_id);
  const byKey = inOrder ? undefined : new Map(inserted.map((r) => [keyOf(r.job_type, r.entity_id), r.id]));
  return rows.map((r, i) => ({
    created: true,
    job: {
      id: byKey ? byKey.get(keyOf(r.job_type, r.entity_id))! : inserted[i]!.id,
      job_type: r.job_type,
      entity_id: r.entity_id,
      payload: r.payload,
      status: r.status,
      priority: r.priority,
      run_at: r.run_at === null ? now : new Date(r.run_at),
      attempt_count: 0,
      max_retries: r.max_retries,
      lease_owner: null,
      lease_expires_at: null,
      attempt_started_at: null,
      correlation_id: r.correlation_id,
      idempotency_key: r.idempotency_key,
      concurrency_key: r.concurrency_key,
      concurrency_limit: r.concurrency_limit,
      replay_of_job_id: r.replay_of_job_id,
      replay_of_attempt_id: r.replay_of_attempt_id,
      pending_dependencies: r.pending_dependencies,
      has_dependents: false,
      schedule_name: r.schedule_name,
      result: null,
      last_error: r.last_error,
      created_at: now,
      updated_at: now,
      finished_at: r.status === 'cancelled' ? now : null,
    },
  }));
}

async function lockParents(q: Queryable, c: SqlContext, inputs: readonly EnqueueInput[]) {
  const parents = new Map<number, { id: number; status: string }>();
  if (!inputs.some((i) => i.dependsOn?.length)) return parents;
  const ids = [...new Set(inputs.flatMap((i) => i.dependsOn ?? []))];
  // FOR UPDATE: a parent cannot finish (and miss decrementing us) until our rows are committed.
  const { rows } = await q.query<{ id: number; status: string }>(
    `select id, status from ${c.s}.jobs where id = any($1::bigint[]) order by id for update`,
    [ids],
  );
  for (const r of rows) parents.set(r.id, r);
  const unknown = ids.filter((id) => !parents.has(id));
  if (unknown.length > 0) {
    throw new ValidationError(`depends_on: unknown job id(s) ${unknown.join(', ')}`, { detail: { field: 'depends_on', ids: unknown } });
  }
  return parents;
}

async function linkDependencies(q: Queryable, c: SqlContext, inputs: readonly EnqueueInput[], results: EnqueueResult[]) {
  const links: { job_id: number; depends_on_id: number }[] = [];
  inputs.forEach((input, i) => {
    if (!results[i]!.created) return;
    for (const parent of new Set(input.dependsOn ?? [])) links.push({ job_id: results[i]!.job.id, depends_on_id: parent });
  });
  if (links.length === 0) return;
  await q.query(
    `with l as (
       insert into ${c.s}.job_dependencies (job_id, depends_on_id)
       select job_id, depends_on_id from jsonb_to_recordset($1::jsonb) as x(job_id bigint, depends_on_id bigint)
       returning depends_on_id)
     update ${c.s}.jobs set has_dependents = true
     where id in (select depends_on_id from l) and not has_dependents`,
    [JSON.stringify(links)],
  );
}
