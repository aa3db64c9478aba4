-- Pipelines (a source → destination configuration), their runs, each stream's saved checkpoint and
-- each stream's progress within a run. :SCHEMA is replaced by the quoted schema name.

create table :SCHEMA.pipelines (
  id          bigint generated always as identity primary key,
  name        text        not null unique check (name <> ''),
  -- { "connector": "<name>", "config": { ... } }
  source      jsonb       not null,
  destination jsonb       not null,
  streams     text[]      not null default '{}',
  mode        text        not null default 'incremental' check (mode in ('full_refresh', 'incremental')),
  -- Cron (UTC) or interval; null runs on demand only.
  schedule    text,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);

create table :SCHEMA.pipeline_runs (
  id          bigint generated always as identity primary key,
  pipeline_id bigint      not null references :SCHEMA.pipelines (id) on delete cascade,
  job_id      bigint,
  status      text        not null default 'pending'
                check (status in ('pending', 'running', 'succeeded', 'partial', 'failed', 'cancelled')),
  started_at  timestamptz not null default now(),
  finished_at timestamptz,
  counts      jsonb       not null default '{}'::jsonb,
  error       jsonb
);
create index pipeline_runs_pipeline on :SCHEMA.pipeline_runs (pipeline_id, id desc);

-- Invariant 3: a row here is written only after the destination acknowledged the state, so resuming
-- from it never skips data.
create table :SCHEMA.stream_states (
  pipeline_id bigint      not null references :SCHEMA.pipelines (id) on delete cascade,
  stream      text        not null,
  state       jsonb       not null,
  updated_at  timestamptz not null default now(),
  primary key (pipeline_id, stream)
);

create table :SCHEMA.stream_progress (
  run_id      bigint      not null references :SCHEMA.pipeline_runs (id) on delete cascade,
  stream      text        not null,
  status      text        not null default 'running'
                check (status in ('running', 'succeeded', 'failed', 'cancelled')),
  records     bigint      not null default 0,
  pages       integer     not null default 0,
  cursor      jsonb,
  updated_at  timestamptz not null default now(),
  primary key (run_id, stream)
);
