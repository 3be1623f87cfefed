import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Harness, waitFor } from '../support/operator-harness.js';

const server = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1',
  kind: 'PostgreSQLServer',
  metadata: { name, namespace: 'default' },
  spec: { size: { storageGB: 10 }, credentialsSecret: `${name}-creds`, ...spec },
});

const database = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1',
  kind: 'PostgreSQLDatabase',
  metadata: { name, namespace: 'default' },
  spec: { serverRef: { name: 'good' }, credentialsSecret: `${name}-creds`, ...spec },
});

describe('bad input gives a clear condition and event, and nothing half-made', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await Harness.start({ config: { allowed_backends: ['statefulset'] } });
    await h.create(server('good', {}));
    await h.waitForReady('PostgreSQLServer', 'good');
  });

  afterAll(async () => {
    await h?.stop();
  });

  async function expectRefused(kind: string, name: string, reason: string, text: RegExp): Promise<void> {
    const ready = await h.waitForReady(kind, name, 'False', reason);
    expect(ready.message).toMatch(text);
    await waitFor(async () => (await h.events(name)).some((e) => e.type === 'Warning' && e.reason === reason), 10_000, () => `${reason} event`);
  }

  it('an unknown size class, and recovers once the spec is fixed', async () => {
    await h.create(server('noclass', { size: { storageGB: 10, class: 'gigantic' } }));
    await expectRefused('PostgreSQLServer', 'noclass', 'UnknownClass', /gigantic.*available: small, large/);
    await expect(h.kube.apps.readNamespacedStatefulSet({ name: 'noclass-postgresql', namespace: 'default' })).rejects.toMatchObject({ code: 404 });
    h.kubelet.ignore.add('default/noclass-postgresql');
    await h.patch('PostgreSQLServer', 'noclass', { spec: { size: { storageGB: 10, class: 'large' } } });
    await h.waitForReady('PostgreSQLServer', 'noclass', 'False', 'Creating');
  });

  it('storage over the limit', async () => {
    await h.create(server('toobig', { size: { storageGB: 500 } }));
    await expectRefused('PostgreSQLServer', 'toobig', 'LimitExceeded', /storageGB 500 GB is over the limit of 100 GB/);
  });

  it('a backend not in allowed_backends', async () => {
    await h.create(server('wrongbackend', { backend: 'awsrds' }));
    await expectRefused('PostgreSQLServer', 'wrongbackend', 'BackendNotAllowed', /awsrds.*not allowed.*statefulset/);
  });

  it('a credentials Secret that belongs to someone else is neither written nor used', async () => {
    await h.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'taken', namespace: 'default' }, stringData: { password: 'theirs' }, data: { password: Buffer.from('theirs').toString('base64') } });
    await h.create(database('steals', { credentialsSecret: 'taken' }));
    await expectRefused('PostgreSQLDatabase', 'steals', 'SecretConflict', /taken belongs to nobody/);
    expect((await h.secret('taken'))?.password).toBe('theirs');
    const role = await h.kubelet.query("SELECT 1 FROM pg_roles WHERE rolname = 'steals'");
    expect(role.rowCount).toBe(0);
  });

  it("a Secret squatting on the name of the operator's password store is neither written nor used", async () => {
    // Unlabelled, so the operator's Secret cache never sees it: only the create's 409 reveals it.
    await h.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'hybridcloud-pgdatabase-squatted', namespace: 'default' }, data: { password: Buffer.from('theirs').toString('base64') } });
    await h.create(database('squatted'));
    await expectRefused('PostgreSQLDatabase', 'squatted', 'SecretConflict', /hybridcloud-pgdatabase-squatted is reserved for the operator but belongs to nobody/);
    expect(await h.secret('hybridcloud-pgdatabase-squatted')).toEqual({ password: 'theirs' });
    expect(await h.secret('squatted-creds')).toBeUndefined();
    const role = await h.kubelet.query("SELECT 1 FROM pg_roles WHERE rolname = 'squatted'");
    expect(role.rowCount).toBe(0);
  });

  it('a serverRef to a missing server', async () => {
    await h.create(database('orphan', { serverRef: { name: 'nosuchserver' } }));
    const ready = await h.waitForReady('PostgreSQLDatabase', 'orphan', 'False', 'ServerNotFound');
    expect(ready.message).toMatch(/nosuchserver not found/);
  });

  it('a database name PostgreSQL cannot hold', async () => {
    const name = `db-${'x'.repeat(70)}`;
    await h.create(database(name));
    await expectRefused('PostgreSQLDatabase', name, 'InvalidName', /63 bytes/);
  });

  it('an extension that is not on the allow-list', async () => {
    await h.create(database('wantsplpython', { database: { extensions: ['plpython3u'] } }));
    await expectRefused('PostgreSQLDatabase', 'wantsplpython', 'ExtensionNotAllowed', /plpython3u/);
    const db = await h.kubelet.query("SELECT 1 FROM pg_database WHERE datname = 'wantsplpython'");
    expect(db.rowCount).toBe(0);
  });

  it('an allowed extension is installed in the database', async () => {
    await h.create(database('withcrypto', { database: { extensions: ['pgcrypto'] } }));
    await h.waitForReady('PostgreSQLDatabase', 'withcrypto');
    const creds = await h.secret('withcrypto-creds');
    expect(creds?.dbname).toBe('withcrypto');
  });
});
