/**
 * How busy the whole machine's CPUs were over an interval, from /proc/stat (Linux; elsewhere unknown):
 * every process counts, Postgres and the fake server as much as the syncing ones, and anyone else's.
 */
import { readFileSync } from 'node:fs';

export interface CpuSample {
  busy: number;
  total: number;
}

export function cpuSample(): CpuSample | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const [, ...fields] = line.trim().split(/\s+/);
    const n = fields.map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already inside user)
    const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (n[3] ?? 0) + (n[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/** The share (0–1) of all cores' time that was busy between two samples. */
export function busyShare(from: CpuSample | undefined, to: CpuSample | undefined): number | undefined {
  if (!from || !to || to.total <= from.total) return undefined;
  return (to.busy - from.busy) / (to.total - from.total);
}
