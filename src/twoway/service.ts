/**
 * Two-way issue sync as a service: connections, the mirror (read and edit), webhooks in, the outbox
 * out, polling, conflicts and the sync log, plus the job handlers that carry it out. The HTTP API, the
 * UI, the CLI and an embedding application all use this one object.
 */
import { createIssueProvider } from '../connectors/issue-providers.ts';
import type { Db } from '../db/db.ts';
import { Scheduler } from '../jobs/scheduler.ts';
import type { JobStore } from '../jobs/store.ts';
import type { JobHandler } from '../jobs/worker.ts';
import type { Logger } from '../log.ts';
import { AuthError, Conflict, NotFound, ValidationError } from '../protocol/errors.ts';
import type { IssueProvider, IssueWebhookRequest } from '../protocol/issues.ts';
import { redactConfig } from '../sync/secrets.ts';
import { listDeliveries, storeDelivery, type Received, type StoredDelivery } from '../sync/webhook-inbox.ts';
import { CONFLICT_NOTIFY_JOB, createConflictNotifyHandler } from './conflict-notice.ts';
import { getConflict, listConflicts, type ConflictRow, type ConflictStatus } from './conflict-store.ts';
import { ConnectionConfig, parseConnectionInput, type ProviderName } from './connection-input.ts';
import {
  countRejection,
  deleteConnection,
  findConnection,
  insertConnection,
  listConnections,
  rejectionCount,
  type Connection,
} from './connection-store.ts';
import type { TwoWayContext } from './context.ts';
import { createInboxHandler, ISSUE_WEBHOOK_JOB, storedChange, type InboxPayload, type StoredIssueEvent } from './inbox-job.ts';
import { IssueCreateInput, IssuePatchInput, parseWith, ResolutionInput } from './issue-input.ts';
import { createLocalIssue, deleteLocalIssue, resolveLocalConflict, updateLocalIssue } from './local-edit.ts';
import { getIssueRow, table, type IssueRow, type SyncStatus } from './mirror-store.ts';
import { issueKey, ISSUE_PUSH_JOB, listOutbox, type OutboxEntry, type OutboxStatus } from './outbox.ts';
import { createPollHandler, ISSUE_POLL_JOB, pollEntity, pollScheduleName } from './poll-job.ts';
import { createPushHandler } from './push-job.ts';
import { listLog, type LogFilter, type SyncLogRow } from './sync-log.ts';
import { newestFirst } from './newest-first.ts';

export interface TwoWayServiceOptions {
  db: Db;
  schema: string;
  jobs: JobStore;
  logger: Logger;
  /** Makes a connection's provider client; default the built-in GitHub, Gitea and GitLab clients. */
  providers?: (name: ProviderName, config: Parameters<typeof createIssueProvider>[1]) => IssueProvider;
}

/** A connection as every view shows it: secrets redacted, plus the refused-webhook count. */
export type ConnectionView = Omit<Connection, 'config'> & { config: Record<string, unknown>; webhook_path: string };

export interface IssueFilter {
  connectionId?: number;
  status?: SyncStatus;
  includeDeleted?: boolean;
  limit?: number;
}

export interface IssueDetail {
  issue: IssueRow;
  conflicts: ConflictRow[];
  outbox: OutboxEntry[];
  log: SyncLogRow[];
}

export const webhookEndpoint = (connectionId: number) => `issues:${connectionId}`;

export class TwoWayService {
  private readonly o: TwoWayServiceOptions;
  private readonly ctx: TwoWayContext;
  private readonly clients = new Map<number, { key: string; provider: IssueProvider }>();

  constructor(options: TwoWayServiceOptions) {
    const o = (this.o = options);
    const make = o.providers ?? createIssueProvider;
    this.ctx = {
      db: o.db,
      schema: o.schema,
      jobs: o.jobs,
      logger: o.logger,
      providerFor: (c) => {
        // One client per connection, kept while its config is the same (it holds ETags and label ids).
        const key = JSON.stringify([c.provider, c.config]);
        const cached = this.clients.get(c.id);
        if (cached?.key === key) return cached.provider;
        const provider = make(c.provider, { baseUrl: c.config.base_url, repo: c.config.repo, token: c.config.token, ...(c.config.timeout_ms ? { timeoutMs: c.config.timeout_ms } : {}) });
        this.clients.set(c.id, { key, provider });
        return provider;
      },
    };
  }

  /** The job handlers of two-way sync; register them with every worker. */
  handlers(): Record<string, JobHandler> {
    const connectionOf = (id: number) => findConnection(this.o.db, this.o.schema, id);
    return {
      [ISSUE_WEBHOOK_JOB]: createInboxHandler(this.ctx, connectionOf),
      [ISSUE_PUSH_JOB]: createPushHandler(this.ctx, connectionOf),
      [ISSUE_POLL_JOB]: createPollHandler(this.ctx, connectionOf),
      [CONFLICT_NOTIFY_JOB]: createConflictNotifyHandler(this.ctx, connectionOf),
    };
  }

