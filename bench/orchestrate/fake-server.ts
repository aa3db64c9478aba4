/**
 * The orchestration benchmark's upstream, a process of its own so its CPU and memory are not the
 * syncing processes': `node bench/orchestrate/fake-server.ts '<counts json>'`. Plain HTTP, JSON pages
 * with offset paging (`GET /people?offset=200&per_page=100` → `{ data, meta: { total_count, next_offset } }`)
 * and one record by id (`GET /people/17`); no auth, no rate limit. Prints "listening <url>" on stdout,
 * serves until SIGTERM, then prints "served <requests>".
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ENTITIES, ID_BASE, PATHS, record, type Counts, type Entity } from './data.ts';

const counts = JSON.parse(process.argv[2] ?? '') as Counts;
const byPath = new Map<string, Entity>(ENTITIES.map((e) => [PATHS[e], e]));
let requests = 0;

const server = createServer((req, res) => {
  requests++;
  const url = new URL(req.url ?? '/', 'http://fake');
  const send = (status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const list = byPath.get(url.pathname);
  if (list) {
    const total = counts[list];
    const offset = Number(url.searchParams.get('offset') ?? 0);
    const perPage = Number(url.searchParams.get('per_page') ?? 100);
    if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(perPage) || perPage < 1 || perPage > 100) return send(400, { error: 'bad paging' });
    const data: Record<string, unknown>[] = [];
    for (let i = offset + 1; i <= Math.min(total, offset + perPage); i++) data.push(record(list, i, counts));
    return send(200, { data, meta: { total_count: total, next_offset: offset + perPage < total ? offset + perPage : null } });
  }
  const one = /^(\/[a-z_]+)\/(\d+)$/.exec(url.pathname);
  const entity = one ? byPath.get(one[1]!) : undefined;
  if (entity && one) {
    const i = Number(one[2]) - ID_BASE[entity];
    return i >= 1 && i <= counts[entity] ? send(200, { data: record(entity, i, counts) }) : send(404, { error: 'not found' });
  }
  return send(404, { error: 'no such path' });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`listening http://127.0.0.1:${port}\n`);
});

process.on('SIGTERM', () => {
  process.stdout.write(`served ${requests}\n`);
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
