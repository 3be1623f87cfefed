import pg from 'pg';
import type { TestPostgres } from './postgres-server.js';

/** One statement as the test server's superuser, in its own session. */
export async function superuserQueryOn(server: TestPostgres, sql: string, database = 'postgres'): Promise<pg.QueryResult> {
  const client = new pg.Client({ host: server.host, port: server.port, user: 'postgres', password: server.password, database });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}
