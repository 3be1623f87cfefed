import type { OwnerReference } from '../../../api/types.js';
import type { TlsSettings } from '../../../config/sections/tls.js';
import { isNotFound, type KubeClients } from '../../../k8s/clients.js';
import type { BackendDeps } from '../../types.js';
import { CertManagerCertificates } from './cert-manager.js';
import { CERTIFICATE_NAME_ANNOTATION } from './cert-manager-object.js';
import { operatorCa, type OperatorCa } from './operator-ca.js';
import { ensureServerCertificate, inspectServerCertificate } from './server-certificate.js';
import { trustedCaBundle, type IssuerRef, type ServerTls } from './server-tls.js';

/** One server's certificate: where it goes, what it names, how long it lives. */
export interface CertificateRequest {
  namespace: string;
  secretName: string;
  dnsNames: string[];
  /** The PostgreSQLServer: owner of the Secret (and Certificate); one of another owner is never taken. */
  owner: OwnerReference;
  labels: Record<string, string>;
  validDays: number;
  renewBeforeDays: number;
  now?: Date;
}

/** What a read-only look at a server's certificate found. */
export interface CertificateLook {
  /** Why the operator must act (issue, renew, make or change the Certificate); unset: nothing to do. */
  due?: string;
  /** Serial (hex) and PEM of the certificate in the Secret, when there is one. */
  serial?: string;
  certPem?: string;
  /** With an issuer: the ca.crt cert-manager wrote (recorded as the served CA once PostgreSQL serves it). */
  caPem?: string;
  /** cert-manager is still at work (not a difference: nothing for the operator to do). */
  waiting?: string;
  /** cert-manager has not been Ready for longer than `tls.issuer.ready_timeout_seconds`: its reason, for the user. */
  problem?: string;
}

/** The certificate is in the Secret (its serial; an issuer's CA), or the operator waits for cert-manager. */
export type Issued = { serial: string; caPem?: string } | { pending: string; retryAfterSeconds: number };

/**
 * The server certificates of the in-cluster backends, from whichever source the server's recorded
 * TLS choice names: the operator's own CA (no issuer) or a cert-manager issuer (ADR 0022). Both
 * write the same Secret (tls.crt, tls.key, ca.crt), so pods and credentials do not care which.
 */
export class ServerCertificates {
  constructor(
    private readonly kube: KubeClients,
    private readonly ca: OperatorCa,
    private readonly certManager: CertManagerCertificates,
  ) {}

  /** Read-only. */
  async inspect(req: CertificateRequest, issuer: IssuerRef | undefined): Promise<CertificateLook> {
    if (issuer) return this.certManager.inspect(req, issuer);
    return inspectServerCertificate(this.kube, await this.ca.get(), req);
  }

  /** Issues (own CA) or asks cert-manager for (issuer) a certificate that is not due; idempotent. */
  async ensure(req: CertificateRequest, issuer: IssuerRef | undefined): Promise<Issued> {
    if (issuer) return this.certManager.ensure(req, issuer);
    await this.leaveCertManager(req);
    const cert = await ensureServerCertificate(this.kube, await this.ca.get(), req);
    return { serial: cert.serial };
  }

  /** The CA clients verify the server with (published as ca.crt). */
  async caPem(req: Pick<CertificateRequest, 'namespace' | 'secretName'>, issuer: IssuerRef | undefined): Promise<string> {
    if (issuer) return this.certManager.caPem(req);
    // The trust bundle: both CAs while the operator's CA is rotated (ADR 0024).
    return (await this.ca.get()).trust;
  }

  /**
   * The CA bundle clients and the operator verify the server with: the Secret's CA, plus the CA of
   * the certificate PostgreSQL still serves when that came from another source (see
   * `trustedCaBundle`). `tls.ca` is recorded for certificates of an issuer only; a server with a
   * served serial and none recorded serves one of the operator's CA, whose own rotation (ADR 0024)
   * keeps its trust bundle itself.
   */
  async trustedCa(req: Pick<CertificateRequest, 'namespace' | 'secretName'>, tls: Pick<ServerTls, 'issuer' | 'serial' | 'ca'>): Promise<string> {
    const current = await this.caPem(req, tls.issuer);
    const served = tls.ca ?? (tls.serial && tls.issuer ? (await this.ca.get()).trust : undefined);
    return trustedCaBundle(current, served ? { ca: served } : {});
  }

  /**
   * A server moving from an issuer to the operator's CA: its Certificate goes first, or cert-manager
   * would write its own certificate over the operator's. Only when cert-manager wrote the Secret.
   */
  private async leaveCertManager(req: CertificateRequest): Promise<void> {
    let annotations: Record<string, string> | undefined;
    try {
      annotations = (await this.kube.core.readNamespacedSecret({ name: req.secretName, namespace: req.namespace })).metadata?.annotations;
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (annotations?.[CERTIFICATE_NAME_ANNOTATION] === req.secretName) await this.certManager.release(req);
  }
}

/** The certificates of the in-cluster backends, for one backend (the operator CA is read once each). */
export function serverCertificates(deps: BackendDeps): ServerCertificates {
  return certificatesWith(deps.kube, operatorCa(deps), deps.config.tls);
}

/** The same with a given operator CA (tests, tools). */
export function certificatesWith(kube: KubeClients, ca: OperatorCa, tls: Pick<TlsSettings, 'issuer'>): ServerCertificates {
  return new ServerCertificates(kube, ca, new CertManagerCertificates(kube, tls.issuer.ready_timeout_seconds * 1000));
}
