import type * as k8s from '@kubernetes/client-node';
import { Reason } from '../../api/conditions.js';
import type { TlsSettings } from '../../config/sections/tls.js';
import { isAlreadyExists, isNotFound, type KubeClients } from '../../k8s/clients.js';
import { mergePatchOptions } from '../../k8s/patch.js';
import { PermanentError, TemporaryError } from '../errors.js';
import type { CertificateRequest, ServerCertificates } from '../common/tls/certificate-source.js';
import { serviceDnsNames } from '../common/tls/server-certificate.js';
import { hbaConfig, withTls, type ServerTls } from '../common/tls/server-tls.js';
import { mountedCertificateIs, reloadConfiguration } from '../common/tls/reload.js';
import type { AdminConnection, BackendState, ServerContext } from '../types.js';
import { buildHbaConfigMap, contentHash, HBA_FILE, hbaConfigMapName, tlsSecretName, workloadName } from './manifests.js';

export const CERTIFICATE_DIFF = 'server certificate';
export const HBA_DIFF = 'pg_hba';
export const RELOAD_DIFF = 'certificate reload';

/**
 * The TLS objects of a StatefulSet server: its certificate Secret (mounted into the pod; from the
 * operator's CA or a cert-manager Certificate), the ConfigMap with pg_hba.conf, and the reload that
 * makes PostgreSQL serve a renewed certificate without a restart (the kubelet updates the mounted
 * files; PostgreSQL re-reads them on SIGHUP) — whoever renewed it.
 */
export class ServerTlsFiles {
  constructor(
    private readonly kube: KubeClients,
    private readonly certs: ServerCertificates,
    private readonly settings: TlsSettings,
  ) {}

  podTls(ctx: ServerContext, tls: ServerTls): { certSecret: string; hbaConfigMap: string; hbaHash: string } {
    return { certSecret: tlsSecretName(ctx.name), hbaConfigMap: hbaConfigMapName(ctx.name), hbaHash: contentHash(hbaConfig(tls)) };
  }

  /**
   * What differs, read-only. A renewed certificate is due for a reload once the pod runs
   * (`admin` given) and the kubelet has put it into the mounted file; until then `waiting` says so.
   */
  async differences(ctx: ServerContext, tls: ServerTls, admin: AdminConnection | undefined): Promise<{ differences: string[]; waiting?: string }> {
    const cert = await this.certs.inspect(this.request(ctx), tls.issuer);
    const out: string[] = [];
    if (cert.due) out.push(`${CERTIFICATE_DIFF} (${cert.due})`);
    const hba = await this.readHba(ctx);
    if (hba?.data?.[HBA_FILE] !== hbaConfig(tls)) out.push(HBA_DIFF);
    // cert-manager not Ready for too long: the server goes on with the certificate it has, and the user hears why.
    const problem = cert.problem ? { waiting: cert.problem } : {};
    if (cert.due || !admin || !cert.serial || cert.serial === tls.serial) return { differences: out, ...problem };
    if (await mountedCertificateIs(admin, cert.certPem ?? '')) return { differences: [...out, RELOAD_DIFF], ...problem };
    return { differences: out, waiting: [`certificate ${cert.serial} waits for the kubelet to update the files mounted into pod ${workloadName(ctx.name)}-0`, cert.problem].filter(Boolean).join('; ') };
  }

  /**
   * Certificate and pg_hba in place (before the pod exists); the state records the certificate the
   * pod will load. `pending` while cert-manager has not issued it yet: the pod waits for it.
   */
  async ensure(ctx: ServerContext, tls: ServerTls): Promise<{ state: BackendState; pending?: { message: string; retryAfterSeconds: number } }> {
    await this.ensureHba(ctx, tls);
    const cert = await this.certs.ensure(this.request(ctx), tls.issuer);
    if ('pending' in cert) return { state: ctx.state, pending: { message: cert.pending, retryAfterSeconds: cert.retryAfterSeconds } };
    return { state: withTls(ctx.state, { ...tls, serial: cert.serial, ca: cert.caPem }) };
  }

  /** The CA (bundle, while a certificate of another CA is still served) clients verify this server with. */
  caPem(ctx: ServerContext, tls: ServerTls): Promise<string> {
    return this.certs.trustedCa(this.request(ctx), tls);
  }

  /**
   * Acts on the TLS differences: renews the certificate and rewrites pg_hba (the served serial is
   * kept, so a later look finds the reload due once the kubelet has updated the mounted file), or
   * reloads PostgreSQL when observe found the new certificate mounted.
   */
  async update(ctx: ServerContext, tls: ServerTls, differences: string[], admin: AdminConnection): Promise<{ state: BackendState }> {
    if (differences.some((d) => d.startsWith(CERTIFICATE_DIFF) || d === HBA_DIFF)) {
      // A certificate cert-manager has still to issue is looked at again by the next observe.
      await this.certs.ensure(this.request(ctx), tls.issuer);
      await this.ensureHba(ctx, tls);
      return { state: ctx.state };
    }
    if (!differences.includes(RELOAD_DIFF)) return { state: ctx.state };
    // Observe saw the renewed certificate in the mounted file: PostgreSQL serves it after a reload.
    const cert = await this.certs.inspect(this.request(ctx), tls.issuer);
    await reloadConfiguration(admin);
    return { state: withTls(ctx.state, { ...tls, serial: cert.serial, ca: cert.caPem }) };
  }

  /** Whether the server's pg_hba (from its ConfigMap) refuses TCP clients without TLS. */
  async hbaRequiresTls(ctx: ServerContext): Promise<boolean> {
    return (await this.readHba(ctx))?.data?.[HBA_FILE]?.includes('host all all all reject') ?? false;
  }

  private request(ctx: ServerContext): CertificateRequest {
    return {
      namespace: ctx.namespace,
      secretName: tlsSecretName(ctx.name),
      dnsNames: serviceDnsNames(workloadName(ctx.name), ctx.namespace),
      owner: ctx.owner,
      labels: ctx.labels,
      validDays: this.settings.certificate_days,
      renewBeforeDays: this.settings.renew_before_days,
    };
  }

  private async readHba(ctx: ServerContext): Promise<k8s.V1ConfigMap | undefined> {
    try {
      return await this.kube.core.readNamespacedConfigMap({ name: hbaConfigMapName(ctx.name), namespace: ctx.namespace });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async ensureHba(ctx: ServerContext, tls: ServerTls): Promise<void> {
    const body = buildHbaConfigMap(ctx, hbaConfig(tls));
    try {
      await this.kube.core.createNamespacedConfigMap({ namespace: ctx.namespace, body });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      // Never take over a ConfigMap of that name that is not this server's (another workload's, or a deleted namesake's).
      const existing = await this.readHba(ctx);
      if (!existing) throw new TemporaryError(`ConfigMap ${body.metadata!.name!} went away while being written`, 1);
      if (!existing.metadata?.ownerReferences?.some((o) => o.uid === ctx.uid)) {
        throw new PermanentError(`ConfigMap ${body.metadata!.name!} exists and does not belong to this server; delete or rename it`, Reason.InvalidName);
      }
      await this.kube.core.patchNamespacedConfigMap({ name: body.metadata!.name!, namespace: ctx.namespace, body: { data: body.data } }, mergePatchOptions());
    }
  }
}
