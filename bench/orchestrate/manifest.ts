/**
 * The orchestration benchmark's manifest and adapter: eight entities over the six canonical models
 * (visitor is a second source of people, emergency_contact a second source of phone numbers), read
 * over HTTP from the bench's fake server (fake-server.ts) by offset, 100 a page.
 *
 *   campus ─soft→ person ─hard→ address, email, phone_number
 *          ─soft→ visitor       ─soft→ household ─soft→ emergency_contact (also hard on person)
 *
 * Levels: campus; person, visitor; household, address, email, phone_number; emergency_contact. No
 * entity declares a cursor field, so every pass walks the provider's own offsets — the engine and the
 * by-hand row send exactly the same requests. The rate limit is set far above what the bench can
 * reach (it measures orchestration, not a provider's limit), but every request still takes a token
 * from the engine's shared bucket.
 *
 * The adapter counts what it does in the process it runs in (requests, time waiting for a token, time
 * in fetch), for the per-process breakdown.
 */
import { z } from 'zod';
import { UpstreamUnavailable } from '../../src/protocol/errors.ts';
import { defineEntity, defineManifest, type ManifestAdapter } from '../../src/protocol/manifest.ts';
import { PATHS, type Entity } from './data.ts';

const list = (path: string) => ({ list: { path, pagination: 'offset' as const, maxPageSize: 100 }, get: { path: `${path}/{id}` } });
const stamp = { id: z.string(), updated_at: z.string() };

const Campus = z.object({ ...stamp, name: z.string(), street: z.string(), city: z.string(), state: z.string(), zip: z.string(), country: z.string(), time_zone: z.string() });
const Person = z.object({
  ...stamp,
  first_name: z.string(),
  last_name: z.string(),
  birthdate: z.string().nullable(),
  gender: z.string().nullable(),
  status: z.string(),
  membership: z.string().nullable(),
  child: z.boolean(),
  campus_id: z.string().nullable(),
});
const Visitor = z.object({ ...stamp, first_name: z.string(), last_name: z.string(), first_visit: z.string(), campus_id: z.string().nullable() });
const Household = z.object({ ...stamp, name: z.string(), member_count: z.number().int(), primary_contact_id: z.string().nullable() });
const Address = z.object({ ...stamp, person_id: z.string(), street: z.string(), city: z.string(), state: z.string(), zip: z.string(), location: z.string(), primary: z.boolean() });
const Email = z.object({ ...stamp, person_id: z.string(), address: z.string(), location: z.string(), primary: z.boolean(), blocked: z.boolean() });
const Phone = z.object({ ...stamp, person_id: z.string(), number: z.string(), location: z.string(), primary: z.boolean() });
const EmergencyContact = z.object({ ...stamp, household_id: z.string(), person_id: z.string(), name: z.string(), number: z.string() });

const person = (id: string | null) => ({ entity: 'person', externalId: id });

