import type * as k8s from '@kubernetes/client-node';
import { mergePatchOptions } from '../../k8s/patch.js';
import type { ServerSpec } from '../../api/types.js';
import { isNotFound, type KubeClients } from '../../k8s/clients.js';
import { checkLimits, resolveClass } from '../common/sizing.js';
import { resolveMajorVersion } from '../common/versions.js';
import { renderPattern } from '../common/naming.js';
import { applyAdminPassword } from '../common/admin-password.js';
import { backendSection } from '../../config/backend-section.js';
import type { StatefulSetSection } from '../../config/sections/statefulset.js';
import type { TlsSettings } from '../../config/sections/tls.js';
import { DEFAULT_DENIED_PARAMETERS } from '../../config/sections/server-parameters.js';
import { serverCertificates, type ServerCertificates } from '../common/tls/certificate-source.js';
import { chooseServerTls, NO_TLS, recordedTls, withTls, type ServerTls } from '../common/tls/server-tls.js';
import { ServerTlsFiles } from './tls.js';
import { applyServerParameters, observeParameters, PARAMETERS_DIFF, parameterMode, RESTART_DIFF, restartState, restartToken, withRunningRestartToken } from './parameters.js';
import { parameterProblems } from '../common/parameters/rules.js';
import { ignoredFieldsWarning } from '../common/ignored-fields.js';
import { holdForWindow, joinHolds, maintenanceStatus, type WindowHold } from '../common/maintenance-window.js';
import type {
  ActionResult,
  AdminConnection,
  BackendDeps,
  BackendFactory,
  DatabasePolicy,
  DeleteResult,
  Endpoint,
  PasswordResult,
  ServerBackend,
  ServerContext,
  ServerObservation,
  ValidationResult,
} from '../types.js';
import { buildService, buildStatefulSet, PORT, pvcName, RESTART_ANNOTATION, runsTls, SPEC_HASH_ANNOTATION, workloadName, type PodSettings } from './manifests.js';
import { BACKUP_DIFFERENCE, RESTORE_DIFFERENCE, StatefulSetBackups } from './backups.js';
import { restoreObservation } from '../common/restore-job.js';
import { checkedAgainstMarker } from '../common/restore-marker.js';
import { holdsAdoptedSettings, KEPT } from '../common/adoption.js';
import type { BackupSettings } from './backup-manifests.js';
import { s3Target } from '../common/s3-backup-containers.js';

const CREATING_RETRY_SECONDS = 5;
/** How often to look whether the kubelet has put a renewed certificate into the pod. */
const TLS_RELOAD_LOOK_SECONDS = 15;

/**
 * The default backend: PostgreSQL as a StatefulSet of the official image inside the cluster,
 * with a PVC, a Service and probes. No cloud account needed.
 */
export class StatefulSetBackend implements ServerBackend {
  readonly name = 'statefulset';
  readonly supportedActions = ['restart'] as const;
  readonly supportsRestore = true;
  private readonly backups: StatefulSetBackups;

  private readonly tlsFiles: ServerTlsFiles;

  constructor(
    private readonly kube: KubeClients,
    private readonly section: StatefulSetSection,
    private readonly tls: TlsSettings,
    certs: ServerCertificates,
    private readonly deniedParameters: readonly string[] = DEFAULT_DENIED_PARAMETERS,
    /** `python_takeover.apply_differences`: adopted servers get this operator's additions (backups) at once. */
    private readonly applyAdoptionDifferences = false,
    /** The operator's own image (OPERATOR_IMAGE, set by the chart): it uploads S3 backups unless backup.s3.uploader_image names another. */
    private readonly operatorImage?: string,
  ) {
    this.tlsFiles = new ServerTlsFiles(kube, certs, tls);
    this.backups = new StatefulSetBackups(kube, section.backup);
  }

  validate(spec: ServerSpec): ValidationResult {
    const problems = checkLimits(spec.size, this.section);
    const sized = !spec.size.class && (spec.size.cpu !== undefined || spec.size.memoryMB !== undefined);
    const cls = sized ? undefined : resolveClass(this.section.classes, this.section.default_class, spec.size.class);
    if (cls && !cls.ok) problems.push(cls.problem);
    const version = resolveMajorVersion(spec.version, this.supportedVersions());
    if (!version.ok) problems.push(version.problem);
    problems.push(...parameterProblems(spec.serverParameters, this.deniedParameters));
    if (problems.length || !version.ok) return { ok: false, problems };
    return { ok: true, resolved: { version: version.version, sizeClass: cls?.ok ? cls.name : undefined } };
  }

