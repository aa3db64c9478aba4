/**
 * Plain-text rendering of pipelines and runs for the terminal. Pipelines reach it redacted by the
 * service, so printing a config here never prints a secret.
 */
import type { Pipeline, PipelineRun, PipelineSummary } from '../sync/pipeline-store.ts';

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : '-');

/** 1234567 → "1,234,567". */
export const count = (n: number) => Math.round(n).toLocaleString('en-US');

/** A duration in the unit a person reads: 850ms, 12.3s, 4m05s, 2h10m. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

const runCounts = (r: PipelineRun) => r.counts as { records?: number; pages?: number };
const runDuration = (r: PipelineRun) => (r.finished_at ? duration(new Date(r.finished_at).getTime() - new Date(r.started_at).getTime()) : '-');

export function pipelineTable(pipelines: PipelineSummary[]): string {
  if (pipelines.length === 0) return 'no pipelines';
  const rows = pipelines.map((p) => [
    String(p.id),
    p.name,
    `${p.source.connector} → ${p.destination.connector}`,
    p.streams.join(','),
    p.schedule ?? 'on demand',
    p.last_run ? `${p.last_run.status} ${iso(p.last_run.finished_at ?? p.last_run.started_at)}` : 'never run',
  ]);
  return table(['id', 'name', 'source → destination', 'streams', 'schedule', 'last run'], rows, [0]);
}

export function pipelineDetail(p: Pipeline, runs: PipelineRun[]): string {
  const lines = [
    `pipeline ${p.id}  ${p.name}`,
    `  source         ${p.source.connector}  ${JSON.stringify(p.source.config)}`,
    `  destination    ${p.destination.connector}  ${JSON.stringify(p.destination.config)}`,
    `  streams        ${p.streams.join(', ')}`,
    `  mode           ${p.mode}`,
    `  schedule       ${p.schedule ?? 'none (runs on demand)'}`,
    `  created        ${iso(p.created_at)}`,
    '  recent runs:',
  ];
  if (runs.length === 0) lines.push('    none yet');
  for (const r of runs) lines.push(`    ${runLine(r)}`);
  return lines.join('\n');
}

export function runLine(r: PipelineRun): string {
  const c = runCounts(r);
  return [`run ${r.id}`, r.status.padEnd(9), r.trigger.padEnd(8), `${count(c.records ?? 0)} records`, `${count(c.pages ?? 0)} pages`, iso(r.started_at), runDuration(r)].join('  ');
}

export function runTable(runs: PipelineRun[]): string {
  if (runs.length === 0) return 'no runs';
  const rows = runs.map((r) => {
    const c = runCounts(r);
    return [String(r.id), r.status, r.trigger, count(c.records ?? 0), count(c.pages ?? 0), iso(r.started_at), runDuration(r), String(r.job_id ?? '-')];
  });
  return table(['id', 'status', 'trigger', 'records', 'pages', 'started', 'took', 'job'], rows, [0, 3, 4]);
}

/** Columns padded to their widest cell; `right` lists the columns aligned right (numbers). */
function table(head: string[], rows: string[][], right: number[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right.includes(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}
