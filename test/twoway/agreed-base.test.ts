/**
 * The base stored after a merge is carried out in two steps (mirror now, provider when the push lands):
 * field by field, what both sides held. The cases the end-to-end convergence property found.
 */
import { describe, expect, test } from 'vitest';
import { agreedBase } from '../../src/twoway/agreed-base.ts';
import type { IssueFields, Snapshot } from '../../src/twoway/issue-fields.ts';

const fields = (over: Partial<IssueFields> = {}): IssueFields => ({ title: 'T0', body: 'B0', state: 'open', labels: [], assignees: [], ...over });
const snap = (over: Partial<IssueFields> = {}): Snapshot => ({ deleted: false, fields: fields(over) });
const base = fields();

describe('agreedBase', () => {
  test('a field both sides hold is agreed', () => {
    expect(agreedBase(base, { local: snap({ title: 'T1' }), remote: snap({ title: 'T1' }), decided: snap({ title: 'T1' }) })).toMatchObject({ title: 'T1' });
  });

  test('the mirror took the decided value, the provider not yet: the provider’s value, so the next merge pushes it', () => {
    const next = agreedBase(base, { local: snap({ title: 'T1' }), remote: snap(), decided: snap({ title: 'T1' }) });
    expect(next).toMatchObject({ title: 'T0' });
  });

  test('a push delivered the decided value while a local edit moved the field on: the decided value, so the edit is a local change, not a conflict', () => {
    const next = agreedBase(base, { local: snap({ state: 'open' }), remote: snap({ state: 'closed' }), decided: snap({ state: 'closed' }) });
    expect(next).toMatchObject({ state: 'closed' });
  });

  test('a conflicted field keeps the old base; neither side holding the decided value keeps it too', () => {
    const conflicted = agreedBase(base, { local: snap({ title: 'L' }), remote: snap({ title: 'R' }), decided: snap({ title: 'L' }) }, new Set(['title']));
    expect(conflicted).toMatchObject({ title: 'T0' });
    const neither = agreedBase(base, { local: snap({ body: 'L' }), remote: snap({ body: 'R' }), decided: snap({ body: 'D' }) });
    expect(neither).toMatchObject({ body: 'B0' });
  });

  test('deleted on one side keeps the old base; on both, the sync of the issue ends (null)', () => {
    expect(agreedBase(base, { local: { deleted: true }, remote: snap(), decided: { deleted: true } })).toEqual(base);
    expect(agreedBase(base, { local: { deleted: true }, remote: { deleted: true }, decided: { deleted: true } })).toBeNull();
  });
});
