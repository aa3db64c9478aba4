/**
 * Two-way sync end to end, per provider, over real HTTP both ways: the fake forge sends signed webhooks
 * to our endpoint, our outbox calls its REST API. Remote edit → mirror through the webhook; local edit →
 * provider through the outbox (and its echo is not taken for a new remote change); a dropped webhook →
 * the poll repairs it; duplicated and reordered deliveries → one change; a forged signature → 401,
 * nothing stored, counted; the provider down → the outbox retries and then succeeds; concurrent edits of
 * one field → a recorded conflict, resolved through the API and pushed.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { testBackends } from '../helpers/backends.ts';
import { waitFor } from '../helpers/engine.ts';
import { startWorker } from '../helpers/workers.ts';
import { PROVIDERS, SIGNATURE_HEADER, startRig, type ProviderName, type TwoWayRig } from './forges.ts';

async function deliveriesStored(r: TwoWayRig): Promise<number> {
  const { rows } = await r.engine.db.query<{ n: number }>(`select count(*)::int as n from "${r.engine.schema}".webhook_deliveries`);
  return rows[0]!.n;
}

async function jobCount(r: TwoWayRig): Promise<number> {
  const { rows } = await r.engine.db.query<{ n: number }>(`select count(*)::int as n from "${r.engine.schema}".jobs`);
  return rows[0]!.n;
}

/** Creates an issue on the provider and waits for the mirror to hold it. */
async function mirroredIssue(r: TwoWayRig, input: { title: string; body?: string; labels?: string[] }) {
  const created = r.forge.store.remoteCreate(r.repo, input);
  await r.deliver();
  return { number: created.number, row: await r.mirrorOf(created.number) };
}

const sorted = (xs: readonly string[]) => [...xs].sort();

let rig: TwoWayRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

// Every provider on Postgres; the embedded backend runs one provider (the path is the same SQL).
const cases: [ProviderName, 'pg' | 'pglite'][] = testBackends().flatMap((b): [ProviderName, 'pg' | 'pglite'][] => (b === 'pg' ? PROVIDERS.map((p) => [p, b]) : [['github', b]]));

