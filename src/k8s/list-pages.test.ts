import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { V1SecretList } from '@kubernetes/client-node';
import { startFakeApiServer, type FakeApiServer } from '../../test/support/fake-apiserver/index.js';
import { createKubeClients, type KubeClients } from './clients.js';
import { listInPages } from './list-pages.js';

describe('listInPages against the fake API server', () => {
  let api: FakeApiServer;
  let kube: KubeClients;
  const labelSelector = 'app=paged';

  beforeAll(async () => {
    api = await startFakeApiServer();
    kube = createKubeClients(api.kubeConfig('default'));
    for (let i = 0; i < 7; i++) {
      await kube.core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: `paged-${i}`, labels: { app: 'paged' } } } });
    }
    await kube.core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'other' } } });
  });

  afterAll(async () => {
    await api?.close();
  });

  it('fetches every page of one snapshot, and keeps its resourceVersion for the watch', async () => {
    api.resetCounts();
    let pages = 0;
    const list = await listInPages<unknown, V1SecretList>(async (limit, _continue) => {
      pages++;
      // A write between pages is not in the result: later pages come from the first one's snapshot.
      if (pages === 2) await kube.core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'paged-late', labels: { app: 'paged' } } } });
      return kube.core.listNamespacedSecret({ namespace: 'default', labelSelector, limit, _continue });
    }, 3);
    expect(pages).toBe(3);
    expect(api.requestCounts()['LIST secrets']).toBe(3);
    expect(list.items.map((s) => s.metadata?.name)).toEqual(['paged-0', 'paged-1', 'paged-2', 'paged-3', 'paged-4', 'paged-5', 'paged-6']);
    const now = await kube.core.listNamespacedSecret({ namespace: 'default', labelSelector });
    expect(now.items).toHaveLength(8);
    expect(Number(list.metadata?.resourceVersion)).toBeLessThan(Number(now.metadata?.resourceVersion));
    expect(list.metadata?._continue).toBeUndefined();
  });

  it('serves a repeated continue token again, refuses one with other selectors and one that does not exist (410 Gone)', async () => {
    const first = await kube.core.listNamespacedSecret({ namespace: 'default', labelSelector, limit: 2 });
    expect(first.metadata?._continue).toBeTruthy();
    expect(first.metadata?.remainingItemCount).toBe(6);
    const again = () => kube.core.listNamespacedSecret({ namespace: 'default', labelSelector, limit: 2, _continue: first.metadata?._continue });
    const names = (l: V1SecretList) => l.items.map((i) => i.metadata?.name);
    expect(names(await again())).toEqual(['paged-2', 'paged-3']);
    expect(names(await again())).toEqual(['paged-2', 'paged-3']);
    await expect(kube.core.listNamespacedSecret({ namespace: 'default', limit: 2, _continue: first.metadata?._continue })).rejects.toMatchObject({ code: 400 });
    await expect(kube.core.listNamespacedSecret({ namespace: 'default', labelSelector, limit: 2, _continue: 'no-such-token:2' })).rejects.toMatchObject({ code: 410 });
  });
});
