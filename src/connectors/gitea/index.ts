/**
 * The Gitea issue connector's entry point: `createGiteaProvider` for two-way issue sync against one repository,
 * and the webhook helpers an HTTP receiver may use on their own. Everything else in this folder is internal.
 */
import type { IssueProvider, IssueProviderConfig } from '../../protocol/issues.ts';
import { GiteaIssueProvider } from './provider.ts';

export { DEFAULT_LABEL_COLOR } from './labels.ts';
export { giteaSignature, parseGiteaWebhook, verifyGiteaSignature } from './webhook.ts';

/**
 * An IssueProvider for the Gitea repository `config.repo`, reached at `config.baseUrl` (the API root, ending in
 * `/api/v1`) with `Authorization: token <config.token>`. Throws ValidationError for a malformed config.
 */
export function createGiteaProvider(config: IssueProviderConfig): IssueProvider {
  return new GiteaIssueProvider(config);
}