  async observe(ctx: ServerContext): Promise<ServerObservation> {
    const name = workloadName(ctx.name);
    const sts = await this.read(() => this.kube.apps.readNamespacedStatefulSet({ name, namespace: ctx.namespace }));
    const tls = await this.tlsChoice(ctx, sts);
    const mode = parameterMode(ctx, sts);
    let state = withTls(ctx.state, tls);
    if (JSON.stringify(state.parameters) !== JSON.stringify(mode)) state = { ...state, parameters: mode };
    // A restart made but not recorded (a kill before the status write) is not made again.
    state = withRunningRestartToken({ ...ctx, state }, sts?.spec?.template.metadata?.annotations?.[RESTART_ANNOTATION]);
    const tlsCtx = { ...ctx, state };
    if (!sts) return { exists: false, ready: false, upToDate: false, ...(state === ctx.state ? {} : { state }) };
    const [svc, pvc] = await Promise.all([
      this.read(() => this.kube.core.readNamespacedService({ name, namespace: ctx.namespace })),
      this.read(() => this.kube.core.readNamespacedPersistentVolumeClaim({ name: pvcName(ctx.name), namespace: ctx.namespace })),
    ]);
    const desired = buildStatefulSet(tlsCtx, this.podSettings(tlsCtx, tls));
    const status = sts.status ?? { replicas: 0 };
    const rolling = (status.observedGeneration ?? 0) < (sts.metadata?.generation ?? 0) || (status.updateRevision !== undefined && status.updateRevision !== status.currentRevision);
    const ready = (status.readyReplicas ?? 0) >= 1;
    const endpoint = await this.endpoint(ctx, tls);
    const tlsLook = tls.enabled ? await this.tlsFiles.differences(tlsCtx, tls, ready && !rolling ? await this.adminConnection(tlsCtx, endpoint) : undefined) : { differences: [] };
    const differences = [...tlsLook.differences, ...this.differences(ctx, sts, desired, svc, pvc)];
    const heldImage = ready ? this.imageHeldForWindow(tlsCtx, sts, tls) : undefined;
    if (heldImage) differences.splice(differences.indexOf('pod template'), 1);
    // Parameters are looked at in the running server, once nothing else is to do.
    const params = ready && !rolling && differences.length === 0 && mode.mode === 'sql'
      ? await observeParameters(tlsCtx, await this.adminConnection(tlsCtx, endpoint), this.deniedParameters)
      : undefined;
    if (params) differences.push(...params.differences);
    const finalState = params?.state ?? state;
    const held = joinHolds(heldImage, params?.held);
    const warning = [ignoredFieldsWarning(this.name, ctx.spec), params?.warning, tlsLook.waiting].filter(Boolean).join('; ');
    const observed: ServerObservation = {
      exists: true,
      ready,
      busy: rolling,
      upToDate: differences.length === 0,
      differences,
      endpoint,
      message: ready ? (rolling ? 'rolling out a change' : 'running') : `waiting for pod ${name}-0 to be ready`,
      retryAfterSeconds: ready && !rolling ? minDefined(held?.retryAfterSeconds, tlsLook.waiting ? TLS_RELOAD_LOOK_SECONDS : undefined) : CREATING_RETRY_SECONDS,
      ...(warning ? { warning } : {}),
      ...(held ? { maintenance: maintenanceStatus(held) } : {}),
      ...(finalState === ctx.state ? {} : { state: finalState }),
    };
    return this.withBackups(tlsCtx, observed);
  }

  /**
   * Backups and restore (ADR 0020, `backups.ts`) on top of the server's own observation: their
   * differences for `update`, `status.backup`, and a restore that holds readiness back until done.
   */
  private async withBackups(ctx: ServerContext, observed: ServerObservation): Promise<ServerObservation> {
    const backup = await this.backups.observe(ctx, this.backupSettings(ctx));
    const endpoint = observed.ready ? observed.endpoint : undefined;
    // Status and Job both lost after a finished restore: the marker in the data says so (ADR 0020).
    const restore = await checkedAgainstMarker(await this.backups.observeRestore(ctx), ctx.restore, endpoint ? () => this.adminConnection(ctx, endpoint) : undefined);
    // A server taken over from the Python operator (which made no backups) gets them once its spec
    // changes or the admin opts in, like any setting this operator would choose differently.
    const held = backup.differs && holdsAdoptedSettings(ctx, this.applyAdoptionDifferences);
    const differences = [...(observed.differences ?? []), ...(backup.differs && !held ? [BACKUP_DIFFERENCE] : [])];
    // The restore Job connects to the server: started once its pod is ready.
    if (restore.phase === 'start' && observed.ready) differences.push(RESTORE_DIFFERENCE);
    const warning = [observed.warning, held ? undefined : backup.warning].filter(Boolean).join('; ');
    const out: ServerObservation = { ...observed, differences, upToDate: differences.length === 0, ...(backup.status && !held ? { backup: backup.status } : {}), ...(warning ? { warning } : {}) };
    if (held) out.adoptionDifferences = [...(observed.adoptionDifferences ?? []), `${KEPT} ${BACKUP_DIFFERENCE} (the Python operator scheduled no backups)`];
    if (restore.phase === 'done') return { ...out, restoredFrom: restore.restoredFrom };
    return restoreObservation(out, restore, CREATING_RETRY_SECONDS);
  }

