/**
 * Taking over a Bitnami release the Python operator installed (chart 11.9.13, its values with the
 * admin password inline, see test/support/python-operator/helm-release.ts) with the helmbitnami
 * backend and the recording helm stand-in: no helm upgrade while the hold lasts, the chart
 * version and every value kept and listed (never the password), the `.svc.cluster.local` host
 * the Python operator published kept; a spec change or `python_takeover.apply_differences`
 * upgrades to this operator's values. The chart version stays beyond the spec change: with a chart
 * repository (a local one serving stand-ins of 11.9.13 and 17.1.0) the release is upgraded at the
 * version it runs, until the label operator/action=upgrade-chart moves it to `chart_version`.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { backendSection } from '../../src/config/backend-section.js';
import type { HelmBitnamiSection } from '../../src/config/sections/helmbitnami.js';
import type { ServerContext } from '../../src/backends/types.js';
import { HelmBitnamiBackend } from '../../src/backends/helm-bitnami/index.js';
import { createKubeClients, type KubeClients } from '../../src/k8s/clients.js';
import { startFakeApiServer, type FakeApiServer } from '../support/fake-apiserver/index.js';
import { mergePatchOptions } from '../../src/k8s/patch.js';
import { startChartRepo, type ChartRepo } from '../support/helm-stub/chart-repo.js';
import { createHelmStub, type HelmStub } from '../support/helm-stub/index.js';
import { BITNAMI_CHART_FIXTURE, BITNAMI_CHART_11_FIXTURE, helmHome, realHelmBinary } from '../support/helm-stub/real-helm.js';
import { configFrom } from '../support/operator-harness.js';
import { startPostgres, type TestPostgres } from '../support/postgres-server.js';
import { installPythonRelease } from '../support/python-operator/helm-release.js';

const NS = 'team-a';
const PUBLISHED_CHART = 'oci://registry-1.docker.io/bitnamicharts/postgresql';
const KEPT = 'chart version: 11.9.13 kept (label operator/action=upgrade-chart moves it to 17.1.0)';
const NO_BACKUPS = 'no scheduled backups while the release keeps chart 11.9.13 (the label operator/action=upgrade-chart moves it to a chart with backup.cronjob)';
let api: FakeApiServer;
/** A chart repository with both chart versions, and one with only this operator's. */
let repo: ChartRepo;
let newOnly: ChartRepo;
let kube: KubeClients;
let pgServer: TestPostgres;
let stub: HelmStub;
let home: ReturnType<typeof helmHome>;

function backend(chart: string, applyAdoptionDifferences = false): HelmBitnamiBackend {
  const config = configFrom({
    backend: 'helmbitnami',
    backends: { helmbitnami: { chart, helm_binary: join(stub.binDir, 'helm'), operator_endpoint: `127.0.0.1:${pgServer.port}`, classes: { small: { cpu: '1', memory: '256Mi' } }, default_class: 'small' } },
  });
  return new HelmBitnamiBackend({ settings: backendSection<HelmBitnamiSection>(config, 'helmbitnami'), kube, log: pino({ level: 'silent' }), helmEnv: home.env, pollSeconds: 1, connectTimeoutMs: 5000, applyAdoptionDifferences });
}

