import type * as k8s from '@kubernetes/client-node';
import { LABEL_COMPONENT, LABEL_SERVER } from '../../api/constants.js';
import { Reason } from '../../api/conditions.js';
import { PermanentError } from '../errors.js';
import type { BackupStatus } from '../../api/types.js';
import type { BackupSection } from '../../config/sections/backup.js';
import { isNotFound, type KubeClients } from '../../k8s/clients.js';
import { mergePatchOptions } from '../../k8s/patch.js';
import { backupPlan, backupStatus, type BackupPlan } from '../common/backup-plan.js';
import { observeRestore, startRestore, type RestoreObservation } from '../common/restore-job.js';
import { ACCESS_KEY_ID, SECRET_ACCESS_KEY } from '../common/s3-backup-containers.js';
import type { ServerContext } from '../types.js';
import { backupName, buildBackupClaim, buildBackupCronJob, buildRestoreJob, restoreJobName, type BackupSettings } from './backup-manifests.js';
import { SPEC_HASH_ANNOTATION } from './manifests.js';

/** What `observe` adds to its differences while the backup CronJob is missing or outdated. */
export const BACKUP_DIFFERENCE = 'backup schedule';
/** …while a restore asked for in `spec.restoreFrom` is still to be started. */
export const RESTORE_DIFFERENCE = 'restore';

export interface BackupObservation {
  /** The CronJob (or its removal) differs from the plan: `update` converges it. */
  differs: boolean;
  status?: BackupStatus;
  /** Something that will make the backups fail, said before they do (a missing credentials Secret). */
  warning?: string;
}

/**
 * The statefulset backend's backups and restores (ADR 0020): a CronJob and a claim per server,
 * converged like the StatefulSet (observe reads, `converge` writes, every step idempotent), and a
 * one-shot restore Job for a server created from a backup.
 */
export class StatefulSetBackups {
  constructor(
    private readonly kube: KubeClients,
    private readonly section: BackupSection,
  ) {}

  plan(ctx: ServerContext): BackupPlan | undefined {
    return backupPlan(ctx.spec, this.section);
  }

  async observe(ctx: ServerContext, settings: BackupSettings): Promise<BackupObservation> {
    const plan = this.plan(ctx);
    const cron = await read(() => this.kube.batch.readNamespacedCronJob({ name: backupName(ctx.name), namespace: ctx.namespace }));
    if (!plan) return { differs: cron?.metadata?.ownerReferences?.some((o) => o.uid === ctx.uid) ?? false };
    const desired = buildBackupCronJob(ctx, plan, settings);
    const differs = cron?.metadata?.annotations?.[SPEC_HASH_ANNOTATION] !== desired.metadata?.annotations?.[SPEC_HASH_ANNOTATION];
    const own = await this.ownRuns(ctx, cron);
    const warning = settings.s3 ? await this.credentialsProblem(ctx.namespace, settings.s3.credentialsSecret) : undefined;
    return { differs, status: backupStatus(plan, own.jobs, own.pods), ...(warning ? { warning } : {}) };
  }

  /**
   * S3 backups log in with the team's own Secret in the server's namespace (ADR 0023): a missing
   * Secret or key would leave the job's pod waiting forever (CreateContainerConfigError), not
   * failing, so the server's status says it at once. Only the key names are looked at.
   */
  private async credentialsProblem(namespace: string, name: string): Promise<string | undefined> {
    const secret = await read(() => this.kube.core.readNamespacedSecret({ name, namespace }));
    const need = `Secret ${name} in namespace ${namespace} with ${ACCESS_KEY_ID} and ${SECRET_ACCESS_KEY}`;
    if (!secret) return `backups to S3 cannot run: they need the ${need} (backup.s3.credentials_secret)`;
    const missing = [ACCESS_KEY_ID, SECRET_ACCESS_KEY].filter((k) => !secret.data?.[k]);
    return missing.length ? `backups to S3 cannot run: Secret ${name} has no ${missing.join(' or ')}` : undefined;
  }

