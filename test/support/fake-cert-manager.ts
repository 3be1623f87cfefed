/**
 * Plays cert-manager's controller for Certificates (cert-manager.io/v1) on the fake API server (no
 * cluster here), the way the real one behaves as seen from outside: it issues when the Secret is
 * missing, holds a certificate of another issuer or for other names, when the renewal time has
 * come, or when asked to renew (`cmctl renew`); it signs with the CA of the referenced `ca` Issuer
 * or ClusterIssuer (a ClusterIssuer's Secret lives in the cluster resource namespace) — or, for an
 * `acme` issuer, with a CA this fake holds in place of the ACME server, writing no ca.crt (ACME
 * issuers publish none: the chain is in tls.crt) — writes the
 * Secret as cert-manager does (type kubernetes.io/tls, tls.crt, tls.key, ca.crt, the
 * cert-manager.io/* annotations, secretTemplate labels; owners and other metadata left alone), and
 * sets the status as cert-manager does: Ready condition with observedGeneration, notBefore,
 * notAfter, renewalTime, revision. A missing issuer leaves the Certificate Ready=False, as the real
 * one leaves it (its CertificateRequest stays pending). Signing is node-forge, its own code here.
 */
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import forge from 'node-forge';
import { createKubeClients, isNotFound, type KubeClients } from '../../src/k8s/clients.js';
import { mergePatchOptions } from '../../src/k8s/patch.js';

export const CERT_MANAGER_CRDS = 'test/support/cert-manager/crds.yaml';

const GROUP = 'cert-manager.io';
const VERSION = 'v1';

interface Certificate {
  metadata: { name: string; namespace: string; generation?: number };
  spec: {
    secretName: string;
    commonName?: string;
    dnsNames?: string[];
    duration?: string;
    renewBefore?: string;
    issuerRef: { name: string; kind?: string; group?: string };
    secretTemplate?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  };
  status?: { conditions?: Array<{ type: string; status: string; reason?: string; observedGeneration?: number }>; revision?: number };
}

interface CaPair {
  certPem: string;
  keyPem: string;
}

