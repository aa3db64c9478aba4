import { describe, expect, test } from 'vitest';
import { LiveBlock, progressLines, ProgressTracker, type RunSnapshot } from './progress.ts';

const snap = (streams: [string, string, number, number][], status = 'running'): RunSnapshot => ({
  run_id: 7,
  status,
  streams: streams.map(([stream, s, records, pages]) => ({ stream, status: s, records, pages })),
});

describe('progress of a foreground run', () => {
  test('only streams whose status or counts changed are reported', () => {
    const t = new ProgressTracker();
    expect(t.changes(snap([['a', 'pending', 0, 0], ['b', 'pending', 0, 0]]), 0)).toHaveLength(2);
    expect(t.changes(snap([['a', 'pending', 0, 0], ['b', 'pending', 0, 0]]), 100)).toEqual([]);
    expect(t.changes(snap([['a', 'running', 100, 1], ['b', 'pending', 0, 0]]), 200)).toEqual([{ event: 'progress', run_id: 7, stream: 'a', status: 'running', records: 100, pages: 1 }]);
  });

  test('the rate counts from when the stream was first seen running, and stops when it ends', () => {
    const t = new ProgressTracker();
    t.changes(snap([['a', 'running', 100, 1]]), 0);
    expect(t.rate({ stream: 'a', status: 'running', records: 150, pages: 2 }, 500)).toBeUndefined();
    expect(t.rate({ stream: 'a', status: 'running', records: 300, pages: 3 }, 2000)).toBe(100);
    t.changes(snap([['a', 'succeeded', 500, 5]]), 4000);
    expect(t.rate({ stream: 'a', status: 'succeeded', records: 500, pages: 5 }, 60_000)).toBe(100);
  });

  test('a terminal shows a header and one line per stream, without a rate until there is one', () => {
    const t = new ProgressTracker();
    const s = snap([['customers', 'running', 1234, 13], ['invoices', 'pending', 0, 0]]);
    t.changes(s, 0);
    expect(progressLines('pipeline p', undefined, t, 1500, 1500)).toEqual(['pipeline p  waiting for a worker to start the run…  1.5s']);
    expect(progressLines('pipeline p', s, t, 2000, 2000)).toEqual([
      'pipeline p  run 7  running  1,234 records  2.0s',
      '  customers  running          1,234 records      13 pages         0 rec/s',
      '  invoices   pending              0 records       0 pages',
    ]);
  });

  test('a block is redrawn in place: up to its first line, each line cleared, the rest of the screen cleared', () => {
    let out = '';
    const block = new LiveBlock({ columns: 20, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream);
    block.draw(['one', 'a line much longer than the terminal']);
    expect(out).toBe('\x1b[2Kone\n\x1b[2Ka line much longer…\n\x1b[J');
    out = '';
    block.draw(['two']);
    expect(out).toBe('\r\x1b[2A\x1b[2Ktwo\n\x1b[J');
  });
});
