/**
 * The V8 flags the `syncbridge` command runs with (the shebang of bin/syncbridge.js and the npm scripts
 * spell them out; bench:sync starts its sync with these). A sync allocates fast and keeps little: with
 * V8's default 16 MB semi-spaces the heap's headroom took the process to ~300 MB for a 1M-record sync;
 * 2 MB semi-spaces halve that with no loss of speed (docs/benchmarks.md, bench:sync).
 */
export const SYNCBRIDGE_NODE_FLAGS = ['--max-semi-space-size=2'];
