-- A snoozed attempt (the handler asked to run again later without spending a retry), the webhook
-- inbox, and what started a pipeline run. :SCHEMA is replaced by the quoted schema name.

alter table :SCHEMA.job_attempts drop constraint job_attempts_outcome_check;
alter table :SCHEMA.job_attempts add constraint job_attempts_outcome_check
  check (outcome in ('succeeded', 'retry', 'failed', 'dead', 'cancelled', 'lease_lost', 'released', 'snoozed'));

-- Invariant 1: a webhook is answered 2xx only after its row here committed, together with the job
-- that processes it. Invariant 4: a provider's redelivery of the same event collides on the unique
-- key and changes nothing.
create table :SCHEMA.webhook_deliveries (
  id           bigint generated always as identity primary key,
  -- Who the delivery is for, e.g. 'pipeline:12'.
  endpoint     text        not null check (endpoint <> ''),
  -- The provider's own id of the event (Stripe's evt_…, GitHub's X-GitHub-Delivery).
  delivery_id  text        not null check (delivery_id <> ''),
  event_type   text,
  payload      jsonb       not null,
  received_at  timestamptz not null default now(),
  job_id       bigint,
  unique (endpoint, delivery_id)
);
create index webhook_deliveries_recent on :SCHEMA.webhook_deliveries (endpoint, id desc);

alter table :SCHEMA.pipeline_runs add column trigger text not null default 'manual'
  check (trigger in ('manual', 'schedule', 'api', 'cli'));
create index pipeline_runs_job on :SCHEMA.pipeline_runs (job_id);

-- A run fans out one job per stream; the stream's progress row is written with the job, as 'pending',
-- so the run sees every stream from the start and finds each stream's job by its id.
alter table :SCHEMA.stream_progress add column job_id bigint;
alter table :SCHEMA.stream_progress drop constraint stream_progress_status_check;
alter table :SCHEMA.stream_progress add constraint stream_progress_status_check
  check (status in ('pending', 'running', 'succeeded', 'failed', 'cancelled'));
