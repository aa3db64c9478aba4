/**
 * Everything the fake organisation holds, shared by the store (which changes it), the renderer and the list engine
 * (which read it). `version` moves on every change, so a cached query result is known to be stale.
 */
import { RESOURCES, RESOURCE_TYPES, type ResourceType } from './resources.ts';
import { Table } from './table.ts';

export interface Organization {
  id: string;
  name: string;
  /** IANA zone: date-only `where` values are days in it (reference §6). */
  timeZone: string;
  createdAt: number;
}

export interface Data {
  tables: Record<ResourceType, Table>;
  org: Organization;
  version: number;
}

// What children are looked up by: a person's addresses, a household's memberships, a campus's people…
const INDEXED: Record<ResourceType, readonly string[]> = {
  people: ['primary_campus'],
  households: ['primary_contact'],
  household_memberships: ['household', 'person'],
  campuses: [],
  addresses: ['person'],
  emails: ['person'],
  phone_numbers: ['person'],
  person_mergers: [],
};

export function createData(org: Organization): Data {
  const tables = Object.fromEntries(RESOURCE_TYPES.map((t) => [t, new Table(RESOURCES[t].idBase, INDEXED[t])])) as Record<ResourceType, Table>;
  return { tables, org, version: 0 };
}
