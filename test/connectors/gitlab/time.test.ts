/** GitLab's two timestamp formats read onto one clock: REST ISO 8601 with milliseconds, webhook `… UTC` words. */
import { expect, test } from 'vitest';
import { parseGitLabTime } from '../../../src/connectors/gitlab/time.ts';

test('REST and webhook timestamps, offsets and long fractions parse to the same instants', () => {
  expect(parseGitLabTime('2016-01-04T15:31:51.081Z')).toEqual(new Date(Date.UTC(2016, 0, 4, 15, 31, 51, 81)));
  expect(parseGitLabTime('2017-12-10 16:37:38 UTC')).toEqual(new Date(Date.UTC(2017, 11, 10, 16, 37, 38)));
  expect(parseGitLabTime('2013-12-03T17:15:43Z')).toEqual(new Date(Date.UTC(2013, 11, 3, 17, 15, 43)));
  expect(parseGitLabTime('2015-04-11 10:19:14 +0200')).toEqual(new Date(Date.UTC(2015, 3, 11, 8, 19, 14)));
  expect(parseGitLabTime('2015-04-11T10:19:14.5-01:30')).toEqual(new Date(Date.UTC(2015, 3, 11, 11, 49, 14, 500)));
  expect(parseGitLabTime('2024-01-01T10:00:00.123456Z')).toEqual(new Date(Date.UTC(2024, 0, 1, 10, 0, 0, 123)));
  // No zone: GitLab writes UTC, so UTC — never the local time of the machine reading it.
  expect(parseGitLabTime('2024-01-01 10:00:00')).toEqual(new Date(Date.UTC(2024, 0, 1, 10)));
});

test('anything else is null', () => {
  for (const bad of ['', 'yesterday', '2024-01-01', '2024-13-01T00:00:00Z', '2024-01-01T25:00:00Z', '1704103200', '2024-01-01T10:00:00 PST']) {
    expect(parseGitLabTime(bad), bad).toBeNull();
  }
});
