/**
 * The helmbitnami backend against the recording helm stand-in (which renders the local chart
 * fixture with the real helm binary and writes its objects to the fake API server, as helm does
 * in a cluster) and a real PostgreSQL playing the chart's pod (reached through operator_endpoint).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type * as k8s from '@kubernetes/client-node';
import { mergePatchOptions } from '../../src/k8s/patch.js';
import pg from 'pg';
import { pino } from 'pino';
import { backendSection } from '../../src/config/backend-section.js';
import type { HelmBitnamiSection } from '../../src/config/sections/helmbitnami.js';
import { PermanentError, TemporaryError } from '../../src/backends/errors.js';
import type { ServerContext } from '../../src/backends/types.js';
import { backupScript } from '../../src/backends/common/backup-script.js';
import { HelmBitnamiBackend, type HelmBitnamiOptions } from '../../src/backends/helm-bitnami/index.js';
import { createKubeClients, isNotFound, type KubeClients } from '../../src/k8s/clients.js';
import { startFakeApiServer, type FakeApiServer } from '../support/fake-apiserver/index.js';
import { createHelmStub, type HelmCall, type HelmStub } from '../support/helm-stub/index.js';
import { BITNAMI_CHART_FIXTURE, helmHome, realHelmBinary } from '../support/helm-stub/real-helm.js';
import { configFrom } from '../support/operator-harness.js';
import { startPostgres, type TestPostgres } from '../support/postgres-server.js';

const NS = 'team-a';
const RELEASE = 'demoteam-postgresql';
let api: FakeApiServer;
let kube: KubeClients;
let pgServer: TestPostgres;
let stub: HelmStub;
let home: ReturnType<typeof helmHome>;

function makeBackend(section: Record<string, unknown> = {}, opts: Partial<HelmBitnamiOptions> = {}): HelmBitnamiBackend {
  const config = configFrom({
    backend: 'helmbitnami',
    backends: {
      helmbitnami: {
        chart: BITNAMI_CHART_FIXTURE,
        helm_binary: join(stub.binDir, 'helm'),
        operator_endpoint: `127.0.0.1:${pgServer.port}`,
        classes: { small: { cpu: '1000m', memory: '256Mi' }, large: { cpu: '2', memory: '4Gi' } },
        default_class: 'small',
        ...section,
      },
    },
  });
  return new HelmBitnamiBackend({
    settings: backendSection<HelmBitnamiSection>(config, 'helmbitnami'),
    kube,
    log: pino({ level: 'silent' }),
    helmEnv: home.env,
    pollSeconds: 1,
    connectTimeoutMs: 5000,
    ...opts,
  });
}

function context(over: Partial<ServerContext> = {}): ServerContext {
  return {
    namespace: NS,
    name: 'demoteam',
    uid: 'uid-1',
    generation: 1,
    spec: { version: 'latest', size: { storageGB: 12 }, credentialsSecret: 'demoteam-postgres-credentials' },
    resolved: { version: '17', sizeClass: 'small' },
    adminPassword: pgServer.password,
    adminSecret: { name: 'hybridcloud-pgserver-demoteam', passwordKey: 'password' },
    owner: { apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1', kind: 'PostgreSQLServer', name: 'demoteam', uid: 'uid-1' },
    labels: { 'app.kubernetes.io/instance': RELEASE, 'hybridcloud.maibornwolff.de/server': 'demoteam' },
    state: {},
    ...over,
  };
}

/** Helm calls made since `from` (an index into the call log). */
async function callsSince(from: number): Promise<HelmCall[]> {
  return (await stub.calls()).slice(from);
}

async function callCount(): Promise<number> {
  return (await stub.calls()).length;
}

async function readSts(): Promise<k8s.V1StatefulSet | undefined> {
  try {
    return await kube.apps.readNamespacedStatefulSet({ name: RELEASE, namespace: NS });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** What the StatefulSet controller reports once the pod is up. */
async function makeReady(): Promise<void> {
  const sts = await readSts();
  const generation = sts?.metadata?.generation ?? 1;
  await kube.apps.patchNamespacedStatefulSetStatus(
    { name: RELEASE, namespace: NS, body: { status: { replicas: 1, readyReplicas: 1, currentReplicas: 1, updatedReplicas: 1, observedGeneration: generation, currentRevision: `r${generation}`, updateRevision: `r${generation}` } } },
    mergePatchOptions(),
  );
}

async function createClaim(name: string, instance: string): Promise<void> {
  await kube.core.createNamespacedPersistentVolumeClaim({
    namespace: NS,
    body: {
      metadata: { name, labels: { 'app.kubernetes.io/instance': instance, 'app.kubernetes.io/name': 'postgresql', 'app.kubernetes.io/component': 'primary' } },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '12Gi' } } },
    },
  });
}

