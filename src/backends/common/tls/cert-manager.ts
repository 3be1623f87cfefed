import type * as k8s from '@kubernetes/client-node';
import { Reason } from '../../../api/conditions.js';
import { isAlreadyExists, isNotFound, statusCodeOf, type KubeClients } from '../../../k8s/clients.js';
import { mergePatchOptions } from '../../../k8s/patch.js';
import { PermanentError, TemporaryError } from '../../errors.js';
import { certificateFacts } from './certificates.js';
import {
  CERT_MANAGER_GROUP,
  CERT_MANAGER_VERSION,
  CERTIFICATE_NAME_ANNOTATION,
  CERTIFICATE_PLURAL,
  desiredCertificate,
  isOwnedBy,
  ISSUER_KIND_ANNOTATION,
  ISSUER_NAME_ANNOTATION,
  readyState,
  specDifferences,
  type CertificateObject,
} from './cert-manager-object.js';
import type { CertificateLook, CertificateRequest, Issued } from './certificate-source.js';
import type { IssuerRef } from './server-tls.js';
import { TLS_CA_KEY, TLS_CERT_KEY } from './server-certificate.js';

/** How soon to look again while cert-manager issues. */
const ISSUING_LOOK_SECONDS = 5;
/** How soon to look again once waiting has become a reported problem. */
const PROBLEM_LOOK_SECONDS = 15;

export const CERT_MANAGER_MISSING =
  "cert-manager's Certificate CRD (certificates.cert-manager.io/v1) is not installed, but the config names a cert-manager issuer (tls.issuer.name): install cert-manager, or set tls.issuer.name to \"\" to use the operator's own CA";

/**
 * Server certificates from a cert-manager issuer (ADR 0022): the operator makes and owns one
 * `Certificate` per server and waits until cert-manager has written the Secret; it signs nothing.
 * cert-manager renews; the backends see the new serial in the Secret and reload (statefulset) or
 * roll the pod (helmbitnami), as with the operator's own CA.
 */
export class CertManagerCertificates {
  constructor(
    private readonly kube: KubeClients,
    /** `tls.issuer.ready_timeout_seconds`: how long not being Ready is only waiting, not a problem. */
    private readonly readyTimeoutMs: number,
  ) {}

  /** Read-only: whether the Certificate must be made or changed, and what the Secret holds. */
  async inspect(req: CertificateRequest, issuer: IssuerRef): Promise<CertificateLook> {
    const cert = await this.readCertificate(req);
    if (!cert) return { due: `cert-manager Certificate ${req.secretName} missing` };
    this.checkOwner(cert, req);
    const differs = specDifferences(cert.spec, req, issuer);
    if (differs.length) return { due: `cert-manager Certificate ${req.secretName}: ${differs.join(', ')} to change` };
    const secret = await this.readSecret(req);
    const { fits: _fits, ready: _ready, ...look } = this.look(cert, secret, req, issuer);
    if (look.serial && !isOwnedBy(secret, req.owner.uid)) return { ...look, due: `certificate Secret ${req.secretName} not yet owned by the server` };
    return look;
  }

  /**
   * The Certificate in place (made, or its spec set to the wanted one) and, once cert-manager says
   * it is Ready and the Secret holds a certificate for the server's names, its serial; until then
   * pending. Never takes over a Certificate or a Secret the operator did not make.
   */
  async ensure(req: CertificateRequest, issuer: IssuerRef): Promise<Issued> {
    const secret = await this.readSecret(req);
    if (secret && !isOwnedBy(secret, req.owner.uid) && secret.metadata?.annotations?.[CERTIFICATE_NAME_ANNOTATION] !== req.secretName) {
      throw new PermanentError(`Secret ${req.secretName} exists and does not belong to this server; delete or rename it`, Reason.SecretConflict);
    }
    const cert = await this.ensureCertificate(req, issuer);
    const look = this.look(cert, secret, req, issuer);
    // A certificate that fits and is already in use is kept while cert-manager renews (or fails to):
    // the server goes on serving it, and observe reports a Certificate not Ready for too long.
    const usable = look.fits && look.serial !== undefined && (look.ready || isOwnedBy(secret, req.owner.uid));
    if (!usable) {
      if (look.problem) throw new TemporaryError(look.problem, PROBLEM_LOOK_SECONDS);
      return { pending: look.waiting ?? `waiting for cert-manager to write Secret ${req.secretName}`, retryAfterSeconds: ISSUING_LOOK_SECONDS };
    }
    // cert-manager does not set owners on its Secrets: the server owns it, so it goes with the server.
    if (secret && !isOwnedBy(secret, req.owner.uid)) await this.adoptSecret(req, secret);
    return { serial: look.serial as string, caPem: look.caPem as string };
  }

