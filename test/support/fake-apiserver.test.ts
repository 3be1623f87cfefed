import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { mergePatchOptions } from '../../src/k8s/patch.js';
import type { FakeApiServer } from './fake-apiserver/index.js';
import { countWrites, startFakeApiServer } from './fake-apiserver/index.js';

const CRD_FILE = 'test/support/fake-apiserver/testdata/widgets-crd.yaml';
const G = 'example.test';
const V = 'v1';
const NS = 'default';
const widgets = { group: G, version: V, plural: 'widgets' };
const WIDGETS_PATH = `/apis/${G}/${V}/namespaces/${NS}/widgets`;

type Obj = { metadata: Record<string, unknown> & { name?: string; resourceVersion?: string; uid?: string }; [k: string]: unknown };
interface WatchEvent {
  type: string;
  object: Obj & { code?: number; reason?: string };
}

/** Polls until `check` stops throwing (a slow, loaded machine gets 20 s). */
async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 20000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

async function codeOf(p: Promise<unknown>): Promise<number | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return (e as { code?: number }).code;
  }
}

const widget = (name: string, extra: Record<string, unknown> = {}): Obj => ({
  apiVersion: `${G}/${V}`,
  kind: 'Widget',
  metadata: { name, ...((extra.metadata as object) ?? {}) },
  spec: { size: 'small', ...((extra.spec as object) ?? {}) },
  ...(extra.status ? { status: extra.status } : {}),
});

let server: FakeApiServer;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;
let custom: k8s.CustomObjectsApi;
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  server = await startFakeApiServer({ crdFiles: [CRD_FILE], bookmarkIntervalMs: 50 });
  kc = server.kubeConfig();
  core = kc.makeApiClient(k8s.CoreV1Api);
  custom = kc.makeApiClient(k8s.CustomObjectsApi);
});

afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

afterAll(async () => {
  await server.close();
});

/** Records the events of a raw client-node watch until the test ends. */
async function watchEvents(path: string, query: Record<string, string | boolean>): Promise<{ events: WatchEvent[]; done: Promise<unknown> }> {
  const events: WatchEvent[] = [];
  let finish: (err: unknown) => void = () => undefined;
  const done = new Promise((resolve) => (finish = resolve));
  const ctl = await new k8s.Watch(kc).watch(path, query, (type, object) => events.push({ type, object: object as WatchEvent['object'] }), (err) => finish(err));
  cleanups.push(() => ctl.abort());
  return { events, done };
}

const getWidget = (name: string): Promise<Obj> => custom.getNamespacedCustomObject({ ...widgets, namespace: NS, name });
const createWidget = (w: Obj): Promise<Obj> => custom.createNamespacedCustomObject({ ...widgets, namespace: NS, body: w });

