/**
 * The fake organisation's People data and the only place it changes. Every change, over HTTP or from a test, goes
 * through here: timestamps are stamped (or placed explicitly), relationships kept consistent (a person's addresses
 * go with it, a household counts its members), and `people.v2.events.*` recorded with the payload rendered at that
 * moment, for the webhook sender. Reads render rows as the API would; `seed()` bulk-loads without events.
 */
import type { Data } from './data.ts';
import { notFound, validationError } from './errors.ts';
import type { Lister } from './list.ts';
import { eventFor, type StoreEvent, type StoreEventAction } from './events.ts';
import type { JsonApiResource, RenderContext, Renderer } from './render.ts';
import { PERSON_CHILDREN, RESOURCES, type ResourceType } from './resources.ts';
import { seedData, type SeedOptions, type SeedResult } from './seed.ts';
import type { Row } from './table.ts';
import { toMs, type TimeInput } from './time.ts';
import { LATEST_PEOPLE_VERSION } from './versions.ts';
import { normalise, REF_INPUTS, validateCreate, type Input } from './writes.ts';

export type { StoreEvent, StoreEventAction } from './events.ts';
export type { Input } from './writes.ts';

export interface StoreOptions {
  data: Data;
  renderer: Renderer;
  lister: Lister;
  now: () => number;
  /** 'second' (default) stores whole seconds; 'millisecond' keeps the clock's precision but still renders seconds. */
  precision: 'second' | 'millisecond';
  /** Whether a change to an address/email/phone number also bumps its person's updated_at (unverified, reference §6). */
  touchPersonOnChildChange: boolean;
  /** The People version webhook payloads are rendered in. */
  webhookVersion: string;
  baseUrl: () => string;
  random: () => number;
}

export interface MutationOptions {
  /** The change's time (ISO string, Date or epoch ms) instead of the clock's: for equal or back-dated updated_at. */
  at?: TimeInput;
}

export interface Timestamps {
  created_at?: TimeInput;
  updated_at?: TimeInput;
}

export class PcoStore {
  readonly data: Data;
  readonly renderer: Renderer;
  readonly lister: Lister;
  /** Every event recorded, oldest first. */
  readonly events: StoreEvent[] = [];
  readonly #opts: StoreOptions;
  readonly #listeners: ((event: StoreEvent) => void)[] = [];

  constructor(opts: StoreOptions) {
    this.#opts = opts;
    this.data = opts.data;
    this.renderer = opts.renderer;
    this.lister = opts.lister;
  }