  /** The server's Certificate, made or its spec set to the wanted one; never one of another owner. */
  private async ensureCertificate(req: CertificateRequest, issuer: IssuerRef): Promise<CertificateObject> {
    const cert = (await this.readCertificate(req)) ?? (await this.create(req, issuer));
    this.checkOwner(cert, req);
    if (specDifferences(cert.spec, req, issuer).length === 0) return cert;
    const body = { spec: desiredCertificate(req, issuer).spec };
    return (await this.kube.custom.patchNamespacedCustomObject(
      { group: CERT_MANAGER_GROUP, version: CERT_MANAGER_VERSION, namespace: req.namespace, plural: CERTIFICATE_PLURAL, name: req.secretName, body },
      mergePatchOptions(),
    )) as CertificateObject;
  }

  /** The CA clients verify the server with: ca.crt of the Secret cert-manager wrote. */
  async caPem(req: Pick<CertificateRequest, 'namespace' | 'secretName'>): Promise<string> {
    const ca = decode((await this.readSecret(req))?.data?.[TLS_CA_KEY]);
    if (!ca) {
      throw new TemporaryError(`certificate Secret ${req.secretName} has no ${TLS_CA_KEY} yet: clients cannot verify the server without it (the issuer must publish its CA, as CA, Vault and self-signed issuers do)`, PROBLEM_LOOK_SECONDS);
    }
    return ca;
  }