  /** Only this server's CronJob, its Jobs and their pods: a deleted namesake's may still await GC. */
  private async ownRuns(ctx: ServerContext, cron: k8s.V1CronJob | undefined): Promise<{ jobs: k8s.V1Job[]; pods: k8s.V1Pod[] }> {
    const cronUid = cron?.metadata?.ownerReferences?.some((o) => o.uid === ctx.uid) ? cron.metadata?.uid : undefined;
    if (!cronUid) return { jobs: [], pods: [] };
    const selector = `${LABEL_SERVER}=${ctx.labels[LABEL_SERVER]},${LABEL_COMPONENT}=backup`;
    const [jobs, pods] = await Promise.all([
      this.kube.batch.listNamespacedJob({ namespace: ctx.namespace, labelSelector: selector }),
      this.kube.core.listNamespacedPod({ namespace: ctx.namespace, labelSelector: selector }),
    ]);
    const own = jobs.items.filter((j) => j.metadata?.ownerReferences?.some((o) => o.uid === cronUid));
    const jobUids = new Set(own.map((j) => j.metadata?.uid));
    return { jobs: own, pods: pods.items.filter((p) => p.metadata?.ownerReferences?.some((o) => jobUids.has(o.uid))) };
  }

  /** Creates the claim and creates or replaces the CronJob; removes the CronJob when backups are off (the claim and its backups stay). */
  async converge(ctx: ServerContext, settings: BackupSettings): Promise<void> {
    const plan = this.plan(ctx);
    const name = backupName(ctx.name);
    if (!plan) {
      // Only our own CronJob (owner reference to this server) is removed.
      const current = await read(() => this.kube.batch.readNamespacedCronJob({ name, namespace: ctx.namespace }));
      if (current?.metadata?.ownerReferences?.some((o) => o.uid === ctx.uid)) await ignore404(() => this.kube.batch.deleteNamespacedCronJob({ name, namespace: ctx.namespace }));
      return;
    }
    // With a bucket the backups need no claim (a claim made before stays, with its backups).
    if (!settings.s3) await createUnlessExists(() => this.kube.core.createNamespacedPersistentVolumeClaim({ namespace: ctx.namespace, body: buildBackupClaim(ctx, settings) }));
    const desired = buildBackupCronJob(ctx, plan, settings);
    const created = await createUnlessExists(() => this.kube.batch.createNamespacedCronJob({ namespace: ctx.namespace, body: desired }));
    if (created) return;
    // Ours (owner reference to this server) or refused: never take over someone else's CronJob.
    const current = await this.kube.batch.readNamespacedCronJob({ name, namespace: ctx.namespace });
    if (!current.metadata?.ownerReferences?.some((o) => o.uid === ctx.uid)) throw new PermanentError(`CronJob ${name} exists and does not belong to this server`, Reason.InvalidName);
    await this.kube.batch.patchNamespacedCronJob({ name, namespace: ctx.namespace, body: { metadata: { annotations: desired.metadata?.annotations, labels: desired.metadata?.labels }, spec: desired.spec } }, mergePatchOptions());
  }

  /** Where the restore of `ctx.restore` stands (read-only). */
  observeRestore(ctx: ServerContext): Promise<RestoreObservation> {
    return observeRestore(this.kube, ctx.namespace, restoreJobName(ctx.name), ctx.restore, ctx.uid);
  }

  async startRestore(ctx: ServerContext, settings: BackupSettings): Promise<void> {
    if (ctx.restore) await startRestore(this.kube, buildRestoreJob(ctx, ctx.restore, settings));
  }
}

async function read<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function ignore404(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** Creates; false when the object exists already (a retry after a kill, or someone else's). */
async function createUnlessExists(call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call();
    return true;
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
    return false;
  }
}