describe('fake API server: informers and watches', () => {
  it('feeds a client-node informer with adds, updates and deletes of a custom resource', async () => {
    const seen: string[] = [];
    const informer = k8s.makeInformer(kc, WIDGETS_PATH, () => custom.listNamespacedCustomObject({ ...widgets, namespace: NS }));
    informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
    informer.on('update', (o) => seen.push(`update ${o.metadata?.name} ${(o as unknown as { spec: { size: string } }).spec.size}`));
    informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
    await informer.start();
    cleanups.push(() => informer.stop());

    await createWidget(widget('inf-1'));
    await custom.patchNamespacedCustomObject({ ...widgets, namespace: NS, name: 'inf-1', body: { spec: { size: 'large' } } }, mergePatchOptions());
    await custom.deleteNamespacedCustomObject({ ...widgets, namespace: NS, name: 'inf-1' });

    await eventually(() => expect(seen).toEqual(['add inf-1', 'update inf-1 large', 'delete inf-1']));
  });

  it('makes an informer relist after compact() (410 Expired) and keep following changes', async () => {
    const names = new Set<string>();
    const informer = k8s.makeInformer(kc, WIDGETS_PATH, () => custom.listNamespacedCustomObject({ ...widgets, namespace: NS }));
    informer.on('add', (o) => names.add(o.metadata?.name ?? ''));
    informer.on('delete', (o) => names.delete(o.metadata?.name ?? ''));
    await informer.start();
    cleanups.push(() => informer.stop());
    await createWidget(widget('cmp-1'));
    await eventually(() => expect(names.has('cmp-1')).toBe(true));
    server.resetCounts();

    server.compact();
    // Written while the informer is cut off: only a relist can reveal it.
    await createWidget(widget('cmp-2'));
    await eventually(() => expect(names.has('cmp-2')).toBe(true));
    expect(server.requestCounts()['LIST widgets']).toBe(1);

    await createWidget(widget('cmp-3'));
    await custom.deleteNamespacedCustomObject({ ...widgets, namespace: NS, name: 'cmp-1' });
    await eventually(() => expect([...names].filter((n) => n.startsWith('cmp-')).sort()).toEqual(['cmp-2', 'cmp-3']));
    for (const n of ['cmp-2', 'cmp-3']) await custom.deleteNamespacedCustomObject({ ...widgets, namespace: NS, name: n });
  });

  it('replays history after a resourceVersion, sends bookmarks, and answers a compacted one with an ERROR 410', async () => {
    const list = await custom.listNamespacedCustomObject({ ...widgets, namespace: NS });
    const from: string = list.metadata.resourceVersion;
    await createWidget(widget('rv-1'));
    await custom.deleteNamespacedCustomObject({ ...widgets, namespace: NS, name: 'rv-1' });

    const replay = await watchEvents(WIDGETS_PATH, { resourceVersion: from, allowWatchBookmarks: true });
    await eventually(() => expect(replay.events.some((e) => e.type === 'BOOKMARK')).toBe(true));
    expect(replay.events.filter((e) => e.type !== 'BOOKMARK').map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED rv-1', 'DELETED rv-1']);
    const deleted = replay.events.find((e) => e.type === 'DELETED');
    expect(Number(deleted?.object.metadata.resourceVersion)).toBeGreaterThan(Number(from));

    // Without a resourceVersion a watch starts with the current objects as ADDED.
    await createWidget(widget('rv-2'));
    const fresh = await watchEvents(WIDGETS_PATH, {});
    await eventually(() => expect(fresh.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toContain('ADDED rv-2'));
    await custom.deleteNamespacedCustomObject({ ...widgets, namespace: NS, name: 'rv-2' });
    await eventually(() => expect(fresh.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toContain('DELETED rv-2'));

    server.compact();
    const stale = await watchEvents(WIDGETS_PATH, { resourceVersion: from });
    await stale.done;
    expect(stale.events).toEqual([{ type: 'ERROR', object: expect.objectContaining({ kind: 'Status', code: 410, reason: 'Expired' }) }]);
  });

  it('tells in-process listeners every committed change in order, with the stored object, until they unsubscribe', async () => {
    const seen: string[] = [];
    const unsubscribe = server.onChange(({ type, object }) => {
      if (object.metadata.name === 'on-change') seen.push(`${type} ${object.metadata.resourceVersion ?? ''} ${Object.isFrozen(object)}`);
    });
    const created = await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'on-change' }, data: { a: '1' } } });
    const patched = await core.patchNamespacedConfigMap({ namespace: NS, name: 'on-change', body: { data: { a: '2' } } }, mergePatchOptions());
    unsubscribe();
    await core.deleteNamespacedConfigMap({ namespace: NS, name: 'on-change' });
    expect(seen).toEqual([`ADDED ${created.metadata?.resourceVersion} true`, `MODIFIED ${patched.metadata?.resourceVersion} true`]);
  });

  it('turns label selector transitions into ADDED and DELETED on a selective watch', async () => {
    const w = await watchEvents(`/api/v1/namespaces/${NS}/configmaps`, { labelSelector: 'tier=db' });
    await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'sel-cm', labels: { tier: 'web' } } } });
    const patch = (tier: string) => core.patchNamespacedConfigMap({ namespace: NS, name: 'sel-cm', body: { metadata: { labels: { tier } } } }, mergePatchOptions());
    await patch('db');
    await patch('web');
    await eventually(() => expect(w.events.map((e) => e.type)).toEqual(['ADDED', 'DELETED']));
    await core.deleteNamespacedConfigMap({ namespace: NS, name: 'sel-cm' });
  });
});

