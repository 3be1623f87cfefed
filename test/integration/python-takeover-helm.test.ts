/**
 * Taking over a Bitnami release the Python operator installed (chart 11.9.13, its values with the
 * admin password inline, see test/support/python-operator/helm-release.ts) with the helmbitnami
 * backend and the recording helm stand-in: no helm upgrade while the hold lasts, the chart
 * version and every value kept and listed (never the password), the `.svc.cluster.local` host
 * the Python operator published kept; a spec change or `python_takeover.apply_differences`
 * upgrades to this operator's values.
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
import { createHelmStub, type HelmStub } from '../support/helm-stub/index.js';
import { BITNAMI_CHART_FIXTURE, helmHome, realHelmBinary } from '../support/helm-stub/real-helm.js';
import { configFrom } from '../support/operator-harness.js';
import { startPostgres, type TestPostgres } from '../support/postgres-server.js';
import { installPythonRelease } from '../support/python-operator/helm-release.js';

const NS = 'team-a';
const PUBLISHED_CHART = 'oci://registry-1.docker.io/bitnamicharts/postgresql';
let api: FakeApiServer;
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
function adopted(name: string, generation = 5): ServerContext {
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
  };
}

const upgrades = async () => (await stub.calls()).filter((c) => c.args[0] === 'upgrade' || c.args[0] === 'install' || c.args[0] === 'rollback' || c.args[0] === 'uninstall');

beforeAll(async () => {
  [api, pgServer] = await Promise.all([startFakeApiServer(), startPostgres()]);
  kube = createKubeClients(api.kubeConfig());
  home = helmHome();
  stub = await createHelmStub({ realHelm: realHelmBinary() });
  await stub.connectApiServer(api.url);
  await kube.core.createNamespace({ body: { metadata: { name: NS } } });
});

afterAll(async () => {
  await Promise.all([api?.close(), pgServer?.stop()]);
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
    expect(kept).toContain('kept until the spec changes: chart version: 11.9.13 → 17.1.0');
    expect(kept).toContain('kept until the spec changes: global.postgresql.auth.postgresPassword changed');
    expect(kept).toContain('kept until the spec changes: image.tag: (unset) → "15"');
    expect(kept).toContain(`kept until the spec changes: endpoint host: legacy-postgresql.${NS}.svc.cluster.local → legacy-postgresql.${NS}.svc`);
    expect(JSON.stringify(seen)).not.toContain(pgServer.password);
    // update (called by nobody now, but idempotent) does not upgrade either.
    await b.update(ctx, seen);
    expect(await upgrades()).toEqual([]);
    expect((await stub.release(NS, 'legacy-postgresql'))?.revisions).toHaveLength(1);
  });

  it('upgrades to this operator values with the first spec change', async () => {
    const b = backend(BITNAMI_CHART_FIXTURE);
    const ctx = adopted('legacy', 6);
    const seen = await b.observe(ctx);
    expect(seen).toMatchObject({ upToDate: false, endpoint: { host: `legacy-postgresql.${NS}.svc` } });
    expect(seen.adoptionDifferences).toBeUndefined();
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
