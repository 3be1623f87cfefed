import type pg from 'pg';
import { SqlState, sqlState } from '../../postgres/errors.js';
import { scramVerifier } from '../../postgres/scram.js';
import { openSession } from '../../postgres/session.js';
import type { AdminConnection, PasswordResult } from '../types.js';

/** A session as the admin with `password`; undefined when the server says the password is wrong. */
async function connect(conn: AdminConnection, password: string): Promise<pg.Client | undefined> {
  try {
    return await openSession({ ...conn, password });
  } catch (err) {
    if (sqlState(err) === SqlState.InvalidPassword) return undefined;
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
