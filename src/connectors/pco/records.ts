/**
 * The records the PCO adapter hands over, one zod schema per entity: a People resource flattened by
 * `flattenResource` (jsonapi.ts), so `{ id, ...attributes, <to-one relationship>_id }` with ids as strings.
 * Attributes are the documented ones of People 2025-11-10 (reference §7); nearly all may be null, and older API
 * versions leave some out, so they are nullish. Objects are loose: an attribute PCO adds later passes through.
 * `updated_at` is required where it is the delta cursor.
 */
import { z } from 'zod';

const text = z.string().nullish();
const flag = z.boolean().nullish();
const int = z.number().int().nullish();
const time = z.string().nullish();
/** PCO renders `2025-01-06T10:00:00Z`, always UTC (§4). */
const cursorTime = z.iso.datetime({ offset: true });
const id = z.string().min(1);

export const CampusRecord = z.looseObject({
  id,
  name: text,
  description: text,
  street: text,
  city: text,
  state: text,
  zip: text,
  country: text,
  latitude: z.number().nullish(),
  longitude: z.number().nullish(),
  phone_number: text,
  website: text,
  contact_email_address: text,
  time_zone: text,
  twenty_four_hour_time: flag,
  // An integer in the docs example, a string in the docs JSON (§7: unverified).
  date_format: z.union([z.number(), z.string()]).nullish(),
  church_center_enabled: flag,
  geolocation_set_manually: flag,
  avatar_url: text,
  created_at: time,
  updated_at: cursorTime,
});
export type CampusRecord = z.infer<typeof CampusRecord>;

export const PersonRecord = z.looseObject({
  id,
  first_name: text,
  middle_name: text,
  last_name: text,
  given_name: text,
  nickname: text,
  name: text,
  birthdate: text,
  anniversary: text,
  gender: text,
  grade: int,
  graduation_year: int,
  child: flag,
  status: text,
  inactivated_at: time,
  membership: text,
  medical_notes: text,
  avatar: text,
  demographic_avatar_url: text,
  site_administrator: flag,
  accounting_administrator: flag,
  people_permissions: text,
  passed_background_check: flag,
  can_create_forms: flag,
  can_email_lists: flag,
  directory_status: text,
  school_type: text,
  // An integer upstream; every `_id` attribute is normalised to a string (§4).
  remote_id: text,
  resource_permission_flags: z.record(z.string(), z.unknown()).nullish(),
  created_at: time,
  updated_at: cursorTime,
  /** The Campus id behind the `PrimaryCampus` linkage (§4); null when unset. */
  primary_campus_id: z.string().nullish(),
});
export type PersonRecord = z.infer<typeof PersonRecord>;

export const HouseholdRecord = z.looseObject({
  id,
  name: text,
  member_count: int,
  primary_contact_name: text,
  avatar: text,
  created_at: time,
  updated_at: cursorTime,
  primary_contact_id: z.string().nullish(),
});
export type HouseholdRecord = z.infer<typeof HouseholdRecord>;

/** Address, Email and PhoneNumber always belong to a person (§8): a record without one is invalid. */
const personId = z.string().min(1);

export const AddressRecord = z.looseObject({
  id,
  street_line_1: text,
  street_line_2: text,
  city: text,
  state: text,
  zip: text,
  country_code: text,
  country_name: text,
  location: text,
  primary: flag,
  created_at: time,
  updated_at: cursorTime,
  person_id: personId,
});
export type AddressRecord = z.infer<typeof AddressRecord>;

export const EmailRecord = z.looseObject({
  id,
  address: text,
  location: text,
  primary: flag,
  blocked: flag,
  created_at: time,
  updated_at: cursorTime,
  person_id: personId,
});
export type EmailRecord = z.infer<typeof EmailRecord>;

export const PhoneNumberRecord = z.looseObject({
  id,
  number: text,
  carrier: text,
  location: text,
  primary: flag,
  e164: text,
  international: text,
  national: text,
  country_code: text,
  created_at: time,
  updated_at: cursorTime,
  person_id: personId,
});
export type PhoneNumberRecord = z.infer<typeof PhoneNumberRecord>;