async function claims(): Promise<Record<string, string>> {
  const list = await kube.core.listNamespacedPersistentVolumeClaim({ namespace: NS });
  return Object.fromEntries(list.items.map((c) => [c.metadata?.name ?? '', c.spec?.resources?.requests?.storage ?? '']));
}

async function canLogin(user: string, password: string): Promise<boolean> {
  const client = new pg.Client({ host: '127.0.0.1', port: pgServer.port, user, password, database: 'postgres' });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

beforeAll(async () => {
  [api, pgServer] = await Promise.all([startFakeApiServer(), startPostgres()]);
  kube = createKubeClients(api.kubeConfig());
  home = helmHome();
  stub = await createHelmStub({ realHelm: realHelmBinary() });
  await stub.connectApiServer(api.url);
  await kube.core.createNamespace({ body: { metadata: { name: NS } } });
  await kube.core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'hybridcloud-pgserver-demoteam' }, stringData: { password: pgServer.password } } });
});

afterAll(async () => {
  await Promise.all([api?.close(), pgServer?.stop()]);
  await stub?.cleanup();
  home?.cleanup();
});

describe('helmbitnami backend: install, observe, resync, upgrade', () => {
  it('observes a server that was never installed as absent', async () => {
    const obs = await makeBackend().observe(context());
    expect(obs).toMatchObject({ exists: false, ready: false, upToDate: false, message: `Helm release ${RELEASE} is not installed` });
  });

  it('installs with helm upgrade --install: exact arguments, values on stdin, no --wait, no password anywhere', async () => {
    const from = await callCount();
    const backend = makeBackend();
    const ctx = context();
    const result = await backend.create(ctx);
    expect(result).toEqual({ message: `installed Helm release ${RELEASE}`, retryAfterSeconds: 1 });
    const calls = await callsSince(from);
    const upgrade = calls.find((c) => c.args[0] === 'upgrade')!;
    expect(upgrade.args).toEqual(['upgrade', RELEASE, BITNAMI_CHART_FIXTURE, '--install', '--namespace', NS, '--values', '-', '--reset-values', '--timeout', '300s']);
    expect(JSON.parse(upgrade.stdin)).toEqual({
      fullnameOverride: RELEASE,
      architecture: 'standalone',
      commonLabels: { 'hybridcloud.maibornwolff.de/server': 'demoteam' },
      image: { tag: '17' },
      auth: { enablePostgresUser: true, existingSecret: 'hybridcloud-pgserver-demoteam', secretKeys: { adminPasswordKey: 'password' } },
      primary: { persistence: { size: '12Gi' }, resources: { requests: { cpu: '1000m', memory: '256Mi' }, limits: { cpu: '1000m', memory: '256Mi' } } },
      // The nightly backup (ADR 0020): the operator's script, 7 days, a claim twice the data volume.
      backup: {
        enabled: true,
        cronjob: {
          schedule: '0 2 * * *',
          timeZone: 'Etc/UTC',
          concurrencyPolicy: 'Forbid',
          successfulJobsHistoryLimit: 3,
          failedJobsHistoryLimit: 3,
          command: ['/bin/sh', '-c', backupScript(7)],
          storage: { enabled: true, size: '24Gi', resourcePolicy: 'keep' },
        },
      },
    });
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      expect(JSON.stringify(call)).not.toContain(pgServer.password);
      expect(call.args).not.toContain('--wait');
    }
    // The release's objects appear in the namespace.
    expect((await readSts())?.spec?.template.spec?.containers[0]?.image).toBe('docker.io/bitnami/postgresql:17');
    await expect(kube.core.readNamespacedService({ name: RELEASE, namespace: NS })).resolves.toBeDefined();
  });

  it('waits for the StatefulSet, then reports ready with the endpoint', async () => {
    const backend = makeBackend();
    const waiting = await backend.observe(context());
    expect(waiting).toMatchObject({ exists: true, ready: false, upToDate: true, retryAfterSeconds: 1, message: `waiting for StatefulSet ${RELEASE}: 0/1 ready` });
    await makeReady();
    const ready = await backend.observe(context());
    expect(ready).toMatchObject({ exists: true, ready: true, upToDate: true, differences: [], endpoint: { host: `${RELEASE}.${NS}.svc`, port: 5432, sslmode: 'disable' } });
    expect(await backend.adminConnection(context(), ready.endpoint!)).toEqual({ host: '127.0.0.1', port: pgServer.port, user: 'postgres', password: pgServer.password, database: 'postgres', sslmode: 'disable' });
  });

  it('creates no new revision on a resync with nothing changed', async () => {
    const backend = makeBackend();
    const from = await callCount();
    expect((await backend.observe(context())).upToDate).toBe(true);
    // Even an update call finds nothing to do.
    expect(await backend.update(context(), await backend.observe(context()))).toMatchObject({ message: `Helm release ${RELEASE} is up to date` });
    const calls = await callsSince(from);
    expect(calls.map((c) => c.args[0])).not.toContain('upgrade');
    expect((await stub.release(NS, RELEASE))?.revisions).toHaveLength(1);
  });

  it('upgrades when the class changes, as one new revision', async () => {
    const backend = makeBackend();
    const ctx = context({ resolved: { version: '17', sizeClass: 'large' } });
    const obs = await backend.observe(ctx);
    expect(obs.upToDate).toBe(false);
    expect(obs.differences).toEqual([
      'primary.resources.limits.cpu: "1000m" → "2"',
      'primary.resources.limits.memory: "256Mi" → "4Gi"',
      'primary.resources.requests.cpu: "1000m" → "2"',
      'primary.resources.requests.memory: "256Mi" → "4Gi"',
    ]);
    await backend.update(ctx, obs);
    expect((await stub.release(NS, RELEASE))?.revisions.map((r) => r.status)).toEqual(['superseded', 'deployed']);
    expect((await readSts())?.spec?.template.spec?.containers[0]?.resources?.limits).toEqual({ cpu: '2', memory: '4Gi' });
    // Not ready again until the change is rolled out.
    expect((await backend.observe(ctx)).ready).toBe(false);
    await makeReady();
    expect(await backend.observe(ctx)).toMatchObject({ ready: true, upToDate: true });
  });

  it('grows the volume: resizes the claims of the release only, re-creates the StatefulSet without its pods', async () => {
    await createClaim(`data-${RELEASE}-0`, RELEASE);
    await createClaim('data-other-postgresql-0', 'other-postgresql');
    const before = await readSts();
    const backend = makeBackend();
    const ctx = context({ spec: { size: { storageGB: 20 }, credentialsSecret: 'c' }, resolved: { version: '17', sizeClass: 'large' } });
    const obs = await backend.observe(ctx);
    // The backup claim follows (twice the data volume), through the chart's values, not resizeClaims.
    expect(obs.differences).toEqual(['backup.cronjob.storage.size: "24Gi" → "40Gi"', 'primary.persistence.size: "12Gi" → "20Gi"']);
    await backend.update(ctx, obs);
    // The backup claim grew through the release's values (the chart renders it), not by resizeClaims.
    expect(await claims()).toEqual({ [`data-${RELEASE}-0`]: '20Gi', 'data-other-postgresql-0': '12Gi', [`${RELEASE}-pgdumpall`]: '40Gi' });
    const after = await readSts();
    expect(after?.metadata?.uid).not.toBe(before?.metadata?.uid);
    expect(after?.spec?.volumeClaimTemplates?.[0]?.spec?.resources?.requests?.storage).toBe('20Gi');
    await makeReady();
    expect(await backend.observe(ctx)).toMatchObject({ ready: true, upToDate: true });
  });

  it('refuses to shrink the volume or to change the major version, without calling helm upgrade', async () => {
    const backend = makeBackend();
    const from = await callCount();
    const shrink = context({ spec: { size: { storageGB: 5 }, credentialsSecret: 'c' }, resolved: { version: '17', sizeClass: 'large' } });
    await expect(backend.update(shrink, await backend.observe(shrink))).rejects.toThrow(PermanentError);
    const major = context({ spec: { size: { storageGB: 20 }, credentialsSecret: 'c' }, resolved: { version: '16', sizeClass: 'large' } });
    const err = await backend.update(major, await backend.observe(major)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as Error).message).toMatch(/runs PostgreSQL 17; changing it to 16 in place is not supported/);
    expect((await callsSince(from)).map((c) => c.args[0])).not.toContain('upgrade');
  });

  it('applies changed values to a release that is not ready (e.g. a registry override for images that cannot be pulled)', async () => {
    const backend = makeBackend({ extra_values: { image: { registry: 'docker.io', repository: 'bitnamilegacy/postgresql' }, global: { security: { allowInsecureImages: true } } } });
    const ctx = context({ spec: { size: { storageGB: 20 }, credentialsSecret: 'c' }, resolved: { version: '17', sizeClass: 'large' } });
    await kube.apps.patchNamespacedStatefulSetStatus({ name: RELEASE, namespace: NS, body: { status: { readyReplicas: 0 } } }, mergePatchOptions());
    const obs = await backend.observe(ctx);
    expect(obs.exists).toBe(false);
    expect(obs.message).toMatch(/is not ready and differs from the desired values: (backup\.cronjob\.storage\.size: "24Gi" → "40Gi"; )?global.security.allowInsecureImages: \(unset\) → true; image.registry: \(unset\) → "docker.io"/);
    await backend.create(ctx);
    expect((await readSts())?.spec?.template.spec?.containers[0]?.image).toBe('docker.io/bitnamilegacy/postgresql:17');
    await makeReady();
    expect(await backend.observe(ctx)).toMatchObject({ exists: true, ready: true, upToDate: true });
    // Back to the plain configuration for the tests below.
    await makeBackend().update(ctx);
    await makeReady();
  });

  it('re-creates a StatefulSet deleted by hand: the server counts as absent, create repairs it', async () => {
    await kube.apps.deleteNamespacedStatefulSet({ name: RELEASE, namespace: NS });
    const backend = makeBackend();
    const ctx = context({ spec: { size: { storageGB: 20 }, credentialsSecret: 'c' }, resolved: { version: '17', sizeClass: 'large' } });
    const obs = await backend.observe(ctx);
    expect(obs).toMatchObject({ exists: false, differences: [`StatefulSet ${RELEASE} of the Helm release is missing`] });
    await backend.create(ctx);
    expect(await readSts()).toBeDefined();
    await makeReady();
    expect(await backend.observe(ctx)).toMatchObject({ exists: true, ready: true, upToDate: true });
  });
});

