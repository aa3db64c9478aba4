/** The connectors that ship with SyncBridge, by the name pipelines and `syncbridge connector <name>` use. */
import type { Destination, Source } from '../protocol/connector.ts';
import { postgresDestination } from './postgres/index.ts';
import { stripeSource } from './stripe/index.ts';

export const BUILTIN_CONNECTORS: Record<string, Source<never> | Destination<never>> = {
  stripe: stripeSource as Source<never>,
  postgres: postgresDestination as Destination<never>,
};