  private backupSettings(ctx: ServerContext): BackupSettings {
    const backup = this.section.backup;
    return {
      image: this.podSettings(ctx, this.recorded(ctx)).image,
      adminUsername: this.section.admin_username,
      storageGB: backup.storage_gb ?? 2 * ctx.spec.size.storageGB,
      storageClass: backup.storage_class || this.section.storage_class || undefined,
      s3: s3Target(backup.s3, this.operatorImage),
    };
  }

  async create(ctx: ServerContext): Promise<ActionResult> {
    const tls = this.recorded(ctx);
    const pod = this.podSettings(ctx, tls);
    // The certificate and pg_hba first: the pod cannot start without its volumes.
    const files = tls.enabled ? await this.tlsFiles.ensure(ctx, tls) : { state: ctx.state };
    if (files.pending) return { ...files.pending, state: files.state };
    const state = files.state;
    await this.createIfMissing(() => this.kube.core.createNamespacedService({ namespace: ctx.namespace, body: buildService(ctx, pod) }));
    await this.createIfMissing(() => this.kube.apps.createNamespacedStatefulSet({ namespace: ctx.namespace, body: buildStatefulSet(ctx, pod) }));
    return { message: `creating StatefulSet ${workloadName(ctx.name)}`, retryAfterSeconds: CREATING_RETRY_SECONDS, state };
  }

  async update(ctx: ServerContext, observed: ServerObservation): Promise<ActionResult> {
    const tls = this.recorded(ctx);
    const diffs = observed.differences ?? [];
    if (diffs.some((d) => d.startsWith(PARAMETERS_DIFF))) {
      const applied = await applyServerParameters(ctx, await this.adminConnection(ctx, await this.endpoint(ctx, tls)), this.deniedParameters);
      return { message: `server parameters applied${applied.pendingRestart.length ? `; ${applied.pendingRestart.join(', ')} need a restart` : ' without a restart'}`, retryAfterSeconds: 1, state: applied.state };
    }
    // A roll asked for by the label, or one that happens anyway while it is set, is the restart it asks for.
    if (diffs.some((d) => d.startsWith(RESTART_DIFF)) || (ctx.requestedAction === 'restart' && diffs.includes('pod template'))) {
      ctx = { ...ctx, state: restartState(ctx) };
      diffs.push('pod template');
    }
    const pod = this.podSettings(ctx, tls);
    const name = workloadName(ctx.name);
    const desired = buildStatefulSet(ctx, pod);
    let state = ctx.state;
    if (tls.enabled) {
      state = (await this.tlsFiles.update(ctx, tls, diffs, await this.adminConnection(ctx, await this.endpoint(ctx, tls)))).state;
    }
    const podDiffs = diffs.filter((d) => d === 'pod template');
    if (podDiffs.length) {
      await this.kube.apps.patchNamespacedStatefulSet(
        { name, namespace: ctx.namespace, body: { metadata: { annotations: desired.metadata?.annotations, labels: desired.metadata?.labels }, spec: { template: desired.spec?.template } } },
        mergePatchOptions(),
      );
    }
    if (diffs.includes('service type')) {
      await this.kube.core.patchNamespacedService({ name, namespace: ctx.namespace, body: { spec: { type: pod.serviceType } } }, mergePatchOptions());
    }
    if (diffs.includes('storage')) {
      // volumeClaimTemplates are immutable: the claim itself is resized (needs allowVolumeExpansion).
      await this.kube.core.patchNamespacedPersistentVolumeClaim(
        { name: pvcName(ctx.name), namespace: ctx.namespace, body: { spec: { resources: { requests: { storage: `${ctx.spec.size.storageGB}Gi` } } } } },
        mergePatchOptions(),
      );
    }
    if (diffs.includes(BACKUP_DIFFERENCE)) await this.backups.converge(ctx, this.backupSettings(ctx));
    if (diffs.includes(RESTORE_DIFFERENCE)) await this.backups.startRestore(ctx, this.backupSettings(ctx));
    return { message: `updating ${diffs.join(', ')}`, retryAfterSeconds: CREATING_RETRY_SECONDS, state };
  }

