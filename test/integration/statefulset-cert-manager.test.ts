/**
 * Server certificates from a cert-manager ClusterIssuer (tls.issuer, ADR 0022) for the statefulset
 * backend: the fake API server serves cert-manager's CRDs, the fake cert-manager controller issues
 * and renews from a test CA, and the fake kubelet runs a real PostgreSQL with the mounted files.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { X509Certificate } from 'node:crypto';
import { serviceDnsNames } from '../../src/backends/common/tls/server-certificate.js';
import { isNotFound } from '../../src/k8s/clients.js';
import { CERT_MANAGER_CRDS, FakeCertManager, makeForgeCa } from '../support/fake-cert-manager.js';
import { Harness, waitFor } from '../support/operator-harness.js';
import { loginWithSecret, peerCertificateSerial } from '../support/tls-login.js';

const SERVER = `apiVersion: hybridcloud.maibornwolff.de/v1alpha1
kind: PostgreSQLServer
metadata: { name: tlsteam }
spec: { size: { storageGB: 1 }, credentialsSecret: tlsteam-admin }
---
apiVersion: hybridcloud.maibornwolff.de/v1alpha1
kind: PostgreSQLDatabase
metadata: { name: tlsapp }
spec: { serverRef: { name: tlsteam }, credentialsSecret: tlsapp-creds }`;

const server = (name: string) => `apiVersion: hybridcloud.maibornwolff.de/v1alpha1
kind: PostgreSQLServer
metadata: { name: ${name} }
spec: { size: { storageGB: 1 }, credentialsSecret: ${name}-admin }`;

const ISSUER = 'team-ca';
const CERT = 'tlsteam-postgresql-tls';

interface CertificateCr {
  metadata: { ownerReferences?: Array<{ name: string; uid: string }> };
  spec: Record<string, unknown>;
  status?: { conditions?: Array<{ type: string; status: string }>; revision?: number };
}

describe('statefulset TLS from a cert-manager ClusterIssuer', () => {
  let h: Harness;
  let certManager: FakeCertManager;
  const ca = makeForgeCa('team CA');

  const certificate = async (name: string): Promise<CertificateCr | undefined> => {
    try {
      return (await h.kube.custom.getNamespacedCustomObject({ group: 'cert-manager.io', version: 'v1', namespace: 'default', plural: 'certificates', name })) as CertificateCr;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  const secretSerial = async () => new X509Certificate((await h.secret(CERT))!['tls.crt']!).serialNumber;

  beforeAll(async () => {
    h = await Harness.start({
      config: { tls: { enabled: true, issuer: { name: ISSUER, kind: 'ClusterIssuer', ready_timeout_seconds: 2 } } },
      extraCrdFiles: [CERT_MANAGER_CRDS],
    });
    certManager = new FakeCertManager(h.kc);
    certManager.start();
    await certManager.createCaClusterIssuer(ISSUER, ca);
    await h.apply(SERVER);
    await h.waitForReady('PostgreSQLDatabase', 'tlsapp');
  }, 60_000);

  afterAll(async () => {
    await certManager?.stop();
    await h?.stop();
  });

  it("makes a Certificate owned by the server for its Service names; cert-manager's Secret is the one mounted, and the operator signs nothing", async () => {
    const cr = await h.get<{ metadata: { uid: string } }>('PostgreSQLServer', 'tlsteam');
    const cert = (await certificate(CERT))!;
    expect(cert.metadata.ownerReferences).toEqual([expect.objectContaining({ name: 'tlsteam', uid: cr!.metadata.uid })]);
    expect(cert.spec).toMatchObject({
      secretName: CERT,
      dnsNames: serviceDnsNames('tlsteam-postgresql', 'default'),
      issuerRef: { name: ISSUER, kind: 'ClusterIssuer', group: 'cert-manager.io' },
      duration: '8760h',
      renewBefore: '720h',
    });
    const secret = await h.kube.core.readNamespacedSecret({ name: CERT, namespace: 'default' });
    expect(secret.metadata?.annotations?.['cert-manager.io/issuer-name']).toBe(ISSUER);
    // cert-manager sets no owner on its Secrets: the operator adds the server, so the Secret goes with it.
    expect(secret.metadata?.ownerReferences?.map((o) => o.uid)).toEqual([cr!.metadata.uid]);
    const sts = await h.kube.apps.readNamespacedStatefulSet({ name: 'tlsteam-postgresql', namespace: 'default' });
    expect(sts.spec?.template.spec?.volumes?.find((v) => v.name === 'tls')?.secret?.secretName).toBe(CERT);
    expect(await h.secret('hybrid-cloud-postgresql-operator-ca')).toBeUndefined();
    expect(certManager.issued).toBe(1);
  });

  it("publishes verify-full with the issuer's CA from the Secret's ca.crt; such logins work, plain TCP and other CAs are refused", async () => {
    const admin = (await h.secret('tlsteam-admin'))!;
    const app = (await h.secret('tlsapp-creds'))!;
    expect(admin).toMatchObject({ sslmode: 'verify-full', 'ca.crt': ca.certPem });
    expect(app).toMatchObject({ sslmode: 'verify-full', 'ca.crt': ca.certPem });
    for (const data of [admin, app]) {
      const client = await loginWithSecret(data, h.pg.port);
      expect((await client.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).rows[0].ssl).toBe(true);
      await client.end();
    }
    await expect(loginWithSecret(app, h.pg.port, { sslmode: 'disable' })).rejects.toThrow(/no encryption/);
    await expect(loginWithSecret(app, h.pg.port, { ca: makeForgeCa('other').certPem })).rejects.toThrow(/self.signed|unable to verify|certificate/i);
  });

  it('follows a renewal by cert-manager with a reload: the open connection stays, new ones get the new certificate', async () => {
    const app = (await h.secret('tlsapp-creds'))!;
    const open = await loginWithSecret(app, h.pg.port);
    const before = peerCertificateSerial(open);
    expect(before).toBe(await secretSerial());
    certManager.renew('default', CERT);
    await waitFor(async () => (await secretSerial()) !== before, 10_000, () => 'cert-manager renewed the certificate');
    const renewed = await secretSerial();
    // The operator looks at its resync; here at once.
    h.operator!['servers'].enqueue('default', 'tlsteam');
    await waitFor(async () => {
      const fresh = await loginWithSecret(app, h.pg.port).catch(() => undefined);
      if (!fresh) return false;
      const serving = peerCertificateSerial(fresh);
      await fresh.end();
      if (serving !== renewed) h.operator!['servers'].enqueue('default', 'tlsteam');
      return serving === renewed;
    }, 30_000, () => 'the renewed certificate served');
    expect((await open.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    await open.end();
    const cr = await h.get<{ status: { backendState: { tls: { serial: string; issuer: unknown } } } }>('PostgreSQLServer', 'tlsteam');
    expect(cr?.status.backendState.tls).toMatchObject({ serial: renewed, issuer: { name: ISSUER, kind: 'ClusterIssuer' } });
    expect(h.kubelet.postgresRestarts).toBe(0);
  });

  it("never takes over a Certificate it did not make: a clear condition, the Certificate left as it is", async () => {
    await h.kube.custom.createNamespacedCustomObject({
      group: 'cert-manager.io',
      version: 'v1',
      namespace: 'default',
      plural: 'certificates',
      body: { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'squat-postgresql-tls' }, spec: { secretName: 'squat-postgresql-tls', dnsNames: ['elsewhere'], issuerRef: { name: ISSUER, kind: 'ClusterIssuer' } } },
    });
    h.kubelet.ignore.add('default/squat-postgresql');
    await h.apply(server('squat'));
    const ready = await h.waitForReady('PostgreSQLServer', 'squat', 'False', 'SecretConflict');
    expect(ready.message).toMatch(/Certificate squat-postgresql-tls exists and does not belong to this server/);
    const cert = (await certificate('squat-postgresql-tls'))!;
    expect(cert.metadata.ownerReferences).toBeUndefined();
    expect(cert.spec.dnsNames).toEqual(['elsewhere']);
    await expect(h.kube.apps.readNamespacedStatefulSet({ name: 'squat-postgresql', namespace: 'default' })).rejects.toThrow();
  });

  it("waits for a Certificate that is not Ready (no pod meanwhile); past ready_timeout_seconds the condition and a Warning give cert-manager's reason; then goes on", async () => {
    await h.kube.custom.deleteClusterCustomObject({ group: 'cert-manager.io', version: 'v1', plural: 'clusterissuers', name: ISSUER });
    h.kubelet.ignore.add('default/late-postgresql');
    await h.apply(server('late'));
    await waitFor(async () => (await certificate('late-postgresql-tls')) !== undefined, 10_000, () => 'the Certificate made');
    const stuck = await h.waitForReady('PostgreSQLServer', 'late', 'False', 'BackendError', 20_000);
    expect(stuck.message).toMatch(/Certificate late-postgresql-tls is not Ready \(Ready=False DoesNotExist: Issuing certificate as Secret does not exist\) for over 2 s/);
    const events = await h.events('late');
    expect(events).toContainEqual(expect.objectContaining({ type: 'Warning', message: expect.stringContaining('late-postgresql-tls is not Ready') }));
    await expect(h.kube.apps.readNamespacedStatefulSet({ name: 'late-postgresql', namespace: 'default' })).rejects.toThrow();

    await h.kube.custom.createClusterCustomObject({ group: 'cert-manager.io', version: 'v1', plural: 'clusterissuers', body: { apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: ISSUER }, spec: { ca: { secretName: `${ISSUER}-ca` } } } });
    await waitFor(async () => {
      const sts = await h.kube.apps.readNamespacedStatefulSet({ name: 'late-postgresql', namespace: 'default' }).catch(() => undefined);
      return sts !== undefined;
    }, 30_000, () => 'the StatefulSet made once the certificate is issued');
  }, 60_000);

  it('refuses, past ready_timeout_seconds, an issuer that publishes no ca.crt (ACME) with a condition that says so; no pod', async () => {
    // cert-manager calls the Certificate Ready: it issued all it was asked for. Only ca.crt is missing.
    await certManager.createAcmeClusterIssuer('public-acme', makeForgeCa('ACME intermediate'));
    await h.stopOperator();
    await h.startOperator({ ...h.config, tls: { ...h.config.tls, issuer: { ...h.config.tls.issuer, name: 'public-acme' } } });
    h.kubelet.ignore.add('default/acme-postgresql');
    await h.apply(server('acme'));
    const stuck = await h.waitForReady('PostgreSQLServer', 'acme', 'False', 'BackendError', 20_000);
    expect(stuck.message).toMatch(/Secret acme-postgresql-tls has no ca\.crt: ClusterIssuer public-acme publishes no CA \(ACME issuers do not\)/);
    expect((await certificate('acme-postgresql-tls'))?.status?.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'True' }));
    await expect(h.kube.apps.readNamespacedStatefulSet({ name: 'acme-postgresql', namespace: 'default' })).rejects.toThrow();
  }, 60_000);
});

describe('statefulset TLS moving between the operator CA and a cert-manager issuer (apply_to_existing)', () => {
  let h: Harness;
  let certManager: FakeCertManager;
  const ca = makeForgeCa('platform CA');
  const issuerOf = async (client: Awaited<ReturnType<typeof loginWithSecret>>) =>
    ((client as unknown as { connection: { stream: import('node:tls').TLSSocket } }).connection.stream.getPeerCertificate().issuer as { CN?: string }).CN;

  /** Waits until the app's Secret logs in with verify-full and is served a certificate of `issuerCn`; an open connection stays. */
  async function servedBy(issuerCn: string): Promise<void> {
    await waitFor(async () => {
      h.operator!['servers'].enqueue('default', 'tlsteam');
      const client = await loginWithSecret((await h.secret('tlsapp-creds'))!, h.pg.port).catch(() => undefined);
      if (!client) return false;
      const cn = await issuerOf(client);
      await client.end();
      return cn === issuerCn;
    }, 40_000, () => `a verify-full login served by ${issuerCn}`);
  }

  beforeAll(async () => {
    h = await Harness.start({ config: { tls: { enabled: true } }, extraCrdFiles: [CERT_MANAGER_CRDS] });
    certManager = new FakeCertManager(h.kc);
    certManager.start();
    await certManager.createCaClusterIssuer(ISSUER, ca);
    await h.apply(SERVER);
    await h.waitForReady('PostgreSQLDatabase', 'tlsapp');
  }, 60_000);

  afterAll(async () => {
    await certManager?.stop();
    await h?.stop();
  });

  it('to the issuer: a Certificate, cert-manager replaces the certificate in the same Secret, PostgreSQL reloads, clients get the new ca.crt', async () => {
    const operatorCa = (await h.secret('hybrid-cloud-postgresql-operator-ca'))!['tls.crt']!;
    expect((await h.secret('tlsapp-creds'))!['ca.crt']).toBe(operatorCa);
    const open = await loginWithSecret((await h.secret('tlsapp-creds'))!, h.pg.port);
    await h.stopOperator();
    await h.startOperator({ ...h.config, tls: { ...h.config.tls, apply_to_existing: true, issuer: { ...h.config.tls.issuer, name: ISSUER } } });
    await servedBy('platform CA');
    await waitFor(async () => (await h.secret('tlsapp-creds'))!['ca.crt'] === ca.certPem, 20_000, () => "the app's ca.crt is the issuer's alone");
    expect((await certificate(h, CERT))?.spec.issuerRef).toMatchObject({ name: ISSUER });
    expect((await open.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    await open.end();
    expect(h.kubelet.postgresRestarts).toBe(0);
  }, 60_000);

  it("back to the operator's CA: the server's Certificate is deleted, the operator issues into the Secret again", async () => {
    await h.stopOperator();
    await h.startOperator({ ...h.config, tls: { ...h.config.tls, apply_to_existing: true } });
    await servedBy('hybrid-cloud-postgresql-operator CA');
    await waitFor(async () => (await certificate(h, CERT)) === undefined, 20_000, () => 'the Certificate deleted');
    const operatorCa = (await h.secret('hybrid-cloud-postgresql-operator-ca'))!['tls.crt']!;
    await waitFor(async () => (await h.secret('tlsapp-creds'))!['ca.crt'] === operatorCa, 20_000, () => "the app's ca.crt is the operator's again");
  }, 60_000);
});

async function certificate(h: Harness, name: string): Promise<CertificateCr | undefined> {
  try {
    return (await h.kube.custom.getNamespacedCustomObject({ group: 'cert-manager.io', version: 'v1', namespace: 'default', plural: 'certificates', name })) as CertificateCr;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
