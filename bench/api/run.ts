/**
 * API benchmark: enqueue requests per second and latency (autocannon) against the real server on
 * PGlite and on Postgres, beside a bare Hono handler on the same machine as the ceiling. Each request
 * enqueues a distinct entity, so every one is a real insert. `npm run bench:api`
 * (BENCH_SECONDS, default 10; BENCH_CONNECTIONS, default 50).
 */
import autocannon from 'autocannon';
import { dropSchema, serverVersion } from '../lib/pg.ts';
import { fmt } from '../lib/stats.ts';
import { markdownTable } from '../lib/table.ts';
import { startServerProcess } from '../lib/server-process.ts';

const seconds = Number(process.env.BENCH_SECONDS || 10);
const connections = Number(process.env.BENCH_CONNECTIONS || 50);
const dbUrl = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';


async function load(url: string, duration: number) {
  let n = 0;
  const result = await autocannon({
    url: `${url}/api/jobs/noop`,
    connections,
    duration,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: JSON.stringify({ entity_id: `e_${process.pid}_${n++}` }) }),
      },
    ],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    errors: result.errors + result.non2xx + result.timeouts,
  };
}

const rows: string[][] = [];
const measured: Record<string, number> = {};
await dropSchema(dbUrl, 'sbbench_api');
for (const [label, kind] of [
  ['bare Hono handler (ceiling)', 'bare'],
  ['SyncBridge API on PGlite', 'pglite'],
  ['SyncBridge API on Postgres', 'pg'],
] as const) {
  const server = await startServerProcess(new URL('./server.ts', import.meta.url), [kind]);
  try {
    await load(server.url, 2); // warm-up: JIT, pools, PGlite's first pages
    const r = await load(server.url, seconds);
    measured[kind] = r.rps;
    rows.push([label, fmt(r.rps), fmt(r.p50, 1), fmt(r.p99, 1), fmt(r.ok), fmt(r.errors)]);
    process.stderr.write(`${label}: ${fmt(r.rps)} req/s\n`);
  } finally {
    await server.stop();
  }
}
await dropSchema(dbUrl, 'sbbench_api');

console.log(`\nAPI enqueue benchmark — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, Postgres ${await serverVersion(dbUrl)}, ${connections} connections, ${seconds} s each\n`);
console.log(markdownTable(['server', 'requests/s', 'p50 ms', 'p99 ms', '2xx', 'errors'], rows));
console.log(`\nPostgres / ceiling: ${fmt((measured.pg! / measured.bare!) * 100, 1)} %   PGlite / ceiling: ${fmt((measured.pglite! / measured.bare!) * 100, 1)} %`);
