/**
 * The two-way sync API: connections (create, list, show, poll now), the local mirror of issues (list,
 * show with conflicts/outbox/log, create, edit, delete — each edit is pushed by the outbox), the conflict
 * inbox (list, show, resolve by side or value), the outbox (list, replay a dead entry) and the sync log.
 * Every rule lives in TwoWayService; this file maps HTTP onto it.
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { TwoWayService } from '../../twoway/service.ts';
import type { AppEnv } from '../env.ts';
import { asBodyError } from './body-error.ts';
import {
  ConflictSchema,
  ConflictsQuery,
  ConnectionBody,
  ConnectionRefParam,
  ConnectionSchema,
  IdParam,
  IssueCreateBody,
  IssueDetailSchema,
  IssuePatchBody,
  IssueSchema,
  IssuesQuery,
  LogQuery,
  LogSchema,
  OutboxQuery,
  OutboxSchema,
  PatchQuery,
  PollBody,
  ResolutionBody,
  ResolvedSchema,
  conflictJson,
  connectionJson,
  issueDetailJson,
  issueJson,
  list,
  logJson,
  outboxJson,
} from './issue-schemas.ts';
import { ErrorSchema, JobSchema } from './schemas.ts';
import { jobJson } from './serialize.ts';
import { z } from '@hono/zod-openapi';

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const body = <T>(schema: T, required = true) => ({ body: { content: { 'application/json': { schema } }, required } });
const errors = {
  401: json(ErrorSchema, 'Missing or wrong API token'),
  404: json(ErrorSchema, 'No such connection, issue, conflict or outbox entry'),
  422: json(ErrorSchema, 'Invalid field (named in details)'),
};
const bodyErrors = { 400: json(ErrorSchema, 'Malformed JSON'), 413: json(ErrorSchema, 'Body too large'), 415: json(ErrorSchema, 'Body is not JSON') };

const routes = {
  createConnection: createRoute({
    method: 'post',
    path: '/api/connections',
    tags: ['two-way sync'],
    summary: 'Connect a GitHub, Gitea or GitLab repository for two-way issue sync (polled every poll_interval_seconds)',
    request: body(ConnectionBody),
    responses: { 201: json(ConnectionSchema, 'Created; secrets redacted'), ...bodyErrors, ...errors },
  }),
  listConnections: createRoute({
    method: 'get',
    path: '/api/connections',
    tags: ['two-way sync'],
    summary: 'Every connection',
    responses: { 200: json(list(ConnectionSchema, 'ConnectionList'), 'Oldest first'), ...errors },
  }),
  getConnection: createRoute({
    method: 'get',
    path: '/api/connections/{ref}',
    tags: ['two-way sync'],
    summary: 'A connection, with its count of refused webhooks',
    request: { params: ConnectionRefParam },
    responses: { 200: json(ConnectionSchema, 'The connection'), ...errors },
  }),
  poll: createRoute({
    method: 'post',
    path: '/api/connections/{ref}/poll',
    tags: ['two-way sync'],
    summary: 'Poll the provider now (reconciliation): changed issues since the cursor, or every issue with `full`',
    request: { params: ConnectionRefParam, ...body(PollBody, false) },
    responses: {
      202: json(z.object({ job: JobSchema, created: z.boolean() }), 'Enqueued'),
      200: json(z.object({ job: JobSchema, created: z.boolean() }), 'A poll of this connection is already queued or running: its job'),
      ...bodyErrors,
      ...errors,
    },
  }),
  listIssues: createRoute({
    method: 'get',
    path: '/api/issues',
    tags: ['two-way sync'],
    summary: 'Mirrored issues, newest first',
    request: { query: IssuesQuery },
    responses: { 200: json(list(IssueSchema, 'IssueList'), 'The issues'), ...errors },
  }),
  createIssue: createRoute({
    method: 'post',
    path: '/api/connections/{ref}/issues',
    tags: ['two-way sync'],
    summary: 'Create an issue locally; the outbox creates it on the provider',
    request: { params: ConnectionRefParam, ...body(IssueCreateBody) },
    responses: { 201: json(IssueSchema, 'Created locally (sync_status pending)'), ...bodyErrors, ...errors },
  }),
  getIssue: createRoute({
    method: 'get',
    path: '/api/issues/{id}',
    tags: ['two-way sync'],
    summary: 'An issue with its conflicts, outbox entries and sync log',
    request: { params: IdParam },
    responses: { 200: json(IssueDetailSchema, 'The issue'), ...errors },
  }),
  updateIssue: createRoute({
    method: 'patch',
    path: '/api/issues/{id}',
    tags: ['two-way sync'],
    summary: 'Edit an issue locally; the change and its outbox entry commit together, and the outbox pushes it',
    request: { params: IdParam, query: PatchQuery, ...body(IssuePatchBody) },
    responses: { 200: json(IssueSchema, 'Edited'), 409: json(ErrorSchema, 'The issue moved past if_version, or is deleted'), ...bodyErrors, ...errors },
  }),
  deleteIssue: createRoute({
    method: 'delete',
    path: '/api/issues/{id}',
    tags: ['two-way sync'],
    summary: 'Delete an issue locally; the outbox deletes it on the provider (refused where the provider cannot delete: close it instead)',
    request: { params: IdParam },
    responses: { 200: json(IssueSchema, 'Deleted locally'), ...errors },
  }),
  listConflicts: createRoute({
    method: 'get',
    path: '/api/conflicts',
    tags: ['two-way sync'],
    summary: 'The conflict inbox: fields both sides changed, held until resolved',
    request: { query: ConflictsQuery },
    responses: { 200: json(list(ConflictSchema, 'ConflictList'), 'Newest first'), ...errors },
  }),
  getConflict: createRoute({
    method: 'get',
    path: '/api/conflicts/{id}',
    tags: ['two-way sync'],
    summary: 'A conflict: base, local and remote values',
    request: { params: IdParam },
    responses: { 200: json(ConflictSchema, 'The conflict'), ...errors },
  }),
  resolveConflict: createRoute({
    method: 'post',
    path: '/api/conflicts/{id}/resolve',
    tags: ['two-way sync'],
    summary: 'Resolve a conflict by choosing a side or entering a value; the outbox pushes the result',
    request: { params: IdParam, ...body(ResolutionBody) },
    responses: { 200: json(ResolvedSchema, 'Resolved'), 409: json(ErrorSchema, 'Already resolved or superseded'), ...bodyErrors, ...errors },
  }),
  listOutbox: createRoute({
    method: 'get',
    path: '/api/outbox',
    tags: ['two-way sync'],
    summary: 'Local changes on their way to the provider (pending), pushed (sent), or given up on (dead)',
    request: { query: OutboxQuery },
    responses: { 200: json(list(OutboxSchema, 'OutboxList'), 'Newest first'), ...errors },
  }),
  replayOutbox: createRoute({
    method: 'post',
    path: '/api/outbox/{id}/replay',
    tags: ['two-way sync'],
    summary: 'Push a dead outbox entry again (a replay of its push job)',
    request: { params: IdParam },
    responses: { 200: json(OutboxSchema, 'Pending again'), 409: json(ErrorSchema, 'The entry is not dead'), ...errors },
  }),
  syncLog: createRoute({
    method: 'get',
    path: '/api/sync-log',
    tags: ['two-way sync'],
    summary: 'What two-way sync did: direction, action, state before and after, provider, time',
    request: { query: LogQuery },
    responses: { 200: json(list(LogSchema, 'SyncLog'), 'Newest first'), ...errors },
  }),
};

const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
const rethrowBodyError = (err: unknown) => {
  throw asBodyError(err);
};

export function registerIssueRoutes(app: OpenAPIHono<AppEnv>, twoway: TwoWayService): void {
  app.openapi(routes.createConnection, async (c) => {
    const connection = await twoway.createConnection(c.req.valid('json')).catch(rethrowBodyError);
    c.header('Location', `/api/connections/${connection.id}`);
    return c.json(connectionJson(connection), 201);
  });
  app.openapi(routes.listConnections, async (c) => c.json({ data: (await twoway.listConnections()).map(connectionJson) }, 200));
  app.openapi(routes.getConnection, async (c) => c.json(connectionJson(await twoway.getConnection(c.req.valid('param').ref)), 200));
  app.openapi(routes.poll, async (c) => {
    const raw = (await c.req.text()) ? (c.req.valid('json') as { full?: boolean }) : {};
    const { job, created } = await twoway.poll(c.req.valid('param').ref, { full: raw.full === true });
    c.header('Location', `/api/jobs/${job.id}`);
    return c.json({ job: jobJson(job), created }, created ? 202 : 200);
  });

  app.openapi(routes.listIssues, async (c) => {
    const q = c.req.valid('query');
    const rows = await twoway.listIssues({
      ...(q.connection ? { connectionId: Number(q.connection) } : {}),
      ...(q.status ? { status: q.status } : {}),
      includeDeleted: q.include_deleted === 'true',
      ...(q.limit ? { limit: q.limit } : {}),
    });
    return c.json({ data: rows.map(issueJson) }, 200);
  });
  app.openapi(routes.createIssue, async (c) => {
    const issue = await twoway.createIssue(c.req.valid('param').ref, c.req.valid('json')).catch(rethrowBodyError);
    c.header('Location', `/api/issues/${issue.id}`);
    return c.json(issueJson(issue), 201);
  });
  app.openapi(routes.getIssue, async (c) => c.json(issueDetailJson(await twoway.getIssue(Number(c.req.valid('param').id))), 200));
  app.openapi(routes.updateIssue, async (c) => {
    const issue = await twoway.updateIssue(Number(c.req.valid('param').id), c.req.valid('json'), num(c.req.valid('query').if_version)).catch(rethrowBodyError);
    return c.json(issueJson(issue), 200);
  });
  app.openapi(routes.deleteIssue, async (c) => c.json(issueJson(await twoway.deleteIssue(Number(c.req.valid('param').id)).catch(rethrowBodyError)), 200));

  app.openapi(routes.listConflicts, async (c) => {
    const q = c.req.valid('query');
    const rows = await twoway.listConflicts({ ...(q.status ? { status: q.status } : {}), ...(q.issue ? { issueId: Number(q.issue) } : {}), ...(q.limit ? { limit: q.limit } : {}) });
    return c.json({ data: rows.map(conflictJson) }, 200);
  });
  app.openapi(routes.getConflict, async (c) => c.json(conflictJson(await twoway.getConflict(Number(c.req.valid('param').id))), 200));
  app.openapi(routes.resolveConflict, async (c) => {
    const { conflict, issue } = await twoway.resolveConflict(Number(c.req.valid('param').id), c.req.valid('json')).catch(rethrowBodyError);
    return c.json({ conflict: conflictJson(conflict), issue: issueJson(issue) }, 200);
  });

  app.openapi(routes.listOutbox, async (c) => {
    const q = c.req.valid('query');
    const rows = await twoway.listOutbox({ ...(q.status ? { status: q.status } : {}), ...(q.issue ? { issueId: Number(q.issue) } : {}), ...(q.limit ? { limit: q.limit } : {}) });
    return c.json({ data: rows.map(outboxJson) }, 200);
  });
  app.openapi(routes.replayOutbox, async (c) => c.json(outboxJson(await twoway.replayOutbox(Number(c.req.valid('param').id))), 200));
  app.openapi(routes.syncLog, async (c) => {
    const q = c.req.valid('query');
    const rows = await twoway.syncLog({
      ...(q.connection ? { connectionId: Number(q.connection) } : {}),
      ...(q.issue ? { issueId: Number(q.issue) } : {}),
      ...(q.action ? { action: q.action } : {}),
      ...(q.limit ? { limit: q.limit } : {}),
    });
    return c.json({ data: rows.map(logJson) }, 200);
  });
}
