-- Manifest-driven sync: the shared rate-limit buckets, the canonical model with provenance, and the
-- external-link table. :SCHEMA is replaced by the quoted schema name.

-- One token bucket per connection (e.g. a Planning Center application), shared by every worker on this
-- database: the provider's limit holds however many processes sync at once.
create table :SCHEMA.rate_limit_buckets (
  key        text        primary key,
  tokens     double precision not null,
  -- Whether the last take got a token: the statement that takes one says so through this column.
  granted    boolean     not null,
  updated_at timestamptz not null
);

-- Pipelines may also reconcile: a complete listing whose missing records are marked deleted.
alter table :SCHEMA.pipelines drop constraint pipelines_mode_check;
alter table :SCHEMA.pipelines add constraint pipelines_mode_check check (mode in ('full_refresh', 'incremental', 'reconcile'));

-- Every canonical record knows where it came from (source_system, external_id), when it was last
-- written (synced_at), the last run that saw it (reconciliation) and whether it is gone upstream.
-- Ids are derived from (system, entity, external id), so a reference can be resolved before or without
-- a lookup. A required reference (an address's person) has a foreign key: it proves the record it
-- points at is stored. An optional one (a person's campus, synced by a soft dependency that may run
-- alongside) has none: it may be written first and resolves when its record arrives.
create table :SCHEMA.canonical_campus (
  id            uuid        primary key,
  name          text, street text, city text, state text, zip text, country text, time_zone text,
  source_system text        not null,
  external_id   text        not null,
  synced_at     timestamptz not null,
  last_seen_run bigint,
  deleted_at    timestamptz,
  raw           jsonb       not null
);

create table :SCHEMA.canonical_person (
  id                uuid        primary key,
  first_name text, middle_name text, last_name text, nickname text, birthdate date, gender text, status text,
  membership text, child boolean,
  primary_campus_id uuid,
  source_system     text        not null,
  external_id       text        not null,
  synced_at         timestamptz not null,
  last_seen_run     bigint,
  deleted_at        timestamptz,
  raw               jsonb       not null
);

create table :SCHEMA.canonical_household (
  id                 uuid        primary key,
  name text, member_count integer,
  primary_contact_id uuid,
  source_system      text        not null,
  external_id        text        not null,
  synced_at          timestamptz not null,
  last_seen_run      bigint,
  deleted_at         timestamptz,
  raw                jsonb       not null
);

create table :SCHEMA.canonical_address (
  id            uuid        primary key,
  street_line_1 text, street_line_2 text, city text, state text, zip text, country_code text, location text, is_primary boolean,
  person_id     uuid        not null references :SCHEMA.canonical_person (id),
  source_system text        not null,
  external_id   text        not null,
  synced_at     timestamptz not null,
  last_seen_run bigint,
  deleted_at    timestamptz,
  raw           jsonb       not null
);
create index canonical_address_person on :SCHEMA.canonical_address (person_id);

create table :SCHEMA.canonical_email (
  id            uuid        primary key,
  address text, location text, is_primary boolean, blocked boolean,
  person_id     uuid        not null references :SCHEMA.canonical_person (id),
  source_system text        not null,
  external_id   text        not null,
  synced_at     timestamptz not null,
  last_seen_run bigint,
  deleted_at    timestamptz,
  raw           jsonb       not null
);
create index canonical_email_person on :SCHEMA.canonical_email (person_id);

create table :SCHEMA.canonical_phone_number (
  id            uuid        primary key,
  number text, e164 text, location text, is_primary boolean,
  person_id     uuid        not null references :SCHEMA.canonical_person (id),
  source_system text        not null,
  external_id   text        not null,
  synced_at     timestamptz not null,
  last_seen_run bigint,
  deleted_at    timestamptz,
  raw           jsonb       not null
);
create index canonical_phone_number_person on :SCHEMA.canonical_phone_number (person_id);

-- Finding a record by where it came from. Not unique: two entities of one system may map onto one model
-- (members and visitors both as people) with overlapping upstream ids; the primary key, derived from
-- (system, entity, external id), is what is unique.
create index canonical_campus_source on :SCHEMA.canonical_campus (source_system, external_id);
create index canonical_person_source on :SCHEMA.canonical_person (source_system, external_id);
create index canonical_household_source on :SCHEMA.canonical_household (source_system, external_id);
create index canonical_address_source on :SCHEMA.canonical_address (source_system, external_id);
create index canonical_email_source on :SCHEMA.canonical_email (source_system, external_id);
create index canonical_phone_number_source on :SCHEMA.canonical_phone_number (source_system, external_id);

-- External id → canonical id, per system and entity: the one place to look a record up from outside.
create table :SCHEMA.external_links (
  system          text        not null,
  entity          text        not null,
  external_id     text        not null,
  canonical_model text        not null,
  canonical_id    uuid        not null,
  created_at      timestamptz not null default now(),
  primary key (system, entity, external_id)
);
create index external_links_canonical on :SCHEMA.external_links (canonical_id);
