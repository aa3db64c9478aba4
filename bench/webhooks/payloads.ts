/**
 * Real-shaped GitHub `issues` / `edited` deliveries for the ingest load: a fake GitHub (held deliveries, no
 * auto-send) seeds `count` issues quietly, each is retitled on the "website", and the deliveries the fake
 * builds for that are taken as they would go out — the exact body and its `X-Hub-Signature-256` /
 * `X-Hub-Signature`. A signature covers the body only, so the load generator can give every request a
 * delivery id of its own and the signature stays valid.
 */
import { startFakeGitHub } from '../../src/fakes/git/github/index.ts';

export interface SignedBody {
  issueNumber: number;
  body: string;
  /** The delivery's headers without `x-github-delivery` (the load generator sets a fresh one per request). */
  headers: Record<string, string>;
}

export async function editedDeliveries(repo: string, secret: string, count: number): Promise<SignedBody[]> {
  const fake = await startFakeGitHub({ repos: [repo], autoDeliverWebhooks: false });
  try {
    fake.webhooks.subscribe(repo, { url: 'http://127.0.0.1:9/not-sent', secret });
    const issues = fake.store.seed(repo, count, { titlePrefix: 'Bench issue' });
    for (const issue of issues) fake.store.remoteEdit(repo, issue.number, { title: `${issue.title} (edited on the website)` });
    const out = fake.webhooks.pending
      .filter((d) => d.action === 'edited')
      .map((d) => {
        const { 'x-github-delivery': _id, ...headers } = d.headers;
        return { issueNumber: d.issue_number, body: d.body, headers };
      });
    fake.webhooks.discard();
    if (out.length !== count) throw new Error(`expected ${count} edited deliveries from the fake, got ${out.length}`);
    return out;
  } finally {
    await fake.close();
  }
}
