/**
 * The external backend end to end: a real PostgreSQL serving TLS stands for a server that existed
 * before the operator; its admins are not superusers (CREATEDB CREATEROLE, as on RDS, Azure or
 * Cloud SQL). The operator connects with verify-full, creates databases whose Secrets log in over
 * verify-full, refuses an admin without CREATEROLE with a condition naming it, changes the admin
 * password only when the Secret is its own, and forgets the server when its CR is deleted.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import pg from 'pg';
import { escapeLiteral } from 'pg';
import { pino } from 'pino';
import { createExternalBackend } from '../../src/backends/external/index.js';
import { mergePatchOptions } from '../../src/k8s/patch.js';
import { scramVerifier } from '../../src/postgres/index.js';
import { Harness, waitFor } from '../support/operator-harness.js';
import { makeTestCa, type TestCa } from '../support/test-ca.js';

const HOST = 'localhost';
const OPERATOR_NS = 'operator-system';

let ca: TestCa;
let h: Harness;
let superuser: pg.Client;

async function createAdmin(name: string, password: string, rights: string): Promise<void> {
  await superuser.query(`CREATE ROLE ${name} LOGIN ${rights} PASSWORD ${escapeLiteral(await scramVerifier(password))}`);
}

function adminSecret(name: string, user: string, password: string, namespace = 'default', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, ...extra },
    data: encode({ host: HOST, port: String(h.pg.port), username: user, password, sslmode: 'verify-full', 'ca.crt': ca.caPem }),
  };
}

function encode(data: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
}

function server(name: string, external: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1',
    kind: 'PostgreSQLServer',
    metadata: { name, namespace: 'default' },
    spec: { backend: 'external', external, size: { storageGB: 1 }, credentialsSecret: `${name}-credentials` },
  };
}

function database(name: string, serverName: string): Record<string, unknown> {
  return {
    apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1',
    kind: 'PostgreSQLDatabase',
    metadata: { name, namespace: 'default' },
    spec: { serverRef: { name: serverName }, credentialsSecret: `${name}-credentials` },
  };
}

/** Logs in as an application would, with the Secret's keys and the CA it carries. */
async function loginVerifyFull(data: Record<string, string>, caPem = data['ca.crt']): Promise<string> {
  expect(data.sslmode).toBe('verify-full');
  const client = new pg.Client({ host: data.host, port: Number(data.port), user: data.username, password: data.password, database: data.dbname, ssl: { ca: caPem, rejectUnauthorized: true } });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ ssl: boolean; db: string }>('SELECT ssl, current_database() AS db FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    expect(rows[0]?.ssl).toBe(true);
    return rows[0]!.db;
  } finally {
    await client.end();
  }
}

async function exists(kind: 'database' | 'role', name: string): Promise<boolean> {
  const sql = kind === 'database' ? 'SELECT 1 FROM pg_database WHERE datname = $1' : 'SELECT 1 FROM pg_roles WHERE rolname = $1';
  return (await superuser.query(sql, [name])).rowCount === 1;
}

