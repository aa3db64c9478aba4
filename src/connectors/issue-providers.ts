/**
 * The issue trackers two-way sync can connect to, by name. Each speaks its own REST API behind the one
 * `IssueProvider` interface of the protocol.
 */
import type { IssueProvider, IssueProviderConfig } from '../protocol/issues.ts';
import { createGiteaProvider } from './gitea/index.ts';
import { createGitHubProvider } from './github/index.ts';
import { createGitLabProvider } from './gitlab/index.ts';

export const ISSUE_PROVIDERS: Record<IssueProvider['name'], (config: IssueProviderConfig) => IssueProvider> = {
  github: createGitHubProvider,
  gitea: createGiteaProvider,
  gitlab: createGitLabProvider,
};

export function createIssueProvider(name: IssueProvider['name'], config: IssueProviderConfig): IssueProvider {
  return ISSUE_PROVIDERS[name](config);
}
