/** The connectors that ship with SyncBridge, by the name `syncbridge connector <name>` takes. */
import type { Destination, Source } from '../protocol/connector.ts';
import { postgresDestination } from '../connectors/postgres/index.ts';
import { stripeSource } from '../connectors/stripe/index.ts';

export const BUILTIN_CONNECTORS: Record<string, Source<never> | Destination<never>> = {
  stripe: stripeSource as Source<never>,
  postgres: postgresDestination as Destination<never>,
};
