/**
 * The GitHub connector for two-way issue sync: an IssueProvider for one repository's issues over GitHub's REST API
 * (`https://api.github.com`, or a GHES `https://host/api/v3`) and its `issues` webhooks.
 */
import type { IssueProvider, IssueProviderConfig } from '../../protocol/issues.ts';
import { GitHubProvider, type GitHubProviderOptions } from './provider.ts';

export type { GitHubProviderOptions } from './provider.ts';

/** The IssueProvider for `config.repo` on the GitHub API at `config.baseUrl`. */
export function createGitHubProvider(config: IssueProviderConfig, options: GitHubProviderOptions = {}): IssueProvider {
  return new GitHubProvider(config, options);
}
