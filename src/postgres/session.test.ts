import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type pg from 'pg';
import type { AdminConnection, SslMode } from '../backends/types.js';
import { startPostgres, type TestPostgres } from '../../test/support/postgres-server.js';
import { makeTestCa, type TestCa } from '../../test/support/test-ca.js';
import { sqlState } from './errors.js';
import { openSession, withSession } from './session.js';

function connOf(server: TestPostgres, sslmode: SslMode = 'disable', extra: Partial<AdminConnection> = {}): AdminConnection {
  return { host: server.host, port: server.port, user: server.user, password: server.password, database: 'postgres', sslmode, ...extra };
}

async function one<R>(client: pg.Client, sql: string): Promise<R> {
  return (await client.query(sql)).rows[0] as R;
}

/** Whether a session opened with `conn` runs over TLS (the server's view, not the client's). */
async function usesTls(conn: AdminConnection): Promise<boolean> {
  return withSession(conn, async (c) => (await one<{ ssl: boolean }>(c, 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).ssl);
}

describe('openSession / withSession over TLS: the sslmode decides what is verified', () => {
  let certs: TestCa;
  let byName: TestPostgres;
  let byIp: TestPostgres;

  beforeAll(async () => {
    certs = await makeTestCa(['DNS:db.example', 'IP:127.0.0.1']);
    [byName, byIp] = await Promise.all([startPostgres({ tls: certs.certs['DNS:db.example'] }), startPostgres({ tls: certs.certs['IP:127.0.0.1'] })]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([byName?.stop(), byIp?.stop()]);
  });

  it('disable and prefer use plain TCP; require encrypts and verifies nothing (any CA, any name)', async () => {
    expect(await usesTls(connOf(byName, 'disable'))).toBe(false);
    expect(await usesTls(connOf(byName, 'prefer'))).toBe(false);
    expect(await usesTls(connOf(byName, 'require', { caCert: certs.otherCaPem, tlsServerName: 'elsewhere.example' }))).toBe(true);
  });

  it('verify-ca checks the chain but not the name', async () => {
    expect(await usesTls(connOf(byName, 'verify-ca', { caCert: certs.caPem }))).toBe(true);
    expect(await usesTls(connOf(byName, 'verify-ca', { caCert: certs.caPem, tlsServerName: 'elsewhere.example' }))).toBe(true);
    await expect(usesTls(connOf(byName, 'verify-ca', { caCert: certs.otherCaPem }))).rejects.toThrow(/self.signed|unable to verify|certificate/i);
    // Without a CA only the system's CAs are trusted: a private CA is not among them.
    await expect(usesTls(connOf(byName, 'verify-ca'))).rejects.toThrow(/self.signed|unable to verify|certificate/i);
  });

  it('verify-full checks the chain and that the certificate names the host', async () => {
    expect(await usesTls(connOf(byIp, 'verify-full', { caCert: certs.caPem }))).toBe(true);
    await expect(usesTls(connOf(byName, 'verify-full', { caCert: certs.caPem }))).rejects.toThrow(/altnames|does not match/i);
    await expect(usesTls(connOf(byIp, 'verify-full', { caCert: certs.otherCaPem }))).rejects.toThrow(/self.signed|unable to verify|certificate/i);
  });

  it('verify-full with tlsServerName checks that name instead of the address connected to (a port-forward)', async () => {
    expect(await usesTls(connOf(byName, 'verify-full', { caCert: certs.caPem, tlsServerName: 'db.example' }))).toBe(true);
    await expect(usesTls(connOf(byName, 'verify-full', { caCert: certs.caPem, tlsServerName: 'other.example' }))).rejects.toThrow(/other\.example/);
    // The name replaces the address: the IP certificate no longer fits.
    await expect(usesTls(connOf(byIp, 'verify-full', { caCert: certs.caPem, tlsServerName: 'db.example' }))).rejects.toThrow(/db\.example/);
    await expect(usesTls(connOf(byName, 'verify-full', { caCert: certs.otherCaPem, tlsServerName: 'db.example' }))).rejects.toThrow(/self.signed|unable to verify|certificate/i);
  });
});

describe('openSession / withSession: errors, timeouts and closing', () => {
  let server: TestPostgres;
  let silent: Server;
  let silentPort: number;

  beforeAll(async () => {
    server = await startPostgres();
    // Accepts TCP and never answers: a connect that must give up on its own.
    silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as { port: number }).port;
  }, 120_000);

  afterAll(async () => {
    silent?.close();
    await server?.stop();
  });

  it('names the operator in pg_stat_activity and sets the statement timeout only when asked', async () => {
    const seen = await withSession(connOf(server), (c) => one<{ application_name: string; statement_timeout: string }>(c, "SELECT current_setting('application_name') AS application_name, current_setting('statement_timeout') AS statement_timeout"));
    expect(seen).toEqual({ application_name: 'hybrid-cloud-postgresql-operator', statement_timeout: '0' });
    const limited = await withSession(connOf(server), (c) => one<{ statement_timeout: string }>(c, 'SHOW statement_timeout'), { statementTimeoutMillis: 30_000 });
    expect(limited.statement_timeout).toBe('30s');
  });

  it("throws the driver's error unchanged (SQLSTATE kept) when the password is wrong, and never shows the password", async () => {
    const err = await openSession({ ...connOf(server), password: 'Wr0ngPasswordValue' }).catch((e: unknown) => e);
    expect(sqlState(err)).toBe('28P01');
    expect(String((err as Error).message) + String((err as Error).stack)).not.toContain('Wr0ngPasswordValue');
  });

  it('gives up connecting after connectTimeoutMillis', async () => {
    const started = Date.now();
    await expect(openSession({ ...connOf(server), port: silentPort }, { connectTimeoutMillis: 300 })).rejects.toThrow(/timeout/i);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('closes the session whatever the work does', async () => {
    let used: pg.Client | undefined;
    await expect(
      withSession(connOf(server), async (c) => {
        used = c;
        throw new Error('work failed');
      }),
    ).rejects.toThrow('work failed');
    await expect(used!.query('SELECT 1')).rejects.toThrow(/not queryable|closed|ended/i);
  });

  it('survives the server ending the session while the client is idle', async () => {
    const client = await openSession(connOf(server));
    try {
      const { pid } = await one<{ pid: number }>(client, 'SELECT pg_backend_pid() AS pid');
      await withSession(connOf(server), (c) => c.query('SELECT pg_terminate_backend($1)', [pid]));
      // Without an error listener this would be an uncaught error event and end the test process.
      await new Promise((resolve) => setTimeout(resolve, 200));
      await expect(client.query('SELECT 1')).rejects.toThrow();
    } finally {
      await client.end().catch(() => undefined);
    }
  });
});