  async delete(ctx: ServerContext): Promise<DeleteResult> {
    const name = workloadName(ctx.name);
    const namespace = ctx.namespace;
    await this.ignoreMissing(() => this.kube.apps.deleteNamespacedStatefulSet({ name, namespace }));
    await this.ignoreMissing(() => this.kube.core.deleteNamespacedService({ name, namespace }));
    if (this.section.pvc_cleanup) {
      const selector = Object.entries(ctx.labels).map(([k, v]) => `${k}=${v}`).join(',');
      const pvcs = await this.kube.core.listNamespacedPersistentVolumeClaim({ namespace, labelSelector: selector });
      await Promise.all(pvcs.items.map((p) => this.ignoreMissing(() => this.kube.core.deleteNamespacedPersistentVolumeClaim({ name: p.metadata!.name!, namespace }))));
    }
    const left = await this.read(() => this.kube.apps.readNamespacedStatefulSet({ name, namespace }));
    if (left) return { gone: false, message: `waiting for StatefulSet ${name} to be deleted`, retryAfterSeconds: 3 };
    const kept = this.section.pvc_cleanup ? 'volumes deleted' : `volume claim ${pvcName(ctx.name)} kept (pvc_cleanup is off)`;
    return { gone: true, message: `StatefulSet ${name} deleted; ${kept}` };
  }

  async setAdminPassword(ctx: ServerContext, password: string, endpoint: Endpoint | undefined): Promise<PasswordResult> {
    if (!endpoint) return { applied: false, message: 'server has no endpoint yet', retryAfterSeconds: CREATING_RETRY_SECONDS };
    return applyAdminPassword(await this.adminConnection(ctx, endpoint), password);
  }

  async adminConnection(ctx: ServerContext, endpoint: Endpoint): Promise<AdminConnection> {
    const override = this.section.operator_endpoint
      ? renderPattern(this.section.operator_endpoint, { namespace: ctx.namespace, name: ctx.name }).replaceAll('{service}', workloadName(ctx.name))
      : '';
    const [host, port] = override ? splitHostPort(override) : [endpoint.host, endpoint.port];
    const base = { host, port, user: this.section.admin_username, password: ctx.adminPassword, database: 'postgres' };
    const tls = this.recorded(ctx);
    if (!tls.enabled) return { ...base, sslmode: 'disable' };
    const caCert = await this.tlsFiles.caPem(ctx, tls);
    // The operator verifies the server as its clients do, by the Service name in the certificate,
    // wherever it connects to (operator_endpoint may be a port-forward).
    return { ...base, sslmode: 'verify-full', caCert, tlsServerName: this.serviceHost(ctx) };
  }

  databasePolicy(): DatabasePolicy {
    return { dropOnDelete: !this.section.database_delete_fake, allowedExtensions: this.section.allowed_extensions ?? [] };
  }

  private serviceHost(ctx: ServerContext): string {
    return `${workloadName(ctx.name)}.${ctx.namespace}.svc`;
  }

  private async endpoint(ctx: ServerContext, tls: ServerTls): Promise<Endpoint> {
    if (!tls.enabled) return { host: this.serviceHost(ctx), port: PORT, sslmode: 'disable' };
    return { host: this.serviceHost(ctx), port: PORT, sslmode: 'verify-full', caCert: await this.tlsFiles.caPem(ctx, tls) };
  }

  /** The TLS choice for this reconcile (see server-tls.ts): recorded, what runs, or the config's. */
  private async tlsChoice(ctx: ServerContext, sts: k8s.V1StatefulSet | undefined): Promise<ServerTls> {
    const running = sts ? await this.runningTls(ctx, sts) : undefined;
    return chooseServerTls(ctx, this.tls, running);
  }

  private async runningTls(ctx: ServerContext, sts: k8s.V1StatefulSet): Promise<{ enabled: boolean; require: boolean }> {
    const enabled = runsTls(sts).enabled;
    return { enabled, require: enabled && (await this.tlsFiles.hbaRequiresTls(ctx)) };
  }