/** The first reconcile's context after the takeover of `name` (spec as the team wrote it for the Python operator). */
function adopted(name: string, generation = 5, over: Partial<ServerContext> = {}): ServerContext {
  return {
    namespace: NS,
    name,
    uid: `uid-${name}`,
    generation,
    spec: { version: '15', size: { class: 'small', storageGB: 10 }, credentialsSecret: `${name}-credentials` },
    resolved: { version: '15', sizeClass: 'small' },
    adminPassword: pgServer.password,
    adminSecret: { name: `hybridcloud-pgserver-${name}`, passwordKey: 'password' },
    owner: { apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1', kind: 'PostgreSQLServer', name, uid: `uid-${name}` },
    labels: { 'hybridcloud.maibornwolff.de/server': name },
    state: {},
    adoption: { from: 'python-operator', generation: 5, at: '2026-12-06T10:00:00Z' },
    ...over,
  };
}

const python = (name: string) => installPythonRelease(stub, kube, { namespace: NS, name, password: pgServer.password, size: { cpu: '1', memory: '256Mi', storageGB: 10 } });

/** The release's revisions as helm lists them: chart and status. */
async function revisions(release: string): Promise<string[]> {
  return ((await stub.release(NS, release))?.revisions ?? []).map((r) => `${r.chart} ${r.status}`);
}

/** What the StatefulSet controller reports once the upgraded pod is up. */
async function makeReady(release: string): Promise<Record<string, string>> {
  const sts = await kube.apps.readNamespacedStatefulSet({ name: release, namespace: NS });
  const generation = sts.metadata?.generation ?? 1;
  await kube.apps.patchNamespacedStatefulSetStatus(
    { name: release, namespace: NS, body: { status: { replicas: 1, readyReplicas: 1, currentReplicas: 1, updatedReplicas: 1, observedGeneration: generation, currentRevision: `r${generation}`, updateRevision: `r${generation}` } } },
    mergePatchOptions(),
  );
  return sts.metadata?.labels ?? {};
}

const upgrades = async () => (await stub.calls()).filter((c) => c.args[0] === 'upgrade' || c.args[0] === 'install' || c.args[0] === 'rollback' || c.args[0] === 'uninstall');

beforeAll(async () => {
  [api, pgServer] = await Promise.all([startFakeApiServer(), startPostgres()]);
  kube = createKubeClients(api.kubeConfig());
  home = helmHome();
  stub = await createHelmStub({ realHelm: realHelmBinary() });
  await stub.connectApiServer(api.url);
  repo = await startChartRepo(realHelmBinary(), [BITNAMI_CHART_11_FIXTURE, BITNAMI_CHART_FIXTURE], home.env);
  newOnly = await startChartRepo(realHelmBinary(), [BITNAMI_CHART_FIXTURE], home.env);
  await kube.core.createNamespace({ body: { metadata: { name: NS } } });
});

afterAll(async () => {
  await Promise.all([api?.close(), pgServer?.stop(), repo?.close(), newOnly?.close()]);
  await stub?.cleanup();
  home?.cleanup();
});

describe('a Bitnami release the Python operator installed', () => {
  it('is up to date at once: no helm upgrade, chart version, values and host kept and listed, no password shown', async () => {
    await installPythonRelease(stub, kube, { namespace: NS, name: 'legacy', password: pgServer.password, size: { cpu: '1', memory: '256Mi', storageGB: 10 } });
    const b = backend(PUBLISHED_CHART);
    const ctx = adopted('legacy');
    const seen = await b.observe(ctx);
    expect(seen).toMatchObject({ exists: true, ready: true, upToDate: true, differences: [], endpoint: { host: `legacy-postgresql.${NS}.svc.cluster.local`, port: 5432, sslmode: 'disable' } });
    const kept = seen.adoptionDifferences ?? [];
    expect(kept).toContain(KEPT);
    // That chart has no backup.cronjob (ADR 0020): said alongside.
    expect(seen.warning).toBe(`${KEPT}; ${NO_BACKUPS}`);
    expect(kept).toContain('kept until the spec changes: global.postgresql.auth.postgresPassword changed');
    expect(kept).toContain('kept until the spec changes: image.tag: (unset) → "15"');
    expect(kept).toContain(`kept until the spec changes: endpoint host: legacy-postgresql.${NS}.svc.cluster.local → legacy-postgresql.${NS}.svc`);
    expect(JSON.stringify(seen)).not.toContain(pgServer.password);
    // update (called by nobody now, but idempotent) does not upgrade either.
    await b.update(ctx, seen);
    expect(await upgrades()).toEqual([]);
    expect((await stub.release(NS, 'legacy-postgresql'))?.revisions).toHaveLength(1);
  });

  it('upgrades to this operator values with the first spec change (a local chart: its one version, as said while held)', async () => {
    const b = backend(BITNAMI_CHART_FIXTURE);
    const held = await b.observe(adopted('legacy'));
    expect(held.warning).toMatch(/^chart version: 11\.9\.13 cannot be kept: backends\.helmbitnami\.chart is one fixed chart/);
    const ctx = adopted('legacy', 6);
    const seen = await b.observe(ctx);
    expect(seen).toMatchObject({ upToDate: false, endpoint: { host: `legacy-postgresql.${NS}.svc` } });
    expect(seen.adoptionDifferences).toBeUndefined();
    expect(seen.warning).toBeUndefined();
    await b.update(ctx, seen);
    const calls = await upgrades();
    expect(calls.map((c) => c.args[0])).toEqual(['upgrade']);
    expect(JSON.parse(calls[0]!.stdin)).toMatchObject({ fullnameOverride: 'legacy-postgresql', image: { tag: '15' }, auth: { existingSecret: 'hybridcloud-pgserver-legacy' } });
    expect(JSON.stringify(calls)).not.toContain(pgServer.password);
  });

  it('upgrades at once when the admin opts in (python_takeover.apply_differences)', async () => {
    await installPythonRelease(stub, kube, { namespace: NS, name: 'optin', password: pgServer.password, size: { cpu: '1', memory: '256Mi', storageGB: 10 } });
    const b = backend(BITNAMI_CHART_FIXTURE, true);
    const seen = await b.observe(adopted('optin'));
    expect(seen.upToDate).toBe(false);
    expect(seen.endpoint?.host).toBe(`optin-postgresql.${NS}.svc`);
    await b.update(adopted('optin'), seen);
    expect((await stub.release(NS, 'optin-postgresql'))?.revisions.map((r) => r.status)).toEqual(['superseded', 'deployed']);
  });
});

describe('the chart version of an adopted release (chart from a repository)', () => {
  it('is kept across a spec change: helm upgrade --version 11.9.13 with this operator values, then up to date', async () => {
    const release = await python('pinned');
    const b = backend(repo.url);
    const ctx = adopted('pinned', 6, { spec: { version: '15', size: { class: 'small', storageGB: 12 }, credentialsSecret: 'pinned-credentials' } });
    const seen = await b.observe(ctx);
    expect(seen).toMatchObject({ upToDate: false, adoptionDifferences: [KEPT], warning: `${KEPT}; ${NO_BACKUPS}` });
    expect(seen.differences).toContain('primary.persistence.size: "10Gi" → "12Gi"');
    expect(seen.differences?.join()).not.toContain('chart version');
    const from = (await upgrades()).length;
    await b.update(ctx, seen);
    const [call] = (await upgrades()).slice(from);
    expect(call?.args.slice(0, 6)).toEqual(['upgrade', release, 'postgresql', '--repo', repo.url, '--version']);
    expect(call?.args[6]).toBe('11.9.13');
    expect(JSON.parse(call!.stdin)).toMatchObject({ image: { tag: '15' }, auth: { existingSecret: 'hybridcloud-pgserver-pinned' }, primary: { persistence: { size: '12Gi' } } });
    expect(await revisions(release)).toEqual(['postgresql-11.9.13 superseded', 'postgresql-11.9.13 deployed']);
    // The objects are the 11.9.13 chart's, rendered with this operator's values.
    expect(await makeReady(release)).toMatchObject({ 'helm.sh/chart': 'postgresql-11.9.13', 'hybridcloud.maibornwolff.de/server': 'pinned' });
    // Converged: nothing left to retry (a fresh backend, as after an operator restart, sees the same).
    for (const again of [b, backend(repo.url)]) {
      const after = await again.observe(ctx);
      expect(after).toMatchObject({ ready: true, upToDate: true, differences: [], adoptionDifferences: [KEPT], warning: `${KEPT}; ${NO_BACKUPS}` });
    }
  });

  it('moves to chart_version with the label operator/action=upgrade-chart, then follows chart_version', async () => {
    const release = await python('moving');
    const b = backend(repo.url);
    const ctx = adopted('moving', 5, { requestedAction: 'upgrade-chart' });
    expect(b.supportedActions).toContain('upgrade-chart');
    const seen = await b.observe(ctx);
    expect(seen.upToDate).toBe(false);
    expect(seen.differences).toContain('chart version: 11.9.13 → 17.1.0');
    expect(seen.adoptionDifferences).toBeUndefined();
    const from = (await upgrades()).length;
    await b.update(ctx, seen);
    const [call] = (await upgrades()).slice(from);
    expect(call?.args.slice(2, 7)).toEqual(['postgresql', '--repo', repo.url, '--version', '17.1.0']);
    expect(await revisions(release)).toEqual(['postgresql-11.9.13 superseded', 'postgresql-17.1.0 deployed']);
    expect(await makeReady(release)).toMatchObject({ 'helm.sh/chart': 'postgresql-17.1.0' });
    // Ready and up to date with the label still on: the handler now removes it (ActionCompleted).
    const done = await b.observe(ctx);
    expect(done).toMatchObject({ ready: true, upToDate: true, differences: [], state: { chartFollowsConfig: true } });
    expect(done.warning).toBeUndefined();
    // Without the label, with the state the handler stored: nothing kept, nothing to do.
    const later = await b.observe(adopted('moving', 5, { state: { chartFollowsConfig: true } }));
    expect(later).toMatchObject({ ready: true, upToDate: true });
    expect(later.adoptionDifferences?.join() ?? '').not.toContain('chart version');
  });

  it('says how to go on when the chart repository lacks the kept version', async () => {
    await python('missing');
    const b = backend(newOnly.url);
    const ctx = adopted('missing', 6);
    const err = await b.update(ctx, await b.observe(ctx)).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/version "11\.9\.13" not found in .* repository; the release keeps chart version 11\.9\.13 .*operator\/action=upgrade-chart to move it to 17\.1\.0$/);
    expect(await revisions('missing-postgresql')).toEqual(['postgresql-11.9.13 deployed']);
  });
});
