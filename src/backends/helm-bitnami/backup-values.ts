import type { BackupPlan } from '../common/backup-plan.js';
import { backupScript } from '../common/backup-script.js';
import type { HelmValues } from './values.js';

/**
 * The chart's `backup.cronjob` values for a server's backup plan (ADR 0020): the chart renders
 * the CronJob `<release>-pgdumpall` and its claim; the command is the operator's shared backup
 * script (the same layout and report as the statefulset backend, so status and restore read it
 * the same way) instead of the chart's single pg_dumpall file. No plan: the chart's backup off
 * (its claim and backups are kept: `resourcePolicy: keep`).
 */
export interface BackupValuesInput {
  plan?: BackupPlan;
  storageGB: number;
  /** Empty: the cluster's default storage class. */
  storageClass: string;
}

export function buildBackupValues(input: BackupValuesInput): HelmValues {
  if (!input.plan) return { backup: { enabled: false } };
  return {
    backup: {
      enabled: true,
      cronjob: {
        schedule: input.plan.schedule,
        timeZone: 'Etc/UTC',
        // A backup still running when the next is due: skip the next, never two dumps at once.
        concurrencyPolicy: 'Forbid',
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        command: ['/bin/sh', '-c', backupScript(input.plan.retentionDays)],
        storage: {
          enabled: true,
          size: `${input.storageGB}Gi`,
          ...(input.storageClass ? { storageClass: input.storageClass } : {}),
          // Backups outlive the release (a deleted server is what they are for); pvc_cleanup deletes them.
          resourcePolicy: 'keep',
        },
      },
    },
  };
}

/** `<release>-pgdumpall`: the chart's backup CronJob and claim. */
export const chartBackupName = (release: string): string => `${release}-pgdumpall`;

/** `backup.cronjob` came with chart 12; a release pinned to an older chart (11.9.13, ADR 0012) gets no backups. */
export function chartHasBackups(chartVersion: string | undefined): boolean {
  const major = chartVersion ? Number(/^(\d+)\./.exec(chartVersion)?.[1]) : Number.NaN;
  return !(major < 12);
}