/** A self-signed test CA made with node-forge (what a `ca` issuer's Secret holds). */
export function makeForgeCa(commonName: string): CaPair {
  const keys = forge.pki.rsa.generateKeyPair(2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 365 * 86_400_000);
  cert.setSubject([{ name: 'commonName', value: commonName }]);
  cert.setIssuer([{ name: 'commonName', value: commonName }]);
  cert.setExtensions([{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: forge.pki.privateKeyToPem(keys.privateKey) };
}

export class FakeCertManager {
  private readonly kube: KubeClients;
  private timer?: NodeJS.Timeout;
  private busy = false;
  private readonly renewals = new Set<string>();
  /** The CA behind each `acme` ClusterIssuer (the ACME server's, which cert-manager never sees). */
  private readonly acmeCas = new Map<string, CaPair>();
  /** Certificates issued so far (each issuance, renewals included). */
  issued = 0;

  constructor(
    kc: k8s.KubeConfig,
    /** cert-manager's --cluster-resource-namespace: where ClusterIssuers' Secrets live. */
    readonly clusterResourceNamespace = 'cert-manager',
  ) {
    this.kube = createKubeClients(kc);
  }

  start(intervalMs = 100): void {
    this.timer = setInterval(() => void this.tick(), intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 20));
  }

  /** What `cmctl renew <name>` does: issue again now, whatever the renewal time says. */
  renew(namespace: string, name: string): void {
    this.renewals.add(`${namespace}/${name}`);
  }

  /** A ClusterIssuer of type `ca` with its CA in the cluster resource namespace. */
  async createCaClusterIssuer(name: string, ca: CaPair): Promise<void> {
    await this.kube.core.createNamespace({ body: { metadata: { name: this.clusterResourceNamespace } } }).catch(ignoreConflict);
    const secretName = `${name}-ca`;
    await this.kube.core.createNamespacedSecret({
      namespace: this.clusterResourceNamespace,
      body: { metadata: { name: secretName }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': ca.certPem, 'tls.key': ca.keyPem } },
    });
    await this.kube.custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: 'clusterissuers', body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'ClusterIssuer', metadata: { name }, spec: { ca: { secretName } } } });
  }

  /**
   * A ClusterIssuer of type `acme` (e.g. Let's Encrypt): certificates come signed by the ACME
   * server's CA (here `ca`, held by this fake) and, as with the real one, the Secret gets no ca.crt.
   */
  async createAcmeClusterIssuer(name: string, ca: CaPair): Promise<void> {
    this.acmeCas.set(name, ca);
    const acme = { server: 'https://acme.example/directory', privateKeySecretRef: { name: `${name}-account-key` } };
    await this.kube.custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: 'clusterissuers', body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'ClusterIssuer', metadata: { name }, spec: { acme } } });
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const list = (await this.kube.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: 'certificates' })) as { items: Certificate[] };
      for (const cert of list.items) await this.reconcile(cert);
    } catch {
      // The next tick tries again (as the real controller requeues).
    } finally {
      this.busy = false;
    }
  }

  private async reconcile(cert: Certificate): Promise<void> {
    const { name, namespace } = cert.metadata;
    const ref = cert.spec.issuerRef;
    // Issuers of other groups are external issuers' business, not this controller's.
    if ((ref.group ?? GROUP) !== GROUP) return;
    const kind = ref.kind ?? 'Issuer';
    const issuer = await this.issuerCa(kind, ref.name, namespace);
    const ca = issuer?.ca;
    const secret = await this.kube.core.readNamespacedSecret({ name: cert.spec.secretName, namespace }).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    const reason = this.issueReason(cert, secret, kind);
    if (!ca) {
      if (reason) await this.setNotReady(cert, 'DoesNotExist', 'Issuing certificate as Secret does not exist');
      return;
    }
    const key = `${namespace}/${name}`;
    if (!reason && !this.renewals.has(key)) {
      const ready = cert.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready?.status !== 'True' || ready.observedGeneration !== cert.metadata.generation) await this.setReady(cert, secret, cert.status?.revision ?? 1);
      return;
    }
    this.renewals.delete(key);
    const data = secretData(sign(ca, cert), ca, issuer?.acme === true);
    const annotations = {
      ...cert.spec.secretTemplate?.annotations,
      'cert-manager.io/certificate-name': name,
      'cert-manager.io/issuer-name': ref.name,
      'cert-manager.io/issuer-kind': kind,
      'cert-manager.io/issuer-group': GROUP,
      'cert-manager.io/common-name': cert.spec.commonName ?? '',
      'cert-manager.io/alt-names': (cert.spec.dnsNames ?? []).join(','),
    };
    const metadata = { name: cert.spec.secretName, namespace, annotations, labels: { ...cert.spec.secretTemplate?.labels, 'controller.cert-manager.io/fao': 'true' } };
    if (secret) {
      await this.kube.core.patchNamespacedSecret({ name: cert.spec.secretName, namespace, body: { metadata: { annotations, labels: metadata.labels }, data } }, mergePatchOptions());
    } else {
      await this.kube.core.createNamespacedSecret({ namespace, body: { metadata, type: 'kubernetes.io/tls', data } });
    }
    this.issued++;
    await this.setReady(cert, { data }, (cert.status?.revision ?? 0) + 1);
  }

  /** cert-manager's issuance triggers, in its words (undefined: the Secret is up to date). */
  private issueReason(cert: Certificate, secret: k8s.V1Secret | undefined, kind: string): string | undefined {
    const pem = secret?.data?.['tls.crt'];
    if (!pem) return 'DoesNotExist';
    const a = secret.metadata?.annotations ?? {};
    if (a['cert-manager.io/issuer-name'] !== cert.spec.issuerRef.name || a['cert-manager.io/issuer-kind'] !== kind) return 'IncorrectIssuer';
    const x509 = new X509Certificate(Buffer.from(pem, 'base64'));
    const names = (x509.subjectAltName ?? '').split(', ').filter((n) => n.startsWith('DNS:')).map((n) => n.slice(4));
    if (JSON.stringify([...names].sort()) !== JSON.stringify([...(cert.spec.dnsNames ?? [])].sort())) return 'SecretMismatch';
    const notAfter = new Date(x509.validTo).getTime();
    if (notAfter - goDuration(cert.spec.renewBefore ?? '720h') <= Date.now()) return 'Renewing';
    return undefined;
  }

  private async issuerCa(kind: string, name: string, namespace: string): Promise<{ ca: CaPair; acme?: boolean } | undefined> {
    try {
      const issuer = (kind === 'ClusterIssuer'
        ? await this.kube.custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: 'clusterissuers', name })
        : await this.kube.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: 'issuers', name })) as { spec?: { ca?: { secretName?: string }; acme?: unknown } };
      const acmeCa = kind === 'ClusterIssuer' && issuer.spec?.acme ? this.acmeCas.get(name) : undefined;
      if (acmeCa) return { ca: acmeCa, acme: true };
      const secretName = issuer.spec?.ca?.secretName;
      if (!secretName) return undefined;
      const secret = await this.kube.core.readNamespacedSecret({ name: secretName, namespace: kind === 'ClusterIssuer' ? this.clusterResourceNamespace : namespace });
      const decode = (k: string) => Buffer.from(secret.data?.[k] ?? '', 'base64').toString('utf8');
      return { ca: { certPem: decode('tls.crt'), keyPem: decode('tls.key') } };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async setReady(cert: Certificate, secret: Pick<k8s.V1Secret, 'data'> | undefined, revision: number): Promise<void> {
    const pem = secret?.data?.['tls.crt'];
    if (!pem) return;
    const x509 = new X509Certificate(Buffer.from(pem, 'base64'));
    const notAfter = new Date(x509.validTo);
    const status = {
      conditions: [{ type: 'Ready', status: 'True', reason: 'Ready', message: 'Certificate is up to date and has not expired', lastTransitionTime: now(), observedGeneration: cert.metadata.generation }],
      notBefore: new Date(x509.validFrom).toISOString().replace(/\.\d+Z$/, 'Z'),
      notAfter: notAfter.toISOString().replace(/\.\d+Z$/, 'Z'),
      renewalTime: new Date(notAfter.getTime() - goDuration(cert.spec.renewBefore ?? '720h')).toISOString().replace(/\.\d+Z$/, 'Z'),
      revision,
    };
    await this.patchStatus(cert, status);
  }

  private async setNotReady(cert: Certificate, reason: string, message: string): Promise<void> {
    const ready = cert.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status === 'False' && ready.reason === reason && ready.observedGeneration === cert.metadata.generation) return;
    await this.patchStatus(cert, {
      conditions: [
        { type: 'Ready', status: 'False', reason, message, lastTransitionTime: now(), observedGeneration: cert.metadata.generation },
        { type: 'Issuing', status: 'True', reason, message, lastTransitionTime: now(), observedGeneration: cert.metadata.generation },
      ],
    });
  }

  private async patchStatus(cert: Certificate, status: Record<string, unknown>): Promise<void> {
    await this.kube.custom.patchNamespacedCustomObjectStatus(
      { group: GROUP, version: VERSION, namespace: cert.metadata.namespace, plural: 'certificates', name: cert.metadata.name, body: { status } },
      mergePatchOptions(),
    );
  }
}

