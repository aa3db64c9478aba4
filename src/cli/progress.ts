/**
 * Progress of a foreground run (`syncbridge sync`): successive snapshots of the run's streams become
 * either JSON events, one per change (scripts, pipes, --json), or a block of lines redrawn in place on a
 * terminal. Snapshots come from the database, so what is shown is what the destination committed.
 * Sources rarely know their totals, so there is no bar: records, pages and a rate instead.
 */
import { count, duration } from './pipeline-format.ts';

export interface StreamSnapshot {
  stream: string;
  status: string;
  records: number;
  pages: number;
}

export interface RunSnapshot {
  run_id: number;
  status: string;
  streams: StreamSnapshot[];
}

export interface ProgressEvent {
  event: 'progress';
  run_id: number;
  stream: string;
  status: string;
  records: number;
  pages: number;
}

const ACTIVE = new Set(['pending', 'running']);

/** Remembers what was last reported of each stream, and when each started moving (for its rate). */
export class ProgressTracker {
  private readonly last = new Map<string, string>();
  private readonly started = new Map<string, { at: number; records: number }>();
  private readonly stopped = new Map<string, number>();

  /** The streams whose status or counts changed since the last snapshot, as events. */
  changes(snapshot: RunSnapshot, now: number): ProgressEvent[] {
    const events: ProgressEvent[] = [];
    for (const s of snapshot.streams) {
      if (s.status === 'running' && !this.started.has(s.stream)) this.started.set(s.stream, { at: now, records: s.records });
      if (!ACTIVE.has(s.status) && !this.stopped.has(s.stream)) this.stopped.set(s.stream, now);
      const key = `${s.status}/${s.records}/${s.pages}`;
      if (this.last.get(s.stream) === key) continue;
      this.last.set(s.stream, key);
      events.push({ event: 'progress', run_id: snapshot.run_id, stream: s.stream, status: s.status, records: s.records, pages: s.pages });
    }
    return events;
  }

  /** Records per second since the stream was first seen running; undefined until there is a second of it. */
  rate(s: StreamSnapshot, now: number): number | undefined {
    const start = this.started.get(s.stream);
    if (!start) return undefined;
    const seconds = ((this.stopped.get(s.stream) ?? now) - start.at) / 1000;
    return seconds >= 1 ? (s.records - start.records) / seconds : undefined;
  }
}

/** The lines a terminal shows for a run: a header, then one line per stream. */
export function progressLines(title: string, snapshot: RunSnapshot | undefined, tracker: ProgressTracker, elapsedMs: number, now: number): string[] {
  if (!snapshot) return [`${title}  waiting for a worker to start the run…  ${duration(elapsedMs)}`];
  const total = snapshot.streams.reduce((n, s) => n + s.records, 0);
  const lines = [`${title}  run ${snapshot.run_id}  ${snapshot.status}  ${count(total)} records  ${duration(elapsedMs)}`];
  const width = Math.max(...snapshot.streams.map((s) => s.stream.length), 6);
  for (const s of snapshot.streams) {
    const rate = tracker.rate(s, now);
    lines.push(
      [
        `  ${s.stream.padEnd(width)}`,
        s.status.padEnd(9),
        `${count(s.records).padStart(11)} records`,
        `${count(s.pages).padStart(6)} pages`,
        rate === undefined ? '' : `${count(rate).padStart(8)} rec/s`,
      ]
        .join('  ')
        .trimEnd(),
    );
  }
  return lines;
}

/**
 * A block of lines redrawn in place with ANSI cursor moves: up to the block's first line, rewrite
 * each line, clear below. Lines are cut to the terminal's width, since a wrapped line would throw the
 * count of lines to move up off.
 */
export class LiveBlock {
  private height = 0;
  private readonly out: NodeJS.WriteStream;
  constructor(out: NodeJS.WriteStream) {
    this.out = out;
  }

  draw(lines: string[]): void {
    const columns = this.out.columns && this.out.columns > 1 ? this.out.columns - 1 : 200;
    let text = this.height > 0 ? `\r\x1b[${this.height}A` : '';
    for (const line of lines) text += `\x1b[2K${line.length > columns ? `${line.slice(0, columns - 1)}…` : line}\n`;
    this.out.write(`${text}\x1b[J`);
    this.height = lines.length;
  }
}