export const benchManifest = defineManifest({
  system: 'benchorch',
  entities: {
    campus: defineEntity({
      primaryKey: 'id',
      schema: Campus,
      endpoints: list(PATHS.campus),
      canonical: { model: 'campus', transform: (c) => ({ fields: { name: c.name, street: c.street, city: c.city, state: c.state, zip: c.zip, country: c.country, time_zone: c.time_zone } }) },
    }),
    person: defineEntity({
      primaryKey: 'id',
      schema: Person,
      endpoints: list(PATHS.person),
      dependsOn: { soft: ['campus'] },
      canonical: {
        model: 'person',
        transform: (p) => ({
          fields: { first_name: p.first_name, last_name: p.last_name, birthdate: p.birthdate, gender: p.gender, status: p.status, membership: p.membership, child: p.child },
          refs: { primary_campus: { entity: 'campus', externalId: p.campus_id } },
        }),
      },
    }),
    visitor: defineEntity({
      primaryKey: 'id',
      schema: Visitor,
      endpoints: list(PATHS.visitor),
      dependsOn: { soft: ['campus'] },
      canonical: {
        model: 'person',
        transform: (v) => ({ fields: { first_name: v.first_name, last_name: v.last_name, status: 'visitor' }, refs: { primary_campus: { entity: 'campus', externalId: v.campus_id } } }),
      },
    }),
    household: defineEntity({
      primaryKey: 'id',
      schema: Household,
      endpoints: list(PATHS.household),
      dependsOn: { soft: ['person'] },
      canonical: { model: 'household', transform: (h) => ({ fields: { name: h.name, member_count: h.member_count }, refs: { primary_contact: person(h.primary_contact_id) } }) },
    }),
    address: defineEntity({
      primaryKey: 'id',
      schema: Address,
      endpoints: list(PATHS.address),
      dependsOn: { hard: ['person'] },
      canonical: {
        model: 'address',
        transform: (a) => ({
          fields: { street_line_1: a.street, city: a.city, state: a.state, zip: a.zip, country_code: 'US', location: a.location, is_primary: a.primary },
          refs: { person: person(a.person_id) },
        }),
      },
    }),
    email: defineEntity({
      primaryKey: 'id',
      schema: Email,
      endpoints: list(PATHS.email),
      dependsOn: { hard: ['person'] },
      canonical: { model: 'email', transform: (e) => ({ fields: { address: e.address, location: e.location, is_primary: e.primary, blocked: e.blocked }, refs: { person: person(e.person_id) } }) },
    }),
    phone_number: defineEntity({
      primaryKey: 'id',
      schema: Phone,
      endpoints: list(PATHS.phone_number),
      dependsOn: { hard: ['person'] },
      canonical: { model: 'phone_number', transform: (p) => ({ fields: { number: p.number, e164: `+1${p.number}`, location: p.location, is_primary: p.primary }, refs: { person: person(p.person_id) } }) },
    }),
    emergency_contact: defineEntity({
      primaryKey: 'id',
      schema: EmergencyContact,
      endpoints: list(PATHS.emergency_contact),
      dependsOn: { hard: ['person'], soft: ['household'] },
      canonical: { model: 'phone_number', transform: (c) => ({ fields: { number: c.number, e164: `+1${c.number}`, location: 'Emergency', is_primary: false }, refs: { person: person(c.person_id) } }) },
    }),
  },
});

export type BenchEntity = keyof typeof benchManifest.entities;

export const BenchConfig = z.object({ base_url: z.string().url() });
export type BenchConfig = z.infer<typeof BenchConfig>;

/** What the adapter did in this process. */
export interface AdapterStats {
  requests: number;
  /** Milliseconds spent waiting for a rate-limit token (summed over concurrent streams). */
  acquireMs: number;
  /** Milliseconds from sending a request to its parsed body (summed over concurrent streams). */
  fetchMs: number;
}

export function benchAdapter(stats: AdapterStats = { requests: 0, acquireMs: 0, fetchMs: 0 }): ManifestAdapter<BenchConfig> & { stats: AdapterStats } {
  /** The parsed body of GET `path`, or null on a 404; takes a token first. */
  async function get(config: BenchConfig, path: string, signal: AbortSignal, acquire: () => Promise<void>): Promise<unknown> {
    let t = performance.now();
    await acquire();
    stats.acquireMs += performance.now() - t;
    t = performance.now();
    stats.requests++;
    try {
      const res = await fetch(`${config.base_url}${path}`, { signal });
      if (res.status === 404) return null;
      if (!res.ok) throw new UpstreamUnavailable(`GET ${path}: HTTP ${res.status}`);
      return await res.json();
    } finally {
      stats.fetchMs += performance.now() - t;
    }
  }
  return {
    name: 'benchorch',
    manifest: benchManifest,
    configSchema: BenchConfig,
    stats,
    rateLimit: (c) => ({ key: `benchorch:${c.base_url}`, requests: 1_000_000, perSeconds: 1 }),
    async listPage({ config, entity, page, pageSize, signal, acquire }) {
      const offset = page === null ? 0 : Number(page);
      const body = (await get(config, `${PATHS[entity as Entity]}?offset=${offset}&per_page=${pageSize}`, signal, acquire)) as { data: unknown[]; meta: { next_offset: number | null } } | null;
      if (body === null) throw new UpstreamUnavailable(`GET ${PATHS[entity as Entity]}: HTTP 404`);
      return { records: body.data, next: body.meta.next_offset === null ? null : String(body.meta.next_offset) };
    },
    async fetchOne({ config, entity, id, signal, acquire }) {
      const body = (await get(config, `${PATHS[entity as Entity]}/${encodeURIComponent(id)}`, signal, acquire)) as { data: unknown } | null;
      return body === null ? null : body.data;
    },
  };
}