/** A server certificate from a test CA for `dnsNames` (e.g. for a test PostgreSQL the operator must verify). */
export function signWithCa(ca: CaPair, dnsNames: string[]): CaPair {
  return sign(ca, { metadata: { name: 'test', namespace: 'test' }, spec: { secretName: 'test', commonName: dnsNames[0], dnsNames, duration: '48h', issuerRef: { name: 'test' } } });
}

/** A leaf certificate as a `ca` issuer signs it: the spec's names, duration and server usages. */
function sign(ca: CaPair, cert: Certificate): CaPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const leaf = forge.pki.createCertificate();
  leaf.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  leaf.serialNumber = `01${randomBytes(15).toString('hex')}`;
  leaf.validity.notBefore = new Date(Date.now() - 60_000);
  leaf.validity.notAfter = new Date(Date.now() + goDuration(cert.spec.duration ?? '2160h'));
  leaf.setSubject(cert.spec.commonName ? [{ name: 'commonName', value: cert.spec.commonName }] : []);
  leaf.setIssuer(caCert.subject.attributes);
  leaf.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: (cert.spec.dnsNames ?? []).map((value) => ({ type: 2, value })) },
  ]);
  leaf.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(leaf), keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/** The Secret's data: an ACME issuer puts the chain (leaf, then the intermediate) into tls.crt and writes no ca.crt. */
function secretData(leaf: CaPair, ca: CaPair, acme: boolean): Record<string, string> {
  if (acme) return { 'tls.crt': b64(`${leaf.certPem}${ca.certPem}`), 'tls.key': b64(leaf.keyPem) };
  return { 'tls.crt': b64(leaf.certPem), 'tls.key': b64(leaf.keyPem), 'ca.crt': b64(ca.certPem) };
}

/** Go's time.ParseDuration for the h/m/s forms cert-manager is given, in ms. */
export function goDuration(text: string): number {
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000 };
  let ms = 0;
  for (const [, n, u] of text.matchAll(/(\d+(?:\.\d+)?)(h|m|s)/g)) ms += Number(n) * (unit[u as string] as number);
  return ms;
}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

function ignoreConflict(err: unknown): void {
  if ((err as { code?: number }).code !== 409) throw err;
}
