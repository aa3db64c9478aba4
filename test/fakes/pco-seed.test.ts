/**
 * Seeding and the runnable entry point: 5 000 people with consistent relationships (every child's person exists,
 * households group people and count them, people point at seeded campuses), deterministic per seed, equal
 * timestamps present, 200 000 records in one go, and `node src/fakes/pco/main.ts` serving a seeded organisation.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { startFakePco, type FakePco, type FakePcoOptions } from '../../src/fakes/pco/index.ts';

const BASIC = `Basic ${Buffer.from('app-id:app-secret').toString('base64')}`;
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

const opened: FakePco[] = [];
async function fake(options: FakePcoOptions = {}): Promise<FakePco> {
  const f = await startFakePco({ rateLimit: null, now: () => NOW, ...options });
  opened.push(f);
  return f;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((f) => f.close()));
});

describe('seeding', () => {
  test('5 000 people: every relationship points at a record that exists, and the counts add up', async () => {
    const f = await fake();
    const ids = f.store.seed({ people: 5000, campuses: 3, householdsRatio: 0.4, addressesPerPerson: 1, emailsPerPerson: 1.5, phonesPerPerson: 0.5, seed: 9 });
    const t = f.store.data.tables;
    expect([t.people.size, t.campuses.size, t.households.size, t.household_memberships.size]).toEqual([5000, 3, 2000, 5000]);
    expect([t.addresses.size, t.emails.size, t.phone_numbers.size]).toEqual([5000, 7500, 2500]);
    for (const child of ['addresses', 'emails', 'phone_numbers'] as const) {
      expect(t[child].all().every((r) => t.people.has(r.refs.person!)), child).toBe(true);
    }
    expect(t.household_memberships.all().every((m) => t.people.has(m.refs.person!) && t.households.has(m.refs.household!))).toBe(true);
    // Each person is in exactly one household; each household has its primary contact among its members.
    expect(new Set(t.household_memberships.all().map((m) => m.refs.person)).size).toBe(5000);
    for (const h of t.households.all()) {
      const members = t.household_memberships.byRef('household', h.id).map((m) => m.refs.person);
      expect(members.length).toBeGreaterThan(0);
      expect(members).toContain(h.refs.primary_contact);
    }
    const campuses = new Set(ids.campuses.map(Number));
    const people = t.people.all();
    expect(people.every((p) => p.refs.primary_campus === null || campuses.has(p.refs.primary_campus!))).toBe(true);
    expect(people.filter((p) => p.refs.primary_campus === null).length).toBe(1250);
    expect(new Set(ids.people).size).toBe(5000);
    // Timestamps: within the span, with equal updated_at values for delta tests to meet.
    const updated = people.map((p) => p.updatedAt);
    expect(Math.max(...updated)).toBeLessThanOrEqual(NOW);
    expect(new Set(updated).size).toBeLessThan(5000);
    expect(people.every((p) => p.updatedAt >= p.createdAt)).toBe(true);

    // The API agrees: a household's member_count, total counts, and includes resolve.
    const res = await fetch(`${f.url}/people/v2/households?per_page=100&include=people`, { headers: { authorization: BASIC } });
    const body = (await res.json()) as any;
    expect(body.meta.total_count).toBe(2000);
    for (const h of body.data) expect(h.relationships.people.data).toHaveLength(h.attributes.member_count);
    expect(body.included.length).toBe(body.data.reduce((n: number, h: any) => n + h.attributes.member_count, 0));
  });

  test('the same seed gives the same records; another seed other names', async () => {
    const [a, b, c] = await Promise.all([fake(), fake(), fake()]);
    a.store.seed({ people: 200, seed: 42 });
    b.store.seed({ people: 200, seed: 42 });
    c.store.seed({ people: 200, seed: 43 });
    // Links differ by port; everything else must match.
    const dump = (f: FakePco) => f.store.ids('people').map((id) => JSON.stringify({ ...f.store.get('people', id), links: null }));
    expect(dump(a)).toEqual(dump(b));
    expect(dump(a)).not.toEqual(dump(c));
    expect(a.store.ids('emails')).toEqual(c.store.ids('emails'));
  });

  test('200 000 records in one seed (seven types, memberships following households)', async () => {
    const f = await fake();
    const started = Date.now();
    const ids = f.store.seed({ people: 25_000, households: 25_000, campuses: 25_000, addresses: 50_000, emails: 25_000, phone_numbers: 25_000 });
    const total = Object.values(ids).reduce((n, list) => n + list.length, 0);
    expect(total).toBe(200_000);
    // Generous bound: it takes well under a second; the point is "not minutes".
    expect(Date.now() - started).toBeLessThan(10_000);
    const res = await fetch(`${f.url}/people/v2/addresses?per_page=100&offset=49950&order=updated_at`, { headers: { authorization: BASIC } });
    expect(((await res.json()) as any).meta).toMatchObject({ total_count: 50_000, count: 50 });
  });
});

describe('main.ts', () => {
  test('prints its URL on stdout and serves the seeded people until SIGTERM', async () => {
    const child = spawn(process.execPath, [resolve(import.meta.dirname, '../../src/fakes/pco/main.ts'), '--port', '0', '--people', '30', '--app-id', 'a', '--secret', 's'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((done, fail) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('\n')) done(out.trim());
        });
        child.once('exit', (code) => fail(new Error(`exited with ${code}`)));
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${url}/people/v2/people`, { headers: { authorization: `Basic ${Buffer.from('a:s').toString('base64')}` } });
      expect(((await res.json()) as any).meta.total_count).toBe(30);
      expect((await fetch(`${url}/people/v2/people`, { headers: { authorization: BASIC } })).status).toBe(401);
    } finally {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    }
  });
});
