/**
 * The connectors that ship with SyncBridge, by the name pipelines and `syncbridge connector <name>` use:
 * sources, destinations, and manifest adapters (which the engine runs as sources, see sync/manifest).
 */
import type { Destination, Source } from '../protocol/connector.ts';
import type { ManifestAdapter } from '../protocol/manifest.ts';
import { pcoAdapter } from './pco/index.ts';
import { postgresDestination } from './postgres/index.ts';
import { stripeSource } from './stripe/index.ts';

export const BUILTIN_CONNECTORS: Record<string, Source<never> | Destination<never> | ManifestAdapter<never>> = {
  stripe: stripeSource as Source<never>,
  postgres: postgresDestination as Destination<never>,
  pco: pcoAdapter as unknown as ManifestAdapter<never>,
};

export function isManifestAdapter(c: unknown): c is ManifestAdapter {
  return typeof c === 'object' && c !== null && 'manifest' in c && 'listPage' in c && 'fetchOne' in c;
}
