/**
 * Postgres failures → the protocol's typed errors, classified once here by SQLSTATE or socket code,
 * with the connection string's password redacted from every message. The pg error is not kept as
 * `cause` (its text is unredacted); its SQLSTATE, table, column and constraint go in `detail`.
 */
import { AuthError, NotFound, SyncError, UpstreamUnavailable, ValidationError } from '../../protocol/errors.ts';

const REDACTED = '***';

/** `text` with the password of `connectionString` (raw and URL-decoded) and any `://user:pass@` masked. */
export function redactSecret(text: string, connectionString: string): string {
  let out = text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/gi, `$1${REDACTED}@`);
  for (const secret of passwordsOf(connectionString)) out = out.replaceAll(secret, REDACTED);
  return out;
}

function passwordsOf(connectionString: string): string[] {
  const found = new Set<string>();
  try {
    const url = new URL(connectionString);
    if (url.password) {
      found.add(url.password);
      found.add(decodeURIComponent(url.password));
    }
  } catch {
    // Not a URL (a libpq key=value string): mask `password=…` the same way.
    const m = /password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)/i.exec(connectionString);
    if (m?.[1]) found.add(m[1].replace(/^'|'$/g, ''));
  }
  // A one-character "password" would mask half the message; such a secret is not worth hiding anyway.
  return [...found].filter((p) => p.length >= 3);
}

interface PgErrorLike {
  message?: string;
  code?: string;
  table?: string;
  column?: string;
  constraint?: string;
  schema?: string;
}

/**
 * The typed error for a failure of the destination's database. `where` says what we were doing
 * (e.g. `writing stream "customers"`), and is put first in the message.
 */
export function classifyPgError(err: unknown, connectionString: string, where: string): SyncError {
  if (err instanceof SyncError) return err;
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as PgErrorLike;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = redactSecret(`postgres destination: ${where}: ${e.message ?? 'unknown error'}`, connectionString);
  const detail: Record<string, unknown> = {};
  if (code) detail.sqlstate = code;
  for (const key of ['schema', 'table', 'column', 'constraint'] as const) if (typeof e[key] === 'string') detail[key] = e[key];
  const options = { detail };
  if (!code) return new UpstreamUnavailable(message, options);
  // 28: invalid authorization; 42501: insufficient privilege.
  if (code.startsWith('28') || code === '42501') return new AuthError(message, options);
  // 3D000: the database does not exist.
  if (code === '3D000') return new NotFound(message, options);
  // 22: data exception; 23: integrity constraint violation; 42: syntax or undefined object.
  if (code.startsWith('22') || code.startsWith('23') || code.startsWith('42')) return new ValidationError(message, options);
  // Everything else (08 connection, 57P01 terminated, 40 serialization, 53 resources, socket codes) may pass.
  return new UpstreamUnavailable(message, options);
}
