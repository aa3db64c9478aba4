/**
 * Bulk seeding for tests and the benchmark: `store.seed({ people: 25_000, … })` writes rows straight into the tables,
 * records no events, and is deterministic (same seed, same ids and fields). Relationships are consistent by
 * construction: every child points at a seeded person, households group consecutive people, people point at
 * seeded campuses (every (campuses+1)-th has none). Times spread over `spanDays`, every `tieEvery`-th person sharing
 * its predecessor's timestamps, and one person in five updated later than created, so updated_at order ≠ id order.
 */
import type { Data } from './data.ts';
import { createPrng } from '../prng.ts';
import type { Row } from './table.ts';
import { toMs, type TimeInput } from './time.ts';

export interface SeedOptions {
  people: number;
  /** Default 3. */
  campuses?: number;
  /** Households per person (people are grouped into that many households); default 0.4. */
  householdsRatio?: number;
  /** An exact household count instead of the ratio (at most one per person). */
  households?: number;
  /** Averages per person; fractions spread evenly (1.5 → 1, 2, 1, 2…). Default 1 each. */
  addressesPerPerson?: number;
  emailsPerPerson?: number;
  phonesPerPerson?: number;
  /** Exact totals instead of the per-person averages. */
  addresses?: number;
  emails?: number;
  phone_numbers?: number;
  /** Seeds names and fields; default 1. */
  seed?: number;
  /** How far back the oldest person goes; default 365 days. */
  spanDays?: number;
  /** The newest created_at; default now. */
  endsAt?: TimeInput;
  /** Every n-th person shares the previous one's created_at/updated_at; default 4, 0 disables. */
  tieEvery?: number;
}

export interface SeedResult {
  people: string[];
  campuses: string[];
  households: string[];
  household_memberships: string[];
  addresses: string[];
  emails: string[];
  phone_numbers: string[];
}

const FIRST = ['Alice', 'Brian', 'Carmen', 'David', 'Esther', 'Felix', 'Grace', 'Hector', 'Ingrid', 'Jamal', 'Keiko', 'Luis', 'Maya', 'Noah', 'Olga', 'Pedro'];
const LAST = ['Anders', 'Baker', 'Castillo', 'Dubois', 'Edwards', 'Fischer', 'Garcia', 'Hughes', 'Ito', 'Johnson', 'Kowalski', 'Lopez', 'Murphy', 'Nguyen', 'Okafor', 'Patel'];
const MEMBERSHIP = ['Member', 'Member', 'Member', 'Regular Attender', 'Visitor', null];
const STREETS = ['Orchard Lane', 'Market Street', 'Maple Avenue', 'Church Road', 'Hillcrest Drive', 'River Road', 'Elm Street', 'Park Place'];
const CITIES: [string, string, string][] = [['Springfield', 'IL', '62701'], ['Portland', 'OR', '97201'], ['Austin', 'TX', '78701'], ['Columbus', 'OH', '43004'], ['Raleigh', 'NC', '27601']];
const DAY = 86_400_000;

