/**
 * The six People entities the PCO adapter syncs, as manifest entries: endpoints (reference §1), offset paging of at
 * most 100 (§5), the delta cursor (§6), webhook events (§11), the transform to the canonical model and the load
 * order (§8: campus → person → address/email/phone_number; household after its primary contact).
 *
 * Deltas: every entity has `updated_at`, but Address cannot be filtered by it (§6: `where[updated_at]` is not among
 * its query keys, `order=updated_at` is). Address still declares the cursor: its first delta page seeks the first
 * row at or after the cursor in `order=updated_at` (list.ts), so it is read in the same ascending order as the
 * others and its checkpoints stay safe; walking `order=-updated_at` down to the cursor, as §6 suggests, would hand
 * the newest rows over first and a checkpoint taken mid-walk would skip the older ones still unread.
 */
import { defineEntity, type CanonicalRecord } from '../../protocol/manifest.ts';
import { AddressRecord, CampusRecord, EmailRecord, HouseholdRecord, PersonRecord, PhoneNumberRecord } from './records.ts';

/** People's webhook event names for one resource (§11): `people.v2.events.<resource>.{created,updated,destroyed}`. */
function events(resource: string): Record<string, 'upsert' | 'delete'> {
  const prefix = `people.v2.events.${resource}`;
  return { [`${prefix}.created`]: 'upsert', [`${prefix}.updated`]: 'upsert', [`${prefix}.destroyed`]: 'delete' };
}

/** A merge removes one person and keeps another (§12): both are re-read, and the removed one's 404 is its deletion. */
export const PERSON_MERGER_EVENT = 'people.v2.events.person_merger.created';

const endpoints = (path: string) => ({
  list: { path: `/people/v2/${path}`, pagination: 'offset' as const, maxPageSize: 100 },
  get: { path: `/people/v2/${path}/{id}` },
});

const belongsToPerson = (personId: string): CanonicalRecord['refs'] => ({ person: { entity: 'person', externalId: personId } });

/** PCO's older gender values were `M`/`F` (§7); the canonical model keeps the current spelling. */
function gender(value: string | null | undefined): string | null {
  if (value === 'M') return 'Male';
  if (value === 'F') return 'Female';
  return value ?? null;
}

export const campus = defineEntity({
  primaryKey: 'id',
  schema: CampusRecord,
  endpoints: endpoints('campuses'),
  cursorField: 'updated_at',
  // No campus.* events exist (§11): campuses are kept current by deltas alone.
  canonical: {
    model: 'campus',
    transform: (c) => ({
      fields: { name: c.name ?? null, street: c.street ?? null, city: c.city ?? null, state: c.state ?? null, zip: c.zip ?? null, country: c.country ?? null, time_zone: c.time_zone ?? null },
    }),
  },
});

export const person = defineEntity({
  primaryKey: 'id',
  schema: PersonRecord,
  endpoints: endpoints('people'),
  cursorField: 'updated_at',
  webhookEvents: { ...events('person'), [PERSON_MERGER_EVENT]: 'upsert' },
  canonical: {
    model: 'person',
    transform: (p) => ({
      fields: {
        first_name: p.first_name ?? null,
        middle_name: p.middle_name ?? null,
        last_name: p.last_name ?? null,
        nickname: p.nickname ?? null,
        birthdate: p.birthdate ?? null,
        gender: gender(p.gender),
        status: p.status ?? null,
        membership: p.membership ?? null,
        child: p.child ?? null,
      },
      refs: { primary_campus: { entity: 'campus', externalId: p.primary_campus_id ?? null } },
    }),
  },
  // Optional: a person's campus is often null (§8).
  dependsOn: { soft: ['campus'] },
});

export const household = defineEntity({
  primaryKey: 'id',
  schema: HouseholdRecord,
  endpoints: endpoints('households'),
  cursorField: 'updated_at',
  webhookEvents: events('household'),
  canonical: {
    model: 'household',
    transform: (h) => ({
      fields: { name: h.name ?? null, member_count: h.member_count ?? null },
      refs: { primary_contact: { entity: 'person', externalId: h.primary_contact_id ?? null } },
    }),
  },
  // Its primary contact is a person; the canonical ref is optional, so this only orders.
  dependsOn: { soft: ['person'] },
});

export const address = defineEntity({
  primaryKey: 'id',
  schema: AddressRecord,
  endpoints: endpoints('addresses'),
  // Sought by order=updated_at, not filtered: see the module comment and list.ts.
  cursorField: 'updated_at',
  webhookEvents: events('address'),
  canonical: {
    model: 'address',
    transform: (a) => ({
      fields: {
        street_line_1: a.street_line_1 ?? null,
        street_line_2: a.street_line_2 ?? null,
        city: a.city ?? null,
        state: a.state ?? null,
        zip: a.zip ?? null,
        country_code: a.country_code ?? null,
        location: a.location ?? null,
        is_primary: a.primary ?? null,
      },
      refs: belongsToPerson(a.person_id),
    }),
  },
  dependsOn: { hard: ['person'] },
});

export const email = defineEntity({
  primaryKey: 'id',
  schema: EmailRecord,
  endpoints: endpoints('emails'),
  cursorField: 'updated_at',
  webhookEvents: events('email'),
  canonical: {
    model: 'email',
    transform: (e) => ({
      fields: { address: e.address ?? null, location: e.location ?? null, is_primary: e.primary ?? null, blocked: e.blocked ?? null },
      refs: belongsToPerson(e.person_id),
    }),
  },
  dependsOn: { hard: ['person'] },
});

export const phoneNumber = defineEntity({
  primaryKey: 'id',
  schema: PhoneNumberRecord,
  endpoints: endpoints('phone_numbers'),
  cursorField: 'updated_at',
  webhookEvents: events('phone_number'),
  canonical: {
    model: 'phone_number',
    transform: (n) => ({
      fields: { number: n.number ?? null, e164: n.e164 ?? null, location: n.location ?? null, is_primary: n.primary ?? null },
      refs: belongsToPerson(n.person_id),
    }),
  },
  dependsOn: { hard: ['person'] },
});
