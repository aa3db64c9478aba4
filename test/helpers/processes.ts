/** Real subprocesses for end-to-end tests: free ports, `npm start` in its own process group, clean stops. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

export interface Spawned {
  child: ChildProcess;
  output(): string;
  /** SIGINT to the whole process group, then wait for the exit; returns the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function spawnInGroup(command: string, args: string[], env: Record<string, string>, cwd: string): Spawned {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return {
    child,
    output: () => out,
    async stop(signal = 'SIGINT') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      try {
        process.kill(-child.pid!, signal);
      } catch {
        /* already gone */
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 15_000);
      const [code] = await exited;
      clearTimeout(timer);
      return code as number | null;
    },
  };
}
