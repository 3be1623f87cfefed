import { GROUP } from '../../api/constants.js';
import type { TlsSettings } from '../../config/sections/tls.js';
import type { CertificateRequest, ServerCertificates } from '../common/tls/certificate-source.js';
import { serviceDnsNames } from '../common/tls/server-certificate.js';
import { withTls, type ServerTls, type TlsSwitch } from '../common/tls/server-tls.js';
import type { BackendState, ServerContext } from '../types.js';
import { requireTlsHba, valueAt, type HelmValues, type ReleaseValuesInput } from './values.js';

export const CERTIFICATE_DIFF = 'server certificate';
export const SERIAL_DIFF = 'certificate serial';
/** Pod annotation with the certificate's serial: a renewal changes it and so restarts the pod. */
export const SERIAL_ANNOTATION = `${GROUP}/certificate-serial`;

/** `<release>-tls`: the server's certificate Secret, which the chart mounts (`tls.certificatesSecret`). */
export const certificateSecretName = (release: string): string => `${release}-tls`;

/**
 * TLS of a Bitnami release from the operator's CA or a cert-manager issuer: the certificate Secret
 * the chart mounts and its values. The chart copies the certificate out of the Secret with an init container (copy-certs)
 * at pod start, so a renewed certificate cannot be reloaded in place: the serial of the
 * certificate is a pod annotation in the values, and the upgrade that changes it restarts the pod
 * the chart's way — whether the operator or cert-manager renewed it.
 */
export class HelmTls {
  constructor(
    private readonly certs: ServerCertificates,
    private readonly settings: TlsSettings,
  ) {}

  /** The values for `buildReleaseValues`. */
  values(tls: ServerTls, release: string): Pick<ReleaseValuesInput, 'tls'> {
    if (!tls.enabled) return {};
    return {
      tls: {
        certificatesSecret: certificateSecretName(release),
        ...(tls.require ? { pgHba: requireTlsHba() } : {}),
        ...(tls.serial ? { podAnnotations: { [SERIAL_ANNOTATION]: tls.serial } } : {}),
      },
    };
  }

  /** What a release runs, from its values: this operator's TLS, and whether pg_hba refuses plain TCP. */
  running(current: HelmValues, release: string): TlsSwitch {
    const enabled = valueAt(current, 'tls.enabled') === true && valueAt(current, 'tls.certificatesSecret') === certificateSecretName(release);
    return { enabled, require: enabled && valueAt(current, 'primary.pgHbaConfiguration') === requireTlsHba() };
  }

  /** The CA (bundle, while the pod still serves a certificate of another CA) clients verify the release with. */
  caPem(ctx: ServerContext, tls: ServerTls, release: string): Promise<string> {
    return this.certs.trustedCa(this.request(ctx, release), tls);
  }

  /**
   * Read-only: a certificate due, or one the recorded state (and so the pod) does not carry yet;
   * `warning` when cert-manager has not been Ready for too long.
   */
  async differences(ctx: ServerContext, tls: ServerTls, release: string): Promise<{ differences: string[]; warning?: string }> {
    const cert = await this.certs.inspect(this.request(ctx, release), tls.issuer);
    const warning = cert.problem ? { warning: cert.problem } : {};
    if (cert.due) return { differences: [`${CERTIFICATE_DIFF} (${cert.due})`], ...warning };
    return { differences: cert.serial && cert.serial !== tls.serial ? [SERIAL_DIFF] : [], ...warning };
  }

  /**
   * The certificate in place (issued or renewed when due, or asked of cert-manager); the state
   * records its serial for the values. `pending` while cert-manager has not issued it.
   */
  async ensure(ctx: ServerContext, tls: ServerTls, release: string): Promise<{ state: BackendState; pending?: { message: string; retryAfterSeconds: number } }> {
    const cert = await this.certs.ensure(this.request(ctx, release), tls.issuer);
    if ('pending' in cert) return { state: ctx.state, pending: { message: cert.pending, retryAfterSeconds: cert.retryAfterSeconds } };
    return { state: withTls(ctx.state, { ...tls, serial: cert.serial, ca: cert.caPem }) };
  }

  private request(ctx: ServerContext, release: string): CertificateRequest {
    return {
      namespace: ctx.namespace,
      secretName: certificateSecretName(release),
      dnsNames: serviceDnsNames(release, ctx.namespace),
      owner: ctx.owner,
      labels: ctx.labels,
      validDays: this.settings.certificate_days,
      renewBeforeDays: this.settings.renew_before_days,
    };
  }
}
