import { GROUP } from '../../api/constants.js';
import type { TlsSettings } from '../../config/sections/tls.js';
import type { KubeClients } from '../../k8s/clients.js';
import type { OperatorCa } from '../common/tls/operator-ca.js';
import { ensureServerCertificate, inspectServerCertificate, serviceDnsNames } from '../common/tls/server-certificate.js';
import { withTls, type ServerTls, type TlsSwitch } from '../common/tls/server-tls.js';
import { TemporaryError } from '../errors.js';
import type { BackendState, ServerContext } from '../types.js';
import { requireTlsHba, valueAt, type HelmValues, type ReleaseValuesInput } from './values.js';

export const CERTIFICATE_DIFF = 'server certificate';
export const SERIAL_DIFF = 'certificate serial';
/** Pod annotation with the certificate's serial: a renewal changes it and so restarts the pod. */
export const SERIAL_ANNOTATION = `${GROUP}/certificate-serial`;

/** `<release>-tls`: the server's certificate Secret, which the chart mounts (`tls.certificatesSecret`). */
export const certificateSecretName = (release: string): string => `${release}-tls`;

/**
 * TLS of a Bitnami release from the operator's CA: the certificate Secret the chart mounts and its
 * values. The chart copies the certificate out of the Secret with an init container (copy-certs)
 * at pod start, so a renewed certificate cannot be reloaded in place: the serial of the
 * certificate is a pod annotation in the values, and the upgrade that changes it restarts the pod
 * the chart's way.
 */
export class HelmTls {
  constructor(
    private readonly kube: KubeClients,
    private readonly ca: OperatorCa,
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

  async caPem(): Promise<string> {
    return (await this.ca.get()).trust;
  }

  /** For adminConnection (synchronous): the CA once loaded, else a short retry while it loads. */
  caCertificate(): string {
    const pem = this.ca.certificateIfLoaded();
    if (pem) return pem;
    void this.ca.get().catch(() => undefined);
    throw new TemporaryError('the operator CA is being loaded', 1);
  }

  /** Read-only: a certificate due, or one the recorded state (and so the pod) does not carry yet. */
  async differences(ctx: ServerContext, tls: ServerTls, release: string): Promise<string[]> {
    const cert = await inspectServerCertificate(this.kube, await this.ca.get(), this.request(ctx, release));
    if (cert.due) return [`${CERTIFICATE_DIFF} (${cert.due})`];
    return cert.serial !== tls.serial ? [SERIAL_DIFF] : [];
  }

  /** The certificate in place (issued or renewed when due); the state records its serial for the values. */
  async ensure(ctx: ServerContext, tls: ServerTls, release: string): Promise<BackendState> {
    const cert = await ensureServerCertificate(this.kube, await this.ca.get(), this.request(ctx, release));
    return withTls(ctx.state, { ...tls, serial: cert.serial });
  }

  private request(ctx: ServerContext, release: string) {
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
