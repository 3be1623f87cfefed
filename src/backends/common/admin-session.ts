import pg from 'pg';
import { sslOptions } from '../../postgres/tls.js';
import type { AdminConnection } from '../types.js';

/** One short session as the admin (TLS as the connection says), closed whatever `work` does. */
export async function withAdminSession<T>(admin: AdminConnection, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    host: admin.host,
    port: admin.port,
    user: admin.user,
    password: admin.password,
    database: admin.database,
    ssl: sslOptions(admin.sslmode, admin.caCert, admin.tlsServerName),
    connectionTimeoutMillis: 10_000,
    statement_timeout: 30_000,
  });
  // A server that goes away mid-session must not crash the process.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
