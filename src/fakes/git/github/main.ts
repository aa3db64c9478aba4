/** Runs the fake GitHub alone: `node src/fakes/git/github/main.ts --port 12113 --issues 500` (see common/standalone.ts). */
import { runStandalone } from '../common/standalone.ts';
import { startFakeGitHub } from './index.ts';

await runStandalone('GitHub', 12113, (o) => startFakeGitHub(o));
