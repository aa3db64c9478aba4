/**
 * The orchestration benchmark's upstream data: eight entities, each record computed from its index
 * (nothing stored, the same records every run), with ids 1…count. References only point at records
 * that exist: every address, email, phone number and emergency contact names a person of 1…people, every
 * household's primary contact is a person, every person and visitor a campus.
 *
 * visitor and emergency_contact share a canonical model with person and phone_number, and their ids are
 * kept out of those entities' id ranges (10,000,001… and 20,000,001…): the canonical tables are unique on
 * (source_system, external_id) without the entity, so a visitor "1" would collide with person "1" (see
 * docs/benchmarks.md, bench:orchestrate).
 *
 * 200,000 records by default: campus 50, person 50,000, visitor 10,000, household 20,000, address 40,000,
 * email 40,000, phone_number 30,000, emergency_contact 9,950. Other totals scale these shares.
 */

export const ENTITIES = ['campus', 'person', 'visitor', 'household', 'address', 'email', 'phone_number', 'emergency_contact'] as const;
export type Entity = (typeof ENTITIES)[number];
export type Counts = Record<Entity, number>;

const BASE: Counts = {
  campus: 50,
  person: 50_000,
  visitor: 10_000,
  household: 20_000,
  address: 40_000,
  email: 40_000,
  phone_number: 30_000,
  emergency_contact: 9_950,
};
export const BASE_TOTAL = Object.values(BASE).reduce((a, b) => a + b, 0);

/** Counts summing to exactly `total` (at least 1 campus and 1 person), in the default shares. */
export function countsFor(total: number): Counts {
  if (!Number.isInteger(total) || total < ENTITIES.length) throw new Error(`the total must be an integer ≥ ${ENTITIES.length}, got ${total}`);
  const counts = Object.fromEntries(ENTITIES.map((e) => [e, Math.max(1, Math.floor((BASE[e] * total) / BASE_TOTAL))])) as Counts;
  const sum = Object.values(counts).reduce((a, b) => a + b, 0);
  counts.emergency_contact += total - sum;
  if (counts.emergency_contact < 1) throw new Error(`cannot spread ${total} records over the entities`);
  return counts;
}

/** Added to the index to make an entity's upstream id (disjoint ranges for entities sharing a model). */
export const ID_BASE: Record<Entity, number> = {
  campus: 0,
  person: 0,
  visitor: 10_000_000,
  household: 0,
  address: 0,
  email: 0,
  phone_number: 0,
  emergency_contact: 20_000_000,
};

/** The list path of each entity on the fake server. */
export const PATHS: Record<Entity, string> = {
  campus: '/campuses',
  person: '/people',
  visitor: '/visitors',
  household: '/households',
  address: '/addresses',
  email: '/emails',
  phone_number: '/phone_numbers',
  emergency_contact: '/emergency_contacts',
};

const FIRST = ['Ada', 'Ben', 'Cleo', 'Dan', 'Eve', 'Finn', 'Gia', 'Hal', 'Ivy', 'Jon', 'Kai', 'Lea', 'Max', 'Nia', 'Otto', 'Pia'];
const LAST = ['Archer', 'Baker', 'Carter', 'Dalton', 'Ellis', 'Foster', 'Garcia', 'Hughes', 'Irwin', 'Jensen', 'Keller', 'Lopez', 'Moreno'];
const CITIES = ['Springfield', 'Riverton', 'Lakeside', 'Fairview', 'Georgetown', 'Salem', 'Madison', 'Clinton'];
const STATES = ['CA', 'TX', 'NY', 'OR', 'WA', 'IL', 'GA', 'CO'];
const LOCATIONS = ['Home', 'Work', 'Mobile', 'Other'];
const EPOCH_MS = Date.parse('2024-01-01T00:00:00Z');

const pick = <T>(list: readonly T[], i: number): T => list[i % list.length]!;
const at = (i: number) => new Date(EPOCH_MS + i * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const ref = (i: number, count: number) => String(((i * 7919) % count) + 1);
const phone = (i: number) => `555${String(i % 10_000_000).padStart(7, '0')}`;

/** Record `i` (1-based) of `entity`, as the fake server serves it. */
export function record(entity: Entity, i: number, counts: Counts): Record<string, unknown> {
  const id = String(ID_BASE[entity] + i);
  const updated_at = at(i);
  switch (entity) {
    case 'campus':
      return { id, name: `Campus ${i}`, street: `${i} Main St`, city: pick(CITIES, i), state: pick(STATES, i), zip: String(10_000 + i), country: 'US', time_zone: 'America/Chicago', updated_at };
    case 'person':
      return {
        id,
        first_name: pick(FIRST, i),
        last_name: pick(LAST, i * 3),
        birthdate: `${1950 + (i % 60)}-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`,
        gender: i % 2 === 0 ? 'F' : 'M',
        status: 'active',
        membership: pick(['Member', 'Regular Attender', 'Participant'], i),
        child: i % 5 === 0,
        campus_id: ref(i, counts.campus),
        updated_at,
      };
    case 'visitor':
      return { id, first_name: pick(FIRST, i + 5), last_name: pick(LAST, i), first_visit: at(i).slice(0, 10), campus_id: ref(i, counts.campus), updated_at };
    case 'household':
      return { id, name: `The ${pick(LAST, i)} Household`, member_count: (i % 6) + 1, primary_contact_id: ref(i, counts.person), updated_at };
    case 'address':
      return { id, person_id: ref(i, counts.person), street: `${i} Oak Ave`, city: pick(CITIES, i), state: pick(STATES, i), zip: String(20_000 + (i % 70_000)), location: pick(LOCATIONS, i), primary: i % 3 === 0, updated_at };
    case 'email':
      return { id, person_id: ref(i, counts.person), address: `someone${i}@example.org`, location: pick(LOCATIONS, i), primary: i % 2 === 0, blocked: i % 97 === 0, updated_at };
    case 'phone_number':
      return { id, person_id: ref(i, counts.person), number: phone(i), location: pick(LOCATIONS, i), primary: i % 2 === 1, updated_at };
    case 'emergency_contact': {
      const household = ref(i, counts.household);
      return { id, household_id: household, person_id: ref(Number(household), counts.person), name: `${pick(FIRST, i)} ${pick(LAST, i)}`, number: phone(i + 5_000_000), updated_at };
    }
  }
}
