/** Plain-text rendering of jobs for the terminal. */
import type { JobWithAttempts } from '../jobs/store.ts';
import type { Job } from '../jobs/types.ts';

const iso = (d: Date | null) => (d ? d.toISOString() : '-');

export function jobLine(j: Job): string {
  return [String(j.id).padStart(6), j.status.padEnd(9), j.job_type.padEnd(14), j.entity_id.padEnd(20), `attempts=${j.attempt_count}`, iso(j.updated_at)].join('  ');
}

export function jobTable(jobs: Job[]): string {
  if (jobs.length === 0) return 'no jobs';
  const head = ['    id', 'status   ', 'type          ', 'entity              ', 'attempts  ', 'updated'].join('  ');
  return [head, ...jobs.map(jobLine)].join('\n');
}

export function jobDetail(j: JobWithAttempts): string {
  const lines = [
    `job ${j.id}  ${j.status}`,
    `  type           ${j.job_type}`,
    `  entity         ${j.entity_id}`,
    `  attempts       ${j.attempt_count} (max retries ${j.max_retries})`,
    `  run at         ${iso(j.run_at)}`,
    `  correlation    ${j.correlation_id}`,
    `  created        ${iso(j.created_at)}`,
    `  finished       ${iso(j.finished_at)}`,
  ];
  if (j.replay_of_job_id) lines.push(`  replay of      job ${j.replay_of_job_id} (attempt id ${j.replay_of_attempt_id ?? '-'})`);
  if (j.depends_on.length) lines.push(`  depends on     ${j.depends_on.map((d) => `${d.id} (${d.status})`).join(', ')}`);
  if (j.last_error) lines.push(`  last error     ${String(j.last_error.class)}: ${String(j.last_error.message)}`);
  lines.push('  attempts:');
  if (j.attempts.length === 0) lines.push('    none yet');
  for (const a of j.attempts) {
    const err = a.error_class ? `  ${a.error_class}: ${a.error_message ?? ''}` : '';
    lines.push(`    #${a.number}  ${a.outcome.padEnd(10)} ${a.duration_ms.toFixed(1).padStart(9)} ms  ${iso(a.started_at)}  ${a.worker_id}${err}`);
  }
  return lines.join('\n');
}