  /** The choice observe recorded in the state (create, update and adminConnection run after it); none yet: no TLS. */
  private recorded(ctx: ServerContext): ServerTls {
    return recordedTls(ctx.state) ?? { ...NO_TLS, generation: ctx.generation };
  }

  private supportedVersions(): string[] {
    return Object.keys(this.section.image.tags).sort((a, b) => Number(a) - Number(b));
  }

  private podSettings(ctx: ServerContext, tls: ServerTls): PodSettings {
    const cls = ctx.resolved.sizeClass ? this.section.classes[ctx.resolved.sizeClass] : undefined;
    const cpu = cls?.cpu ?? String(ctx.spec.size.cpu ?? 1);
    const memory = cls?.memory ?? `${ctx.spec.size.memoryMB ?? 512}Mi`;
    const tag = this.section.image.tags[ctx.resolved.version] ?? ctx.resolved.version;
    return {
      image: `${this.section.image.repository}:${tag}`,
      cpu: String(cpu),
      memory: String(memory),
      adminUsername: this.section.admin_username,
      storageClass: this.section.storage_class || undefined,
      serviceType: this.section.service_type,
      ...(tls.enabled ? { tls: this.tlsFiles.podTls(ctx, tls) } : {}),
      parametersAsArgs: parameterMode(ctx, undefined).mode === 'args',
      ...(restartToken(ctx) ? { restartToken: restartToken(ctx) } : {}),
    };
  }

  /**
   * A new image from the config (not a spec change) restarts a running server only in its
   * maintenance window, or now with operator/action: restart; a server without a window takes it
   * at once. Undefined when nothing is held.
   */
  private imageHeldForWindow(ctx: ServerContext, sts: k8s.V1StatefulSet, tls: ServerTls): WindowHold | undefined {
    const running = sts.spec?.template.spec?.containers[0]?.image;
    const pod = this.podSettings(ctx, tls);
    if (!running || running === pod.image || ctx.requestedAction === 'restart') return undefined;
    // Only the image differs: the pod as desired, but with the image that runs, is what runs.
    const sameImage = buildStatefulSet(ctx, { ...pod, image: running });
    if (sameImage.metadata?.annotations?.[SPEC_HASH_ANNOTATION] !== sts.metadata?.annotations?.[SPEC_HASH_ANNOTATION]) return undefined;
    return holdForWindow(ctx.spec, [`image ${running} → ${pod.image}`], new Date());
  }

  private differences(ctx: ServerContext, sts: k8s.V1StatefulSet, desired: k8s.V1StatefulSet, svc?: k8s.V1Service, pvc?: k8s.V1PersistentVolumeClaim): string[] {
    const out: string[] = [];
    if (sts.metadata?.annotations?.[SPEC_HASH_ANNOTATION] !== desired.metadata?.annotations?.[SPEC_HASH_ANNOTATION]) out.push('pod template');
    if (svc && svc.spec?.type !== this.section.service_type) out.push('service type');
    const requested = pvc?.spec?.resources?.requests?.storage;
    if (requested && gibibytes(requested) < ctx.spec.size.storageGB) out.push('storage');
    return out;
  }

  private async read<T>(call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await call();
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async createIfMissing(call: () => Promise<unknown>): Promise<void> {
    try {
      await call();
    } catch (err) {
      // Already there (a retry after a kill): the next observe compares and updates it.
      if ((err as { code?: number }).code !== 409) throw err;
    }
  }

  private async ignoreMissing(call: () => Promise<unknown>): Promise<void> {
    try {
      await call();
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

function splitHostPort(value: string): [string, number] {
  const i = value.lastIndexOf(':');
  return i > 0 ? [value.slice(0, i), Number(value.slice(i + 1))] : [value, PORT];
}

/** A Kubernetes storage quantity in GiB (Gi, G, Mi, Ti; plain bytes). */
export function gibibytes(quantity: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMGTP]i?)?$/.exec(quantity.trim());
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  const unit: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15 };
  return (n * (m[2] ? (unit[m[2]] ?? 1) : 1)) / 2 ** 30;
}

export const createStatefulSetBackend: BackendFactory = (deps: BackendDeps) =>
  new StatefulSetBackend(deps.kube, backendSection<StatefulSetSection>(deps.config, 'statefulset'), deps.config.tls, serverCertificates(deps), deps.config.server_parameters.denied, deps.config.python_takeover.apply_differences, process.env.OPERATOR_IMAGE);

function minDefined(...values: Array<number | undefined>): number | undefined {
  const set = values.filter((v): v is number => v !== undefined);
  return set.length ? Math.min(...set) : undefined;
}
