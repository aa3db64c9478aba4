/**
 * PCO's JSON:API documents (reference §4) and the one flattening every record goes through before the engine sees
 * it: `{ id, ...attributes, <to-one relationship>_id }`, ids always strings. To-many relationships are dropped (each
 * child lists its parent), unknown attributes kept, and the pre-2023-03-21 Address `street` split into the current
 * `street_line_1`/`street_line_2`, so one record shape serves every API version.
 */
import { z } from 'zod';

const Id = z.union([z.string(), z.number()]);
const Linkage = z.looseObject({ type: z.string(), id: Id });

export const JsonApiResource = z.looseObject({
  type: z.string(),
  id: Id,
  attributes: z.record(z.string(), z.unknown()).optional(),
  relationships: z.record(z.string(), z.looseObject({ data: z.union([Linkage, z.array(Linkage), z.null()]).optional() }).nullable()).optional(),
});
export type JsonApiResource = z.infer<typeof JsonApiResource>;

export const JsonApiDocument = z.looseObject({
  data: z.union([JsonApiResource, z.array(JsonApiResource), z.null()]),
  included: z.array(z.unknown()).optional(),
  links: z.looseObject({ self: z.string().optional(), next: z.string().nullish(), prev: z.string().nullish() }).optional(),
  meta: z.looseObject({ total_count: z.number().optional(), count: z.number().optional() }).optional(),
});
export type JsonApiDocument = z.infer<typeof JsonApiDocument>;

/** A flattened record: what the manifest's entity schemas describe. */
export type FlatRecord = { id: string } & Record<string, unknown>;

/**
 * `{ id, ...attributes, <relationship>_id }` for one resource. Attributes ending in `_id` come back as numbers on
 * some resources and strings on others (§4), so numeric ones become strings; a to-one relationship's id wins over
 * an attribute of the same name (Household has both `primary_contact_id` and `primary_contact`).
 */
export function flattenResource(resource: JsonApiResource): FlatRecord {
  const out: FlatRecord = { id: String(resource.id) };
  for (const [key, value] of Object.entries(resource.attributes ?? {})) {
    if (key === 'id') continue;
    out[key] = key.endsWith('_id') && typeof value === 'number' ? String(value) : value;
  }
  if (resource.type === 'Address') splitLegacyStreet(out);
  for (const [name, relationship] of Object.entries(resource.relationships ?? {})) {
    const data = relationship?.data;
    // Absent: not rendered; an array: a to-many relationship, which the children carry from their side.
    if (data === undefined || Array.isArray(data)) continue;
    out[`${name}_id`] = data === null ? null : String(data.id);
  }
  return out;
}

/** Versions before 2023-03-21 render one `street`; a second line, if any, is newline-separated in it (§2, issue #718). */
function splitLegacyStreet(record: FlatRecord): void {
  if (!('street' in record) || 'street_line_1' in record) return;
  const street = record.street;
  delete record.street;
  if (typeof street !== 'string' || street === '') {
    record.street_line_1 = null;
    record.street_line_2 = null;
    return;
  }
  const newline = street.indexOf('\n');
  record.street_line_1 = newline < 0 ? street : street.slice(0, newline);
  record.street_line_2 = newline < 0 ? null : street.slice(newline + 1) || null;
}

/** The primary data of a list document as an array (a single read's object is a list of one). */
export function primaryData(doc: JsonApiDocument): JsonApiResource[] {
  return doc.data === null ? [] : Array.isArray(doc.data) ? doc.data : [doc.data];
}
