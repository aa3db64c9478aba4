/**
 * JSON:API request bodies (reference §4): `{"data": {"type", "attributes": {…}, "relationships": {…}}}`, `data` an
 * object (an array or a missing `data` is PCO's 400 `invalid_resource_payload`). Attributes must be ones the
 * resource lets callers assign (else a 422, wording approximate); relationships become the store's flat reference
 * inputs (`primary_campus_id`, `person_ids`, `primary_contact_id`, `person_id`).
 */
import type { Context } from 'hono';
import { invalidPayload, validationError } from './errors.ts';
import { RESOURCES, type ResourceType } from './resources.ts';
import type { Input } from './writes.ts';

// Relationship name → [flat input key, to-many].
const RELATIONSHIPS: Partial<Record<ResourceType, Record<string, [string, boolean]>>> = {
  people: { primary_campus: ['primary_campus_id', false] },
  households: { people: ['person_ids', true], primary_contact: ['primary_contact_id', false] },
  household_memberships: { person: ['person_id', false] },
};

export async function readResource(c: Context, type: ResourceType): Promise<Input> {
  const text = await c.req.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? {} : JSON.parse(text);
  } catch {
    throw invalidPayload('The payload given is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !('data' in parsed)) throw invalidPayload();
  const data = (parsed as { data: unknown }).data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw invalidPayload("The payload given does not contain a 'data' object.");
  const spec = RESOURCES[type];
  const { attributes = {}, relationships = {} } = data as { attributes?: unknown; relationships?: unknown };
  if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) throw invalidPayload("The payload's 'attributes' must be an object.");
  const input: Input = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (!spec.writable.has(key)) throw validationError(`${key} is not an assignable attribute`, key, spec.type);
    input[key] = value;
  }
  if (typeof relationships !== 'object' || relationships === null) throw invalidPayload("The payload's 'relationships' must be an object.");
  for (const [name, value] of Object.entries(relationships)) {
    const rel = RELATIONSHIPS[type]?.[name];
    if (!rel) throw validationError(`${name} is not an assignable relationship`, name, spec.type);
    const linkage = (value as { data?: unknown } | null)?.data;
    const [key, many] = rel;
    if (many) {
      if (!Array.isArray(linkage)) throw validationError('must be a list of records', name, spec.type);
      input[key] = linkage.map((l) => (l as { id?: unknown })?.id);
    } else {
      input[key] = linkage === null ? null : (linkage as { id?: unknown } | undefined)?.id;
    }
  }
  return input;
}