export function seedData(data: Data, options: SeedOptions, nowMs: number): SeedResult {
  const t = data.tables;
  const random = createPrng((options.seed ?? 1) ^ 0x9c0ffee);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const n = Math.max(0, Math.floor(options.people));
  const endsAt = Math.floor((options.endsAt === undefined ? nowMs : toMs(options.endsAt)) / 1000) * 1000;
  const from = endsAt - Math.round((options.spanDays ?? 365) * DAY);
  const tieEvery = options.tieEvery ?? 4;
  const result: SeedResult = { people: [], campuses: [], households: [], household_memberships: [], addresses: [], emails: [], phone_numbers: [] };
  const row = (table: keyof typeof t, createdAt: number, updatedAt: number, attrs: Record<string, unknown>, refs: Record<string, number | null>): Row => {
    const r: Row = { id: t[table].mintId(), createdAt, updatedAt, attrs, refs };
    t[table].insert(r);
    (result as unknown as Record<string, string[]>)[table]?.push(String(r.id));
    return r;
  };

  const campusCount = options.campuses ?? 3;
  const campuses: number[] = [];
  for (let c = 0; c < campusCount; c++) {
    const [city, state, zip] = CITIES[c % CITIES.length]!;
    const at = from - DAY + c * 1000;
    campuses.push(row('campuses', at, at, { name: `Campus ${c + 1}`, city, state, zip, country: 'US', street: `${100 + c} Main Street`, time_zone: data.org.timeZone }, {}).id);
  }
  if (campuses.length === 0) campuses.push(...t.campuses.all().map((r) => r.id));

  // People first: every later row points at one.
  const people: Row[] = new Array(n);
  let created = from;
  let updated = from;
  for (let i = 0; i < n; i++) {
    const tie = tieEvery > 0 && i % tieEvery === tieEvery - 1 && i < n - 1;
    if (!tie) {
      created = Math.floor((from + ((endsAt - from) * i) / Math.max(1, n - 1)) / 1000) * 1000;
      updated = i % 5 === 2 ? Math.min(endsAt, created + (((i * 7919) % 30) + 1) * DAY) : created;
    }
    const fi = Math.floor(random() * FIRST.length);
    const birthYear = 1940 + Math.floor(random() * 80);
    const attrs: Record<string, unknown> = {
      first_name: FIRST[fi],
      last_name: pick(LAST),
      gender: fi % 2 === 0 ? 'Female' : 'Male',
      birthdate: `${birthYear}-${pad(1 + Math.floor(random() * 12), 2)}-${pad(1 + Math.floor(random() * 28), 2)}`,
    };
    const membership = pick(MEMBERSHIP);
    if (membership) attrs.membership = membership;
    if (birthYear > new Date(endsAt).getUTCFullYear() - 13) attrs.child = true;
    if (i % 33 === 32) Object.assign(attrs, { status: 'inactive', inactivated_at: updated });
    if (i === 0) Object.assign(attrs, { site_administrator: true, people_permissions: 'Manager' });
    const bucket = i % (campuses.length + 1);
    people[i] = row('people', created, updated, attrs, { primary_campus: bucket < campuses.length ? campuses[bucket]! : null });
  }

  const householdCount = Math.min(n, Math.max(0, Math.floor(options.households ?? n * (options.householdsRatio ?? 0.4))));
  for (let h = 0; h < householdCount; h++) {
    // Contiguous blocks: household h holds people [start, end), at least one each.
    const start = Math.floor((h * n) / householdCount);
    const end = Math.floor(((h + 1) * n) / householdCount);
    const first = people[start]!;
    const household = row('households', first.createdAt, first.updatedAt, { name: `${String(first.attrs.last_name)} Household` }, { primary_contact: first.id });
    for (let i = start; i < end; i++) row('household_memberships', people[i]!.createdAt, people[i]!.createdAt, i === start ? { household_role: 'adult' } : {}, { household: household.id, person: people[i]!.id });
  }

  const children = (total: number | undefined, perPerson: number | undefined, make: (person: Row, j: number) => void) => {
    const k = total !== undefined ? (n === 0 ? 0 : total / n) : (perPerson ?? 1);
    for (let i = 0; i < n; i++) {
      const count = Math.floor((i + 1) * k + 1e-9) - Math.floor(i * k + 1e-9);
      for (let j = 0; j < count; j++) make(people[i]!, j);
    }
  };
  const childTimes = (p: Row, j: number): [number, number] => [p.createdAt, j % 3 === 2 ? p.updatedAt : p.createdAt];
  children(options.addresses, options.addressesPerPerson, (p, j) => {
    const [city, state, zip] = CITIES[p.id % CITIES.length]!;
    const attrs: Record<string, unknown> = {
      city, state, zip, country_code: 'US', country_name: 'United States', location: j === 0 ? 'Home' : 'Work',
      street_line_1: `${100 + (p.id % 9000)} ${STREETS[(p.id + j) % STREETS.length]}`,
    };
    if (j > 0) attrs.street_line_2 = `Suite ${100 + j}`;
    if (j === 0) attrs.primary = true;
    row('addresses', ...childTimes(p, j), attrs, { person: p.id });
  });
  children(options.emails, options.emailsPerPerson, (p, j) => {
    const attrs: Record<string, unknown> = { address: `${String(p.attrs.first_name)}.${String(p.attrs.last_name)}${j ? `.${j}` : ''}.${p.id}@example.com`.toLowerCase(), location: j === 0 ? 'Home' : 'Work' };
    if (j === 0) attrs.primary = true;
    row('emails', ...childTimes(p, j), attrs, { person: p.id });
  });
  children(options.phone_numbers, options.phonesPerPerson, (p, j) => {
    const line = pad((p.id * 7 + j * 13) % 10_000, 4);
    const exchange = pad(200 + ((p.id + j) % 700), 3);
    const attrs: Record<string, unknown> = {
      number: `(555) ${exchange}-${line}`, national: `(555) ${exchange}-${line}`, international: `+1 555-${exchange}-${line}`, e164: `+1555${exchange}${line}`,
      country_code: 'US', location: j === 0 ? 'Mobile' : 'Home',
    };
    if (j === 0) attrs.primary = true;
    row('phone_numbers', ...childTimes(p, j), attrs, { person: p.id });
  });
  return result;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
