import { expect, it } from '@jest/globals';
import { databaseStoreName, serverStoreName } from '../../src/handlers/names.js';
import { SIMPLE } from './support/manifests.js';
import { describeE2E } from './support/settings.js';
import { simpleExampleReady, useScenario } from './support/use-scenario.js';

/** Deleting the CRs: the database is dropped; the server's workload goes, its data volume stays. */
describeE2E('e2e: deletion', () => {
  const s = useScenario({ server: SIMPLE.server }, simpleExampleReady);

  it('drops the database and its role, then releases the CR; its Secrets go with it', async () => {
    await s.delete('PostgreSQLDatabase', SIMPLE.database);
    await s.waitGone('PostgreSQLDatabase', SIMPLE.database);
    const left = "SELECT (SELECT count(*) FROM pg_database WHERE datname = 'demoservice') + (SELECT count(*) FROM pg_roles WHERE rolname = 'demoservice')";
    expect(await s.adminQuery(SIMPLE.serverSecret, left)).toBe('0');
    // Owned through ownerReferences: the garbage collector removes them.
    for (const name of [SIMPLE.databaseSecret, databaseStoreName(SIMPLE.database)]) {
      await s.waitNotFound(() => s.kube.core.readNamespacedSecret({ name, namespace: s.namespace }), `Secret ${name} (garbage-collected)`, 2000);
    }
  });

  it('removes the StatefulSet and the Service of a deleted server and keeps its volume claim', async () => {
    const pvcName = 'data-demoteam-postgresql-0';
    expect((await s.kube.core.readNamespacedPersistentVolumeClaim({ name: pvcName, namespace: s.namespace })).metadata?.name).toBe(pvcName);
    await s.delete('PostgreSQLServer', SIMPLE.server);
    await s.waitGone('PostgreSQLServer', SIMPLE.server);
    const namespace = s.namespace;
    await s.waitNotFound(() => s.kube.apps.readNamespacedStatefulSet({ name: 'demoteam-postgresql', namespace }), 'the StatefulSet');
    await s.waitNotFound(() => s.kube.core.readNamespacedService({ name: 'demoteam-postgresql', namespace }), 'the Service');
    for (const name of [SIMPLE.serverSecret, serverStoreName(SIMPLE.server)]) {
      await s.waitNotFound(() => s.kube.core.readNamespacedSecret({ name, namespace }), `Secret ${name} (garbage-collected)`, 2000);
    }
    // pvc_cleanup is off (the default): the data outlives the server.
    const pvc = await s.kube.core.readNamespacedPersistentVolumeClaim({ name: pvcName, namespace });
    expect(pvc.metadata?.deletionTimestamp).toBeUndefined();
  });
});