  /**
   * Removes the server's Certificate (when the server moves to the operator's own CA), so that
   * cert-manager stops writing the Secret. Only a Certificate this server owns.
   */
  async release(req: CertificateRequest): Promise<void> {
    const cert = await this.readCertificate(req).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    if (!cert || !isOwnedBy(cert, req.owner.uid)) return;
    try {
      await this.kube.custom.deleteNamespacedCustomObject({ group: CERT_MANAGER_GROUP, version: CERT_MANAGER_VERSION, namespace: req.namespace, plural: CERTIFICATE_PLURAL, name: req.secretName });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** What the Certificate's status and the Secret say together. */
  private look(cert: CertificateObject, secret: k8s.V1Secret | undefined, req: CertificateRequest, issuer: IssuerRef): CertificateLook & { fits: boolean; ready: boolean } {
    const now = req.now ?? new Date();
    const held = secretCertificate(secret, req, issuer, now);
    const state = readyState(cert, now);
    const base = { ...held, ready: state.ready };
    if (state.ready && held.fits) return base;
    const waiting = !state.ready
      ? `cert-manager Certificate ${req.secretName} is not Ready (${state.why})`
      : held.serial && !held.caPem
        ? `Secret ${req.secretName} has no ${TLS_CA_KEY}: ${issuer.kind} ${issuer.name} publishes no CA (ACME issuers do not), so clients could not verify the server with verify-full; name a CA, Vault or self-signed issuer`
        : `Secret ${req.secretName} does not hold a certificate of ${issuer.kind} ${issuer.name} for the server's names yet`;
    const overdue = now.getTime() - state.since.getTime() > this.readyTimeoutMs;
    return { ...base, waiting, ...(overdue ? { problem: `${waiting} for over ${Math.round(this.readyTimeoutMs / 1000)} s; see kubectl describe certificate ${req.secretName} -n ${req.namespace}` } : {}) };
  }

  private checkOwner(cert: CertificateObject, req: CertificateRequest): void {
    if (!isOwnedBy(cert, req.owner.uid)) {
      throw new PermanentError(`cert-manager Certificate ${req.secretName} exists and does not belong to this server; delete or rename it`, Reason.SecretConflict);
    }
  }

  private async create(req: CertificateRequest, issuer: IssuerRef): Promise<CertificateObject> {
    try {
      return (await this.kube.custom.createNamespacedCustomObject({
        group: CERT_MANAGER_GROUP,
        version: CERT_MANAGER_VERSION,
        namespace: req.namespace,
        plural: CERTIFICATE_PLURAL,
        body: desiredCertificate(req, issuer),
      })) as CertificateObject;
    } catch (err) {
      if (isAlreadyExists(err)) throw new TemporaryError(`cert-manager Certificate ${req.secretName} was made meanwhile; looking again`, 1, { cause: err });
      // The namespace exists (the server is in it): a 404 here is the resource type that is not served.
      if (isNotFound(err)) throw new TemporaryError(CERT_MANAGER_MISSING, PROBLEM_LOOK_SECONDS, { cause: err });
      throw err;
    }
  }

  private async adoptSecret(req: CertificateRequest, secret: k8s.V1Secret): Promise<void> {
    const owners = [...(secret.metadata?.ownerReferences ?? []), req.owner];
    // The resourceVersion makes this a compare-and-swap: cert-manager may be writing the Secret.
    const body = { metadata: { ownerReferences: owners, resourceVersion: secret.metadata?.resourceVersion } };
    try {
      await this.kube.core.patchNamespacedSecret({ name: req.secretName, namespace: req.namespace, body }, mergePatchOptions());
    } catch (err) {
      if (statusCodeOf(err) === 409) throw new TemporaryError(`certificate Secret ${req.secretName} changed meanwhile; looking again`, 1, { cause: err });
      throw err;
    }
  }

  private async readCertificate(req: Pick<CertificateRequest, 'namespace' | 'secretName'>): Promise<CertificateObject | undefined> {
    try {
      return (await this.kube.custom.getNamespacedCustomObject({
        group: CERT_MANAGER_GROUP,
        version: CERT_MANAGER_VERSION,
        namespace: req.namespace,
        plural: CERTIFICATE_PLURAL,
        name: req.secretName,
      })) as CertificateObject;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async readSecret(req: Pick<CertificateRequest, 'namespace' | 'secretName'>): Promise<k8s.V1Secret | undefined> {
    try {
      return await this.kube.core.readNamespacedSecret({ name: req.secretName, namespace: req.namespace });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}

/**
 * The certificate in the Secret, and whether it fits: for the server's names, not expired, signed
 * by this issuer, with a CA clients can verify it by.
 */
function secretCertificate(secret: k8s.V1Secret | undefined, req: CertificateRequest, issuer: IssuerRef, now: Date): { fits: boolean; serial?: string; certPem?: string; caPem?: string } {
  const certPem = decode(secret?.data?.[TLS_CERT_KEY]);
  const caPem = decode(secret?.data?.[TLS_CA_KEY]);
  const facts = certPem ? certificateFacts(certPem, caPem ?? certPem) : undefined;
  if (!facts) return { fits: false, ...(caPem ? { caPem } : {}) };
  const fits = caPem !== undefined && req.dnsNames.every((n) => facts.dnsNames.includes(n)) && facts.notAfter > now && writtenBy(secret, issuer);
  return { fits, serial: facts.serial, certPem, ...(caPem ? { caPem } : {}) };
}

/**
 * The Secret holds what this issuer signed: cert-manager annotates each Secret with the issuer of
 * its certificate, so a certificate of the operator's CA (or another issuer) still in the Secret
 * after a switch is not taken for the new one.
 */
function writtenBy(secret: k8s.V1Secret | undefined, issuer: IssuerRef): boolean {
  const a = secret?.metadata?.annotations ?? {};
  return a[ISSUER_NAME_ANNOTATION] === issuer.name && (a[ISSUER_KIND_ANNOTATION] ?? 'Issuer') === issuer.kind;
}

function decode(value: string | undefined): string | undefined {
  return value ? Buffer.from(value, 'base64').toString('utf8') : undefined;
}