  // ── connections ────────────────────────────────────────────────────────────────────────────

  /** Validates and stores a connection and its polling schedule; returns it redacted. */
  async createConnection(input: unknown): Promise<ConnectionView> {
    const parsed = parseConnectionInput(input);
    const connection = await insertConnection(this.o.db, this.o.schema, parsed);
    try {
      await Scheduler.upsert(this.o.jobs, {
        name: pollScheduleName(connection.id),
        jobType: ISSUE_POLL_JOB,
        entityId: pollEntity(connection.id),
        payload: { connection_id: connection.id },
        everySeconds: connection.poll_interval_seconds,
      });
    } catch (err) {
      // Creating is all or nothing: no connection without its schedule.
      await deleteConnection(this.o.db, this.o.schema, connection.id);
      throw err;
    }
    return this.view(connection);
  }

  async listConnections(): Promise<ConnectionView[]> {
    return (await listConnections(this.o.db, this.o.schema)).map((c) => this.view(c));
  }

  async getConnection(ref: string | number): Promise<ConnectionView & { rejected_webhooks: number }> {
    const c = await findConnection(this.o.db, this.o.schema, ref);
    return { ...this.view(c), rejected_webhooks: await rejectionCount(this.o.db, this.o.schema, webhookEndpoint(c.id)) };
  }

  /** Starts a poll now (one active per connection; a duplicate returns the running one). */
  async poll(ref: string | number, options: { full?: boolean } = {}) {
    const c = await findConnection(this.o.db, this.o.schema, ref);
    return this.o.jobs.enqueue({ jobType: ISSUE_POLL_JOB, entityId: pollEntity(c.id), payload: { connection_id: c.id, ...(options.full ? { full: true } : {}) } });
  }

  // ── webhooks ───────────────────────────────────────────────────────────────────────────────

  /**
   * A delivery for `POST /webhooks/{provider}/{connection}`: verified on the raw body (a missing or bad
   * signature is counted and refused with AuthError, nothing stored), parsed (ValidationError), then
   * stored with its job before this returns; a redelivery returns the first copy with `duplicate`.
   */
  async receiveWebhook(providerName: string, ref: string, request: IssueWebhookRequest): Promise<Received> {
    if (!/^\d{1,15}$/.test(ref)) throw new NotFound(`no webhook endpoint for connection ${JSON.stringify(ref)}`, { detail: { connection: ref } });
    const connection = await findConnection(this.o.db, this.o.schema, Number(ref)).catch(() => undefined);
    if (!connection || connection.provider !== providerName) throw new NotFound(`no ${providerName} webhook endpoint for connection ${ref}`, { detail: { connection: ref } });
    const provider = this.ctx.providerFor(connection);
    const endpoint = webhookEndpoint(connection.id);
    try {
      provider.verifyWebhook(request, connection.config.webhook_secret);
    } catch (err) {
      if (err instanceof AuthError) {
        await countRejection(this.o.db, this.o.schema, endpoint, err.message, this.o.jobs.clock.now());
        this.o.logger.warn({ event: 'twoway.webhook_rejected', connection_id: connection.id, provider: providerName, reason: err.message });
      }
      throw err;
    }
    const event = provider.parseWebhook(request);
    const change = event.change;
    const stored: StoredIssueEvent = { event: event.event, action: event.action, change: storedChange(change), raw: event.payload };
    const externalId = change === null ? undefined : change.kind === 'upsert' ? change.issue.externalId : change.externalId;
    return storeDelivery(this.o.db, this.o.schema, this.o.jobs, endpoint, { id: event.deliveryId, type: event.action ? `${event.event}.${event.action}` : event.event, payload: stored }, {
      jobType: ISSUE_WEBHOOK_JOB,
      payload: (deliveryId) => ({ delivery_id: deliveryId, connection_id: connection.id }) satisfies InboxPayload,
      concurrencyKey: externalId === undefined ? undefined : issueKey(connection.id, externalId, 0),
    });
  }

  async webhookDeliveries(ref: string | number, limit = 50): Promise<StoredDelivery[]> {
    const c = await findConnection(this.o.db, this.o.schema, ref);
    return listDeliveries(this.o.db, this.o.schema, webhookEndpoint(c.id), limit);
  }

  // ── the mirror ─────────────────────────────────────────────────────────────────────────────

  listIssues(filter: IssueFilter = {}): Promise<IssueRow[]> {
    return newestFirst<IssueRow>(this.o.db, this.o.schema, 'issues', { connection_id: filter.connectionId, sync_status: filter.status }, {
      limit: filter.limit,
      also: filter.includeDeleted ? [] : ['deleted_at is null'],
    });
  }

