import { expect, it } from '@jest/globals';
import { databaseStoreName, STORE_PENDING } from '../../src/handlers/names.js';
import { databaseManifest, SIMPLE } from './support/manifests.js';
import { describeE2E } from './support/settings.js';
import { useScenario } from './support/use-scenario.js';

const APPS = ['app-0', 'app-1', 'app-2', 'app-3', 'app-4'];
/** Kill points are polled this often, so the kill lands while the work is under way. */
const KILL_POLL_MS = 250;

/**
 * The operator process is SIGKILLed while it creates a server and several databases (and while a
 * password reset is pending); each restart picks up where the last one died. In the end every
 * database is Ready and every Secret's password logs in: Secrets and PostgreSQL never disagree.
 */
describeE2E('e2e: kill and restart in the middle of reconciles', () => {
  const s = useScenario({ server: SIMPLE.server, startOperator: false }, async () => {
    await s.applyExample(SIMPLE.file);
    for (const name of APPS) await s.create(databaseManifest(name, SIMPLE.server));
  });

  /** Starts the operator, waits until `moment` is true, SIGKILLs it. */
  async function killWhen(what: string, moment: () => Promise<boolean>): Promise<void> {
    s.operator.start();
    await s.waitUntil(async () => (await moment()) || undefined, () => `kill point: ${what}`, KILL_POLL_MS);
    await s.operator.kill();
  }

  const readyDatabases = async (): Promise<Set<string>> => {
    const ready = new Set<string>();
    for (const name of [SIMPLE.database, ...APPS]) if ((await s.ready('PostgreSQLDatabase', name))?.status === 'True') ready.add(name);
    return ready;
  };

  /** app-0's reset has begun (a pending password is stored) or is done (the label is gone). */
  const resetUnderWay = async (): Promise<boolean> => {
    const store = await s.secret(databaseStoreName('app-0'));
    const labelled = (await s.get('PostgreSQLDatabase', 'app-0'))?.metadata.labels?.['operator/action'];
    return Boolean(store?.[STORE_PENDING]) || !labelled;
  };

  it('converges after SIGKILLs during server creation, database creation and a password reset', async () => {
    await killWhen('the StatefulSet exists (server being created)', async () =>
      s.kube.apps.readNamespacedStatefulSet({ name: 'demoteam-postgresql', namespace: s.namespace }).then(
        () => true,
        () => false,
      ),
    );
    // The server turning Ready queues every database at once: the kill lands among their creations.
    await killWhen('the server is Ready (databases being created)', async () => (await s.ready('PostgreSQLServer', SIMPLE.server))?.status === 'True');
    await s.label('PostgreSQLDatabase', 'app-0', { 'operator/action': 'reset-password' });
    const readyBefore = await readyDatabases();
    await killWhen('another database is Ready or the reset of app-0 is under way', async () => {
      const ready = await readyDatabases();
      return [...ready].some((n) => !readyBefore.has(n)) || (await resetUnderWay());
    });

    s.operator.start();
    for (const name of [SIMPLE.database, ...APPS]) await s.waitForReady('PostgreSQLDatabase', name);
    await s.waitForActionDone('PostgreSQLDatabase', 'app-0');
    const workloads = await s.kube.apps.listNamespacedStatefulSet({ namespace: s.namespace });
    expect(workloads.items.map((w) => w.metadata?.name)).toEqual(['demoteam-postgresql']);
  });

  it('leaves every credentials Secret with a password that logs in', async () => {
    const secrets: Array<[string, string]> = [[SIMPLE.databaseSecret, 'demoservice'], ...APPS.map((n): [string, string] => [`${n}-credentials`, n.replace('-', '_')])];
    const results = await Promise.all(secrets.map(([secret]) => s.login(secret, 'SELECT 1', 'app')));
    // On a failure the pod's output shows up in the diff.
    const outcomes = results.map((r, i) => {
      const [secret, pgName] = secrets[i]!;
      const loggedIn = r.phase === 'Succeeded' && r.logs.includes(`login:${pgName}@${pgName}`);
      return { secret, loggedIn, logs: loggedIn ? undefined : r.logs };
    });
    expect(outcomes).toEqual(secrets.map(([secret]) => ({ secret, loggedIn: true })));
    // Exactly the ordered databases exist: nothing twice, nothing half-made left behind.
    const sql = "SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database WHERE datname NOT IN ('postgres', 'template0', 'template1')";
    expect(await s.adminQuery(SIMPLE.serverSecret, sql)).toBe('app_0,app_1,app_2,app_3,app_4,demoservice');
  });
});
