#!/usr/bin/env -S node --max-semi-space-size=2
// The `syncbridge` command (V8 flags: see bin/node-flags.ts). Runs the TypeScript sources directly: Node
// >= 22.18 strips types natively. main.ts runs itself only as the entry module, so it is called here.
import process from 'node:process';
import { run } from '../src/cli/main.ts';

process.exitCode = await run(process.argv.slice(2));
