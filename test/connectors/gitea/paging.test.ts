/**
 * Gitea's paging rules as pure functions: the Link header (comma-joined, next/last/first/prev, built on ROOT_URL)
 * gives the next page number, never a URL to follow; without a Link a full page means "maybe more"; page tokens
 * are positive page numbers only. Also the `since` format: RFC 3339 UTC at whole seconds.
 */
import { describe, expect, test } from 'vitest';
import { giteaTime } from '../../../src/connectors/gitea/list.ts';
import { nextPage, parseLinkHeader, parsePageToken } from '../../../src/connectors/gitea/paging.ts';

const headers = (link?: string) => new Headers(link === undefined ? {} : { link });

describe('Link header', () => {
  test('parses the reference’s example: rels joined by "," without a space', () => {
    const links = parseLinkHeader('<http://localhost/api/v1/repos/search?limit=1&page=2>; rel="next",<http://localhost/api/v1/repos/search?limit=1&page=5252>; rel="last"');
    expect([...links.keys()]).toEqual(['next', 'last']);
    expect(links.get('last')).toBe('http://localhost/api/v1/repos/search?limit=1&page=5252');
    expect(parseLinkHeader(null).size).toBe(0);
  });

  test('the next page is the page number of rel="next", whatever host ROOT_URL names', () => {
    const link = '<https://gitea.internal:3000/api/v1/repos/o/r/issues?limit=50&page=3&state=all>; rel="next", <https://gitea.internal:3000/api/v1/repos/o/r/issues?limit=50&page=9>; rel="last"';
    expect(nextPage(headers(link), 2, 50)).toBe(3);
  });

  test('no rel="next" in a Link is the last page, even when it is full', () => {
    expect(nextPage(headers('<http://x/?page=1>; rel="first",<http://x/?page=1>; rel="prev"'), 2, 50)).toBeNull();
  });

  test('a rel="next" without a usable page number, or pointing backwards, still means page + 1', () => {
    expect(nextPage(headers('</api/v1/repos/o/r/issues?limit=50>; rel="next"'), 4, 50)).toBe(5);
    expect(nextPage(headers('<http://x/?page=1>; rel="next"'), 4, 50)).toBe(5);
  });

  test('without a Link, a full page may have more after it and a short or empty page has not', () => {
    expect(nextPage(headers(), 1, 50)).toBe(2);
    expect(nextPage(headers(), 1, 49)).toBeNull();
    expect(nextPage(headers(), 3, 0)).toBeNull();
    expect(nextPage(headers('<http://x/?page=2>; rel="next"'), 1, 0)).toBeNull();
  });
});

test('page tokens are positive page numbers only', () => {
  expect(parsePageToken('1')).toBe(1);
  expect(parsePageToken('12')).toBe(12);
  for (const bad of ['', '0', '01', '-1', '1.0', ' 2', 'two', '9999999999']) expect(parsePageToken(bad), bad).toBeNull();
});

test('since is sent as RFC 3339 UTC, floored to the second', () => {
  expect(giteaTime(new Date('2026-01-15T12:00:00.999Z'))).toBe('2026-01-15T12:00:00Z');
  expect(giteaTime(new Date('2026-01-15T21:00:00+09:00'))).toBe('2026-01-15T12:00:00Z');
});
