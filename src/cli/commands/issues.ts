/**
 * `syncbridge issues …`: two-way issue sync from the shell — connect a repository from a JSON file, list
 * connections, the mirror and the conflict inbox, resolve a conflict, poll now. --json prints what the
 * HTTP API returns; secrets are "********" in every output. The pushes, webhooks and polls themselves run
 * on the workers (`syncbridge serve` / `worker`).
 */
import { defineCommand } from 'citty';
import { conflictJson, connectionJson, issueDetailJson, issueJson } from '../../http/api/issue-schemas.ts';
import { jobJson } from '../../http/api/serialize.ts';
import type { ConflictRow } from '../../twoway/conflict-store.ts';
import type { IssueRow, SyncStatus } from '../../twoway/mirror-store.ts';
import { jsonArg, print, UsageError, withEngine } from '../context.ts';
import { readJsonFile } from '../read-json.ts';

const STATUSES: readonly SyncStatus[] = ['synced', 'pending', 'conflict', 'error'];
const oneLine = (s: string, max = 60) => {
  const flat = s.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};
const positiveId = (raw: string, what: string) => {
  if (!/^\d{1,15}$/.test(raw)) throw new UsageError(`${what} must be a number, got ${JSON.stringify(raw)}`);
  return Number(raw);
};

function issueLine(i: IssueRow): string {
  const ext = i.external_id === null ? '(not yet created)' : `#${i.external_id}`;
  return `${String(i.id).padStart(6)}  ${ext.padEnd(18)} ${i.sync_status.padEnd(8)} ${i.state.padEnd(6)} ${oneLine(i.title)}${i.labels.length ? `  [${i.labels.join(', ')}]` : ''}`;
}

function conflictLines(c: ConflictRow): string {
  return [
    `conflict ${c.id} on issue ${c.issue_id}, field ${c.field} (${c.status})`,
    `  base:   ${c.base_value === null ? '(none)' : oneLine(c.base_value, 100)}`,
    `  local:  ${oneLine(c.local_value, 100)}`,
    `  remote: ${oneLine(c.remote_value, 100)}`,
  ].join('\n');
}

const connect = defineCommand({
  meta: { name: 'connect', description: 'Connect a repository from a JSON file (name, provider, config{base_url, repo, token, webhook_secret}, policy, poll_interval_seconds, notify_url)' },
  args: { file: { type: 'string', alias: 'f', description: 'Path to the connection JSON, or - to read stdin' }, ...jsonArg },
  async run({ args }) {
    const input = await readJsonFile(args.file, 'the connection');
    const c = await withEngine((e) => e.twoway.createConnection(input));
    print(connectionJson(c), args.json, () => `connected ${c.provider} ${String(c.config.repo)} as connection ${c.id} "${c.name}"; point its webhook at ${c.webhook_path}`);
  },
});

const connections = defineCommand({
  meta: { name: 'connections', description: 'List connections' },
  args: { ...jsonArg },
  async run({ args }) {
    const list = await withEngine((e) => e.twoway.listConnections());
    print(list.map(connectionJson), args.json, () =>
      list.length === 0
        ? 'no connections (create one with: syncbridge issues connect --file connection.json)'
        : list.map((c) => `${String(c.id).padStart(4)}  ${c.name.padEnd(20)} ${c.provider.padEnd(7)} ${String(c.config.repo).padEnd(30)} ${c.webhook_path}  polled ${c.last_polled_at?.toISOString() ?? 'never'}`).join('\n'),
    );
  },
});

