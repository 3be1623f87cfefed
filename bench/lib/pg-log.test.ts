import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client, escapeIdentifier } from 'pg';
import { startPostgres, type TestPostgres } from '../../test/support/postgres-server.js';
import { PG_LOG_SETTINGS, PgLog, type SqlActivity } from './pg-log.js';
import { until } from './stats.js';

let server: TestPostgres;

beforeAll(async () => {
  server = await startPostgres({ settings: PG_LOG_SETTINGS });
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

async function connect(application: string): Promise<Client> {
  const client = new Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: 'postgres', application_name: application });
  await client.connect();
  return client;
}

/** The log reaches this process through a pipe: wait until it shows what was run. */
async function settled(log: PgLog, application: string, statements: number): Promise<SqlActivity> {
  await until(() => log.activity(application).statements >= statements, 10_000, () => `${statements} statements of ${application} in the log`);
  return log.activity(application);
}

describe('PgLog (against PostgreSQL 15 with the bench\'s log settings)', () => {
  it('counts one application\'s statements and connections, and times its CREATE DATABASE by name', async () => {
    const log = new PgLog(server);
    log.mark();
    const measured = await connect('bench-measured');
    const other = await connect('someone-else');
    try {
      await measured.query('SELECT 1');
      await measured.query('SELECT $1::text AS prepared', ['a parameter']);
      await measured.query(`CREATE DATABASE ${escapeIdentifier('odd "name"')}`);
      await measured.query('CREATE DATABASE Plain');
      await other.query('SELECT 2');
      await other.query('CREATE DATABASE not_measured');
      const activity = await settled(log, 'bench-measured', 4);
      expect(activity.statements).toBe(4);
      expect(activity.connections).toBe(1);
      expect([...activity.createDatabaseMs.keys()].sort()).toEqual(['odd "name"', 'plain']);
      for (const ms of activity.createDatabaseMs.values()) expect(ms).toBeGreaterThan(0);
      expect((await settled(log, 'someone-else', 2)).createDatabaseMs.has('not_measured')).toBe(true);
    } finally {
      await measured.end();
      await other.end();
    }
  });

  it('forgets what was logged before its mark', async () => {
    const log = new PgLog(server);
    const client = await connect('before-and-after');
    try {
      await client.query('SELECT 1');
      await settled(log, 'before-and-after', 1);
      log.mark();
      expect(log.activity('before-and-after')).toMatchObject({ statements: 0, connections: 0 });
      await client.query('SELECT 2');
      expect((await settled(log, 'before-and-after', 1)).statements).toBe(1);
    } finally {
      await client.end();
    }
  });
});
