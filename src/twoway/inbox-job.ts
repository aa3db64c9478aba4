/**
 * Inbound webhooks, second half: the `issue_webhook` job applies one stored delivery. Jobs of one issue
 * share a concurrency key with its pushes, so they apply one at a time in the order they run; the
 * order they arrive in does not matter, because each snapshot is weighed against the provider version
 * the mirror last saw (apply-remote.ts). When a snapshot cannot be ordered it reads the issue now.
 */
import { JobSnoozed } from '../jobs/errors.ts';
import type { JobHandler } from '../jobs/worker.ts';
import type { RemoteIssue } from '../protocol/issues.ts';
import { getDelivery } from '../sync/webhook-inbox.ts';
import { applyRemoteChange, type RemoteChange } from './apply-remote.ts';
import type { Connection } from './connection-store.ts';
import type { TwoWayContext } from './context.ts';

export const ISSUE_WEBHOOK_JOB = 'issue_webhook';

/** How long a delivery waits for our own create of (perhaps) its issue to record the number. */
const WAIT_FOR_CREATE_MS = 500;

export interface InboxPayload {
  delivery_id: number;
  connection_id: number;
}

/** What the inbox stores of a verified delivery: the parsed change beside the provider's payload. */
export interface StoredIssueEvent {
  event: string;
  action: string | null;
  change: StoredChange | null;
  raw: unknown;
}

type StoredChange = { kind: 'upsert'; issue: Omit<RemoteIssue, 'updatedAt'> & { updatedAt: string } } | { kind: 'deleted'; externalId: string };

export function storedChange(change: RemoteChange | null): StoredChange | null {
  if (!change) return null;
  return change.kind === 'deleted' ? change : { kind: 'upsert', issue: { ...change.issue, updatedAt: change.issue.updatedAt.toISOString() } };
}

function revive(change: StoredChange): RemoteChange {
  return change.kind === 'deleted' ? change : { kind: 'upsert', issue: { ...change.issue, updatedAt: new Date(change.issue.updatedAt) } };
}

export function createInboxHandler(ctx: TwoWayContext, connectionOf: (id: number) => Promise<Connection>): JobHandler<InboxPayload> {
  return async (job, jc) => {
    const delivery = await getDelivery(ctx.db, ctx.schema, job.payload.delivery_id);
    const stored = delivery.payload as StoredIssueEvent;
    if (!stored.change) return { applied: false, reason: 'not about an issue' };
    const connection = await connectionOf(job.payload.connection_id);
    const detail = { delivery_id: delivery.delivery_id, event: stored.event, action: stored.action };
    let result = await applyRemoteChange(ctx, connection, revive(stored.change), { via: 'webhook', fresh: false, detail });
    if (result.outcome === 'needs_refetch') {
      const externalId = stored.change.kind === 'upsert' ? stored.change.issue.externalId : stored.change.externalId;
      const now = await ctx.providerFor(connection).get(externalId, jc.signal);
      const change: RemoteChange = now ? { kind: 'upsert', issue: now } : { kind: 'deleted', externalId };
      result = await applyRemoteChange(ctx, connection, change, { via: 'refetch', fresh: true, detail });
    }
    if (result.outcome === 'wait') throw new JobSnoozed(WAIT_FOR_CREATE_MS, 'waiting for a local create to record its issue number');
    return { outcome: result.outcome, issue_id: result.issueId };
  };
}
