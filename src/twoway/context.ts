/**
 * What the two-way modules share: the database and schema, the job store (for the outbox and notification
 * jobs), the log, and how a connection's provider client is made.
 */
import type { Db } from '../db/db.ts';
import type { JobStore } from '../jobs/store.ts';
import type { Logger } from '../log.ts';
import type { IssueProvider } from '../protocol/issues.ts';
import type { Connection } from './connection-store.ts';
import type { MergePolicy } from './merge.ts';

export interface TwoWayContext {
  db: Db;
  schema: string;
  jobs: JobStore;
  logger: Logger;
  /** The provider client of a connection (one per connection, reused: it keeps ETags and label ids). */
  providerFor(connection: Connection): IssueProvider;
}

export function policyOf(connection: Connection): MergePolicy {
  return { sameField: connection.policy.same_field, deleteVsUpdate: connection.policy.delete_vs_update };
}