describe('fake API server: writes and errors', () => {
  it('fills metadata, supports generateName and rejects a duplicate with 409 AlreadyExists', async () => {
    const created = await createWidget(widget('meta-1'));
    expect(created.metadata).toMatchObject({ generation: 1, namespace: NS, uid: expect.any(String), creationTimestamp: expect.any(String), resourceVersion: expect.stringMatching(/^\d+$/) });
    expect(created.spec).toEqual({ size: 'small', replicas: 1, options: { color: 'blue' } });
    expect(await codeOf(createWidget(widget('meta-1')))).toBe(409);
    const generated = await core.createNamespacedSecret({ namespace: NS, body: { metadata: { generateName: 'gen-' }, stringData: { k: 'v' } } });
    expect(generated.metadata?.name).toMatch(/^gen-[a-z0-9]{5}$/);
    expect(generated.data).toEqual({ k: Buffer.from('v').toString('base64') });
    expect(await codeOf(getWidget('missing'))).toBe(404);
    await core.deleteNamespacedSecret({ namespace: NS, name: generated.metadata?.name ?? '' });
    await custom.deleteNamespacedCustomObject({ ...widgets, namespace: NS, name: 'meta-1' });
  });

  it('refuses a stale update with 409 Conflict and an invalid object with 422', async () => {
    const first = await createWidget(widget('cfl-1'));
    const updated = await custom.replaceNamespacedCustomObject({ ...widgets, namespace: NS, name: 'cfl-1', body: { ...first, spec: { size: 'large' } } });
    expect(updated.metadata.generation).toBe(2);
    const err = await custom.replaceNamespacedCustomObject({ ...widgets, namespace: NS, name: 'cfl-1', body: { ...first, spec: { size: 'small' } } }).catch((e: unknown) => e as k8s.ApiException<unknown>);
    expect(err).toBeInstanceOf(k8s.ApiException);
    expect((err as k8s.ApiException<string>).code).toBe(409);
    expect(JSON.parse(String((err as k8s.ApiException<string>).body))).toMatchObject({ kind: 'Status', reason: 'Conflict', code: 409 });
    // Custom resources need a resourceVersion on PUT; the schema's enum is enforced.
    const noRv = { ...updated, metadata: { ...updated.metadata, resourceVersion: undefined } };
    expect(await codeOf(custom.replaceNamespacedCustomObject({ ...widgets, namespace: NS, name: 'cfl-1', body: noRv }))).toBe(422);
    expect(await codeOf(createWidget(widget('cfl-2', { spec: { size: 'huge' } })))).toBe(422);
    expect(await codeOf(custom.replaceNamespacedCustomObject({ ...widgets, namespace: NS, name: 'nope', body: widget('nope') }))).toBe(404);
    await custom.deleteNamespacedCustomObject({ ...widgets, namespace: NS, name: 'cfl-1' });
  });

  it('keeps Leases under optimistic concurrency (what leader election relies on)', async () => {
    const coordination = kc.makeApiClient(k8s.CoordinationV1Api);
    const lease = await coordination.createNamespacedLease({ namespace: NS, body: { metadata: { name: 'leader' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } } });
    // MicroTime fields take exactly six fraction digits: a plain Date is refused like on a real server.
    const withDate = { ...lease, spec: { ...lease.spec, renewTime: new Date() } };
    expect(await codeOf(coordination.replaceNamespacedLease({ namespace: NS, name: 'leader', body: withDate }))).toBe(400);
    const renewed = await coordination.replaceNamespacedLease({ namespace: NS, name: 'leader', body: { ...lease, spec: { ...lease.spec, holderIdentity: 'a', renewTime: new k8s.V1MicroTime() } } });
    expect(renewed.metadata?.resourceVersion).not.toBe(lease.metadata?.resourceVersion);
    expect(renewed.spec?.renewTime).toBeDefined();
    expect(await codeOf(coordination.replaceNamespacedLease({ namespace: NS, name: 'leader', body: { ...lease, spec: { holderIdentity: 'b' } } }))).toBe(409);
    expect((await coordination.readNamespacedLease({ namespace: NS, name: 'leader' })).spec?.holderIdentity).toBe('a');
    await coordination.deleteNamespacedLease({ namespace: NS, name: 'leader' });
  });

  it('skips no-op updates: same resourceVersion, no event', async () => {
    const created = await createWidget(widget('noop-1'));
    const same = await custom.patchNamespacedCustomObject({ ...widgets, namespace: NS, name: 'noop-1', body: { spec: { size: 'small' } } }, mergePatchOptions());
    expect(same.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    await custom.deleteNamespacedCustomObject({ ...widgets, namespace: NS, name: 'noop-1' });
  });
});

describe('fake API server: patches', () => {
  it('applies merge patches and JSON patches through the typed APIs', async () => {
    await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'p-sec', labels: { a: '1', b: '2' } }, data: { x: 'eA==' } } });
    const merged = await core.patchNamespacedSecret({ namespace: NS, name: 'p-sec', body: { metadata: { labels: { a: null, c: '3' } }, stringData: { y: 'why' } } }, mergePatchOptions());
    expect(merged.metadata?.labels).toEqual({ b: '2', c: '3' });
    expect(merged.data).toEqual({ x: 'eA==', y: Buffer.from('why').toString('base64') });

    await createWidget(widget('p-w', { spec: { extra: { list: [1, 2] } } }));
    // The typed custom-object patch sends application/json-patch+json by default.
    const patched = await custom.patchNamespacedCustomObject({
      ...widgets, namespace: NS, name: 'p-w',
      body: [
        { op: 'test', path: '/spec/size', value: 'small' },
        { op: 'replace', path: '/spec/size', value: 'large' },
        { op: 'add', path: '/spec/extra/list/-', value: 3 },
        { op: 'remove', path: '/spec/options/color' },
        { op: 'add', path: '/metadata/labels', value: { 'x/y': 'z' } },
      ],
    });
    expect(patched.spec).toMatchObject({ size: 'large', extra: { list: [1, 2, 3] } });
    // Removing a defaulted field just brings the default back.
    expect(patched.spec.options).toEqual({ color: 'blue' });
    expect(patched.metadata.labels).toEqual({ 'x/y': 'z' });
    const failedTest = custom.patchNamespacedCustomObject({ ...widgets, namespace: NS, name: 'p-w', body: [{ op: 'test', path: '/spec/size', value: 'small' }, { op: 'replace', path: '/spec/size', value: 'small' }] });
    expect(await codeOf(failedTest)).toBe(422);
    expect(await codeOf(custom.patchNamespacedCustomObject({ ...widgets, namespace: NS, name: 'p-w', body: [{ op: 'remove', path: '/spec/nothing' }] }))).toBe(422);
    expect((await getWidget('p-w')).spec).toMatchObject({ size: 'large' });
    // A merge patch carrying a stale resourceVersion is a conflict.
    const stale = { metadata: { resourceVersion: '1' }, spec: { size: 'small' } };
    expect(await codeOf(custom.patchNamespacedCustomObject({ ...widgets, namespace: NS, name: 'p-w', body: stale }, mergePatchOptions()))).toBe(409);
    // Custom resources refuse strategic merge patch (415), as the real server does.
    const smp = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);
    expect(await codeOf(custom.patchNamespacedCustomObject({ ...widgets, namespace: NS, name: 'p-w', body: { spec: {} } }, smp))).toBe(415);
    expect(await codeOf(core.patchNamespacedSecret({ namespace: NS, name: 'missing', body: {} }, mergePatchOptions()))).toBe(404);
    await core.deleteNamespacedSecret({ namespace: NS, name: 'p-sec' });
    await custom.deleteNamespacedCustomObject({ ...widgets, namespace: NS, name: 'p-w' });
  });

  it('merges lists by key in strategic merge patches and creates or merges with server-side apply', async () => {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const sts = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'ssa-sts' }, spec: { selector: { matchLabels: { app: 'x' } }, serviceName: 'x', template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'pg', image: 'postgres:17' }, { name: 'exporter', image: 'exp:1' }] } } } };
    const apply = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply);
    const created = await apps.patchNamespacedStatefulSet({ namespace: NS, name: 'ssa-sts', body: sts, fieldManager: 'test' }, apply);
    expect(created.spec?.replicas).toBe(1);
    expect(created.spec?.template.spec?.containers[0]?.imagePullPolicy).toBe('IfNotPresent');
    expect(created.status).toEqual({ replicas: 0, availableReplicas: 0 });
    const smp = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);
    const patched = await apps.patchNamespacedStatefulSet({ namespace: NS, name: 'ssa-sts', body: { spec: { template: { spec: { containers: [{ name: 'pg', image: 'postgres:18' }] } } } } }, smp);
    expect(patched.spec?.template.spec?.containers.map((c) => `${c.name}=${c.image}`)).toEqual(['pg=postgres:18', 'exporter=exp:1']);
    expect(patched.metadata?.generation).toBe(2);
    const reapplied = await apps.patchNamespacedStatefulSet({ namespace: NS, name: 'ssa-sts', body: { ...sts, spec: { ...sts.spec, replicas: 2 } }, fieldManager: 'test' }, apply);
    expect(reapplied.spec?.replicas).toBe(2);
    expect(await codeOf(apps.patchNamespacedStatefulSet({ namespace: NS, name: 'ssa-sts', body: sts }, apply))).toBe(400);
    await apps.deleteNamespacedStatefulSet({ namespace: NS, name: 'ssa-sts' });
  });
});

