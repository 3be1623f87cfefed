/**
 * The helmbitnami backend with server certificates from a cert-manager ClusterIssuer (tls.issuer,
 * ADR 0022): the fake API server serving cert-manager's CRDs, the fake cert-manager controller
 * issuing from a test CA, the recording helm stand-in rendering the chart fixture, and a real
 * PostgreSQL serving a certificate of the same CA (the operator verifies it with the ca.crt
 * cert-manager wrote). The fake kubelet does not play the Bitnami image's TLS start-up, so the
 * release's pod is not run here: its values are checked instead.
 */
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { mergePatchOptions } from '../../src/k8s/patch.js';
import { backendSection } from '../../src/config/backend-section.js';
import type { HelmBitnamiSection } from '../../src/config/sections/helmbitnami.js';
import type { ServerContext } from '../../src/backends/types.js';
import { certificatesWith } from '../../src/backends/common/tls/certificate-source.js';
import { OperatorCa } from '../../src/backends/common/tls/operator-ca.js';
import { serviceDnsNames } from '../../src/backends/common/tls/server-certificate.js';
import { HelmBitnamiBackend } from '../../src/backends/helm-bitnami/index.js';
import { SERIAL_ANNOTATION, SERIAL_DIFF } from '../../src/backends/helm-bitnami/tls.js';
import { createKubeClients, type KubeClients } from '../../src/k8s/clients.js';
import { startFakeApiServer, type FakeApiServer } from '../support/fake-apiserver/index.js';
import { CERT_MANAGER_CRDS, FakeCertManager, makeForgeCa, signWithCa } from '../support/fake-cert-manager.js';
import { createHelmStub, type HelmStub } from '../support/helm-stub/index.js';
import { BITNAMI_CHART_FIXTURE, helmHome, realHelmBinary } from '../support/helm-stub/real-helm.js';
import { configFrom, waitFor } from '../support/operator-harness.js';
import { startPostgres, type TestPostgres } from '../support/postgres-server.js';

const NS = 'team-a';
const RELEASE = 'demoteam-postgresql';
const SECRET = `${RELEASE}-tls`;
const ISSUER = 'platform-ca';

let api: FakeApiServer;
let kube: KubeClients;
let pgServer: TestPostgres;
let stub: HelmStub;
let home: ReturnType<typeof helmHome>;
let certManager: FakeCertManager;
const ca = makeForgeCa('platform CA');

function makeBackend(issuer = ISSUER, applyToExisting = false): HelmBitnamiBackend {
  const config = configFrom({
    backend: 'helmbitnami',
    tls: { enabled: true, apply_to_existing: applyToExisting, issuer: { name: issuer, kind: 'ClusterIssuer' } },
    backends: {
      helmbitnami: {
        chart: BITNAMI_CHART_FIXTURE,
        helm_binary: join(stub.binDir, 'helm'),
        operator_endpoint: `127.0.0.1:${pgServer.port}`,
        classes: { small: { cpu: '1000m', memory: '256Mi' } },
        default_class: 'small',
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
    // The operator's CA is never needed with an issuer: its Secret must not appear.
    tls: { settings: config.tls, certs: certificatesWith(kube, new OperatorCa(kube, NS, 'operator-ca'), config.tls) },
  });
}

function context(over: Partial<ServerContext> = {}): ServerContext {
  return {
    namespace: NS,
    name: 'demoteam',
    uid: 'uid-1',
    generation: 1,
    spec: { version: 'latest', size: { storageGB: 12 }, credentialsSecret: 'demoteam-postgres-credentials', backup: { retentionDays: 0 } },
    resolved: { version: '17', sizeClass: 'small' },
    adminPassword: pgServer.password,
    adminSecret: { name: 'hybridcloud-pgserver-demoteam', passwordKey: 'password' },
    // PostgreSQLServer is not served here, so the fake's garbage collector leaves the owned objects alone (as the real one does).
    owner: { apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1', kind: 'PostgreSQLServer', name: 'demoteam', uid: 'uid-1' },
    labels: { 'hybridcloud.maibornwolff.de/server': 'demoteam' },
    state: {},
    ...over,
  };
}

const secretSerial = async (): Promise<string | undefined> => {
  const secret = await kube.core.readNamespacedSecret({ name: SECRET, namespace: NS }).catch(() => undefined);
  const pem = secret?.data?.['tls.crt'];
  return pem ? new X509Certificate(Buffer.from(pem, 'base64')).serialNumber : undefined;
};

async function lastUpgradeValues(): Promise<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any -- helm values, read field by field
  const upgrades = (await stub.calls()).filter((c) => c.args[0] === 'upgrade');
  return JSON.parse(upgrades.at(-1)!.stdin) as Record<string, unknown>;
}

async function makeReady(): Promise<void> {
  const sts = await kube.apps.readNamespacedStatefulSet({ name: RELEASE, namespace: NS });
  const generation = sts.metadata?.generation ?? 1;
  await kube.apps.patchNamespacedStatefulSetStatus(
    { name: RELEASE, namespace: NS, body: { status: { replicas: 1, readyReplicas: 1, currentReplicas: 1, updatedReplicas: 1, observedGeneration: generation, currentRevision: `r${generation}`, updateRevision: `r${generation}` } } },
    mergePatchOptions(),
  );
}

beforeAll(async () => {
  // The "pod": a real PostgreSQL serving a certificate of the platform CA for the release's Service names.
  [api, pgServer] = await Promise.all([startFakeApiServer({ crdFiles: [CERT_MANAGER_CRDS] }), startPostgres({ tls: signWithCa(ca, serviceDnsNames(RELEASE, NS)) })]);
  kube = createKubeClients(api.kubeConfig());
  home = helmHome();
  stub = await createHelmStub({ realHelm: realHelmBinary() });
  await stub.connectApiServer(api.url);
  await kube.core.createNamespace({ body: { metadata: { name: NS } } });
  await kube.core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'hybridcloud-pgserver-demoteam' }, stringData: { password: pgServer.password } } });
  certManager = new FakeCertManager(api.kubeConfig());
  await certManager.createCaClusterIssuer(ISSUER, ca);
}, 60_000);

