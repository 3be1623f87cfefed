import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type * as k8s from '@kubernetes/client-node';
import { apiConfiguration, createKubeClients, statusCodeOf } from '../../src/k8s/clients.js';
import { AuthorizationV1Api } from '../../src/k8s/kubernetes-client.js';
import { countWrites, startFakeApiServer, type FakeApiServer } from './fake-apiserver/index.js';

/** The fake's RBAC stand-in: everything allowed until a test denies it, then 403s and reviews that agree. */
describe('fake API server: denials and SelfSubjectAccessReviews', () => {
  let api: FakeApiServer;
  const as = (user: string) => ({ kube: createKubeClients(api.kubeConfig('default', user)), authz: new AuthorizationV1Api(apiConfiguration(api.kubeConfig('default', user))) });
  const review = async (authz: k8s.AuthorizationV1Api, attrs: k8s.V1ResourceAttributes) =>
    (await authz.createSelfSubjectAccessReview({ body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: attrs } } })).status?.allowed;
  const codeOf = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => statusCodeOf(e));

  beforeAll(async () => {
    api = await startFakeApiServer();
  });
  afterEach(() => api.allowAll());
  afterAll(async () => {
    await api.close();
  });

  it('allows everything by default, in requests and in reviews', async () => {
    const { kube, authz } = as('operator');
    await kube.core.listSecretForAllNamespaces();
    expect(await review(authz, { verb: 'delete', group: '', resource: 'secrets', namespace: 'default' })).toBe(true);
  });

  it('denies what a test takes away, to that client only, with the real 403 message', async () => {
    api.deny({ verb: 'list', group: '', resource: 'secrets', user: 'operator' });
    const { kube, authz } = as('operator');
    const err = await kube.core.listNamespacedSecret({ namespace: 'default' }).then(() => undefined, (e: unknown) => e as { code?: number; body?: unknown });
    expect(err?.code).toBe(403);
    const status = JSON.parse(String(err?.body)) as { message: string; reason: string };
    expect(status).toMatchObject({ reason: 'Forbidden', message: 'secrets is forbidden: User "operator" cannot list resource "secrets" in API group "" in the namespace "default"' });
    expect(await review(authz, { verb: 'list', group: '', resource: 'secrets', namespace: 'default' })).toBe(false);
    expect(await review(authz, { verb: 'get', group: '', resource: 'secrets', namespace: 'default' })).toBe(true);
    await as('someone-else').kube.core.listNamespacedSecret({ namespace: 'default' });
  });

  it('a denial in one namespace also denies the cluster scope (a cluster-wide grant would include it), not other namespaces', async () => {
    api.deny({ verb: 'patch', group: 'hybridcloud.maibornwolff.de', resource: 'postgresqlservers/status', namespace: 'team-a' });
    const { authz } = as('operator');
    const attrs = { verb: 'patch', group: 'hybridcloud.maibornwolff.de', resource: 'postgresqlservers', subresource: 'status' };
    expect(await review(authz, { ...attrs, namespace: 'team-a' })).toBe(false);
    expect(await review(authz, { ...attrs, namespace: '' })).toBe(false);
    expect(await review(authz, { ...attrs, namespace: 'team-b' })).toBe(true);
    expect(await review(authz, { ...attrs, subresource: undefined, namespace: 'team-a' })).toBe(true);
  });

  it('can deny the reviews themselves (403), and refuses a review without attributes (422)', async () => {
    const { authz } = as('operator');
    const bad = authz.createSelfSubjectAccessReview({ body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: {} } });
    expect(await codeOf(bad)).toBe(422);
    api.deny({ verb: 'create', group: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' });
    expect(await codeOf(review(authz, { verb: 'get', resource: 'secrets' }))).toBe(403);
  });

  it('counts reviews as requests, not as writes (they store nothing)', async () => {
    api.resetCounts();
    expect(await review(as('operator').authz, { verb: 'get', resource: 'secrets' })).toBe(true);
    expect(api.requestCounts()).toEqual({ 'POST selfsubjectaccessreviews': 1 });
    expect(countWrites(api.requestCounts())).toBe(0);
  });

  it('lists the review resource in discovery, create only', async () => {
    const res = await fetch(`${api.url}/apis/authorization.k8s.io/v1`);
    const list = (await res.json()) as { resources: Array<{ name: string; verbs: string[]; namespaced: boolean }> };
    expect(list.resources).toContainEqual(expect.objectContaining({ name: 'selfsubjectaccessreviews', verbs: ['create'], namespaced: false }));
  });
});