describe('fake API server: status subresource', () => {
  it('ignores status on the main endpoint and everything but status on /status', async () => {
    const created = await createWidget(widget('st-1', { status: { phase: 'Forged' } }));
    expect(created.status).toBeUndefined();
    const statusOnly = await custom.replaceNamespacedCustomObjectStatus({ ...widgets, namespace: NS, name: 'st-1', body: { ...created, spec: { size: 'large' }, status: { phase: 'Ready', observedGeneration: 1 } } });
    expect(statusOnly.spec.size).toBe('small');
    expect(statusOnly.status).toEqual({ phase: 'Ready', observedGeneration: 1 });
    expect(statusOnly.metadata.generation).toBe(1);
    const mainOnly = await custom.replaceNamespacedCustomObject({ ...widgets, namespace: NS, name: 'st-1', body: { ...statusOnly, spec: { size: 'large' }, status: { phase: 'Hacked' } } });
    expect(mainOnly.status).toEqual({ phase: 'Ready', observedGeneration: 1 });
    expect(mainOnly.spec.size).toBe('large');
    expect(mainOnly.metadata.generation).toBe(2);
    const patched = await custom.patchNamespacedCustomObjectStatus({ ...widgets, namespace: NS, name: 'st-1', body: { status: { observedGeneration: 2 } } }, mergePatchOptions());
    expect(patched.status).toEqual({ phase: 'Ready', observedGeneration: 2 });
    expect(patched.metadata.generation).toBe(2);
    expect(await codeOf(custom.replaceNamespacedCustomObjectStatus({ ...widgets, namespace: NS, name: 'st-1', body: { ...created, status: { phase: 'Old' } } }))).toBe(409);
    await custom.deleteNamespacedCustomObject({ ...widgets, namespace: NS, name: 'st-1' });
  });

  it('treats status as ordinary content where the CRD declares no status subresource', async () => {
    const gadgets = { group: G, version: V, plural: 'gadgets' };
    const g = await custom.createClusterCustomObject({ ...gadgets, body: { apiVersion: `${G}/${V}`, kind: 'Gadget', metadata: { name: 'gd-1' }, status: { on: true } } });
    expect(g.status).toEqual({ on: true });
    const updated = await custom.patchClusterCustomObject({ ...gadgets, name: 'gd-1', body: { status: { on: false } } }, mergePatchOptions());
    expect(updated.metadata.generation).toBe(2);
    expect(await codeOf(custom.getClusterCustomObjectStatus({ ...gadgets, name: 'gd-1' }))).toBe(404);
    await custom.deleteClusterCustomObject({ ...gadgets, name: 'gd-1' });
  });
});

