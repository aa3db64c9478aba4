/** The Postgres destination as an executable: `node bin.ts write --config f --catalog f < messages`. */
import { serveConnector } from '../../protocol/serve.ts';
import { postgresDestination } from './index.ts';

process.exitCode = await serveConnector(postgresDestination, process.argv.slice(2), process.stdin, process.stdout);
