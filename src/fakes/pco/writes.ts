/**
 * What a write does to a row, apart from timestamps and events (reference §7): flat input → stored attributes and
 * references, with PCO's side rules (writing `status: inactive` stamps `inactivated_at`; Address `street` splits
 * into two lines; a phone number gets its e164/national forms) and the 422s for what may not be created as given.
 */
import type { Data } from './data.ts';
import { validationError } from './errors.ts';
import { RESOURCES, TIME_ATTRIBUTES, type ResourceType } from './resources.ts';
import type { Row } from './table.ts';
import { toMs } from './time.ts';

/** Flat write input: attribute names plus the reference keys in REF_INPUTS. */
export type Input = Record<string, unknown>;

/** Per type: reference name → the input key that sets it. */
export const REF_INPUTS: Record<ResourceType, Record<string, string>> = {
  people: { primary_campus: 'primary_campus_id' },
  households: { primary_contact: 'primary_contact_id' },
  household_memberships: { household: 'household_id', person: 'person_id' },
  campuses: {},
  addresses: { person: 'person_id' },
  emails: { person: 'person_id' },
  phone_numbers: { person: 'person_id' },
  person_mergers: {},
};

const COUNTRY_NAMES: Record<string, string> = { US: 'United States', CA: 'Canada', GB: 'United Kingdom', AU: 'Australia', MX: 'Mexico' };
const PHONE_LOCATIONS = ['Mobile', 'Home', 'Work', 'Other'];

const blank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/** The 422s a create can meet before anything is stored. */
export function validateCreate(type: ResourceType, input: Input, data: Data): void {
  const t = data.tables;
  const resource = RESOURCES[type].type;
  const person = (key: string) => {
    if (blank(input[key])) throw validationError("can't be blank", key, resource);
    if (!t.people.has(Number(input[key]))) throw validationError('does not exist', key, resource);
  };
  switch (type) {
    case 'addresses':
      person('person_id');
      break;
    case 'emails':
      person('person_id');
      if (blank(input.address)) throw validationError("can't be blank", 'address', resource);
      break;
    case 'phone_numbers':
      person('person_id');
      if (blank(input.number)) throw validationError("can't be blank", 'number', resource);
      // Required on create, one of four values (PCO staff, issue #493).
      if (!PHONE_LOCATIONS.includes(String(input.location))) throw validationError(`must be one of ${PHONE_LOCATIONS.join(', ')}`, 'location', resource);
      break;
    case 'households': {
      // Creating requires people and a primary contact (reference §7).
      const ids = input.person_ids;
      if (!Array.isArray(ids) || ids.length === 0) throw validationError("can't be blank", 'people', resource);
      for (const id of ids) if (!t.people.has(Number(id))) throw validationError('does not exist', 'people', resource);
      if (blank(input.primary_contact_id)) throw validationError("can't be blank", 'primary_contact', resource);
      if (!ids.map(Number).includes(Number(input.primary_contact_id))) throw validationError('must be one of the people', 'primary_contact', resource);
      break;
    }
    case 'household_memberships': {
      if (!t.households.has(Number(input.household_id))) throw validationError('does not exist', 'household_id', resource);
      person('person_id');
      if (t.household_memberships.byRef('household', Number(input.household_id)).some((m) => m.refs.person === Number(input.person_id))) {
        throw validationError('has already been taken', 'person_id', resource);
      }
      break;
    }
    case 'people':
      if (!blank(input.primary_campus_id) && !t.campuses.has(Number(input.primary_campus_id))) throw validationError('does not exist', 'primary_campus_id', resource);
      break;
    default:
  }
}

/** Applies input to a draft row in place; `at` is the change's time (for `inactivated_at`). Unknown keys are a 422. */
export function normalise(type: ResourceType, row: Row, input: Input, at: number): void {
  const spec = RESOURCES[type];
  const refs = REF_INPUTS[type];
  if (type === 'people') personRules(row, input, at);
  if (type === 'addresses' && 'street' in input) {
    // The pre-2023-03-21 single field: a second line is newline-separated (issue #718).
    const [line1 = null, ...rest] = input.street === null ? [] : String(input.street).split('\n');
    input.street_line_1 = line1;
    input.street_line_2 = rest.length ? rest.join('\n') : null;
    delete input.street;
  }
  if (type === 'addresses' && 'country_code' in input && !('country_name' in input)) input.country_name = COUNTRY_NAMES[String(input.country_code).toUpperCase()] ?? null;
  if (type === 'phone_numbers' && 'number' in input) Object.assign(input, phoneForms(String(input.number ?? '')), input.country_code ? { country_code: input.country_code } : {});
  for (const [key, value] of Object.entries(input)) {
    const ref = Object.entries(refs).find(([, k]) => k === key)?.[0];
    if (ref) {
      row.refs[ref] = value === null || value === undefined || value === '' ? null : Number(value);
    } else if (spec.derived.includes(key)) {
      // member_count, primary_contact_name…: computed from the relationships, a written value is ignored.
    } else if (type === 'people' && (key === 'gender_id' || key === 'stripe_customer_identifier')) {
      // Writable on PCO but not rendered by default (gender_id is the removed relationship, the other is fields-only).
    } else if (key in spec.defaults) {
      const stored = TIME_ATTRIBUTES.has(key) && value !== null && value !== undefined ? toMs(value as string) : value;
      if (stored === undefined || sameValue(stored, spec.defaults[key] ?? null)) delete row.attrs[key];
      else row.attrs[key] = stored;
    } else {
      throw validationError(`${key} is not an attribute of ${spec.type}`, key, spec.type);
    }
  }
}

/** Writing `status: inactive` stamps inactivated_at, anything else clears it; writing inactivated_at sets status (reference §7). */
function personRules(row: Row, input: Input, at: number): void {
  if ('inactivated_at' in input) {
    input.status = input.inactivated_at === null ? 'active' : 'inactive';
  } else if ('status' in input) {
    const inactive = input.status === 'inactive';
    const already = row.attrs.status === 'inactive';
    input.inactivated_at = inactive ? (already ? (row.attrs.inactivated_at ?? at) : at) : null;
  }
}

/** US numbers get PCO's derived forms; others keep only what was written (approximate). */
function phoneForms(number: string): Record<string, unknown> {
  const digits = number.replace(/\D/g, '');
  const national = digits.length === 11 && digits.startsWith('1') ? digits.slice(1) : digits;
  if (national.length !== 10) return { e164: digits ? `+${digits}` : null, international: null, national: null, country_code: null };
  const [a, b, c] = [national.slice(0, 3), national.slice(3, 6), national.slice(6)];
  return { e164: `+1${national}`, international: `+1 ${a}-${b}-${c}`, national: `(${a}) ${b}-${c}`, country_code: 'US' };
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'object' && a !== null && JSON.stringify(a) === JSON.stringify(b));
}
