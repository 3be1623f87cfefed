import pg from 'pg';
import type { AdminConnection } from '../backends/types.js';
import { sslOptions } from './tls.js';

/** What PostgreSQL shows in `pg_stat_activity.application_name` for the operator's connections. */
export const APPLICATION_NAME = 'hybrid-cloud-postgresql-operator';

const DEFAULT_CONNECT_TIMEOUT_MILLIS = 10_000;

export interface SessionOptions {
  /** Give up connecting after this long (default 10 s): an unreachable server must not stall a reconcile. */
  connectTimeoutMillis?: number;
  /** PostgreSQL cancels any statement of the session that runs longer (default: no limit). */
  statementTimeoutMillis?: number;
}

/**
 * The `pg` settings that reach the server `conn` describes: address, login and TLS (the sslmode,
 * CA and the name the certificate must carry, see `sslOptions`). The one place where an
 * `AdminConnection` becomes driver options, so sessions and pools cannot verify TLS differently.
 */
export function connectionConfig(conn: AdminConnection): pg.ClientConfig {
  return {
    host: conn.host,
    port: conn.port,
    user: conn.user,
    password: conn.password,
    database: conn.database,
    ssl: sslOptions(conn.sslmode, conn.caCert, conn.tlsServerName),
    application_name: APPLICATION_NAME,
  };
}

/**
 * Opens one dedicated connection (never a pooled one: a wrong password tried here must not end up
 * in a pool). Whoever gets the client ends it. When connecting fails the client is closed and the
 * driver's error is thrown unchanged, so callers decide which SQLSTATEs mean "refused".
 */
export async function openSession(conn: AdminConnection, opts: SessionOptions = {}): Promise<pg.Client> {
  const client = new pg.Client({
    ...connectionConfig(conn),
    connectionTimeoutMillis: opts.connectTimeoutMillis ?? DEFAULT_CONNECT_TIMEOUT_MILLIS,
    ...(opts.statementTimeoutMillis === undefined ? {} : { statement_timeout: opts.statementTimeoutMillis }),
  });
  // A server that drops the connection later (restart, failover) must not crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return client;
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
}

/** Runs `work` in a session of its own, closed whatever `work` does. */
export async function withSession<T>(conn: AdminConnection, work: (client: pg.Client) => Promise<T>, opts: SessionOptions = {}): Promise<T> {
  const client = await openSession(conn, opts);
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
