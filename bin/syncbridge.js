#!/usr/bin/env -S node --max-semi-space-size=2
// The `syncbridge` command (V8 flags: see bin/node-flags.ts). Runs the TypeScript sources directly: Node
// >= 22.18 strips types natively. main.ts runs itself only as the entry module, so it is called here.
//
// Node's on-disk compile cache keeps the stripped and compiled modules between runs (keyed by content,
// so an edited file is compiled afresh): a command starts in ~0.7 s instead of ~1.3 s. It has to be on
// before the sources load, hence the dynamic import.
import module from 'node:module';
import process from 'node:process';

module.enableCompileCache?.();
const { run } = await import('../src/cli/main.ts');
process.exitCode = await run(process.argv.slice(2));