describe.each(cases)('two-way sync with %s (%s)', (provider, backend) => {
  test('remote create and edit reach the mirror through webhooks; a local edit reaches the provider through the outbox, and its echo changes nothing', async () => {
    rig = await startRig(provider, backend);
    const r = rig;
    const created = r.forge.store.remoteCreate(r.repo, { title: 'Crash on start', body: 'steps…', labels: ['bug'] });
    await r.deliver();
    const row = await r.mirrorOf(created.number);
    expect(row).toMatchObject({ title: 'Crash on start', body: 'steps…', state: 'open', labels: ['bug'], sync_status: 'synced' });

    r.remoteEdit(created.number, { title: 'Crash on start (v2)', add_labels: ['p1'] });
    await r.deliver();
    const edited = await r.mirrorOf(created.number, (x) => x.title === 'Crash on start (v2)');
    expect([...edited.labels].sort()).toEqual(['bug', 'p1']);

    // Local edit → outbox → provider.
    const version = edited.local_version;
    await r.engine.twoway.updateIssue(edited.id, { body: 'fixed in 1.2', state: 'closed' }, version);
    await waitFor('the provider to hold the local edit', () => r.remote(created.number).state === 'closed' && r.remote(created.number).body === 'fixed in 1.2');
    await r.settle();
    const pushed = await r.engine.twoway.getIssue(edited.id);
    expect(pushed.outbox.map((e) => e.status)).toEqual(['sent']);
    expect(pushed.issue.sync_status).toBe('synced');

    // The provider announces our own write: an echo, recognised, not a new change.
    const versionBefore = pushed.issue.local_version;
    await r.deliver();
    await r.settle();
    const after = await r.engine.twoway.getIssue(edited.id);
    expect(after.issue).toMatchObject({ body: 'fixed in 1.2', state: 'closed', title: 'Crash on start (v2)', sync_status: 'synced' });
    expect(after.issue.local_version).toBe(versionBefore);
    expect(after.outbox).toHaveLength(1);
    const inbound = after.log.filter((l) => l.direction === 'inbound').map((l) => l.action);
    expect(inbound).toContain('echo');
    expect(after.conflicts).toEqual([]);
  });

  test('a lost webhook is repaired by the poll, which runs every 15 minutes by default and on demand', async () => {
    rig = await startRig(provider, backend);
    const r = rig;
    const schedules = await r.engine.db.query<{ every_seconds: number; job_type: string }>(`select * from "${r.engine.schema}".schedules`);
    expect(schedules.rows).toEqual([expect.objectContaining({ job_type: 'issue_poll', every_seconds: 900 })]);
    const { number, row } = await mirroredIssue(r, { title: 'Flaky test', labels: ['ci'] });

    r.remoteEdit(number, { title: 'Flaky test on arm64', remove_labels: ['ci'], add_labels: ['arm'] });
    const lost = await r.deliver({ drop: 1 });
    expect(lost.length).toBeGreaterThan(0);
    expect(lost.every((d) => d.dropped)).toBe(true);
    const missed = await r.engine.twoway.getIssue(row.id);
    expect(missed.issue.title).toBe('Flaky test');

    const { job } = await r.engine.twoway.poll(r.connection.id);
    await waitFor('the poll to finish', async () => (await r.engine.jobs.get(job.id))?.status === 'succeeded');
    const repaired = await r.mirrorOf(number, (x) => x.title === 'Flaky test on arm64');
    expect(repaired.labels).toEqual(['arm']);
    const log = await r.engine.twoway.syncLog({ issueId: row.id });
    expect(log.find((l) => l.action === 'updated')?.detail).toMatchObject({ via: 'poll' });
    await r.settle();
    expect(await r.engine.twoway.listOutbox()).toEqual([]);
  });

  test('duplicated and reordered deliveries apply each change once and end where the provider is', async () => {
    rig = await startRig(provider, backend);
    const r = rig;
    const { number, row } = await mirroredIssue(r, { title: 'Typo in docs', body: 'see page 3' });
    const storedBefore = await deliveriesStored(r);

    r.remoteEdit(number, { title: 'Typo in the docs' });
    r.remoteEdit(number, { add_labels: ['docs'] });
    r.remoteEdit(number, { body: 'see page 4', state: 'closed' });
    const versionBefore = (await r.engine.twoway.getIssue(row.id)).issue.local_version;
    const sent = await r.deliver({ order: 'reverse', duplicates: 2 });
    const firsts = sent.filter((d) => !d.duplicate);
    expect(firsts.length).toBeGreaterThan(0);
    expect(sent.length).toBe(firsts.length * 3);
    expect(sent.every((d) => d.status === 200)).toBe(true);
    // GitHub and GitLab resend a delivery under its id; Gitea's replay gets a new one (reference).
    const unique = new Set(sent.map((d) => d.id));
    expect(unique.size).toBe(provider === 'gitea' ? sent.length : firsts.length);
    await r.settle();

    const remote = r.remote(number);
    const after = await r.engine.twoway.getIssue(row.id);
    expect(after.issue).toMatchObject({ title: remote.title, body: remote.body, state: remote.state, sync_status: 'synced' });
    expect(sorted(after.issue.labels)).toEqual(sorted(remote.labels));
    expect(after.issue.title).toBe('Typo in the docs');
    // Each delivery id stored once; each of the three edits applied at most once (fewer when a later
    // snapshot or a refetch carried several); nothing pushed back, nothing in conflict.
    expect((await deliveriesStored(r)) - storedBefore).toBe(unique.size);
    expect(after.issue.local_version - versionBefore).toBeGreaterThanOrEqual(1);
    expect(after.issue.local_version - versionBefore).toBeLessThanOrEqual(3);
    const applied = after.log.filter((l) => l.direction === 'inbound' && l.action === 'updated');
    expect(applied.length).toBe(after.issue.local_version - versionBefore);
    expect(after.outbox).toEqual([]);
    expect(after.conflicts).toEqual([]);
  });

  test('forged, missing and tampered signatures are refused with 401: nothing stored, no job, the refusal counted', async () => {
    rig = await startRig(provider, backend);
    const r = rig;
    const { number } = await mirroredIssue(r, { title: 'Real issue' });
    // A genuine delivery to replay with its proof altered.
    r.remoteEdit(number, { title: 'Real issue, edited' });
    r.forge.webhooks.discard();
    const genuine = (await r.deliver())[0];
    expect(genuine?.status).toBeUndefined(); // discarded: nothing was sent
    r.remoteEdit(number, { title: 'Real issue, edited twice' });
    const [real] = await r.deliver({ drop: 1 });
    expect(real!.dropped).toBe(true);

    const stored = await deliveriesStored(r);
    const jobs = await jobCount(r);
    const header = SIGNATURE_HEADER[provider];
    const post = (headers: Record<string, string>, body = real!.body) => fetch(`${r.server.url}${r.connection.webhook_path}`, { method: 'POST', headers, body });
    const original = real!.headers;
    const without = Object.fromEntries(Object.entries(original).filter(([k]) => k.toLowerCase() !== header));
    const forgedValue = provider === 'gitlab' ? 'not-the-token-at-all' : provider === 'github' ? `sha256=${'0'.repeat(64)}` : '0'.repeat(64);
    const attempts = [
      await post({ ...without, [header]: forgedValue }),
      await post(without),
      ...(provider === 'gitlab' ? [] : [await post(original, real!.body.replace('edited twice', 'edited thrice'))]),
    ];
    for (const res of attempts) {
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: 'auth_error' } });
    }
    expect(await deliveriesStored(r)).toBe(stored);
    expect(await jobCount(r)).toBe(jobs);
    expect((await r.engine.twoway.getConnection(r.connection.id)).rejected_webhooks).toBe(attempts.length);
    // The genuine one still goes through.
    const ok = await post(original);
    expect(ok.status).toBe(200);
    await r.mirrorOf(number, (x) => x.title === 'Real issue, edited twice');
  });

  test('the provider down for a while: the outbox retries and then succeeds; down past the limit: dead, visible, and a replay delivers it', async () => {
    rig = await startRig(provider, backend);
    const r = rig;
    const { number, row } = await mirroredIssue(r, { title: 'Outage' });

    r.forge.faults.set({ rate5xx: 1 });
    await r.engine.twoway.updateIssue(row.id, { title: 'Outage (local)' });
    const entry = (await r.engine.twoway.listOutbox({ issueId: row.id }))[0]!;
    await waitFor('two failed push attempts', async () => (await r.engine.jobs.getWithAttempts(entry.job_id!)).attempts.length >= 2);
    r.forge.faults.set({ rate5xx: 0 });
    await waitFor('the push to succeed', () => r.remote(number).title === 'Outage (local)');
    await r.settle();
    expect((await r.engine.twoway.listOutbox({ issueId: row.id }))[0]).toMatchObject({ status: 'sent' });
    const job = await r.engine.jobs.getWithAttempts(entry.job_id!);
    expect(job.status).toBe('succeeded');
    expect(job.attempts.filter((a) => a.outcome !== 'succeeded').length).toBeGreaterThanOrEqual(2);

    // Down past the retry limit: the entry is dead, the issue shows the error, nothing is lost.
    r.forge.faults.set({ rate5xx: 1 });
    await r.engine.twoway.updateIssue(row.id, { body: 'written during the outage' });
    const second = (await r.engine.twoway.listOutbox({ issueId: row.id })).find((e) => e.status !== 'sent')!;
    await waitFor('the entry to be dead', async () => (await r.engine.twoway.listOutbox({ status: 'dead' })).length === 1, 20_000);
    const dead = await r.engine.twoway.getIssue(row.id);
    expect(dead.issue.sync_status).toBe('error');
    expect(dead.outbox.find((e) => e.id === second.id)).toMatchObject({ status: 'dead', last_error: expect.objectContaining({ message: expect.any(String) }) });
    expect(dead.log.map((l) => l.action)).toContain('push_failed');
    expect(r.remote(number).body).not.toBe('written during the outage');

    r.forge.faults.set({ rate5xx: 0 });
    const replayed = await r.engine.twoway.replayOutbox(second.id);
    expect(replayed.status).toBe('pending');
    await waitFor('the replayed push', () => r.remote(number).body === 'written during the outage');
    await r.settle();
    const healed = await r.engine.twoway.getIssue(row.id);
    expect(healed.issue.sync_status).toBe('synced');
    expect(healed.outbox.every((e) => e.status === 'sent')).toBe(true);
  });

  test('concurrent edits: different fields are both kept; the same field becomes a held conflict, resolved by a value that reaches the provider', async () => {
    rig = await startRig(provider, backend, { worker: false });
    const r = rig;
    const created = r.forge.store.remoteCreate(r.repo, { title: 'Shared', body: 'original', labels: ['a'] });
    const worker = await startWorker(r.engine, { concurrency: 4, handlers: {} });
    await r.deliver();
    const row = await r.mirrorOf(created.number);
    await r.settle();
    await worker.stop(0);

    // Both sides edit before either hears of the other.
    await r.engine.twoway.updateIssue(row.id, { title: 'Shared (local)', labels: ['a', 'local'] });
    r.remoteEdit(created.number, { title: 'Shared (remote)', body: 'edited remotely', add_labels: ['remote'] });
    await r.deliver();
    await startWorker(r.engine, { concurrency: 4, handlers: {} });
    await waitFor('a conflict', async () => (await r.engine.twoway.listConflicts({ status: 'open' })).length === 1);
    await r.settle();

    const held = await r.engine.twoway.getIssue(row.id);
    expect(held.issue.sync_status).toBe('conflict');
    expect(held.conflicts).toEqual([expect.objectContaining({ field: 'title', base_value: 'Shared', local_value: 'Shared (local)', remote_value: 'Shared (remote)', status: 'open' })]);
    // Different fields: both kept on both sides; labels merged as sets. The held field keeps each side's value.
    expect(held.issue).toMatchObject({ title: 'Shared (local)', body: 'edited remotely' });
    expect(sorted(held.issue.labels)).toEqual(['a', 'local', 'remote']);
    await waitFor('the provider to get the local label', () => r.remote(created.number).labels.includes('local'));
    expect(r.remote(created.number).title).toBe('Shared (remote)');

    // An entered value obeys its field's rules: a blank title is refused, naming the value, and changes nothing.
    await expect(r.engine.twoway.resolveConflict(held.conflicts[0]!.id, { value: '  \n ' })).rejects.toMatchObject({ code: 'validation_error', detail: { issues: [{ field: 'value' }] } });
    await expect(r.engine.twoway.resolveConflict(held.conflicts[0]!.id, { pick: 'local' })).rejects.toMatchObject({ code: 'validation_error' });
    expect((await r.engine.twoway.getConflict(held.conflicts[0]!.id)).status).toBe('open');
    const resolved = await r.engine.twoway.resolveConflict(held.conflicts[0]!.id, { value: 'Shared (agreed)' });
    expect(resolved.conflict).toMatchObject({ status: 'resolved', resolution: 'value', resolved_value: 'Shared (agreed)' });
    await waitFor('the resolution on the provider', () => r.remote(created.number).title === 'Shared (agreed)');
    await r.deliver();
    await r.settle();
    const done = await r.engine.twoway.getIssue(row.id);
    expect(done.issue).toMatchObject({ title: 'Shared (agreed)', body: 'edited remotely', sync_status: 'synced' });
    expect(done.conflicts.filter((c) => c.status === 'open')).toEqual([]);
    const remote = r.remote(created.number);
    expect({ title: remote.title, body: remote.body, labels: sorted(remote.labels) }).toEqual({ title: done.issue.title, body: done.issue.body, labels: sorted(done.issue.labels) });
  });
});

// GitHub and Gitea also send `application/x-www-form-urlencoded` deliveries (`payload=<json>`); the
// signature covers the form body, and the stored record is the JSON inside it.
describe.each(['github', 'gitea'] as const)('form-encoded webhooks from %s', (provider) => {
  test('a form-encoded delivery is verified, stored with its JSON document, and reaches the mirror', async () => {
    rig = await startRig(provider, testBackends().includes('pg') ? 'pg' : 'pglite');
    const r = rig;
    r.forge.webhooks.subscribe(r.repo, { url: `${r.server.url}${r.connection.webhook_path}`, secret: 'whsec-e2e-0123456789', content_type: 'form' });
    const created = r.forge.store.remoteCreate(r.repo, { title: 'Sent as a form' });
    const sent = await r.deliver();
    const form = sent.find((d) => d.body.startsWith('payload='));
    expect(form?.status).toBe(200);
    await r.mirrorOf(created.number, (x) => x.title === 'Sent as a form');
    const stored = await r.engine.twoway.webhookDeliveries(r.connection.id);
    expect(stored.length).toBeGreaterThan(0);
    for (const d of stored) expect((d.payload as { raw: { issue?: { title?: string } } }).raw.issue?.title).toBe('Sent as a form');
  });
});
