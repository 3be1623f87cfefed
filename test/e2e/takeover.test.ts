import { expect, it } from '@jest/globals';
import { GROUP, VERSION } from '../../src/api/constants.js';
import { databaseStoreName, serverStoreName } from '../../src/handlers/names.js';
import { mergePatchOptions } from '../../src/k8s/patch.js';
import type { Kind } from './support/scenario.js';
import { SIMPLE } from './support/manifests.js';
import { describeE2E } from './support/settings.js';
import { simpleExampleReady, useScenario } from './support/use-scenario.js';

const KOPF_FINALIZER = 'kopf.zalando.org/KopfFinalizerMarker';
const OUR_FINALIZER = `${GROUP}/finalizer`;
const PLURAL: Record<Exclude<Kind, 'PostgreSQLTable'>, string> = { PostgreSQLServer: 'postgresqlservers', PostgreSQLDatabase: 'postgresqldatabases' };

/**
 * Taking over in place what the Python operator left: a running server and database are turned
 * into exactly what the Python operator leaves (owner-less credentials Secrets written with
 * stringData and `host` ending in .svc.cluster.local, kopf's finalizer and annotation, status
 * {backend, deployment}, no store Secrets), then the operator starts again and takes them over
 * without changing a password: the apps' Secrets still log in, and the role's verifier is the same.
 */
describeE2E('e2e: takeover from the Python operator', () => {
  let verifierBefore = '';
  const passwords: Record<string, string> = {};

  const s = useScenario({ server: SIMPLE.server }, async () => {
    await simpleExampleReady(s);
    verifierBefore = await s.adminQuery(SIMPLE.serverSecret, `SELECT rolpassword FROM pg_authid WHERE rolname = 'demoservice'`);
    for (const name of [SIMPLE.serverSecret, SIMPLE.databaseSecret]) passwords[name] = (await s.secret(name))?.password ?? '';

    await s.operator.stop();
    const host = `demoteam-postgresql.${s.namespace}.svc.cluster.local`;
    await pythonSecret(SIMPLE.serverSecret, { username: 'postgres', password: passwords[SIMPLE.serverSecret]!, dbname: 'postgres', host, port: '5432', sslmode: 'disable' });
    await pythonSecret(SIMPLE.databaseSecret, { username: 'demoservice', password: passwords[SIMPLE.databaseSecret]!, dbname: 'demoservice', host, port: '5432', sslmode: 'disable' });
    await s.kube.core.deleteNamespacedSecret({ name: databaseStoreName(SIMPLE.database), namespace: s.namespace });
    await pythonCr('PostgreSQLServer', SIMPLE.server);
    await pythonCr('PostgreSQLDatabase', SIMPLE.database);
    // The server's own store Secret stays: its pod reads the admin password from it at start.
    expect((await s.readSecret(serverStoreName(SIMPLE.server)))?.metadata?.name).toBe(serverStoreName(SIMPLE.server));
    s.operator.start();
  });

  /** What hybridcloud/util/k8s.py `create_secret` writes: stringData, no owner, empty labels. */
  async function pythonSecret(name: string, values: Record<string, string>): Promise<void> {
    await s.kube.core.deleteNamespacedSecret({ name, namespace: s.namespace });
    await s.waitUntil(async () => (await s.readSecret(name)) === undefined, () => `Secret ${name} to be gone`);
    await s.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name, labels: {} }, stringData: values });
  }

  /** The CR as the Python operator's CRD stored it: kopf's marks and its status. */
  async function pythonCr(kind: Exclude<Kind, 'PostgreSQLTable'>, name: string): Promise<void> {
    const cr = await s.get(kind, name);
    const body = { metadata: { finalizers: [KOPF_FINALIZER], annotations: { 'kopf.zalando.org/last-handled-configuration': JSON.stringify({ spec: cr?.spec }) } } };
    await s.kube.custom.patchNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: s.namespace, plural: PLURAL[kind], name, body }, mergePatchOptions());
    const status = { conditions: null, observedGeneration: null, version: null, sizeClass: null, endpoint: null, backendState: null, database: null, username: null, serverUid: null, deployment: { status: 'finished', reason: null, 'latest-update': new Date().toISOString() } };
    await s.kube.custom.patchNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, namespace: s.namespace, plural: PLURAL[kind], name, body: { status } }, mergePatchOptions());
  }

  it('takes server and database over: Ready, Secrets owned with their values kept, kopf finalizer replaced', async () => {
    await s.waitForReady('PostgreSQLServer', SIMPLE.server);
    await s.waitForReady('PostgreSQLDatabase', SIMPLE.database);
    for (const [kind, name, secret] of [['PostgreSQLServer', SIMPLE.server, SIMPLE.serverSecret], ['PostgreSQLDatabase', SIMPLE.database, SIMPLE.databaseSecret]] as const) {
      const cr = await s.get(kind, name);
      expect(cr?.metadata.finalizers).toEqual([OUR_FINALIZER]);
      expect((cr?.status as { adoption?: unknown } | undefined)?.adoption).toMatchObject({ from: 'python-operator' });
      const read = await s.readSecret(secret);
      expect(read?.metadata?.ownerReferences?.[0]?.name).toBe(name);
      const data = await s.secret(secret);
      expect(data?.password).toBe(passwords[secret]);
      expect(data?.host).toBe(`demoteam-postgresql.${s.namespace}.svc.cluster.local`);
      expect(data?.sslmode).toBe('disable');
      await s.waitForEvent(name, 'Normal', 'SecretAdopted');
    }
  });

  it("changes no password: the app's verifier is the same and the app still logs in", async () => {
    expect(await s.adminQuery(SIMPLE.serverSecret, `SELECT rolpassword FROM pg_authid WHERE rolname = 'demoservice'`)).toBe(verifierBefore);
    const login = await s.login(SIMPLE.databaseSecret);
    expect(login.phase).toBe('Succeeded');
    expect(login.logs).toContain('login:demoservice@demoservice');
  });

  it('deletes the taken-over database by its name', async () => {
    await s.delete('PostgreSQLDatabase', SIMPLE.database);
    await s.waitGone('PostgreSQLDatabase', SIMPLE.database);
    expect(await s.adminQuery(SIMPLE.serverSecret, "SELECT count(*) FROM pg_database WHERE datname = 'demoservice'")).toBe('0');
  });
});
