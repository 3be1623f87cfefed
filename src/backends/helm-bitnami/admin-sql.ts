import { escapeIdentifier, escapeLiteral } from 'pg';
import { openSession, roleExists, scramVerifier, setRolePassword, SqlError, SqlState, sqlState, type Queryable } from '../../postgres/index.js';
import { TemporaryError } from '../errors.js';
import type { AdminConnection } from '../types.js';

/** The chart's built-in superuser; its password comes from `auth.existingSecret` at first start. */
export const CHART_SUPERUSER = 'postgres';

/** The password was wrong, or there is no such role / it may not log in. */
const AUTH_FAILED = new Set<string>([SqlState.InvalidPassword, SqlState.InvalidAuthorization]);

export interface Session extends Queryable {
  end(): Promise<void>;
}

/**
 * Opens a session with `conn`; undefined when the server refuses the password (so a caller can try
 * the other one). Any other failure (server down, DNS, TLS) is a `TemporaryError`.
 */
export async function tryLogin(conn: AdminConnection, connectTimeoutMs: number): Promise<Session | undefined> {
  try {
    return await openSession(conn, { connectTimeoutMillis: connectTimeoutMs });
  } catch (err) {
    const code = sqlState(err);
    if (code && AUTH_FAILED.has(code)) return undefined;
    throw new TemporaryError(`cannot connect to PostgreSQL at ${conn.host}:${conn.port} as ${conn.user}: ${(err as Error).message}`, undefined, { cause: err });
  }
}

/** Opens a session as the chart's superuser with the first of `passwords` the server accepts. */
export async function loginAsSuperuser(
  conn: AdminConnection,
  passwords: readonly string[],
  connectTimeoutMs: number,
): Promise<{ session: Session; password: string } | undefined> {
  for (const password of passwords) {
    const session = await tryLogin({ ...conn, user: CHART_SUPERUSER, password }, connectTimeoutMs);
    if (session) return { session, password };
  }
  return undefined;
}

/**
 * Makes `role` a superuser that logs in with `password`: the operator's admin when
 * `admin_username` is not the chart's `postgres` (the chart cannot rename its superuser). It is
 * no more powerful than `postgres`, whose password is the same.
 */
export async function ensureAdminRole(q: Queryable, role: string, password: string): Promise<void> {
  const verb = (await roleExists(q, role)) ? 'ALTER' : 'CREATE';
  try {
    await q.query(`${verb} ROLE ${escapeIdentifier(role)} WITH LOGIN SUPERUSER PASSWORD ${escapeLiteral(await scramVerifier(password))}`);
  } catch (err) {
    // SqlError carries PostgreSQL's message, never the statement (it holds the verifier).
    throw new SqlError(`${verb.toLowerCase()} the admin role ${role}`, err);
  }
}

/** Sets the password of the superuser and of the admin role (when it is another one). */
export async function setAdminPasswords(q: Queryable, adminRole: string, password: string): Promise<void> {
  await setRolePassword(q, CHART_SUPERUSER, password, { allowPrivileged: true });
  if (adminRole !== CHART_SUPERUSER) await ensureAdminRole(q, adminRole, password);
}

/** The major version the server runs, e.g. "16". */
export async function runningMajor(q: Queryable): Promise<string> {
  const result = await q.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
  const num = Number(result.rows[0]?.v ?? 0);
  return String(Math.floor(num / 10000));
}