describe('helmbitnami backend: admin user and password', () => {
  const sized = (over: Partial<ServerContext> = {}) => context({ spec: { size: { storageGB: 20 }, credentialsSecret: 'c' }, resolved: { version: '17', sizeClass: 'large' }, ...over });

  it('creates the configured admin_username as a role with the admin password (the chart only has postgres)', async () => {
    const backend = makeBackend({ admin_username: 'dbadmin' });
    const obs = await backend.observe(sized());
    expect(obs).toMatchObject({ ready: true, upToDate: false, differences: ['admin role "dbadmin" is not created yet'] });
    const result = await backend.update(sized(), obs);
    expect(result.state).toEqual({ adminRole: 'dbadmin' });
    expect(await canLogin('dbadmin', pgServer.password)).toBe(true);
    expect(await backend.observe(sized({ state: result.state! }))).toMatchObject({ upToDate: true });
    expect((await backend.adminConnection(sized(), obs.endpoint!)).user).toBe('dbadmin');
  });

  it('changes the password in PostgreSQL (the chart would not), idempotently', async () => {
    const backend = makeBackend({ admin_username: 'dbadmin' });
    const ctx = sized({ state: { adminRole: 'dbadmin' } });
    const endpoint = (await backend.observe(ctx)).endpoint;
    const next = 'N3wAdminPassw0rdX';
    expect(await backend.setAdminPassword(ctx, next, endpoint)).toEqual({ applied: true, message: 'admin password changed' });
    expect(await canLogin('postgres', next)).toBe(true);
    expect(await canLogin('dbadmin', next)).toBe(true);
    expect(await canLogin('postgres', pgServer.password)).toBe(false);
    // Called again after a kill (the handler had not recorded it yet): already in place.
    expect(await backend.setAdminPassword(ctx, next, endpoint)).toEqual({ applied: true, message: 'admin password in place' });
    // Neither password works: not applied, nothing guessed.
    const lost = await backend.setAdminPassword(sized({ adminPassword: 'wrong-old-password' }), 'another-new-password', endpoint);
    expect(lost.applied).toBe(false);
    // Back to the password the Secret holds, for the tests below.
    expect(await backend.setAdminPassword(sized({ adminPassword: next }), pgServer.password, endpoint)).toMatchObject({ applied: true });
    expect(await canLogin('postgres', pgServer.password)).toBe(true);
  });

  it('does not touch the release values or put the password into helm calls when resetting', async () => {
    const revisions = (await stub.release(NS, RELEASE))?.revisions.length;
    const calls = await stub.calls();
    expect(JSON.stringify(calls)).not.toContain(pgServer.password);
    expect(JSON.stringify(calls)).not.toContain('N3wAdminPassw0rdX');
    expect((await stub.release(NS, RELEASE))?.revisions.length).toBe(revisions);
  });
});