  async getIssue(id: number): Promise<IssueDetail> {
    const issue = await getIssueRow(this.o.db, this.o.schema, id);
    const [conflicts, outbox, log] = await Promise.all([
      listConflicts(this.o.db, this.o.schema, { issueId: id }),
      listOutbox(this.o.db, this.o.schema, { issueId: id, limit: 50 }),
      listLog(this.o.db, this.o.schema, { issueId: id, limit: 50 }),
    ]);
    return { issue, conflicts, outbox, log };
  }

  /** A new issue made here; the outbox creates it on the provider. */
  async createIssue(connectionRef: string | number, input: unknown): Promise<IssueRow> {
    const connection = await findConnection(this.o.db, this.o.schema, connectionRef);
    return createLocalIssue(this.ctx, connection, parseWith(IssueCreateInput, input, 'issue'));
  }

  async updateIssue(id: number, input: unknown, ifVersion?: number): Promise<IssueRow> {
    const patch = parseWith(IssuePatchInput, input, 'issue change');
    const row = await getIssueRow(this.o.db, this.o.schema, id);
    const connection = await findConnection(this.o.db, this.o.schema, row.connection_id);
    return updateLocalIssue(this.ctx, connection, id, patch, ifVersion);
  }

  async deleteIssue(id: number): Promise<IssueRow> {
    const row = await getIssueRow(this.o.db, this.o.schema, id);
    const connection = await findConnection(this.o.db, this.o.schema, row.connection_id);
    if (row.external_id !== null && !this.ctx.providerFor(connection).canDelete) {
      throw new ValidationError(`${connection.provider}'s API cannot delete issues; close it instead (state: "closed")`, { detail: { field: 'issue', provider: connection.provider } });
    }
    return deleteLocalIssue(this.ctx, connection, id);
  }

  // ── conflicts, outbox, log ─────────────────────────────────────────────────────────────────

  listConflicts(filter: { status?: ConflictStatus; issueId?: number; limit?: number } = {}): Promise<ConflictRow[]> {
    return listConflicts(this.o.db, this.o.schema, filter);
  }

  getConflict(id: number): Promise<ConflictRow> {
    return getConflict(this.o.db, this.o.schema, id);
  }

  /** Resolve by choosing a side (`{ choice: 'local' | 'remote' }`) or entering a value (`{ value }`). */
  async resolveConflict(id: number, input: unknown): Promise<{ conflict: ConflictRow; issue: IssueRow }> {
    const parsed = parseWith(ResolutionInput, input, 'resolution');
    const conflict = await getConflict(this.o.db, this.o.schema, id);
    const row = await getIssueRow(this.o.db, this.o.schema, conflict.issue_id);
    const connection = await findConnection(this.o.db, this.o.schema, row.connection_id);
    if ('choice' in parsed) return resolveLocalConflict(this.ctx, connection, id, parsed.choice);
    // An entered value obeys the rules of its field (a title is not blank, a state is open or closed).
    const checked = IssuePatchInput.safeParse({ [conflict.field]: parsed.value });
    if (!checked.success) {
      const message = checked.error.issues[0]?.message ?? 'invalid';
      throw new ValidationError(`invalid resolution: value: ${message} (for ${conflict.field})`, { detail: { issues: [{ field: 'value', message }] } });
    }
    return resolveLocalConflict(this.ctx, connection, id, { value: String(checked.data[conflict.field]) });
  }

  listOutbox(filter: { status?: OutboxStatus; issueId?: number; limit?: number } = {}): Promise<OutboxEntry[]> {
    return listOutbox(this.o.db, this.o.schema, filter);
  }

  /**
   * Pushes a dead outbox entry again: a replay of its push job (linked to the one that gave up). The
   * entry is pending again until the push succeeds or gives up once more.
   */
  async replayOutbox(id: number): Promise<OutboxEntry> {
    const t = table(this.o.schema, 'issue_outbox');
    const { rows } = await this.o.db.query<OutboxEntry>(`select * from ${t} where id = $1`, [id]);
    const entry = rows[0];
    if (!entry) throw new NotFound(`outbox entry ${id} not found`, { detail: { outbox_id: id } });
    if (entry.status !== 'dead' || entry.job_id === null) {
      throw new Conflict(`outbox entry ${id} is ${entry.status}: only dead entries are replayed`, { detail: { outbox_id: id, status: entry.status } });
    }
    const { job } = await this.o.jobs.replay(entry.job_id);
    const { rows: updated } = await this.o.db.query<OutboxEntry>(`update ${t} set status = 'pending', job_id = $2 where id = $1 and status = 'dead' returning *`, [id, job.id]);
    return updated[0] ?? { ...entry, job_id: job.id };
  }

  syncLog(filter: LogFilter = {}): Promise<SyncLogRow[]> {
    return listLog(this.o.db, this.o.schema, filter);
  }

  private view(c: Connection): ConnectionView {
    return { ...c, config: redactConfig(c.config, ConnectionConfig) as Record<string, unknown>, webhook_path: `/webhooks/${c.provider}/${c.id}` };
  }
}
