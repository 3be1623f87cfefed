import type pg from 'pg';
import { withSession } from '../../postgres/session.js';
import type { AdminConnection } from '../types.js';

/**
 * One short session as the admin (TLS as the connection says), closed whatever `work` does. Its
 * statements are short catalogue work: one stuck on a lock gives up after 30 s.
 */
export async function withAdminSession<T>(admin: AdminConnection, work: (client: pg.Client) => Promise<T>): Promise<T> {
  return withSession(admin, work, { statementTimeoutMillis: 30_000 });
}
