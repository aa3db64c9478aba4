/**
 * What every Gitea provider test starts from: a fake Gitea on loopback with a controllable clock, and a provider
 * pointed at its API root (`<url>/api/v1`) for the fixtures' repository.
 */
import { afterEach, beforeEach } from 'vitest';
import { createGiteaProvider } from '../../../src/connectors/gitea/index.ts';
import { startFakeGitea, type FakeGitea, type FakeGiteaOptions } from '../../../src/fakes/git/gitea/index.ts';
import type { IssueProvider, IssueProviderConfig, RemoteIssue } from '../../../src/protocol/issues.ts';

export const REPO = 'example/example';
export const TOKEN = '0123456789abcdef0123456789abcdef01234567';
export const START = Date.UTC(2026, 0, 15, 12, 0, 0);

export interface GiteaTestEnv {
  fake: FakeGitea;
  provider: IssueProvider;
  /** The fake's clock, epoch ms; tests move it forward. */
  clock: number;
  /** Replaces the fake (e.g. to restrict tokens); the provider follows. */
  restart(options?: FakeGiteaOptions, config?: Partial<IssueProviderConfig>): Promise<void>;
  /** A provider for the current fake with other settings. */
  providerWith(config: Partial<IssueProviderConfig>): IssueProvider;
}

/** Registers beforeEach/afterEach that start and stop a fresh fake per test. */
export function useFakeGitea(): GiteaTestEnv {
  const env = { clock: START } as GiteaTestEnv;
  env.providerWith = (config) => createGiteaProvider({ baseUrl: `${env.fake.url}/api/v1`, repo: REPO, token: TOKEN, ...config });
  env.restart = async (options = {}, config = {}) => {
    await env.fake?.close();
    env.fake = await startFakeGitea({ now: () => env.clock, ...options });
    env.provider = env.providerWith(config);
  };
  beforeEach(async () => {
    env.clock = START;
    await env.restart();
  });
  afterEach(async () => {
    await env.fake.close();
  });
  return env;
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
