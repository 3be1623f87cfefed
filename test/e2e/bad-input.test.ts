import { expect, it } from '@jest/globals';
import { databaseManifest, serverManifest } from './support/manifests.js';
import { describeE2E } from './support/settings.js';
import { useScenario } from './support/use-scenario.js';

/** Bad specs end in a clear condition and a Warning event, with nothing half-made in the cluster. */
describeE2E('e2e: bad input', () => {
  const s = useScenario({ server: 'noclass' });

  async function expectNoWorkload(server: string): Promise<void> {
    const name = `${server}-postgresql`;
    await expect(s.kube.apps.readNamespacedStatefulSet({ name, namespace: s.namespace })).rejects.toMatchObject({ code: 404 });
    await expect(s.kube.core.readNamespacedService({ name, namespace: s.namespace })).rejects.toMatchObject({ code: 404 });
  }

  async function expectRefused(name: string, reason: string, text: RegExp): Promise<void> {
    const ready = await s.waitForReady('PostgreSQLServer', name, 'False', reason);
    expect(ready.message).toMatch(text);
    await s.waitForEvent(name, 'Warning', reason);
    await expectNoWorkload(name);
  }

  it('refuses an unknown size class (UnknownClass) and creates nothing', async () => {
    await s.create(serverManifest('noclass', { size: { storageGB: 1, class: 'gigantic' } }));
    await expectRefused('noclass', 'UnknownClass', /gigantic.*available: small, large/);
  });

  it('refuses storage over the configured limit (LimitExceeded) and creates nothing', async () => {
    await s.create(serverManifest('toobig', { size: { storageGB: 500 } }));
    await expectRefused('toobig', 'LimitExceeded', /storageGB 500 GB is over the limit of 100 GB/);
  });

  it('reports a database whose server does not exist (ServerNotFound)', async () => {
    await s.create(databaseManifest('orphan', 'nosuchserver'));
    const ready = await s.waitForReady('PostgreSQLDatabase', 'orphan', 'False', 'ServerNotFound');
    expect(ready.message).toMatch(/nosuchserver not found/);
    expect(await s.secret('orphan-credentials')).toBeUndefined();
  });

  it('takes up a refused server again once its spec is fixed', async () => {
    await s.patchSpec('PostgreSQLServer', 'noclass', { size: { storageGB: 1, class: 'small' } });
    await s.waitUntil(async () => {
      const ready = await s.ready('PostgreSQLServer', 'noclass');
      return ready && ready.reason !== 'UnknownClass' ? ready : undefined;
    }, () => 'noclass to leave UnknownClass');
    await s.waitUntil(async () => (await s.kube.apps.readNamespacedStatefulSet({ name: 'noclass-postgresql', namespace: s.namespace })).metadata?.name, () => 'the StatefulSet of noclass');
  });
});
