/**
 * The GitLab connector for two-way issue sync: an IssueProvider for one project's issues over GitLab's REST API v4
 * (`https://gitlab.com/api/v4`, or a self-managed instance's) and its Issue Hook webhooks.
 */
import type { IssueProvider, IssueProviderConfig } from '../../protocol/issues.ts';
import { GitLabProvider, type GitLabProviderOptions } from './provider.ts';

export type { GitLabProviderOptions } from './provider.ts';

/** The IssueProvider for the project `config.repo` (`group/project` or its numeric id) on the API at `config.baseUrl`. */
export function createGitLabProvider(config: IssueProviderConfig, options: GitLabProviderOptions = {}): IssueProvider {
  return new GitLabProvider(config, options);
}
