/**
 * The People resources the fake serves, as data (reference §1, §6, §7): JSON:API type, attribute defaults (the keys
 * rendered, alphabetically as PCO does), what may be written, queried, ordered by and included, and the webhook
 * resource name. Attributes added in later versions are rendered in every version (PCO's additive changes appear
 * not to be versioned); only the documented breaking change, Address `street`, depends on the version.
 */

export const RESOURCE_TYPES = ['people', 'households', 'household_memberships', 'campuses', 'addresses', 'emails', 'phone_numbers', 'person_mergers'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export interface ResourceSpec {
  /** JSON:API `type`. */
  type: string;
  /** First id minted; PCO ids are integers sent as strings. */
  idBase: number;
  /** Every stored attribute with its default, besides timestamps and derived ones. */
  defaults: Record<string, unknown>;
  /** Computed when rendered: never stored, never written. */
  derived: readonly string[];
  /** Which of created_at/updated_at the resource renders. */
  timestamps: readonly ('created_at' | 'updated_at')[];
  /** Attributes a POST/PATCH may set (reference §7 "Writable"). */
  writable: ReadonlySet<string>;
  queryBy: readonly string[];
  orderBy: readonly string[];
  includes: readonly string[];
  filters: readonly string[];
  /** `people.v2.events.<event>.<action>`; none for campuses and memberships (reference §11). */
  event: string | null;
  /** Whether `GET /people/v2/<type>` exists (HouseholdMembership has no org-wide list). */
  topLevel: boolean;
}

const NO_PHOTO = 'https://people.planningcenteronline.com/static/no_photo_thumbnail_gray.png';

const PERSON_QUERY = [
  'accounting_administrator', 'anniversary', 'birthdate', 'child', 'created_at', 'first_name', 'gender', 'given_name', 'grade',
  'graduation_year', 'id', 'inactivated_at', 'last_name', 'medical_notes', 'membership', 'mfa_configured', 'middle_name', 'nickname',
  'people_permissions', 'primary_campus_id', 'remote_id', 'search_name', 'search_name_or_email', 'search_name_or_email_or_phone_number',
  'search_phone_number', 'search_phone_number_e164', 'site_administrator', 'status', 'updated_at',
];
const PERSON_ORDER = [
  'accounting_administrator', 'anniversary', 'birthdate', 'child', 'created_at', 'first_name', 'gender', 'given_name', 'grade',
  'graduation_year', 'inactivated_at', 'last_name', 'membership', 'middle_name', 'nickname', 'people_permissions', 'remote_id',
  'site_administrator', 'status', 'updated_at',
];
export const PERSON_INCLUDES = [
  'addresses', 'emails', 'field_data', 'households', 'inactive_reason', 'marital_status', 'name_prefix', 'name_suffix', 'organization',
  'person_apps', 'phone_numbers', 'platform_notifications', 'primary_campus', 'school', 'social_profiles',
];

export const RESOURCES: Record<ResourceType, ResourceSpec> = {
  people: {
    type: 'Person',
    idBase: 900101,
    defaults: {
      accounting_administrator: false, anniversary: null, avatar: NO_PHOTO, birthdate: null, can_create_forms: false, can_email_lists: false,
      child: false, demographic_avatar_url: NO_PHOTO, directory_status: 'no_access', first_name: null, gender: null, given_name: null,
      grade: null, graduation_year: null, inactivated_at: null, last_name: null, medical_notes: null, membership: null, middle_name: null,
      nickname: null, passed_background_check: false, people_permissions: null, remote_id: null, resource_permission_flags: {},
      school_type: null, site_administrator: false, status: 'active',
    },
    derived: ['name'],
    timestamps: ['created_at', 'updated_at'],
    writable: new Set([
      'first_name', 'last_name', 'middle_name', 'given_name', 'nickname', 'birthdate', 'anniversary', 'gender', 'gender_id', 'grade',
      'graduation_year', 'child', 'status', 'inactivated_at', 'membership', 'medical_notes', 'avatar', 'remote_id', 'primary_campus_id',
      'people_permissions', 'site_administrator', 'accounting_administrator', 'stripe_customer_identifier',
    ]),
    queryBy: PERSON_QUERY,
    orderBy: PERSON_ORDER,
    includes: PERSON_INCLUDES,
    filters: ['admins', 'created_since', 'organization_admins'],
    event: 'person',
    topLevel: true,
  },
  households: {
    type: 'Household',
    idBase: 3300001,
    defaults: { avatar: null, name: null },
    derived: ['member_count', 'primary_contact_id', 'primary_contact_name'],
    timestamps: ['created_at', 'updated_at'],
    writable: new Set(['name', 'member_count', 'avatar', 'primary_contact_id']),
    queryBy: ['created_at', 'member_count', 'name', 'primary_contact_name', 'updated_at'],
    orderBy: ['created_at', 'member_count', 'name', 'primary_contact_name', 'updated_at'],
    includes: ['people'],
    filters: [],
    event: 'household',
    topLevel: true,
  },
  household_memberships: {
    type: 'HouseholdMembership',
    idBase: 7700001,
    defaults: { household_role: null, pending: false },
    derived: ['person_name'],
    timestamps: [],
    writable: new Set(['person_id', 'pending', 'household_role']),
    queryBy: ['pending', 'person_name'],
    orderBy: [],
    includes: ['household', 'person'],
    filters: [],
    event: null,
    topLevel: false,
  },
  campuses: {
    type: 'Campus',
    idBase: 81,
    defaults: {
      avatar_url: null, church_center_enabled: true, city: null, contact_email_address: null, country: null, date_format: 1, description: null,
      geolocation_set_manually: false, latitude: null, longitude: null, name: null, phone_number: null, state: null, street: null,
      time_zone: null, twenty_four_hour_time: false, website: null, zip: null,
    },
    derived: [],
    timestamps: ['created_at', 'updated_at'],
    writable: new Set([
      'name', 'description', 'street', 'city', 'state', 'zip', 'country', 'latitude', 'longitude', 'phone_number', 'website',
      'contact_email_address', 'time_zone', 'twenty_four_hour_time', 'date_format', 'church_center_enabled', 'geolocation_set_manually',
    ]),
    queryBy: ['created_at', 'id', 'updated_at'],
    orderBy: ['created_at', 'name', 'updated_at'],
    includes: ['lists', 'service_times'],
    filters: [],
    event: null,
    topLevel: true,
  },
  addresses: {
    type: 'Address',
    idBase: 55000001,
    defaults: { city: null, country_code: null, country_name: null, location: null, primary: false, state: null, street_line_1: null, street_line_2: null, zip: null },
    derived: [],
    timestamps: ['created_at', 'updated_at'],
    writable: new Set(['street_line_1', 'street_line_2', 'street', 'city', 'state', 'zip', 'country_code', 'location', 'primary']),
    // No updated_at: Address cannot be filtered on it, only ordered by it (reference §6).
    queryBy: ['city', 'country_code', 'location', 'primary', 'state', 'street_line_1', 'street_line_2', 'zip'],
    orderBy: ['city', 'country_code', 'created_at', 'location', 'primary', 'state', 'street_line_1', 'street_line_2', 'updated_at', 'zip'],
    includes: [],
    filters: [],
    event: 'address',
    topLevel: true,
  },
  emails: {
    type: 'Email',
    idBase: 44000001,
    defaults: { address: null, blocked: false, location: null, primary: false },
    derived: [],
    timestamps: ['created_at', 'updated_at'],
    writable: new Set(['address', 'location', 'primary']),
    queryBy: ['address', 'blocked', 'created_at', 'location', 'primary', 'updated_at'],
    orderBy: ['address', 'created_at', 'location', 'primary', 'updated_at'],
    includes: [],
    filters: [],
    event: 'email',
    topLevel: true,
  },
  phone_numbers: {
    type: 'PhoneNumber',
    idBase: 66000001,
    defaults: { carrier: null, country_code: null, e164: null, international: null, location: null, national: null, number: null, primary: false },
    derived: [],
    timestamps: ['created_at', 'updated_at'],
    writable: new Set(['number', 'carrier', 'location', 'primary']),
    queryBy: ['created_at', 'e164', 'location', 'number', 'primary', 'updated_at'],
    orderBy: ['created_at', 'location', 'number', 'primary', 'updated_at'],
    includes: [],
    filters: [],
    event: 'phone_number',
    topLevel: true,
  },
  person_mergers: {
    type: 'PersonMerger',
    idBase: 3518,
    defaults: {},
    derived: ['person_to_keep_id', 'person_to_remove_id'],
    timestamps: ['created_at'],
    writable: new Set(),
    queryBy: ['created_at', 'person_to_keep_id', 'person_to_remove_id'],
    orderBy: ['created_at'],
    includes: [],
    filters: [],
    event: 'person_merger',
    topLevel: true,
  },
};

/** Attributes whose `where` values are times (instants or org-zone days). */
export const TIME_ATTRIBUTES: ReadonlySet<string> = new Set(['created_at', 'updated_at', 'inactivated_at']);

/** The child collections hanging off a Person, each pointing back with `person`. */
export const PERSON_CHILDREN = ['addresses', 'emails', 'phone_numbers'] as const;
export type PersonChild = (typeof PERSON_CHILDREN)[number];

/** Every webhook event name the fake emits: the confirmed ones and the third-party-listed ones (reference §11). */
export const EVENT_NAMES: readonly string[] = [
  ...['person', 'email', 'phone_number', 'address', 'household'].flatMap((r) => ['created', 'updated', 'destroyed'].map((a) => `people.v2.events.${r}.${a}`)),
  'people.v2.events.person_merger.created',
];