  /** The record as `GET` would render it (latest version unless given), or undefined. */
  get(type: ResourceType, id: string | number, version: string = LATEST_PEOPLE_VERSION): JsonApiResource | undefined {
    const row = this.row(type, id);
    return row ? this.renderer.resource(type, row, this.#ctx(version)) : undefined;
  }

  /** The stored row; do not mutate it. */
  row(type: ResourceType, id: string | number): Row | undefined {
    const n = typeof id === 'number' ? id : /^\d+$/.test(id) ? Number(id) : NaN;
    return this.data.tables[type].get(n);
  }

  /** Live ids, ascending, as strings. */
  ids(type: ResourceType): string[] {
    return this.data.tables[type].all().map((r) => String(r.id));
  }

  count(type: ResourceType): number {
    return this.data.tables[type].size;
  }

  onEvent(listener: (event: StoreEvent) => void): void {
    this.#listeners.push(listener);
  }

  /**
   * Creates a record and records `…created`. Input is flat: attributes plus `person_id` (children, memberships),
   * `primary_campus_id` (people), `person_ids` + `primary_contact_id` (households), `household_id` (memberships);
   * in-process callers may also give `id`, `created_at`, `updated_at`.
   */
  create(type: ResourceType, input: Input = {}, opts: MutationOptions = {}): JsonApiResource {
    if (type === 'person_mergers') throw new Error('person mergers are made by mergePeople()');
    const t = this.data.tables;
    const at = this.#stamp(opts.at);
    const { id, created_at, updated_at, ...rest } = input;
    validateCreate(type, rest, this.data);
    const table = t[type];
    const rowId = id === undefined ? table.mintId() : Number(id);
    if (!Number.isInteger(rowId) || table.has(rowId)) throw new Error(`id ${String(id)} is not a free integer id for ${type}`);
    const createdAt = created_at === undefined ? at : this.#stamp(created_at as TimeInput);
    const row: Row = { id: rowId, createdAt, updatedAt: updated_at === undefined ? createdAt : this.#stamp(updated_at as TimeInput), attrs: {}, refs: {} };
    const personIds = type === 'households' ? (rest.person_ids as (string | number)[]) : undefined;
    if (type === 'households') delete rest.person_ids;
    normalise(type, row, rest, row.createdAt);
    table.insert(row);
    this.data.version++;
    if (type === 'households' && personIds) {
      for (const pid of personIds) t.household_memberships.insert({ id: t.household_memberships.mintId(), createdAt, updatedAt: createdAt, attrs: {}, refs: { household: rowId, person: Number(pid) } });
    }
    this.#emit(type, 'created', row, createdAt);
    if (type === 'household_memberships') this.#touch('households', row.refs.household!, at);
    if (this.#isChild(type)) this.#touchPersonFor(row, at);
    return this.get(type, rowId)!;
  }

  /** Changes attributes (and reference inputs); bumps updated_at and records `…updated` unless nothing changed. */
  update(type: ResourceType, id: string | number, input: Input, opts: MutationOptions = {}): JsonApiResource {
    const before = this.row(type, id);
    if (!before) throw notFound();
    const at = this.#stamp(opts.at);
    const draft: Row = { ...before, attrs: { ...before.attrs }, refs: { ...before.refs } };
    for (const key of Object.keys(input)) {
      if (key === 'id' || key === 'created_at' || key === 'updated_at' || key === 'person_ids') throw validationError(`${key} cannot be changed here`, key, RESOURCES[type].type);
    }
    for (const [ref, key] of Object.entries(REF_INPUTS[type])) {
      if (key in input && input[key] !== null && !this.#exists(refTarget(ref), Number(input[key]))) throw validationError('does not exist', key, RESOURCES[type].type);
    }
    normalise(type, draft, { ...input }, at);
    if (sameRow(before, draft)) return this.get(type, before.id)!;
    draft.updatedAt = at;
    this.data.tables[type].replace(draft);
    this.data.version++;
    this.#emit(type, 'updated', draft, at);
    if (this.#isChild(type)) this.#touchPersonFor(draft, at);
    return this.get(type, before.id)!;
  }

  /** Deletes a record and records `…destroyed`; a person's addresses, emails, phone numbers and memberships go too. */
  delete(type: ResourceType, id: string | number, opts: MutationOptions = {}): void {
    const row = this.row(type, id);
    if (!row) throw notFound();
    const t = this.data.tables;
    const at = this.#stamp(opts.at);
    if (type === 'household_memberships') this.#leaveHousehold(row, at);
    else t[type].remove(row.id);
    this.data.version++;
    // Cascades are silent: no child `destroyed` events (unverified either way; a connector must reconcile).
    if (type === 'people') {
      for (const child of PERSON_CHILDREN) for (const c of t[child].byRef('person', row.id)) t[child].remove(c.id);
      for (const m of t.household_memberships.byRef('person', row.id)) this.#leaveHousehold(m, at);
    } else if (type === 'households') {
      for (const m of t.household_memberships.byRef('household', row.id)) t.household_memberships.remove(m.id);
    } else if (type === 'campuses') {
      for (const p of t.people.byRef('primary_campus', row.id)) t.people.replace({ ...p, refs: { ...p.refs, primary_campus: null } });
    }
    this.#emit(type, 'destroyed', row, at);
    if (this.#isChild(type)) this.#touchPersonFor(row, at);
  }

  /** Sets timestamps without recording events: to build equal or back-dated updated_at for delta tests. */
  setTimestamps(type: ResourceType, ids: string | number | readonly (string | number)[], times: Timestamps): void {
    const table = this.data.tables[type];
    for (const id of Array.isArray(ids) ? ids : [ids]) {
      const row = this.row(type, id as string | number);
      if (!row) throw new Error(`no ${type} ${String(id)}`);
      table.replace({
        ...row,
        ...(times.created_at !== undefined ? { createdAt: this.#stamp(times.created_at) } : {}),
        ...(times.updated_at !== undefined ? { updatedAt: this.#stamp(times.updated_at) } : {}),
      });
    }
    this.data.version++;
  }

  /** Bumps updated_at (to `at` or now) and records `…updated` for each record, as an edit that changed nothing visible. */
  touch(type: ResourceType, ids: string | number | readonly (string | number)[], opts: MutationOptions = {}): void {
    const at = this.#stamp(opts.at);
    for (const id of Array.isArray(ids) ? ids : [ids]) {
      const row = this.row(type, id as string | number);
      if (!row) throw new Error(`no ${type} ${String(id)}`);
      this.#touch(type, row.id, at);
    }
  }

  /**
   * An admin merge (reference §12): the removed person's addresses, emails and phone numbers move to the kept one,
   * the removed person disappears (404) and a PersonMerger is recorded with `person_merger.created`.
   */
  mergePeople(keepId: string | number, removeId: string | number, opts: MutationOptions = {}): JsonApiResource {
    const t = this.data.tables;
    const keep = this.row('people', keepId);
    const remove = this.row('people', removeId);
    if (!keep || !remove || keep.id === remove.id) throw notFound();
    const at = this.#stamp(opts.at);
    for (const child of PERSON_CHILDREN) {
      for (const c of t[child].byRef('person', remove.id)) t[child].replace({ ...c, updatedAt: at, refs: { ...c.refs, person: keep.id } });
    }
    const keptHouseholds = new Set(t.household_memberships.byRef('person', keep.id).map((m) => m.refs.household));
    for (const m of t.household_memberships.byRef('person', remove.id)) {
      if (keptHouseholds.has(m.refs.household)) this.#leaveHousehold(m, at);
      else t.household_memberships.replace({ ...m, refs: { ...m.refs, person: keep.id } });
    }
    t.people.remove(remove.id);
    const merger: Row = { id: t.person_mergers.mintId(), createdAt: at, updatedAt: at, attrs: {}, refs: { person_to_keep: keep.id, person_to_remove: remove.id } };
    t.person_mergers.insert(merger);
    this.data.version++;
    this.#emit('person_mergers', 'created', merger, at);
    return this.get('person_mergers', merger.id)!;
  }

  /** Bulk, event-less, deterministic: see seed.ts. */
  seed(options: SeedOptions): SeedResult {
    const result = seedData(this.data, options, this.#stamp());
    this.data.version++;
    return result;
  }

  #ctx(version: string): RenderContext {
    return { version, baseUrl: this.#opts.baseUrl() };
  }

  #stamp(at?: TimeInput): number {
    const ms = at === undefined ? this.#opts.now() : toMs(at);
    return this.#opts.precision === 'second' ? Math.floor(ms / 1000) * 1000 : ms;
  }

  #exists(type: ResourceType, id: number): boolean {
    return this.data.tables[type].has(id);
  }

  #isChild(type: ResourceType): boolean {
    return (PERSON_CHILDREN as readonly string[]).includes(type);
  }

  #touchPersonFor(child: Row, at: number): void {
    if (this.#opts.touchPersonOnChildChange && child.refs.person != null && this.data.tables.people.has(child.refs.person)) this.#touch('people', child.refs.person, at);
  }

  /** Removes a membership; its household's count changes, so it is updated (and its primary contact moved on if needed). */
  #leaveHousehold(membership: Row, at: number): void {
    const t = this.data.tables;
    t.household_memberships.remove(membership.id);
    const household = t.households.get(membership.refs.household!);
    if (!household) return;
    if (household.refs.primary_contact === membership.refs.person) {
      const next = t.household_memberships.byRef('household', household.id)[0]?.refs.person ?? null;
      t.households.replace({ ...household, refs: { ...household.refs, primary_contact: next } });
    }
    this.#touch('households', household.id, at);
  }

  #touch(type: ResourceType, id: number, at: number): void {
    const row = this.data.tables[type].get(id);
    if (!row) return;
    const next = { ...row, updatedAt: at };
    this.data.tables[type].replace(next);
    this.data.version++;
    this.#emit(type, 'updated', next, at);
  }

  #emit(type: ResourceType, action: StoreEventAction, row: Row, at: number): void {
    const event = eventFor(type, action, row, at, { renderer: this.renderer, ctx: this.#ctx(this.#opts.webhookVersion), organizationId: this.data.org.id, random: this.#opts.random });
    if (!event) return;
    this.events.push(event);
    for (const listener of this.#listeners) listener(event);
  }

}

function refTarget(ref: string): ResourceType {
  return ref === 'primary_campus' ? 'campuses' : ref === 'household' ? 'households' : 'people';
}

function sameRow(a: Row, b: Row): boolean {
  return sameRecord(a.attrs, b.attrs) && sameRecord(a.refs, b.refs);
}

function sameRecord(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  // Values are primitives or small JSON objects (resource_permission_flags): compared by their JSON.
  return keys.every((k) => k in b && (a[k] === b[k] || JSON.stringify(a[k]) === JSON.stringify(b[k])));
}
