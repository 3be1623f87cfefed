/**
 * A CA rotation (ADR 0024) as the helmbitnami backend lives it, against the fake API server: the
 * chart copies the certificate into the pod at start, so what restarts the pod is a new serial in
 * the values' pod annotation. Stage 1 (both CAs trusted) and stage 3 (old CA dropped) change only
 * the certificate Secret's `ca.crt`: the serial and so the pod stay. Stage 2 (new CA signs)
 * re-issues the certificate: a new serial, the one restart of the rotation.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { X509Certificate } from 'node:crypto';
import { API_VERSION, GROUP, SERVER_PLURAL, VERSION } from '../../src/api/constants.js';
import { certificatesWith } from '../../src/backends/common/tls/certificate-source.js';
import { createCa } from '../../src/backends/common/tls/certificates.js';
import { OperatorCa } from '../../src/backends/common/tls/operator-ca.js';
import type { ServerTls } from '../../src/backends/common/tls/server-tls.js';
import { certificateSecretName, HelmTls, SERIAL_ANNOTATION } from '../../src/backends/helm-bitnami/tls.js';
import type { ServerContext } from '../../src/backends/types.js';
import { createKubeClients, type KubeClients } from '../../src/k8s/clients.js';
import { startFakeApiServer, type FakeApiServer } from '../support/fake-apiserver/index.js';
import { configFrom, CRD_FILES, testConfig } from '../support/operator-harness.js';

const RELEASE = 'orders-postgresql';

describe('helmbitnami through a CA rotation: one restart, in stage 2', () => {
  let api: FakeApiServer;
  let kube: KubeClients;
  let ca: OperatorCa;
  let helmTls: HelmTls;
  let ctx: ServerContext;
  const choice: ServerTls = { enabled: true, require: true, generation: 1 };

  beforeAll(async () => {
    api = await startFakeApiServer({ crdFiles: CRD_FILES });
    kube = createKubeClients(api.kubeConfig());
    const server = (await kube.custom.createNamespacedCustomObject({
      group: GROUP, version: VERSION, namespace: 'default', plural: SERVER_PLURAL,
      body: { apiVersion: API_VERSION, kind: 'PostgreSQLServer', metadata: { name: 'orders' }, spec: { size: { storageGB: 1 }, credentialsSecret: 'orders-creds' } },
    })) as { metadata: { uid: string } };
    const config = configFrom(testConfig(5432, { tls: { enabled: true } }));
    ca = new OperatorCa(kube, 'default', 'rotation-ca');
    helmTls = new HelmTls(certificatesWith(kube, ca, config.tls), config.tls);
    ctx = {
      namespace: 'default', name: 'orders', uid: server.metadata.uid, generation: 1,
      spec: { size: { storageGB: 1 }, credentialsSecret: 'orders-creds' }, resolved: { version: '16' },
      adminPassword: 'x', adminSecret: { name: 'store', passwordKey: 'password' },
      owner: { apiVersion: API_VERSION, kind: 'PostgreSQLServer', name: 'orders', uid: server.metadata.uid },
      labels: { 'hybridcloud.maibornwolff.de/server': 'orders' }, state: {},
    };
  });

  afterAll(async () => {
    await api?.close();
  });

  /** The serial the release's pod annotation carries after the backend converged once more. */
  async function converge(): Promise<{ differences: string[]; serial: string }> {
    ca.forget();
    const { differences } = await helmTls.differences(ctx, { ...choice, ...(ctx.state.tls as object) }, RELEASE);
    ctx = { ...ctx, state: (await helmTls.ensure(ctx, { ...choice, ...(ctx.state.tls as object) }, RELEASE)).state };
    const values = helmTls.values(ctx.state.tls as ServerTls, RELEASE);
    return { differences, serial: values.tls?.podAnnotations?.[SERIAL_ANNOTATION] ?? '' };
  }
  const secretData = async (): Promise<Record<string, string>> => {
    const s = await kube.core.readNamespacedSecret({ name: certificateSecretName(RELEASE), namespace: 'default' });
    return Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
  };
  const move = async (to: (s: Awaited<ReturnType<OperatorCa['state']>>) => Awaited<ReturnType<OperatorCa['state']>>) => {
    ca.forget();
    const from = await ca.state();
    expect(await ca.transition(from, to(from))).toBe(true);
  };

  it('keeps the serial (no restart) while only ca.crt changes, and re-issues once when the new CA signs', async () => {
    const first = await converge();
    const oldCa = (await ca.get()).certPem;
    expect(first.serial).toMatch(/^[0-9A-F]+$/i);

    const next = createCa('new CA');
    await move((s) => ({ ...s, next, stage: 'trust-new', stageSince: new Date() }));
    const trusting = await converge();
    expect(trusting.differences).toEqual(['server certificate (trusted CAs changed)']);
    expect(trusting.serial).toBe(first.serial);
    expect((await secretData())['ca.crt']).toBe(oldCa + next.certPem);
    expect((await converge()).differences).toEqual([]);

    await move((s) => ({ ...s, signing: next, next: undefined, previous: s.signing.certPem, stage: 'sign-new', stageSince: new Date() }));
    const signing = await converge();
    // ca.crt stays old + new: the re-issue is the only change.
    expect(signing.differences).toEqual(['server certificate (not issued by the operator CA)']);
    expect(signing.serial).not.toBe(first.serial);
    const data = await secretData();
    expect(new X509Certificate(data['tls.crt']!).verify(new X509Certificate(next.certPem).publicKey)).toBe(true);
    expect(data['ca.crt']).toBe(oldCa + next.certPem);

    await move((s) => ({ ...s, previous: undefined, stage: 'idle', stageSince: undefined }));
    const dropped = await converge();
    expect(dropped.serial).toBe(signing.serial);
    expect((await secretData())['ca.crt']).toBe(next.certPem);
  });
});