describe('fake API server: finalizers and garbage collection', () => {
  it('holds an object with finalizers until the last one is removed', async () => {
    const w = await watchEvents(WIDGETS_PATH, { fieldSelector: 'metadata.name=fin-1' });
    await createWidget(widget('fin-1', { metadata: { finalizers: ['example.test/cleanup'] } }));
    const marked = await custom.deleteNamespacedCustomObject({ ...widgets, namespace: NS, name: 'fin-1', propagationPolicy: 'Background' });
    expect(marked.metadata).toMatchObject({ deletionTimestamp: expect.any(String), deletionGracePeriodSeconds: 0, generation: 2 });
    const addFinalizer = custom.patchNamespacedCustomObject({ ...widgets, namespace: NS, name: 'fin-1', body: { metadata: { finalizers: ['example.test/cleanup', 'example.test/other'] } } }, mergePatchOptions());
    expect(await codeOf(addFinalizer)).toBe(422);
    const specChange = await custom.patchNamespacedCustomObject({ ...widgets, namespace: NS, name: 'fin-1', body: { spec: { size: 'large' } } }, mergePatchOptions());
    expect(specChange.spec.size).toBe('large');
    await custom.patchNamespacedCustomObject({ ...widgets, namespace: NS, name: 'fin-1', body: { metadata: { finalizers: null } } }, mergePatchOptions());
    expect(await codeOf(getWidget('fin-1'))).toBe(404);
    await eventually(() => expect(w.events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'MODIFIED', 'DELETED']));
  });

  it('deletes owned objects in the background, recursively, respecting their finalizers and other owners', async () => {
    const owner = await createWidget(widget('gc-owner'));
    const ref = (o: Obj, kind: string, apiVersion: string) => ({ apiVersion, kind, name: o.metadata.name ?? '', uid: o.metadata.uid ?? '', controller: true, blockOwnerDeletion: true });
    const byWidget = ref(owner, 'Widget', `${G}/${V}`);
    const other = await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'gc-other' } } });
    const mid = await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'gc-mid', ownerReferences: [byWidget] } } });
    const secret = (name: string, meta: Record<string, unknown>) => core.createNamespacedSecret({ namespace: NS, body: { metadata: { name, ...meta } } });
    await secret('gc-plain', { ownerReferences: [byWidget] });
    await secret('gc-held', { ownerReferences: [byWidget], finalizers: ['example.test/hold'] });
    await secret('gc-shared', { ownerReferences: [{ ...byWidget, controller: false }, ref(other as Obj, 'ConfigMap', 'v1')] });
    await secret('gc-grandchild', { ownerReferences: [ref(mid as Obj, 'ConfigMap', 'v1')] });

    await custom.deleteNamespacedCustomObject({ ...widgets, namespace: NS, name: 'gc-owner' });

    for (const name of ['gc-plain', 'gc-grandchild']) await eventually(async () => expect(await codeOf(core.readNamespacedSecret({ namespace: NS, name }))).toBe(404));
    const held = await core.readNamespacedSecret({ namespace: NS, name: 'gc-held' });
    expect(held.metadata?.deletionTimestamp).toBeDefined();
    const shared = await eventually(async () => {
      const s = await core.readNamespacedSecret({ namespace: NS, name: 'gc-shared' });
      expect(s.metadata?.ownerReferences?.map((r) => r.name)).toEqual(['gc-other']);
      return s;
    });
    expect(shared.metadata?.deletionTimestamp).toBeUndefined();
    await core.patchNamespacedSecret({ namespace: NS, name: 'gc-held', body: { metadata: { finalizers: null } } }, mergePatchOptions());
    expect(await codeOf(core.readNamespacedSecret({ namespace: NS, name: 'gc-held' }))).toBe(404);
    await core.deleteNamespacedConfigMap({ namespace: NS, name: 'gc-other' });
    await eventually(async () => expect(await codeOf(core.readNamespacedSecret({ namespace: NS, name: 'gc-shared' }))).toBe(404));
  });

  it('keeps an owner deleted in the foreground until its blocking dependents are gone', async () => {
    const owner = await createWidget(widget('gc-fg'));
    const ownerRef = { apiVersion: `${G}/${V}`, kind: 'Widget', name: 'gc-fg', uid: owner.metadata.uid ?? '', blockOwnerDeletion: true };
    await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'gc-fg-dep', ownerReferences: [ownerRef], finalizers: ['example.test/hold'] } } });
    await custom.deleteNamespacedCustomObject({ ...widgets, namespace: NS, name: 'gc-fg', propagationPolicy: 'Foreground' });
    await eventually(async () => expect((await core.readNamespacedSecret({ namespace: NS, name: 'gc-fg-dep' })).metadata?.deletionTimestamp).toBeDefined());
    expect((await getWidget('gc-fg')).metadata.finalizers).toEqual(['foregroundDeletion']);
    await core.patchNamespacedSecret({ namespace: NS, name: 'gc-fg-dep', body: { metadata: { finalizers: null } } }, mergePatchOptions());
    await eventually(async () => expect(await codeOf(getWidget('gc-fg'))).toBe(404));
  });

  it('collects a dependent whose owner uid does not exist, and orphans on request', async () => {
    await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'gc-dangling', ownerReferences: [{ apiVersion: `${G}/${V}`, kind: 'Widget', name: 'ghost', uid: '00000000-0000-0000-0000-000000000000' }] } } });
    await eventually(async () => expect(await codeOf(core.readNamespacedSecret({ namespace: NS, name: 'gc-dangling' }))).toBe(404));

    const owner = await createWidget(widget('gc-orphaner'));
    await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'gc-orphan', ownerReferences: [{ apiVersion: `${G}/${V}`, kind: 'Widget', name: 'gc-orphaner', uid: owner.metadata.uid ?? '' }] } } });
    await custom.deleteNamespacedCustomObject({ ...widgets, namespace: NS, name: 'gc-orphaner', propagationPolicy: 'Orphan' });
    await eventually(async () => expect(await codeOf(getWidget('gc-orphaner'))).toBe(404));
    const orphan = await core.readNamespacedSecret({ namespace: NS, name: 'gc-orphan' });
    expect(orphan.metadata?.ownerReferences ?? []).toEqual([]);
    await core.deleteNamespacedSecret({ namespace: NS, name: 'gc-orphan' });
  });
});

