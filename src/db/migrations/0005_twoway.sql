-- Two-way sync of issues with GitHub, Gitea and GitLab: connections, the local mirror with its merge
-- base, recorded conflicts, the outbox, the sync log, and a count of refused webhooks. :SCHEMA is
-- replaced by the quoted schema name.

-- One repository on one provider. `config` holds the API root, the repository and the secrets (token,
-- webhook secret); reads redact them. `policy` is the merge policy (same_field, delete_vs_update).
create table :SCHEMA.issue_connections (
  id                    bigint generated always as identity primary key,
  name                  text        not null unique,
  provider              text        not null check (provider in ('github', 'gitea', 'gitlab')),
  config                jsonb       not null,
  policy                jsonb       not null,
  poll_interval_seconds double precision not null check (poll_interval_seconds > 0),
  -- The provider's updated_at of the newest issue polling has seen: the next poll starts there.
  poll_cursor           timestamptz,
  last_polled_at        timestamptz,
  notify_url            text,
  created_at            timestamptz not null default now()
);

-- The local mirror: what local code reads and edits. `base` is the last version both sides agreed on,
-- field by field (null before the first sync); `remote` the provider's version as last seen, so an echo
-- of our own write is recognised. `local_version` counts local edits: a push that read version n does
-- not overwrite the fields of version n+1.
create table :SCHEMA.issues (
  id                  bigint generated always as identity primary key,
  connection_id       bigint      not null references :SCHEMA.issue_connections (id) on delete cascade,
  -- Null until an issue made here has been created on the provider.
  external_id         text,
  url                 text,
  title               text        not null,
  body                text        not null,
  state               text        not null check (state in ('open', 'closed')),
  labels              text[]      not null,
  assignees           text[]      not null,
  deleted_at          timestamptz,
  base                jsonb,
  remote              jsonb,
  external_updated_at timestamptz,
  local_updated_at    timestamptz not null default now(),
  local_version       bigint      not null default 1,
  sync_status         text        not null default 'synced' check (sync_status in ('synced', 'pending', 'conflict', 'error')),
  created_at          timestamptz not null default now(),
  unique (connection_id, external_id)
);
create index issues_connection on :SCHEMA.issues (connection_id, id);

-- A scalar field both sides changed to different values, held until a person resolves it.
create table :SCHEMA.issue_conflicts (
  id             bigint generated always as identity primary key,
  issue_id       bigint      not null references :SCHEMA.issues (id) on delete cascade,
  field          text        not null check (field in ('title', 'body', 'state')),
  base_value     jsonb,
  local_value    jsonb       not null,
  remote_value   jsonb       not null,
  status         text        not null default 'open' check (status in ('open', 'resolved', 'superseded')),
  resolution     text        check (resolution in ('local', 'remote', 'value')),
  resolved_value jsonb,
  created_at     timestamptz not null default now(),
  resolved_at    timestamptz
);
-- At most one open conflict per field of an issue: a merge that finds it again leaves it as it is.
create unique index issue_conflicts_open on :SCHEMA.issue_conflicts (issue_id, field) where status = 'open';
create index issue_conflicts_status on :SCHEMA.issue_conflicts (status, id desc);

-- Local changes on their way to the provider. Written in the transaction of the edit, with the job
-- that pushes them; `dead` once that job gave up (its replay pushes them again).
create table :SCHEMA.issue_outbox (
  id         bigint generated always as identity primary key,
  issue_id   bigint      not null references :SCHEMA.issues (id) on delete cascade,
  op         text        not null check (op in ('create', 'update', 'delete')),
  fields     jsonb,
  status     text        not null default 'pending' check (status in ('pending', 'sent', 'dead')),
  job_id     bigint,
  last_error jsonb,
  created_at timestamptz not null default now(),
  sent_at    timestamptz
);
create index issue_outbox_unsent on :SCHEMA.issue_outbox (issue_id, id) where status <> 'sent';

-- Every change two-way sync made or refused, with the state before and after.
create table :SCHEMA.issue_sync_log (
  id            bigint generated always as identity primary key,
  connection_id bigint      not null references :SCHEMA.issue_connections (id) on delete cascade,
  issue_id      bigint      references :SCHEMA.issues (id) on delete cascade,
  provider      text        not null,
  direction     text        not null check (direction in ('inbound', 'outbound', 'local')),
  action        text        not null,
  before        jsonb,
  after         jsonb,
  detail        jsonb,
  at            timestamptz not null default now()
);
create index issue_sync_log_issue on :SCHEMA.issue_sync_log (issue_id, id desc);
create index issue_sync_log_connection on :SCHEMA.issue_sync_log (connection_id, id desc);

-- Webhooks refused for a missing or wrong signature, counted per endpoint (nothing else of them is kept).
create table :SCHEMA.webhook_rejections (
  endpoint    text        primary key,
  count       bigint      not null,
  last_reason text        not null,
  last_at     timestamptz not null
);
