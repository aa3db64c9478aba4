/**
 * Usernames ↔ user ids. The engine speaks usernames (IssueFields.assignees) but GitLab assigns by id
 * (`assignee_ids`, reference §3), so writes need the id of every assignee. Ids come from two places: every issue
 * GitLab answers with names its users with `{id, username}` (learned as they pass), and `GET /users?username=`
 * (the real API's lookup; an exact, case-insensitive match) for a name not seen yet. A username GitLab does not know
 * is a ValidationError: assigning nobody instead would quietly drop an assignee the other side still has.
 */
import { NotFound, ValidationError } from '../../protocol/errors.ts';
import type { GitLabClient } from './client.ts';
import { GitLabUser } from './map.ts';

export class UserDirectory {
  readonly #client: GitLabClient;
  /** Lowercased username → id. */
  readonly #ids = new Map<string, number>();
  readonly #names = new Map<number, string>();

  constructor(client: GitLabClient) {
    this.#client = client;
  }

  /** Remembers users an answer or a payload named. */
  learn(users: Iterable<{ id: number; username: string }>): void {
    for (const u of users) {
      this.#ids.set(u.username.toLowerCase(), u.id);
      this.#names.set(u.id, u.username);
    }
  }

  /** The username of a known id. */
  username(id: number): string | undefined {
    return this.#names.get(id);
  }

  /** The ids of `usernames`, in order, looking up the ones not known yet; ValidationError naming any GitLab lacks. */
  async ids(usernames: readonly string[], signal?: AbortSignal): Promise<number[]> {
    const unknown: string[] = [];
    for (const name of usernames) {
      if (!this.#ids.has(name.toLowerCase()) && !(await this.#lookUp(name, signal))) unknown.push(name);
    }
    if (unknown.length) {
      throw new ValidationError(`GitLab has no user ${unknown.map((n) => JSON.stringify(n)).join(', ')} to assign`, { detail: { unknown_usernames: unknown } });
    }
    return usernames.map((n) => this.#ids.get(n.toLowerCase())!);
  }

  /** `GET /users?username=`; false when GitLab has no such user or no such route (an instance or fake without it). */
  async #lookUp(username: string, signal?: AbortSignal): Promise<boolean> {
    let body: unknown;
    try {
      ({ body } = await this.#client.send({ method: 'GET', path: '/users', query: { username }, signal }));
    } catch (err) {
      if (err instanceof NotFound) return false;
      throw err;
    }
    const found = Array.isArray(body) ? body.flatMap((u) => GitLabUser.safeParse(u).data ?? []) : [];
    const match = found.find((u) => u.username.toLowerCase() === username.toLowerCase());
    if (match) this.learn([match]);
    return match !== undefined;
  }
}
