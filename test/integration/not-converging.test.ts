/**
 * Bounded convergence through the real operator: an emulator that accepts a change but never
 * applies it gets exactly `update_attempts` update calls, then the server is NotConverging (with
 * each setting as reported and as wanted, one Warning event) and gets no more; a spec change and
 * the label operator/action=retry try again. On Azure, with a real PostgreSQL behind the emulator,
 * the server's databases keep working meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '../support/operator-harness.js';
import { cloudServer, startCloudOperator, type CloudOperator } from '../support/cloud-operator.js';
import { loginWithSecret, startAzureFullstack, type AzureFullstack } from '../support/fullstack-azure/environment.js';

const LONG = 60_000;
type Server = { metadata: { generation: number; labels?: Record<string, string> }; status?: { convergence?: { attempts: Record<string, number> } } };

describe('awsrds: a setting RDS never applies', () => {
  let env: CloudOperator;
  const modifies = () => env.rds.callsOf('ModifyDBInstance').filter((c) => c.params.DBInstanceIdentifier === 'default-stubborn' && c.params.BackupRetentionPeriod !== undefined);

  beforeAll(async () => {
    env = await startCloudOperator();
    await env.h.create(cloudServer('stubborn', 'awsrds'));
    await env.h.waitForReady('PostgreSQLServer', 'stubborn', 'True', 'Available', LONG);
  }, LONG);

  afterAll(async () => {
    await env?.stop();
  });

  it('sends the change three times, then reports NotConverging once and sends it no more', async () => {
    env.rds.neverApply('BackupRetentionPeriod');
    await env.h.patch('PostgreSQLServer', 'stubborn', { spec: { backup: { retentionDays: 21 } } });
    const ready = await env.h.waitForReady('PostgreSQLServer', 'stubborn', 'False', 'NotConverging', LONG);
    expect(ready.message).toContain('after 3 update attempts (reported → wanted): backup retention 7 → 21 days');
    expect(modifies().map((c) => c.params.BackupRetentionPeriod)).toEqual(['21', '21', '21']);
    const server = await env.h.get<Server>('PostgreSQLServer', 'stubborn');
    expect(server?.status?.convergence?.attempts).toEqual({ 'backup retention 7 → 21 days': 3 });

    // Later reconciles (a label change enqueues one at once) send nothing.
    await env.h.patch('PostgreSQLServer', 'stubborn', { metadata: { labels: { touched: 'yes' } } });
    await new Promise((r) => setTimeout(r, 3000));
    expect(modifies()).toHaveLength(3);
    expect((await env.h.ready('PostgreSQLServer', 'stubborn'))?.reason).toBe('NotConverging');
    const warnings = (await env.h.events('stubborn')).filter((e) => e.reason === 'NotConverging');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.type).toBe('Warning');
    // The admin credentials are still published: the server is usable.
    expect(await env.h.secret('stubborn-credentials')).toMatchObject({ username: expect.any(String), password: expect.any(String) });
  }, LONG);

  it('tries again on the label operator/action=retry, and removes the label', async () => {
    await env.h.patch('PostgreSQLServer', 'stubborn', { metadata: { labels: { 'operator/action': 'retry' } } });
    await waitFor(() => modifies().length === 6, LONG, () => `6 Modify calls, seen ${modifies().length}`);
    await env.h.waitForReady('PostgreSQLServer', 'stubborn', 'False', 'NotConverging', LONG);
    expect((await env.h.get<Server>('PostgreSQLServer', 'stubborn'))?.metadata.labels?.['operator/action']).toBeUndefined();
    expect((await env.h.events('stubborn')).some((e) => e.reason === 'Retrying')).toBe(true);
  }, LONG);

  it('an action label on a stuck server is removed with a Warning naming operator/action=retry, and sends nothing', async () => {
    const before = modifies().length;
    await env.h.patch('PostgreSQLServer', 'stubborn', { metadata: { labels: { 'operator/action': 'restart' } } });
    await waitFor(async () => (await env.h.events('stubborn')).some((e) => e.reason === 'ActionDeferred'), LONG, () => 'ActionDeferred event');
    const deferred = (await env.h.events('stubborn')).find((e) => e.reason === 'ActionDeferred');
    expect(deferred?.type).toBe('Warning');
    expect(deferred?.message).toMatch(/operator\/action=retry/);
    await waitFor(async () => !(await env.h.get<Server>('PostgreSQLServer', 'stubborn'))?.metadata.labels?.['operator/action'], LONG, () => 'label removed');
    expect((await env.h.ready('PostgreSQLServer', 'stubborn'))?.reason).toBe('NotConverging');
    expect(modifies()).toHaveLength(before);
  }, LONG);

  it('keeps counting across an operator restart (the attempts are in status)', async () => {
    const sent = () => env.rds.callsOf('ModifyDBInstance').filter((c) => c.params.DBInstanceIdentifier === 'default-restarted' && c.params.BackupRetentionPeriod !== undefined);
    await env.h.create(cloudServer('restarted', 'awsrds'));
    await env.h.waitForReady('PostgreSQLServer', 'restarted', 'True', 'Available', LONG);
    // Slower attempts (2 s, then 4 s apart) leave time to stop the operator after the second.
    env.h.config.reconcile.update_backoff_seconds = 2;
    try {
      await env.h.patch('PostgreSQLServer', 'restarted', { spec: { backup: { retentionDays: 28 } } });
      await waitFor(() => sent().length === 2, LONG, () => `2 Modify calls, seen ${sent().length}`);
      await env.h.stopOperator();
      await env.h.startOperator();
      await env.h.waitForReady('PostgreSQLServer', 'restarted', 'False', 'NotConverging', LONG);
      expect(sent()).toHaveLength(3);
    } finally {
      env.h.config.reconcile.update_backoff_seconds = 0.2;
    }
  }, LONG);

  it('tries again on a spec change, and is Ready once the cloud takes the value', async () => {
    env.rds.applyAll();
    await env.h.patch('PostgreSQLServer', 'stubborn', { spec: { backup: { retentionDays: 14 } } });
    await env.h.waitForReady('PostgreSQLServer', 'stubborn', 'True', 'Available', LONG);
    expect(modifies().at(-1)?.params.BackupRetentionPeriod).toBe('14');
    expect((await env.h.get<Server>('PostgreSQLServer', 'stubborn'))?.status?.convergence).toBeUndefined();
  }, LONG);
});

describe('azurepostgresflexible: a setting Azure never applies, with databases in the server', () => {
  let env: AzureFullstack;
  const patches = () => env.emu.writes().filter((w) => w.method === 'PATCH' && w.path.toLowerCase().endsWith('/flexibleservers/default-stubborn'));
  const database = (name: string) => ({
    apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1',
    kind: 'PostgreSQLDatabase',
    metadata: { name, namespace: 'default' },
    spec: { serverRef: { name: 'stubborn' }, database: { collation: 'C.utf8' }, credentialsSecret: `${name}-credentials` },
  });

  beforeAll(async () => {
    env = await startAzureFullstack();
    await env.h.create(cloudServer('stubborn', 'azurepostgresflexible', { size: { class: 'dev', storageGB: 32 } }));
    await env.h.create(database('before'));
    await env.h.waitForReady('PostgreSQLDatabase', 'before', 'True', 'Available', LONG);
  }, 2 * LONG);

  afterAll(async () => {
    await env?.stop();
  }, LONG);

  it('sends three PATCHes, then NotConverging; the databases keep working and new ones are made', async () => {
    env.emu.neverApply('backup.backupRetentionDays');
    await env.h.patch('PostgreSQLServer', 'stubborn', { spec: { backup: { retentionDays: 14 } } });
    const ready = await env.h.waitForReady('PostgreSQLServer', 'stubborn', 'False', 'NotConverging', LONG);
    expect(ready.message).toContain('backup retention 7 → 14 days');
    expect(patches().map((p) => (p.body as { properties?: { backup?: unknown } }).properties?.backup)).toEqual(Array(3).fill({ backupRetentionDays: 14 }));

    await env.h.create(database('after'));
    await env.h.waitForReady('PostgreSQLDatabase', 'after', 'True', 'Available', LONG);
    for (const name of ['before', 'after']) {
      const client = await loginWithSecret((await env.h.secret(`${name}-credentials`))!);
      expect((await client.query<{ db: string }>('SELECT current_database() AS db')).rows[0]?.db).toBe(name);
      await client.end();
    }
    expect(patches()).toHaveLength(3);
  }, 2 * LONG);
});
