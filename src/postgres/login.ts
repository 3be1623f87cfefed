import type { AdminConnection } from '../backends/types.js';
import { withSession } from './session.js';

/**
 * What one login attempt proved: `ok` (the password is the server's), `refused` (the server
 * answered and said no: wrong password, no such role, no such database) or `unreachable` (no
 * answer, so nothing is proven either way).
 */
export type LoginProof = { result: 'ok' } | { result: 'refused' | 'unreachable'; detail: string };

/** SQLSTATE class 28 (invalid authorization) and 3D000 (no such database): the server said no. */
const REFUSED = /^(28|3D)/;

/**
 * Logs in once with `conn` (TLS verified as `conn` says; with `tlsServerName`, verify-full checks
 * the Service name even when reached through operator_endpoint) and closes the session. Used to
 * prove that a Secret nobody owns holds the password the server has before the operator takes it
 * over. The password is never part of the detail.
 */
export async function tryLogin(conn: AdminConnection, timeoutMillis = 10_000): Promise<LoginProof> {
  try {
    await withSession(conn, (client) => client.query('SELECT 1'), { connectTimeoutMillis: timeoutMillis });
    return { result: 'ok' };
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    const detail = err instanceof Error ? err.message : String(err);
    return { result: REFUSED.test(code) ? 'refused' : 'unreachable', detail };
  }
}
