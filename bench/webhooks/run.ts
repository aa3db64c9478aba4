/**
 * Webhook benchmark (`npm run bench:webhooks`):
 *
 * 1. Ingest: verified, durably stored GitHub deliveries per second and their latency (autocannon, in
 *    this process) against the real server (a child process) on Postgres — `POST
 *    /webhooks/github/{connection}` with real-shaped, signed `issues`/`edited` bodies over a few hundred
 *    issues, every request a delivery id of its own, so each is verified and stored (inbox row and job in
 *    one transaction before the 200). No worker runs. Beside it, in the same run and with the same
 *    requests: a bare Hono handler (the ceiling) and the real app verifying and parsing without the
 *    database. Afterwards every 2xx must be a stored delivery with its job (else exit 1).
 * 2. Remote edit → local mirror: a fake GitHub delivering its webhooks as edits happen, a worker
 *    applying them; p50/p95/p99/max from the edit until the mirror row shows it.
 *
 *   BENCH_SECONDS (10)            per measured load run (plus a 2 s warm-up per server)
 *   BENCH_CONNECTIONS (10,50)     autocannon connections, one run each
 *   BENCH_POOL (20)               the stored server's Postgres pool
 *   BENCH_ISSUES (300)            distinct issues the ingest bodies are about
 *   BENCH_EDITS (300)             remote edits timed; BENCH_MIRROR_ISSUES (50) issues they go round
 *   BENCH_DATABASE_URL            else DATABASE_URL, else TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { createPgDb } from '../../src/db/pg-driver.ts';
import { startFakeGitHub } from '../../src/fakes/git/github/index.ts';
import { createSyncBridge } from '../../src/syncbridge.ts';
import { webhookEndpoint } from '../../src/twoway/service.ts';
import { dropSchema, withClient } from '../lib/pg.ts';
import { fmt, percentile } from '../lib/stats.ts';
import { markdownTable } from '../lib/table.ts';
import { sleep } from '../lib/time.ts';
import { load, startServer, storeCounts, storedSince, type LoadResult, type Variant } from './ingest.ts';
import { mirrorLatency, type EditSample } from './mirror.ts';
import { editedDeliveries } from './payloads.ts';

const positive = (name: string, fallback: number) => {
  const v = Number(process.env[name] || fallback);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} must be a positive integer, got ${process.env[name]}`);
  return v;
};
const seconds = positive('BENCH_SECONDS', 10);
const connectionCounts = (process.env.BENCH_CONNECTIONS || '10,50').split(',').map(Number);
const issueCount = positive('BENCH_ISSUES', 300);
const edits = positive('BENCH_EDITS', 300);
const mirrorIssues = positive('BENCH_MIRROR_ISSUES', 50);
const poolSize = positive('BENCH_POOL', 20);
const dbUrl = process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL || process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const REPO = 'octocat/hello-world';
const SECRET = 'bench-secret-123';
const INGEST_SCHEMA = 'sbbench_wh_ingest';
const MIRROR_SCHEMA = 'sbbench_wh_mirror';
const POLL_MS = 50;

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const failures: string[] = [];

const VARIANTS: { kind: Variant; label: string }[] = [
  { kind: 'bare', label: 'bare Hono handler (ceiling)' },
  { kind: 'verify', label: 'SyncBridge app, verify + parse only (no database)' },
  { kind: 'stored', label: 'SyncBridge, verified + stored (inbox row + job, one commit)' },
];

interface Row {
  kind: Variant;
  label: string;
  connections: number;
  r: LoadResult;
  /** Stored variant: rows that appeared during the run, and how many of the 2xx ids are stored with a job. */
  stored?: { delivered: number; jobs: number; okStored: number; walBytes: number };
}

async function ingest(connectionId: number, webhookPath: string): Promise<Row[]> {
  const bodies = await editedDeliveries(REPO, SECRET, issueCount);
  log(`ingest: ${bodies.length} signed issues.edited bodies, ${fmt(Buffer.byteLength(bodies[0]!.body))} bytes each`);
  const endpoint = webhookEndpoint(connectionId);
  const env = { ...process.env, BENCH_DATABASE_URL: dbUrl, BENCH_POOL: String(poolSize) };
  const rows: Row[] = [];
  for (const v of VARIANTS) {
    const server = await startServer(v.kind, env, v.kind === 'bare' ? [] : [INGEST_SCHEMA, String(connectionId)]);
    const url = `${server.url}${v.kind === 'bare' ? '/h' : webhookPath}`;
    try {
      await load(url, bodies, connectionCounts[0]!, 2); // warm-up: JIT, pools
      for (const c of connectionCounts) {
        await sleep(500); // requests in flight when the previous run stopped still commit
        const before = v.kind === 'stored' ? await storeCounts(dbUrl, INGEST_SCHEMA, endpoint) : undefined;
        const r = await load(url, bodies, c, seconds);
        const row: Row = { kind: v.kind, label: v.label, connections: c, r };
        log(`${v.label}, c=${c}: ${fmt(r.rps)} req/s, p99 ${r.p99} ms`);
        if (before) {
          await sleep(500);
          const after = await storeCounts(dbUrl, INGEST_SCHEMA, endpoint);
          const since = await storedSince(dbUrl, INGEST_SCHEMA, endpoint, before.maxId);
          row.stored = {
            delivered: after.deliveries - before.deliveries,
            jobs: after.jobs - before.jobs,
            okStored: r.storedIds.filter((id) => since.get(id) === true).length,
            walBytes: after.walBytes - before.walBytes,
          };
          check(row, since, after.withoutJob);
        }
        rows.push(row);
      }
    } finally {
      await server.stop();
    }
  }
  return rows;
}

