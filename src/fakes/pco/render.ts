/**
 * Rows as PCO renders them (reference §4): `{type, id, attributes, relationships, links}` with string ids,
 * attributes in alphabetical order, times as `…Z` seconds, to-one relationships always present, to-many ones only
 * when included (then with `links.related` and a `data` array), and each included record once per document.
 * Relationships PCO has but the fake does not model (field_data, school…) render empty rather than fail.
 */
import type { Data } from './data.ts';
import { PERSON_CHILDREN, RESOURCES, type ResourceType } from './resources.ts';
import type { Row } from './table.ts';
import { formatTime } from './time.ts';
import { ADDRESS_LINES_SINCE } from './versions.ts';

export interface JsonApiResource {
  type: string;
  id: string;
  attributes?: Record<string, unknown>;
  relationships?: Record<string, unknown>;
  links?: Record<string, string>;
}

export interface RenderContext {
  /** The People version the request runs as. */
  version: string;
  /** `http://127.0.0.1:<port>`: links point back at the fake so a client can follow them. */
  baseUrl: string;
}

type Linkage = { type: string; id: string } | null;

/** Collects `included`: each record once, in the order first referenced. */
export class Included {
  readonly items: JsonApiResource[] = [];
  readonly #seen = new Set<string>();

  add(key: string, make: () => JsonApiResource): void {
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    this.items.push(make());
  }
}

const UNMODELED_MANY = new Set(['field_data', 'person_apps', 'platform_notifications', 'social_profiles', 'lists', 'service_times']);
const TIME_KEYS = new Set(['created_at', 'updated_at', 'inactivated_at']);

export class Renderer {
  readonly #data: Data;
  readonly #keys = new Map<string, string[]>();

  constructor(data: Data) {
    this.#data = data;
  }

  /** Whether a version renders Address with one `street` (before 2023-03-21). */
  static legacyAddress(version: string): boolean {
    return version < ADDRESS_LINES_SINCE;
  }

  /** The raw value `where` and `order` compare: times as epoch ms, ids as numbers, derived values computed. */
  value(type: ResourceType, row: Row, key: string): unknown {
    switch (key) {
      case 'id':
        return row.id;
      case 'created_at':
        return row.createdAt;
      case 'updated_at':
        return row.updatedAt;
      case 'street': {
        const line2 = this.value(type, row, 'street_line_2');
        const line1 = this.value(type, row, 'street_line_1');
        // PCO staff: a second line, if any, is newline-separated in the old single field (issue #718).
        return line1 === null && line2 === null ? null : [line1, line2].filter((v) => v !== null && v !== '').join('\n');
      }
    }
    const t = this.#data.tables;
    if (type === 'people' && key === 'name') {
      const first = this.value(type, row, 'first_name');
      const last = this.value(type, row, 'last_name');
      return [first, last].filter((v) => typeof v === 'string' && v !== '').join(' ') || null;
    }
    if (type === 'households') {
      if (key === 'member_count') return t.household_memberships.byRef('household', row.id).length;
      if (key === 'primary_contact_id') return row.refs.primary_contact == null ? null : String(row.refs.primary_contact);
      if (key === 'primary_contact_name') return this.#personName(row.refs.primary_contact ?? null);
    }
    if (type === 'household_memberships' && key === 'person_name') return this.#personName(row.refs.person ?? null);
    // The docs example has these as JSON numbers while ids elsewhere are strings (reference §4).
    if (type === 'person_mergers' && (key === 'person_to_keep_id' || key === 'person_to_remove_id')) return row.refs[key.slice(0, -3)] ?? null;
    return key in row.attrs ? row.attrs[key] : (RESOURCES[type].defaults[key] ?? null);
  }

  /** The attribute keys a type renders in a version, alphabetically. */
  attributeKeys(type: ResourceType, version: string): string[] {
    const legacy = type === 'addresses' && Renderer.legacyAddress(version);
    const cacheKey = `${type}:${legacy}`;
    let keys = this.#keys.get(cacheKey);
    if (!keys) {
      const spec = RESOURCES[type];
      keys = [...Object.keys(spec.defaults), ...spec.derived, ...spec.timestamps];
      if (legacy) keys = [...keys.filter((k) => k !== 'street_line_1' && k !== 'street_line_2'), 'street'];
      keys.sort();
      this.#keys.set(cacheKey, keys);
    }
    return keys;
  }

