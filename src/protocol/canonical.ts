/**
 * The canonical model: what SyncBridge stores of people and their places whatever system they came
 * from. One table per model (`canonical_<model>`, migration 0004) with these fields, references to other
 * canonical records, and provenance (source system, external id, synced_at). A manifest's transform
 * produces exactly these fields; the engine rejects others, so a typo cannot silently drop data.
 */

export type CanonicalFieldType = 'text' | 'integer' | 'boolean' | 'date' | 'double';

export interface CanonicalModelSpec {
  fields: Readonly<Record<string, CanonicalFieldType>>;
  /** Reference name → the model it points at, and whether a record without it is invalid. */
  refs: Readonly<Record<string, { model: string; required: boolean }>>;
}

export const CANONICAL_SPECS = {
  campus: {
    fields: { name: 'text', street: 'text', city: 'text', state: 'text', zip: 'text', country: 'text', time_zone: 'text' },
    refs: {},
  },
  person: {
    fields: {
      first_name: 'text',
      middle_name: 'text',
      last_name: 'text',
      nickname: 'text',
      birthdate: 'date',
      gender: 'text',
      status: 'text',
      membership: 'text',
      child: 'boolean',
    },
    refs: { primary_campus: { model: 'campus', required: false } },
  },
  household: {
    fields: { name: 'text', member_count: 'integer' },
    refs: { primary_contact: { model: 'person', required: false } },
  },
  address: {
    fields: { street_line_1: 'text', street_line_2: 'text', city: 'text', state: 'text', zip: 'text', country_code: 'text', location: 'text', is_primary: 'boolean' },
    refs: { person: { model: 'person', required: true } },
  },
  email: {
    fields: { address: 'text', location: 'text', is_primary: 'boolean', blocked: 'boolean' },
    refs: { person: { model: 'person', required: true } },
  },
  phone_number: {
    fields: { number: 'text', e164: 'text', location: 'text', is_primary: 'boolean' },
    refs: { person: { model: 'person', required: true } },
  },
} as const satisfies Record<string, CanonicalModelSpec>;