describe('helmbitnami backend: faults give clear, retryable errors and delete nothing', () => {
  const sized = (over: Partial<ServerContext> = {}) => context({ spec: { size: { storageGB: 20 }, credentialsSecret: 'c' }, resolved: { version: '17', sizeClass: 'large' }, ...over });

  it('helm missing', async () => {
    const backend = makeBackend({ helm_binary: 'no-such-helm-binary' });
    const err = await backend.observe(sized()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TemporaryError);
    expect((err as Error).message).toMatch(/helm binary "no-such-helm-binary" was not found/);
  });

  it('a chart that cannot be pulled', async () => {
    const backend = makeBackend({ chart: 'oci://registry-1.docker.io/bitnamicharts/postgresql' });
    await stub.fault({
      command: 'upgrade',
      times: 1,
      stderr: 'Error: failed to do request: Head "https://registry-1.docker.io/v2/bitnamicharts/postgresql/manifests/17.1.0": dial tcp: lookup registry-1.docker.io: no such host',
    });
    const from = await callCount();
    const err = await backend.create(context({ name: 'other' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TemporaryError);
    expect((err as Error).message).toMatch(/^helm upgrade failed: Error: failed to do request: .*no such host$/);
    expect((await callsSince(from)).map((c) => c.args[0])).toEqual(['history', 'upgrade']);
    expect(await readSts()).toBeDefined();
  });

  it('a helm call that times out', async () => {
    const backend = makeBackend({ helm_timeout_seconds: 1 });
    await stub.fault({ command: 'history', times: 1, hangMs: 60_000 });
    await expect(backend.observe(sized())).rejects.toThrow('helm history did not finish within 1 s and was stopped');
  });

  it('a failed release is upgraded again', async () => {
    const release = (await stub.release(NS, RELEASE))!;
    const last = release.revisions[release.revisions.length - 1]!;
    release.revisions.push({ ...last, revision: last.revision + 1, status: 'failed', description: 'Upgrade "demoteam-postgresql" failed: context deadline exceeded' });
    last.status = 'superseded';
    await stub.writeRelease(release);
    const backend = makeBackend();
    const obs = await backend.observe(sized());
    // Counted as absent: the handler creates (= upgrades) at once instead of waiting for readiness.
    expect(obs).toMatchObject({ exists: false, ready: false, upToDate: false, differences: ['the last helm operation failed: Upgrade "demoteam-postgresql" failed: context deadline exceeded'] });
    await backend.create(sized());
    expect((await stub.release(NS, RELEASE))?.revisions.at(-1)?.status).toBe('deployed');
    await makeReady();
  });

  it('a release left pending by an interrupted helm call: busy, then rolled back (ours) or left to a person (not ours) once stale', async () => {
    const release = (await stub.release(NS, RELEASE))!;
    const original = structuredClone(release);
    const last = release.revisions[release.revisions.length - 1]!;
    release.revisions.push({ ...last, revision: last.revision + 1, status: 'pending-upgrade', updated: new Date().toISOString() });
    await stub.writeRelease(release);
    const backend = makeBackend();
    expect(await backend.observe(sized())).toMatchObject({ exists: true, busy: true, message: `helm pending-upgrade of ${RELEASE} in progress` });
    const later = makeBackend({}, { now: () => Date.now() + 3600_000 });
    expect(await later.observe(sized())).toMatchObject({ exists: true, busy: false, upToDate: false, differences: [expect.stringMatching(/was left pending-upgrade by an interrupted helm call .*; repairing it$/)] });

    // Not made by this operator for this server (no server label in its values): a person decides.
    const foreign = structuredClone(release);
    foreign.revisions.at(-1)!.values = { ...foreign.revisions.at(-1)!.values, commonLabels: {} };
    await stub.writeRelease(foreign);
    await expect(later.update(sized())).rejects.toThrow(/was not installed by this operator for this server; finish it by hand \(helm rollback demoteam-postgresql/);

    await stub.writeRelease(release);
    const repaired = await later.update(sized());
    expect(repaired.notice).toMatchObject({ reason: 'HelmReleaseRepaired', message: expect.stringMatching(new RegExp(`rolled it back to revision ${last.revision}; the change is applied again$`)) });
    expect((await stub.release(NS, RELEASE))?.revisions.at(-1)).toMatchObject({ status: 'deployed', description: `Rollback to ${last.revision}` });
    await stub.writeRelease(original);
  });
});

describe('helmbitnami backend: a restore already in the data (ADR 0020)', () => {
  const source = { server: 'old-team', backup: '20261206T020000Z' };
  const marker = { ...source, at: '2026-12-06T02:10:00Z' };

  async function comment(value: string | null): Promise<void> {
    const client = new pg.Client({ host: '127.0.0.1', port: pgServer.port, user: 'postgres', password: pgServer.password, database: 'postgres' });
    await client.connect();
    try {
      await client.query(`COMMENT ON DATABASE postgres IS ${value === null ? 'NULL' : client.escapeLiteral(value)}`);
    } finally {
      await client.end();
    }
  }

  afterAll(async () => {
    await comment(null);
  });

  it('with the status and the restore Job lost, reports restoredFrom from the marker and starts no restore Job', async () => {
    await makeReady();
    await comment(`hybridcloud.maibornwolff.de/restored-from ${JSON.stringify(marker)}`);
    const obs = await makeBackend().observe(context({ restore: source }));
    expect(obs.restoredFrom).toEqual(marker);
    expect(obs.differences ?? []).not.toContain('restore');
    await expect(kube.batch.readNamespacedJob({ name: `${RELEASE}-restore`, namespace: NS })).rejects.toMatchObject({ code: 404 });
  });

  it('refuses to restore another backup over data restored from one', async () => {
    const obs = await makeBackend().observe(context({ restore: { ...source, backup: '20261207T020000Z' } }));
    expect(obs.restoredFrom).toBeUndefined();
    expect(obs).toMatchObject({ ready: false, message: expect.stringContaining(`holds data restored from backup ${source.backup} of server ${source.server}`) });
    expect(obs.differences ?? []).not.toContain('restore');
  });
});

describe('helmbitnami backend: a restart made but not recorded', () => {
  const sized = (over: Partial<ServerContext> = {}) => context({ spec: { size: { storageGB: 20 }, credentialsSecret: 'c' }, resolved: { version: '17', sizeClass: 'large' }, ...over });

  it('restarts once for operator/action=restart, also when the state recording the restart was lost (a kill before the status write)', async () => {
    const backend = makeBackend();
    const ctx = sized({ requestedAction: 'restart' });
    const obs = await backend.observe(ctx);
    expect(obs.differences).toEqual(['restart (operator/action)']);
    const from = await callCount();
    // The state update returns (the new token, the label's restart done) is never written.
    await backend.update(ctx, obs);
    await makeReady();
    const again = await backend.observe(ctx);
    expect(again).toMatchObject({ ready: true, upToDate: true, differences: [] });
    expect(again.state?.parameterState).toMatchObject({ restartToken: expect.any(String), restartDone: true });
    expect((await callsSince(from)).filter((c) => c.args[0] === 'upgrade')).toHaveLength(1);
    // Once the label is gone: still nothing to roll.
    expect(await backend.observe(sized({ state: again.state! }))).toMatchObject({ upToDate: true, differences: [] });
  });
});

describe('helmbitnami backend: delete', () => {
  it('uninstalls the release and keeps the volume claims by default', async () => {
    const backend = makeBackend();
    const from = await callCount();
    expect(await backend.delete(context())).toEqual({ gone: true, message: `Helm release ${RELEASE} uninstalled; its volume claims are kept (pvc_cleanup is off)` });
    expect((await callsSince(from)).map((c) => c.args)).toEqual([['uninstall', RELEASE, '--namespace', NS, '--timeout', '300s']]);
    expect(await readSts()).toBeUndefined();
    // The backup claim too: the chart marks it helm.sh/resource-policy: keep, so helm leaves it.
    expect(Object.keys(await claims()).sort()).toEqual([`data-${RELEASE}-0`, 'data-other-postgresql-0', `${RELEASE}-pgdumpall`].sort());
    // Again (after a kill): already gone.
    expect((await backend.delete(context())).gone).toBe(true);
  });

  it('with pvc_cleanup deletes exactly the claims labelled with the release', async () => {
    const backend = makeBackend({ pvc_cleanup: true });
    await backend.create(context());
    expect(await backend.delete(context())).toEqual({ gone: true, message: `Helm release ${RELEASE} uninstalled; its volume claims are deleted` });
    expect(Object.keys(await claims())).toEqual(['data-other-postgresql-0']);
  });
});
