import pg from 'pg';
import type { BenchEnv } from './environment.js';
import { NAMESPACE } from './objects.js';
import { parallel } from './stats.js';

/**
 * Logs in with each database's credentials Secret, as an application would. The Secret names the
 * in-cluster Service; the bench reaches the same PostgreSQL on loopback. Returns the failures.
 */
export async function failingCredentials(env: BenchEnv, names: readonly string[], concurrency = 4): Promise<Array<{ name: string; error: string }>> {
  const failed: Array<{ name: string; error: string }> = [];
  await parallel(names, concurrency, async (name) => {
    try {
      const secret = await env.client.get<{ data?: Record<string, string> }>(env.client.secrets(NAMESPACE, `${name}-credentials`));
      const data = Object.fromEntries(Object.entries(secret?.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
      const client = new pg.Client({ host: env.pg.host, port: env.pg.port, user: data.username, password: data.password, database: data.dbname, application_name: 'bench-login' });
      await client.connect();
      await client.query('CREATE TABLE IF NOT EXISTS bench_probe (id int)');
      await client.end();
    } catch (err) {
      failed.push({ name, error: err instanceof Error ? err.message : String(err) });
    }
  });
  return failed;
}
