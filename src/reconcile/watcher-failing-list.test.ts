import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type * as k8s from '@kubernetes/client-node';
import { startFakeApiServer, type FakeApiServer } from '../../test/support/fake-apiserver/index.js';
import { createKubeClients, type KubeClients } from '../k8s/clients.js';
import { createLogger } from '../observability/logger.js';
import { Watcher } from './watcher.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The first lists fail (as with RBAC not yet in place, or an API server that is restarting).
 * client-node's informer reports the error and returns from start() with an empty cache; taking
 * that cache for complete would make every stored password look missing.
 */
describe('Watcher whose first lists fail', () => {
  let api: FakeApiServer;
  let kube: KubeClients;
  let watcher: Watcher<k8s.V1Secret>;
  let listCalls = 0;
  const failingLists = 3;
  let started: Promise<void>;
  const seen: Array<{ synced: boolean; lastErrorAt?: number }> = [];

  beforeAll(async () => {
    api = await startFakeApiServer();
    kube = createKubeClients(api.kubeConfig('default'));
    await kube.core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'stored', labels: { app: 'x' } } } });
    const list = async () => {
      listCalls++;
      seen.push({ synced: watcher.synced, lastErrorAt: watcher.lastError?.at });
      if (listCalls <= failingLists) throw new Error('forbidden: cannot list secrets');
      return kube.core.listNamespacedSecret({ namespace: 'default', labelSelector: 'app=x' });
    };
    const source = { path: '/api/v1/namespaces/default/secrets', list, labelSelector: 'app=x' };
    watcher = new Watcher(kube.kc, [source], {}, createLogger({ level: 'silent' }), 100);
    started = watcher.start();
  });

  afterAll(async () => {
    await watcher?.stop();
    await api?.close();
  });

  it('is synced only once a list succeeded, with the listed objects in its cache', async () => {
    await started;
    expect(listCalls).toBe(failingLists + 1);
    expect(seen.every((s) => !s.synced)).toBe(true);
    expect(watcher.synced).toBe(true);
    expect(watcher.get('default', 'stored')).toBeDefined();
  });

  it('dates the failure from its first occurrence, and clears it once a start succeeds', async () => {
    // The lists after the first failure, each made by a restart.
    const during = seen.slice(1, failingLists + 1).map((s) => s.lastErrorAt);
    expect(during).toHaveLength(failingLists);
    expect(during.every((at) => at !== undefined && at === during[0])).toBe(true);
    await sleep(50);
    expect(watcher.lastError).toBeUndefined();
  });
});

describe('Watcher stopped while its lists fail', () => {
  it('returns from start() instead of waiting for a list forever', async () => {
    const api = await startFakeApiServer();
    const kube = createKubeClients(api.kubeConfig('default'));
    const list = (): Promise<k8s.V1SecretList> => Promise.reject(new Error('forbidden'));
    const watcher = new Watcher<k8s.V1Secret>(kube.kc, [{ path: '/api/v1/namespaces/default/secrets', list }], {}, createLogger({ level: 'silent' }), 100);
    try {
      const started = watcher.start();
      await sleep(300);
      await watcher.stop();
      await started;
      expect(watcher.synced).toBe(false);
    } finally {
      await api.close();
    }
  });
});
