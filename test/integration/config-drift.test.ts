/**
 * A server whose class the platform team removes from the config keeps serving (issue 25, item 6):
 * the condition names the problem, nothing about the server is changed, and what needs only its
 * identity goes on — admin and database password resets, the databases, their deletion and the
 * server's own, and its tables' deletion. The same for a database whose extension the config no
 * longer allows. Real operator, StatefulSet backend, real PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { Harness, configFrom, testConfig, waitFor } from '../support/operator-harness.js';

const SERVER = 'drift';
const DATABASE = 'drift-app';
const STEP_MS = 60_000;

describe('a server whose class was removed from the config', () => {
  let h: Harness;

  async function login(secret: string, database: string): Promise<void> {
    const data = await h.secret(secret);
    const client = new pg.Client({ host: h.pg.host, port: h.pg.port, user: data!.username, password: data!.password, database });
    await client.connect();
    await client.end();
  }

  async function resetAndWait(kind: string, name: string, secret: string): Promise<void> {
    const before = (await h.secret(secret))?.password;
    await h.patch(kind, name, { metadata: { labels: { 'operator/action': 'reset-password' } } });
    await waitFor(async () => {
      const obj = await h.get<{ metadata: { labels?: Record<string, string> } }>(kind, name);
      return !obj?.metadata.labels?.['operator/action'] && (await h.secret(secret))?.password !== before;
    }, STEP_MS, () => `${kind} ${name} password reset`);
  }

  beforeAll(async () => {
    h = await Harness.start();
    await h.apply(`
apiVersion: hybridcloud.maibornwolff.de/v1alpha1
kind: PostgreSQLServer
metadata:
  name: ${SERVER}
spec:
  version: 16
  size:
    class: small
    storageGB: 10
  credentialsSecret: ${SERVER}-credentials
---
apiVersion: hybridcloud.maibornwolff.de/v1alpha1
kind: PostgreSQLDatabase
metadata:
  name: ${DATABASE}
spec:
  serverRef:
    name: ${SERVER}
  database:
    extensions: [pg_trgm]
  credentialsSecret: ${DATABASE}-credentials
---
apiVersion: hybridcloud.maibornwolff.de/v1alpha1
kind: PostgreSQLTable
metadata:
  name: drift-users
spec:
  databaseRef:
    name: ${DATABASE}
  tableName: users
  columns:
    - id: integer
  primaryKey: id
  deletionPolicy: Delete
`);
    await h.waitForReady('PostgreSQLTable', 'drift-users', 'True', 'Available', STEP_MS);
    // The platform team drops the class `small` and allows no extensions any more; the operator
    // restarts with that config.
    const config = testConfig(h.pg.port) as { backends: { statefulset: { classes: Record<string, unknown>; default_class: string; allowed_extensions: string[] } } };
    delete config.backends.statefulset.classes.small;
    config.backends.statefulset.default_class = 'large';
    config.backends.statefulset.allowed_extensions = [];
    await h.stopOperator();
    h.config = configFrom(config);
    await h.startOperator(h.config);
  }, STEP_MS * 2);

  afterAll(async () => {
    await h?.stop();
  });

  it('says so in its condition and leaves the server as it runs', async () => {
    const sts = async () => (await h.kube.apps.readNamespacedStatefulSet({ name: `${SERVER}-postgresql`, namespace: 'default' })).metadata;
    const before = await sts();
    const ready = await h.waitForReady('PostgreSQLServer', SERVER, 'False', 'UnknownClass', STEP_MS);
    expect(ready.message).toMatch(/spec\.size\.class: .*small.*the server keeps running as it is/);
    expect((await sts())?.generation).toBe(before?.generation);
  }, STEP_MS);

  it('still resets the admin password; the new one logs in', async () => {
    await resetAndWait('PostgreSQLServer', SERVER, `${SERVER}-credentials`);
    await login(`${SERVER}-credentials`, 'postgres');
    expect((await h.ready('PostgreSQLServer', SERVER))?.reason).toBe('UnknownClass');
  }, STEP_MS);

  it('still serves its databases: a password reset, then the deletion drops the database', async () => {
    const refused = await h.waitForReady('PostgreSQLDatabase', DATABASE, 'False', 'ExtensionNotAllowed', STEP_MS);
    expect(refused.message).toMatch(/pg_trgm.*the database keeps what it has/);
    await resetAndWait('PostgreSQLDatabase', DATABASE, `${DATABASE}-credentials`);
    await login(`${DATABASE}-credentials`, 'drift_app');
    // Its table is dropped on deletion too, instead of waiting for a Ready server and database.
    await h.delete('PostgreSQLTable', 'drift-users');
    await waitFor(async () => (await h.get('PostgreSQLTable', 'drift-users')) === undefined, STEP_MS, () => 'table CR gone');
    expect((await h.events('drift-users')).map((e) => e.reason)).toContain('Deleted');
    await h.delete('PostgreSQLDatabase', DATABASE);
    await waitFor(async () => (await h.get('PostgreSQLDatabase', DATABASE)) === undefined, STEP_MS, () => 'database CR gone');
    const admin = await h.secret(`${SERVER}-credentials`);
    const client = new pg.Client({ host: h.pg.host, port: h.pg.port, user: admin!.username, password: admin!.password, database: 'postgres' });
    await client.connect();
    const { rows } = await client.query("SELECT datname FROM pg_database WHERE datname = 'drift_app'");
    await client.end();
    expect(rows).toEqual([]);
  }, STEP_MS);

  it('is deleted with its StatefulSet', async () => {
    await h.delete('PostgreSQLServer', SERVER);
    await waitFor(async () => (await h.get('PostgreSQLServer', SERVER)) === undefined, STEP_MS, () => 'server CR gone');
    await expect(h.kube.apps.readNamespacedStatefulSet({ name: `${SERVER}-postgresql`, namespace: 'default' })).rejects.toThrow();
  }, STEP_MS);
});
