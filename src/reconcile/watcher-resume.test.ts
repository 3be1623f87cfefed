import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type * as k8s from '@kubernetes/client-node';
import { startFakeApiServer, type FakeApiServer } from '../../test/support/fake-apiserver/index.js';
import { createKubeClients, type KubeClients } from '../k8s/clients.js';
import { createLogger } from '../observability/logger.js';
import { Watcher, watchTimeoutSeconds } from './watcher.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A kind nothing changes (here: labelled Secrets) in a cluster where other things do (ConfigMaps):
 * the API server keeps a window of events per resource, so the resume point of a quiet watch has to
 * move forward with the bookmark the server sends before it ends the watch, or each reconnect is a
 * 410 and a full relist.
 */
describe('Watcher on a quiet kind', () => {
  let api: FakeApiServer;
  let kube: KubeClients;
  let watcher: Watcher<k8s.V1Secret>;

  beforeAll(async () => {
    // Real watch caches hold many events; five make "long dropped" quick to reach.
    api = await startFakeApiServer({ historyLimit: 5 });
    kube = createKubeClients(api.kubeConfig('default'));
    await kube.core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'quiet', labels: { app: 'quiet' } } } });
    const list = () => kube.core.listNamespacedSecret({ namespace: 'default', labelSelector: 'app=quiet' });
    const source = { path: '/api/v1/namespaces/default/secrets', list, labelSelector: 'app=quiet' };
    // Watches of 3 s instead of 20–28 s, so that a few of them end within the test.
    watcher = new Watcher(kube.kc, [source], {}, createLogger({ level: 'silent' }), 100, () => 3);
    await watcher.start();
  });

  afterAll(async () => {
    await watcher?.stop();
    await api?.close();
  });

  it('resumes from the bookmark sent before each watch ends, without relisting', async () => {
    api.resetCounts();
    for (let i = 0; i < 10; i++) await kube.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: `busy-${i}` } } });
    // Two watch lifetimes: the first ends at 3 s with a bookmark at 1 s, the next resumes from it.
    await sleep(7000);
    const counts = api.requestCounts();
    expect(counts['WATCH secrets']).toBeGreaterThanOrEqual(2);
    expect(counts['LIST secrets'] ?? 0).toBe(0);
    expect(watcher.get('default', 'quiet')).toBeDefined();
    expect(watcher.lastError).toBeUndefined();
  }, 15_000);

  it('asks the server for watches shorter than the client\'s 30 s inactivity limit, spread over 20–28 s', () => {
    const draws = Array.from({ length: 200 }, watchTimeoutSeconds);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(20);
    expect(Math.max(...draws)).toBeLessThanOrEqual(28);
    expect(new Set(draws).size).toBeGreaterThan(3);
  });
});
