/** The Stripe source as an executable: `node bin.ts <spec|check|discover|read> [--config f] …`. */
import { serveConnector } from '../../protocol/serve.ts';
import { stripeSource } from './index.ts';

process.exitCode = await serveConnector(stripeSource, process.argv.slice(2), process.stdin, process.stdout);
