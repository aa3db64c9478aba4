/**
 * The server side of the webhook benchmark, a process of its own so the load generator does not share
 * its event loop: `node bench/webhooks/server.ts bare|verify|stored <schema> <connection id>`. Prints
 * "listening <url>" when ready; SIGTERM closes it.
 *
 * - bare: `new Hono()`, one route that reads the body and answers `{ok:true}` — the ceiling.
 * - verify: the real app (`createHttpApp`, every middleware, the route's parameter validation) with a
 *   TwoWayService whose `receiveWebhook` does everything the real one does before the database — the
 *   connection (read once at start), the GitHub client's constant-time HMAC check over the raw body, the
 *   delivery parsed, the stored shape built and serialised — and stores nothing.
 * - stored: the real app and the real `receiveWebhook` on Postgres: connection look-up, then the inbox
 *   row and its job in one transaction, committed before the 200. No worker runs.
 */
import { Hono } from 'hono';
import { createIssueProvider } from '../../src/connectors/issue-providers.ts';
import { createPgDb } from '../../src/db/pg-driver.ts';
import { createHttpApp } from '../../src/http/app.ts';
import type { IssueWebhookRequest } from '../../src/protocol/issues.ts';
import type { Received } from '../../src/sync/webhook-inbox.ts';
import { createSyncBridge } from '../../src/syncbridge.ts';
import { serveUntilSigterm } from '../lib/server-process.ts';
import { findConnection, type Connection } from '../../src/twoway/connection-store.ts';
import { storedChange, type StoredIssueEvent } from '../../src/twoway/inbox-job.ts';
import { TwoWayService, webhookEndpoint, type TwoWayServiceOptions } from '../../src/twoway/service.ts';

const [kind, schema, connectionRef] = process.argv.slice(2);
const url = process.env.BENCH_DATABASE_URL!;
const poolSize = Number(process.env.BENCH_POOL || 20);

/** receiveWebhook up to (not including) the database: what a request costs without storing it. */
class VerifyOnlyService extends TwoWayService {
  readonly #connection: Connection;
  readonly #provider;
  #next = 0;

  constructor(options: TwoWayServiceOptions, connection: Connection) {
    super(options);
    this.#connection = connection;
    const c = connection.config;
    this.#provider = createIssueProvider(connection.provider, { baseUrl: c.base_url, repo: c.repo, token: c.token });
  }

  override async receiveWebhook(providerName: string, ref: string, request: IssueWebhookRequest): Promise<Received> {
    const connection = this.#connection;
    if (providerName !== connection.provider || ref !== String(connection.id)) throw new Error(`unexpected endpoint ${providerName}/${ref}`);
    this.#provider.verifyWebhook(request, connection.config.webhook_secret);
    const event = this.#provider.parseWebhook(request);
    const stored: StoredIssueEvent = { event: event.event, action: event.action, change: storedChange(event.change), raw: event.payload };
    const payload = JSON.stringify(stored); // the insert's jsonb parameter
    const id = ++this.#next;
    return {
      delivery: { id, endpoint: webhookEndpoint(connection.id), delivery_id: event.deliveryId, event_type: `${event.event}.${event.action}`, payload: payload.length, received_at: new Date(), job_id: null },
      duplicate: false,
    };
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
let app: Hono<any>;
let close = async () => {};
if (kind === 'bare') {
  app = new Hono();
  app.post('/h', async (c) => {
    await c.req.arrayBuffer();
    return c.json({ ok: true });
  });
} else if ((kind === 'verify' || kind === 'stored') && schema && connectionRef) {
  const engine = await createSyncBridge({ db: createPgDb({ connectionString: url, max: kind === 'stored' ? poolSize : 2, applicationName: `bench-webhooks-${kind}` }), schema, migrate: false });
  const twoway =
    kind === 'stored'
      ? engine.twoway
      : new VerifyOnlyService({ db: engine.db, schema, jobs: engine.jobs, logger: engine.logger }, await findConnection(engine.db, schema, Number(connectionRef)));
  app = createHttpApp({ db: engine.db, jobs: engine.jobs, twoway, jobTypes: [] });
  close = async () => {
    await engine.close();
    await engine.db.close();
  };
} else {
  throw new Error('usage: node bench/webhooks/server.ts bare|verify|stored <schema> <connection id>');
}

await serveUntilSigterm(app, close);
