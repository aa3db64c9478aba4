/**
 * Canonical ids are derived, not allocated: a UUID from (system, entity, external id). The same upstream
 * record always maps to the same canonical row, a reference can be resolved without a lookup, and
 * re-syncing is idempotent by construction. The external-link table still records every mapping, for
 * lookups from outside and for a future where two systems' records are merged into one.
 */
import { createHash } from 'node:crypto';

export function canonicalId(system: string, entity: string, externalId: string): string {
  const h = createHash('sha256').update(`${system}\u0000${entity}\u0000${externalId}`).digest('hex');
  // Shaped as an RFC 9562 version 8 (custom) UUID.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
