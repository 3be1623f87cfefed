import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Client } from 'pg';
import type { AdminConnection, SslMode } from '../backends/types.js';
import { startPostgres, type TestPostgres } from '../../test/support/postgres-server.js';
import { makeTestCa, type TestCa } from '../../test/support/test-ca.js';
import { PoolRegistry } from './pools.js';
import { setRolePassword } from './roles.js';

function connOf(server: TestPostgres, sslmode: SslMode = 'disable', caCert?: string): AdminConnection {
  return { host: server.host, port: server.port, user: server.user, password: server.password, database: 'postgres', sslmode, caCert };
}

async function usesTls(registry: PoolRegistry, conn: AdminConnection): Promise<boolean> {
  const { rows } = await registry.get(conn).query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
  return rows[0]!.ssl;
}

describe('PoolRegistry', () => {
  let server: TestPostgres;
  const registry = new PoolRegistry({ connectionTimeoutMillis: 30_000 });

  beforeAll(async () => {
    server = await startPostgres();
  }, 120_000);

  afterAll(async () => {
    await registry.closeAll();
    await server?.stop();
  });

  it('reuses one pool per server, user, database and sslmode', async () => {
    const conn = connOf(server);
    const a = registry.get(conn);
    expect(registry.get({ ...conn })).toBe(a);
    expect(registry.get(conn, 'template1')).not.toBe(a);
    expect(registry.get(conn, 'postgres')).toBe(a);
    const { rows } = await registry.get(conn, 'template1').query<{ db: string }>('SELECT current_database() AS db');
    expect(rows[0]!.db).toBe('template1');
    const pools = registry.forServer(conn);
    expect(pools.admin).toBe(a);
    expect(pools.forDatabase('template1')).toBe(registry.get(conn, 'template1'));
  });

  it('replaces a pool when the password changes, and closes pools on invalidate', async () => {
    const conn = connOf(server);
    const old = registry.get(conn);
    await old.query('SELECT 1');
    await setRolePassword(old, 'postgres', 'N3wAdminPassw0rd');
    const changed = { ...conn, password: 'N3wAdminPassw0rd' };
    const fresh = registry.get(changed);
    expect(fresh).not.toBe(old);
    await expect(fresh.query('SELECT 1')).resolves.toBeDefined();
    await expect(old.query('SELECT 1')).rejects.toThrow(); // ended
    // Put the password back so the other tests keep working.
    await setRolePassword(fresh, 'postgres', server.password);
    const before = registry.size;
    await registry.invalidate(server.host, server.port);
    expect(registry.size).toBeLessThan(before);
    await expect(fresh.query('SELECT 1')).rejects.toThrow();
    await expect(registry.get(conn).query('SELECT 1')).resolves.toBeDefined();
  });

  it('invalidates only the pools of one database when asked', async () => {
    const conn = connOf(server);
    const main = registry.get(conn);
    const other = registry.get(conn, 'template1');
    await registry.invalidate(server.host, server.port, 'template1');
    expect(registry.get(conn)).toBe(main);
    expect(registry.get(conn, 'template1')).not.toBe(other);
  });

  it('survives the server killing an idle connection', async () => {
    const errors: string[] = [];
    const reg = new PoolRegistry({ onIdleError: (err, where) => errors.push(`${where.database}: ${err.message}`) });
    try {
      const pool = reg.get(connOf(server));
      const { rows } = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const killer = new Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: 'postgres' });
      await killer.connect();
      await killer.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      await killer.end();
      for (let i = 0; i < 200 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
      expect(errors[0]).toMatch(/^postgres: /);
      await expect(pool.query('SELECT 1')).resolves.toBeDefined();
    } finally {
      await reg.closeAll();
    }
  });

  it('reports a wrong password without revealing it', async () => {
    const reg = new PoolRegistry();
    try {
      const err = await reg.get({ ...connOf(server), password: 'Wr0ngPasswordValue' }).query('SELECT 1').catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/password authentication failed/);
      expect(JSON.stringify(err) + String((err as Error).stack)).not.toContain('Wr0ngPasswordValue');
    } finally {
      await reg.closeAll();
    }
  });
});

describe('PoolRegistry over TLS', () => {
  let certs: TestCa;
  let byName: TestPostgres;
  let byIp: TestPostgres;
  const registry = new PoolRegistry({ connectionTimeoutMillis: 30_000 });

  beforeAll(async () => {
    certs = await makeTestCa(['DNS:db.example', 'IP:127.0.0.1']);
    [byName, byIp] = await Promise.all([startPostgres({ tls: certs.certs['DNS:db.example'] }), startPostgres({ tls: certs.certs['IP:127.0.0.1'] })]);
  }, 120_000);

  afterAll(async () => {
    await registry.closeAll();
    await Promise.all([byName?.stop(), byIp?.stop()]);
  });

  it('disable and prefer connect in plain TCP, require encrypts', async () => {
    expect(await usesTls(registry, connOf(byName, 'disable'))).toBe(false);
    expect(await usesTls(registry, connOf(byName, 'prefer'))).toBe(false);
    expect(await usesTls(registry, connOf(byName, 'require'))).toBe(true);
  });

  it('verify-ca accepts a certificate from the CA whatever its name, and refuses other CAs', async () => {
    expect(await usesTls(registry, connOf(byName, 'verify-ca', certs.caPem))).toBe(true);
    await expect(usesTls(registry, connOf(byName, 'verify-ca', certs.otherCaPem))).rejects.toThrow(/certificate/i);
  });

  it('verify-full also checks that the certificate names the host', async () => {
    await expect(usesTls(registry, connOf(byName, 'verify-full', certs.caPem))).rejects.toThrow(/altnames|does not match|IP: 127\.0\.0\.1/i);
    expect(await usesTls(registry, connOf(byIp, 'verify-full', certs.caPem))).toBe(true);
  });
});