/**
 * A 2xx is a promise that the delivery and its job are committed: hold the run to it. The rows stored
 * during a run must be exactly the 2xx answers plus some of the requests autocannon had written but not
 * seen answered when it stopped (the server finishes those; nobody reads the 200).
 */
function check(row: Row, since: Map<string, boolean>, withoutJob: number) {
  const { r, stored } = row;
  const at = `stored, c=${row.connections}`;
  if (!stored) return;
  if (r.storedIds.length + r.duplicates !== r.ok) failures.push(`${at}: ${r.ok} 2xx but ${r.storedIds.length + r.duplicates} answers read as receipts`);
  if (r.duplicates > 0) failures.push(`${at}: ${r.duplicates} answers said duplicate (every request had a fresh delivery id)`);
  if (stored.okStored !== r.storedIds.length) failures.push(`${at}: ${r.storedIds.length - stored.okStored} of ${r.storedIds.length} acknowledged deliveries are not stored with a job`);
  if (since.size !== stored.delivered) failures.push(`${at}: ${stored.delivered} rows counted but ${since.size} listed`);
  if (stored.jobs !== stored.delivered) failures.push(`${at}: ${stored.delivered} deliveries stored but ${stored.jobs} jobs`);
  if (withoutJob > 0) failures.push(`${at}: ${withoutJob} stored deliveries have no job`);
  const acknowledged = new Set(r.storedIds);
  const extra = [...since.keys()].filter((id) => !acknowledged.has(id));
  const foreign = extra.filter((id) => !r.madeIds.has(id)).length;
  if (foreign > 0) failures.push(`${at}: ${foreign} stored deliveries were not made by this run`);
  if (extra.length > r.unanswered) failures.push(`${at}: ${extra.length} stored deliveries without a 2xx, but only ${r.unanswered} requests were unanswered at the stop`);
  if (r.non2xx > 0 || r.errors > 0) failures.push(`${at}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
}

async function settings() {
  return withClient(dbUrl, async (c) => {
    const get = async (name: string) => (await c.query<Record<string, string>>(`show ${name}`)).rows[0]![name]!;
    return { version: await get('server_version'), fsync: await get('fsync'), synchronous_commit: await get('synchronous_commit'), shared_buffers: await get('shared_buffers') };
  });
}

function latencyRow(label: string, xs: number[]): string[] {
  return [label, String(xs.length), fmt(percentile(xs, 50), 1), fmt(percentile(xs, 95), 1), fmt(percentile(xs, 99), 1), fmt(Math.max(...xs), 1), String(xs.filter((x) => x >= POLL_MS).length)];
}

async function main() {
  const pgSettings = await settings();
  const startedAt = new Date();
  const loadStart = loadavg()[0]!.toFixed(2);
  await dropSchema(dbUrl, INGEST_SCHEMA);
  await dropSchema(dbUrl, MIRROR_SCHEMA);
  let rows: Row[] = [];
  let samples: EditSample[] = [];
  let mirrorNotes = '';
  try {
    // The ingest connection: its base_url is a fake GitHub, never called (no worker runs in this phase).
    const fake = await startFakeGitHub({ repos: [REPO] });
    const setupDb = createPgDb({ connectionString: dbUrl, max: 2, applicationName: 'bench-webhooks-setup' });
    const engine = await createSyncBridge({ db: setupDb, schema: INGEST_SCHEMA });
    const connection = await engine.twoway.createConnection({
      name: 'bench-github',
      provider: 'github',
      config: { base_url: fake.url, repo: REPO, token: 'bench-token', webhook_secret: SECRET },
      poll_interval_seconds: 7 * 86_400,
    });
    await engine.close();
    await setupDb.close();
    try {
      rows = await ingest(connection.id, connection.webhook_path);
    } finally {
      await fake.close();
    }
    const m = await mirrorLatency({ dbUrl, schema: MIRROR_SCHEMA, repo: REPO, secret: SECRET, issues: mirrorIssues, edits, pollIntervalMs: POLL_MS, log });
    samples = m.samples;
    mirrorNotes = `${mirrorIssues} issues opened on the fake and mirrored first (${(m.seedMs / 1000).toFixed(1)} s); ${m.claimedByWorker} jobs claimed for ${samples.length} edits; failed webhook deliveries: ${m.deliveriesFailed}`;
    if (m.deliveriesFailed > 0) failures.push(`mirror: ${m.deliveriesFailed} webhook deliveries failed`);
  } finally {
    await dropSchema(dbUrl, INGEST_SCHEMA);
    await dropSchema(dbUrl, MIRROR_SCHEMA);
  }

  const loadEnd = loadavg()[0]!.toFixed(2);
  const bare = (c: number) => rows.find((x) => x.kind === 'bare' && x.connections === c)?.r.rps;
  const table = markdownTable(
    ['variant', 'workers', 'connections', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx + errors', '2xx', 'stored during the run', '÷ bare'],
    rows.map((x) => [
      x.label,
      x.kind === 'stored' ? 'off' : '—',
      String(x.connections),
      fmt(x.r.rps),
      fmt(x.r.p50, 1),
      fmt(x.r.p99, 1),
      fmt(x.r.non2xx + x.r.errors),
      fmt(x.r.ok),
      x.stored ? `${fmt(x.stored.delivered)} (+${fmt(x.stored.delivered - x.r.storedIds.length)} in flight at the stop)` : '—',
      `${((x.r.rps / bare(x.connections)!) * 100).toFixed(1)} %`,
    ]),
  );
  const refetched = samples.filter((s) => s.refetched);
  const latency = markdownTable(
    ['from the remote edit to…', 'edits', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', `≥ ${POLL_MS} ms (the poll interval)`],
    [
      latencyRow('the mirror row shows the new title (SQL)', samples.map((s) => s.visible)),
      latencyRow('the delivery is stored (inbox row + job committed)', samples.map((s) => s.stored)),
      latencyRow('the issue_webhook handler starts', samples.map((s) => s.handlerStart)),
      latencyRow('(stored → handler start: the NOTIFY wake-up and the claim)', samples.map((s) => s.handlerStart - s.stored)),
      latencyRow('(the handler itself: start → end)', samples.map((s) => s.handler)),
      ...(refetched.length > 0 ? [latencyRow('…shows it, edits read again from the fake', refetched.map((s) => s.visible))] : []),
    ],
  );
  const meta = `${startedAt.toISOString().replace(/\.\d+Z$/, 'Z')}, Node ${process.version}, Postgres ${pgSettings.version} (fsync ${pgSettings.fsync}, synchronous_commit ${pgSettings.synchronous_commit}, shared_buffers ${pgSettings.shared_buffers}), ${cpus().length} cores, load average ${loadStart} at the start, ${loadEnd} at the end`;
  const out = [
    '',
    `Webhook benchmark — ${meta}`,
    '',
    `Ingest: POST of a signed GitHub issues.edited delivery (${issueCount} issues round robin, a fresh X-GitHub-Delivery per request), ${seconds} s per run after a 2 s warm-up; stored server pool ${poolSize}; no worker running.`,
    '',
    table,
    '',
    ...rows
      .filter((x) => x.stored)
      .map(
        (x) =>
          `Check, c=${x.connections}: ${fmt(x.r.ok)} 2xx, and ${fmt(x.stored!.okStored)} of their delivery ids stored, each with its job; ${fmt(x.stored!.delivered)} deliveries and ${fmt(x.stored!.jobs)} jobs stored during the run — ` +
          `the 2xx plus ${x.stored!.delivered - x.r.storedIds.length} of the ${x.r.unanswered} requests autocannon had sent but not seen answered when it stopped. ` +
          `WAL written meanwhile: ${fmt(x.stored!.walBytes / x.stored!.delivered / 1024, 1)} KiB per delivery.`,
      ),
    '',
    `Remote edit → local mirror: ${samples.length} edits one at a time, 10–20 ms apart, round robin over ${mirrorNotes}; worker concurrency 4, pollIntervalMs ${POLL_MS}; ${refetched.length} edits went through a re-read of the issue.`,
    '',
    latency,
    '',
    failures.length ? `FAILED:\n${failures.map((f) => `- ${f}`).join('\n')}` : 'All checks passed: every 2xx is a stored delivery with its job.',
  ].join('\n');
  console.log(out);
  await mkdir(new URL('../.results/', import.meta.url), { recursive: true });
  const file = new URL(`../.results/webhooks-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url);
  await writeFile(file, JSON.stringify({ meta, rows: rows.map(({ r: { storedIds: _ids, madeIds: _made, ...r }, ...x }) => ({ ...x, r })), samples, failures }, null, 2));
  if (failures.length) process.exitCode = 1;
}

await main();
