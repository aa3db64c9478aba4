/**
 * `syncbridge issues …` as a script would use it: real subprocesses against the test database. Connect
 * from a file (secrets never printed), list connections, the mirror and the conflict inbox, resolve a
 * conflict, poll; usage mistakes exit 2 with one line, refused input exits 1 naming the field.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openDb } from '../src/db/open.ts';
import { startFakeGitHub, type FakeGitHub } from '../src/fakes/git/index.ts';
import { createSyncBridge, type SyncBridge } from '../src/syncbridge.ts';
import { TEST_DATABASE_URL, testBackends } from './helpers/backends.ts';
import { newSchemaName, waitFor } from './helpers/engine.ts';

const MAIN = resolve(import.meta.dirname, '../src/cli/main.ts');
const TOKEN = 'ghp_cli_issues_secret_1234567890';
const HOOK = 'cli-issues-hook-secret';

describe('the syncbridge CLI: issues', () => {
  const backend = testBackends()[0]!;
  const schema = newSchemaName();
  let dir: string;
  let env: Record<string, string>;
  let fake: FakeGitHub;

  const cli = (args: string[], stdin = '') =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      const child = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdin.end(stdin);
      child.on('exit', (code) => done({ code, stdout, stderr }));
    });

  /** The engine in this process, for what the CLI leaves to workers; closed before the CLI runs again (PGlite: one process). */
  const withEngine = async <T>(fn: (e: SyncBridge) => Promise<T>): Promise<T> => {
    const e = await createSyncBridge(backend === 'pg' ? { databaseUrl: TEST_DATABASE_URL, schema } : { dataDir: join(dir, 'data') });
    try {
      return await fn(e);
    } finally {
      await e.close();
    }
  };
  const runJobs = (e: SyncBridge) => {
    const w = e.worker({ concurrency: 2, pollIntervalMs: 25, shutdownGraceMs: 0, handlers: {} });
    return w.start().then(() => w);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'syncbridge-cli-issues-'));
    env =
      backend === 'pg'
        ? { DATABASE_URL: TEST_DATABASE_URL, SYNCBRIDGE_SCHEMA: schema, LOG_LEVEL: 'warn' }
        : { DATABASE_URL: '', SYNCBRIDGE_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'warn' };
    fake = await startFakeGitHub({ rateLimit: null });
    fake.store.remoteCreate('octocat/hello-world', { title: 'First', labels: ['bug'] });
    fake.store.remoteCreate('octocat/hello-world', { title: 'Second' });
  });
  afterAll(async () => {
    await fake?.close();
    if (backend === 'pg') {
      const db = await openDb({ databaseUrl: TEST_DATABASE_URL });
      await db.query(`drop schema if exists "${schema}" cascade`);
      await db.close();
    }
    await rm(dir, { recursive: true, force: true });
  });

  test('--help works on the group and its subcommands', async () => {
    for (const args of [['issues', '--help'], ...['connect', 'resolve'].map((c) => ['issues', c, '--help'])]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toMatch(/USAGE/);
    }
    const group = await cli(['issues', '--help']);
    for (const sub of ['connect', 'connections', 'list', 'show', 'conflicts', 'resolve', 'poll']) expect(group.stdout).toContain(sub);
    expect((await cli(['--help'])).stdout).toMatch(/issues/);
  });

  test('connect, list, resolve a conflict: secrets never printed, mistakes refused with one line', async () => {
    const file = join(dir, 'octo.json');
    const connection = { name: 'octo', provider: 'github', config: { base_url: fake.url, repo: 'octocat/hello-world', token: TOKEN, webhook_secret: HOOK } };
    await writeFile(file, JSON.stringify(connection));
    const connected = await cli(['issues', 'connect', '--file', file]);
    expect(connected.code, connected.stderr).toBe(0);
    expect(connected.stdout).toMatch(/^connected github octocat\/hello-world as connection \d+ "octo"; point its webhook at \/webhooks\/github\/\d+\n$/);

    const bad = await cli(['issues', 'connect', '--file', '-'], JSON.stringify({ ...connection, name: 'other', provider: 'bitbucket' }));
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/provider/);
    expect((await cli(['issues', 'connect'])).code).toBe(2);
    expect((await cli(['issues', 'list', '--status', 'weird'])).code).toBe(2);

    const listed = await cli(['issues', 'connections', '--json']);
    expect(listed.code).toBe(0);
    const [conn] = JSON.parse(listed.stdout) as { id: number; config: Record<string, string> }[];
    expect(conn!.config).toMatchObject({ token: '********', webhook_secret: '********' });

    const polled = await cli(['issues', 'poll', 'octo']);
    expect(polled.stdout).toMatch(/^enqueued poll job \d+\n$/);
    // Workers run the poll; then both sides edit one title.
    const issueId = await withEngine(async (e) => {
      const w = await runJobs(e);
      await waitFor('the poll', async () => (await e.twoway.listIssues()).length === 2);
      const first = (await e.twoway.listIssues()).find((i) => i.title === 'First')!;
      await w.stop(0);
      await e.twoway.updateIssue(first.id, { title: 'First (local)' });
      fake.store.remoteEdit('octocat/hello-world', Number(first.external_id), { title: 'First (remote)' });
      await runJobs(e);
      await waitFor('the conflict', async () => (await e.twoway.listConflicts({ status: 'open' })).length === 1);
      return first.id;
    });

    const issues = await cli(['issues', 'list']);
    expect(issues.code).toBe(0);
    expect(issues.stdout).toMatch(/conflict\s+open\s+First \(local\)\s+\[bug\]/);
    expect(issues.stdout).toMatch(/Second/);
    const inbox = await cli(['issues', 'conflicts']);
    expect(inbox.stdout).toMatch(/field title \(open\)\n {2}base: {3}First\n {2}local: {2}First \(local\)\n {2}remote: First \(remote\)/);
    const conflictId = /conflict (\d+)/.exec(inbox.stdout)![1]!;

    expect((await cli(['issues', 'resolve', conflictId])).code).toBe(2);
    expect((await cli(['issues', 'resolve', conflictId, '--local', '--remote'])).code).toBe(2);
    const resolved = await cli(['issues', 'resolve', conflictId, '--value', 'First (agreed)']);
    expect(resolved.code, resolved.stderr).toBe(0);
    expect(resolved.stdout).toMatch(/resolved conflict \d+ \(title = First \(agreed\)\)/);
    const again = await cli(['issues', 'resolve', conflictId, '--remote']);
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);

    const shown = await cli(['issues', 'show', String(issueId)]);
    expect(shown.stdout).toMatch(/First \(agreed\)/);
    expect(shown.stdout).toMatch(/local\s+resolved/);
    for (const out of [connected, listed, issues, inbox, resolved, shown]) {
      expect(out.stdout + out.stderr).not.toContain(TOKEN);
      expect(out.stdout + out.stderr).not.toContain(HOOK);
    }
  });
});
