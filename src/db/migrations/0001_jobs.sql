-- Jobs, their attempts, dependencies between jobs and recurring schedules.
-- :SCHEMA is replaced by the quoted schema name; :JOBS_CHANNEL by the quoted NOTIFY channel literal.

create table :SCHEMA.jobs (
  id                   bigint generated always as identity primary key,
  job_type             text        not null check (job_type <> ''),
  entity_id            text        not null check (entity_id <> ''),
  payload              jsonb       not null default '{}'::jsonb,
  status               text        not null default 'pending'
                         check (status in ('pending', 'running', 'succeeded', 'failed', 'dead', 'cancelled')),
  -- Higher runs first.
  priority             integer     not null default 0,
  run_at               timestamptz not null,
  -- Attempts started so far; the attempt in flight (if any) has this number.
  attempt_count        integer     not null default 0 check (attempt_count >= 0),
  max_retries          integer     not null check (max_retries >= 0),
  lease_owner          text,
  lease_expires_at     timestamptz,
  -- When the attempt in flight started: its row in job_attempts is written when it ends, by
  -- whoever ends it (the worker, the lease reaper, a cancel), so a claim costs one row write.
  attempt_started_at   timestamptz,
  correlation_id       text        not null,
  idempotency_key      text,
  concurrency_key      text,
  concurrency_limit    integer     not null default 1 check (concurrency_limit > 0),
  -- No foreign key: the replay path reads the old job under lock; a per-row check would tax every enqueue.
  replay_of_job_id     bigint,
  replay_of_attempt_id bigint,
  -- Dependencies not yet succeeded; a job is claimable only at zero.
  pending_dependencies integer     not null default 0 check (pending_dependencies >= 0),
  has_dependents       boolean     not null default false,
  schedule_name        text,
  result               jsonb,
  last_error           jsonb,
  created_at           timestamptz not null,
  updated_at           timestamptz not null,
  finished_at          timestamptz,
  check ((status = 'running') = (lease_owner is not null))
) with (
  fillfactor = 90,
  -- A queue table churns: every job is updated several times. Vacuum and analyse it early so dead
  -- index entries and stale row estimates do not pile up between runs of autovacuum.
  autovacuum_vacuum_scale_factor = 0.02,
  autovacuum_vacuum_insert_scale_factor = 0.05,
  autovacuum_analyze_scale_factor = 0.02
);

-- Every index is paid for on each enqueue and on each state change (a job's life writes three row
-- versions), so there are few, and each earns its place:
--
-- Invariant 5, at most one active job per (job_type, entity_id), and the lookup of an entity's jobs, in
-- one index: active rows share the slot 0, so a second active job for the entity collides; finished
-- rows take their own id as the slot, so they never do.
create unique index jobs_entity on :SCHEMA.jobs
  (entity_id, job_type, (case when status in ('pending', 'running') then 0 else id end));
create unique index jobs_idempotency_key on :SCHEMA.jobs (idempotency_key)
  where idempotency_key is not null;
-- The claim query walks this index in order and stops at the batch size.
create index jobs_ready on :SCHEMA.jobs (priority desc, run_at, id)
  where status = 'pending' and pending_dependencies = 0;
create index jobs_leases on :SCHEMA.jobs (lease_expires_at) where status = 'running';
create index jobs_running_keys on :SCHEMA.jobs (concurrency_key)
  where status = 'running' and concurrency_key is not null;
-- The dead-letter view and the other rare end states; listing by any other filter walks the primary
-- key newest first.
create index jobs_problems on :SCHEMA.jobs (id) where status in ('failed', 'dead', 'cancelled');

create table :SCHEMA.job_attempts (
  -- A stable handle for an attempt (replay_of_attempt_id); attempts are looked up by job, so the key
  -- is (job_id, number) and the id needs no index of its own.
  id            bigint generated always as identity,
  job_id        bigint      not null,
  number        integer     not null check (number > 0),
  worker_id     text        not null,
  started_at    timestamptz not null,
  finished_at   timestamptz not null,
  duration_ms   double precision not null,
  outcome       text        not null
                  check (outcome in ('succeeded', 'retry', 'failed', 'dead', 'cancelled', 'lease_lost', 'released')),
  error_class   text,
  error_message text,
  error_detail  jsonb,
  primary key (job_id, number)
);

create table :SCHEMA.job_dependencies (
  job_id        bigint not null references :SCHEMA.jobs (id) on delete cascade,
  depends_on_id bigint not null references :SCHEMA.jobs (id) on delete cascade,
  primary key (job_id, depends_on_id)
);
create index job_dependencies_parent on :SCHEMA.job_dependencies (depends_on_id);

create table :SCHEMA.schedules (
  name             text primary key,
  job_type         text        not null,
  entity_id        text        not null,
  payload          jsonb       not null default '{}'::jsonb,
  -- Exactly one of cron (5 or 6 fields, UTC) and every_seconds.
  cron             text,
  every_seconds    double precision check (every_seconds > 0),
  priority         integer     not null default 0,
  max_retries      integer,
  enabled          boolean     not null default true,
  next_run_at      timestamptz not null,
  last_run_at      timestamptz,
  last_job_id      bigint,
  created_at       timestamptz not null,
  updated_at       timestamptz not null,
  check ((cron is null) <> (every_seconds is null))
);
create index schedules_due on :SCHEMA.schedules (next_run_at) where enabled;