const list = defineCommand({
  meta: { name: 'list', description: 'List mirrored issues, newest first' },
  args: {
    connection: { type: 'string', description: 'Only this connection (id)' },
    status: { type: 'string', description: `Only this sync status: ${STATUSES.join(', ')}` },
    limit: { type: 'string', description: 'At most this many (default 50, max 1000)', default: '50' },
    ...jsonArg,
  },
  async run({ args }) {
    if (args.status !== undefined && !STATUSES.includes(args.status as SyncStatus)) throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`);
    const limit = Number(args.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit must be an integer from 1 to 1000');
    const rows = await withEngine((e) =>
      e.twoway.listIssues({
        ...(args.connection ? { connectionId: positiveId(args.connection, '--connection') } : {}),
        ...(args.status ? { status: args.status as SyncStatus } : {}),
        limit,
      }),
    );
    print(rows.map(issueJson), args.json, () => (rows.length === 0 ? 'no issues' : rows.map(issueLine).join('\n')));
  },
});

const show = defineCommand({
  meta: { name: 'show', description: 'Show an issue with its open conflicts, outbox entries and sync log' },
  args: { id: { type: 'positional', description: 'Mirror issue id', required: true }, ...jsonArg },
  async run({ args }) {
    const d = await withEngine((e) => e.twoway.getIssue(positiveId(args.id, 'the issue id')));
    print(issueDetailJson(d), args.json, () =>
      [
        issueLine(d.issue),
        ...d.conflicts.filter((c) => c.status === 'open').map(conflictLines),
        ...d.outbox.map((o) => `outbox ${o.id}: ${o.op} ${o.status}${o.last_error ? ` — ${String(o.last_error.message)}` : ''}`),
        ...d.log.slice(0, 10).map((l) => `${l.at.toISOString()}  ${l.direction.padEnd(8)} ${l.action}`),
      ].join('\n'),
    );
  },
});

const conflicts = defineCommand({
  meta: { name: 'conflicts', description: 'The conflict inbox: open conflicts with base, local and remote values' },
  args: { ...jsonArg },
  async run({ args }) {
    const rows = await withEngine((e) => e.twoway.listConflicts({ status: 'open' }));
    print(rows.map(conflictJson), args.json, () => (rows.length === 0 ? 'no open conflicts' : rows.map(conflictLines).join('\n')));
  },
});

const resolve = defineCommand({
  meta: { name: 'resolve', description: 'Resolve a conflict: keep one side (--local / --remote) or enter a value (--value)' },
  args: {
    id: { type: 'positional', description: 'Conflict id', required: true },
    local: { type: 'boolean', description: 'Keep the local value' },
    remote: { type: 'boolean', description: 'Keep the provider’s value' },
    value: { type: 'string', description: 'The value both sides get' },
    ...jsonArg,
  },
  async run({ args }) {
    const chosen = [args.local && 'local', args.remote && 'remote', args.value !== undefined && 'value'].filter(Boolean);
    if (chosen.length !== 1) throw new UsageError('give exactly one of --local, --remote, --value');
    const input = args.value !== undefined ? { value: args.value } : { choice: args.local ? 'local' : 'remote' };
    const { conflict, issue } = await withEngine((e) => e.twoway.resolveConflict(positiveId(args.id, 'the conflict id'), input));
    print({ conflict: conflictJson(conflict), issue: issueJson(issue) }, args.json, () => `resolved conflict ${conflict.id} (${conflict.field} = ${oneLine(conflict.resolved_value ?? '')}); the outbox pushes it`);
  },
});

const poll = defineCommand({
  meta: { name: 'poll', description: 'Enqueue a poll of a connection now (reconciliation)' },
  args: { ref: { type: 'positional', description: 'Connection id or name', required: true }, full: { type: 'boolean', description: 'List every issue, not only those changed since the cursor' }, ...jsonArg },
  async run({ args }) {
    const { job, created } = await withEngine((e) => e.twoway.poll(args.ref, { full: args.full === true }));
    print({ job: jobJson(job), created }, args.json, () => (created ? `enqueued poll job ${job.id}` : `a poll is already queued or running: job ${job.id} (${job.status})`));
  },
});

export default defineCommand({
  meta: { name: 'issues', description: 'Two-way issue sync with GitHub, Gitea and GitLab: connections, the mirror, conflicts' },
  subCommands: { connect, connections, list, show, conflicts, resolve, poll },
});
