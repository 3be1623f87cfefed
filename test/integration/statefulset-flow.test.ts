import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Harness, OPERATOR_CLIENT, waitFor } from '../support/operator-harness.js';
import { loginWithSecret as login } from '../support/tls-login.js';

describe('statefulset backend, end to end against the fake API server and a real PostgreSQL', () => {
  let h: Harness;

  beforeAll(async () => {
    // The operator's defaults: TLS on, plain TCP refused.
    h = await Harness.start({ config: { tls: { enabled: true } } });
    await h.apply(readFileSync('examples/simple.yaml', 'utf8'));
  });

  afterAll(async () => {
    await h?.stop();
  });

  it('creates the server: StatefulSet, Service, Secrets with owner references, Ready=True', async () => {
    const ready = await h.waitForReady('PostgreSQLServer', 'demoteam');
    expect(ready.reason).toBe('Available');
    const sts = await h.kube.apps.readNamespacedStatefulSet({ name: 'demoteam-postgresql', namespace: 'default' });
    const server = await h.get<{ metadata: { uid: string }; status: Record<string, unknown> }>('PostgreSQLServer', 'demoteam');
    expect(sts.metadata?.ownerReferences?.[0]?.uid).toBe(server?.metadata.uid);
    expect(sts.spec?.template.spec?.containers[0]?.image).toBe('docker.io/library/postgres:17');
    expect(sts.spec?.volumeClaimTemplates?.[0]?.spec?.resources?.requests?.storage).toMatch(/Gi$/);
    expect(sts.spec?.template.metadata?.labels?.['app.kubernetes.io/instance']).toBe('demoteam-postgresql');
    const svc = await h.kube.core.readNamespacedService({ name: 'demoteam-postgresql', namespace: 'default' });
    expect(svc.spec?.type).toBe('ClusterIP');
    expect(server?.status).toMatchObject({ backend: 'statefulset', version: '17', sizeClass: 'small', endpoint: { host: 'demoteam-postgresql.default.svc', port: 5432 } });
    const creds = await h.secret('demoteam-postgres-credentials');
    expect(creds).toMatchObject({ hostname: 'demoteam-postgresql.default.svc', host: 'demoteam-postgresql.default.svc', port: '5432', username: 'postgres', dbname: 'postgres', sslmode: 'verify-full' });
    expect(creds?.['ca.crt']).toContain('BEGIN CERTIFICATE');
    expect(creds?.password).toHaveLength(h.config.security.password_length);
  });

  it('creates the database, the role and the credentials Secret; the app can log in and create tables', async () => {
    await h.waitForReady('PostgreSQLDatabase', 'demoservice');
    const data = await h.secret('demoservice-postgres-credentials');
    expect(data).toMatchObject({ dbname: 'demoservice', username: 'demoservice', port: '5432', sslmode: 'verify-full' });
    expect(data?.['ca.crt']).toContain('BEGIN CERTIFICATE');
    expect(data?.uri).toBe(`postgresql://demoservice:${data?.password}@demoteam-postgresql.default.svc:5432/demoservice?sslmode=verify-full`);
    expect(data?.['jdbc-url']).toContain('jdbc:postgresql://demoteam-postgresql.default.svc:5432/demoservice?');
    const client = await login(data!, h.pg.port);
    await client.query('CREATE TABLE t (id int)');
    await client.end();
    await expect(login(data!, h.pg.port, { sslmode: 'disable' })).rejects.toThrow(/no encryption|pg_hba/);
    // PUBLIC has no CONNECT on the database.
    const rows = await h.kubelet.query("SELECT has_database_privilege('public', 'demoservice', 'CONNECT') AS c");
    expect(rows.rows[0].c).toBe(false);
  });

  it('records events and writes no status on a resync with nothing changed', async () => {
    const events = await h.events('demoservice');
    expect(events.map((e) => e.reason)).toContain('Ready');
    await h.operator!.whenIdle();
    h.api.resetCounts();
    // A resync of every object: nothing changed, so nothing is written.
    h.operator!['servers'].enqueue('default', 'demoteam');
    h.operator!['databases'].enqueue('default', 'demoservice');
    await new Promise((r) => setTimeout(r, 300));
    await h.operator!.whenIdle();
    const made = h.api.requestCountsFor(OPERATOR_CLIENT);
    // The server's reconcile did run (it observes its StatefulSet) and wrote nothing.
    expect(made['GET statefulsets']).toBeGreaterThan(0);
    expect(Object.entries(made).filter(([k]) => /^(POST|PUT|PATCH|DELETE)/.test(k))).toEqual([]);
  });

  it('resets a database password: new password works, the Secret is updated in place, the label goes', async () => {
    const before = await h.kube.core.readNamespacedSecret({ name: 'demoservice-postgres-credentials', namespace: 'default' });
    const oldPassword = Buffer.from(before.data!.password!, 'base64').toString();
    await h.patch('PostgreSQLDatabase', 'demoservice', { metadata: { labels: { 'operator/action': 'reset-password' } } });
    await waitFor(async () => !(await h.get<{ metadata: { labels?: Record<string, string> } }>('PostgreSQLDatabase', 'demoservice'))?.metadata.labels?.['operator/action'], 20_000, () => 'label removed');
    const after = await h.kube.core.readNamespacedSecret({ name: 'demoservice-postgres-credentials', namespace: 'default' });
    expect(after.metadata?.uid).toBe(before.metadata?.uid);
    const data = await h.secret('demoservice-postgres-credentials');
    expect(data?.password).not.toBe(oldPassword);
    const client = await login(data!, h.pg.port);
    await client.end();
    await expect(login({ ...data!, password: oldPassword }, h.pg.port)).rejects.toThrow(/password authentication failed/);
    expect((await h.events('demoservice')).map((e) => e.reason)).toContain('PasswordReset');
  });

  it('recreates a credentials Secret deleted by hand with the same password', async () => {
    const before = await h.secret('demoservice-postgres-credentials');
    await h.kube.core.deleteNamespacedSecret({ name: 'demoservice-postgres-credentials', namespace: 'default' });
    await waitFor(async () => (await h.secret('demoservice-postgres-credentials')) !== undefined, 20_000, () => 'Secret recreated');
    expect((await h.secret('demoservice-postgres-credentials'))?.password).toBe(before?.password);
  });

  it('recreates a database dropped by hand (empty) with a Warning event', async () => {
    await h.kubelet.query('DROP DATABASE demoservice WITH (FORCE)');
    h.operator!['databases'].enqueue('default', 'demoservice'); // what the periodic resync does
    await waitFor(async () => (await h.kubelet.query("SELECT 1 FROM pg_database WHERE datname = 'demoservice'")).rowCount === 1, 20_000, () => 'database recreated');
    await waitFor(async () => (await h.events('demoservice')).some((e) => e.reason === 'DatabaseRecreated' && e.type === 'Warning'), 10_000, () => 'event');
  });

  it('resets the server admin password', async () => {
    const before = await h.secret('demoteam-postgres-credentials');
    await h.patch('PostgreSQLServer', 'demoteam', { metadata: { labels: { 'operator/action': 'reset-password' } } });
    await waitFor(async () => (await h.secret('demoteam-postgres-credentials'))?.password !== before?.password, 20_000, () => 'admin password changed');
    const data = await h.secret('demoteam-postgres-credentials');
    const client = await login(data!, h.pg.port);
    await client.end();
    // Databases keep working with the new admin password.
    await h.apply(`apiVersion: hybridcloud.maibornwolff.de/v1alpha1
kind: PostgreSQLDatabase
metadata: { name: after-admin-reset }
spec: { serverRef: { name: demoteam }, credentialsSecret: after-admin-reset-creds }`);
    await h.waitForReady('PostgreSQLDatabase', 'after-admin-reset');
  });

  it('on database deletion drops the database and the role, then releases the CR', async () => {
    await h.delete('PostgreSQLDatabase', 'after-admin-reset');
    await waitFor(async () => (await h.get('PostgreSQLDatabase', 'after-admin-reset')) === undefined, 20_000, () => 'CR gone');
    const left = await h.kubelet.query("SELECT (SELECT count(*) FROM pg_database WHERE datname = 'after_admin_reset') + (SELECT count(*) FROM pg_roles WHERE rolname = 'after_admin_reset') AS n");
    expect(Number(left.rows[0].n)).toBe(0);
  });

  it('never logs a generated password', async () => {
    const passwords = [(await h.secret('demoteam-postgres-credentials'))?.password, (await h.secret('demoservice-postgres-credentials'))?.password];
    expect(h.logLines.length).toBeGreaterThan(0);
    for (const p of passwords) {
      expect(p).toBeTruthy();
      expect(h.logLines.filter((l) => l.includes(p!))).toEqual([]);
    }
  });

  it('on server deletion removes StatefulSet and Service, keeps the volume claim', async () => {
    await h.delete('PostgreSQLDatabase', 'demoservice');
    await h.delete('PostgreSQLServer', 'demoteam');
    await waitFor(async () => (await h.get('PostgreSQLServer', 'demoteam')) === undefined, 20_000, () => 'server gone');
    await expect(h.kube.apps.readNamespacedStatefulSet({ name: 'demoteam-postgresql', namespace: 'default' })).rejects.toMatchObject({ code: 404 });
    await expect(h.kube.core.readNamespacedService({ name: 'demoteam-postgresql', namespace: 'default' })).rejects.toMatchObject({ code: 404 });
    const pvc = await h.kube.core.readNamespacedPersistentVolumeClaim({ name: 'data-demoteam-postgresql-0', namespace: 'default' });
    expect(pvc.metadata?.name).toBe('data-demoteam-postgresql-0');
  });
});
