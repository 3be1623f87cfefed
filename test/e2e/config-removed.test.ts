import { expect, it } from '@jest/globals';
import { SIMPLE, serverManifest } from './support/manifests.js';
import { describeE2E } from './support/settings.js';
import { simpleExampleReady, useScenario } from './support/use-scenario.js';

/**
 * Deletion needs only identity (ADR 0013): a server whose class never existed goes at once; a
 * server whose class the platform team removes keeps serving (its database too) and is still
 * deleted, StatefulSet and all, after the operator restarts with the changed config.
 */
describeE2E('e2e: deletion after the config changed', () => {
  const s = useScenario({ server: SIMPLE.server }, simpleExampleReady);

  it('deletes a server whose class is unknown from the start', async () => {
    await s.create(serverManifest('noclass', { size: { class: 'no-such-class', storageGB: 1 } }));
    await s.waitForReady('PostgreSQLServer', 'noclass', 'False', 'UnknownClass');
    await s.delete('PostgreSQLServer', 'noclass');
    await s.waitGone('PostgreSQLServer', 'noclass');
  });

  it('keeps a server whose class was removed serving, then deletes it and its database', async () => {
    await s.operator.restartWith((config) => {
      const section = (config.backends as { statefulset: { classes: Record<string, unknown>; default_class: string } }).statefulset;
      delete section.classes.small;
      section.default_class = 'large';
    });
    const ready = await s.waitForReady('PostgreSQLServer', SIMPLE.server, 'False', 'UnknownClass');
    expect(ready.message).toMatch(/the server keeps running as it is/);
    expect(await s.adminQuery(SIMPLE.serverSecret, "SELECT count(*) FROM pg_database WHERE datname = 'demoservice'")).toBe('1');

    await s.delete('PostgreSQLDatabase', SIMPLE.database);
    await s.waitGone('PostgreSQLDatabase', SIMPLE.database);
    expect(await s.adminQuery(SIMPLE.serverSecret, "SELECT count(*) FROM pg_database WHERE datname = 'demoservice'")).toBe('0');
    await s.delete('PostgreSQLServer', SIMPLE.server);
    await s.waitGone('PostgreSQLServer', SIMPLE.server);
    await s.waitNotFound(() => s.kube.apps.readNamespacedStatefulSet({ name: 'demoteam-postgresql', namespace: s.namespace }), 'the StatefulSet');
  });
});
