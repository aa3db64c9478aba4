/**
 * The two-way sync API's wire format: zod schemas for requests (validated with them; the OpenAPI
 * document is generated from them) and the functions that turn stored rows into responses. snake_case,
 * times as ISO-8601 UTC with Z. Connections arrive already redacted by the service.
 */
import { z } from '@hono/zod-openapi';
import type { ConflictRow } from '../../twoway/conflict-store.ts';
import type { IssueRow } from '../../twoway/mirror-store.ts';
import type { OutboxEntry } from '../../twoway/outbox.ts';
import type { ConnectionView, IssueDetail } from '../../twoway/service.ts';
import type { SyncLogRow } from '../../twoway/sync-log.ts';

const time = z.string().openapi({ format: 'date-time', example: '2026-01-01T00:00:00.000Z' });
const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
const Id = z.string().regex(/^\d{1,15}$/, 'an id (digits)');

export const IdParam = z.object({ id: Id.openapi({ param: { name: 'id', in: 'path' }, example: '1' }) });
export const ConnectionRefParam = z.object({
  ref: z.string().min(1).max(200).openapi({ param: { name: 'ref', in: 'path' }, description: 'Connection id or name', example: 'octo-issues' }),
});

const Limit = z.coerce.number().int().min(1).max(1000).optional().openapi({ description: 'At most this many (default 100)' });
const SYNC_STATUSES = ['synced', 'pending', 'conflict', 'error'] as const;

export const IssuesQuery = z
  .object({
    connection: Id.optional().openapi({ description: 'Only this connection’s issues' }),
    status: z.enum(SYNC_STATUSES).optional(),
    include_deleted: z.enum(['true', 'false']).optional(),
    limit: Limit,
  })
  .strict();
export const ConflictsQuery = z.object({ status: z.enum(['open', 'resolved', 'superseded']).optional(), issue: Id.optional(), limit: Limit }).strict();
export const OutboxQuery = z.object({ status: z.enum(['pending', 'sent', 'dead']).optional(), issue: Id.optional(), limit: Limit }).strict();
export const LogQuery = z.object({ connection: Id.optional(), issue: Id.optional(), action: z.string().max(50).optional(), limit: Limit }).strict();
export const PatchQuery = z.object({ if_version: Id.optional().openapi({ description: 'Refuse with 409 unless the issue is at this local_version' }) }).strict();

// Bodies are checked here for shape and passed through whole (`loose`) to the service, which validates
// them strictly with the schemas the library uses — a misspelt field is refused there, naming it.
const Labels = z.array(z.string()).openapi({ example: ['bug'] });
export const ConnectionBody = z
  .object({
    name: z.string().openapi({ example: 'octo-issues' }),
    provider: z.enum(['github', 'gitea', 'gitlab']),
    config: z.object({
      base_url: z.string().openapi({ example: 'https://api.github.com' }),
      repo: z.string().openapi({ example: 'octocat/hello-world', description: 'owner/name (GitLab: the project path or id)' }),
      token: z.string().openapi({ description: 'Secret: stored, never returned' }),
      webhook_secret: z.string().openapi({ description: 'Secret: the webhook signing secret (GitLab: the token)' }),
      timeout_ms: z.number().int().optional(),
    }),
    policy: z.object({ same_field: z.enum(['conflict', 'last_writer_wins']).optional(), delete_vs_update: z.enum(['delete_wins', 'update_wins']).optional() }).optional(),
    poll_interval_seconds: z.number().int().optional().openapi({ description: 'Default 900 (15 minutes)' }),
    notify_url: z.string().nullable().optional().openapi({ description: 'POSTed a JSON notice for each new conflict' }),
  })
  .loose()
  .openapi('ConnectionInput');
export const IssueCreateBody = z
  .object({ title: z.string(), body: z.string().optional(), state: z.enum(['open', 'closed']).optional(), labels: Labels.optional(), assignees: Labels.optional() })
  .loose()
  .openapi('IssueInput');
export const IssuePatchBody = z
  .object({ title: z.string().optional(), body: z.string().optional(), state: z.enum(['open', 'closed']).optional(), labels: Labels.optional(), assignees: Labels.optional() })
  .loose()
  .openapi('IssuePatch');
export const ResolutionBody = z
  .union([z.object({ choice: z.enum(['local', 'remote']) }).loose(), z.object({ value: z.string() }).loose()])
  .openapi('ConflictResolution', { description: 'Keep one side, or enter the value both sides get' });
export const PollBody = z.object({ full: z.boolean().optional().openapi({ description: 'List every issue, not only those changed since the cursor' }) }).strict();

