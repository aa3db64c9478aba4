/**
 * One connector process: spawned in its own process group so that stopping it also stops whatever it
 * started (a shell or `npx` wrapper holding our pipes open), stopped with SIGTERM then SIGKILL after a
 * grace period, and killed when this process exits. Its stderr is always read (into a bounded tail), so
 * a chatty child never blocks on it; its stdout is left for the caller to read at its own pace.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { StderrTail } from './stderr-tail.ts';

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (ENOENT, EACCES). */
  spawnError?: Error;
}

export interface ChildOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Open a stdin pipe (for `write`); otherwise stdin is /dev/null. */
  stdin: boolean;
  stderrTailBytes: number;
  onLog?: (line: string) => void;
  onSpawn?: (pid: number) => void;
  /** Any output at all, stdout or stderr. */
  onActivity: () => void;
}

// Process groups still running, killed if this process exits first so no connector outlives the engine.
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
  });
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

export class ConnectorChild {
  readonly stdout: Readable;
  readonly stdin: Writable | null;
  readonly tail: StderrTail;
  readonly exited: Promise<ExitStatus>;
  private readonly process: ChildProcess;
  private status: ExitStatus | undefined;

  constructor(file: string, args: readonly string[], options: ChildOptions) {
    installExitHook();
    this.tail = new StderrTail(options.stderrTailBytes, options.onLog);
    this.process = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const pid = this.process.pid;
    if (pid !== undefined) {
      liveGroups.add(pid);
      options.onSpawn?.(pid);
    }
    this.stdout = this.process.stdout!;
    this.stdin = this.process.stdin;
    // A write to a child that has exited fails with EPIPE; the exit status tells that story, not this.
    this.stdin?.on('error', () => {});
    this.process.stderr!.on('data', (chunk: Buffer) => {
      options.onActivity();
      this.tail.push(chunk);
    });
    this.process.stderr!.on('end', () => this.tail.end());

    this.exited = new Promise<ExitStatus>((resolve) => {
      const settle = (status: ExitStatus) => {
        if (this.status) return;
        this.status = status;
        if (pid !== undefined) liveGroups.delete(pid);
        resolve(status);
      };
      this.process.once('error', (err) => {
        if (pid === undefined) settle({ code: null, signal: null, spawnError: err });
      });
      // 'close' comes after stdout and stderr have ended, so the stderr tail is complete by then.
      this.process.once('close', (code, signal) => settle({ code, signal }));
      // But a grandchild outside our group could hold a pipe open forever: do not wait on it for long.
      this.process.once('exit', (code, signal) => setTimeout(() => settle({ code, signal }), 2000).unref());
    });
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get running(): boolean {
    return this.status === undefined && this.process.exitCode === null && this.process.signalCode === null && this.process.pid !== undefined;
  }

  /**
   * Stops the process (group): SIGTERM, then SIGKILL after `graceMs`. Unread stdout is discarded.
   * Resolves with the exit status once our child is gone; the rest of its group has been sent SIGKILL
   * by then (they are not our children, so there is no exit of theirs to wait on).
   */
  async stop(graceMs: number): Promise<ExitStatus> {
    const pid = this.process.pid;
    const signalled = this.running && pid !== undefined;
    if (signalled) {
      killGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
      await this.exitedOrExit();
      clearTimeout(timer);
      // The leader is gone but may have left members of its group behind (a wrapper's child).
      killGroup(pid, 'SIGKILL');
    }
    // Until stdout is consumed or destroyed, 'close' cannot fire.
    this.stdout.destroy();
    this.stdin?.destroy();
    return this.exited;
  }

  private exitedOrExit(): Promise<unknown> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => this.process.once('exit', resolve));
  }
}
