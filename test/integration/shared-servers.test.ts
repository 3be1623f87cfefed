/**
 * One server, many teams: databases from other namespaces by grant (spec.sharing), through the
 * operator's handlers against the fake API server and a real PostgreSQL. Grants by list and by
 * label selector, refusal, quota, two namespaces asking for the same name, revocation, and a
 * namespace label change that adds a grant while the operator runs.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { Harness, waitFor } from '../support/operator-harness.js';

const PLATFORM = 'platform';
const SELECTOR_LABEL = 'postgres.example.com/shared';

let h: Harness;
let superuser: pg.Client;

function database(namespace: string, name: string, serverNamespace = PLATFORM): Record<string, unknown> {
  return {
    apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1',
    kind: 'PostgreSQLDatabase',
    metadata: { name, namespace },
    spec: { serverRef: { name: 'shared', namespace: serverNamespace }, credentialsSecret: `${name}-db` },
  };
}

type Db = { status?: { database?: string; server?: string; conditions?: Array<{ type: string; status: string; reason: string; message: string }> } };

async function condition(namespace: string, name: string, type = 'Ready') {
  return (await h.get<Db>('PostgreSQLDatabase', name, namespace))?.status?.conditions?.find((c) => c.type === type);
}

async function waitForDb(namespace: string, name: string, status: string, reason: string): Promise<{ message: string }> {
  let last: Awaited<ReturnType<typeof condition>>;
  await waitFor(async () => {
    last = await condition(namespace, name);
    return last?.status === status && last.reason === reason;
  }, 30_000, () => `${namespace}/${name} Ready=${status}/${reason}; last: ${JSON.stringify(last)}`);
  return last!;
}

async function pgDatabaseExists(name: string): Promise<boolean> {
  return (await superuser.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
}

async function secretNames(namespace: string): Promise<string[]> {
  return (await h.kube.core.listNamespacedSecret({ namespace })).items.map((s) => s.metadata!.name!);
}

async function login(data: Record<string, string>): Promise<string> {
  // The Secret names the in-cluster Service; the test reaches the same server on loopback.
  const client = new pg.Client({ host: '127.0.0.1', port: h.pg.port, user: data.username, password: data.password, database: data.dbname });
  await client.connect();
  try {
    return (await client.query<{ db: string }>('SELECT current_database() AS db')).rows[0]!.db;
  } finally {
    await client.end();
  }
}

describe('shared servers: databases from other namespaces by grant', () => {
  beforeAll(async () => {
    h = await Harness.start();
    superuser = new pg.Client({ host: h.pg.host, port: h.pg.port, user: h.pg.user, password: h.pg.password, database: 'postgres' });
    await superuser.connect();
    for (const [name, labels] of [[PLATFORM, {}], ['team-a', {}], ['team-b', { [SELECTOR_LABEL]: 'yes' }], ['team-c', {}]] as const) {
      await h.kube.core.createNamespace({ body: { metadata: { name, labels } } });
    }
    await h.create({
      apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1',
      kind: 'PostgreSQLServer',
      metadata: { name: 'shared', namespace: PLATFORM },
      spec: {
        size: { storageGB: 1 },
        credentialsSecret: 'shared-admin',
        sharing: { namespaces: ['team-a'], namespaceSelector: { matchLabels: { [SELECTOR_LABEL]: 'yes' } }, maxDatabasesPerNamespace: 2 },
      },
    });
    await waitFor(async () => (await h.ready('PostgreSQLServer', 'shared', PLATFORM))?.status === 'True', 60_000, () => 'shared server Ready');
  }, 120_000);

  afterAll(async () => {
    await superuser?.end();
    await h?.stop();
  });

  it('grants a listed namespace: the database is made under a namespaced name, its Secret in its own namespace', async () => {
    await h.create(database('team-a', 'orders'));
    await waitForDb('team-a', 'orders', 'True', 'Available');
    const db = await h.get<Db>('PostgreSQLDatabase', 'orders', 'team-a');
    expect(db?.status).toMatchObject({ database: 'team_a__orders', server: `${PLATFORM}/shared` });
    const creds = (await h.secret('orders-db', 'team-a'))!;
    expect(creds).toMatchObject({ dbname: 'team_a__orders', username: 'team_a__orders' });
    expect(await login(creds)).toBe('team_a__orders');
    const serverEvents = await h.events('shared', PLATFORM);
    expect(serverEvents).toContainEqual({ type: 'Normal', reason: 'DatabaseAdmitted', message: 'database team_a__orders made for PostgreSQLDatabase team-a/orders' });
  });

  it('grants a namespace by label, and two namespaces may both ask for "orders"', async () => {
    await h.create(database('team-b', 'orders'));
    await waitForDb('team-b', 'orders', 'True', 'Available');
    expect(await login((await h.secret('orders-db', 'team-b'))!)).toBe('team_b__orders');
    expect(await pgDatabaseExists('team_a__orders')).toBe(true);
  });

  it('a table on a database from another namespace is made in that database', async () => {
    await h.create({
      apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1',
      kind: 'PostgreSQLTable',
      metadata: { name: 'users', namespace: 'team-a' },
      spec: { databaseRef: { name: 'orders' }, tableName: 'users', columns: [{ id: 'integer' }], primaryKey: 'id' },
    });
    await waitFor(async () => (await h.ready('PostgreSQLTable', 'users', 'team-a'))?.status === 'True', 30_000, () => 'table Ready');
    const creds = (await h.secret('orders-db', 'team-a'))!;
    const client = new pg.Client({ host: '127.0.0.1', port: h.pg.port, user: creds.username, password: creds.password, database: creds.dbname });
    await client.connect();
    try {
      expect((await client.query("SELECT 1 FROM pg_tables WHERE tablename = 'users'")).rowCount).toBe(1);
    } finally {
      await client.end();
    }
  });

  it('refuses a name that would collide with another namespace\'s database (the claim), leaving that one alone', async () => {
    // In the server's own namespace the name is the object's name: team-a--orders → team_a__orders.
    await h.create({ ...database(PLATFORM, 'team-a--orders', PLATFORM), metadata: { name: 'team-a--orders', namespace: PLATFORM } });
    const ready = await waitForDb(PLATFORM, 'team-a--orders', 'False', 'DatabaseConflict');
    expect(ready.message).toMatch(/team_a__orders.*belongs to PostgreSQLDatabase team-a\/orders/);
    expect(await login((await h.secret('orders-db', 'team-a'))!)).toBe('team_a__orders');
    await h.delete('PostgreSQLDatabase', 'team-a--orders', PLATFORM);
    await waitFor(async () => !(await h.get('PostgreSQLDatabase', 'team-a--orders', PLATFORM)), 15_000, () => 'colliding object released');
    expect(await pgDatabaseExists('team_a__orders')).toBe(true);
  });

  it('refuses a namespace the server does not grant, with an event, before anything is made', async () => {
    await h.create(database('team-c', 'orders'));
    const ready = await waitForDb('team-c', 'orders', 'False', 'NotPermitted');
    expect(ready.message).toMatch(/namespace team-c is not granted by PostgreSQLServer platform\/shared/);
    // `kubectl get pgdb -A` names the server a refused database asked for.
    expect((await h.get<Db>('PostgreSQLDatabase', 'orders', 'team-c'))?.status?.server).toBe(`${PLATFORM}/shared`);
    await waitFor(async () => (await h.events('orders', 'team-c')).some((e) => e.type === 'Warning' && e.reason === 'NotPermitted'), 10_000, () => 'NotPermitted event');
    expect(await secretNames('team-c')).toEqual([]);
    expect(await pgDatabaseExists('team_c__orders')).toBe(false);
  });

  it('refuses a database over the namespace quota, with an event, before anything is made', async () => {
    await h.create(database('team-a', 'billing'));
    await waitForDb('team-a', 'billing', 'True', 'Available');
    await h.create(database('team-a', 'third'));
    const ready = await waitForDb('team-a', 'third', 'False', 'QuotaExceeded');
    expect(ready.message).toMatch(/namespace team-a has its 2 database\(s\) on PostgreSQLServer platform\/shared/);
    expect((await h.events('third', 'team-a')).some((e) => e.type === 'Warning' && e.reason === 'QuotaExceeded')).toBe(true);
    expect(await pgDatabaseExists('team_a__third')).toBe(false);
    expect(await secretNames('team-a')).not.toContain('third-db');
  });

  it('counts the databases per namespace in the server status (the Databases printer column)', async () => {
    let last: unknown;
    await waitFor(async () => {
      const status = (await h.get<{ status: { databases?: number } }>('PostgreSQLServer', 'shared', PLATFORM))?.status;
      last = status;
      return status?.databases === 3;
    }, 15_000, () => `databases counted; status: ${JSON.stringify(last)}`);
    const status = (await h.get<{ status: Record<string, unknown> }>('PostgreSQLServer', 'shared', PLATFORM))!.status;
    expect(status.databasesPerNamespace).toEqual({ 'team-a': 2, 'team-b': 1 });
  });

  it('keeps the admin credentials in the server namespace only', async () => {
    const admin = (await h.secret('shared-admin', PLATFORM))!;
    for (const ns of ['team-a', 'team-b', 'team-c']) {
      for (const name of await secretNames(ns)) expect((await h.secret(name, ns))!.password).not.toBe(admin.password);
    }
  });

  it('a label added to a namespace grants it at once, without a restart', async () => {
    await h.kube.core.patchNamespace({ name: 'team-c', body: [{ op: 'add', path: '/metadata/labels', value: { [SELECTOR_LABEL]: 'yes' } }] });
    await waitForDb('team-c', 'orders', 'True', 'Available');
    expect(await login((await h.secret('orders-db', 'team-c'))!)).toBe('team_c__orders');
  });

  it('a label removed withdraws the grant: the database keeps working with a GrantRevoked condition; new ones are refused', async () => {
    await h.kube.core.patchNamespace({ name: 'team-b', body: [{ op: 'remove', path: `/metadata/labels/${SELECTOR_LABEL.replace('/', '~1')}` }] });
    let warning: Awaited<ReturnType<typeof condition>>;
    await waitFor(async () => {
      warning = await condition('team-b', 'orders', 'GrantRevoked');
      return warning?.status === 'True';
    }, 30_000, () => `GrantRevoked; last: ${JSON.stringify(warning)}`);
    expect(warning!.message).toMatch(/namespace team-b is no longer granted/);
    expect((await condition('team-b', 'orders'))?.status).toBe('True');
    expect(await login((await h.secret('orders-db', 'team-b'))!)).toBe('team_b__orders');
    expect((await h.events('orders', 'team-b')).some((e) => e.type === 'Warning' && e.reason === 'GrantRevoked')).toBe(true);
    await h.create(database('team-b', 'later'));
    await waitForDb('team-b', 'later', 'False', 'NotPermitted');
    expect(await pgDatabaseExists('team_b__later')).toBe(false);
  });

  it('a grant given back clears the warning', async () => {
    await h.patch('PostgreSQLServer', 'shared', { spec: { sharing: { namespaces: ['team-a', 'team-b'] } } }, PLATFORM);
    await waitFor(async () => (await condition('team-b', 'orders', 'GrantRevoked')) === undefined, 30_000, () => 'GrantRevoked cleared');
    await waitForDb('team-b', 'later', 'True', 'Available');
  });

  it('a server name from another namespace that does not exist waits with ServerNotFound', async () => {
    await h.create(database('team-a', 'lost', 'nowhere'));
    const ready = await waitForDb('team-a', 'lost', 'False', 'ServerNotFound');
    expect(ready.message).toMatch(/PostgreSQLServer shared not found in namespace nowhere/);
  });
});
