import type { BackupSection } from '../../config/sections/backup.js';
import type { KubeClients } from '../../k8s/clients.js';
import { backupPlan, type BackupPlan } from '../common/backup-plan.js';
import { BackupCronJobs, createUnlessExists, type BackupObservation } from '../common/backup-cronjob-sync.js';
import { observeRestore, startRestore, type RestoreObservation } from '../common/restore-job.js';
import type { ServerContext } from '../types.js';
import { backupName, buildBackupClaim, buildBackupCronJob, buildRestoreJob, restoreJobName, type BackupSettings } from './backup-manifests.js';

export { BACKUP_DIFFERENCE, type BackupObservation } from '../common/backup-cronjob-sync.js';
/** …while a restore asked for in `spec.restoreFrom` is still to be started. */
export const RESTORE_DIFFERENCE = 'restore';

/**
 * The statefulset backend's backups and restores (ADR 0020): a CronJob and a claim per server,
 * converged like the StatefulSet (observe reads, `converge` writes, every step idempotent; the
 * CronJob through common/backup-cronjob-sync.ts), and a one-shot restore Job for a server created
 * from a backup.
 */
export class StatefulSetBackups {
  private readonly cronJobs: BackupCronJobs;

  constructor(
    private readonly kube: KubeClients,
    private readonly section: BackupSection,
  ) {
    this.cronJobs = new BackupCronJobs(kube);
  }

  plan(ctx: ServerContext): BackupPlan | undefined {
    return backupPlan(ctx.spec, this.section);
  }

  observe(ctx: ServerContext, settings: BackupSettings): Promise<BackupObservation> {
    const plan = this.plan(ctx);
    const desired = plan ? { cron: buildBackupCronJob(ctx, plan, settings), plan, ...(settings.s3 ? { s3: settings.s3 } : {}) } : undefined;
    return this.cronJobs.observe(ctx, backupName(ctx.name), desired);
  }

  /** Creates the claim and creates or replaces the CronJob; removes the CronJob when backups are off (the claim and its backups stay). */
  async converge(ctx: ServerContext, settings: BackupSettings): Promise<void> {
    const plan = this.plan(ctx);
    // With a bucket the backups need no claim (a claim made before stays, with its backups).
    if (plan && !settings.s3) await createUnlessExists(() => this.kube.core.createNamespacedPersistentVolumeClaim({ namespace: ctx.namespace, body: buildBackupClaim(ctx, settings) }));
    await this.cronJobs.converge(ctx, backupName(ctx.name), plan && buildBackupCronJob(ctx, plan, settings));
  }

  /** Where the restore of `ctx.restore` stands (read-only). */
  observeRestore(ctx: ServerContext): Promise<RestoreObservation> {
    return observeRestore(this.kube, ctx.namespace, restoreJobName(ctx.name), ctx.restore, ctx.uid);
  }

  async startRestore(ctx: ServerContext, settings: BackupSettings): Promise<void> {
    if (ctx.restore) await startRestore(this.kube, buildRestoreJob(ctx, ctx.restore, settings));
  }
}
