/**
 * What every Gitea provider test starts from: a fake Gitea on loopback with a controllable clock, and a provider
 * pointed at its API root (`<url>/api/v1`) for the fixtures' repository.
 */
import { createGiteaProvider } from '../../../src/connectors/gitea/index.ts';
import { startFakeGitea, type FakeGitea, type FakeGiteaOptions } from '../../../src/fakes/git/gitea/index.ts';
import type { RemoteIssue } from '../../../src/protocol/issues.ts';
import { useFakeForge, type FakeForgeEnv } from '../fake-forge.ts';

export const REPO = 'example/example';
export const TOKEN = '0123456789abcdef0123456789abcdef01234567';
export const START = Date.UTC(2026, 0, 15, 12, 0, 0);

export type GiteaTestEnv = FakeForgeEnv<FakeGitea, FakeGiteaOptions>;

/** Registers beforeEach/afterEach that start and stop a fresh fake per test. */
export function useFakeGitea(): GiteaTestEnv {
  return useFakeForge<FakeGitea, FakeGiteaOptions>({
    start: START,
    startFake: (now, options) => startFakeGitea({ now, ...options }),
    provider: (fake, _now, config) => createGiteaProvider({ baseUrl: `${fake.url}/api/v1`, repo: REPO, token: TOKEN, ...config }),
  });
}

/** The issue's fields with sets sorted, for comparisons where order carries no meaning. */
export function fieldsOf(issue: RemoteIssue | null): Record<string, unknown> | null {
  if (!issue) return null;
  return { ...issue.fields, labels: [...issue.fields.labels].sort(), assignees: [...issue.fields.assignees].sort() };
}

/** The requests the fake saw, as `METHOD /path` under the repository. */
export function calls(fake: FakeGitea): string[] {
  return fake.requests.map((r) => `${r.method} ${r.path.replace(`/api/v1/repos/${REPO}`, '')}`);
}
