/**
 * Rotation without downtime (ADR 0016) against a real PostgreSQL: an application that reconnects
 * every fraction of a second sees no refused connection across two rotations; objects created
 * through either login belong to the owner; the end of the grace period refuses the old login; the
 * immediate reset refuses every old password; and a kill after any step of a rotation leaves the
 * Secret, the password store and PostgreSQL in agreement, the restarted operator finishing it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { Harness, waitFor } from '../support/operator-harness.js';
import { loopbackStatefulSet } from '../support/loopback-statefulset.js';

const GRACE_MINUTES = 0.1; // 6 s
const SERVER = `apiVersion: hybridcloud.maibornwolff.de/v1alpha1
kind: PostgreSQLServer
metadata: { name: rot }
spec: { size: { storageGB: 1 }, credentialsSecret: rot-admin }`;

function database(name: string, rotation = `{ graceMinutes: ${GRACE_MINUTES} }`): string {
  return `apiVersion: hybridcloud.maibornwolff.de/v1alpha1
kind: PostgreSQLDatabase
metadata: { name: ${name} }
spec:
  serverRef: { name: rot }
  credentialsSecret: ${name}-creds
  passwordRotation: ${rotation}`;
}

type Creds = Record<string, string>;
type Status = { metadata: { labels?: Record<string, string> }; status?: { passwordRotation?: Record<string, string> } };

function client(c: Creds): pg.Client {
  const cl = new pg.Client({ host: c.host, port: Number(c.port), user: c.username, password: c.password, database: c.dbname, connectionTimeoutMillis: 5000 });
  cl.on('error', () => undefined);
  return cl;
}

async function query(c: Creds, sql: string): Promise<pg.QueryResult> {
  const cl = client(c);
  await cl.connect();
  try {
    return await cl.query(sql);
  } finally {
    await cl.end();
  }
}

async function refused(c: Creds): Promise<string> {
  try {
    await query(c, 'SELECT 1');
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`login ${c.username} still works`);
}

describe('password rotation without downtime', () => {
  let h: Harness;
  const rotations: string[] = [];
  /** The step at which the running operator stops as if killed (once), and who waits for it. */
  let stopAt: { step: string; reached: () => void } | undefined;

  beforeAll(async () => {
    h = await Harness.start({
      backendOverrides: loopbackStatefulSet,
      hooks: { rotation: (r) => rotations.push(r) },
      failpoint: async (step) => {
        if (stopAt?.step !== step) return;
        stopAt.reached();
        stopAt = undefined;
        await new Promise(() => undefined); // this process never gets past the line
      },
    });
    await h.apply([SERVER, database('app'), database('kill')].join('\n---\n'));
    await h.waitForReady('PostgreSQLDatabase', 'app');
    await h.waitForReady('PostgreSQLDatabase', 'kill');
  });

  afterAll(async () => {
    await h?.stop();
  });

  const secret = async (name: string) => (await h.secret(`${name}-creds`)) as Creds;
  const rotationStatus = async (name: string) => (await h.get<Status>('PostgreSQLDatabase', name))?.status?.passwordRotation ?? {};
  const askRotation = (name: string) => h.patch('PostgreSQLDatabase', name, { metadata: { labels: { 'operator/action': 'rotate-password' } } });

  it('keeps an application that reconnects all the time connected across two rotations', async () => {
    // The application: a pool (connections closed when idle, so it reconnects) and a fresh client,
    // several times a second, with the credentials it read at its last start. It restarts with the
    // Secret's new values a second after they change: well inside the grace period.
    let creds = await secret('app');
    let pool = new pg.Pool({ host: creds.host, port: Number(creds.port), user: creds.username, password: creds.password, database: creds.dbname, max: 2, idleTimeoutMillis: 100 });
    pool.on('error', () => undefined);
    const failures: string[] = [];
    let attempts = 0;
    let running = true;
    const app = (async () => {
      while (running) {
        attempts++;
        try {
          await pool.query('SELECT 1');
          await query(creds, 'SELECT 1');
        } catch (err) {
          failures.push(`${creds.username}: ${(err as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const restartWith = async (next: Creds) => {
      await new Promise((r) => setTimeout(r, 1000));
      const old = pool;
      creds = next;
      pool = new pg.Pool({ host: next.host, port: Number(next.port), user: next.username, password: next.password, database: next.dbname, max: 2, idleTimeoutMillis: 100 });
      pool.on('error', () => undefined);
      await old.end();
    };

    const logins: string[] = [creds.username as string];
    for (let i = 0; i < 2; i++) {
      const before = await secret('app');
      await askRotation('app');
      await waitFor(async () => (await secret('app')).password !== before.password, 20_000, () => `rotation ${i + 1}`);
      const after = await secret('app');
      logins.push(after.username as string);
      // The new credentials work at once; the old ones still work.
      await query(after, `CREATE TABLE made_by_${i} (id int)`);
      await query(before, 'SELECT 1');
      await restartWith(after);
      // The grace period ends: the old login is refused from then on.
      await waitFor(async () => !(await rotationStatus('app')).previousLogin, 20_000, () => 'grace period over');
      expect(await refused(before)).toMatch(/not permitted to log in|password authentication failed/);
    }
    running = false;
    await app;
    await pool.end();

    expect(failures).toEqual([]);
    expect(attempts).toBeGreaterThan(20);
    expect(logins).toEqual(['app', 'app__alt', 'app']);
    const owners = await query(await secret('app'), "SELECT tablename::text, tableowner::text FROM pg_tables WHERE tablename LIKE 'made_by_%' ORDER BY 1");
    expect(owners.rows).toEqual([
      { tablename: 'made_by_0', tableowner: 'app' },
      { tablename: 'made_by_1', tableowner: 'app' },
    ]);
    const reasons = (await h.events('app')).map((e) => e.reason);
    expect(reasons).toContain('PasswordRotated');
    expect(reasons).toContain('PreviousLoginRevoked');
    expect(rotations.filter((r) => r === 'success').length).toBeGreaterThanOrEqual(2);
    const status = await rotationStatus('app');
    expect(status.login).toBe('app');
    expect(Date.now() - Date.parse(status.lastRotation as string)).toBeLessThan(60_000);
  });

  it('rotates on schedule: status shows the last and next rotation', async () => {
    await h.patch('PostgreSQLDatabase', 'app', { spec: { passwordRotation: { intervalDays: 1, graceMinutes: GRACE_MINUTES } } });
    await waitFor(async () => (await rotationStatus('app')).nextRotation !== undefined, 20_000, () => 'nextRotation in status');
    const status = await rotationStatus('app');
    expect(Date.parse(status.nextRotation as string) - Date.parse(status.lastRotation as string)).toBe(86_400_000);
    // The last rotation two days ago (as the store records it): the next reconcile rotates.
    const before = await secret('app');
    const store = await h.kube.core.readNamespacedSecret({ name: 'hybridcloud-pgdatabase-app', namespace: 'default' });
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000).toISOString();
    await h.kube.core.patchNamespacedSecret({ name: 'hybridcloud-pgdatabase-app', namespace: 'default', body: { data: { ...store.data, 'rotated-at': Buffer.from(twoDaysAgo).toString('base64') } } }, (await import('../../src/k8s/patch.js')).mergePatchOptions());
    await new Promise((r) => setTimeout(r, 300)); // the informer sees the store change
    h.operator!['databases'].enqueue('default', 'app'); // what the requeue at nextRotation does
    await waitFor(async () => (await secret('app')).username !== before.username, 20_000, () => 'scheduled rotation');
    const after = await rotationStatus('app');
    expect(Date.now() - Date.parse(after.lastRotation as string)).toBeLessThan(60_000);
    expect(Date.parse(after.nextRotation as string) - Date.parse(after.lastRotation as string)).toBe(86_400_000);
    await query(await secret('app'), 'SELECT 1');
    await query(before, 'SELECT 1'); // in its grace period
  });

  it('the reset label still refuses every old password at once, the previous login too', async () => {
    const current = await secret('app');
    const previousLogin = (await rotationStatus('app')).previousLogin;
    expect(previousLogin).toBeDefined(); // the scheduled rotation's grace period runs
    await h.patch('PostgreSQLDatabase', 'app', { metadata: { labels: { 'operator/action': 'reset-password' } } });
    await waitFor(async () => (await secret('app')).password !== current.password, 20_000, () => 'reset');
    const after = await secret('app');
    expect(after.username).toBe(current.username);
    await query(after, 'SELECT 1');
    expect(await refused(current)).toMatch(/password authentication failed/);
    const roles = await h.kubelet.query('SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname IN ($1, $2) ORDER BY 1', ['app', 'app__alt']);
    expect(roles.rows.filter((r) => r.rolcanlogin).map((r) => r.rolname)).toEqual([after.username]);
    expect((await rotationStatus('app')).previousLogin).toBeUndefined();
  });

  it('a PostgreSQLTable works on a rotated database: made through the second login, owned by the role', async () => {
    expect((await secret('app')).username).toBe('app__alt');
    expect((await h.kubelet.query("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'app'")).rows[0].rolcanlogin).toBe(false);
    await h.create({
      apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1',
      kind: 'PostgreSQLTable',
      metadata: { name: 'orders', namespace: 'default' },
      spec: { databaseRef: { name: 'app' }, tableName: 'orders', columns: [{ ID: 'integer' }] },
    });
    await h.waitForReady('PostgreSQLTable', 'orders');
    const owner = await query(await secret('app'), "SELECT tableowner::text AS o FROM pg_tables WHERE tablename = 'orders'");
    expect(owner.rows).toEqual([{ o: 'app' }]);
  });

  it.each(['rotation:begun', 'rotation:applied', 'rotation:stored', 'rotation:published', 'grace:revoked'])(
    'a kill after %s: Secret, store and PostgreSQL agree, and the restarted operator finishes the rotation',
    async (step) => {
      const before = await secret('kill');
      let reached!: () => void;
      const stopped = new Promise<void>((r) => (reached = r));
      stopAt = { step, reached };
      await askRotation('kill');
      await stopped;
      await h.operator!.stop(200); // the reconcile hangs at the step: as dead as a SIGKILL leaves it
      h.operator = undefined;

      // Whatever the Secret says logs in; so does what the store says.
      await query(await secret('kill'), 'SELECT 1');
      const store = (await h.secret('hybridcloud-pgdatabase-kill')) as Creds;
      await query({ ...before, username: store.username ?? 'kill', password: store.password as string }, 'SELECT 1');

      await h.startOperator();
      await waitFor(async () => !(await h.get<Status>('PostgreSQLDatabase', 'kill'))?.metadata.labels?.['operator/action'], 20_000, () => 'label removed');
      await waitFor(async () => !(await rotationStatus('kill')).previousLogin, 20_000, () => 'grace period over');
      const after = await secret('kill');
      if (step !== 'grace:revoked') expect(after.username).not.toBe(before.username);
      await query(after, 'SELECT 1');
      const loginRoles = await h.kubelet.query("SELECT rolname FROM pg_roles WHERE rolname IN ('kill', 'kill__alt') AND rolcanlogin");
      expect(loginRoles.rows.map((r) => r.rolname)).toEqual([after.username]);
    },
  );

  it('a store Secret lost after a rotation is rebuilt with the second login: the Secret still logs in', async () => {
    await h.apply(database('lost'));
    await h.waitForReady('PostgreSQLDatabase', 'lost');
    await askRotation('lost');
    await waitFor(async () => (await secret('lost')).username === 'lost__alt', 20_000, () => 'rotated to lost__alt');
    await h.kube.core.deleteNamespacedSecret({ name: 'hybridcloud-pgdatabase-lost', namespace: 'default' });
    await waitFor(async () => (await h.kube.core.readNamespacedSecret({ name: 'hybridcloud-pgdatabase-lost', namespace: 'default' }).catch(() => undefined)) !== undefined, 20_000, () => 'store rebuilt');
    h.operator!['databases'].enqueue('default', 'lost');
    await h.waitForReady('PostgreSQLDatabase', 'lost');
    const after = await secret('lost');
    expect(after.username).toBe('lost__alt');
    await query(after, 'SELECT 1');
  });

  it('deleting a rotated database drops both logins with it', async () => {
    expect((await h.kubelet.query("SELECT 1 FROM pg_roles WHERE rolname = 'kill__alt'")).rowCount).toBe(1);
    await h.delete('PostgreSQLDatabase', 'kill');
    await waitFor(async () => (await h.get('PostgreSQLDatabase', 'kill')) === undefined, 20_000, () => 'CR gone');
    const left = await h.kubelet.query("SELECT rolname FROM pg_roles WHERE rolname IN ('kill', 'kill__alt') UNION ALL SELECT datname FROM pg_database WHERE datname = 'kill'");
    expect(left.rows).toEqual([]);
  });
});
