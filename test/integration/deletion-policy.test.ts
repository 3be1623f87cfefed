/**
 * spec.deletionPolicy per database, with the backend's database_delete_fake as the default
 * (here set, so the default is Retain), and the adoption of a retained database by a later object
 * of the same name: the data stays, the password is new and the old one is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { Harness, waitFor } from '../support/operator-harness.js';
import { loopbackStatefulSet } from '../support/loopback-statefulset.js';

const SERVER = `apiVersion: hybridcloud.maibornwolff.de/v1alpha1
kind: PostgreSQLServer
metadata: { name: keep }
spec: { size: { storageGB: 1 }, credentialsSecret: keep-admin }`;

function database(name: string, policy?: string): string {
  return `apiVersion: hybridcloud.maibornwolff.de/v1alpha1
kind: PostgreSQLDatabase
metadata: { name: ${name} }
spec:
  serverRef: { name: keep }
  credentialsSecret: ${name}-creds${policy ? `\n  deletionPolicy: ${policy}` : ''}`;
}

async function login(data: Record<string, string>, password = data.password): Promise<pg.Client> {
  const client = new pg.Client({ host: data.host, port: Number(data.port), user: data.username, password, database: data.dbname });
  await client.connect();
  return client;
}

describe('deletion policy per database', () => {
  let h: Harness;

  /** Makes the next reconcile fail right after its database was made. */
  let failOnce = false;

  beforeAll(async () => {
    h = await Harness.start({
      backendOverrides: loopbackStatefulSet,
      failpoint: (step) => {
        if (step !== 'database:applied' || !failOnce) return;
        failOnce = false;
        throw new Error('failed after CREATE DATABASE (test)');
      },
      config: { backends: { statefulset: { database_delete_fake: true } } } });
    await h.apply([SERVER, database('kept', 'Retain'), database('dropped', 'Delete'), database('by-default')].join('\n---\n'));
    for (const name of ['kept', 'dropped', 'by-default']) await h.waitForReady('PostgreSQLDatabase', name);
  });

  afterAll(async () => {
    await h?.stop();
  });

  const exists = async (name: string) => {
    const row = await h.kubelet.query('SELECT (SELECT count(*) FROM pg_database WHERE datname = $1)::int AS db, (SELECT count(*) FROM pg_roles WHERE rolname = $1)::int AS role', [name]);
    return row.rows[0] as { db: number; role: number };
  };

  async function deleteAndWait(name: string): Promise<void> {
    await h.delete('PostgreSQLDatabase', name);
    await waitFor(async () => (await h.get('PostgreSQLDatabase', name)) === undefined, 20_000, () => `${name} gone`);
  }

  it('Delete drops the database and the role even where the config keeps data by default', async () => {
    await deleteAndWait('dropped');
    expect(await exists('dropped')).toEqual({ db: 0, role: 0 });
  });

  it('no policy follows the config (database_delete_fake: Retain)', async () => {
    await deleteAndWait('by-default');
    expect(await exists('by_default')).toEqual({ db: 1, role: 1 });
    expect((await h.events('by-default')).map((e) => e.reason)).toContain('Retained');
  });

  it('Retain keeps database, role and data; the Secret goes with the object', async () => {
    const creds = (await h.secret('kept-creds'))!;
    const app = await login(creds);
    await app.query("CREATE TABLE orders (id int); INSERT INTO orders VALUES (42)");
    await app.end();
    await deleteAndWait('kept');
    expect(await exists('kept')).toEqual({ db: 1, role: 1 });
    await waitFor(async () => (await h.secret('kept-creds')) === undefined, 20_000, () => 'Secret collected');
  });

  it('a new object of the same name adopts the retained database with a new password; the old one is refused', async () => {
    const old = await h.kubelet.query("SELECT rolpassword FROM pg_authid WHERE rolname = 'kept'");
    await h.apply(database('kept'));
    await h.waitForReady('PostgreSQLDatabase', 'kept');
    const creds = (await h.secret('kept-creds'))!;
    const app = await login(creds);
    expect((await app.query('SELECT id FROM orders')).rows).toEqual([{ id: 42 }]);
    await app.end();
    const now = await h.kubelet.query("SELECT rolpassword FROM pg_authid WHERE rolname = 'kept'");
    expect(now.rows[0].rolpassword).not.toBe(old.rows[0].rolpassword);
    expect((await h.events('kept')).map((e) => e.reason)).toContain('Adopted');
  });

  it('a new database whose first reconcile failed after CREATE DATABASE is not reported as taken over on the retry', async () => {
    failOnce = true;
    await h.apply(database('retried'));
    await h.waitForReady('PostgreSQLDatabase', 'retried', 'True', undefined, 60_000);
    expect(failOnce).toBe(false);
    expect((await h.events('retried')).map((e) => e.reason)).not.toContain('Adopted');
    await login((await h.secret('retried-creds'))!).then((c) => c.end());
  }, 70_000);

  it('a new object racing the garbage collector waits for the old Secrets instead of a conflict', async () => {
    const before = (await h.secret('kept-creds'))!;
    const release = h.api.holdGarbageCollector();
    await deleteAndWait('kept');
    // Created while the old Secrets are still there, naming the old uid.
    await h.apply(database('kept'));
    await h.waitForReady('PostgreSQLDatabase', 'kept', 'False', 'Pending');
    expect((await h.ready('PostgreSQLDatabase', 'kept'))?.message).toMatch(/waiting for Secret kept-creds of the previous PostgreSQLDatabase kept to be garbage-collected/);
    release();
    await h.waitForReady('PostgreSQLDatabase', 'kept');
    const creds = (await h.secret('kept-creds'))!;
    expect(creds.password).not.toBe(before.password);
    await expect(login(creds, before.password)).rejects.toThrow(/password authentication failed/);
    await (await login(creds)).end();
  });
});
