/**
 * Which controls a job offers in its state, and their buttons: each a plain POST form to
 * /ui/jobs/{id}/{action}. The state rules themselves live in the job store; this only decides which
 * buttons to show, and a stale page whose button no longer applies gets the store's 409 message.
 */
import { html } from 'hono/html';
import type { JobStatus } from '../../jobs/types.ts';
import type { Html } from './format.ts';

export const JOB_ACTIONS = ['cancel', 'retry', 'replay'] as const;
export type JobAction = (typeof JOB_ACTIONS)[number];

export function actionsFor(status: JobStatus): JobAction[] {
  switch (status) {
    case 'pending':
    case 'running':
      return ['cancel'];
    case 'failed':
      return ['retry', 'replay'];
    case 'dead':
    case 'cancelled':
    case 'succeeded':
      return ['replay'];
  }
}

const LABEL: Record<JobAction, { text: string; cls: string; title: string }> = {
  cancel: { text: 'Cancel', cls: 'danger', title: 'Cancel this job (a running handler is aborted)' },
  retry: { text: 'Retry', cls: 'primary', title: 'Put this failed job back to pending; its attempts are kept' },
  replay: { text: 'Replay', cls: '', title: 'Create a new job from this one, linked to it' },
};

export function actionButton(id: number, action: JobAction, small = false): Html {
  const l = LABEL[action];
  return html`<form method="post" action="/ui/jobs/${id}/${action}"><button type="submit" class="${l.cls}${small ? ' small' : ''}" title="${l.title}" data-action="${action}">${l.text}</button></form>`;
}

export function actionButtons(id: number, actions: readonly JobAction[], small = false): Html {
  return html`<div class="actions">${actions.map((a) => actionButton(id, a, small))}</div>`;
}
