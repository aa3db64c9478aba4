/**
 * The per-test life of a fake forge (Gitea, GitLab) and a provider pointed at it: a fresh fake before each
 * test on a test clock, closed after it, with `restart` for a fake with other options and `providerWith`
 * for a provider with other settings. Each forge's helpers say how to start its fake and build its provider.
 */
import { afterEach, beforeEach } from 'vitest';
import type { IssueProvider, IssueProviderConfig } from '../../src/protocol/issues.ts';

export interface FakeForgeEnv<Fake, Options> {
  fake: Fake;
  provider: IssueProvider;
  /** The clock the fake (and, where the provider takes one, the provider) reads, epoch ms; tests move it forward. */
  clock: number;
  /** Replaces the fake (e.g. to restrict tokens or turn the throttle on); the provider follows. */
  restart(options?: Options, config?: Partial<IssueProviderConfig>): Promise<void>;
  /** A provider for the current fake with other settings (another token, repository or API root). */
  providerWith(config?: Partial<IssueProviderConfig>): IssueProvider;
}

export interface FakeForgeSpec<Fake, Options> {
  /** The clock's value at the start of every test. */
  start: number;
  startFake(now: () => number, options: Options): Promise<Fake>;
  provider(fake: Fake, now: () => number, config: Partial<IssueProviderConfig>): IssueProvider;
}

/** Registers beforeEach/afterEach that start and stop a fresh fake per test. */
export function useFakeForge<Fake extends { close(): Promise<void> }, Options>(spec: FakeForgeSpec<Fake, Options>): FakeForgeEnv<Fake, Options> {
  const env = { clock: spec.start } as FakeForgeEnv<Fake, Options>;
  const now = () => env.clock;
  env.providerWith = (config = {}) => spec.provider(env.fake, now, config);
  env.restart = async (options = {} as Options, config = {}) => {
    await (env.fake as Fake | undefined)?.close();
    env.fake = await spec.startFake(now, options);
    env.provider = env.providerWith(config);
  };
  beforeEach(async () => {
    env.clock = spec.start;
    await env.restart();
  });
  afterEach(async () => {
    await env.fake.close();
  });
  return env;
}
