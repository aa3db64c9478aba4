/**
 * One fake GitHub and one provider pointed at it, on a shared injected clock, for the GitHub connector's tests.
 * The provider speaks real HTTP to the fake; nothing is mocked.
 */
import { createGitHubProvider, type GitHubProviderOptions } from '../../../src/connectors/github/index.ts';
import { startFakeGitHub, type FakeGitHub, type FakeGitHubOptions } from '../../../src/fakes/git/github/index.ts';
import type { IssueProvider } from '../../../src/protocol/issues.ts';

export const REPO = 'octocat/hello-world';
export const TOKEN = 'ghp_test';
/** 2026-01-15T12:00:00Z: whole seconds, as GitHub writes them. */
export const START = Date.UTC(2026, 0, 15, 12, 0, 0);

export interface Setup {
  fake: FakeGitHub;
  provider: IssueProvider;
  clock: { now: number };
  /** Another provider on the same fake (other token, other options). */
  providerWith(config?: { token?: string; timeoutMs?: number; repo?: string }, options?: GitHubProviderOptions): IssueProvider;
  close(): Promise<void>;
}

/** Starts the fake (no rate limit unless asked) and a provider for REPO with TOKEN. */
export async function setup(options: FakeGitHubOptions = {}, providerOptions: GitHubProviderOptions = {}): Promise<Setup> {
  const clock = { now: START };
  const fake = await startFakeGitHub({ now: () => clock.now, rateLimit: null, ...options });
  const providerWith: Setup['providerWith'] = (config = {}, opts = {}) =>
    createGitHubProvider({ baseUrl: fake.url, repo: config.repo ?? REPO, token: config.token ?? TOKEN, ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}) }, { now: () => clock.now, ...providerOptions, ...opts });
  return { fake, clock, provider: providerWith(), providerWith, close: () => fake.close() };
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail, it succeeded');
}