afterAll(async () => {
  await certManager?.stop();
  await Promise.all([api?.close(), pgServer?.stop()]);
  await stub?.cleanup();
  home?.cleanup();
});

describe('helmbitnami with a cert-manager issuer', () => {
  let state: ServerContext['state'] = {};

  it('records the issuer in the TLS choice of a new server', async () => {
    const obs = await makeBackend().observe(context());
    expect(obs.state?.tls).toEqual({ enabled: true, require: true, generation: 1, issuer: { name: ISSUER, kind: 'ClusterIssuer', group: 'cert-manager.io' } });
    state = obs.state!;
  });

  it('makes the Certificate and installs nothing until cert-manager has issued it', async () => {
    const result = await makeBackend().create(context({ state }));
    expect(result.message).toMatch(/waiting for cert-manager|Certificate demoteam-postgresql-tls is not Ready/);
    expect((await stub.calls()).filter((c) => c.args[0] === 'upgrade')).toEqual([]);
    const cert = (await kube.custom.getNamespacedCustomObject({ group: 'cert-manager.io', version: 'v1', namespace: NS, plural: 'certificates', name: SECRET })) as { spec: Record<string, unknown> };
    expect(cert.spec).toMatchObject({ secretName: SECRET, dnsNames: serviceDnsNames(RELEASE, NS), issuerRef: { name: ISSUER, kind: 'ClusterIssuer', group: 'cert-manager.io' } });
  });

  it("installs the release mounting cert-manager's Secret, with its serial as the pod annotation; verifies the server with its ca.crt", async () => {
    certManager.start();
    await waitFor(async () => (await secretSerial()) !== undefined, 10_000, () => 'cert-manager issued');
    const result = await makeBackend().create(context({ state }));
    expect(result.message).toBe(`installed Helm release ${RELEASE}`);
    state = result.state ?? state;
    const values = await lastUpgradeValues();
    expect(values.tls).toMatchObject({ enabled: true, certificatesSecret: SECRET, certFilename: 'tls.crt', certKeyFilename: 'tls.key' });
    expect(values.primary.podAnnotations[SERIAL_ANNOTATION]).toBe(await secretSerial());
    await makeReady();
    const ready = await makeBackend().observe(context({ state }));
    expect(ready).toMatchObject({ ready: true, upToDate: true, endpoint: { sslmode: 'verify-full', caCert: ca.certPem } });
    // The admin connection verifies the Service name with the issuer's CA (parameters were read through it).
    expect(await makeBackend().adminConnection(context({ state }), ready.endpoint!)).toMatchObject({ sslmode: 'verify-full', caCert: ca.certPem, tlsServerName: `${RELEASE}.${NS}.svc` });
    await expect(kube.core.readNamespacedSecret({ name: 'operator-ca', namespace: NS })).rejects.toThrow();
  });

  it("rolls the pod through the chart when cert-manager renews (the chart copies the certificate at pod start)", async () => {
    const before = await secretSerial();
    certManager.renew(NS, SECRET);
    await waitFor(async () => (await secretSerial()) !== before, 10_000, () => 'cert-manager renewed');
    const renewed = await secretSerial();
    const obs = await makeBackend().observe(context({ state }));
    expect(obs.differences).toEqual([SERIAL_DIFF]);
    const result = await makeBackend().update(context({ state }), obs);
    expect(result.message).toMatch(/^upgraded Helm release/);
    expect((await lastUpgradeValues()).primary.podAnnotations[SERIAL_ANNOTATION]).toBe(renewed);
    state = result.state ?? state;
    await makeReady();
    expect(await makeBackend().observe(context({ state }))).toMatchObject({ ready: true, upToDate: true });
  });

  it('applies a spec change to a running release while a new issuer has not issued: the pod keeps serving its certificate', async () => {
    const served = (await lastUpgradeValues()).primary.podAnnotations[SERIAL_ANNOTATION];
    // The config names an issuer that does not exist (yet): cert-manager leaves the Certificate not Ready.
    const backend = makeBackend('not-there-ca', true);
    const ctx = context({ state, generation: 2, spec: { ...context().spec, size: { storageGB: 20 } } });
    const obs = await backend.observe(ctx);
    const moved = { ...ctx, state: obs.state ?? state };
    const first = await backend.update(moved, obs);
    const second = await backend.update({ ...moved, state: first.state ?? moved.state }, await backend.observe(moved));
    expect([first.message, second.message].some((m) => m.startsWith('upgraded Helm release'))).toBe(true);
    const values = await lastUpgradeValues();
    expect(values.primary.persistence.size).toBe('20Gi');
    expect(values.primary.podAnnotations[SERIAL_ANNOTATION]).toBe(served);
  });
});