describe('external backend (real PostgreSQL with TLS, non-superuser admins)', () => {
  beforeAll(async () => {
    ca = await makeTestCa([`DNS:${HOST}`]);
    h = await Harness.start({
      postgres: { tls: ca.certs[`DNS:${HOST}`]! },
      config: { allowed_backends: ['statefulset', 'external'], reconcile: { resync_seconds: 10 } },
    });
    superuser = new pg.Client({ host: h.pg.host, port: h.pg.port, user: h.pg.user, password: h.pg.password, database: 'postgres' });
    await superuser.connect();
    await createAdmin('platform_admin', 'PlatformAdmin123', 'CREATEDB CREATEROLE');
    await createAdmin('weak_admin', 'WeakAdmin12345', 'CREATEDB');
    await createAdmin('shared_admin', 'SharedAdmin1234', 'CREATEDB CREATEROLE');
    await h.kube.core.createNamespace({ body: { metadata: { name: OPERATOR_NS } } });
    // The platform team declares one server in the config; its admin Secret stays in its namespace.
    await h.stopOperator();
    h.config.backends.external = { secrets_namespace: OPERATOR_NS, servers: { shared: { host: HOST, port: h.pg.port, sslmode: 'verify-full', admin_secret: 'shared-admin' } } };
    await h.startOperator(h.config);
  }, 120_000);

  afterAll(async () => {
    await superuser?.end();
    await h?.stop();
  });

  it('a server with a CREATEDB CREATEROLE admin becomes Ready over verify-full and reports the version it runs', async () => {
    await h.create(adminSecret('central-admin', 'platform_admin', 'PlatformAdmin123'));
    await h.create(server('central', { adminSecretRef: { name: 'central-admin' } }));
    await h.waitForReady('PostgreSQLServer', 'central', 'True', 'Available', 30_000);
    const status = (await h.get<{ status: Record<string, unknown> }>('PostgreSQLServer', 'central'))!.status;
    expect(status).toMatchObject({ backend: 'external', version: '15', endpoint: { host: HOST, port: h.pg.port, sslmode: 'verify-full' } });
    const creds = (await h.secret('central-credentials'))!;
    expect(creds).toMatchObject({ username: 'platform_admin', password: 'PlatformAdmin123', sslmode: 'verify-full' });
    expect(await loginVerifyFull(creds)).toBe('postgres');
  });

  it('creates databases whose Secrets log in over verify-full (and only with the right CA)', async () => {
    await h.create(database('orders', 'central'));
    await h.waitForReady('PostgreSQLDatabase', 'orders', 'True', 'Available', 30_000);
    const creds = (await h.secret('orders-credentials'))!;
    expect(creds).toMatchObject({ host: HOST, dbname: 'orders', username: 'orders', sslmode: 'verify-full', 'ca.crt': ca.caPem });
    expect(await loginVerifyFull(creds)).toBe('orders');
    await expect(loginVerifyFull(creds, ca.otherCaPem)).rejects.toThrow(/certificate/);
    const { rows } = await superuser.query<{ owner: string }>("SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = 'orders'");
    expect(rows[0]?.owner).toBe('orders');
  });

  it('never takes over a database or role someone else made on the server (no claim: DatabaseConflict, password untouched)', async () => {
    await superuser.query(`CREATE ROLE legacy LOGIN PASSWORD ${escapeLiteral(await scramVerifier('LegacyApp12345'))}`);
    await superuser.query('CREATE DATABASE legacy OWNER legacy');
    await superuser.query(`CREATE ROLE lonely LOGIN PASSWORD ${escapeLiteral(await scramVerifier('LonelyApp12345'))}`);
    for (const name of ['legacy', 'lonely']) {
      await h.create(database(name, 'central'));
      const ready = await h.waitForReady('PostgreSQLDatabase', name, 'False', 'DatabaseConflict', 30_000);
      expect(ready.message).toMatch(new RegExp(`role "${name}" already exists on the server and was not made for PostgreSQLDatabase default/${name}`));
    }
    const app = new pg.Client({ host: h.pg.host, port: h.pg.port, user: 'legacy', password: 'LegacyApp12345', database: 'legacy' });
    await app.connect();
    await app.end();
    expect(await exists('database', 'lonely')).toBe(false);
    expect(await h.secret('legacy-credentials')).toBeUndefined();
  });

  it('claims the roles it makes, and finishes a database whose comment a kill cut off', async () => {
    const { rows } = await superuser.query<{ comment: string }>("SELECT shobj_description(oid, 'pg_authid') AS comment FROM pg_roles WHERE rolname = 'orders'");
    expect(rows[0]?.comment).toBe('managed by hybrid-cloud-postgresql-operator for default/orders');
    // A run killed after CREATE DATABASE, before its COMMENT: the claimed role owns it, so it is ours.
    await superuser.query("CREATE ROLE resumed LOGIN; COMMENT ON ROLE resumed IS 'managed by hybrid-cloud-postgresql-operator for default/resumed'");
    await superuser.query('CREATE DATABASE resumed OWNER resumed');
    await h.create(database('resumed', 'central'));
    await h.waitForReady('PostgreSQLDatabase', 'resumed', 'True', 'Available', 30_000);
    expect(await loginVerifyFull((await h.secret('resumed-credentials'))!)).toBe('resumed');
  });

  it('names the missing right of an admin without CREATEROLE, with an event, and creates nothing', async () => {
    await h.create(adminSecret('weak-admin', 'weak_admin', 'WeakAdmin12345'));
    await h.create(server('weak', { adminSecretRef: { name: 'weak-admin' } }));
    const ready = await h.waitForReady('PostgreSQLServer', 'weak', 'False', 'MissingPrivilege', 30_000);
    expect(ready.message).toMatch(/admin user "weak_admin" lacks CREATEROLE/);
    expect(ready.message).not.toMatch(/CREATEDB/);
    await waitFor(async () => (await h.events('weak')).some((e) => e.type === 'Warning' && e.reason === 'MissingPrivilege'), 10_000, () => 'MissingPrivilege event');
    await h.create(database('stalled', 'weak'));
    await h.waitForReady('PostgreSQLDatabase', 'stalled', 'False', 'WaitingForServer', 30_000);
    expect(await exists('database', 'stalled')).toBe(false);
    expect(await h.secret('weak-credentials')).toBeUndefined();
  });

  it('a missing admin Secret is a condition and an event, not a crash', async () => {
    await h.create(server('nosecret', { adminSecretRef: { name: 'does-not-exist' } }));
    const ready = await h.waitForReady('PostgreSQLServer', 'nosecret', 'False', 'InvalidSpec', 30_000);
    expect(ready.message).toMatch(/admin Secret default\/does-not-exist not found/);
    expect((await h.events('nosecret')).some((e) => e.type === 'Warning')).toBe(true);
  });

  it('refuses to reset an admin password it could not write back, and keeps everything working', async () => {
    await h.patch('PostgreSQLServer', 'central', { metadata: { labels: { 'operator/action': 'reset-password' } } });
    await waitFor(async () => (await h.events('central')).some((e) => e.reason === 'PasswordResetRefused'), 30_000, () => 'PasswordResetRefused event');
    await waitFor(async () => !(await h.get<{ metadata: { labels?: Record<string, string> } }>('PostgreSQLServer', 'central'))?.metadata.labels?.['operator/action'], 10_000, () => 'label removed');
    expect((await h.secret('central-admin'))!.password).toBe('PlatformAdmin123');
    expect(await loginVerifyFull((await h.secret('central-credentials'))!)).toBe('postgres');
  });

  it('changes the admin password with SQL and writes it back when the operator owns the admin Secret', async () => {
    await createAdmin('owned_admin', 'OwnedAdmin12345', 'CREATEDB CREATEROLE');
    await h.create(server('owned', { adminSecretRef: { name: 'owned-admin' } }));
    const uid = (await h.get<{ metadata: { uid: string } }>('PostgreSQLServer', 'owned'))!.metadata.uid;
    const ownerReferences = [{ apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1', kind: 'PostgreSQLServer', name: 'owned', uid, controller: true }];
    await h.create(adminSecret('owned-admin', 'owned_admin', 'OwnedAdmin12345', 'default', { ownerReferences }));
    await h.waitForReady('PostgreSQLServer', 'owned', 'True', 'Available', 30_000);
    await h.patch('PostgreSQLServer', 'owned', { metadata: { labels: { 'operator/action': 'reset-password' } } });
    await waitFor(async () => (await h.secret('owned-admin'))!.password !== 'OwnedAdmin12345', 30_000, () => 'admin Secret rewritten');
    const admin = (await h.secret('owned-admin'))!;
    expect(admin['pending-password']).toBeUndefined();
    expect(await loginVerifyFull({ ...admin, dbname: 'postgres' })).toBe('postgres');
    await waitFor(async () => (await h.secret('owned-credentials'))?.password === admin.password, 30_000, () => 'credentials Secret updated');
  });

  it('a server the config declares: teams get databases, never its admin credentials', async () => {
    await h.create(adminSecret('shared-admin', 'shared_admin', 'SharedAdmin1234', OPERATOR_NS));
    await h.create(server('shared', { server: 'shared' }));
    await h.waitForReady('PostgreSQLServer', 'shared', 'True', 'Available', 30_000);
    const creds = (await h.secret('shared-credentials'))!;
    expect(creds).toMatchObject({ host: HOST, port: String(h.pg.port), sslmode: 'verify-full', 'ca.crt': ca.caPem });
    expect(creds).not.toHaveProperty('password');
    expect(creds).not.toHaveProperty('username');
    await h.create(database('billing', 'shared'));
    await h.waitForReady('PostgreSQLDatabase', 'billing', 'True', 'Available', 30_000);
    expect(await loginVerifyFull((await h.secret('billing-credentials'))!)).toBe('billing');
    const { rows } = await superuser.query<{ member: boolean }>("SELECT pg_has_role('shared_admin', 'billing', 'USAGE') AS member");
    expect(rows[0]?.member).toBe(true);
  });

  it('a refused reset on a server whose spec the config no longer accepts: PasswordResetRefused, never a PasswordReset event', async () => {
    // The platform team stops offering the server to this namespace (the operator restarts with the new config).
    const narrowed = structuredClone(h.config);
    (narrowed.backends.external as { servers: Record<string, { namespaces?: string[] }> }).servers.shared!.namespaces = ['elsewhere'];
    await h.stopOperator();
    await h.startOperator(narrowed);
    try {
      await h.patch('PostgreSQLServer', 'shared', { metadata: { labels: { 'operator/action': 'reset-password' } } });
      await waitFor(async () => (await h.events('shared')).some((e) => e.reason === 'PasswordResetRefused'), 30_000, () => 'PasswordResetRefused event');
      await h.waitForReady('PostgreSQLServer', 'shared', 'False', 'NotPermitted', 30_000);
      await waitFor(async () => !(await h.get<{ metadata: { labels?: Record<string, string> } }>('PostgreSQLServer', 'shared'))?.metadata.labels?.['operator/action'], 10_000, () => 'label removed');
      await h.operator!.whenIdle();
      expect((await h.events('shared')).map((e) => e.reason)).not.toContain('PasswordReset');
    } finally {
      await h.stopOperator();
      await h.startOperator(h.config);
    }
  });

  it('an unknown config-declared server is refused with a condition', async () => {
    await h.create(server('unknown', { server: 'nope' }));
    const ready = await h.waitForReady('PostgreSQLServer', 'unknown', 'False', 'InvalidSpec', 30_000);
    expect(ready.message).toMatch(/no server "nope" is declared in the operator config; known: shared/);
  });

  it('examples/shared-server.yaml works as written: two teams get databases on the registered server, a third is refused', async () => {
    const docs = readFileSync('examples/shared-server.yaml', 'utf8').split(/^---$/m).map((d) => parse(d) as Record<string, unknown> | null).filter((d): d is Record<string, unknown> => !!d);
    for (const doc of docs) {
      const meta = doc.metadata as { name: string; namespace?: string; labels?: Record<string, string> };
      if (doc.kind === 'Namespace') await h.kube.core.createNamespace({ body: { metadata: meta } });
      else if (doc.kind === 'Secret') {
        // The example's server stands for this test's: only where it is and the password differ.
        const data = { ...(doc.stringData as Record<string, string>), host: HOST, port: String(h.pg.port), password: 'PlatformAdmin123', 'ca.crt': ca.caPem };
        await h.create({ apiVersion: 'v1', kind: 'Secret', metadata: meta, data: encode(data) });
      } else await h.create(doc);
    }
    await h.kube.core.createNamespace({ body: { metadata: { name: 'team-c' } } });
    await h.create({ ...database('orders', 'central'), metadata: { name: 'orders', namespace: 'team-c' }, spec: { serverRef: { name: 'central', namespace: 'platform' }, credentialsSecret: 'orders-credentials' } });
    await waitFor(async () => (await h.ready('PostgreSQLServer', 'central', 'platform'))?.status === 'True', 30_000, () => 'platform/central Ready');
    for (const team of ['team-a', 'team-b']) {
      await waitFor(async () => (await h.ready('PostgreSQLDatabase', 'orders', team))?.status === 'True', 30_000, () => `${team}/orders Ready`);
      expect(await loginVerifyFull((await h.secret('orders-credentials', team))!)).toBe(`${team.replace('-', '_')}__orders`);
    }
    await waitFor(async () => (await h.ready('PostgreSQLDatabase', 'orders', 'team-c'))?.reason === 'NotPermitted', 30_000, () => 'team-c refused');
    expect(await h.secret('orders-credentials', 'team-c')).toBeUndefined();
    expect(await h.secret('central-credentials', 'team-a')).toBeUndefined();
  });

  it('a reset cut short after PostgreSQL took the new password completes from the Secret\'s pending-password', async () => {
    await createAdmin('killed_admin', 'KilledAdmin1234', 'CREATEDB CREATEROLE');
    // The Secret's owner must exist (the API server collects objects whose owner is gone).
    await h.create(server('killed', { adminSecretRef: { name: 'killed-admin' } }));
    const uid = (await h.get<{ metadata: { uid: string } }>('PostgreSQLServer', 'killed'))!.metadata.uid;
    const ownerReferences = [{ apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1', kind: 'PostgreSQLServer', name: 'killed', uid, controller: true }];
    await h.create(adminSecret('killed-admin', 'killed_admin', 'KilledAdmin1234', 'default', { ownerReferences }));
    const backend = await createExternalBackend({ config: h.config, kube: h.kube, log: pino({ level: 'silent' }) });
    const ctx = {
      namespace: 'default', name: 'killed', uid, generation: 1, resolved: { version: 'unknown' }, adminPassword: 'unused',
      adminSecret: { name: 'x', passwordKey: 'password' }, owner: ownerReferences[0]!, labels: {}, state: {},
      spec: { backend: 'external', external: { adminSecretRef: { name: 'killed-admin' } }, size: { storageGB: 1 }, credentialsSecret: 'killed-credentials' },
    };
    // The first run wrote pending-password and changed the role, then was killed.
    await h.kube.core.patchNamespacedSecret({ name: 'killed-admin', namespace: 'default', body: { data: encode({ 'pending-password': 'KilledNew123456' }) } }, mergePatchOptions());
    await superuser.query(`ALTER ROLE killed_admin PASSWORD ${escapeLiteral(await scramVerifier('KilledNew123456'))}`);
    // Observe still reaches the server (with the pending password), so the handler gets to finish.
    expect(await backend.observe(ctx)).toMatchObject({ exists: true, ready: true });
    expect((await backend.adminConnection(ctx, { host: HOST, port: h.pg.port, sslmode: 'verify-full' })).password).toBe('KilledNew123456');
    expect(await backend.setAdminPassword(ctx, 'KilledNew123456', undefined)).toMatchObject({ applied: true });
    const admin = (await h.secret('killed-admin'))!;
    expect(admin.password).toBe('KilledNew123456');
    expect(admin).not.toHaveProperty('pending-password');
    await backend.close?.();
  });

  it('deleting the external server CR forgets it and leaves every database and role on the server', async () => {
    await h.delete('PostgreSQLServer', 'central');
    await waitFor(async () => !(await h.get('PostgreSQLServer', 'central')), 30_000, () => 'server CR gone');
    expect(await exists('database', 'orders')).toBe(true);
    expect(await exists('role', 'orders')).toBe(true);
    expect(await exists('role', 'platform_admin')).toBe(true);
    expect(await h.secret('central-admin')).toMatchObject({ password: 'PlatformAdmin123' });
    // The database's own Secret still logs in: nothing on the server changed.
    expect(await loginVerifyFull((await h.secret('orders-credentials'))!)).toBe('orders');
  });
});
