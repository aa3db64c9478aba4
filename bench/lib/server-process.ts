/**
 * Benchmark servers in processes of their own, so the load generator and the server do not share an
 * event loop: `startServerProcess` spawns a script and waits for its `listening <url>` line;
 * `serveUntilSigterm` is that script's side.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Hono } from 'hono';
import { startHttpServer } from '../../src/http/server.ts';

export interface ServerProcess {
  url: string;
  stop(): Promise<void>;
}

export async function startServerProcess(script: URL, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<ServerProcess> {
  const child = spawn(process.execPath, [script.pathname, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${args[0] ?? script.pathname} server exited with ${code}`)));
    child.stdout!.on('data', (d: Buffer) => {
      const m = /listening (\S+)/.exec(d.toString());
      if (m) resolve(m[1]!);
    });
  });
  return {
    url,
    async stop() {
      child.removeAllListeners('exit');
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/** Serves `app` on a free loopback port, announces it, and on SIGTERM closes it, then `close`, then exits. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function serveUntilSigterm(app: Hono<any>, close: () => Promise<void>): Promise<void> {
  const server = await startHttpServer(app, { host: '127.0.0.1', port: 0, apiToken: undefined });
  process.stdout.write(`listening ${server.url}\n`);
  process.on('SIGTERM', () => {
    void server
      .close()
      .then(close)
      .then(() => process.exit(0));
  });
}
