/**
 * Shared by the GitLab provider's tests: useFakeGitLab (a fresh fake GitLab on loopback per test, on a test clock,
 * and a provider pointed at its API root `<url>/api/v4`), a walk over every page the way the engine walks them, and
 * a users front (see startUsersFront).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createGitLabProvider } from '../../../src/connectors/gitlab/index.ts';
import { startFakeGitLab, type FakeGitLab, type FakeGitLabOptions } from '../../../src/fakes/git/gitlab/index.ts';
import type { IssueProvider, RemoteIssue } from '../../../src/protocol/issues.ts';
import { useFakeForge, type FakeForgeEnv } from '../fake-forge.ts';

export const PROJECT = 'gitlab-org/hello-world';
export const START = Date.UTC(2026, 0, 15, 12, 0, 0);
export const TOKEN = 'glpat-test';
// Real recorded payloads, copied from the shared reference with their SOURCE.md.
export const FIXTURES = resolve(import.meta.dirname, '../../fixtures/gitlab-webhooks');
/** The token drone/go-scm's tests deliver these fixtures with (SOURCE.md). */
export const FIXTURE_TOKEN = '9edf3260d727e29d906bdb10c8a099a';

export type GitLabTestEnv = FakeForgeEnv<FakeGitLab, FakeGitLabOptions>;

/** Registers beforeEach/afterEach that start and stop a fresh fake per test. */
export function useFakeGitLab(): GitLabTestEnv {
  return useFakeForge<FakeGitLab, FakeGitLabOptions>({
    start: START,
    // The fake's throttle (GitLab.com's 2000/min by default) is off unless a test turns it on, so only the tests
    // about rate limits ever see a 429 from it.
    startFake: (now, options) => startFakeGitLab({ now, rateLimit: null, ...options }),
    // The provider reads the same clock as the fake, so Retry-After and webhook-timestamp checks use test time.
    provider: (fake, now, config) =>
      createGitLabProvider({ baseUrl: `${fake.url}/api/v4`, repo: PROJECT, token: TOKEN, timeoutMs: 5_000, ...config }, { now }),
  });
}

/** Every page from `since`, following each `next`, as the engine does; the pages' issues in order. */
export async function walk(provider: IssueProvider, since: Date | null, between?: (page: number) => void): Promise<{ issues: RemoteIssue[]; pages: number }> {
  const issues: RemoteIssue[] = [];
  let token: string | null = null;
  let pages = 0;
  do {
    const page = await provider.listChangedSince(since, token);
    issues.push(...page.issues);
    token = page.next;
    pages += 1;
    between?.(pages);
    if (pages > 1_000) throw new Error('runaway paging');
  } while (token !== null);
  return { issues, pages };
}

export interface UsersFront {
  url: string;
  /** The usernames `GET /api/v4/users` was asked for, in order. */
  lookups: string[];
  close(): Promise<void>;
}

/**
 * A real HTTP server in front of the fake GitLab that adds the one route the fake lacks, `GET /api/v4/users?username=`
 * (GitLab's user lookup: an array, empty when nobody has that name), answered from the fake's own users, and passes
 * every other request through unchanged.
 */
export async function startUsersFront(fake: FakeGitLab): Promise<UsersFront> {
  const lookups: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://front');
        if (req.method === 'GET' && url.pathname === '/api/v4/users') {
          const username = url.searchParams.get('username') ?? '';
          lookups.push(username);
          const user = fake.store.findUser(username);
          const body = user ? [{ id: user.id, username: user.login, name: user.name, state: 'active', avatar_url: null, web_url: `${fake.url}/${user.login}` }] : [];
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
          return;
        }
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
        const body = Buffer.concat(chunks);
        const answer = await fetch(`${fake.url}${url.pathname}${url.search}`, { method: req.method ?? 'GET', headers, ...(body.length ? { body } : {}) });
        const out: Record<string, string> = {};
        answer.headers.forEach((v, k) => {
          if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection', 'keep-alive'].includes(k)) out[k] = v;
        });
        res.writeHead(answer.status, out).end(Buffer.from(await answer.arrayBuffer()));
      })().catch((err: unknown) => res.writeHead(502).end(String(err)));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    lookups,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
