/**
 * Two-way sync end to end: an engine with its HTTP app on a real loopback port, a worker, and one fake
 * forge (GitHub, Gitea or GitLab over real HTTP) whose webhooks are subscribed to the connection's
 * endpoint. Each provider differs only in how it is started and addressed; the tests are the same.
 */
import { createHttpApp } from '../../src/http/app.ts';
import { startHttpServer, type RunningServer } from '../../src/http/server.ts';
import { startFakeGitea, startFakeGitHub, startFakeGitLab } from '../../src/fakes/git/index.ts';
import type { DeliveryRecord, FlushOptions, Issue, IssuePatch, IssueStore } from '../../src/fakes/git/github/index.ts';
import type { Faults } from '../../src/fakes/git/common/faults.ts';
import type { ConnectionView } from '../../src/twoway/service.ts';
import type { Logger } from '../../src/log.ts';
import type { SyncBridgeOptions } from '../../src/syncbridge.ts';
import { createIssueProvider } from '../../src/connectors/issue-providers.ts';
import type { IssueProvider } from '../../src/protocol/issues.ts';
import type { Backend } from '../helpers/backends.ts';
import { testEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { startWorker } from '../helpers/workers.ts';

export type ProviderName = 'github' | 'gitea' | 'gitlab';
export const PROVIDERS: ProviderName[] = ['github', 'gitea', 'gitlab'];
export const SECRET = 'whsec-e2e-0123456789';
/** The header that carries each provider's proof (a signature of the body; GitLab's is the secret itself). */
export const SIGNATURE_HEADER: Record<ProviderName, string> = { github: 'x-hub-signature-256', gitea: 'x-gitea-signature', gitlab: 'x-gitlab-token' };

interface Forge {
  url: string;
  store: IssueStore;
  faults: Faults;
  webhooks: {
    subscribe(repo: string, spec: { url: string; secret?: string | null; events?: string[]; content_type?: 'json' | 'form' }): unknown;
    flush(options?: FlushOptions): Promise<DeliveryRecord[]>;
    discard(): number;
    readonly pending: readonly unknown[];
  };
  close(): Promise<void>;
}

const FORGES: Record<ProviderName, { repo: string; token: string; start(): Promise<Forge>; baseUrl(url: string): string }> = {
  github: { repo: 'octocat/hello-world', token: 'ghp_e2e', start: () => startFakeGitHub({ rateLimit: null }), baseUrl: (u) => u },
  gitea: { repo: 'example/example', token: 'gitea_e2e', start: () => startFakeGitea({ rateLimit: null }), baseUrl: (u) => `${u}/api/v1` },
  gitlab: { repo: 'gitlab-org/hello-world', token: 'glpat-e2e', start: () => startFakeGitLab({ rateLimit: null }), baseUrl: (u) => `${u}/api/v4` },
};

export interface TwoWayRig {
  provider: ProviderName;
  engine: TestEngine;
  forge: Forge;
  repo: string;
  server: RunningServer;
  connection: ConnectionView;
  /** The fake's issue as it is now. */
  remote(number: number): Issue;
  /** Someone edits the issue on the provider's web UI (a webhook is queued, not sent). */
  remoteEdit(number: number, patch: IssuePatch): Issue;
  /** Sends the queued webhooks. */
  deliver(options?: FlushOptions): Promise<DeliveryRecord[]>;
  /** The mirror row of a provider issue, waiting for it to exist and pass `until`. */
  mirrorOf(number: number, until?: (row: Awaited<ReturnType<TestEngine['twoway']['listIssues']>>[number]) => boolean, what?: string): Promise<Awaited<ReturnType<TestEngine['twoway']['listIssues']>>[number]>;
  /** Waits until no two-way job is pending or running. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export async function startRig(provider: ProviderName, backend: Backend, options: { worker?: boolean; policy?: Record<string, unknown>; notifyUrl?: string; logger?: Logger; apiToken?: string; providers?: SyncBridgeOptions['issueProviders'] } = {}): Promise<TwoWayRig> {
  const spec = FORGES[provider];
  const forge = await spec.start();
  const engine = await testEngine(backend, { ...(options.logger ? { logger: options.logger } : {}), ...(options.providers ? { issueProviders: options.providers } : {}), defaults: { maxRetries: 4, backoff: { baseSeconds: 0.05, capSeconds: 0.3, jitter: 0 } } });
  // With an API token the API and the UI need it (webhooks never do: their signature is the proof).
  const app = createHttpApp({ db: engine.db, jobs: engine.jobs, twoway: engine.twoway, jobTypes: Object.keys(engine.handlers()), apiToken: options.apiToken });
  const server = await startHttpServer(app, { host: '127.0.0.1', port: 0, apiToken: options.apiToken });
  const connection = await engine.twoway.createConnection({
    name: `${provider}-e2e`,
    provider,
    config: { base_url: spec.baseUrl(forge.url), repo: spec.repo, token: spec.token, webhook_secret: SECRET, timeout_ms: 3_000 },
    ...(options.policy ? { policy: options.policy } : {}),
    ...(options.notifyUrl ? { notify_url: options.notifyUrl } : {}),
  });
  forge.webhooks.subscribe(spec.repo, { url: `${server.url}${connection.webhook_path}`, secret: SECRET });
  if (options.worker !== false) await startWorker(engine, { concurrency: 4, handlers: {} });
  const rig: TwoWayRig = {
    provider,
    engine,
    forge,
    repo: spec.repo,
    server,
    connection,
    remote: (n) => forge.store.get(spec.repo, n)!,
    remoteEdit: (n, patch) => forge.store.remoteEdit(spec.repo, n, patch),
    deliver: (o) => forge.webhooks.flush(o),
    async mirrorOf(number, until = () => true, what = `issue #${number} in the mirror`) {
      return waitFor(what, async () => {
        const rows = await engine.twoway.listIssues({ connectionId: connection.id, includeDeleted: true });
        const row = rows.find((r) => r.external_id === String(number));
        return row && until(row) ? row : undefined;
      });
    },
    async settle() {
      await waitFor('two-way jobs to finish', async () => {
        const { rows } = await engine.db.query<{ n: number }>(
          `select count(*)::int as n from "${engine.schema}".jobs where job_type like 'issue_%' and status in ('pending', 'running') and run_at <= now() + interval '5 seconds'`,
        );
        return rows[0]!.n === 0;
      });
    },
    async close() {
      await server.close();
      await engine.close();
      await forge.close();
    },
  };
  return rig;
}

/**
 * Issue providers for `startRig({ providers })`: the real client, with the methods `override` returns
 * in place of its own (each may call the real one). For faults no fake can stage, such as an answer lost
 * after the provider acted.
 */
export function overrideProviders(override: (real: IssueProvider) => Partial<IssueProvider>): NonNullable<SyncBridgeOptions['issueProviders']> {
  return (name, config) => {
    const real = createIssueProvider(name, config);
    return {
      name: real.name,
      canDelete: real.canDelete,
      get: real.get.bind(real),
      listChangedSince: real.listChangedSince.bind(real),
      create: real.create.bind(real),
      update: real.update.bind(real),
      delete: real.delete.bind(real),
      verifyWebhook: real.verifyWebhook.bind(real),
      parseWebhook: real.parseWebhook.bind(real),
      ...override(real),
    };
  };
}
