/**
 * The fake git forges for the two-way issue sync's tests, benchmarks and demo: GitHub, Gitea and GitLab over real
 * HTTP on loopback, sharing one issue store design, webhook queue, limiter and fault injection (common/), plus a
 * loopback webhook receiver. Each provider's own module has the full API.
 */
export { startWebhookReceiver, type ReceivedDelivery, type WebhookReceiver } from './common/receiver.ts';
export { startFakeGitea, type FakeGitea, type FakeGiteaOptions } from './gitea/index.ts';
export { startFakeGitHub, type FakeGitHub, type FakeGitHubOptions } from './github/index.ts';
export { startFakeGitLab, type FakeGitLab, type FakeGitLabOptions } from './gitlab/index.ts';
