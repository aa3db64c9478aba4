/**
 * Polling reconciliation: the recurring `issue_poll` job of a connection (every 15 minutes by default)
 * lists the issues changed since its cursor and sends each through the same merge as a webhook, which
 * repairs whatever a lost delivery missed; what the mirror already holds comes back `duplicate` and
 * changes nothing. The cursor advances after each page, so a poll cut short resumes where it stopped.
 * It starts one second before the cursor: `since` filters are inclusive on some providers and not on
 * others, and whole-second timestamps put several edits at the same instant.
 */
import type { JobHandler } from '../jobs/worker.ts';
import { applyRemoteChange, type ApplyOutcome } from './apply-remote.ts';
import { advancePollCursor, type Connection } from './connection-store.ts';
import type { TwoWayContext } from './context.ts';

export const ISSUE_POLL_JOB = 'issue_poll';

const OVERLAP_MS = 1000;

export interface PollPayload {
  connection_id: number;
  /** Ignore the cursor and list every issue (a full reconciliation). */
  full?: boolean;
}

export const pollEntity = (connectionId: number) => `connection:${connectionId}`;
export const pollScheduleName = (connectionId: number) => `issues-poll:${connectionId}`;

export function createPollHandler(ctx: TwoWayContext, connectionOf: (id: number) => Promise<Connection>): JobHandler<PollPayload> {
  return async (job, jc) => {
    const connection = await connectionOf(job.payload.connection_id);
    const provider = ctx.providerFor(connection);
    const cursor = job.payload.full || !connection.poll_cursor ? null : new Date(connection.poll_cursor.getTime() - OVERLAP_MS);
    const counts: Partial<Record<ApplyOutcome, number>> = {};
    let page: string | null = null;
    let pages = 0;
    let newest = connection.poll_cursor;
    // An issue held back (our own create of it may be unsettled) keeps the cursor before it: the next
    // poll sees it again.
    let heldAt: Date | null = null;
    do {
      jc.signal.throwIfAborted();
      const result = await provider.listChangedSince(cursor, page, jc.signal);
      for (const issue of result.issues) {
        const applied = await applyRemoteChange(ctx, connection, { kind: 'upsert', issue }, { via: 'poll', fresh: true, detail: { job_id: job.id } });
        counts[applied.outcome] = (counts[applied.outcome] ?? 0) + 1;
        if (applied.outcome === 'wait' && (!heldAt || issue.updatedAt < heldAt)) heldAt = issue.updatedAt;
        if (!newest || issue.updatedAt > newest) newest = issue.updatedAt;
      }
      pages++;
      const safe = heldAt && newest && heldAt <= newest ? new Date(heldAt.getTime() - OVERLAP_MS) : newest;
      await advancePollCursor(ctx.db, ctx.schema, connection.id, safe, ctx.jobs.clock.now());
      page = result.next;
    } while (page !== null);
    ctx.logger.info({ event: 'twoway.polled', connection_id: connection.id, pages, counts });
    return { pages, counts, cursor: newest?.toISOString() ?? null };
  };
}
