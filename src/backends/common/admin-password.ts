import pg from 'pg';
import { scramVerifier } from '../../postgres/scram.js';
import { sslOptions } from '../../postgres/tls.js';
import type { AdminConnection, PasswordResult } from '../types.js';

const INVALID_PASSWORD = '28P01';

async function connect(conn: AdminConnection, password: string): Promise<pg.Client | undefined> {
  const client = new pg.Client({
    host: conn.host,
    port: conn.port,
    user: conn.user,
    password,
    database: conn.database,
    ssl: sslOptions(conn.sslmode, conn.caCert, conn.tlsServerName),
    connectionTimeoutMillis: 10_000,
  });
  try {
    await client.connect();
    return client;
  } catch (err) {
    await client.end().catch(() => undefined);
    if ((err as { code?: string }).code === INVALID_PASSWORD) return undefined;
    throw err;
  }
}

/**
 * Changes the admin's own password with SQL, for servers the operator runs itself (StatefulSet,
 * Helm): idempotent, because a kill may come after PostgreSQL took the new password but before the
 * operator recorded it — so the new password is tried first.
 * `conn.password` is the current (old) password.
 */
export async function applyAdminPassword(conn: AdminConnection, password: string): Promise<PasswordResult> {
  const already = await connect(conn, password);
  if (already) {
    await already.end();
    return { applied: true, message: 'admin password in place' };
  }
  const client = await connect(conn, conn.password);
  if (!client) return { applied: false, message: 'neither the stored nor the new admin password is accepted by the server', retryAfterSeconds: 60 };
  try {
    await client.query(`ALTER ROLE ${client.escapeIdentifier(conn.user)} PASSWORD ${client.escapeLiteral(await scramVerifier(password))}`);
  } finally {
    await client.end();
  }
  return { applied: true, message: 'admin password changed' };
}