export const ConnectionSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    provider: z.enum(['github', 'gitea', 'gitlab']),
    config: z.record(z.string(), z.unknown()).openapi({ description: 'Secrets replaced by "********"' }),
    policy: z.record(z.string(), z.unknown()),
    poll_interval_seconds: z.number().int(),
    poll_cursor: time.nullable(),
    last_polled_at: time.nullable(),
    notify_url: z.string().nullable(),
    webhook_path: z.string().openapi({ example: '/webhooks/github/1' }),
    rejected_webhooks: z.number().int().optional().openapi({ description: 'Deliveries refused for a missing or bad signature' }),
    created_at: time,
  })
  .openapi('Connection');

export const IssueSchema = z
  .object({
    id: z.number().int(),
    connection_id: z.number().int(),
    external_id: z.string().nullable().openapi({ description: 'Null until the outbox has created it on the provider' }),
    url: z.string().nullable(),
    title: z.string(),
    body: z.string(),
    state: z.enum(['open', 'closed']),
    labels: z.array(z.string()),
    assignees: z.array(z.string()),
    deleted_at: time.nullable(),
    external_updated_at: time.nullable(),
    local_updated_at: time,
    local_version: z.number().int(),
    sync_status: z.enum(SYNC_STATUSES),
    created_at: time,
  })
  .openapi('Issue');

export const ConflictSchema = z
  .object({
    id: z.number().int(),
    issue_id: z.number().int(),
    field: z.string(),
    base_value: z.string().nullable(),
    local_value: z.string(),
    remote_value: z.string(),
    status: z.enum(['open', 'resolved', 'superseded']),
    resolution: z.enum(['local', 'remote', 'value']).nullable(),
    resolved_value: z.string().nullable(),
    created_at: time,
    resolved_at: time.nullable(),
  })
  .openapi('Conflict');

export const OutboxSchema = z
  .object({
    id: z.number().int(),
    issue_id: z.number().int(),
    op: z.enum(['create', 'update', 'delete']),
    fields: z.record(z.string(), z.unknown()).nullable(),
    status: z.enum(['pending', 'sent', 'dead']),
    job_id: z.number().int().nullable(),
    last_error: z.record(z.string(), z.unknown()).nullable(),
    created_at: time,
    sent_at: time.nullable(),
  })
  .openapi('OutboxEntry');

export const LogSchema = z
  .object({
    id: z.number().int(),
    connection_id: z.number().int(),
    issue_id: z.number().int().nullable(),
    provider: z.string(),
    direction: z.enum(['inbound', 'outbound', 'local']),
    action: z.string(),
    before: z.unknown(),
    after: z.unknown(),
    detail: z.record(z.string(), z.unknown()).nullable(),
    at: time,
  })
  .openapi('SyncLogEntry');

export const IssueDetailSchema = z
  .object({ issue: IssueSchema, conflicts: z.array(ConflictSchema), outbox: z.array(OutboxSchema), log: z.array(LogSchema) })
  .openapi('IssueDetail');
export const ResolvedSchema = z.object({ conflict: ConflictSchema, issue: IssueSchema }).openapi('ConflictResolved');

export const list = <T extends z.ZodTypeAny>(item: T, name: string) => z.object({ data: z.array(item) }).openapi(name);

export function connectionJson(c: ConnectionView & { rejected_webhooks?: number }) {
  return {
    id: c.id,
    name: c.name,
    provider: c.provider,
    config: c.config,
    policy: c.policy as Record<string, unknown>,
    poll_interval_seconds: c.poll_interval_seconds,
    poll_cursor: iso(c.poll_cursor),
    last_polled_at: iso(c.last_polled_at),
    notify_url: c.notify_url,
    webhook_path: c.webhook_path,
    ...(c.rejected_webhooks === undefined ? {} : { rejected_webhooks: c.rejected_webhooks }),
    created_at: iso(c.created_at)!,
  };
}

export function issueJson(r: IssueRow) {
  return {
    id: r.id,
    connection_id: r.connection_id,
    external_id: r.external_id,
    url: r.url,
    title: r.title,
    body: r.body,
    state: r.state,
    labels: r.labels,
    assignees: r.assignees,
    deleted_at: iso(r.deleted_at),
    external_updated_at: iso(r.external_updated_at),
    local_updated_at: iso(r.local_updated_at)!,
    local_version: r.local_version,
    sync_status: r.sync_status,
    created_at: iso(r.created_at)!,
  };
}

export function conflictJson(c: ConflictRow) {
  return { ...c, created_at: iso(c.created_at)!, resolved_at: iso(c.resolved_at) };
}

export function outboxJson(e: OutboxEntry) {
  return { ...e, created_at: iso(e.created_at)!, sent_at: iso(e.sent_at) };
}

export function logJson(l: SyncLogRow) {
  return { ...l, at: iso(l.at)! };
}

export function issueDetailJson(d: IssueDetail) {
  return { issue: issueJson(d.issue), conflicts: d.conflicts.map(conflictJson), outbox: d.outbox.map(outboxJson), log: d.log.map(logJson) };
}