  /** One record; `include` names relationships to side-load into `included`. */
  resource(type: ResourceType, row: Row, ctx: RenderContext, include: readonly string[] = [], included?: Included): JsonApiResource {
    const attributes: Record<string, unknown> = {};
    for (const key of this.attributeKeys(type, ctx.version)) {
      const v = this.value(type, row, key);
      attributes[key] = TIME_KEYS.has(key) && typeof v === 'number' ? formatTime(v) : v;
    }
    const out: JsonApiResource = { type: RESOURCES[type].type, id: String(row.id), attributes, relationships: this.#relationships(type, row, ctx, include, included) };
    out.links = { self: `${ctx.baseUrl}${selfPath(type, row)}` };
    if (type === 'people') out.links.html = `https://people.planningcenteronline.com/people/AC${row.id}`;
    return out;
  }

  /** `GET /people/v2`: the organisation (attributes approximate; the reference does not list them). */
  organization(ctx: RenderContext): JsonApiResource {
    const org = this.#data.org;
    return {
      type: 'Organization',
      id: org.id,
      attributes: { avatar_url: null, country_code: 'US', created_at: formatTime(org.createdAt), date_format: '%m/%d/%Y', name: org.name, time_zone: org.timeZone },
      relationships: {},
      links: { self: `${ctx.baseUrl}/people/v2` },
    };
  }

  #personName(id: number | null): string | null {
    const person = id === null ? undefined : this.#data.tables.people.get(id);
    return person ? (this.value('people', person, 'name') as string | null) : null;
  }

  #relationships(type: ResourceType, row: Row, ctx: RenderContext, include: readonly string[], included?: Included): Record<string, unknown> {
    const t = this.#data.tables;
    const rel: Record<string, unknown> = {};
    const related = (name: string) => `${ctx.baseUrl}${selfPath(type, row)}/${name}`;
    const person = (id: number | null | undefined): Linkage => (id == null ? null : { type: 'Person', id: String(id) });
    /** Adds a relationship; when included, with links.related and the records side-loaded. */
    const put = (name: string, data: Linkage | Linkage[], load: () => { type: ResourceType; row: Row }[] | 'organization' = () => []) => {
      if (!include.includes(name)) {
        rel[name] = { data };
        return;
      }
      rel[name] = { links: { related: related(name) }, data };
      if (!included) return;
      const loaded = load();
      if (loaded === 'organization') included.add(`Organization:${this.#data.org.id}`, () => this.organization(ctx));
      else for (const r of loaded) included.add(`${r.type}:${r.row.id}`, () => this.resource(r.type, r.row, ctx));
    };
    const many = (childType: ResourceType, rows: Row[]) => [rows.map((r) => ({ type: RESOURCES[childType].type, id: String(r.id) })), () => rows.map((r) => ({ type: childType, row: r }))] as const;

    switch (type) {
      case 'people': {
        const campus = row.refs.primary_campus ?? null;
        const campusRow = campus === null ? undefined : t.campuses.get(campus);
        // Typed PrimaryCampus in the linkage (observed); the included record is a Campus (unverified, reference §4).
        put('primary_campus', campus === null ? null : { type: 'PrimaryCampus', id: String(campus) }, () => (campusRow ? [{ type: 'campuses', row: campusRow }] : []));
        for (const name of include) {
          if (name === 'primary_campus') continue;
          if ((PERSON_CHILDREN as readonly string[]).includes(name)) {
            const [data, load] = many(name as ResourceType, t[name as ResourceType].byRef('person', row.id));
            put(name, data, load);
          } else if (name === 'households') {
            const ids = [...new Set(t.household_memberships.byRef('person', row.id).map((m) => m.refs.household!))].sort((a, b) => a - b);
            const [data, load] = many('households', ids.map((id) => t.households.get(id)).filter((r) => r !== undefined));
            put(name, data, load);
          } else if (name === 'organization') {
            put(name, { type: 'Organization', id: this.#data.org.id }, () => 'organization');
          } else {
            put(name, UNMODELED_MANY.has(name) ? [] : null);
          }
        }
        break;
      }
      case 'households': {
        put('primary_contact', person(row.refs.primary_contact));
        const members = t.household_memberships.byRef('household', row.id).map((m) => t.people.get(m.refs.person!)).filter((r) => r !== undefined);
        const [data, load] = many('people', members);
        put('people', data, load);
        break;
      }
      case 'household_memberships': {
        const personRow = t.people.get(row.refs.person!);
        put('person', person(row.refs.person), () => (personRow ? [{ type: 'people', row: personRow }] : []));
        if (include.includes('household')) {
          const h = t.households.get(row.refs.household!);
          put('household', { type: 'Household', id: String(row.refs.household) }, () => (h ? [{ type: 'households', row: h }] : []));
        }
        break;
      }
      case 'campuses':
        // Key order as in the docs example (campus.json): id before type.
        rel.organization = { data: { id: this.#data.org.id, type: 'Organization' } };
        for (const name of include) put(name, []);
        break;
      case 'person_mergers':
        put('person_to_keep', person(row.refs.person_to_keep));
        put('person_to_remove', person(row.refs.person_to_remove));
        break;
      default:
        put('person', person(row.refs.person));
    }
    return rel;
  }
}

/** A record's own path; memberships live under their household (reference §1). */
export function selfPath(type: ResourceType, row: Row): string {
  if (type === 'household_memberships') return `/people/v2/households/${row.refs.household}/household_memberships/${row.id}`;
  return `/people/v2/${type}/${row.id}`;
}
