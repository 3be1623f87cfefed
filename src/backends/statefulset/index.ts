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
import { Reason } from '../../api/conditions.js';
import type {
  Problem,
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
import { BACKUP_DIFFERENCE, RESTORE_DIFFERENCE, StatefulSetBackups } from './backups.js';
import { restoreObservation } from '../common/restore-job.js';
import { holdsAdoptedSettings, KEPT } from '../common/adoption.js';
import type { BackupSettings } from './backup-manifests.js';
import { buildService, buildStatefulSet, PORT, pvcName, SPEC_HASH_ANNOTATION, workloadName, type PodSettings } from './manifests.js';

const CREATING_RETRY_SECONDS = 5;
/** Differences `update` converges without touching the StatefulSet's pod template. */
const NOT_IN_POD_TEMPLATE = new Set(['storage', 'service type', BACKUP_DIFFERENCE, RESTORE_DIFFERENCE]);

/**
 * The default backend: PostgreSQL as a StatefulSet of the official image inside the cluster,
 * with a PVC, a Service and probes. No cloud account needed.
 */
export class StatefulSetBackend implements ServerBackend {
  readonly name = 'statefulset';
  readonly supportsRestore = true;
  private readonly backups: StatefulSetBackups;

  constructor(
    private readonly kube: KubeClients,
    private readonly section: StatefulSetSection,
    /** `python_takeover.apply_differences`: adopted servers get this operator's additions (backups) at once. */
    private readonly applyAdoptionDifferences = false,
  ) {
    this.backups = new StatefulSetBackups(kube, section.backup);
  }

  validate(spec: ServerSpec): ValidationResult {
    const problems = checkLimits(spec.size, this.section);
    const sized = !spec.size.class && (spec.size.cpu !== undefined || spec.size.memoryMB !== undefined);
    const cls = sized ? undefined : resolveClass(this.section.classes, this.section.default_class, spec.size.class);
    if (cls && !cls.ok) problems.push(cls.problem);
    const version = resolveMajorVersion(spec.version, this.supportedVersions());
    if (!version.ok) problems.push(version.problem);
    problems.push(...parameterProblems(spec.serverParameters));
    if (problems.length || !version.ok) return { ok: false, problems };
    return { ok: true, resolved: { version: version.version, sizeClass: cls?.ok ? cls.name : undefined } };
  }

  async observe(ctx: ServerContext): Promise<ServerObservation> {
    const name = workloadName(ctx.name);
    const sts = await this.read(() => this.kube.apps.readNamespacedStatefulSet({ name, namespace: ctx.namespace }));
    if (!sts) return { exists: false, ready: false, upToDate: false };
    const [svc, pvc] = await Promise.all([
      this.read(() => this.kube.core.readNamespacedService({ name, namespace: ctx.namespace })),
      this.read(() => this.kube.core.readNamespacedPersistentVolumeClaim({ name: pvcName(ctx.name), namespace: ctx.namespace })),
    ]);
    const desired = buildStatefulSet(ctx, this.podSettings(ctx));
    const differences = this.differences(ctx, sts, desired, svc, pvc);
    const status = sts.status ?? { replicas: 0 };
    const rolling = (status.observedGeneration ?? 0) < (sts.metadata?.generation ?? 0) || (status.updateRevision !== undefined && status.updateRevision !== status.currentRevision);
    const ready = (status.readyReplicas ?? 0) >= 1;
    const observed: ServerObservation = {
      exists: true,
      ready,
      busy: rolling,
      upToDate: differences.length === 0,
      differences,
      endpoint: this.endpoint(ctx),
      message: ready ? (rolling ? 'rolling out a change' : 'running') : `waiting for pod ${name}-0 to be ready`,
      retryAfterSeconds: ready && !rolling ? undefined : CREATING_RETRY_SECONDS,
    };
    return this.withBackups(ctx, observed);
  }

  /**
   * Backups and restore (ADR 0020, `backups.ts`) on top of the server's own observation: their
   * differences for `update`, `status.backup`, and a restore that holds readiness back until done.
   */
  private async withBackups(ctx: ServerContext, observed: ServerObservation): Promise<ServerObservation> {
    const backup = await this.backups.observe(ctx, this.backupSettings(ctx));
    const restore = await this.backups.observeRestore(ctx);
    // A server taken over from the Python operator (which made no backups) gets them once its spec
    // changes or the admin opts in, like any setting this operator would choose differently.
    const held = backup.differs && holdsAdoptedSettings(ctx, this.applyAdoptionDifferences);
    const differences = [...(observed.differences ?? []), ...(backup.differs && !held ? [BACKUP_DIFFERENCE] : [])];
    // The restore Job connects to the server: started once its pod is ready.
    if (restore.phase === 'start' && observed.ready) differences.push(RESTORE_DIFFERENCE);
    const out: ServerObservation = { ...observed, differences, upToDate: differences.length === 0, ...(backup.status && !held ? { backup: backup.status } : {}) };
    if (held) out.adoptionDifferences = [...(observed.adoptionDifferences ?? []), `${KEPT} ${BACKUP_DIFFERENCE} (the Python operator scheduled no backups)`];
    if (restore.phase === 'done') return { ...out, restoredFrom: restore.restoredFrom };
    return restoreObservation(out, restore, CREATING_RETRY_SECONDS);
  }

  private backupSettings(ctx: ServerContext): BackupSettings {
    const backup = this.section.backup;
    return {
      image: this.podSettings(ctx).image,
      adminUsername: this.section.admin_username,
      storageGB: backup.storage_gb ?? 2 * ctx.spec.size.storageGB,
      storageClass: backup.storage_class || this.section.storage_class || undefined,
    };
  }

  async create(ctx: ServerContext): Promise<ActionResult> {
    const pod = this.podSettings(ctx);
    await this.createIfMissing(() => this.kube.core.createNamespacedService({ namespace: ctx.namespace, body: buildService(ctx, pod) }));
    await this.createIfMissing(() => this.kube.apps.createNamespacedStatefulSet({ namespace: ctx.namespace, body: buildStatefulSet(ctx, pod) }));
    return { message: `creating StatefulSet ${workloadName(ctx.name)}`, retryAfterSeconds: CREATING_RETRY_SECONDS };
  }

  async update(ctx: ServerContext, observed: ServerObservation): Promise<ActionResult> {
    const pod = this.podSettings(ctx);
    const name = workloadName(ctx.name);
    const desired = buildStatefulSet(ctx, pod);
    const diffs = observed.differences ?? [];
    if (diffs.some((d) => !NOT_IN_POD_TEMPLATE.has(d))) {
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
    return { message: `updating ${diffs.join(', ')}`, retryAfterSeconds: CREATING_RETRY_SECONDS };
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
    return applyAdminPassword(this.adminConnection(ctx, endpoint), password);
  }

  adminConnection(ctx: ServerContext, endpoint: Endpoint): AdminConnection {
    const override = this.section.operator_endpoint
      ? renderPattern(this.section.operator_endpoint, { namespace: ctx.namespace, name: ctx.name }).replaceAll('{service}', workloadName(ctx.name))
      : '';
    const [host, port] = override ? splitHostPort(override) : [endpoint.host, endpoint.port];
    return { host, port, user: this.section.admin_username, password: ctx.adminPassword, database: 'postgres', sslmode: 'disable' };
  }

  databasePolicy(): DatabasePolicy {
    return { dropOnDelete: !this.section.database_delete_fake, allowedExtensions: this.section.allowed_extensions ?? [] };
  }

  private endpoint(ctx: ServerContext): Endpoint {
    // In-cluster traffic without TLS: the official image ships no certificate.
    return { host: `${workloadName(ctx.name)}.${ctx.namespace}.svc`, port: PORT, sslmode: 'disable' };
  }

  private supportedVersions(): string[] {
    return Object.keys(this.section.image.tags).sort((a, b) => Number(a) - Number(b));
  }

  private podSettings(ctx: ServerContext): PodSettings {
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
    };
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

/**
 * Server parameters become `-c name=value` arguments of the postgres process (no shell involved).
 * Names must look like PostgreSQL settings; parameters that would hand the tenant a way to run
 * programs as the server or to break start-up are refused.
 */
const PARAMETER_NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$/;
const REFUSED_PARAMETERS = new Set(['archive_command', 'restore_command', 'archive_cleanup_command', 'recovery_end_command', 'ssl_passphrase_command', 'data_directory', 'config_file', 'hba_file', 'ident_file', 'listen_addresses', 'port', 'unix_socket_directories']);

export function parameterProblems(parameters: Record<string, string | number> | undefined): Problem[] {
  const problems: Problem[] = [];
  for (const [name, value] of Object.entries(parameters ?? {})) {
    const field = `spec.serverParameters.${name}`;
    if (!PARAMETER_NAME.test(name)) problems.push({ reason: Reason.InvalidSpec, field, message: 'not a PostgreSQL parameter name' });
    else if (REFUSED_PARAMETERS.has(name)) problems.push({ reason: Reason.InvalidSpec, field, message: 'managed by the operator; cannot be set' });
    if (/[\n\r\0]/.test(String(value))) problems.push({ reason: Reason.InvalidSpec, field, message: 'value must be a single line' });
  }
  return problems;
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
  new StatefulSetBackend(deps.kube, backendSection<StatefulSetSection>(deps.config, 'statefulset'), deps.config.python_takeover.apply_differences);
