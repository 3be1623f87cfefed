import pg from 'pg';
import type { AdminConnection } from '../backends/types.js';
import { sslOptions } from './tls.js';

/**
 * What one login attempt proved: `ok` (the password is the server's), `refused` (the server
 * answered and said no: wrong password, no such role, no such database) or `unreachable` (no
 * answer, so nothing is proven either way).
 */
export type LoginProof = { result: 'ok' } | { result: 'refused' | 'unreachable'; detail: string };

/** SQLSTATE class 28 (invalid authorization) and 3D000 (no such database): the server said no. */
const REFUSED = /^(28|3D)/;

/**
 * Logs in once with `conn` (a dedicated connection, never a pooled one: a wrong password must not
 * end up in a pool) and closes it. Used to prove that a Secret nobody owns holds the password the
 * server has before the operator takes it over. The password is never part of the detail.
 */
export async function tryLogin(conn: AdminConnection, timeoutMillis = 10_000): Promise<LoginProof> {
  const client = new pg.Client({
    host: conn.host,
    port: conn.port,
    user: conn.user,
    password: conn.password,
    database: conn.database,
    // verify-full against the Service name even when reached through operator_endpoint.
    ssl: sslOptions(conn.sslmode, conn.caCert, conn.tlsServerName),
    connectionTimeoutMillis: timeoutMillis,
    application_name: 'hybrid-cloud-postgresql-operator',
  });
  // A connection that breaks after the answer must not crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { result: 'ok' };
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    const detail = err instanceof Error ? err.message : String(err);
    return { result: REFUSED.test(code) ? 'refused' : 'unreachable', detail };
  } finally {
    await client.end().catch(() => undefined);
  }
}