describe('fake API server: selectors, discovery, CRDs and built-ins', () => {
  it('filters lists by label selectors and field selectors, namespaced and across namespaces', async () => {
    await core.createNamespace({ body: { metadata: { name: 'sel-ns' } } });
    const mk = (ns: string, name: string, labels: Record<string, string>) => core.createNamespacedSecret({ namespace: ns, body: { metadata: { name, labels } } });
    await mk(NS, 'sel-a', { app: 'pg', tier: 'db' });
    await mk(NS, 'sel-b', { app: 'pg', tier: 'cache' });
    await mk(NS, 'sel-c', { app: 'web' });
    await mk('sel-ns', 'sel-d', { app: 'pg', tier: 'db' });
    const names = async (labelSelector: string, namespace?: string) => {
      const list = namespace ? await core.listNamespacedSecret({ namespace, labelSelector }) : await core.listSecretForAllNamespaces({ labelSelector });
      return list.items.map((s) => s.metadata?.name).filter((n) => n?.startsWith('sel-'));
    };
    expect(await names('app=pg', NS)).toEqual(['sel-a', 'sel-b']);
    expect(await names('app==pg,tier!=db', NS)).toEqual(['sel-b']);
    expect(await names('tier in (db, cache)', NS)).toEqual(['sel-a', 'sel-b']);
    expect(await names('app,tier notin (cache)', NS)).toEqual(['sel-a', 'sel-c']);
    expect(await names('!tier', NS)).toEqual(['sel-c']);
    expect(await names('app=pg,tier=db')).toEqual(['sel-a', 'sel-d']);
    const byField = await core.listSecretForAllNamespaces({ fieldSelector: 'metadata.namespace=sel-ns,metadata.name=sel-d' });
    expect(byField.items.map((s) => s.metadata?.name)).toEqual(['sel-d']);
    expect(Number(byField.metadata?.resourceVersion)).toBeGreaterThan(0);
    expect(await codeOf(core.listNamespacedSecret({ namespace: NS, labelSelector: 'a in b' }))).toBe(400);
    expect(await codeOf(core.listNamespacedSecret({ namespace: NS, fieldSelector: 'spec.nope=x' }))).toBe(400);
    await core.deleteCollectionNamespacedSecret({ namespace: NS, labelSelector: 'app' });
    expect(await names('app', NS)).toEqual([]);
    await core.deleteNamespace({ name: 'sel-ns' });
    await eventually(async () => expect(await codeOf(core.readNamespace({ name: 'sel-ns' }))).toBe(404));
    expect(await codeOf(core.readNamespacedSecret({ namespace: 'sel-ns', name: 'sel-d' }))).toBe(404);
  });

  it('serves a CRD applied through the API, lists it in discovery, and cleans up its resources on delete', async () => {
    const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
    await ext.createCustomResourceDefinition({
      body: {
        metadata: { name: 'sprockets.late.test' },
        spec: { group: 'late.test', scope: 'Namespaced', names: { plural: 'sprockets', kind: 'Sprocket' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } } }] },
      },
    });
    const sprockets = { group: 'late.test', version: 'v1', plural: 'sprockets' };
    await custom.createNamespacedCustomObject({ ...sprockets, namespace: NS, body: { apiVersion: 'late.test/v1', kind: 'Sprocket', metadata: { name: 's1' }, spec: { any: 'thing' } } });
    const crd = await eventually(async () => {
      const c = await ext.readCustomResourceDefinition({ name: 'sprockets.late.test' });
      expect(c.status?.conditions?.find((x) => x.type === 'Established')?.status).toBe('True');
      return c;
    });
    expect(crd.metadata?.finalizers).toContain('customresourcecleanup.apiextensions.k8s.io');
    const groups = await kc.makeApiClient(k8s.ApisApi).getAPIVersions();
    expect(groups.groups.map((g) => g.name)).toEqual(expect.arrayContaining(['apps', 'coordination.k8s.io', 'events.k8s.io', 'apiextensions.k8s.io', 'example.test', 'late.test']));
    const resources = await custom.getAPIResources({ group: 'late.test', version: 'v1' });
    expect(resources.resources.map((r) => r.name)).toEqual(['sprockets']);
    const coreResources = await core.getAPIResources();
    expect(coreResources.resources.map((r) => r.name)).toEqual(expect.arrayContaining(['secrets', 'pods/status', 'namespaces', 'events', 'serviceaccounts']));

    await ext.deleteCustomResourceDefinition({ name: 'sprockets.late.test' });
    await eventually(async () => expect(await codeOf(ext.readCustomResourceDefinition({ name: 'sprockets.late.test' }))).toBe(404));
    expect(await codeOf(custom.listNamespacedCustomObject({ ...sprockets, namespace: NS }))).toBe(404);
  });

  it('defaults built-ins like the real API and validates events.k8s.io Events', async () => {
    const svc = await core.createNamespacedService({ namespace: NS, body: { metadata: { name: 'bi-svc' }, spec: { ports: [{ port: 5432 }] } } });
    expect(svc.spec).toMatchObject({ type: 'ClusterIP', clusterIP: expect.stringMatching(/^10\.96\./), ports: [{ port: 5432, protocol: 'TCP', targetPort: 5432 }] });
    expect(svc.metadata?.generation).toBeUndefined();
    expect(await codeOf(core.createNamespacedSecret({ namespace: 'no-such-ns', body: { metadata: { name: 'x' } } }))).toBe(404);
    expect(await codeOf(core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'Bad_Name' } } }))).toBe(422);
    const events = kc.makeApiClient(k8s.EventsV1Api);
    expect(await codeOf(events.createNamespacedEvent({ namespace: NS, body: { metadata: { name: 'ev-bad' } } as k8s.EventsV1Event }))).toBe(422);
    const ev = await events.createNamespacedEvent({
      namespace: NS,
      body: { metadata: { generateName: 'w.' }, eventTime: new k8s.V1MicroTime(), reportingController: 'example.test/op', reportingInstance: 'op-1', action: 'Reconcile', reason: 'Ready', type: 'Normal', note: 'ok', regarding: { kind: 'Widget', name: 'w', namespace: NS } },
    });
    expect(ev.metadata?.name).toMatch(/^w\./);
    await core.deleteNamespacedService({ namespace: NS, name: 'bi-svc' });
  });

  it('defaults and validates Jobs and CronJobs like the real API: Job defaults only on Jobs, restartPolicy Never or OnFailure, a Job\'s template immutable', async () => {
    const batch = kc.makeApiClient(k8s.BatchV1Api);
    const template = (restartPolicy?: string): k8s.V1PodTemplateSpec => ({ spec: { containers: [{ name: 'c', image: 'busybox:1' }], ...(restartPolicy ? { restartPolicy } : {}) } });
    const cron = await batch.createNamespacedCronJob({ namespace: NS, body: { metadata: { name: 'bi-cron' }, spec: { schedule: '0 2 * * *', jobTemplate: { spec: { template: template('Never') } } } } });
    expect(cron.spec).toMatchObject({ concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    expect(cron.spec?.jobTemplate.spec?.backoffLimit).toBeUndefined();
    expect(cron.spec?.jobTemplate.spec?.template.spec?.dnsPolicy).toBe('ClusterFirst');
    const err = await batch.createNamespacedCronJob({ namespace: NS, body: { metadata: { name: 'bi-cron-2' }, spec: { schedule: '0 2 * * *', jobTemplate: { spec: { template: template() } } } } }).catch((e: unknown) => e as k8s.ApiException<string>);
    expect(JSON.parse(String((err as k8s.ApiException<string>).body))).toMatchObject({ code: 422, reason: 'Invalid', details: { causes: [{ reason: 'FieldValueNotSupported', field: 'spec.jobTemplate.spec.template.spec.restartPolicy', message: 'Unsupported value: "Always": supported values: "OnFailure", "Never"' }] } });
    expect(await codeOf(batch.createNamespacedJob({ namespace: NS, body: { metadata: { name: 'bi-job-always' }, spec: { template: template('Always') } } }))).toBe(422);
    const job = await batch.createNamespacedJob({ namespace: NS, body: { metadata: { name: 'bi-job' }, spec: { template: template('OnFailure') } } });
    expect(job.spec).toMatchObject({ parallelism: 1, completions: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false });
    const changed = { ...job, spec: { ...job.spec!, template: { ...job.spec!.template, spec: { ...job.spec!.template.spec!, restartPolicy: 'Never' } } } };
    const immutable = await batch.replaceNamespacedJob({ namespace: NS, name: 'bi-job', body: changed }).catch((e: unknown) => e as k8s.ApiException<string>);
    expect(JSON.parse(String((immutable as k8s.ApiException<string>).body))).toMatchObject({ code: 422, details: { causes: [{ field: 'spec.template', message: expect.stringMatching(/field is immutable$/) }] } });
    // Other fields of a Job may change, and status writes go through.
    await batch.replaceNamespacedJob({ namespace: NS, name: 'bi-job', body: { ...job, spec: { ...job.spec!, activeDeadlineSeconds: 60 } } });
    await batch.patchNamespacedJobStatus({ namespace: NS, name: 'bi-job', body: { status: { active: 1 } } }, mergePatchOptions());
    await batch.deleteNamespacedJob({ namespace: NS, name: 'bi-job' });
    await batch.deleteNamespacedCronJob({ namespace: NS, name: 'bi-cron' });
  });

  it('counts requests by verb and resource', async () => {
    server.resetCounts();
    await core.listNamespacedConfigMap({ namespace: NS });
    await core.readNamespace({ name: NS });
    expect(server.requestCounts()).toEqual({ 'LIST configmaps': 1, 'GET namespaces': 1 });
    expect(countWrites(server.requestCounts())).toBe(0);
    await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'cnt' } } });
    await core.deleteNamespacedConfigMap({ namespace: NS, name: 'cnt' });
    expect(countWrites(server.requestCounts())).toBe(2);
  });
});
