import { expect, it } from '@jest/globals';
import { serverStoreName, databaseStoreName } from '../../src/handlers/names.js';
import { SIMPLE } from './support/manifests.js';
import { describeE2E } from './support/settings.js';
import { useScenario } from './support/use-scenario.js';

/** The README's Quickstart on a real cluster: examples/simple.yaml, then an app logs in. */
describeE2E('e2e: quickstart (examples/simple.yaml on the statefulset backend)', () => {
  const s = useScenario({ server: SIMPLE.server }, () => s.applyExample(SIMPLE.file));

  const host = () => `demoteam-postgresql.${s.namespace}.svc`;
  const serverUid = async () => (await s.get('PostgreSQLServer', SIMPLE.server))!.metadata.uid;
  const owners = (obj: { metadata?: { ownerReferences?: Array<{ uid: string }> } } | undefined) => obj?.metadata?.ownerReferences?.map((r) => r.uid);

  it('makes the server Ready and records what it resolved', async () => {
    expect((await s.waitForReady('PostgreSQLServer', SIMPLE.server)).reason).toBe('Available');
    const server = await s.get('PostgreSQLServer', SIMPLE.server);
    expect(server?.status).toMatchObject({ backend: 'statefulset', version: '17', sizeClass: 'small', endpoint: { host: host(), port: 5432 } });
  });

  it('runs it as a StatefulSet with a Service and a bound volume, owned by the CR', async () => {
    const uid = await serverUid();
    const sts = await s.kube.apps.readNamespacedStatefulSet({ name: 'demoteam-postgresql', namespace: s.namespace });
    expect(owners(sts)).toEqual([uid]);
    expect(sts.spec?.template.spec?.containers[0]?.image).toBe(s.postgresImage);
    expect(sts.status?.readyReplicas).toBe(1);
    const svc = await s.kube.core.readNamespacedService({ name: 'demoteam-postgresql', namespace: s.namespace });
    expect(svc.spec?.type).toBe('ClusterIP');
    expect(owners(svc)).toEqual([uid]);
    const pvc = await s.kube.core.readNamespacedPersistentVolumeClaim({ name: 'data-demoteam-postgresql-0', namespace: s.namespace });
    expect(pvc.status?.phase).toBe('Bound');
    // The Quickstart's `kubectl get pods -l app.kubernetes.io/instance=demoteam-postgresql`.
    const pods = await s.kube.core.listNamespacedPod({ namespace: s.namespace, labelSelector: 'app.kubernetes.io/instance=demoteam-postgresql' });
    expect(pods.items.map((p) => p.status?.phase)).toEqual(['Running']);
  });

  it('publishes the admin credentials in a Secret owned by the CR', async () => {
    const uid = await serverUid();
    expect(owners(await s.readSecret(SIMPLE.serverSecret))).toEqual([uid]);
    expect(owners(await s.readSecret(serverStoreName(SIMPLE.server)))).toEqual([uid]);
    const data = await s.secret(SIMPLE.serverSecret);
    expect(data).toMatchObject({ hostname: host(), host: host(), port: '5432', username: 'postgres', dbname: 'postgres', sslmode: 'disable' });
    expect(data?.password).toHaveLength(24);
  });

  it('makes the database Ready with its credentials Secret', async () => {
    expect((await s.waitForReady('PostgreSQLDatabase', SIMPLE.database)).reason).toBe('Available');
    const db = await s.get('PostgreSQLDatabase', SIMPLE.database);
    const data = await s.secret(SIMPLE.databaseSecret);
    expect(data).toMatchObject({ hostname: host(), port: '5432', dbname: 'demoservice', username: 'demoservice', sslmode: 'disable' });
    expect(data?.uri).toBe(`postgresql://demoservice:${data?.password}@${host()}:5432/demoservice?sslmode=disable`);
    expect(owners(await s.readSecret(SIMPLE.databaseSecret))).toEqual([db!.metadata.uid]);
    expect(owners(await s.readSecret(databaseStoreName(SIMPLE.database)))).toEqual([db!.metadata.uid]);
    await s.waitForEvent(SIMPLE.database, 'Normal', 'Ready');
  });

  it('lets an app pod log in with the Secret and create a table', async () => {
    const result = await s.login(SIMPLE.databaseSecret, 'CREATE TABLE e2e_orders (id int); INSERT INTO e2e_orders VALUES (1); SELECT count(*) FROM e2e_orders;', 'app');
    expect(result).toMatchObject({ phase: 'Succeeded' });
    expect(result.logs).toContain('login:demoservice@demoservice');
  });

  it('gives the app an ordinary role on a database others cannot connect to', async () => {
    const sql = "SELECT has_database_privilege('public', 'demoservice', 'CONNECT') || '|' || (SELECT rolsuper FROM pg_roles WHERE rolname = 'demoservice')";
    expect(await s.adminQuery(SIMPLE.serverSecret, sql)).toBe('false|false');
  });
});
