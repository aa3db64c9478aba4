/**
 * The ingest half of the webhook benchmark: a server process per variant, autocannon POSTing signed
 * GitHub deliveries at it (every request a delivery id of its own, the issue numbers spread over the
 * bodies), and the check that every 2xx is a stored delivery with its job.
 */
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { quoteIdent } from '../../src/db/ident.ts';
import { withClient } from '../lib/pg.ts';
import { startServerProcess, type ServerProcess } from '../lib/server-process.ts';
import type { SignedBody } from './payloads.ts';

export type Variant = 'bare' | 'verify' | 'stored';

export type Server = ServerProcess;

export function startServer(kind: Variant, env: NodeJS.ProcessEnv, args: string[] = []): Promise<Server> {
  return startServerProcess(new URL('./server.ts', import.meta.url), [kind, ...args], env);
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** Requests written but never answered when autocannon stopped. */
  unanswered: number;
  /** Delivery ids of 2xx answers that said `duplicate: false` (stored variant), and of those saying `duplicate: true`. */
  storedIds: string[];
  /** Every delivery id the load generator made (some may never have been sent). */
  madeIds: Set<string>;
  duplicates: number;
}

/** `connections` keep-alive connections for `seconds`, each request a fresh delivery of one of `bodies`, round robin. */
export async function load(url: string, bodies: readonly SignedBody[], connections: number, seconds: number): Promise<LoadResult> {
  let n = 0;
  const storedIds: string[] = [];
  const madeIds = new Set<string>();
  let duplicates = 0;
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => {
          const b = bodies[n++ % bodies.length]!;
          const id = randomUUID();
          madeIds.add(id);
          return { ...req, body: b.body, headers: { ...b.headers, 'x-github-delivery': id } };
        },
        onResponse: (status, body) => {
          if (status < 200 || status > 299) return;
          // Parsed for every variant, so the load generator does the same work against each.
          const r = JSON.parse(body) as { received?: true; duplicate?: boolean; event_id?: string };
          if (!r.received) return;
          if (r.duplicate) duplicates++;
          else storedIds.push(r.event_id!);
        },
      },
    ],
  });
  const answered = result['2xx'] + result.non2xx;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    unanswered: Math.max(0, result.requests.sent - answered),
    storedIds,
    madeIds,
    duplicates,
  };
}

export interface StoreCounts {
  deliveries: number;
  jobs: number;
  withoutJob: number;
  /** The newest delivery row's id (0 when none): rows after it are the next run's. */
  maxId: number;
  /** The server's WAL position, in bytes (the whole server's: other databases' writes count too). */
  walBytes: number;
}

export async function storeCounts(dbUrl: string, schema: string, endpoint: string): Promise<StoreCounts> {
  const s = quoteIdent(schema);
  return withClient(dbUrl, async (c) => {
    const { rows } = await c.query<{ deliveries: string; jobs: string; without_job: string; max_id: string; wal: string }>(
      `select (select count(*) from ${s}.webhook_deliveries where endpoint = $1) as deliveries,
              pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint as wal,
              (select coalesce(max(id), 0) from ${s}.webhook_deliveries) as max_id,
              (select count(*) from ${s}.jobs where job_type = 'issue_webhook') as jobs,
              (select count(*) from ${s}.webhook_deliveries where endpoint = $1 and job_id is null) as without_job`,
      [endpoint],
    );
    const r = rows[0]!;
    return { deliveries: Number(r.deliveries), jobs: Number(r.jobs), withoutJob: Number(r.without_job), maxId: Number(r.max_id), walBytes: Number(r.wal) };
  });
}

/** The delivery ids stored after row `afterId` for `endpoint`, each with whether its job exists. */
export async function storedSince(dbUrl: string, schema: string, endpoint: string, afterId: number): Promise<Map<string, boolean>> {
  const s = quoteIdent(schema);
  return withClient(dbUrl, async (c) => {
    const { rows } = await c.query<{ delivery_id: string; has_job: boolean }>(
      `select d.delivery_id, j.id is not null as has_job from ${s}.webhook_deliveries d left join ${s}.jobs j on j.id = d.job_id
        where d.endpoint = $1 and d.id > $2`,
      [endpoint, afterId],
    );
    return new Map(rows.map((r) => [r.delivery_id, r.has_job]));
  });
}
