/** Runs the fake Gitea alone: `node src/fakes/git/gitea/main.ts --port 12114 --issues 500` (see common/standalone.ts). */
import { runStandalone } from '../common/standalone.ts';
import { startFakeGitea } from './index.ts';

await runStandalone('Gitea', 12114, (o) => startFakeGitea(o));
