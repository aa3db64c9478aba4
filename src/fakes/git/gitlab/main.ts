/**
 * Runs the fake GitLab alone: `node src/fakes/git/gitlab/main.ts --port 12115 --issues 500` (see
 * common/standalone.ts); `--repo group/project` makes projects with ids from 1.
 */
import { runStandalone } from '../common/standalone.ts';
import { startFakeGitLab } from './index.ts';

await runStandalone('GitLab', 12115, ({ repos, ...o }) => startFakeGitLab({ ...o, ...(repos ? { projects: repos } : {}) }));
